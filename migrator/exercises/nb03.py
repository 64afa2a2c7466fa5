"""Notebook 03's exercise: repair a hand-written revision that SQLite cannot run without batch mode.

The workspace holds the bookshop at 0004 with a few books, models.py already asks for
longer titles (String(300)) and unique slugs, and revision 0005 was written the way
one would for PostgreSQL: plain ``op.alter_column`` and ``op.create_unique_constraint``.
On SQLite that raises NeedsBatchModeError.  The learner moves both operations (and
their downgrade) into ``op.batch_alter_table`` blocks and upgrades; every book must
survive the table copy, and the downgrade must work too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..i18n import N_, _
from ..workspace import Workspace
from . import Exercise, assert_models_match, downgraded_copy

BOOKS = [
    ("The Dispossessed", "Ursula Le Guin", 1974),
    ("Kindred", "Octavia Butler", 1979),
    ("The Left Hand of Darkness", "Ursula Le Guin", 1969),
    ("Small Gods", "Terry Pratchett", 1992),
    ("Parable of the Sower", "Octavia Butler", 1993),
]

#: The books as prepare() stores them: (id, title, author_id, published_year, slug).
EXPECTED = pd.DataFrame(
    [
        (1, "The Dispossessed", 1, 1974, "the-dispossessed"),
        (2, "Kindred", 2, 1979, "kindred"),
        (3, "The Left Hand of Darkness", 1, 1969, "the-left-hand-of-darkness"),
        (4, "Small Gods", 3, 1992, "small-gods"),
        (5, "Parable of the Sower", 2, 1993, "parable-of-the-sower"),
    ],
    columns=["id", "title", "author_id", "published_year", "slug"],
)

MESSAGE = "unique slugs, longer titles"

NAIVE_FUNCTIONS = '''def upgrade() -> None:
    """Upgrade schema."""
    # Written as one would for PostgreSQL. SQLite cannot do either of these in place.
    op.alter_column('books', 'title',
                    existing_type=sa.String(length=200),
                    type_=sa.String(length=300),
                    existing_nullable=False)
    op.create_unique_constraint('uq_books_slug', 'books', ['slug'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint('uq_books_slug', 'books', type_='unique')
    op.alter_column('books', 'title',
                    existing_type=sa.String(length=300),
                    type_=sa.String(length=200),
                    existing_nullable=False)
'''


def prepare(ws: Workspace) -> None:
    ws.upgrade()
    shop = ws.app()
    for title, author, year in BOOKS:
        shop.add_book(title, author, published_year=year)
    ws.edit_models("title: Mapped[str] = mapped_column(String(200))",
                   "title: Mapped[str] = mapped_column(String(300))")
    ws.edit_models("slug: Mapped[str] = mapped_column(String(200), default=_slug_from_title)",
                   "slug: Mapped[str] = mapped_column(String(200), unique=True, default=_slug_from_title)")
    revision = ws.revision(MESSAGE, autogenerate=False)
    path = ws.path / revision.file
    source = path.read_text()
    path.write_text(source[: source.index("def upgrade()")] + NAIVE_FUNCTIONS)


def _revision_file(ws: Workspace) -> Path:
    found = sorted((ws.path / "migrations" / "versions").glob("0005_*.py"))
    assert found, (
        _("There is no revision 0005 in migrations/versions/ any more. Start again with "
          "ws_ex = exercise.start().")
    )
    return found[0]


def _unique_names(ws: Workspace, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(ws.engine).get_unique_constraints(table)}


def _title_type(ws: Workspace) -> str:
    columns = ws.columns("books").set_index("column")
    return columns.loc["title", "type"]


def _same_books(ws: Workspace, when: str) -> None:
    books = ws.rows("books")[EXPECTED.columns.tolist()]
    if len(books) != len(EXPECTED):
        raise AssertionError(
            _("{when}, books has {count} rows instead of {count2}: the table copy lost rows.",
              when=when, count=len(books), count2=len(EXPECTED))
        )
    if not books.equals(EXPECTED):
        raise AssertionError(
            _("{when}, the books' values changed (compare ws_ex.rows('books') with "
              "migrator.exercises.nb03.EXPECTED): batch mode must copy every value unchanged.", when=when)
        )


#: ``op.`` operations SQLite cannot run in place: inside a batch block they become ``batch_op.`` calls.
NEEDS_BATCH = ("alter_column", "create_unique_constraint", "drop_constraint")


def _problems(source: str, file: str) -> dict[str, list[str]]:
    """What still stops each function of the revision, read from its source: near misses, by function."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return {"file": [_("{file} does not parse: line {lineno}, {msg}. Correct that "
                           "line and save.", file=file, lineno=exc.lineno, msg=exc.msg)]}
    found: dict[str, list[str]] = {}
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in ("upgrade", "downgrade")):
        problems = found.setdefault(function.name, [])
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)):
            owner = call.func.value.id if isinstance(call.func.value, ast.Name) else None
            name = call.func.attr
            if owner == "op" and name in NEEDS_BATCH:
                problems.append(
                    _("{name}() still calls op.{name2} outside a batch block (line "
                      "{lineno}): SQLite cannot do that in place. Inside `with "
                      "op.batch_alter_table('books') as batch_op:` it becomes "
                      "batch_op.{name2}(...), without the table name.",
                      name=function.name, name2=name, lineno=call.lineno)
                )
            elif owner == "batch_op" and any(
                isinstance(arg, ast.Constant) and arg.value == "books" for arg in call.args
            ):
                problems.append(
                    _("{name}() passes 'books' to batch_op.{name2} (line {lineno}): a "
                      "batch block already knows its table, so batch_op's methods take "
                      "no table name. Remove that argument.",
                      name=function.name, name2=name, lineno=call.lineno)
                )
    return found


def check(ws: Workspace) -> str:
    path = _revision_file(ws)
    source = path.read_text()
    problems = _problems(source, path.name)
    if "file" in problems:
        raise AssertionError(problems["file"][0])
    current = ws.current()
    if current == "0004":
        if NAIVE_FUNCTIONS in source:  # untouched: first meet the error itself
            raise AssertionError(
                _("The database is still at 0004: revision 0005 has not been applied "
                  "yet. Try ws_ex.upgrade() and read the error; then fix upgrade() and "
                  "downgrade() in {name} and upgrade again.", name=path.name)
            )
        if problems.get("upgrade"):
            raise AssertionError(_("The database is still at 0004, and ") + " ".join(problems["upgrade"]))
        later = (
            _(" Fix downgrade() too before you move on: ") + " ".join(problems["downgrade"])
            if problems.get("downgrade") else ""
        )
        raise AssertionError(
            _("The database is still at 0004. upgrade() in {name} uses batch mode now: "
              "run ws_ex.upgrade().{later}", name=path.name, later=later)
        )
    assert ws.heads() == ["0005"], (
        _("The newest revision should be 0005, but the heads are {heads}: fix 0005 "
          "itself instead of adding revisions (start again with ws_ex = exercise.start() "
          "if needed).", heads=ws.heads())
    )
    assert current == "0005", _("The database is at {current}; upgrade it to 0005: "
                                "ws_ex.upgrade().", current=current)
    redo = (
        _(" To redo 0005: ws_ex.downgrade('0004') (if the downgrade fails, ws_ex = "
          "exercise.start() starts over), fix the file, and upgrade again.")
    )
    title = _title_type(ws)
    assert title == "VARCHAR(300)", (
        _("books.title is {title}, not VARCHAR(300): the alter_column in upgrade() "
          "should use type_=sa.String(length=300).", title=title) + redo
    )
    names = _unique_names(ws, "books")
    if "uq_books_slug" not in names:
        on_slug = [
            c["name"] for c in sa.inspect(ws.engine).get_unique_constraints("books") if c["column_names"] == ["slug"]
        ]
        close = bool(on_slug and on_slug[0])
        raise AssertionError(
            (
                _("Close: slugs are unique, but the constraint is called {on_slug!r}. "
                  "The naming convention in models.py calls it uq_books_slug, and that "
                  "is the name later revisions (and autogenerate) will look for: use it "
                  "in upgrade() and downgrade().", on_slug=on_slug[0])
                if close
                else _("books has no unique constraint uq_books_slug: upgrade() should "
                       "call batch_op.create_unique_constraint('uq_books_slug', ['slug']).")
            )
            + redo
        )
    _same_books(ws, _("After the upgrade"))
    assert_models_match(ws, _("The database differs from models.py after the upgrade "
                              "(ws_ex.check() shows how): "))
    _check_downgrade(ws)
    return (
        _("0005 applies on SQLite: titles are VARCHAR(300), slugs are unique, all "
          "{count} books survived the table copy, and the downgrade works too.", count=len(EXPECTED))
    )


def _check_downgrade(ws: Workspace) -> None:
    """Run the downgrade on a copy of the database, so the learner's own stays at 0005."""
    fix = (
        _("Fix downgrade() the same way: one batch_alter_table('books') block that drops "
          "the constraint and changes title back to String(200).")
    )
    with downgraded_copy(ws, fix) as scratch:
        title = _title_type(scratch)
        assert title == "VARCHAR(200)", (
            _("After a downgrade books.title is {title}, not VARCHAR(200) as before 0005.", title=title)
        )
        assert "uq_books_slug" not in _unique_names(scratch, "books"), (
            _("After a downgrade books still has uq_books_slug: downgrade() should drop it.")
        )
        _same_books(scratch, _("After a downgrade"))


EXERCISE = Exercise(
    name="nb03",
    task=(
        "Revision 0005 (longer titles, unique slugs) was written without batch mode and fails "
        "on SQLite. Fix upgrade() and downgrade() with batch mode, upgrade, and keep every book."
    ),
    prepare=prepare,
    check_fn=check,
    hint_text=(
        N_("SQLite cannot change a column's type or add a constraint in place. In "
          "`upgrade()`, replace the two `op.` calls by one block `with "
          "op.batch_alter_table('books') as batch_op:` that calls "
          "`batch_op.alter_column('title', existing_type=..., type_=..., "
          "existing_nullable=False)` and "
          "`batch_op.create_unique_constraint('uq_books_slug', ['slug'])` (no table "
          "name: `batch_op` knows it). Do the same in `downgrade()`, in reverse. Then "
          "`ws_ex.upgrade()`.")
    ),
    solution_code='''\
# ws is the exercise's workspace (ws_ex in the notebook)
path = next((ws.path / "migrations" / "versions").glob("0005_*.py"))
source = path.read_text()
header = source[: source.index("def upgrade()")]   # docstring, imports, revision ids
path.write_text(header + """def upgrade() -> None:
    with op.batch_alter_table('books') as batch_op:
        batch_op.alter_column('title',
                              existing_type=sa.String(length=200),
                              type_=sa.String(length=300),
                              existing_nullable=False)
        batch_op.create_unique_constraint('uq_books_slug', ['slug'])


def downgrade() -> None:
    with op.batch_alter_table('books') as batch_op:
        batch_op.drop_constraint('uq_books_slug', type_='unique')
        batch_op.alter_column('title',
                              existing_type=sa.String(length=300),
                              type_=sa.String(length=200),
                              existing_nullable=False)
""")
ws.upgrade()
''',
    starter="bookshop",
)
