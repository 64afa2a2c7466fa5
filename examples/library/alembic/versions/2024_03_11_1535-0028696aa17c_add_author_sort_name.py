"""add author sort_name

Revision ID: 0028696aa17c
Revises: 00274cd98307
Create Date: 2024-03-11 15:35:45.918562

"""
# needs-live-database: reads every author's name to compute the sort name in Python;
# on SQLite making the column NOT NULL rebuilds authors, which needs reflection.

from typing import Sequence, Union

from alembic import context
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0028696aa17c'
down_revision: Union[str, Sequence[str], None] = '00274cd98307'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


authors = sa.table(
    "authors",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("sort_name", sa.String),
)

# Lower-case particles that belong to the surname: "Ursula K. Le Guin" -> "Le Guin, Ursula K."
PARTICLES = {"de", "da", "di", "du", "del", "la", "le", "van", "von", "der"}


def sort_name(name: str) -> str:
    """The catalogue's A-Z form of an author's name."""
    words = name.split()
    if len(words) < 2:
        return name.strip()
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in PARTICLES:
        cut -= 1
    return f"{' '.join(words[cut:])}, {' '.join(words[:cut])}"


def upgrade() -> None:
    """Upgrade schema."""
    if context.is_offline_mode():
        raise RuntimeError("0028 reads the authors' names: run it on a live database, not --sql")
    op.add_column("authors", sa.Column("sort_name", sa.String(length=200), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.select(authors.c.id, authors.c.name)).all()
    if rows:
        bind.execute(
            authors.update()
            .where(authors.c.id == sa.bindparam("author_id"))
            .values(sort_name=sa.bindparam("sorted")),
            [{"author_id": author_id, "sorted": sort_name(name)} for author_id, name in rows],
        )

    with op.batch_alter_table("authors", schema=None) as batch_op:
        batch_op.alter_column("sort_name", existing_type=sa.String(length=200), nullable=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("authors", schema=None) as batch_op:
        batch_op.drop_column("sort_name")
