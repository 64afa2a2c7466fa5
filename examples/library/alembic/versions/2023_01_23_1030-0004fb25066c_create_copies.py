"""create copies

Revision ID: 0004fb25066c
Revises: 0003b542d84c
Create Date: 2023-01-23 10:30:18.644530

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004fb25066c'
down_revision: Union[str, Sequence[str], None] = '0003b542d84c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("barcode", sa.String(length=20), nullable=False),
        sa.Column("acquired_on", sa.Date(), nullable=True),
        sa.Column("price", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["book_id"], ["books.id"], name=op.f("fk_copies_book_id_books")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_copies_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_copies")),
        sa.UniqueConstraint("barcode", name=op.f("uq_copies_barcode")),
    )
    op.create_index(op.f("ix_copies_book_id"), "copies", ["book_id"], unique=False)
    op.create_index(op.f("ix_copies_branch_id"), "copies", ["branch_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_copies_branch_id"), table_name="copies")
    op.drop_index(op.f("ix_copies_book_id"), table_name="copies")
    op.drop_table("copies")
