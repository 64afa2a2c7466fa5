"""Notebook 01's exercise: a second table, from the model to the database (steps 1-4)."""

from __future__ import annotations

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

HINT = """\
Copy the shape of the `Author` class: `__tablename__ = "publishers"`, an
`id: Mapped[int] = mapped_column(primary_key=True)` and a
`name: Mapped[str] = mapped_column(String(100))`. Run the `%%writefile` cell to save,
then `rev = ws_ex.revision("create publishers")`, look at `rev`, and `ws_ex.upgrade()`."""

SOLUTION = '''\
# ws is the exercise workspace (ws_ex in the notebook). Steps 1-2: add the model, save.
ws.write_models(ws.read_models() + """

class Publisher(Base):
    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
""")
rev = ws.revision("create publishers")   # step 3: autogenerate (then read rev!)
ws.upgrade()                             # step 4: apply it
'''


def prepare(ws: Workspace) -> None:
    """Authors and books, revision 0001 applied: where notebook 01 ends."""
    ws.write_models(MODELS)
    ws.revision("create authors and books")
    ws.upgrade()


def check(ws: Workspace) -> str:
    """publishers(id, name) exists in the database, at head, with no pending difference."""
    assert "publishers" in ws.metadata().tables, (
        "models.py defines no table called 'publishers' yet. Add a Publisher class with "
        "`__tablename__ = \"publishers\"`, an id primary key and a name, then save the file "
        "(run the %%writefile cell)."
    )
    head = assert_new_head_applied(
        ws,
        "0001",
        "models.py now has publishers, but the only revision is still 0001: "
        "autogenerate a new one with ws_ex.revision(\"create publishers\")."
    )
    tables = ws.tables()["table"].tolist()
    assert "publishers" in tables, (
        f"The database is at the head ({head}) but has no publishers table. Read the revision "
        "(ws_ex.versions() lists the files): was it generated before models.py was saved?"
    )
    columns = ws.columns("publishers")["column"].tolist()
    missing = [c for c in ("id", "name") if c not in columns]
    assert not missing, (
        f"The publishers table has the columns {columns}, but not {missing}. Add them to the "
        "model, save, autogenerate another revision and upgrade."
    )
    assert_models_match(
        ws, "The models and the database still differ (ws_ex.check() lists: ",
        "). Autogenerate a revision for that and upgrade.",
    )
    return (
        f"publishers ({', '.join(columns)}) exists in the database, alembic_version is at "
        f"{head}, and ws_ex.check() finds no difference between models and database."
    )


EXERCISE = Exercise("nb01", TASK, prepare, check, HINT, SOLUTION, starter="empty")
