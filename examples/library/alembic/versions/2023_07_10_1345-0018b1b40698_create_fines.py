"""create fines

Revision ID: 0018b1b40698
Revises: 001770be239a
Create Date: 2023-07-10 13:45:28.930612

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0018b1b40698'
down_revision: Union[str, Sequence[str], None] = '001770be239a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "fines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_fines_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fines")),
    )
    op.create_index(op.f("ix_fines_loan_id"), "fines", ["loan_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_fines_loan_id"), table_name="fines")
    op.drop_table("fines")
