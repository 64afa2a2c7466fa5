"""add published_year to books

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # A nullable column: SQLite adds it in place (ALTER TABLE ... ADD COLUMN),
    # existing rows simply get NULL.
    op.add_column('books', sa.Column('published_year', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    # SQLite >= 3.35 drops a plain column in place.
    op.drop_column('books', 'published_year')
