"""Typos in models.py that SQLAlchemy only notices later (at autogenerate, at the first query)
are found when the file is loaded, and named by their line: a ForeignKey to a table or column
that does not exist, a relationship to a class that does not exist, a wrong back_populates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migrator import ModelsError, Workspace

MODELS = '''

class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped["Author"] = relationship("Author", back_populates="books")


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    stars: Mapped[int]
'''


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace("t", root=tmp_path, reset=True)


def write_with(ws: Workspace, old: str, new: str) -> int:
    """Save the starter models + MODELS with ``old`` replaced by ``new``; the line of ``new``."""
    assert MODELS.count(old) == 1
    source = ws.read_models() + MODELS.replace(old, new)
    ws.write_models(source)
    return next(n for n, line in enumerate(source.splitlines(), 1) if new.splitlines()[0] in line)


def test_the_correct_models_load_and_work(ws):
    """The near-miss: the same file without a typo migrates and runs."""
    ws.write_models(ws.read_models() + MODELS)
    ws.revision("x")
    ws.upgrade()
    ws.app().add_book("Kindred", author="Octavia E. Butler")
    assert ws.rows("books")["title"].tolist() == ["Kindred"]


def test_a_foreign_key_to_a_missing_table(ws):
    line = write_with(ws, 'ForeignKey("books.id")', 'ForeignKey("bookz.id")')
    for step in (lambda: ws.revision("x"), ws.app):
        with pytest.raises(ModelsError) as caught:
            step()
        assert caught.value.what == (f"models.py line {line}: ForeignKey('bookz.id') names a table bookz "
                                     "that no model defines (tables: authors, books, reviews).")
        assert caught.value.fix == (f"Correct the table name in line {line} of models.py "
                                    "(did you mean 'books'?), save, run the step again.")


def test_a_foreign_key_to_a_missing_column(ws):
    line = write_with(ws, 'ForeignKey("authors.id")', 'ForeignKey("authors.idd")')
    with pytest.raises(ModelsError) as caught:
        ws.revision("x")
    assert caught.value.what == (f"models.py line {line}: ForeignKey('authors.idd') names a column idd "
                                 "that the table authors does not have (columns: id, name).")
    assert f"column name in line {line} of models.py (did you mean 'id'?)" in caught.value.fix


def test_a_foreign_key_in_table_args_is_found_by_its_target(ws):
    source = ws.read_models() + MODELS.replace(
        '    stars: Mapped[int]\n',
        '    stars: Mapped[int]\n    __table_args__ = (ForeignKeyConstraint(["book_id"], ["bookz.id"]),)\n')
    ws.write_models(source.replace("from sqlalchemy import ", "from sqlalchemy import ForeignKeyConstraint, "))
    line = next(n for n, text in enumerate(ws.read_models().splitlines(), 1) if "bookz" in text)
    with pytest.raises(ModelsError, match=f"^models.py line {line}: ForeignKey\\('bookz.id'\\) names a table bookz"):
        ws.revision("x")


def test_a_relationship_to_a_missing_class(ws):
    line = write_with(ws, 'relationship("Author", back_populates="books")',
                      'relationship("Autor", back_populates="books")')
    for step in (ws.app, lambda: ws.revision("x")):
        with pytest.raises(ModelsError) as caught:
            step()
        assert caught.value.what == (f"models.py line {line}: the relationship Book.author names a class "
                                     "Autor that no model defines (classes: Author, Book, Review).")
        assert caught.value.fix == (f"Correct the class name in line {line} of models.py "
                                    "(did you mean 'Author'?), save, run the step again.")


def test_a_missing_class_in_the_annotation(ws):
    line = write_with(ws, 'books: Mapped[list["Book"]]', 'books: Mapped[list["Bok"]]')
    with pytest.raises(ModelsError, match=f"^models.py line {line}: the relationship Author.books names a class "
                                          "Bok that") as caught:
        ws.app()
    assert "(did you mean 'Book'?)" in caught.value.fix


@pytest.mark.parametrize("typo", [
    'relationship("Author", back_populates="books", primaryjoin="Autor.id == Book.author_id")',
    'relationship(\n        "Autor",\n        back_populates="books",\n    )',  # the line of the name itself
])
def test_a_missing_class_elsewhere_in_a_relationship(ws, typo):
    write_with(ws, 'relationship("Author", back_populates="books")', typo)
    line = next(n for n, text in enumerate(ws.read_models().splitlines(), 1) if "Autor." in text or '"Autor"' in text)
    with pytest.raises(ModelsError, match=f"^models.py line {line}: the relationship Book.author names a class Autor"):
        ws.app()


def test_a_name_error_in_a_relationship_lambda_names_its_line(ws):
    line = write_with(ws, 'relationship("Author", back_populates="books")',
                      'relationship(lambda: Autor, back_populates="books")')
    with pytest.raises(ModelsError, match=f"^models.py line {line}: .*NameError: name 'Autor' is not defined"):
        ws.app()


def test_a_back_populates_that_names_no_relationship(ws):
    line = write_with(ws, 'back_populates="books")', 'back_populates="bookz")')
    with pytest.raises(ModelsError) as caught:
        ws.app()
    assert caught.value.what == (f"models.py line {line}: Book.author has back_populates='bookz', but Author "
                                 "has no relationship bookz (relationships: books).")
    assert f"back_populates in line {line} of models.py (did you mean 'books'?)" in caught.value.fix


def test_a_relationship_without_a_foreign_key_names_its_line(ws):
    write_with(ws, 'author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))', 'author_id: Mapped[int]')
    line = next(n for n, text in enumerate(ws.read_models().splitlines(), 1) if "books: Mapped" in text)
    with pytest.raises(ModelsError) as caught:
        ws.app()
    assert caught.value.what.startswith(f"models.py line {line}: the relationship Author.books cannot be set up: "
                                        "Could not determine join condition")
    assert "\n" not in caught.value.what and f"line {line} of models.py" in caught.value.fix


def test_a_broken_file_does_not_poison_later_loads(ws, tmp_path):
    """SQLAlchemy remembers a failed mapper in its registry; the loader disposes of it."""
    write_with(ws, 'relationship("Author", back_populates="books")', 'relationship("Autor", back_populates="books")')
    with pytest.raises(ModelsError):
        ws.app()
    sa.orm.configure_mappers()  # every registry in the process: none of them is broken
    other = Workspace("other", root=tmp_path, reset=True)
    write_with(other, 'ForeignKey("books.id")', 'ForeignKey("bookz.id")')
    with pytest.raises(ModelsError):
        other.app()
    sa.orm.configure_mappers()
    ws.write_models(ws.read_models().replace('"Autor"', '"Author"'))
    ws.revision("x")
    ws.upgrade()
    ws.app().add_book("Kindred", author="Octavia E. Butler")
    assert ws.rows("authors")["name"].tolist() == ["Octavia E. Butler"]
