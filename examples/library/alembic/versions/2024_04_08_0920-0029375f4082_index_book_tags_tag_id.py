"""index book_tags tag_id

Revision ID: 0029375f4082
Revises: 0028696aa17c
Create Date: 2024-04-08 09:20:16.407395

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0029375f4082'
down_revision: Union[str, Sequence[str], None] = '0028696aa17c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # "All books tagged X" scanned book_tags: its primary key starts with book_id.
    op.create_index(op.f("ix_book_tags_tag_id"), "book_tags", ["tag_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_book_tags_tag_id"), table_name="book_tags")
