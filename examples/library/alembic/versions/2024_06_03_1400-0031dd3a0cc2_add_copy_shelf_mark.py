"""add copy shelf_mark

Revision ID: 0031dd3a0cc2
Revises: 003048aae049
Create Date: 2024-06-03 14:00:24.753180

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0031dd3a0cc2'
down_revision: Union[str, Sequence[str], None] = '003048aae049'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("copies", sa.Column("shelf_mark", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("copies", "shelf_mark")
