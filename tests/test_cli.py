"""The repository's Alembic environment works from the command line, unchanged.

Each test runs the real `alembic` CLI as a subprocess from a temporary copy of the
repository, exactly as a learner would type it at the repository root.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from migrator import PROJECT_ROOT


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    copy = tmp_path_factory.mktemp("repo")
    shutil.copy(PROJECT_ROOT / "alembic.ini", copy)
    for folder in ("migrations", "migrator"):
        shutil.copytree(PROJECT_ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", "workspaces"))
    return copy


def alembic(repo, *args, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_upgrade_current_history_check_downgrade(repo):
    alembic(repo, "upgrade", "head")
    assert "0004 (head)" in alembic(repo, "current")
    history = alembic(repo, "history")
    assert history.index("0003 -> 0004 (head)") < history.index("<base> -> 0001")
    assert "No new upgrade operations detected" in alembic(repo, "check")
    with sqlite3.connect(repo / "bookshop.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004",)]
    alembic(repo, "downgrade", "base")
    with sqlite3.connect(repo / "bookshop.db") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"alembic_version"}


def test_offline_sql_for_the_whole_chain(repo):
    sql = alembic(repo, "upgrade", "head", "--sql")
    assert sql.startswith("BEGIN;")
    assert "CREATE TABLE _alembic_tmp_books" in sql  # batch mode, from copy_from
    assert "UPDATE books SET slug=lower(replace(trim(books.title), ' ', '-'))" in sql
    assert "INSERT INTO alembic_version (version_num) VALUES ('0001')" in sql


def test_database_url_environment_variable_overrides_alembic_ini(repo):
    other = repo / "elsewhere.db"
    alembic(repo, "upgrade", "0002", env={"DATABASE_URL": f"sqlite:///{other}"})
    with sqlite3.connect(other) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]


def test_alembic_ini_holds_no_credentials_and_a_custom_script_location():
    ini = (PROJECT_ROOT / "alembic.ini").read_text()
    assert "\nscript_location = migrations\n" in ini
    assert "file_template = %%(rev)s_%%(slug)s" in ini
    assert "sqlalchemy.url = sqlite:///" in ini
    assert "@" not in ini.split("sqlalchemy.url =")[1].splitlines()[0]
