"""add loan renewals

Revision ID: 00191b570783
Revises: 0018b1b40698
Create Date: 2023-08-07 10:20:49.384067

"""
# needs-live-database: on SQLite adding a CHECK constraint rebuilds loans (batch
# mode), which needs reflection.
# HAZARD: that rebuild re-creates ix_loans_loaned_at_desc (0007) ascending; the partial
# index ix_loans_open_member_id survives (SQLite reflects its WHERE). 0030 fixes it.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '00191b570783'
down_revision: Union[str, Sequence[str], None] = '0018b1b40698'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("renewals", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(op.f("ck_loans_renewals_nonnegative"), "renewals >= 0")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_loans_renewals_nonnegative"), type_="check")
        batch_op.drop_column("renewals")
