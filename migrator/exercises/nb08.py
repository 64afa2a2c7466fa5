"""Notebook 08's exercise: go down the history as far as possible without losing data.

A judgment, not a recipe: the notebook showed that 0004's downgrade may drop ``books.slug``
because every slug can be recomputed from its title. Here the shop's editors changed one
slug by hand, so that reasoning no longer holds: the learner has to look at the data before
saying yes, and stop at 0004.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..i18n import N_, _
from ..workspace import Workspace
from . import Exercise

TARGET = "0004"

#: (title, author, published_year): what the prepared database holds.
BOOKS = [
    ("The Left Hand of Darkness", "Ursula K. Le Guin", 1969),
    ("The Dispossessed", "Ursula K. Le Guin", 1974),
    ("Kindred", "Octavia E. Butler", 1979),
]
#: The slug the shop's editors chose by hand (0004's upgrade would make 'the-left-hand-of-darkness').
EDITED = ("The Left Hand of Darkness", "left-hand")
YEAR = "    published_year: Mapped[int | None]"  # followed by a comment in the bookshop's models.py
ISBN = "    isbn: Mapped[str | None] = mapped_column(String(13))"

TASK = """\
The exercise database is at `0005` (*add isbn to books*: a column nobody has filled in yet)
and holds three books. Slugs are the books' web addresses: `0004`'s upgrade computed them
from the titles, and since then the shop's editors may change them by hand. Move the
database **down its history as far as it can go without losing anything that cannot be
recomputed**, with the explorer. It asks before every step that deletes values: before you
say yes, look at what would be deleted in the data panel and decide whether a revision can
bring it back. Leave the database at that revision."""

HINT = N_("""\
Take one step at a time (**Downgrade one step**) and stop at every confirmation. A dropped
column is only harmless if every one of its values can be computed again from what stays.
`0004`'s upgrade makes a slug from a title with one rule: lower case, spaces turned into
hyphens. Compare each book's `slug` with its `title` in the data panel: does the rule give
back every slug? **Cancel** runs nothing.""")

SOLUTION = N_("""\
# ws is the exercise workspace (ws_ex in the notebook)
explorer = ws.explorer()
explorer.downgrade_one()   # 0005 -> 0004: drops books.isbn, which holds no value, so no question
ws.rows("books")           # 'left-hand' is not what 0004's upgrade makes of its title
explorer.downgrade_one()   # asks first: 0004's downgrade drops books.slug ...
explorer.cancel()          # ... and 'left-hand' would be lost: stay at 0004
""")


def prepare(ws: Workspace) -> None:
    """The bookshop at 0005 (an empty isbn column), three books, one slug edited by hand."""
    ws.upgrade()
    shop = ws.app()
    for title, author, year in BOOKS:
        shop.add_book(title, author, published_year=year)
    title, slug = EDITED
    with ws.engine.begin() as connection:
        connection.execute(sa.text("UPDATE books SET slug = :slug WHERE title = :title"),
                           {"slug": slug, "title": title})
    ws.edit_models(YEAR, ISBN + "\n" + YEAR)
    ws.revision("add isbn to books")
    ws.upgrade()


def _slugs(ws: Workspace) -> dict[str, str]:
    books = ws.rows("books")
    return dict(zip(books["title"], books["slug"])) if "slug" in books.columns else {}


def check(ws: Workspace) -> str:
    """At 0004 with every book, its year and its slug: isbn (empty) may go, the slugs may not."""
    current = ws.current()
    title, slug = EDITED
    lost = _(
        "0004's downgrade dropped books.slug, and the slug of {title!r} was {slug!r}, chosen by "
        "hand: 0004's upgrade would recompute it from the title as "
        "'{recomputed}', and the book's address would change.",
        title=title, slug=slug, recomputed=title.lower().replace(" ", "-"),
    )
    if current is None:
        raise AssertionError(_(
            "The database is at base: every downgrade ran, the tables were dropped and the "
            "books are gone. Start again with exercise.start() and stop much earlier: read "
            "each warning before you click Yes."
        ))
    if current in ("0001", "0002", "0003"):
        raise AssertionError(_(
            "The database is at {current}. {lost} Start again with exercise.start(), and before "
            "you confirm a drop, compare the values it deletes with what could rebuild them.",
            current=current, lost=lost,
        ))
    if current == "0005":
        raise AssertionError(_(
            "The database is still at 0005: you can go lower without losing anything. 0005's "
            "downgrade drops books.isbn, which holds no value yet (the explorer does not even ask). "
            "Then think hard before the next step."
        ))
    assert current == TARGET, _("The database is at {current!r}, which is not a revision of this exercise.",
                                current=current)
    books = ws.rows("books")
    assert "isbn" not in books.columns, _("alembic_version says 0004, but books still has isbn.")
    found = sorted(zip(books["title"], books["published_year"], books["slug"]))
    expected = sorted(
        (t, year, slug if t == title else t.lower().replace(" ", "-")) for t, _, year in BOOKS
    )
    if found != expected:
        raise AssertionError(_(
            "The database is at {target}, but the books changed: expected {expected}, found "
            "{found}. Going down through 0004 and back up recomputes every slug from its title; "
            "the hand-made one does not come back. Start again with exercise.start().",
            target=TARGET, expected=expected, found=found,
        ))
    return _(
        "The database is at {target}: the empty isbn column is gone, and every slug is still "
        "there, {slug!r} included. One step more would have replaced it with what the title "
        "gives: not every column that a revision fills in can be filled in again.",
        target=TARGET, slug=slug,
    )


EXERCISE = Exercise("nb08", TASK, prepare, check, HINT, SOLUTION, starter="bookshop")
