"""Notebook 00's exercise: how far can the database go without breaking the app still running?

The workspace holds the bookshop's four reference revisions and an empty database.
Last month's release of the app (its models are at 0002: books have title, author_id and
published_year, no slug) still serves customers until tomorrow.  The learner brings the
database as far forward as that app survives, which needs a judgement: 0003 (longer
titles, unique author names) is harmless to it; 0004 makes ``slug`` NOT NULL without a
server default, and every book the old app adds then fails.  The check runs the old app
on a copy of the learner's database, so each verdict says what really breaks and why.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from ..app import Bookshop
from ..errors import MigratorError
from ..i18n import _
from ..loader import load_models
from ..workspace import Workspace
from . import Exercise
from .nb02 import MODELS as MODELS_0002

TARGET = "0003"

#: Last month's release: the bookshop's models as they were at revision 0002.
LAST_MONTH_FILE = "last_month_models.py"
LAST_MONTH_MODELS = MODELS_0002.replace(
    '"""The models of this workspace: edit, save, then autogenerate a revision."""',
    '"""Last month\'s release of the bookshop (its models at revision 0002): books have a title,\n'
    'an author and a published_year, and no slug. Still running until tomorrow."""',
    1,
)

#: The columns of books after each revision (what a database at that revision must have).
BOOK_COLUMNS = {
    "0001": ["id", "title", "author_id"],
    "0002": ["id", "title", "author_id", "published_year"],
    "0003": ["id", "title", "author_id", "published_year"],
    "0004": ["id", "title", "author_id", "published_year", "slug"],
}

#: What last month's app does every day, as the check tries it.
DAILY_WORK = ("Parable of the Sower", "Octavia Butler", 1993)

TASK = """\
The shop's new release (its models at `0004`, with slugs) goes out tomorrow. Until then
**last month's release** still serves customers: its models are at revision `0002`, so it
reads and writes the books' `title`, `author_id` and `published_year`, and knows nothing
of `slug`. The exercise workspace holds the bookshop's four revisions (`0001` … `0004`)
and an **empty** database. Bring the database **as far forward as it can go tonight
without breaking last month's app**, and be ready to say which revision would break it, and why.

`old_shop` is last month's app on the exercise database: after each step, let it do its
daily work, `old_shop.add_book("Kindred", "Octavia Butler", published_year=1979)`.
`ws_ex.versions()` lists the revisions; the files are in the file browser under
`notebooks/workspaces/exercise_nb00/migrations/versions/`."""

HINT = """\
Go one revision at a time, `ws_ex.upgrade("+1")`, and after each step let last month's app
try `old_shop.add_book(...)`. When a step breaks it, read that revision's `upgrade()` (in
`notebooks/workspaces/exercise_nb00/migrations/versions/`) and ask what the old app does not
send that the database now demands. One step too far? `ws_ex.downgrade("-1")` comes back."""

SOLUTION = """\
# ws is the exercise workspace (ws_ex in the notebook)
from migrator.exercises.nb00 import last_months_app

ws.upgrade("0003")   # the newest revision last month's app survives
old_shop = last_months_app(ws)
old_shop.add_book("Kindred", "Octavia Butler", published_year=1979)   # works at 0003
# Why not 0004? It makes books.slug NOT NULL, with no server default, and last month's
# app inserts books without a slug: SQLite refuses them (NOT NULL constraint failed).
# Why not stop at 0002? 0003 only makes titles longer and author names unique, and the
# app looks an author up by name before it adds one, so it never writes a duplicate.
"""


def prepare(ws: Workspace) -> None:
    """A bookshop workspace starts with the four revisions and no tables; add last month's models."""
    (ws.path / LAST_MONTH_FILE).write_text(LAST_MONTH_MODELS)


def last_months_app(ws: Workspace) -> Bookshop:
    """Last month's release of the app (its models at revision 0002), on ``ws``'s database."""
    return _old_app(ws.path, ws.engine)


def _old_app(folder: Path, engine: sa.Engine) -> Bookshop:
    path = folder / LAST_MONTH_FILE
    if not path.exists():  # deleted by hand: it is part of the exercise, so bring it back
        path.write_text(LAST_MONTH_MODELS)
    return Bookshop(engine, load_models(path))


def check(ws: Workspace) -> str:
    """The database is at 0003, its schema agrees with alembic_version, and the old app works there."""
    current = ws.current()
    assert current is not None, (
        _("The database is still empty (at base): last month's app has no tables to work "
          "with. Decide how far the database can go: read what each revision changes "
          "(ws_ex.versions(), and the files in migrations/versions/), and let old_shop "
          "try its daily work after each step.")
    )
    _schema_agrees(ws, current)
    failure = _old_app_fails(ws)
    if current == "0001":
        raise AssertionError(
            _("At 0001 last month's app fails: {failure} It reads and writes "
              "published_year, which arrives with 0002. The database can go further than this.",
              failure=failure)
        )
    if current == "0002":
        raise AssertionError(
            _("Last month's app works at 0002, but the database can go one step further "
              "tonight: read what 0003 changes, and check it against what the app does "
              "(it looks an author up by name before it adds one). Then try it with old_shop.")
        )
    if current != TARGET:
        raise AssertionError(
            _("One step too far: at {current} last month's app cannot add a book any "
              "more: {failure} Revision 0004 makes books.slug NOT NULL with no server "
              "default, and the old app inserts books without a slug. That revision "
              "waits until the old app is retired: come back down with ws_ex.downgrade('-1').",
              current=current, failure=failure)
        )
    assert failure is None, (
        _("The database is at {TARGET}, but last month's app still fails here: {failure} "
          "Start again with ws_ex = exercise.start() and use ws_ex.upgrade(...).",
          TARGET=TARGET, failure=failure)
    )
    return (
        _("{TARGET} is as far as tonight goes, and last month's app just added a book "
          "there (on a copy of your database). 0003 makes titles longer and author names "
          "unique: the app looks an author up by name before adding one, so it never "
          "writes a duplicate. 0004 would break it: books.slug becomes NOT NULL with no "
          "server default, and the old app inserts books without a slug (SQLite: NOT "
          "NULL constraint failed: books.slug). 0004 goes out tomorrow, with the new "
          "release. A revision that old code must survive adds columns nullable, or with "
          "a server default.", TARGET=TARGET)
    )


def _schema_agrees(ws: Workspace, current: str) -> None:
    """alembic_version holds one row, and the tables are what that revision makes (else: stamped)."""
    versions = ws.version_table()["version_num"].tolist()
    assert versions == [current], (
        _("alembic_version should hold exactly one row; it holds {versions}. Use "
          "ws_ex.upgrade and ws_ex.downgrade rather than editing the table by hand "
          "(ws_ex = exercise.start() starts over).", versions=versions)
    )
    tables = ws.tables()["table"].tolist()
    columns = ws.columns("books")["column"].tolist() if "books" in tables else []
    assert sorted(columns) == sorted(BOOK_COLUMNS[current]), (
        _("alembic_version says {current}, but books has the columns {columns}: the "
          "version row and the tables disagree. That is what stamp does: it writes the "
          "row without running the revisions. Start again with ws_ex = exercise.start() "
          "and move with ws_ex.upgrade(...).", current=current, columns=columns)
    )


def _old_app_fails(ws: Workspace) -> str | None:
    """Let last month's app add a book on a copy of the database: None if it works, else why not."""
    title, author, year = DAILY_WORK
    with _copy(ws) as scratch:
        try:
            _old_app(ws.path, scratch.engine).add_book(title, author, published_year=year)
        except MigratorError as exc:
            return exc.what
        except sa.exc.DBAPIError as exc:
            return f"{exc.orig}."
    return None


@contextmanager
def _copy(ws: Workspace) -> Iterator[Workspace]:
    """The workspace on a copy of its database: what the check tries never touches the learner's."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        shutil.copy(ws.database_path, copy)
        yield Workspace.open(ws.path, database=copy)


EXERCISE = Exercise("nb00", TASK, prepare, check, HINT, SOLUTION, starter="bookshop")
