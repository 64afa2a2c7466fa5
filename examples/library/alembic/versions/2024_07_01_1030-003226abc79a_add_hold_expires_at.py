"""add hold expires_at

Revision ID: 003226abc79a
Revises: 0031dd3a0cc2
Create Date: 2024-07-01 10:30:50.268941

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '003226abc79a'
down_revision: Union[str, Sequence[str], None] = '0031dd3a0cc2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("holds", sa.Column("expires_at", sa.DateTime(), nullable=True))
    # The nightly job looks only at ready holds: a partial index keeps it small.
    op.create_index(
        "ix_holds_ready_expires_at",
        "holds",
        ["expires_at"],
        unique=False,
        sqlite_where=sa.text("status = 'ready'"),
        postgresql_where=sa.text("status = 'ready'"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_holds_ready_expires_at", table_name="holds")
    op.drop_column("holds", "expires_at")
