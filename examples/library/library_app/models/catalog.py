"""The catalogue: authors, books (titles, not physical copies) and tags."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library_app.db import Base


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # "Le Guin, Ursula K." for the shelves and the catalogue's A-Z.
    sort_name: Mapped[str] = mapped_column(String(200))


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    isbn: Mapped[str | None] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    published_year: Mapped[int | None] = mapped_column(Integer)

    authors: Mapped[list[BookAuthor]] = relationship(
        back_populates="book", order_by="BookAuthor.position"
    )


# The catalogue search sorts and matches titles without regard to case (SQLite's NOCASE).
# An index can be declared in one form only, and this is SQLite's: other databases have
# no NOCASE collation, so revisions 0007 and 0030 give them lower(title) under the same
# name. `autogenerate_on` tells env.py's include_object to compare it on SQLite only;
# elsewhere autogenerate would report the lower(title) index as changed on every check.
Index(
    "ix_books_title_nocase",
    Book.title.collate("NOCASE"),
    info={"autogenerate_on": "sqlite"},
)


class BookAuthor(Base):
    """Which authors wrote a book, in the order the title page lists them."""

    __tablename__ = "book_authors"

    book_id: Mapped[int] = mapped_column(
        ForeignKey("books.id", ondelete="CASCADE"), primary_key=True
    )
    author_id: Mapped[int] = mapped_column(
        ForeignKey("authors.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, server_default="1")

    book: Mapped[Book] = relationship(back_populates="authors")
    author: Mapped[Author] = relationship()


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class BookTag(Base):
    __tablename__ = "book_tags"

    book_id: Mapped[int] = mapped_column(
        ForeignKey("books.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
