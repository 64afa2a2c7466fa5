"""allow expired hold status

Revision ID: 00366e09277d
Revises: 003516ea0ce5
Create Date: 2025-02-10 15:20:27.684413

"""
# needs-live-database: on SQLite changing a CHECK constraint rebuilds holds (batch
# mode), which needs reflection. The partial index ix_holds_ready_expires_at survives
# the rebuild: SQLite reflects its WHERE clause.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '00366e09277d'
down_revision: Union[str, Sequence[str], None] = '003516ea0ce5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Extending an enum-like CHECK: drop the old rule, create the wider one.
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_holds_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_holds_status"),
            "status IN ('waiting', 'ready', 'collected', 'cancelled', 'expired')",
        )


def downgrade() -> None:
    """Downgrade schema."""
    # Lossy by nature: expired holds become cancelled, which the old rule allows.
    op.execute("UPDATE holds SET status = 'cancelled' WHERE status = 'expired'")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_holds_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_holds_status"),
            "status IN ('waiting', 'ready', 'collected', 'cancelled')",
        )
