"""analyze after fines fold

Revision ID: 0024ce48773d
Revises: 0023647843ba
Create Date: 2023-10-02 11:30:40.012754

"""
# autocommit_block: commits the migration's transaction, runs ANALYZE on its own,
# then opens a new transaction for the rest of the run.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0024ce48773d'
down_revision: Union[str, Sequence[str], None] = '0023647843ba'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Fresh planner statistics after 0023 rewrote loans. Run on its own, outside the
    # migration's transaction: 0023's work is committed first, and on PostgreSQL the
    # locks ANALYZE takes are released when it ends, not when the whole run does.
    with op.get_context().autocommit_block():
        op.execute("ANALYZE")


def downgrade() -> None:
    """Downgrade schema."""
    # Statistics are not schema: nothing to undo. (On SQLite ANALYZE leaves its own
    # internal table sqlite_stat1 behind, which is not part of the schema.)
