"""Progress bars: they reach their total, follow real SQLite work, and stay quiet in test runs."""

from __future__ import annotations

import io
import sqlite3

import pytest

from migrator.progress import Progress, progress, quiet, track, watch


@pytest.fixture
def loud(monkeypatch):
    """Progress bars on (the test run sets MIGRATOR_QUIET=1 for everything else)."""
    monkeypatch.delenv("MIGRATOR_QUIET", raising=False)


def test_quiet_follows_the_environment(monkeypatch):
    monkeypatch.setenv("MIGRATOR_QUIET", "1")
    assert quiet()
    monkeypatch.setenv("MIGRATOR_QUIET", "0")
    assert not quiet()
    monkeypatch.delenv("MIGRATOR_QUIET")
    assert not quiet()


def test_a_report_bar_reaches_its_total(loud):
    out = io.StringIO()
    with progress("copy", total=10, unit="page", file=out) as report:
        for done in range(1, 8):
            report(done)
        assert report.count == 7
    assert report.count == report.total == 10  # finished: filled
    assert "copy: 100%" in out.getvalue() and "10/10" in out.getvalue()


def test_sqlite_backup_reports_pages(loud, tmp_path):
    source = sqlite3.connect(tmp_path / "source.db")
    source.execute("CREATE TABLE t (x TEXT)")
    source.executemany("INSERT INTO t VALUES (?)", [("x" * 500,) for _ in range(400)])
    source.commit()
    target = sqlite3.connect(tmp_path / "copy.db")
    out = io.StringIO()
    with progress("backup", unit="page", file=out) as report:
        source.backup(target, pages=5, progress=report.sqlite_backup)
        pages = source.execute("PRAGMA page_count").fetchone()[0]
        assert report.count == report.total == pages > 5
    assert f"{pages}/{pages}" in out.getvalue()
    assert target.execute("SELECT count(*) FROM t").fetchone()[0] == 400
    source.close()
    target.close()


def test_track_counts_a_python_loop(loud):
    out = io.StringIO()
    assert list(track(range(25), desc="backfill", file=out)) == list(range(25))
    assert "backfill: 100%" in out.getvalue() and "25/25" in out.getvalue()


def test_watch_follows_a_real_batch_rewrite(loud, bookshop):
    bookshop.upgrade("0003")
    with bookshop.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO authors (id, name) VALUES (1, 'Anon')")
        connection.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
            "INSERT INTO books (title, author_id) SELECT 'Book ' || i, 1 FROM n"
        )
    out = io.StringIO()
    with watch(bookshop, "books", desc="0004", file=out) as bar:
        bookshop.upgrade()  # backfills 5000 slugs, then copies the table (batch mode)
        assert 0 < bar.count < bar.total == 5000  # moved by sqlite3's progress handler, not done yet
    assert bar.count == 5000
    assert "0004: 100%" in out.getvalue() and "5000/5000" in out.getvalue()
    assert bookshop.current() == "0004"


def test_watch_stops_listening_afterwards(loud, bookshop):
    bookshop.upgrade("0002")
    with watch(bookshop, file=io.StringIO()) as bar:
        pass
    counted = bar.count
    bookshop.upgrade()
    assert bar.count == counted


def test_quiet_draws_nothing_but_still_counts(monkeypatch):
    monkeypatch.setenv("MIGRATOR_QUIET", "1")
    out = io.StringIO()
    with Progress("silent", total=3, file=out) as report:
        report.advance()
        assert report.count == 1
    assert report.count == 3
    assert out.getvalue() == ""


@pytest.mark.parametrize("large", [True, False])
def test_upgrades_of_large_databases_show_a_bar_by_themselves(loud, bookshop, capsys, monkeypatch, large):
    import migrator.project

    bookshop.upgrade("0003")
    with bookshop.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO authors (id, name) VALUES (1, 'Anon')")
        connection.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
            "INSERT INTO books (title, author_id) SELECT 'Book ' || i, 1 FROM n"
        )
    size = bookshop.database_path.stat().st_size
    monkeypatch.setattr(migrator.project, "LARGE_DATABASE", size if large else size + 1)
    bookshop.upgrade()
    shown = capsys.readouterr().err
    assert ("upgrade head: 100%" in shown and "3001/3001" in shown) is large  # books + the author
    assert bookshop.current() == "0004"
