"""Backups: made with SQLite's online backup API, named by database, revision and time,
verified (integrity, schema, rows, content hash), restored; a damaged or stale backup is
caught, and a failed backup stops an upgrade before anything changes."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest

from conftest import dump
from migrator import PROJECT_ROOT, Backup, BackupError, Workspace
from migrator.backup import fingerprint, load_backup, make_backup, restore, verify


@pytest.fixture
def shop(bookshop) -> Workspace:
    bookshop.upgrade()
    app = bookshop.app()
    app.add_book("The Dispossessed", "Ursula K. Le Guin", published_year=1974)
    app.add_book("Kindred", "Octavia E. Butler", published_year=1979)
    return bookshop


def test_a_backup_is_named_by_database_revision_and_time_and_verified(shop):
    backup = shop.backup()
    assert isinstance(backup, Backup)
    assert backup.path.parent == shop.database_path.parent / "backups"
    assert re.fullmatch(r"app-0004-\d{8}T\d{6}\.db", backup.path.name)
    assert backup.file == f"backups/{backup.path.name}" and backup.revision == "0004"
    files = sorted(p.name for p in backup.path.parent.iterdir())
    assert files == [backup.path.name, backup.manifest.name]  # no .partial left
    assert shop.verify(backup).ok
    assert backup.fingerprint.table("books").rows == 2
    frame = shop.backups()
    assert frame["file"].tolist() == [backup.file] and frame["revision"].tolist() == ["0004"]
    assert "verified" in backup._repr_markdown_()


def test_two_backups_in_the_same_second_get_two_files(shop):
    first, second = shop.backup(), shop.backup()
    assert first.path != second.path and first.path.exists() and second.path.exists()


def test_round_trip_backup_change_restore(shop):
    before, rows = dump(shop), shop.rows("books")
    backup = shop.backup()
    shop.app().add_book("Dawn", "Octavia E. Butler")
    with shop.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE authors SET name = upper(name)")
    with pytest.raises(BackupError, match="books: 2 rows in the copy, 3 in the database"):
        shop.verify(backup)  # the database moved on: the backup no longer matches it
    result = shop.restore(backup)
    assert result.ok and dump(shop) == before
    assert shop.rows("books").equals(rows)
    assert shop.fingerprint().equals(backup.fingerprint.frame())


def test_same_row_counts_but_different_content_fails_verification(shop):
    backup = shop.backup()
    with sqlite3.connect(backup.path) as connection:
        connection.execute("UPDATE books SET title = 'Kindred!' WHERE title = 'Kindred'")
    connection.close()
    result = verify(backup.path, shop.database_path)
    assert not result.ok and result.problems == ("books: same row count, different content",)
    assert result.comparison.set_index("table").loc["books", "same content"] == False  # noqa: E712


def test_a_schema_difference_fails_verification(shop):
    backup = shop.backup()
    with sqlite3.connect(backup.path) as connection:
        connection.execute("CREATE INDEX ix_extra ON books (title)")
    connection.close()
    with pytest.raises(BackupError, match="different schema \\(ix_extra\\)"):
        shop.verify(backup)


def corrupt(path) -> None:
    """Overwrite the second page (the first table's data) with garbage."""
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xde\xad\xbe\xef" * 1024
    path.write_bytes(bytes(data))


def test_a_corrupted_backup_fails_verification_and_is_never_restored(shop):
    backup = shop.backup()
    corrupt(backup.path)
    assert fingerprint(backup.path).integrity != "ok"
    with pytest.raises(BackupError) as caught:
        shop.verify(backup)
    assert "integrity check" in caught.value.what
    before = dump(shop)
    with pytest.raises(BackupError, match="damaged .* not restored"):
        shop.restore(backup)
    assert dump(shop) == before


def test_a_file_that_is_not_a_database_is_unreadable(shop, tmp_path):
    fake = tmp_path / "fake.db"
    fake.write_text("not a database at all" * 300)
    assert fingerprint(fake).integrity.startswith("unreadable")
    assert not verify(fake, shop.database_path).ok
    with pytest.raises(BackupError, match="damaged"):
        restore(fake, shop.database_path)


def test_upgrade_with_backup_backs_up_the_revision_before(shop):
    shop.edit_models("    published_year: Mapped[int | None]", "    published_year: Mapped[int | None]\n    pages: Mapped[int | None]")
    shop.revision("add pages")
    move = shop.upgrade(backup=True)
    assert move.after == "0005" and move.backup.revision == "0004"
    with sqlite3.connect(move.backup.path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004",)]
    connection.close()
    assert "backed up first" in move._repr_markdown_()


def test_a_backup_that_cannot_be_made_stops_the_upgrade(shop):
    shop.edit_models("    published_year: Mapped[int | None]", "    published_year: Mapped[int | None]\n    pages: Mapped[int | None]")
    shop.revision("add pages")
    (shop.database_path.parent / "backups").write_text("a file where the folder should be")
    before = dump(shop)
    with pytest.raises(BackupError, match="Cannot create the backup folder"):
        shop.upgrade(backup=True)
    assert dump(shop) == before and shop.current() == "0004"


def test_a_stale_or_damaged_backup_stops_the_upgrade(shop):
    shop.edit_models("    published_year: Mapped[int | None]", "    published_year: Mapped[int | None]\n    pages: Mapped[int | None]")
    shop.revision("add pages")
    stale = shop.backup()
    with shop.engine.begin() as connection:  # the app would expect pages already: write SQL
        connection.exec_driver_sql("INSERT INTO books (title, author_id, slug) VALUES ('Dawn', 2, 'dawn')")
    before = dump(shop)
    with pytest.raises(BackupError, match="does not match"):
        shop.upgrade(backup=stale)
    fresh = shop.backup()
    corrupt(fresh.path)
    with pytest.raises(BackupError, match="integrity check"):
        shop.upgrade(backup=fresh)
    assert dump(shop) == before and shop.current() == "0004"
    good = shop.backup()
    assert shop.upgrade(backup=good).after == "0005"


def test_backing_up_a_missing_database_says_so(tmp_path):
    with pytest.raises(BackupError, match="no database file nothing.db"):
        make_backup(tmp_path / "nothing.db")


def test_a_million_rows_are_backed_up_and_verified_in_bounded_memory(tmp_path):
    """Hashing reads rows in chunks: peak memory stays far below a DataFrame of the table."""
    # The child's own peak (bench's measure: VmHWM on Linux, where ru_maxrss survives exec and a
    # child of a big xdist worker reports the worker's size).
    script = textwrap.dedent(f"""
        import sqlite3, sys
        sys.path.insert(0, {str(PROJECT_ROOT)!r})
        from bench._memory_worker import process_peak_mb
        from migrator.backup import make_backup
        path = {str(tmp_path / 'big.db')!r}
        with sqlite3.connect(path) as c:
            c.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL, qty INTEGER)")
            c.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
                      "INSERT INTO items SELECT i, 'item number ' || i, i % 97 FROM n")
        c.close()
        backup = make_backup(path, "0001", quiet=True)  # copies, then verifies the copy
        assert backup.fingerprint.table("items").rows == 1_000_000
        print(int(process_peak_mb()))
    """)
    ballast = bytearray(b"x" * (320 * 1024 ** 2))  # the child starts from a process past the limit...
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    del ballast  # ... so a measure that counted its parent's memory could not pass
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stdout.split()[-1])
    assert peak_mb < 300, f"peak memory {peak_mb} MB"


def test_upgrade_with_backup_on_a_new_database_has_nothing_to_back_up(bookshop):
    move = bookshop.upgrade(backup=True)
    assert move.after == "0004" and move.backup is None
    assert not (bookshop.database_path.parent / "backups").exists()


@pytest.mark.parametrize("change", [
    "UPDATE books SET published_year = NULL WHERE title = 'Kindred'",  # a value became NULL
    "UPDATE books SET id = 99 WHERE title = 'Kindred'",  # same row, another key
])
def test_verification_sees_nulls_and_moved_keys(shop, change):
    backup = shop.backup()
    with sqlite3.connect(backup.path) as connection:
        connection.execute(change)
    connection.close()
    assert verify(backup.path, shop.database_path).problems == ("books: same row count, different content",)


def test_without_rowid_tables_are_compared_on_their_primary_key(tmp_path):
    database, copy = tmp_path / "db.sqlite", tmp_path / "copy.sqlite"
    for path in (database, copy):
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE tags (name TEXT PRIMARY KEY, uses INTEGER) WITHOUT ROWID")
            connection.executemany("INSERT INTO tags VALUES (?, ?)", [("sql", 3), ("orm", 1)])
        connection.close()
    assert verify(copy, database).ok
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE tags SET uses = 4 WHERE name = 'orm'")
    connection.close()
    assert verify(copy, database).problems == ("tags: same row count, different content",)


# -- plain SQLite files: what "the same data" means ------------------------------------


def sql(path, *statements) -> None:
    """Run ``statements`` on the SQLite file at ``path`` (made if missing) and commit."""
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def dump_hash(path) -> str:
    """SHA-256 of the whole database as SQL text: proof that nothing changed, not just the row counts."""
    with closing(sqlite3.connect(path)) as connection:
        connection.text_factory = lambda data: data.decode("utf-8", "surrogateescape")  # TEXT may be any bytes
        return hashlib.sha256("\n".join(connection.iterdump()).encode("utf-8", "surrogateescape")).hexdigest()


@pytest.mark.parametrize("table", ["sqlitebooks", "SQLite3_notes"])
def test_tables_that_only_look_like_sqlites_own_are_compared(tmp_path, table):
    database = tmp_path / "db.sqlite"
    sql(database, f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, title TEXT)',
            f"INSERT INTO \"{table}\" (title) VALUES ('Kindred'), ('Dawn')")
    backup = make_backup(database, "1", quiet=True)
    assert backup.fingerprint.table(table).rows == 2
    sql(database, f'DELETE FROM "{table}"')
    assert verify(backup.path, database).problems == (f"{table}: 2 rows in the copy, 0 in the database",)
    assert fingerprint(database).table(table).rows == 0


def test_sqlite_sequence_is_data(tmp_path):
    """AUTOINCREMENT remembers the highest id ever used: a restore must bring that back too."""
    database = tmp_path / "db.sqlite"
    sql(database, "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT)",
            "INSERT INTO notes (body) VALUES ('a'), ('b')")
    backup = make_backup(database, "1", quiet=True)
    assert backup.fingerprint.table("sqlite_sequence").rows == 1
    assert verify(backup.path, database).ok
    sql(database, "UPDATE sqlite_sequence SET seq = 100 WHERE name = 'notes'")
    assert verify(backup.path, database).problems == ("sqlite_sequence: same row count, different content",)
    assert fingerprint(database).table("sqlite_sequence").sha256 != backup.fingerprint.table("sqlite_sequence").sha256


def test_sqlites_own_statistics_are_not_data(tmp_path):
    """ANALYZE rewrites sqlite_stat1 (planner statistics): a near miss that must stay silent."""
    database = tmp_path / "db.sqlite"
    sql(database, "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT UNIQUE)", "INSERT INTO t (x) VALUES ('a'), ('b')")
    backup = make_backup(database, "1", quiet=True)
    sql(database, "ANALYZE")
    assert verify(backup.path, database).ok
    assert fingerprint(database) == backup.fingerprint


@pytest.mark.parametrize("change, problem", [
    # equal under the column's collation, but not the same text
    ("UPDATE people SET name = 'KINDRED' WHERE id = 1", "people: same row count, different content"),
    # equal as numbers, but another storage type (integer -> real) in an untyped column
    ("UPDATE people SET score = 1.0 WHERE id = 1", "people: same row count, different content"),
    # near miss: an INTEGER column stores 1.0 as the integer 1, so nothing changed
    ("UPDATE people SET age = 1.0 WHERE id = 1", None),
])
def test_same_data_means_the_same_values_and_storage_types(tmp_path, change, problem):
    database = tmp_path / "db.sqlite"
    sql(database, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, score, age INTEGER)",
        "INSERT INTO people (name, score, age) VALUES ('Kindred', 1, 1), ('Dawn', 2, 2)")
    backup = make_backup(database, "1", quiet=True)
    before = dump_hash(database)
    sql(database, change)
    assert (dump_hash(database) != before) == (problem is not None)
    assert verify(backup.path, database).problems == ((problem,) if problem else ())
    assert (fingerprint(database) != backup.fingerprint) == (problem is not None)


@pytest.mark.parametrize("id_column", ["id INTEGER PRIMARY KEY", "id INTEGER"])
def test_a_default_that_reads_without_rowid_does_not_make_a_without_rowid_table(tmp_path, id_column):
    """The table kind comes from SQLite (pragma_table_list), not from searching the CREATE text."""
    database = tmp_path / "db.sqlite"
    sql(database, f"CREATE TABLE t ({id_column}, note TEXT DEFAULT 'WITHOUT ROWID')",
        "INSERT INTO t (id) VALUES (1), (2)")
    backup = make_backup(database, "1", quiet=True)
    assert backup.fingerprint.table("t").rows == 2 and verify(backup.path, database).ok
    sql(database, "UPDATE t SET note = 'with rowid' WHERE id = 2")
    assert verify(backup.path, database).problems == ("t: same row count, different content",)


@pytest.mark.parametrize("columns", [
    "rowid TEXT, name TEXT",  # `rowid` names the user's column: compare on _rowid_
    "rowid TEXT, oid TEXT, _rowid_ TEXT, name TEXT",  # no name left for the row id: compare sorted rows
])
def test_a_user_column_named_rowid_is_not_mistaken_for_the_row_id(tmp_path, columns):
    database = tmp_path / "db.sqlite"
    fill = "INSERT INTO t (rowid, name) VALUES ('x', 'a'), ('x', 'b'), (NULL, 'c'), (NULL, 'd')"
    sql(database, f"CREATE TABLE t ({columns})", fill)
    backup = make_backup(database, "1", quiet=True)
    assert verify(backup.path, database).ok  # no false alarm
    before = dump_hash(database)
    sql(database, "UPDATE t SET name = 'B' WHERE name = 'b'")
    assert verify(backup.path, database).problems == ("t: same row count, different content",)
    assert restore(backup, database).ok and dump_hash(database) == before
    sql(database, "DELETE FROM t WHERE name = 'c'")
    assert verify(backup.path, database).problems == ("t: 4 rows in the copy, 3 in the database",)


@pytest.mark.parametrize("change, problem", [
    ("ALTER TABLE books ADD COLUMN isbn TEXT", "different schema (books: column isbn only in the database)"),
    ("ALTER TABLE books DROP COLUMN published_year",
     "different schema (books: column published_year only in the copy)"),
    ("CREATE TABLE isbns (isbn TEXT)", "different schema (isbns)"),
])
def test_a_schema_change_in_the_database_is_named_not_called_unreadable(shop, change, problem):
    backup = shop.backup()
    sql(shop.database_path, change)
    assert verify(backup.path, shop.database_path).problems == (problem,)
    with pytest.raises(BackupError, match=re.escape(problem)):
        shop.verify(backup)


def test_rows_are_still_counted_in_a_table_whose_columns_changed(shop):
    backup = shop.backup()
    sql(shop.database_path, "ALTER TABLE books ADD COLUMN isbn TEXT", "DELETE FROM books WHERE title = 'Kindred'")
    assert verify(backup.path, shop.database_path).problems == (
        "different schema (books: column isbn only in the database)", "books: 2 rows in the copy, 1 in the database")


# -- restore: only a backup that is provably what was backed up -------------------------


def test_every_backup_has_a_manifest_with_its_origin_and_fingerprint(shop):
    backup = shop.backup()
    manifest = json.loads((backup.path.parent / (backup.path.name + ".json")).read_text(encoding="utf-8"))
    assert backup.manifest == backup.path.parent / (backup.path.name + ".json")
    assert manifest["database"] == str(shop.database_path.resolve())
    assert (manifest["revision"], manifest["created"]) == ("0004", backup.created)
    assert load_backup(backup.path).fingerprint == backup.fingerprint
    assert {t["table"]: t["rows"] for t in manifest["fingerprint"]["tables"]}["books"] == 2
    assert sorted(p.name for p in backup.path.parent.iterdir()) == [backup.path.name, backup.manifest.name]
    assert shop.backups()["file"].tolist() == [backup.file]  # the manifest is not a backup


@pytest.mark.parametrize("damage", ["empty", "tampered", "no manifest", "bad manifest"])
def test_a_backup_that_is_not_what_was_backed_up_is_never_restored(shop, damage):
    backup = shop.backup()
    shop.app().add_book("Dawn", "Octavia E. Butler")
    if damage == "empty":
        backup.path.write_bytes(b"")
    elif damage == "tampered":  # a few bytes of a title: integrity_check cannot see that
        data = backup.path.read_bytes()
        assert data.count(b"Kindred") == 1
        backup.path.write_bytes(data.replace(b"Kindred", b"Kindrex"))
        assert fingerprint(backup.path).integrity == "ok"
    elif damage == "no manifest":
        backup.manifest.unlink()
    else:
        backup.manifest.write_text('{"database": "app.db", "fingerprint": ')
    before = dump_hash(shop.database_path)
    with pytest.raises(BackupError, match="not restored") as caught:
        restore(backup, shop.database_path)
    assert "unchanged" in caught.value.what
    with pytest.raises(BackupError, match="not restored"):
        shop.restore(backup.path)
    assert dump_hash(shop.database_path) == before


def test_after_a_restore_the_database_has_the_backups_fingerprint(shop):
    backup = shop.backup()
    sql(shop.database_path, "DELETE FROM books", "ALTER TABLE books ADD COLUMN isbn TEXT")
    result = restore(backup.path, shop.database_path)
    assert result.ok and fingerprint(shop.database_path) == backup.fingerprint
    assert result.comparison.set_index("table")["same content"].all()


def test_a_backup_of_another_database_is_restored_only_with_force(tmp_path):
    dev, prod = tmp_path / "app.db", tmp_path / "prod.db"
    for path, title in ((dev, "dev book"), (prod, "prod book")):
        sql(path, "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)",
            f"INSERT INTO books (title) VALUES ('{title}')")
    prods = make_backup(prod, "1", quiet=True)
    before = dump_hash(dev)
    with pytest.raises(BackupError, match="force=True") as caught:
        restore(prods, dev)
    assert "prod.db" in caught.value.what and "app.db is unchanged" in caught.value.what
    assert dump_hash(dev) == before
    assert restore(prods.path, dev, force=True).ok and dump_hash(dev) == dump_hash(prod)
    assert restore(make_backup(dev, "1", quiet=True), dev).ok  # its own origin: no force needed


def test_a_backup_still_restores_after_its_folder_was_moved(tmp_path):
    """The same file name with the backup in its backups/ folder: the same database, moved (not another one)."""
    old = tmp_path / "old"
    old.mkdir()
    sql(old / "app.db", "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    backup = make_backup(old / "app.db", "1", quiet=True)
    new = old.rename(tmp_path / "new")
    sql(new / "app.db", "DELETE FROM t")
    assert restore(new / "backups" / backup.path.name, new / "app.db").ok
    assert fingerprint(new / "app.db") == backup.fingerprint


def test_restoring_a_backup_onto_itself_is_refused(shop):
    backup = shop.backup()
    before = dump_hash(backup.path)
    for force in (False, True):
        started = time.monotonic()
        with pytest.raises(BackupError, match="is the database itself"):
            restore(backup, backup.path, force=force, timeout=5)
        assert time.monotonic() - started < 3  # refused at once, not after waiting for a lock
    assert dump_hash(backup.path) == before and restore(backup, shop.database_path).ok


def test_a_restore_blocked_by_another_connection_gives_up_after_its_timeout(shop):
    backup = shop.backup()
    shop.app().add_book("Dawn", "Octavia E. Butler")
    before = dump_hash(shop.database_path)
    with closing(sqlite3.connect(shop.database_path, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM books").fetchone()  # a read transaction: a shared lock
        started = time.monotonic()
        with pytest.raises(BackupError, match="Close the other connection/notebook, then restore again") as caught:
            restore(backup, shop.database_path, timeout=0.5)
        assert time.monotonic() - started < 10
        assert "app.db is unchanged" in caught.value.what
        reader.execute("COMMIT")
    assert dump_hash(shop.database_path) == before
    assert restore(backup, shop.database_path).ok  # nobody in the way: it restores


def test_backup_and_verify_read_while_another_connection_is_writing(shop):
    """A pending writer (RESERVED lock, rollback journal) lets readers read: backups only read."""
    before = fingerprint(shop.database_path)
    with closing(sqlite3.connect(shop.database_path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO books (title, author_id, slug) VALUES ('Uncommitted', 1, 'uncommitted')")
        backup = make_backup(shop.database_path, "0004", quiet=True, timeout=2)
        assert verify(backup.path, shop.database_path).ok
        assert fingerprint(shop.database_path) == before == backup.fingerprint
        writer.execute("ROLLBACK")
    with closing(sqlite3.connect(backup.path)) as copy:
        assert copy.execute("SELECT count(*) FROM books WHERE title = 'Uncommitted'").fetchone() == (0,)


def test_a_backup_blocked_by_an_exclusive_writer_gives_up_after_its_timeout(shop):
    with closing(sqlite3.connect(shop.database_path, isolation_level=None)) as writer:
        writer.execute("BEGIN EXCLUSIVE")  # not even readers may read now
        with pytest.raises(BackupError, match="Close the other connection/notebook, then back up again"):
            make_backup(shop.database_path, "0004", quiet=True, timeout=0.2)
        writer.execute("ROLLBACK")
    assert not list((shop.database_path.parent / "backups").iterdir())  # nothing left behind


@pytest.mark.parametrize("change, same", [
    ("UPDATE tags SET _rowid_ = _rowid_ + 10", True),  # hidden row ids renumbered, rows and order kept
    ("DELETE FROM tags WHERE name = 'orm'; INSERT INTO tags VALUES ('orm', 1)", False),  # same rows, new order
])
def test_verify_and_the_fingerprint_agree_on_a_table_whose_row_id_is_hidden(tmp_path, change, same):
    """No column holds the row id here (a TEXT primary key): rows are compared in row id order, as hashed."""
    database = tmp_path / "db.sqlite"
    sql(database, "CREATE TABLE tags (name TEXT PRIMARY KEY, uses INTEGER)",
        "INSERT INTO tags VALUES ('orm', 1), ('sql', 3), ('api', 2)")
    backup = make_backup(database, "1", quiet=True)
    sql(database, *change.split("; "))
    assert (fingerprint(database) == backup.fingerprint) == same
    assert verify(backup.path, database).problems == (() if same else ("tags: same row count, different content",))


def test_text_that_is_not_utf8_is_data_too(tmp_path):
    """SQLite stores TEXT bytes as given: a backup copes with invalid UTF-8, and so does a check of a damaged one."""
    database = tmp_path / "db.sqlite"
    sql(database, "CREATE TABLE t (id INTEGER PRIMARY KEY, title TEXT)",
        "INSERT INTO t (title) VALUES (CAST(X'4b696e6472c564' AS TEXT)), ('Kindred')")  # 'Kindr', 0xC5, 'd'
    backup = make_backup(database, "1", quiet=True)
    assert verify(backup.path, database).ok and fingerprint(database) == backup.fingerprint
    sql(database, "UPDATE t SET title = CAST(X'4b696e6472c664' AS TEXT) WHERE id = 1")
    assert fingerprint(database) != backup.fingerprint and not verify(backup.path, database).ok
    assert restore(backup, database).ok and fingerprint(database) == backup.fingerprint
    data = backup.path.read_bytes()
    backup.path.write_bytes(data.replace(b"Kindred", b"Kindr\xc5d"))  # the other row now undecodable too
    before = dump_hash(database)
    with pytest.raises(BackupError, match="not restored"):
        restore(backup, database)
    assert dump_hash(database) == before


@pytest.mark.parametrize("tampering, problem", [
    ("CREATE INDEX ix_extra ON books (title)", "different schema (ix_extra)"),  # the schema
    ("DELETE FROM sqlitebooks", "sqlitebooks: 0 rows in the file, 1 when it was made"),  # a look-alike table
    ("UPDATE sqlite_sequence SET seq = 7", "sqlite_sequence: same row count, different content"),  # AUTOINCREMENT
    ("INSERT INTO books (title, n) VALUES ('Dawn', 3)", "books: 3 rows in the file, 2 when it was made"),  # rows
    ("UPDATE books SET title = 'KINDRED' WHERE id = 1", "books: same row count, different content"),  # values
    ("UPDATE books SET n = 1.0 WHERE id = 1", "books: same row count, different content"),  # storage types
])
def test_each_part_of_the_fingerprint_guards_a_restore(tmp_path, tampering, problem):
    database = tmp_path / "db.sqlite"
    sql(database, "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT COLLATE NOCASE, n)",
        "CREATE TABLE sqlitebooks (x)", "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT)",
        "INSERT INTO books (title, n) VALUES ('Kindred', 1), ('Dawn', 2)", "INSERT INTO sqlitebooks VALUES (1)",
        "INSERT INTO notes DEFAULT VALUES")
    backup = make_backup(database, "1", quiet=True)
    sql(backup.path, tampering)  # the file stays a sound database: only the manifest can tell
    assert fingerprint(backup.path).integrity == "ok"
    before = dump_hash(database)
    with pytest.raises(BackupError, match="not restored") as caught:
        restore(backup, database)
    assert problem in caught.value.what and dump_hash(database) == before


def test_a_backup_named_as_backups_lists_it_restores_from_any_folder(tmp_path, monkeypatch):
    """``ws.restore(ws.backups()["file"].iloc[0])`` is what a learner types: the listed path is
    relative to the database's folder, not to wherever the notebook runs."""
    from migrator import Workspace

    ws = Workspace("listed", root=tmp_path, reset=True, starter="bookshop")
    ws.upgrade()
    ws.backup()
    listed = ws.backups()["file"].iloc[0]
    assert listed.startswith("backups/")
    monkeypatch.chdir(tmp_path)  # not the database's folder
    ws.app().add_book("After the backup", "Someone")
    assert ws.restore(listed).ok
    assert "After the backup" not in ws.rows("books")["title"].tolist()


def test_a_refused_restore_says_why_in_italian(tmp_path, italian):
    dev, prod = tmp_path / "app.db", tmp_path / "prod.db"
    for path in (dev, prod):
        sql(path, "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)")
    prods = make_backup(prod, "1", quiet=True)
    with pytest.raises(BackupError) as caught:
        restore(prods, dev)
    assert caught.value.what.startswith(f"Il backup {prods.file} è stato fatto di prod.db (")
    assert caught.value.what.endswith("non di app.db, quindi non è stato ripristinato: app.db è invariato.")
    assert caught.value.fix.startswith("Ripristina un backup di app.db (ws.backups() li elenca), oppure passa force=True")
    prods.manifest.unlink()
    with pytest.raises(BackupError) as caught:
        restore(prods.path, dev)
    assert "non ha un manifest" in caught.value.what and caught.value.fix.startswith("Ripristina un backup che ha")


def test_a_backup_and_its_verification_in_italian(shop, italian):
    backup = shop.backup()
    summary = backup._repr_markdown_()
    assert summary.startswith(f"**Backup** `{backup.file}` di `app.db` alla revisione `0004` (")
    assert re.search(r"\): \d+ tabelle, \d+ righe; integrità ok, verificato rispetto al database\.$", summary), summary
    checked = verify(backup.path, shop.path / "app.db")._repr_markdown_()
    assert checked.startswith(f"✓ **Verificato:** `{backup.file}` corrisponde a `app.db`: integrità ok, stesso schema")


def test_a_postgresql_backups_integrity_is_shown_in_italian(italian):
    from migrator.backup import Fingerprint
    from migrator.pgbackup import INTEGRITY

    backup = Backup(Path("backups/shop-0004-20261202T000000.dump"), "postgresql://kit@localhost/shop", "0004",
                    "20261202T000000", Fingerprint(INTEGRITY, (), ()))
    assert "integrità non controllata (PostgreSQL non ha un integrity_check" in backup._repr_markdown_()
    assert "): 0 tabelle, 0 righe;" in backup._repr_markdown_()
