"""Notebook 00's exercise: bring a database to one exact revision, not to head."""

from __future__ import annotations

from ..workspace import Workspace
from . import Exercise

TARGET = "0002"

TASK = """\
The exercise workspace holds the bookshop's four reference revisions (`0001` … `0004`)
and an **empty** database. Bring the database to revision **`0002` exactly** — not to
the head — then look at `ws_ex.version_table()` and `ws_ex.columns("books")` to see
where it stands: `books` should have `published_year` (added by `0002`) but no `slug`
(that arrives with `0004`)."""

HINT = """\
`ws_ex.upgrade()` with no argument means `alembic upgrade head`: it runs *every*
pending revision. Pass the revision you want instead, as you would on the command line
(`alembic upgrade 0002`). Went too far? `ws_ex.downgrade("0002")` comes back down."""

SOLUTION = """\
# ws is the exercise workspace (ws_ex in the notebook)
ws.upgrade("0002")          # alembic upgrade 0002
ws.version_table()          # one row: 0002
"""


def prepare(ws: Workspace) -> None:
    """Nothing to do: a bookshop workspace starts with the four revisions and no tables."""


def check(ws: Workspace) -> str:
    """The database is at 0002: one alembic_version row, published_year present, no slug."""
    current = ws.current()
    assert current is not None, (
        "The database is still empty (at base): no revision has run yet. "
        f"Upgrade it to revision {TARGET}."
    )
    assert current == TARGET, _wrong_revision(current)
    versions = ws.version_table()
    assert versions["version_num"].tolist() == [TARGET], (
        f"alembic_version should hold exactly one row, {TARGET!r}; it holds "
        f"{versions['version_num'].tolist()}. Use ws_ex.upgrade/downgrade rather than "
        "editing the table by hand."
    )
    tables = ws.tables()["table"].tolist()
    assert "books" in tables, (
        f"alembic_version says {TARGET}, but the database has no books table: the version "
        "was set without running the revisions (that is what stamp does). Start again with "
        f"exercise.start() and use ws_ex.upgrade({TARGET!r})."
    )
    columns = ws.columns("books")["column"].tolist()
    assert "published_year" in columns and "slug" not in columns, (
        f"alembic_version says {TARGET}, but books has the columns {columns}: the schema and "
        "the version table disagree. Start again with exercise.start() and use "
        f"ws_ex.upgrade({TARGET!r})."
    )
    return (
        f"The database is at {TARGET}: alembic_version has the one row {TARGET!r}, and books "
        "has published_year but no slug yet. Revisions 0003 and 0004 are still pending."
    )


def _wrong_revision(current) -> str:
    if current == "0001":
        return (
            "The database is at 0001, one revision short of 0002. "
            "Go one step further: ws_ex.upgrade('+1') (or ws_ex.upgrade('0002'))."
        )
    return (
        f"The database is at {current}, past 0002: upgrade() without an argument goes all "
        "the way to head. Come back down with ws_ex.downgrade('0002')."
    )


EXERCISE = Exercise("nb00", TASK, prepare, check, HINT, SOLUTION, starter="bookshop")
