"""branch codes upper case

Revision ID: 003516ea0ce5
Revises: 0034ee08c026
Create Date: 2025-01-13 09:50:42.031857

"""
# needs-live-database: on SQLite adding a CHECK constraint rebuilds branches (batch
# mode), which needs reflection.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '003516ea0ce5'
down_revision: Union[str, Sequence[str], None] = '0034ee08c026'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("UPDATE branches SET code = UPPER(code) WHERE code <> UPPER(code)")
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_branches_code_upper"), "code = upper(code)")


def downgrade() -> None:
    """Downgrade schema."""
    # Lossy by nature: the codes stay upper-case; only the rule goes.
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_branches_code_upper"), type_="check")
