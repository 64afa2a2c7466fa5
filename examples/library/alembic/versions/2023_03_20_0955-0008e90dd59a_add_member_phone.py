"""add member phone

Revision ID: 0008e90dd59a
Revises: 0007b33d18ee
Create Date: 2023-03-20 09:55:12.226804

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008e90dd59a'
down_revision: Union[str, Sequence[str], None] = '0007b33d18ee'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("members", sa.Column("phone", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    # SQLite >= 3.35 drops a column in place, so no batch rebuild is needed.
    op.drop_column("members", "phone")
