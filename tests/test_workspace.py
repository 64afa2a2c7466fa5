"""The Workspace verbs, each against a real workspace folder and SQLite file."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import AUTHOR
from migrator import Move, Revision, Workspace, WorkspaceError


def test_a_new_workspace_is_a_complete_alembic_project(ws):
    for name in ("alembic.ini", "models.py", "migrations/env.py", "migrations/script.py.mako"):
        assert (ws.path / name).is_file(), name
    assert (ws.path / "migrations" / "versions").is_dir()
    assert list((ws.path / "migrations" / "versions").iterdir()) == []
    assert ws.current() is None
    assert ws.heads() == []
    assert "script_location = %(here)s/migrations" in ws.ini_path.read_text()


def test_reset_starts_from_scratch_and_reopening_keeps_the_files(tmp_path):
    ws = Workspace("keep", root=tmp_path, reset=True)
    ws.write_models(ws.read_models() + AUTHOR)
    ws.revision("create authors")
    assert Workspace("keep", root=tmp_path).heads() == ["0001"]
    assert Workspace("keep", root=tmp_path, reset=True).heads() == []


def test_env_py_is_the_projects_own(ws):
    from migrator import PROJECT_ROOT

    assert (ws.path / "migrations/env.py").read_text() == (PROJECT_ROOT / "migrations/env.py").read_text()


def test_revision_ids_are_readable_and_deterministic(ws):
    ws.write_models(ws.read_models() + AUTHOR)
    first = ws.revision("create authors")
    assert isinstance(first, Revision)
    assert (first.id, first.down_revision, first.message) == ("0001", None, "create authors")
    assert first.file == "migrations/versions/0001_create_authors.py"
    assert "op.create_table('authors'" in first.upgrade_code
    assert "op.drop_table('authors')" in first.downgrade_code
    assert "Create Date:" not in first.source and "not copied" not in first.source  # our template leaves the date out
    ws.upgrade()
    ws.edit_models("mapped_column(String(100))", "mapped_column(String(100))\n    born: Mapped[int | None]")
    second = ws.revision("add born")
    assert (second.id, second.down_revision) == ("0002", "0001")
    assert "batch_op.add_column(sa.Column('born'" in second.upgrade_code


def test_models_are_loaded_fresh_on_every_autogenerate(authors_ws):
    """Editing models.py twice in one process never hits 'Table already defined'."""
    for number, column in enumerate(["born", "died"], start=2):
        authors_ws.edit_models(
            "    name: Mapped[str] = mapped_column(String(100))",
            f"    name: Mapped[str] = mapped_column(String(100))\n    {column}: Mapped[int | None]",
        )
        assert authors_ws.revision(f"add {column}").id == f"{number:04d}"
        authors_ws.upgrade()
    assert authors_ws.columns("authors")["column"].tolist() == ["id", "name", "born", "died"]


def test_upgrade_downgrade_relative_ids_and_base(bookshop):
    move = bookshop.upgrade("+2")
    assert isinstance(move, Move)
    assert (move.before, move.after) == (None, "0002")
    assert [step for step, _ in move.steps] == ["0001", "0002"]
    assert bookshop.upgrade("+1").steps == (("0003", "unique author names, longer titles"),)
    down = bookshop.downgrade("-2")
    assert (down.before, down.after, [s for s, _ in down.steps]) == ("0003", "0001", ["0003", "0002"])
    assert bookshop.upgrade().after == "0004"
    assert str(bookshop.upgrade()) == "upgrade: nothing to do, the database is at 0004"
    assert bookshop.downgrade("base").after is None
    assert bookshop.tables()["table"].tolist() == ["alembic_version"]


def test_version_table_has_one_row_the_current_revision(bookshop):
    assert bookshop.version_table().empty
    bookshop.upgrade("0003")
    assert bookshop.version_table()["version_num"].tolist() == ["0003"]
    assert bookshop.current() == "0003"


def test_stamp_sets_the_version_without_running_revisions(bookshop):
    move = bookshop.stamp("0002")
    assert move.steps == () and move.after == "0002"
    assert bookshop.tables()["table"].tolist() == ["alembic_version"]


def test_history_and_versions_frames(bookshop):
    bookshop.upgrade("0002")
    history = bookshop.history()
    assert history["revision"].tolist() == ["0001", "0002", "0003", "0004"]
    assert history["down_revision"].tolist() == ["<base>", "0001", "0002", "0003"]
    assert history.loc[history["current"], "revision"].tolist() == ["0002"]
    assert history.loc[history["head"], "revision"].tolist() == ["0004"]
    versions = bookshop.versions()
    assert versions.columns.tolist() == ["file", "revision", "down_revision", "message"]
    assert versions["file"].iloc[0] == "0001_create_authors_and_books.py"


def test_branches_and_merge(bookshop):
    bookshop.upgrade()
    for message in ("team a", "team b"):
        rev = bookshop.revision(message, autogenerate=False, head="0004", splice=True)
        assert rev.down_revision == "0004"
    assert bookshop.heads() == ["0005", "0006"]
    merge = bookshop.merge("merge teams")
    assert merge.id == "0007" and merge.down_revision == ("0005", "0006")
    assert bookshop.heads() == ["0007"]
    assert bookshop.upgrade().after == "0007"


def test_check_lists_pending_model_changes(authors_ws):
    assert authors_ws.check().empty
    authors_ws.edit_models("mapped_column(String(100))", "mapped_column(String(100))\n    born: Mapped[int | None]")
    pending = authors_ws.check()
    assert pending[["change", "table", "column"]].values.tolist() == [["add_column", "authors", "born"]]
    assert not (authors_ws.path / "migrations/versions/0002_check.py").exists()


def test_sql_renders_offline_scripts_for_sqlite_and_postgresql(bookshop):
    sqlite_sql = bookshop.sql()
    assert sqlite_sql.startswith("BEGIN;") and "COMMIT;" in sqlite_sql
    assert "ALTER TABLE _alembic_tmp_books RENAME TO books" in sqlite_sql
    assert "UPDATE alembic_version SET version_num='0004'" in sqlite_sql
    pg = bookshop.sql("0001:0003", dialect="postgresql")
    assert "ALTER TABLE books ALTER COLUMN title TYPE VARCHAR(200)" in pg
    assert "CREATE TABLE authors" not in pg
    assert not bookshop.database_path.exists() or bookshop.current() is None


def test_inspection_frames(bookshop):
    bookshop.upgrade()
    shop = bookshop.app()
    shop.add_book("The Dispossessed", author="Ursula K. Le Guin", published_year=1974)
    assert bookshop.tables().to_dict("records") == [
        {"table": "alembic_version", "columns": 1, "rows": 1},
        {"table": "authors", "columns": 2, "rows": 1},
        {"table": "books", "columns": 5, "rows": 1},
    ]
    columns = bookshop.columns("books").set_index("column")
    assert columns.loc["slug", "type"] == "VARCHAR(200)" and not columns.loc["slug", "nullable"]
    assert bool(columns.loc["id", "primary_key"])
    rows = bookshop.rows("books")
    assert rows[["title", "slug", "published_year"]].values.tolist() == [
        ["The Dispossessed", "the-dispossessed", 1974]
    ]


def test_workspace_names_cannot_escape_their_folder(tmp_path):
    for bad in ("../outside", "a/b", "..", "", "/abs", "x" * 80):
        with pytest.raises(WorkspaceError, match="How to fix|workspace name"):
            Workspace(bad, root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_reset_refuses_to_delete_a_folder_migrator_did_not_make(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("precious")
    with pytest.raises(WorkspaceError, match="was not made by migrator"):
        Workspace("mine", root=tmp_path, reset=True)
    assert (tmp_path / "mine" / "thesis.txt").read_text() == "precious"


def test_open_the_repository_itself():
    from migrator import PROJECT_ROOT

    repo = Workspace.open(PROJECT_ROOT)
    assert repo.heads() == ["0004"]
    assert repo.history()["revision"].tolist() == ["0001", "0002", "0003", "0004"]


def test_data_is_kept_through_the_reference_chain(bookshop):
    bookshop.upgrade("0002")
    with sqlite3.connect(bookshop.database_path) as db:
        db.execute("INSERT INTO authors (id, name) VALUES (1, 'Octavia E. Butler')")
        db.execute("INSERT INTO books (id, title, author_id, published_year) VALUES (1, ' Kindred ', 1, 1979)")
    bookshop.upgrade()
    books = bookshop.rows("books")
    assert books[["title", "slug", "published_year"]].values.tolist() == [[" Kindred ", "kindred", 1979]]
    assert bookshop.rows("authors")["name"].tolist() == ["Octavia E. Butler"]


def test_failed_edit_models_leaves_the_file_alone(ws):
    before = ws.read_models()
    with pytest.raises(WorkspaceError, match="0 times"):
        ws.edit_models("class Nope", "class Yes")
    assert ws.read_models() == before


def test_a_move_in_another_thread_does_not_swallow_this_threads_output(bookshop, capsys):
    """The kit hushes Alembic's own printing while it runs a move, in its own thread only:
    a notebook cell that prints while a move runs in the background keeps its output."""
    import threading
    import time as _time

    from conftest import write_revision_body

    rev = bookshop.revision("slow", autogenerate=False)
    write_revision_body(bookshop, rev, "import time\ntime.sleep(0.8)")
    started = threading.Event()
    worker = threading.Thread(target=lambda: (started.set(), bookshop.upgrade()))
    worker.start()
    started.wait()
    printed = 0
    while worker.is_alive():  # before, during and after the move's transaction
        print(f"line {printed}")
        printed += 1
        _time.sleep(0.05)
    worker.join()
    assert bookshop.current() == rev.id and printed > 10
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("line ")] == [f"line {i}" for i in range(printed)]
