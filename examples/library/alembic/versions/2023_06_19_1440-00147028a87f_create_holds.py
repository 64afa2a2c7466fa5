"""create holds

Revision ID: 00147028a87f
Revises: 00137278fe62
Create Date: 2023-06-19 14:40:19.552873

"""
# Branch: written by Ana on her feature branch, from 0013. Ben wrote 0015 and 0016 from
# the same parent at the same time; 0017 merges the two heads.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '00147028a87f'
down_revision: Union[str, Sequence[str], None] = '00137278fe62'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("pickup_branch_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="waiting", nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'ready', 'collected', 'cancelled')",
            name=op.f("ck_holds_status"),
        ),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_holds_book_id_books")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_holds_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["pickup_branch_id"],
            ["branches.id"],
            name=op.f("fk_holds_pickup_branch_id_branches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index(op.f("ix_holds_book_id"), "holds", ["book_id"], unique=False)
    op.create_index(op.f("ix_holds_member_id"), "holds", ["member_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_holds_member_id"), table_name="holds")
    op.drop_index(op.f("ix_holds_book_id"), table_name="holds")
    op.drop_table("holds")
