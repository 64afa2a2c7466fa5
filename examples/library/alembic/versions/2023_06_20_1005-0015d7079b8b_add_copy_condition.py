"""add copy condition

Revision ID: 0015d7079b8b
Revises: 00137278fe62
Create Date: 2023-06-20 10:05:36.287140

"""
# Branch: Ben's, from 0013, alongside Ana's 0014; merged by 0017.
# needs-live-database: on SQLite adding a CHECK constraint rebuilds copies (batch
# mode), which needs reflection.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0015d7079b8b'
down_revision: Union[str, Sequence[str], None] = '00137278fe62'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("condition", sa.String(length=16), server_default="good", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_copies_condition"),
            "condition IN ('new', 'good', 'worn', 'damaged', 'lost')",
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_copies_condition"), type_="check")
        batch_op.drop_column("condition")
