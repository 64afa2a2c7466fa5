"""Progress bars for long operations: a data migration, a batch rewrite, a backup.

In a notebook the bar is a widget (``tqdm.auto``); in a terminal it is a text line.
With ``MIGRATOR_QUIET=1`` in the environment (the test runs and
``tools/execute.py`` set it) nothing is drawn, so stored outputs stay
deterministic.  Three ways in:

``progress(desc)``
    A bar you report to: ``report(count, total)``, or pass ``report.sqlite_backup``
    as the ``progress=`` callback of :meth:`sqlite3.Connection.backup`.
``track(iterable)``
    Wrap the rows of a data migration done in Python.
``watch(ws)`` (or ``watch(url)``)
    A bar for SQL run on one database (``ws.upgrade()`` rewriting a big table):
    sqlite3's ``set_progress_handler`` counts the virtual-machine steps on every
    connection to that database, turned into rows with an estimate from the row count.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from tqdm.auto import tqdm

from . import schema

#: How many SQLite virtual-machine instructions pass between two progress callbacks.
EVERY = 1000


def quiet() -> bool:
    """True when progress bars are switched off (``MIGRATOR_QUIET=1``)."""
    return os.environ.get("MIGRATOR_QUIET", "") not in ("", "0")


class Progress:
    """A progress bar that is told how far an operation has got: ``report(count, total)``.

    Works as a context manager: leaving the block without an error fills the bar
    (the operation is done, whatever the last report said) and closes it.
    """

    def __init__(self, desc: str = "", *, total: int | None = None, unit: str = "it", file=None):
        self.count = 0
        self.total = total
        self.bar = tqdm(total=total, desc=desc, unit=unit, file=file, disable=quiet(), leave=True)

    def __call__(self, count: int, total: int | None = None) -> None:
        """Report that ``count`` of ``total`` units are done."""
        if total is not None and total != self.total:
            self.total = self.bar.total = total
        self.count = count if self.total is None else min(count, self.total)
        if self.bar.disable:
            return
        if self.count >= self.bar.n:
            self.bar.update(self.count - self.bar.n)  # redraws at most every mininterval
        else:
            self.bar.n = self.count
            self.bar.refresh()

    def advance(self, steps: int = 1) -> None:
        """Report ``steps`` more units done."""
        self(self.count + steps)

    def sqlite_backup(self, status: int, remaining: int, total: int) -> None:
        """The ``progress=`` callback of ``sqlite3.Connection.backup`` (pages copied)."""
        self(total - remaining, total)

    def finish(self) -> None:
        """The operation is complete: fill the bar."""
        if self.total is None:
            self.total = self.bar.total = self.count
        self(self.total)

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish()
        self.close()

    def __repr__(self) -> str:
        return f"Progress({self.count}/{self.total})"


def progress(desc: str = "", *, total: int | None = None, unit: str = "it", file=None) -> Progress:
    """A bar to report to, e.g. from a backup: ``with progress("backup", unit="page") as report:``."""
    return Progress(desc, total=total, unit=unit, file=file)


def track(iterable: Iterable, *, total: int | None = None, desc: str = "", unit: str = "row", file=None) -> Iterator:
    """``for row in track(rows, total=n, desc="backfill"):`` shows how far a Python loop got."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    with Progress(desc, total=total, unit=unit, file=file) as report:
        for item in iterable:
            yield item
            report.advance()


def instructions_per_row(columns: int) -> int:
    """Roughly how many SQLite VM steps copying or updating one row takes (measured: 5 columns ~ 17)."""
    return 4 + 3 * max(columns, 1)


@contextmanager
def watch(
    database: str | Any,
    table: str | None = None,
    *,
    rows: int | None = None,
    desc: str = "migrating",
    file=None,
) -> Iterator[Progress]:
    """Show a bar while SQL runs over many rows, e.g. ``with watch(ws, "books"): ws.upgrade()``.

    ``database`` is a URL, or anything with a ``url`` (a Workspace or Project).
    The bar counts rows of ``table`` (every table when None; ``rows`` overrides the
    count): each SQLite progress callback on a connection to the workspace database
    adds ``EVERY / instructions_per_row`` rows.  It is an estimate, so the bar waits
    just short of the end until the block finishes, then fills.
    """
    url = getattr(database, "url", database)
    total, columns = _size(url, table)
    total = total if rows is None else rows
    database = _database(url)
    step = EVERY / instructions_per_row(columns)
    done = {"rows": 0.0}

    with Progress(desc, total=max(total, 1), unit="row", file=file) as report:

        def tick() -> int:
            done["rows"] += step
            report(min(int(done["rows"]), report.total - 1))
            return 0  # non-zero would abort the statement

        def on_connect(connection: sa.Connection) -> None:
            if _database(connection.engine.url) == database:
                connection.connection.dbapi_connection.set_progress_handler(tick, EVERY)

        event.listen(Engine, "engine_connect", on_connect)
        try:
            yield report
        finally:
            event.remove(Engine, "engine_connect", on_connect)


def _size(url: str, table: str | None) -> tuple[int, int]:
    """(rows, columns) of ``table``, or the sum of rows and the widest table over all tables."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        found = schema.tables(engine)
    finally:
        engine.dispose()
    found = found[found["table"] != schema.VERSION_TABLE]
    if table is not None:
        found = found[found["table"] == table]
    if found.empty:
        return 0, 1
    return int(found["rows"].sum()), int(found["columns"].max())


def _database(url: Any) -> str:
    name = sa.make_url(url).database or ""
    return str(Path(name).resolve()) if name and name != ":memory:" else name
