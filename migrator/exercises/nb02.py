"""Notebook 02's exercise: one more column, end to end (steps 1-5 and 7)."""

from __future__ import annotations

import difflib

import sqlalchemy as sa

from ..i18n import N_, _
from ..workspace import Workspace
from . import Exercise, assert_models_match, assert_new_head_applied
from .nb01 import MODELS as MODELS_0001

#: The line notebook 02 adds to Book, and the models once it is there.
TITLE_LINE = "    title: Mapped[str] = mapped_column(String(200))\n"
YEAR_LINE = "    published_year: Mapped[int | None]\n"
MODELS = MODELS_0001.replace(TITLE_LINE, TITLE_LINE + YEAR_LINE)

#: The books already in the shop when the exercise starts (title, author, year).
BOOKS = [
    ("The Dispossessed", "Ursula K. Le Guin", 1974),
    ("Kindred", "Octavia E. Butler", None),
]

TASK = """\
The shop wants to show how long each book is. The exercise workspace is where this
notebook left off: `books` has `published_year` (revision `0002` applied) and holds two
books. Add a nullable integer column **`pages`** to `Book`, end to end: save
`models.py` (steps 1-2), autogenerate and read the revision (3), upgrade (4), reload the
app (5), then **add a book with its number of pages** and read it back (7). The check
looks at the database: the `pages` column, `alembic_version` at the new head, no
difference left in `ws_ex.check()`, the two old books still there, and a book with pages."""

HINT = N_("""\
`pages: Mapped[int | None]` under `published_year` makes a nullable INTEGER column:
the two existing books simply get NULL. After `ws_ex.revision(...)` and
`ws_ex.upgrade()`, build a *new* app object with `shop_ex = ws_ex.app()` — an app
made before the upgrade does not know `pages` — and call
`shop_ex.add_book("...", "...", pages=...)`. `ws_ex.rows("books")` shows what was stored.""")

SOLUTION = N_('''\
# ws is the exercise workspace (ws_ex in the notebook).
ws.edit_models(                                         # steps 1-2: change models.py, save
    "    published_year: Mapped[int | None]\\n",
    "    published_year: Mapped[int | None]\\n    pages: Mapped[int | None]\\n",
)
rev = ws.revision("add pages to books")                 # step 3 (read rev: one add_column)
ws.upgrade()                                            # step 4
shop = ws.app()                                         # step 5: an app that knows pages
shop.add_book("Parable of the Sower", "Octavia E. Butler", published_year=1993, pages=345)
ws.rows("books")                                        # step 7: read it back
''')


def prepare(ws: Workspace) -> None:
    """Revisions 0001 (authors, books) and 0002 (published_year) applied; two books stored."""
    ws.write_models(MODELS_0001)
    ws.revision("create authors and books")
    ws.upgrade()
    ws.write_models(MODELS)
    ws.revision("add published_year to books")
    ws.upgrade()
    shop = ws.app()
    for title, author, year in BOOKS:
        shop.add_book(title, author, published_year=year)


#: The columns of Book when the exercise starts.
BEFORE = {"id", "title", "published_year", "author_id"}


def _no_pages(ws: Workspace, new: list[str]) -> str:
    """Why the model has no pages column: nothing new yet, or a near miss (``page``, ``num_pages``)."""
    if not new:
        return _(
            "The Book model has no pages column yet. Add `pages: Mapped[int | None]` to the Book "
            "class and save models.py (run the %%writefile cell)."
        )
    close = difflib.get_close_matches("pages", new, n=1, cutoff=0.4)
    name = close[0] if close else new[0]
    message = _(
        "Close: Book has a new column {name!r}, but the task (and the app call that adds a book "
        "with pages=...) asks for 'pages'. Rename it in models.py and save.", name=name
    )
    if name in ws.columns("books")["column"].tolist():
        message += " " + _(
            "{name!r} is already in the database: after the rename, autogenerate a second "
            "revision (it drops that column and adds pages: read it) and upgrade; or first take "
            "yours back with ws_ex.downgrade('-1'), delete its file in migrations/versions/, "
            "and autogenerate again.", name=name
        )
    return message


def check(ws: Workspace) -> str:
    """pages is in the database at head, models match, old rows kept, a book has pages."""
    book_columns = ws.metadata().tables["books"].columns
    if "pages" not in book_columns:
        raise AssertionError(_no_pages(ws, [c for c in book_columns.keys() if c not in BEFORE]))
    assert isinstance(book_columns["pages"].type, sa.Integer), _(
        "pages is {type!r} in the model, not an integer: a page count is a "
        "whole number. Write `pages: Mapped[int | None]` and save models.py.", type=book_columns["pages"].type
    )
    assert book_columns["pages"].nullable, _(
        "pages is NOT NULL in the model (Mapped[int]): the two books already stored have no "
        "page count, so the column must allow NULL. Write Mapped[int | None]."
    )
    head = assert_new_head_applied(
        ws,
        "0002",
        _("models.py has pages, but no revision adds it yet: autogenerate one with "
          "ws_ex.revision(\"add pages to books\") and read it.")
    )
    db_columns = ws.columns("books").set_index("column")
    leftover = [c for c in db_columns.index if c not in book_columns]
    assert not leftover, _(
        "books still has the column {leftover} from an earlier try, and models.py no "
        "longer has it. Autogenerate one more revision (read it: it drops that column, and its "
        "values with it) and upgrade; or go back with ws_ex.downgrade('-1') to before the "
        "revision that added it, delete that file in migrations/versions/, and autogenerate again.",
        leftover=", ".join(leftover)
    )
    assert "pages" in db_columns.index, _(
        "The database is at the head ({head}) but books has no pages column. Read the "
        "revision: was it generated before models.py was saved?", head=head
    )
    assert db_columns.loc["pages", "type"] == "INTEGER", _(
        "books.pages is {type} in the database, not INTEGER.", type=db_columns.loc["pages", "type"]
    )
    assert_models_match(
        ws, _("The models and the database still differ (ws_ex.check() lists: "),
        _("). Autogenerate a revision for that and upgrade."),
    )
    books = ws.rows("books")
    kept = [title for title, _, _ in BOOKS if title in set(books["title"])]
    assert len(kept) == len(BOOKS), _(
        "Of the books stored before, only {kept} are left: a column was added, so no book "
        "should have gone. Start again with exercise.start().", kept=kept
    )
    with_pages = books[books["pages"].notna()]
    assert not with_pages.empty, _(
        "The pages column is there, but no book has a page count yet. Reload the app "
        "(shop_ex = ws_ex.app()) and add a book with pages=..., e.g. "
        "shop_ex.add_book(\"Parable of the Sower\", \"Octavia E. Butler\", pages=345)."
    )
    first = with_pages.iloc[0]
    return _(
        "books.pages is in the database, alembic_version is at {head}, models and database "
        "agree, the {count} older books are still there, and {title!r} reads "
        "back with {pages} pages.", head=head, count=len(BOOKS), title=first["title"], pages=int(first["pages"])
    )


EXERCISE = Exercise("nb02", TASK, prepare, check, HINT, SOLUTION, starter="empty")
