"""Environments and promotion: dev and prod are two databases of one project; promote checks
dev, reviews, backs prod up, upgrades, verifies, and on failure restores prod (proved by
content hash). URLs never show a password."""

from __future__ import annotations

import pytest

from conftest import dump, write_revision_body
from migrator import (
    MigratorError,
    PromotionError,
    UnknownEnvironmentError,
    Workspace,
)

ISBN = "    isbn: Mapped[str | None] = mapped_column(String(13))"
YEAR = "    published_year: Mapped[int | None]"  # followed by a comment in models.py
PAGES = "\n    pages: Mapped[int | None]"
SLUG = "    slug: Mapped[str] = mapped_column(String(200), default=_slug_from_title)"
UNIQUE_SLUG = "    slug: Mapped[str] = mapped_column(String(200), default=_slug_from_title, unique=True, index=True)"
SECRET = "s3cr3t-pa55"

#: What production holds: real books, one from before printing, two editions with one title.
PROD_BOOKS = [
    ("The Canterbury Tales", "Geoffrey Chaucer", 1387),
    ("Poems", "Emily Dickinson", 1890),
    ("Poems", "Emily Dickinson", 1891),
    ("Kindred", "Octavia E. Butler", 1979),
]


@pytest.fixture(autouse=True)
def no_outside_environments(monkeypatch):
    for name in ("MIGRATOR_PROD_URL", "MIGRATOR_DEV_URL", "MIGRATOR_STAGING_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ws(tmp_path) -> Workspace:
    """dev at 0005 (isbn added, one test book); prod at 0004 with PROD_BOOKS."""
    ws = Workspace("shop", root=tmp_path, reset=True, starter="bookshop")
    ws.upgrade()
    ws.app().add_book("A test book", "Test Author", published_year=2000)
    ws.add_environment("prod", ws.path / "prod.db")
    prod = ws.environment("prod")
    prod.upgrade()
    app = prod.app()
    for title, author, year in PROD_BOOKS:
        app.add_book(title, author, published_year=year)
    ws.edit_models(YEAR, ISBN + "\n" + YEAR)
    ws.revision("add isbn to books")
    ws.upgrade()
    return ws


def prod_state(ws: Workspace):
    prod = ws.environment("prod")
    return prod.current(), prod.fingerprint().to_dict("records"), dump(prod)


def test_promote_backs_up_upgrades_and_verifies(ws):
    prod = ws.environment("prod")
    books_before = prod.rows("books")
    promotion = ws.promote("prod")
    assert promotion.ok and prod.current() == "0005"
    assert [s.step for s in promotion.steps] == [
        "dev is at the head", "the standard checks pass", "review", "back up prod", "upgrade prod", "verify prod",
    ]
    assert all(s.status == "done" for s in promotion.steps)
    assert "ALTER TABLE books ADD COLUMN isbn VARCHAR(13)" in promotion.sql
    assert promotion.backup.revision == "0004" and promotion.backup.path.name.startswith("prod-0004-")
    assert prod.backups()["revision"].tolist() == ["0004"]
    books_after = prod.rows("books")
    assert books_after.drop(columns="isbn").equals(books_before)
    assert books_after["isbn"].isna().all()
    assert "books 4" in promotion.steps[-1].detail
    markdown = promotion._repr_markdown_()
    assert "| upgrade prod | ✓ done | ran 0005 |" in markdown and "```sql" in markdown


def test_promoting_again_has_nothing_to_do(ws):
    ws.promote("prod")
    again = ws.promote("prod")
    assert again.ok and again.steps[-1].status == "skipped" and again.backup is None


def unique_slugs_with_a_dedupe_that_misses_prod(ws: Workspace) -> None:
    """0006 makes slugs unique after a clean-up that works on dev's data, not on prod's."""
    ws.edit_models(SLUG, UNIQUE_SLUG)
    rev = ws.revision("unique slugs")
    assert rev.findings == ()  # dev's slugs are all different
    path = ws.path / rev.file
    dedupe = ("    op.execute(\"UPDATE books SET slug = slug || '-' || author_id WHERE slug IN "
              "(SELECT slug FROM books GROUP BY slug HAVING count(*) > 1)\")\n")
    path.write_text(path.read_text().replace("    with op.batch_alter_table", dedupe + "    with op.batch_alter_table", 1))
    ws.upgrade()


def test_a_revision_that_fails_on_prod_rolls_back_and_needs_no_restore(ws):
    """The kit's upgrade is one transaction: a failure leaves prod as it was, and a restore would
    only risk throwing away writes made since the backup, so none is made."""
    ws.promote("prod")
    unique_slugs_with_a_dedupe_that_misses_prod(ws)
    before = prod_state(ws)
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    error = caught.value
    assert "failed at 'upgrade prod'" in error.what and "UNIQUE constraint failed" in error.what
    assert "rolled back" in error.what and "No restore was needed" in error.what
    assert "restored automatically" not in error.what
    assert prod_state(ws) == before  # same revision, same content hashes, same dump
    statuses = [(s.step, s.status) for s in error.promotion.steps]
    assert statuses[-2:] == [("upgrade prod", "failed"), ("restore prod", "not needed")]
    assert error.promotion.backup is not None and error.promotion.backup.path.is_file()  # kept, just in case


def test_a_revision_that_loses_rows_on_prod_is_caught_by_verify_and_undone(ws):
    ws.promote("prod")
    rev = ws.revision("remove test books", autogenerate=False)
    write_revision_body(ws, rev, "op.execute(\"DELETE FROM books WHERE published_year < 1450\")")
    ws.upgrade()  # dev has no such book: nothing happens there
    before = prod_state(ws)
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    assert "failed at 'verify prod'" in caught.value.what
    assert "books had 4 rows before, 3 after" in caught.value.what
    assert prod_state(ws) == before  # the upgrade had committed; the backup brought prod back
    assert [(s.step, s.status) for s in caught.value.promotion.steps][-1] == ("restore prod", "restored")


def test_dev_behind_its_head_stops_before_prod_is_touched(ws):
    ws.edit_models(ISBN, ISBN + PAGES)
    ws.revision("add pages")
    before = prod_state(ws)
    with pytest.raises(PromotionError, match="stopped at 'dev is at the head'.*dev is at 0005") as caught:
        ws.promote("prod")
    assert "ws.upgrade()" in caught.value.fix
    assert prod_state(ws) == before and not (ws.path / "backups").exists()


def test_failing_checks_stop_before_prod_is_touched(ws):
    ws.edit_models(ISBN, ISBN + PAGES)  # a model change without a revision
    before = prod_state(ws)
    with pytest.raises(PromotionError, match="stopped at 'the standard checks pass'.*models match schema"):
        ws.promote("prod")
    assert prod_state(ws) == before


def test_the_linter_against_prods_data_stops_a_destructive_promotion(ws):
    ws.promote("prod")
    prod = ws.environment("prod")
    with prod.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE books SET isbn = '9780807083697' WHERE title = 'Kindred'")
    ws.edit_models(ISBN + "\n", "")
    rev = ws.revision("drop isbn")
    assert [(f.code, f.severity) for f in rev.findings] == [("drop-column", "warning")]  # empty on dev
    ws.upgrade()
    before = prod_state(ws)
    with pytest.raises(PromotionError, match="stopped at 'review'.*0006:drop-column books.isbn \\(destructive\\)"):
        ws.promote("prod")
    assert prod_state(ws) == before and prod.backups()["revision"].tolist() == ["0004"]
    promotion = ws.promote("prod", acknowledge=["0006:drop-column"])
    assert promotion.ok and prod.current() == "0006"


def test_a_dry_run_reviews_without_changing_prod(ws):
    before = prod_state(ws)
    promotion = ws.promote("prod", dry_run=True)
    assert promotion.ok and promotion.backup is None and "ADD COLUMN isbn" in promotion.sql
    assert promotion.steps[-1].status == "skipped"
    assert prod_state(ws) == before and not (ws.path / "backups").exists()


def test_a_prod_without_a_database_gets_one(ws):
    ws.add_environment("staging", ws.path / "staging.db")
    promotion = ws.promote("staging")
    assert promotion.ok and ws.environment("staging").current() == "0005"
    assert [s.status for s in promotion.steps if s.step == "back up staging"] == ["skipped"]


# -- environments -------------------------------------------------------------------------


def test_environments_are_listed_with_where_they_come_from(ws):
    frame = ws.environments().set_index("environment")
    assert frame.loc["dev", "database"] == "sqlite:///app.db" and frame.loc["dev", "revision"] == "0005"
    assert frame.loc["prod", "database"] == "sqlite:///prod.db" and frame.loc["prod", "revision"] == "0004"
    assert frame.loc["prod", "set by"] == "alembic.ini [environments]"
    assert "prod = sqlite:///%(here)s/prod.db" in ws.ini_path.read_text()


def test_the_environment_variable_wins(ws, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("MIGRATOR_PROD_URL", f"sqlite:///{other}")
    assert ws.environment("prod").database_path == other
    frame = ws.environments().set_index("environment")
    assert frame.loc["prod", "set by"] == "MIGRATOR_PROD_URL"
    assert frame.loc["prod", "revision"] == "(no database yet)"


def test_an_unknown_environment_says_how_to_set_it(ws):
    with pytest.raises(UnknownEnvironmentError, match="'staging'") as caught:
        ws.environment("staging")
    assert "MIGRATOR_STAGING_URL" in caught.value.fix
    with pytest.raises(UnknownEnvironmentError):
        ws.environment("../prod")


def test_a_password_is_never_stored_nor_shown(ws, monkeypatch):
    url = f"postgresql://shop:{SECRET}@db.example.com:5432/shop"
    with pytest.raises(MigratorError) as caught:
        ws.add_environment("prod", url)
    assert SECRET not in str(caught.value) and "***" in caught.value.what
    assert "MIGRATOR_PROD_URL" in caught.value.fix
    assert SECRET not in ws.ini_path.read_text()

    monkeypatch.setenv("MIGRATOR_PROD_URL", url)
    frame = ws.environments()
    assert SECRET not in frame.to_string() and "shop:***@db.example.com" in frame.to_string()
    assert SECRET not in repr(ws.environment("prod"))
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    message = str(caught.value) + caught.value.promotion._repr_markdown_() + repr(caught.value.promotion)
    assert SECRET not in message and "shop:***@db.example.com" in message


@pytest.mark.parametrize("table", ["sqlitebooks", "SQLite3_notes"])
def test_a_revision_that_empties_a_table_named_like_sqlites_own_is_caught(ws, table):
    """Such names used to be skipped by LIKE 'sqlite_%': the verify step must see them like any other."""
    ws.write_models(ws.read_models() + f"\n\nclass Note(Base):\n    __tablename__ = {table!r}\n\n"
                    "    id: Mapped[int] = mapped_column(primary_key=True)\n    note: Mapped[str | None]\n")
    ws.revision("notes")
    ws.upgrade()
    ws.promote("prod")
    with ws.environment("prod").engine.begin() as connection:
        connection.exec_driver_sql(f'INSERT INTO "{table}" (note) VALUES (\'keep\'), (\'me\')')
    rev = ws.revision("tidy up", autogenerate=False)
    write_revision_body(ws, rev, f"op.execute('DELETE FROM \"{table}\"')")
    ws.upgrade()
    before = prod_state(ws)
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    assert f"{table} had 2 rows before, 0 after" in caught.value.what
    assert prod_state(ws) == before


def test_a_table_with_a_user_column_named_rowid_restores_without_a_false_alarm(ws):
    prod = ws.environment("prod")
    with prod.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE ledger (rowid TEXT, amount INTEGER)")
        connection.exec_driver_sql("INSERT INTO ledger VALUES ('b', 2), ('a', 1)")
    rev = ws.revision("fails on prod", autogenerate=False)
    write_revision_body(ws, rev, "op.execute('INSERT INTO ledger VALUES (1, 1)')\nop.execute('SELECT nothing FROM nowhere')")
    with ws.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE ledger (rowid TEXT, amount INTEGER)")
    ws.upgrade("0005")
    before = prod_state(ws)
    with pytest.raises(PromotionError) as caught:
        ws.promote("prod")
    assert "Restoring the backup failed too" not in caught.value.what
    assert prod_state(ws) == before
