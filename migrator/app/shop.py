"""The bookshop's application layer: add and list records through the ORM.

A ``Bookshop`` is built from one loaded version of the models.  After a migration
the app must be *reloaded* (``ws.app()`` again) before its code knows the new
columns: that is step 5 of the workflow, and both ways of getting it wrong (old
code, or code ahead of the database) end in an :class:`AppError` that says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..errors import AppError
from ..i18n import _


class Bookshop:
    """Authors and their books, stored with whatever models it was loaded with."""

    def __init__(self, engine: Engine, models: ModuleType) -> None:
        self.engine = engine
        self.models = models

    @property
    def Author(self):
        return self._model("Author")

    @property
    def Book(self):
        return self._model("Book")

    def add_author(self, name: str, **fields) -> int:
        """Store an author; returns its id."""
        with self._session() as session:
            author = self._new(self.Author, name=name, **fields)
            session.add(author)
            session.flush()
            return author.id

    def add_book(self, title: str, author: str, **fields) -> int:
        """Store a book by ``author`` (created if new); returns its id."""
        with self._session() as session:
            found = session.scalar(sa.select(self.Author).where(self.Author.name == author))
            found = found or self._new(self.Author, name=author)
            book = self._new(self.Book, title=title, author=found, **fields)
            session.add(book)
            session.flush()
            return book.id

    def authors(self) -> pd.DataFrame:
        """Every author, one row each, columns as the loaded models know them."""
        return self._frame(self.Author)

    def books(self) -> pd.DataFrame:
        """Every book, one row each, columns as the loaded models know them."""
        return self._frame(self.Book)

    def _frame(self, model) -> pd.DataFrame:
        table = model.__table__
        with self._session() as session:
            rows = session.execute(sa.select(table).order_by(*table.primary_key)).all()
        return pd.DataFrame(rows, columns=[c.name for c in table.columns])

    def _model(self, name: str):
        model = getattr(self.models, name, None)
        if model is None:
            raise AppError(
                _("The loaded models define no {name} class.", name=name),
                _("Add a {name} model to models.py, save it, and reload the app: shop = ws.app()", name=name),
            )
        return model

    def _new(self, model, **fields):
        unknown = sorted(set(fields) - set(sa.inspect(model).attrs.keys()))
        if unknown:
            raise AppError(
                _("The loaded {name} class has no field {map}: this app was built from "
                  "an older version of models.py.", name=model.__name__, map=', '.join(map(repr, unknown))),
                _("Reload the app so it uses the saved models: shop = ws.app()"),
            )
        return model(**fields)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """One committed unit of work; 'no such column/table' becomes advice."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except sa.exc.OperationalError as exc:
            if not any(text in str(exc.orig) for text in ("no such", "has no column named")):
                raise
            raise AppError(
                _("The code expects something the database does not have ({orig}).", orig=exc.orig),
                _("The models are ahead of the database: upgrade it first (ws.upgrade())."),
            ) from None
