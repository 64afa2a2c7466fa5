"""The example project examples/library/, run through the real ``alembic`` command line.

Everything runs on a copy of the project in a temporary folder, so no database lands in
the repository. The CLI is slow to start (it imports SQLAlchemy each time), so one
module-scoped fixture walks the whole life of the database once and the tests below
assert on what it saw; the two calls that need no database run beside it.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1] / "examples" / "library"
VERSIONS = PROJECT / "alembic" / "versions"
ALEMBIC = Path(sys.executable).parent / "alembic"

# Where the data round trip stops (short ids work on the CLI): below the first data
# migration, then at the fines table (dropped below 0018) to give 0023 fines to fold.
BEFORE_DATA_MIGRATIONS = "0008"
FINES_TABLE_REVISION = "0018"

# Columns that survive a downgrade to 0008 and back, or that the data migrations
# recompute (the others are dropped on the way down: lossy by nature).
ROUND_TRIP = {
    "members": "id, card_number, first_name, last_name, email, status, home_branch_id, joined_on",
    "authors": "id, name, sort_name",
    "books": "id, isbn, title, slug, published_year",
    "loans": "id, copy_id, member_id, checked_out_at, due_on, returned_at, fine_cents",
    "copies": "id, book_id, branch_id, barcode, price_cents",
}


# --- reading the revision files (ast only: nothing is imported or byte-compiled) ---


def revisions() -> dict[str, dict]:
    """Every revision file: id -> {down, source, tree}."""
    found = {}
    for path in sorted(VERSIONS.glob("*.py")):
        source = path.read_text()
        tree = ast.parse(source)
        values = {
            node.target.id: ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        found[values["revision"]] = dict(
            down=values["down_revision"], source=source, tree=tree, file=path.name
        )
    return found


def marked(marker: str) -> set[str]:
    """Revisions whose module comments carry ``# <marker>: why``."""
    return {
        rev for rev, info in revisions().items()
        if re.search(rf"^# {marker}: \S", info["source"], re.MULTILINE)
    }


def single_head() -> str:
    revs = revisions()
    parents = set()
    for info in revs.values():
        down = info["down"]
        parents.update(down if isinstance(down, tuple) else [down])
    heads = set(revs) - parents
    assert len(heads) == 1, f"expected one head, found {sorted(heads)}"
    return heads.pop()


def full_id(short: str) -> str:
    (match,) = [rev for rev in revisions() if rev.startswith(short)]
    return match


def _calls(node: ast.AST, name: str) -> list[ast.Call]:
    return [
        n for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name
    ]


def reads_rows(node: ast.AST) -> bool:
    """Does the code run ``<bind>.execute(sa.select(...))``, i.e. read rows into Python?"""
    return any(
        call.args and isinstance(call.args[0], ast.Call) and _calls(call.args[0], "select")
        for call in _calls(node, "execute")
    )


# --- running the CLI on a copy ---


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of examples/library/ (without any database or cache) in a temporary folder."""
    copy = tmp_path_factory.mktemp("example") / "library"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("*.db", "__pycache__", "*.pyc"))
    return copy


def start(project: Path, *args: str) -> subprocess.Popen:
    """Start ``alembic <args>`` in the project's folder."""
    return subprocess.Popen(
        [str(ALEMBIC), *args], cwd=project, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def finish(process: subprocess.Popen, ok: bool = True) -> subprocess.CompletedProcess:
    """Wait for it; fail the test with its stderr if ``ok`` and it failed."""
    stdout, stderr = process.communicate(timeout=180)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if ok and result.returncode != 0:
        command = " ".join(map(str, process.args[1:]))
        pytest.fail(f"alembic {command} exited {result.returncode}:\n{stderr[-3000:]}")
    return result


def alembic(project: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """``alembic <args>`` in the project's folder, waited for."""
    return finish(start(project, *args), ok=ok)


def schema(db: Path) -> dict[str, str]:
    """name -> CREATE statement, for every table and index (SQLite's own ones left out)."""
    with sqlite3.connect(db) as connection:
        return {
            name: sql
            for name, sql in connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite_%'"
            )
        }


def unordered(statements: dict[str, str]) -> dict[str, list[str]]:
    return {
        name: sorted(line.strip().rstrip(",").strip() for line in sql.splitlines())
        for name, sql in statements.items()
    }


def table_names(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        return {
            name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }


def snapshot(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as connection:
        data = {
            table: connection.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()
            for table, columns in ROUND_TRIP.items()
        }
        data["book_authors"] = connection.execute(
            "SELECT book_id, author_id, position FROM book_authors ORDER BY book_id, position"
        ).fetchall()
    return data


@contextmanager
def imported_from(project: Path) -> Iterator[None]:
    """Let the copy's ``library_app`` be imported, and forget it afterwards."""
    sys.path.insert(0, str(project))
    before = set(sys.modules)
    try:
        yield
    finally:
        for name in set(sys.modules) - before:
            if name == "library_app" or name.startswith("library_app."):
                del sys.modules[name]
        while str(project) in sys.path:
            sys.path.remove(str(project))


def run_seed(project: Path) -> None:
    """examples/library/seed.py's seed(), run from the copy."""
    spec = importlib.util.spec_from_file_location("library_seed", project / "seed.py")
    module = importlib.util.module_from_spec(spec)
    with imported_from(project):
        spec.loader.exec_module(module)
        module.seed(f"sqlite:///{project / 'library.db'}")


@pytest.fixture(scope="module")
def without_database(project) -> dict[str, subprocess.Popen]:
    """The CLI calls that need no database, started at once to run beside the others."""
    return {
        "history": start(project, "history"),
        "sql": start(project, "upgrade", "head", "--sql"),
    }


@pytest.fixture(scope="module")
def life(project, without_database) -> dict:
    """Walk the database through its life once; return what each step showed."""
    db = project / "library.db"
    seen: dict = {}

    alembic(project, "upgrade", "head")
    seen["schema_at_head"] = schema(db)
    seen["current"] = alembic(project, "current").stdout

    # Data through the data migrations: seed at head, go back before the first one,
    # give the fines table (gone below 0018) fines to fold, and come back to head.
    run_seed(project)
    seen["seeded"] = snapshot(db)
    alembic(project, "downgrade", BEFORE_DATA_MIGRATIONS)
    alembic(project, "upgrade", FINES_TABLE_REVISION)
    seen["schema_after_rebuilds"] = schema(db)
    with sqlite3.connect(db) as connection:
        for loan_id, *_, fine_cents in seen["seeded"]["loans"]:
            if fine_cents:  # two fines per loan, so 0023 has something to add up
                half = fine_cents // 2
                connection.executemany(
                    "INSERT INTO fines (loan_id, amount_cents, reason) VALUES (?, ?, ?)",
                    [(loan_id, half, "late"), (loan_id, fine_cents - half, "damage")],
                )
    alembic(project, "upgrade", "head")
    seen["round_trip"] = snapshot(db)
    seen["check"] = alembic(project, "check", ok=False)

    alembic(project, "downgrade", "base")
    seen["tables_at_base"] = table_names(db)
    seen["again"] = alembic(project, "upgrade", "head", ok=False)
    seen["schema_again"] = schema(db)
    return seen


# --- the life of the database ---


def test_upgrade_head_reaches_the_single_head_after_the_merge(life):
    head = single_head()
    assert life["current"].split() == [head, "(head)"]
    # The head descends from the merge: one line of history again after the branch.
    revs, line, rev = revisions(), [], head
    while not isinstance(revs[rev]["down"], tuple):
        line.append(rev)
        rev = revs[rev]["down"]
    assert len(revs[rev]["down"]) == 2 and len(line) >= 10
    assert {"branches", "members", "books", "loans", "holds", "audit_events"} <= {
        name for name, sql in life["schema_at_head"].items() if sql.startswith("CREATE TABLE")
    }


def test_check_reports_no_drift_at_head(life):
    assert life["check"].returncode == 0, life["check"].stderr[-3000:]
    assert "No new upgrade operations detected" in life["check"].stdout


def test_downgrade_base_leaves_only_alembic_version(life):
    assert life["tables_at_base"] == {"alembic_version"}


def test_upgrade_head_works_again_after_downgrade_base(life):
    assert life["again"].returncode == 0, life["again"].stderr[-3000:]
    # Same tables and indexes; a batch rebuild may list a table's constraints in another order.
    assert unordered(life["schema_again"]) == unordered(life["schema_at_head"])


def test_data_migrations_give_seeded_rows_back(life):
    before, after = life["seeded"], life["round_trip"]
    assert len(before["members"]) >= 100 and len(before["loans"]) >= 300
    assert any(" " in first for _, _, first, *_ in before["members"])  # "Mary Ann" splits back
    assert any(fine for *_, fine in before["loans"])
    for table in ROUND_TRIP:
        assert after[table] == before[table], table
    # Lossy by nature (0027's downgrade): only the first-listed author of each book survives.
    assert after["book_authors"] == [row for row in before["book_authors"] if row[2] == 1]
    assert len(after["book_authors"]) < len(before["book_authors"])


def test_batch_rebuilds_lose_the_special_indexes_and_0030_restores_them(life):
    rebuilt, head = life["schema_after_rebuilds"], life["schema_at_head"]
    # Down to 0008 and up to 0018 rebuilt members, books and loans in batch mode (0027,
    # 0021, 0019 on the way down; 0009, 0012 on the way up): SQLite's reflection lost
    # the expression index and flattened the NOCASE and DESC ones. See 0007's HAZARD note.
    assert "ix_members_email_lower" not in rebuilt
    assert "NOCASE" not in rebuilt["ix_books_title_nocase"]
    assert "DESC" not in rebuilt["ix_loans_loaned_at_desc"]
    # At head, all three exist as meant, whatever `alembic check` can see.
    assert "lower(email)" in head["ix_members_email_lower"]
    assert "UNIQUE" in head["ix_members_email_lower"]
    assert "COLLATE NOCASE" in head["ix_books_title_nocase"]
    assert "checked_out_at DESC" in head["ix_loans_checked_out_at_desc"]
    assert "ix_loans_loaned_at_desc" not in head
    # Partial indexes keep their WHERE; the enum-like CHECK is there.
    assert "WHERE returned_at IS NULL" in head["ix_loans_open_member_id"]
    assert "WHERE status = 'ready'" in head["ix_holds_ready_expires_at"]
    assert "CHECK (status IN ('waiting', 'ready', 'collected', 'cancelled', 'expired'))" in head["holds"]


# --- the CLI without a database ---


def test_history_lists_every_revision(without_database):
    history = finish(without_database["history"]).stdout
    lines = [line for line in history.splitlines() if "->" in line]
    assert len(lines) == len(revisions()) >= 32
    assert sum("(mergepoint)" in line for line in lines) == 1
    assert sum("(branchpoint)" in line for line in lines) == 1


def test_upgrade_sql_fails_only_at_a_revision_marked_as_needing_a_live_database(without_database):
    result = finish(without_database["sql"], ok=False)
    if result.returncode == 0:
        return
    started = re.findall(r"^-- Running upgrade \S* -> (\w+)", result.stdout, re.MULTILINE)
    assert started, result.stderr[-3000:]
    assert started[-1] in marked("needs-live-database"), result.stderr[-3000:]
    assert "CREATE TABLE branches" in result.stdout


def offline_failures(project: Path) -> dict[str, str]:
    """Render each revision alone, as ``alembic upgrade <down>:<rev> --sql`` would.

    In this process, to spare one more CLI start; the Config has no file, so env.py
    leaves this process's logging alone. Returns revision -> error for those that fail.
    """
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = Config(output_buffer=io.StringIO())
    config.set_main_option("script_location", str(project / "alembic"))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{project / 'offline.db'}")
    script = ScriptDirectory.from_config(config)
    failed = {}
    with imported_from(project):
        for rev in script.walk_revisions():
            if rev.is_merge_point:  # no operations of its own
                continue
            start, end = rev.down_revision, rev.revision
            # What command.upgrade does, without re-reading every file for each revision.
            try:
                with EnvironmentContext(
                    config, script, as_sql=True, starting_rev=start, destination_rev=end,
                    fn=lambda _rev, _context, start=start, end=end: script._upgrade_revs(end, start),
                ):
                    script.run_env()
            except Exception as exc:
                failed[end] = f"{type(exc).__name__}: {exc}"
    return failed


def test_needs_live_database_markers_are_exact(project):
    """Each revision alone under --sql: it renders unless marked, and fails if marked."""
    failed = offline_failures(project)
    assert set(failed) == marked("needs-live-database"), failed
    assert not (project / "offline.db").exists()


# --- the real-world features the chain is meant to have ---


def test_the_chain_has_the_features_a_work_project_has():
    revs = revisions()
    assert len(revs) >= 32
    assert all(re.fullmatch(r"\d{4}[0-9a-f]{8}", rev) for rev in revs)

    autocommit = {rev for rev, info in revs.items() if "autocommit_block()" in info["source"]}
    assert len(autocommit) >= 2

    data = {rev for rev, info in revs.items() if reads_rows(info["tree"])}
    assert len(data) >= 3
    looping = {
        rev for rev, info in revs.items()
        for loop in ast.walk(info["tree"]) if isinstance(loop, ast.For) and reads_rows(loop)
    }
    assert looping, "a data migration that queries again inside a loop"

    merges = [rev for rev, info in revs.items() if isinstance(info["down"], tuple)]
    assert len(merges) == 1 and len(revs[merges[0]]["down"]) == 2
    children: dict = {}
    for rev, info in revs.items():
        for down in info["down"] if isinstance(info["down"], tuple) else [info["down"]]:
            children.setdefault(down, []).append(rev)
    assert any(len(kids) == 2 for kids in children.values()), "a branch point"

    sources = "\n".join(info["source"] for info in revs.values())
    assert 'sa.text("lower(email)")' in sources
    assert "COLLATE NOCASE" in sources and "DESC" in sources
    assert "sqlite_where=" in sources and "postgresql_where=" in sources
    assert "new_column_name=" in sources
    assert "batch_alter_table" in sources and "type_=sa.String" in sources
    # Data migrations refuse --sql with a clear error, so they are all marked.
    assert data <= marked("needs-live-database")


def test_env_py_is_an_ordinary_one():
    env = (PROJECT / "alembic" / "env.py").read_text()
    assert "config.attributes" not in env
    assert "engine_from_config(" in env and "poolclass=pool.NullPool" in env
    assert "def run_migrations_offline()" in env and "def run_migrations_online()" in env
    assert "transaction_per_migration=True" in env and "render_as_batch=True" in env
    assert "from library_app.db import metadata" in env
    ini = (PROJECT / "alembic.ini").read_text()
    assert "script_location = %(here)s/alembic" in ini
    assert "sqlalchemy.url = sqlite:///%(here)s/library.db" in ini
    assert re.search(r"^file_template = ", ini, re.MULTILINE)
