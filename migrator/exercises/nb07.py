"""Notebook 07's exercise: promote a change from dev to prod, with a backup first (step 8)."""

from __future__ import annotations

from ..backup import fingerprint
from ..workspace import Workspace
from . import Exercise, assert_models_match

YEAR = "    published_year: Mapped[int | None]"  # followed by a comment in the bookshop's models.py
ISBN = "    isbn: Mapped[str | None] = mapped_column(String(13))"

#: What production holds when the exercise starts (title, author, year).
PROD_BOOKS = [
    ("The Dispossessed", "Ursula K. Le Guin", 1974),
    ("The Left Hand of Darkness", "Ursula K. Le Guin", 1969),
    ("Kindred", "Octavia E. Butler", 1979),
    ("Ancillary Justice", "Ann Leckie", 2013),
    ("The Fifth Season", "N. K. Jemisin", 2015),
]

TASK = """\
The exercise workspace has two databases. **dev** (`app.db`) already has revision
`0005` (*add isbn to books*) applied and tested; **prod** (`prod.db`, the environment
`"prod"`) is still at `0004` and holds the shop's five real books. Bring prod to the
head **safely**: a verified backup of prod taken *before* the upgrade, then the upgrade,
then a check that every book prod had is still there. The check looks at prod: at the
head, models and schema agree, a backup of prod at `0004` in `backups/` that passes
`PRAGMA integrity_check`, and the same authors and books in prod as in that backup."""

HINT = """\
`ws_ex.environments()` shows both databases and where they are. One call does every step
in the right order and stops (restoring prod) if any of them fails:
`ws_ex.promote("prod")`. Read its report; then compare `prod_ex = ws_ex.environment("prod")`,
`prod_ex.rows("books")` and `prod_ex.backups()`. (By hand it is `prod_ex.backup()`, then
`prod_ex.upgrade()`, then your own checks — in that order: a backup taken after the
upgrade cannot undo it.)"""

SOLUTION = '''\
# ws is the exercise workspace (ws_ex in the notebook).
ws.environments()                       # dev at 0005, prod at 0004
promotion = ws.promote("prod")          # checks dev, reviews, backs up, upgrades, verifies
prod = ws.environment("prod")
print(promotion)
prod.backups()                          # the backup taken at 0004
prod.rows("books")                      # the five books, now with an (empty) isbn column
'''


def prepare(ws: Workspace) -> None:
    """dev: the bookshop at 0005 (isbn) with one test book; prod: at 0004 with PROD_BOOKS."""
    ws.upgrade()
    ws.app().add_book("A test book", "Test Author", published_year=2000)
    ws.add_environment("prod", ws.path / "prod.db")
    prod = ws.environment("prod")
    prod.upgrade()
    shop = prod.app()
    for title, author, year in PROD_BOOKS:
        shop.add_book(title, author, published_year=year)
    ws.edit_models(YEAR, ISBN + "\n" + YEAR)
    ws.revision("add isbn to books")
    ws.upgrade()


def check(ws: Workspace) -> str:
    """prod at head, models match, a sound backup at 0004, the same books and authors."""
    prod = ws.environment("prod")
    [head] = ws.heads()
    current = prod.current()
    backups = prod.backups()
    before = backups[backups["revision"] == "0004"]
    if current != head:
        advice = ("There is already a backup of it, good: now upgrade prod, e.g. ws_ex.promote(\"prod\")."
                  if len(before) else "Back it up first; ws_ex.promote(\"prod\") does both in the right order.")
        raise AssertionError(f"prod is at {current or 'base'}, not at the head ({head}). {advice}")
    assert len(before), (
        f"prod is at {head}, but backups/ has no backup of prod taken at 0004, before the upgrade "
        f"({len(backups)} backup(s) at other revisions). Without it there is no way back. Start again "
        "with exercise.start() and back up first (ws_ex.promote(\"prod\") does)."
    )
    path = prod.database_path.parent / before["file"].iloc[-1]
    saved = fingerprint(path)
    assert saved.integrity == "ok", (
        f"The backup {before['file'].iloc[-1]} does not pass PRAGMA integrity_check ({saved.integrity})."
    )
    assert_models_match(prod, "prod is at the head but its schema differs from the models: ")
    backup = Workspace.open(ws.path, database=path)
    for table in ("authors", "books"):
        old, new = backup.rows(table), prod.rows(table)
        common = [c for c in old.columns if c in new.columns]
        assert len(new) >= len(old), (
            f"prod has {len(new)} {table}, the backup {len(old)}: rows were lost. Restore the backup "
            f"(ws_ex.environment('prod').restore(...)) and find out why."
        )
        assert new[common].head(len(old)).equals(old[common]), (
            f"The {table} in prod differ from those in the backup: data changed during the upgrade."
        )
    books = len(prod.rows("books"))
    return (
        f"prod is at {head} and matches the models; its backup at 0004 passes integrity_check; "
        f"all {books} books and their authors are still in prod."
    )


EXERCISE = Exercise("nb07", TASK, prepare, check, HINT, SOLUTION, starter="bookshop")
