"""add slug to books, backfilled from titles

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The books table after step 1 below (see 0003 for why batch mode needs copy_from).
BOOKS_WITH_SLUG = sa.Table(
    'books', sa.MetaData(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('published_year', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['authors.id'], name='fk_books_author_id_authors'),
    sa.PrimaryKeyConstraint('id', name='pk_books'),
)


def upgrade() -> None:
    """Upgrade schema."""
    # A NOT NULL column on a table that has rows, in three steps:
    # 1. add it nullable, so existing rows are allowed to have no value yet;
    op.add_column('books', sa.Column('slug', sa.String(length=200), nullable=True))
    # 2. a data migration: give every existing row its value, in SQL so that the
    #    offline script (--sql) contains it too; the same rule as models.slugify;
    books = sa.table('books', sa.column('title', sa.String), sa.column('slug', sa.String))
    op.execute(
        books.update().values(slug=sa.func.lower(sa.func.replace(sa.func.trim(books.c.title), ' ', '-')))
    )
    # 3. now that no row is NULL, forbid NULL (a constraint change: batch mode on SQLite).
    with op.batch_alter_table('books', copy_from=BOOKS_WITH_SLUG) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=200), nullable=False)


def downgrade() -> None:
    """Downgrade schema."""
    # The slugs can be recomputed from the titles, so dropping them loses nothing.
    op.drop_column('books', 'slug')
