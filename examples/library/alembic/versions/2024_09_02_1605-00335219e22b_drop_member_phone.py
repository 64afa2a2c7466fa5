"""drop member phone

Revision ID: 00335219e22b
Revises: 003226abc79a
Create Date: 2024-09-02 16:05:03.845127

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '00335219e22b'
down_revision: Union[str, Sequence[str], None] = '003226abc79a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # The privacy review: we never call members, so we no longer keep their numbers.
    # Plain drop_column, no batch block: SQLite >= 3.35 drops in place, and a rebuild
    # of members would lose ix_members_email_lower again (see 0007 and 0030).
    op.drop_column("members", "phone")


def downgrade() -> None:
    """Downgrade schema."""
    # Lossy by nature: the column comes back empty.
    op.add_column("members", sa.Column("phone", sa.String(length=32), nullable=True))
