"""add book slug

Revision ID: 00126ab203df
Revises: 0011ed04fad6
Create Date: 2023-05-22 11:35:04.773019

"""
# needs-live-database: reads the titles and queries once per slug candidate; on
# SQLite the batch block also rebuilds books, which needs reflection.
# HAZARD: that rebuild re-creates ix_books_title_nocase (0007) without COLLATE NOCASE;
# 0030 restores it.

import re
import unicodedata
from typing import Sequence, Union

from alembic import context
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '00126ab203df'
down_revision: Union[str, Sequence[str], None] = '0011ed04fad6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


books = sa.table(
    "books",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("slug", sa.String),
)


def slugify(title: str) -> str:
    """'Père Goriot!' -> 'pere-goriot': the web catalogue's URL for a book."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:200] or "book"


def upgrade() -> None:
    """Upgrade schema."""
    if context.is_offline_mode():
        raise RuntimeError("0012 reads the titles: run it on a live database, not --sql")
    op.add_column("books", sa.Column("slug", sa.String(length=220), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.select(books.c.id, books.c.title).order_by(books.c.id)).all()
    for book_id, title in rows:
        base = slugify(title)
        slug, n = base, 2
        # Same titles get -2, -3, ...: one query per candidate, as the app does it.
        while bind.execute(sa.select(books.c.id).where(books.c.slug == slug)).first():
            slug, n = f"{base}-{n}", n + 1
        bind.execute(books.update().where(books.c.id == book_id).values(slug=slug))

    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.alter_column("slug", existing_type=sa.String(length=220), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_books_slug"), ["slug"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_books_slug"), type_="unique")
        batch_op.drop_column("slug")
