"""The bookshop's models at the head of the reference revision chain (migrations/versions/).

`alembic check` compares these classes with a database upgraded to head: they must match.
"""

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Every constraint gets a predictable name, so a later revision can drop or alter
# it by name (SQLite's batch mode cannot drop a constraint that has no name).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def slugify(title: str) -> str:
    """'The Dispossessed' -> 'the-dispossessed' (the rule revision 0004 backfills with)."""
    return title.strip().lower().replace(" ", "-")


def _slug_from_title(context) -> str:
    return slugify(context.get_current_parameters()["title"])


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)        # 0003: unique
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))                     # 0003: was String(100)
    published_year: Mapped[int | None]                                  # 0002
    slug: Mapped[str] = mapped_column(String(200), default=_slug_from_title)  # 0004
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")
