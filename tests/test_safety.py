"""Bad input and busy databases: a clear MigratorError in two lines, and nothing changed (dump compared)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest
from conftest import unchanged

from migrator import MigratorError, RevisionError, ScriptLocationError, Workspace, WorkspaceError
from migrator.errors import DatabaseLockedError


@pytest.fixture
def shop(bookshop) -> Workspace:
    bookshop.upgrade()
    bookshop.app().add_book("Kindred", "Octavia E. Butler", published_year=1979)
    return bookshop


def two_lines(error: MigratorError) -> None:
    """The promise of the errors: what happened, how to fix it; no traceback text."""
    assert error.what and error.fix and "Traceback" not in str(error)


# -- reads never take the write lock ----------------------------------------------------------


@pytest.fixture
def writer(shop):
    """Another connection in the middle of a write transaction (RESERVED lock, nothing committed)."""
    connection = sqlite3.connect(shop.database_path, isolation_level=None, timeout=0.1)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO authors (name) VALUES ('uncommitted')")
    yield connection
    if connection.in_transaction:
        connection.execute("ROLLBACK")
    connection.close()


def test_read_only_verbs_work_while_another_connection_writes(shop, writer, monkeypatch):
    monkeypatch.setattr("migrator.database.BUSY_TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    assert shop.current() == "0004"
    assert len(shop.history()) == 4
    assert shop.tables()["rows"].sum() > 0
    assert "uncommitted" not in shop.rows("authors")["name"].tolist()
    shop.columns("books"), shop.version_table(), shop.er_diagram()
    assert time.monotonic() - started < 5


def test_a_lock_timeout_during_upgrade_says_who_holds_the_lock(shop, writer, monkeypatch):
    monkeypatch.setattr("migrator.database.BUSY_TIMEOUT_SECONDS", 0.2)
    shop = shop.with_database(shop.url)  # new engines, made with the short timeout (the fixture's wait 30 s)
    shop.edit_models("    published_year: Mapped[int | None]", "    published_year: Mapped[int | None]\n    pages: Mapped[int | None]")
    writer.execute("ROLLBACK")
    shop.revision("add pages")
    writer.execute("BEGIN IMMEDIATE")
    with pytest.raises(DatabaseLockedError) as caught:
        shop.upgrade()
    two_lines(caught.value)
    assert "another connection" in caught.value.what.lower() and "revision file" not in caught.value.fix.lower()
    writer.execute("ROLLBACK")
    assert shop.current() == "0004"


def test_an_upgrade_waits_for_a_reader_then_runs(shop):
    """A read transaction elsewhere delays the commit; once it ends, the upgrade completes."""
    shop.downgrade("0003")
    reader = sqlite3.connect(shop.database_path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM books").fetchone()  # SHARED lock held
    release = threading.Timer(0.5, lambda: reader.execute("COMMIT"))
    release.start()
    try:
        shop.upgrade()
    finally:
        release.join()
        reader.close()
    assert shop.current() == "0004"


def test_a_backup_while_a_reader_holds_a_read_transaction(shop):
    reader = sqlite3.connect(shop.database_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM books").fetchone()
    try:
        backup = shop.backup()
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert shop.verify(backup).ok


# -- bad arguments ----------------------------------------------------------------------------


def test_an_empty_target_is_a_revision_error(shop):
    with unchanged(shop), pytest.raises(RevisionError) as caught:
        shop.upgrade("")
    two_lines(caught.value)
    with unchanged(shop), pytest.raises(RevisionError):
        shop.downgrade("")


@pytest.mark.parametrize("table", [None, "", "books\x00", 3])
def test_rows_of_a_table_that_cannot_be_named(shop, table):
    with pytest.raises(MigratorError) as caught:
        shop.rows(table)
    two_lines(caught.value)


def test_rows_has_a_default_limit_that_says_it_is_one(tmp_path):
    ws = Workspace("big", root=tmp_path, reset=True)
    ws.write_models(ws.read_models() + "\n\nclass Item(Base):\n    __tablename__ = 'items'\n    id: Mapped[int] = mapped_column(primary_key=True)\n")
    ws.revision("items")
    ws.upgrade()
    with sqlite3.connect(ws.database_path) as connection:
        connection.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) INSERT INTO items SELECT i FROM n")
    connection.close()
    shown = ws.rows("items")
    assert len(shown) == 1000 and shown["id"].iloc[-1] == 1000
    assert "first 1,000 of 2,500 rows" in repr(shown) and "first 1,000 of 2,500 rows" in shown._repr_html_()
    assert len(ws.rows("items", limit=None)) == 2500
    small = ws.rows("items", limit=10)
    assert "first 10 of 2,500" in repr(small)
    near_miss = ws.rows("alembic_version")
    assert "first" not in repr(near_miss)  # a table that fits says nothing extra


# -- broken projects --------------------------------------------------------------------------


def test_a_deleted_middle_revision_is_named(bookshop):
    bookshop.upgrade("0001")
    (bookshop.path / "migrations/versions/0002_add_published_year_to_books.py").unlink()
    with unchanged(bookshop), pytest.raises(RevisionError) as caught:
        bookshop.upgrade()
    two_lines(caught.value)
    assert "0002" in caught.value.what and "0003" in caught.value.what
    with pytest.raises(RevisionError):
        bookshop.history()


@pytest.mark.parametrize("value", ["", "versions_elsewhere", "missing_folder"])
def test_a_wrong_script_location_names_the_setting_and_the_folder(bookshop, value):
    (bookshop.path / "versions_elsewhere").mkdir()  # exists, but holds no env.py
    bookshop.upgrade()
    ini = bookshop.ini_path.read_text().replace("script_location = %(here)s/migrations", f"script_location = {value}")
    bookshop.ini_path.write_text(ini)
    ws = Workspace.open(bookshop.path)
    for verb in (ws.upgrade, ws.history, lambda: ws.revision("x")):
        with unchanged(ws), pytest.raises(ScriptLocationError) as caught:
            verb()
        two_lines(caught.value)
        assert "script_location" in caught.value.what


def test_a_misspelled_script_location_key(bookshop):
    ini = bookshop.ini_path.read_text().replace("script_location = %(here)s/migrations", "script_locaton = %(here)s/migrations")
    bookshop.ini_path.write_text(ini)
    ws = Workspace.open(bookshop.path)
    with pytest.raises(ScriptLocationError) as caught:
        ws.upgrade()
    assert "script_location" in caught.value.what and "missing" in caught.value.what


def test_a_syntax_error_in_a_revision_file_names_file_and_line(bookshop):
    path = bookshop.path / "migrations/versions/0003_unique_author_names_longer_titles.py"
    path.write_text(path.read_text().replace("def upgrade() -> None:", "def upgrade() -> None\n", 1))
    for verb in (bookshop.upgrade, bookshop.history):
        with unchanged(bookshop), pytest.raises(RevisionError) as caught:
            verb()
        two_lines(caught.value)
        assert "0003_unique_author_names_longer_titles.py" in caught.value.what and "line" in caught.value.what


def test_writing_null_into_a_not_null_column_is_not_called_a_missing_default(shop):
    revision = shop.revision("blank titles", autogenerate=False)
    from conftest import write_revision_body

    write_revision_body(shop, revision, "op.execute('UPDATE books SET title = NULL')")
    with unchanged(shop), pytest.raises(MigratorError) as caught:
        shop.upgrade()
    assert type(caught.value).__name__ == "MigrationFailedError"
    assert "books.title" in caught.value.what and "add" not in caught.value.fix.split()[0:3]
    assert "server_default" not in caught.value.fix


# -- workspace folders ------------------------------------------------------------------------


def test_reset_on_a_symlinked_workspace_deletes_nothing_outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    (outside / ".migrator-workspace").write_text("a marker someone copied")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "ws")
    with pytest.raises(WorkspaceError) as caught:
        Workspace("ws", root=root, reset=True)
    two_lines(caught.value)
    assert (outside / "precious.txt").read_text() == "keep me"


def test_a_file_where_the_workspace_folder_should_be(tmp_path):
    (tmp_path / "ws").write_text("not a folder")
    with pytest.raises(WorkspaceError):
        Workspace("ws", root=tmp_path, reset=True)
    with pytest.raises(WorkspaceError):
        Workspace("ws", root=tmp_path)
    assert (tmp_path / "ws").read_text() == "not a folder"


def test_restoring_another_databases_backup_needs_force(shop, tmp_path):
    """dev.restore(prod.backup()) would silently put prod's data on dev: refused unless asked for."""
    from migrator import BackupError

    prod = shop.with_database(tmp_path / "prod.db")
    prod.upgrade()
    backup = prod.backup()
    with unchanged(shop), pytest.raises(BackupError) as caught:
        shop.restore(backup)
    assert "force=True" in caught.value.fix
    assert shop.restore(backup, force=True).ok
    assert shop.rows("books").empty  # prod's (empty) data, as asked
