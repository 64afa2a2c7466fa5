"""Notebook 08's exercise: go down the history as far as possible without losing data."""

from __future__ import annotations

from ..workspace import Workspace
from . import Exercise

TARGET = "0002"

#: (title, author, published_year): what the prepared database holds.
BOOKS = [
    ("The Left Hand of Darkness", "Ursula K. Le Guin", 1969),
    ("The Dispossessed", "Ursula K. Le Guin", 1974),
    ("Kindred", "Octavia E. Butler", 1979),
]

TASK = """\
The exercise database is at the head (`0004`) and holds three books, each with its
`published_year`. Open the explorer on it and move the database **down its history as
far as you can without losing any data that cannot be recomputed**. The explorer asks
for a confirmation before every step that deletes something: read the warning and the
revision's file (select the revision: its source is shown) before you say yes. Leave the
database at that revision."""

HINT = """\
Two downgrades delete a column. `0004`'s downgrade drops `books.slug` — read the comment
in its `downgrade()`: can the slugs be rebuilt from something still in the table?
`0002`'s downgrade drops `books.published_year`: where else are those years stored?
Select a revision in the explorer and press **Downgrade to selected**; the warning lists
every step that deletes data, and **Cancel** runs nothing."""

SOLUTION = """\
# ws is the exercise workspace (ws_ex in the notebook)
explorer = ws.explorer()
explorer.select("0002")
explorer.downgrade_selected()   # asks first: 0004's downgrade drops books.slug
explorer.confirm()              # fine: every slug can be recomputed from its title
ws.rows("books")                # the published years are all still there
"""


def prepare(ws: Workspace) -> None:
    """The bookshop at head, with three books that have a published year."""
    ws.upgrade()
    shop = ws.app()
    for title, author, year in BOOKS:
        shop.add_book(title, author, published_year=year)


def check(ws: Workspace) -> str:
    """At 0002 with every book and its year: the slugs (recomputable) may go, the years may not."""
    current = ws.current()
    if current is None:
        raise AssertionError(
            "The database is at base: every downgrade ran, the tables were dropped and the "
            "books are gone. Start again with exercise.start() and stop earlier: the "
            "explorer's warning says which step drops what."
        )
    if current == "0001":
        raise AssertionError(
            "The database is at 0001: 0002's downgrade dropped books.published_year, and "
            "those years were stored nowhere else, so they are lost (upgrading again brings "
            "the column back empty). Start again with exercise.start() and stop one step higher."
        )
    if current in ("0003", "0004"):
        raise AssertionError(
            f"The database is still at {current}: you can go lower without losing anything. "
            "0004's downgrade drops books.slug, but read its comment: every slug can be "
            "recomputed from the title (0004's upgrade does exactly that). Keep going down "
            "until the next step would drop data that exists nowhere else."
        )
    assert current == TARGET, f"The database is at {current!r}, which is not a bookshop revision."
    books = ws.rows("books")
    found = sorted(zip(books["title"], books["published_year"]))
    expected = sorted((title, year) for title, _, year in BOOKS)
    assert found == expected, (
        f"The database is at {TARGET}, but the books changed: expected {expected}, found "
        f"{found}. Start again with exercise.start() and move only with the explorer."
    )
    return (
        f"The database is at {TARGET}: the slugs are gone (0004's upgrade will recompute "
        "them from the titles), and every book still has its published_year. One step more "
        "would have destroyed data no revision can bring back."
    )


EXERCISE = Exercise("nb08", TASK, prepare, check, HINT, SOLUTION, starter="bookshop")
