"""Notebook 01's exercise: a second table, from the model to the database (steps 1-4)."""

from __future__ import annotations

import difflib

import sqlalchemy as sa

from ..i18n import N_, _
from ..scaffold import starter_models
from ..workspace import Workspace
from . import Exercise, assert_models_match, assert_new_head_applied

#: The models at the end of notebook 01: the starter file plus authors and books.
AUTHORS_AND_BOOKS = '''

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
    author: Mapped[Author] = relationship(back_populates="books")
'''
MODELS = starter_models() + AUTHORS_AND_BOOKS

TASK = """\
The bookshop wants to record publishers. The exercise workspace is where this notebook
left off: `authors` and `books`, revision `0001` applied. Add a **`Publisher`** model
(table **`publishers`**, columns **`id`** — the primary key — and **`name`**, a
`String(100)`), save `models.py`, autogenerate a revision, read it, and upgrade.
The check looks at the *database*: `publishers` must exist there, `alembic_version`
must be at the new head, and `ws_ex.check()` must find no difference left."""

HINT = N_("""\
Copy the shape of the `Author` class: `__tablename__ = "publishers"`, an
`id: Mapped[int] = mapped_column(primary_key=True)` and a
`name: Mapped[str] = mapped_column(String(100))`. Run the `%%writefile` cell to save,
then `rev = ws_ex.revision("create publishers")`, look at `rev`, and `ws_ex.upgrade()`.""")

SOLUTION = N_('''\
# ws is the exercise workspace (ws_ex in the notebook). Steps 1-2: add the model, save.
ws.write_models(ws.read_models() + """

class Publisher(Base):
    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
""")
rev = ws.revision("create publishers")   # step 3: autogenerate (then read rev!)
ws.upgrade()                             # step 4: apply it
''')


def prepare(ws: Workspace) -> None:
    """Authors and books, revision 0001 applied: where notebook 01 ends."""
    ws.write_models(MODELS)
    ws.revision("create authors and books")
    ws.upgrade()


def check(ws: Workspace) -> str:
    """publishers(id, name) exists in the database, at head, with no pending difference."""
    model_tables = ws.metadata().tables
    if "publishers" not in model_tables:
        raise AssertionError(_no_publishers(ws, sorted(set(model_tables) - BEFORE)))
    name = model_tables["publishers"].columns.get("name")
    assert name is not None, _(
        "The publishers table in models.py has no name column yet. Add "
        "`name: Mapped[str] = mapped_column(String(100))` to Publisher and save the file."
    )
    assert isinstance(name.type, sa.String) and name.type.length == 100, _(
        "publishers.name is {type!r} in models.py; the task asks for String(100), like "
        "authors.name: `name: Mapped[str] = mapped_column(String(100))`. Fix it and save.", type=name.type
    )
    head = assert_new_head_applied(
        ws,
        "0001",
        _("models.py now has publishers, but the only revision is still 0001: "
          "autogenerate a new one with ws_ex.revision(\"create publishers\").")
    )
    tables = ws.tables()["table"].tolist()
    leftover = sorted(set(tables) - set(model_tables) - {"alembic_version"})
    if "publishers" in tables:
        redo = _("The database still has {leftover}, from an earlier try, and models.py no longer "
                 "has it. Autogenerate one more revision (read it: it drops that table) and upgrade; or go "
                 "back with ws_ex.downgrade('-1') to before the revision that made it, delete that file in "
                 "migrations/versions/, and autogenerate again.", leftover=", ".join(leftover))
    else:
        redo = _("The database still has {leftover}, from an earlier try, and models.py no longer "
                 "has it. Autogenerate one more revision (read it: it drops that table and creates publishers) "
                 "and upgrade; or go back with ws_ex.downgrade('-1') to before the revision that made it, "
                 "delete that file in migrations/versions/, and autogenerate again.", leftover=", ".join(leftover))
    assert not leftover, redo
    assert "publishers" in tables, _(
        "The database is at the head ({head}) but has no publishers table. Read the revision "
        "(ws_ex.versions() lists the files): was it generated before models.py was saved?", head=head
    )
    columns = ws.columns("publishers").set_index("column")
    missing = [c for c in ("id", "name") if c not in columns.index]
    assert not missing, _(
        "The publishers table has the columns {columns}, but not {missing}. Add "
        "them to the model, save, autogenerate another revision and upgrade.",
        columns=columns.index.tolist(), missing=missing
    )
    assert columns.loc["name", "type"] == "VARCHAR(100)", _(
        "models.py says String(100), but publishers.name is {type} in the "
        "database: the revision was written before that fix, and autogenerate cannot see it (it "
        "compares a type's length only when both sides have one). Take the revision back: "
        "ws_ex.downgrade('-1'), delete its file in migrations/versions/, autogenerate again and upgrade.",
        type=columns.loc["name", "type"]
    )
    assert_models_match(
        ws, _("The models and the database still differ (ws_ex.check() lists: "),
        _("). Autogenerate a revision for that and upgrade."),
    )
    later = [r for r in ws.versions()["revision"].tolist() if r != "0001"]
    done = _("publishers (id, name) exists in the database, alembic_version is at {head}, and "
             "ws_ex.check() finds no difference between models and database.", head=head)
    if len(later) > 1:
        done += " " + _("Your history took {count} revisions to get there ({revisions}): fine "
                        "on your own machine. Before sharing them, a team would fold them into one (downgrade, "
                        "delete the files, autogenerate once).", count=len(later), revisions=", ".join(later))
    return done


#: The tables the exercise starts with.
BEFORE = {"authors", "books"}


def _no_publishers(ws: Workspace, new: list[str]) -> str:
    """Why there is no publishers table in models.py: nothing new yet, or a near miss (``publisher``)."""
    if not new:
        return _(
            "models.py defines no table called 'publishers' yet. Add a Publisher class with "
            "`__tablename__ = \"publishers\"`, an id primary key and a name, then save the file "
            "(run the %%writefile cell)."
        )
    close = difflib.get_close_matches("publishers", new, n=1, cutoff=0.5)
    name = close[0] if close else new[0]
    message = _(
        "Close: models.py defines a table called {name!r}, but the task asks for 'publishers' "
        "(plural, like authors and books). Change `__tablename__` to \"publishers\" and save.", name=name
    )
    if ws.current() != "0001":
        message += " " + _(
            "Your revision that creates {name!r} is already applied: after the fix, autogenerate "
            "a second revision (it drops that table and creates publishers: read it) and upgrade. "
            "Or first take the first one back: ws_ex.downgrade('-1'), delete its file in "
            "migrations/versions/, then autogenerate again.", name=name
        )
    elif ws.heads() != ["0001"]:
        message += " " + _(
            "A revision that creates {name!r} is written but not applied: delete its file in "
            "migrations/versions/ (ws_ex.versions() names it), then autogenerate again.", name=name
        )
    return message


EXERCISE = Exercise("nb01", TASK, prepare, check, HINT, SOLUTION, starter="empty")
