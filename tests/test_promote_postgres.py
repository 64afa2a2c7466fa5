"""Promotion to a PostgreSQL prod, on the real server: review SQL for PostgreSQL, a pg_dump
backup verified by restoring it, the upgrade in one transaction, nothing changed on failure
(compared by content hash), a restore only when the upgrade had committed. Passwords masked.

Dev is the workspace's SQLite file, as in the course; prod is a fresh PostgreSQL database.
"""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa

from conftest import rewrite_revision, write_revision_body
from migrator import BackupError, PromotionError, Workspace, pgbackup, postgres

pytestmark = pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform")

ISBN = "    isbn: Mapped[str | None] = mapped_column(String(13))"
YEAR = "    published_year: Mapped[int | None]"
SECRET = "s3cr3t-pa55"
PROD_BOOKS = [
    ("The Canterbury Tales", "Geoffrey Chaucer", 1387),
    ("Poems", "Emily Dickinson", 1890),
    ("Poems", "Emily Dickinson", 1891),
    ("Kindred", "Octavia E. Butler", 1979),
]


@pytest.fixture
def ws(tmp_path, postgres_url, monkeypatch) -> Workspace:
    """dev (SQLite) at 0005 (isbn added); prod (PostgreSQL) at 0004 with PROD_BOOKS.

    prod's URL carries a password, as a real deployment's would: the kit's server trusts its
    unix socket, so the password is ignored by the server and must still never be shown.
    """
    url = sa.make_url(postgres_url).set(password=SECRET).render_as_string(hide_password=False)
    monkeypatch.setenv("MIGRATOR_PROD_URL", url)
    ws = Workspace("shop", root=tmp_path, reset=True, starter="bookshop")
    ws.upgrade()
    prod = ws.environment("prod")
    prod.upgrade()
    app = prod.app()
    for title, author, year in PROD_BOOKS:
        app.add_book(title, author, published_year=year)
    ws.edit_models(YEAR, ISBN + "\n" + YEAR)
    ws.revision("add isbn to books")
    ws.upgrade()
    return ws


def state(prod: Workspace) -> str:
    """A hash of everything prod holds: schema, rows, content (sequences aside) and its revision."""
    fp = pgbackup.without_sequences(prod.content())
    return hashlib.sha256(json.dumps([prod.current(), fp.schema, fp.tables], default=str).encode()).hexdigest()


def test_promote_to_postgresql_backs_up_with_pg_dump_upgrades_and_verifies(ws):
    prod = ws.environment("prod")
    promotion = ws.promote("prod")
    assert promotion.ok and prod.current() == "0005"
    assert [(s.step, s.status) for s in promotion.steps] == [
        ("dev is at the head", "done"), ("the standard checks pass", "done"), ("review", "done"),
        ("back up prod", "done"), ("upgrade prod", "done"), ("verify prod", "done"),
    ]
    assert "ALTER TABLE books ADD COLUMN isbn VARCHAR(13)" in promotion.sql
    assert "BEGIN;" in promotion.sql and "COMMIT;" in promotion.sql  # PostgreSQL's SQL: one transaction
    backup = promotion.backup
    assert backup.path.suffix == ".dump" and backup.revision == "0004" and backup.manifest.is_file()
    assert backup.fingerprint.table("books").rows == 4
    assert "verified (8 rows in 3 tables)" in promotion.steps[3].detail  # books, authors, alembic_version
    assert "books 4" in promotion.steps[-1].detail and "integrity" not in promotion.steps[-1].detail
    assert prod.backups()["revision"].tolist() == ["0004"]
    assert prod.rows("books")["isbn"].isna().all()


def test_a_failing_upgrade_rolls_back_on_postgresql_and_nothing_is_restored(ws):
    ws.promote("prod")
    # DDL first, then a data fix that divides by zero on prod's book from 1387 only (dev has none):
    # the linter cannot foresee it, so the upgrade itself fails, after the ALTER TABLE ran.
    ws.edit_models(YEAR, YEAR + "\n    age: Mapped[int | None]")
    ws.revision("age of books")
    rewrite_revision(ws, "    op.add_column('books', sa.Column('age', sa.Integer()))\n"
                         "    op.execute('UPDATE books SET age = 2026 / (published_year - 1387)')",
                     "    op.drop_column('books', 'age')", revision="0006")
    ws.upgrade()
    prod = ws.environment("prod")
    before = state(prod)
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    error = caught.value
    assert "failed at 'upgrade prod'" in error.what and "division by zero" in error.what
    assert "rolled back" in error.what and "No restore was needed" in error.what
    assert [(s.step, s.status) for s in error.promotion.steps][-2:] == [
        ("upgrade prod", "failed"), ("restore prod", "not needed")]
    assert state(prod) == before and prod.current() == "0005"
    assert "age" not in prod.columns("books")["column"].tolist()  # the ALTER TABLE was rolled back too


def test_a_committed_upgrade_that_loses_rows_is_restored_from_the_dump(ws):
    ws.promote("prod")
    rev = ws.revision("remove old books", autogenerate=False)
    write_revision_body(ws, rev, "op.execute(\"DELETE FROM books WHERE published_year < 1450\")")
    ws.upgrade()  # dev has no such book
    prod = ws.environment("prod")
    before = state(prod)
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    error = caught.value
    assert "failed at 'verify prod'" in error.what and "books had 4 rows before, 3 after" in error.what
    assert "restored automatically from backups/" in error.what
    assert [(s.step, s.status) for s in error.promotion.steps][-1] == ("restore prod", "restored")
    assert state(prod) == before and prod.current() == "0005"


def test_a_damaged_dump_is_never_restored(ws, tmp_path):
    prod = ws.environment("prod")
    backup = prod.backup()
    assert prod.verify(backup).ok
    with prod.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM books WHERE published_year = 1891")
    with pytest.raises(BackupError, match="does not match"):
        prod.verify(backup)  # the database moved on: the backup no longer holds it
    after_delete = state(prod)
    data = bytearray(backup.path.read_bytes())
    data[len(data) // 2:] = b"\0" * (len(data) - len(data) // 2)
    backup.path.write_bytes(bytes(data))
    with pytest.raises(BackupError) as caught:
        prod.restore(backup)
    assert "was not restored" in caught.value.what and "unchanged" in caught.value.what
    assert state(prod) == after_delete


def test_restore_brings_back_the_backup_exactly_and_refuses_another_databases_dump(ws, postgres_url):
    prod = ws.environment("prod")
    backup = prod.backup()
    before = state(prod)
    with prod.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE scratch (id int)")
        connection.exec_driver_sql("UPDATE books SET title = upper(title)")
    assert state(prod) != before
    verification = prod.restore(backup)
    assert verification.ok and state(prod) == before
    assert "scratch" not in sa.inspect(prod.engine).get_table_names()

    other = ws.with_database(postgres.fresh_database("other"))
    try:
        other.upgrade()
        with pytest.raises(BackupError, match="was made of"):
            other.restore(backup)
        assert other.rows("books").empty
    finally:
        other.engine.dispose()
        other.reader.dispose()
        postgres.drop_database(other.url)


def test_no_password_in_reports_errors_or_manifests(ws):
    ws.promote("prod")
    rev = ws.revision("remove old books", autogenerate=False)
    write_revision_body(ws, rev, "op.execute(\"DELETE FROM books WHERE published_year < 1450\")")
    ws.upgrade()
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    promotion = caught.value.promotion
    shown = str(caught.value) + promotion._repr_markdown_() + repr(promotion) + ws.environments().to_string()
    manifests = "".join(p.read_text() for p in (ws.path / "backups").glob("*.json"))
    assert SECRET not in shown + manifests
    assert "postgres:***@" in ws.environments().to_string() + manifests
