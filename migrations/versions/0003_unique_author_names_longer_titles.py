"""unique author names, longer titles

Revision ID: 0003
Revises: 0002
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# SQLite cannot add a constraint or change a type in place: batch mode copies each
# table into a new one with the change, then swaps it in. copy_from spells out the
# table as it is before this revision, so `alembic upgrade --sql` (which cannot look
# at a database) can write the copy too.
AUTHORS_BEFORE = sa.Table(
    'authors', sa.MetaData(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name='pk_authors'),
)
BOOKS_BEFORE = sa.Table(
    'books', sa.MetaData(),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('published_year', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['authors.id'], name='fk_books_author_id_authors'),
    sa.PrimaryKeyConstraint('id', name='pk_books'),
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('authors', copy_from=AUTHORS_BEFORE) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_authors_name'), ['name'])

    with op.batch_alter_table('books', copy_from=BOOKS_BEFORE) as batch_op:
        batch_op.alter_column('title',
               existing_type=sa.String(length=100),
               type_=sa.String(length=200),
               existing_nullable=False)


def downgrade() -> None:
    """Downgrade schema."""
    books_after = BOOKS_BEFORE.to_metadata(sa.MetaData())
    books_after.c.title.type = sa.String(length=200)
    with op.batch_alter_table('books', copy_from=books_after) as batch_op:
        batch_op.alter_column('title',
               existing_type=sa.String(length=200),
               type_=sa.String(length=100),
               existing_nullable=False)

    authors_after = AUTHORS_BEFORE.to_metadata(sa.MetaData())
    authors_after.append_constraint(sa.UniqueConstraint('name', name='uq_authors_name'))
    with op.batch_alter_table('authors', copy_from=authors_after) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_authors_name'), type_='unique')
