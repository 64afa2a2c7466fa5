"""add member status

Revision ID: 0006f0063170
Revises: 00056cdd298a
Create Date: 2023-02-20 16:45:09.337261

"""
# needs-live-database: on SQLite adding a CHECK constraint rebuilds members (batch
# mode), and the rebuild reflects the table, which --sql cannot do.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006f0063170'
down_revision: Union[str, Sequence[str], None] = '00056cdd298a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # An enum-like CHECK rather than a native ENUM: the same DDL on SQLite and PostgreSQL,
    # and a new status later is a constraint swap, not an ALTER TYPE.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="active", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_members_status"), "status IN ('active', 'suspended', 'closed')"
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_members_status"), type_="check")
        batch_op.drop_column("status")
