"""The kit on a real PostgreSQL 16 (migrator.postgres, pgserver's wheel): never mocked.

The bookshop chain through the kit and through the plain ``alembic`` CLI, DDL that rolls
back for real, a migration that waits for (or gives up on) another session's lock, and
the server's own life: one per checkout even when processes start it at once, and gone
when the last process that used it has exited.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

import migrator
from conftest import write_revision_body
from migrator import DatabaseLockedError, MigrationFailedError, MigratorError, postgres

pytestmark = pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform")

REPO = Path(__file__).resolve().parent.parent
CONFTEST = Path(__file__).resolve().parent / "conftest.py"
TIMEOUT = 60  # seconds for any subprocess: a hang fails the test instead of the suite


# -- helpers ------------------------------------------------------------------------------


def engine(url: str, **kwargs) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool, **kwargs)


def schema_hash(url: str) -> str:
    """sha256 of everything in the public schema: tables, columns, constraints, indexes, sequences,
    and alembic_version's rows: equal hashes, nothing moved."""
    queries = {
        "tables": "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public'",
        "columns": "SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length, "
                   "is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public'",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE connamespace = 'public'::regnamespace",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
        "sequences": "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'",
    }
    with engine(url).connect() as connection:
        dump = {name: sorted(map(list, connection.exec_driver_sql(sql).all())) for name, sql in queries.items()}
        if sa.inspect(connection).has_table("alembic_version"):
            dump["alembic_version"] = sorted(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    return hashlib.sha256(json.dumps(dump, default=str).encode()).hexdigest()


def pg_shop(tmp_path, url: str):
    """The bookshop's chain (0001-0004) in a workspace, pointed at the PostgreSQL database ``url``."""
    ws = migrator.Workspace("pg", root=tmp_path, reset=True, starter="bookshop")
    return ws.with_database(url)


def gone(pid: int) -> bool:
    """No such process, or only its zombie (an exited postmaster waits there for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return state == "Z"


def processes_of(folder: Path, postmaster: int) -> list[int]:
    """Live processes whose command line names a path in ``folder`` (the postmaster: ``-D <data>``),
    or whose parent is ``postmaster`` (its checkpointer, walwriter... and sessions)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        names_folder = any(arg.startswith(str(folder).encode()) for arg in args)
        if (names_folder or parent == postmaster) and not gone(int(entry.name)):
            found.append(int(entry.name))
    return found


def run_python(code: str, env: dict, **kwargs) -> subprocess.Popen:
    """``code`` in a new interpreter of this venv, with the kit importable and ``env`` added."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )


# -- the kit on PostgreSQL ------------------------------------------------------------------


def test_the_bookshop_chain_runs_on_postgresql(tmp_path, postgres_url):
    pg = pg_shop(tmp_path, postgres_url)
    assert pg.current() is None
    pg.upgrade()
    assert pg.current() == "0004"
    assert pg.check().empty  # the models match the schema PostgreSQL has: no drift
    pg.downgrade("base")
    assert pg.current() is None
    assert set(sa.inspect(engine(postgres_url)).get_table_names()) == {"alembic_version"}
    pg.upgrade()
    assert pg.current() == "0004"

    with pg.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO authors (name) VALUES ('Ursula K. Le Guin')")
        connection.exec_driver_sql("INSERT INTO books (title, author_id, slug) VALUES ('The Dispossessed', 1, 'the-dispossessed')")
    tables = pg.tables().set_index("table")
    assert tables.loc["books", "rows"] == 1 and tables.loc["books", "columns"] == 5
    assert pg.rows("books")[["title", "slug"]].values.tolist() == [["The Dispossessed", "the-dispossessed"]]
    diagram = str(pg.er_diagram())
    assert "authors ||--o{ books" in diagram and "varchar slug" in diagram

    # run_checks() runs on scratch databases of the same server (made and dropped by the checks).
    checks = pg.run_checks()
    assert checks["passed"].all(), checks.to_string()
    assert pg.current() == "0004"  # and the PostgreSQL database was not touched


def test_the_plain_alembic_cli_runs_on_postgresql(tmp_path, postgres_url):
    """``DATABASE_URL=... alembic upgrade head | check | downgrade base`` from a copy of the repository."""
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(REPO / "alembic.ini", copy)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "migrations", copy / "migrations", ignore=ignore)
    shutil.copytree(REPO / "migrator", copy / "migrator", ignore=ignore)
    alembic = Path(sys.executable).parent / "alembic"
    env = {**os.environ, "DATABASE_URL": postgres_url}
    env.pop("PYTHONPATH", None)  # alembic.ini's prepend_sys_path = . finds the copy's migrator

    def cli(*args) -> subprocess.CompletedProcess:
        done = subprocess.run([str(alembic), *args], cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, f"alembic {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    cli("upgrade", "head")
    with engine(postgres_url).connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0004"
    assert "No new upgrade operations detected" in cli("check").stdout
    cli("downgrade", "base")
    assert set(sa.inspect(engine(postgres_url)).get_table_names()) == {"alembic_version"}
    assert not (copy / "bookshop.db").exists()  # DATABASE_URL won over alembic.ini's SQLite file


def test_a_revision_that_fails_halfway_leaves_nothing_behind(tmp_path, postgres_url):
    """PostgreSQL rolls DDL back: a table, a column and an index made before the failure all vanish."""
    pg = pg_shop(tmp_path, postgres_url)
    pg.upgrade()
    before = schema_hash(postgres_url)
    revision = pg.revision("three changes then a failure", autogenerate=False)
    write_revision_body(pg, revision, """
        op.create_table('shelves', sa.Column('id', sa.Integer(), primary_key=True))
        op.add_column('books', sa.Column('isbn', sa.String(13), nullable=True))
        op.create_index('ix_books_isbn', 'books', ['isbn'])
        op.execute('SELECT 1 / 0')
    """)
    with pytest.raises(MigrationFailedError, match="division by zero") as failure:
        pg.upgrade()
    assert "Nothing was changed" in failure.value.what
    assert schema_hash(postgres_url) == before
    assert pg.current() == "0004"


# -- locks: another session reading the table ----------------------------------------------


def add_isbn_revision(pg, first_line: str = "") -> None:
    revision = pg.revision("add isbn to books", autogenerate=False)
    write_revision_body(pg, revision, first_line + "\nop.add_column('books', sa.Column('isbn', sa.String(13)))",
                        "op.drop_column('books', 'isbn')")


def test_an_alter_table_waits_for_a_reading_transaction(tmp_path, postgres_url):
    """ALTER TABLE needs ACCESS EXCLUSIVE: an open transaction that read books makes the upgrade wait."""
    pg = pg_shop(tmp_path, postgres_url)
    pg.upgrade()
    add_isbn_revision(pg)
    result = {}
    with engine(postgres_url).connect() as reader:
        reader.exec_driver_sql("SELECT count(*) FROM books")  # ACCESS SHARE, held until the transaction ends
        upgrade = threading.Thread(target=lambda: result.update(move=pg.upgrade()), daemon=True)
        upgrade.start()
        deadline = time.monotonic() + 10
        # Autocommit: pg_stat_activity is read once per transaction, then served from that snapshot.
        with engine(postgres_url, isolation_level="AUTOCOMMIT").connect() as watcher:
            while time.monotonic() < deadline:
                waiting = watcher.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE books%'")).scalar()
                if waiting:
                    break
                time.sleep(0.02)
        assert waiting == 1, "the upgrade did not wait for the lock"
        assert upgrade.is_alive()
        reader.rollback()  # the reader is done: the lock goes, the ALTER runs
        upgrade.join(10)
    assert not upgrade.is_alive() and result["move"].after == "0005"
    assert "isbn" in pg.columns("books")["column"].tolist()


@pytest.mark.parametrize("how", ["revision", "url"])
def test_a_lock_timeout_fails_fast_and_changes_nothing(tmp_path, postgres_url, how):
    """With lock_timeout (SET LOCAL in the revision, or libpq's options in the URL) the upgrade gives up.

    The kit reports it as a DatabaseLockedError (SQLSTATE 55P03) that says who to look for, not
    as a revision to fix.
    """
    pg = pg_shop(tmp_path, postgres_url)
    pg.upgrade()
    # SET LOCAL: for this transaction only (the kit runs the whole move in one); a plain SET would last
    # the session, and the kit's connection is thrown away after the move anyway.
    add_isbn_revision(pg, "op.execute(\"SET LOCAL lock_timeout = '200ms'\")" if how == "revision" else "")
    if how == "url":
        pg = pg.with_database(sa.make_url(postgres_url).update_query_dict({"options": "-c lock_timeout=200ms"})
                              .render_as_string(hide_password=False))
    before = schema_hash(postgres_url)
    with engine(postgres_url).connect() as reader:
        reader.exec_driver_sql("SELECT count(*) FROM books")
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError, match="canceling statement due to lock timeout") as failure:
            pg.upgrade()
        elapsed = time.monotonic() - started
        reader.rollback()
    assert "Revision file 0005_add_isbn_to_books.py" in failure.value.what
    assert "Nothing was changed" in failure.value.what
    assert "pg_stat_activity" in failure.value.fix and "revision file" not in failure.value.fix.lower()
    assert elapsed < 5
    assert schema_hash(postgres_url) == before
    assert pg.current() == "0004"


# -- kit bugs found on PostgreSQL, fixed ------------------------------------------------------


def test_columns_marks_the_primary_key_on_postgresql(tmp_path, postgres_url):
    pg = pg_shop(tmp_path, postgres_url)
    pg.upgrade()
    columns = pg.columns("books").set_index("column")
    assert columns.loc["id", "primary_key"]


def test_upgrade_with_backup_makes_a_verified_pg_dump_first(tmp_path, postgres_url):
    pg = pg_shop(tmp_path, postgres_url)
    pg.upgrade("0002")
    move = pg.upgrade(backup=True)
    assert move.backup.path.suffix == ".dump" and move.backup.revision == "0002"
    assert pg.current() == "0004" and pg.backups()["revision"].tolist() == ["0002"]


# -- the module's own promises ---------------------------------------------------------------


def test_fresh_databases_are_new_distinct_and_dropped(postgres_server):
    first, second = postgres.fresh_database("a hint with spaces!"), postgres.fresh_database("a hint with spaces!")
    assert first != second and "a_hint_with_spaces_" in first
    assert sa.inspect(engine(first)).get_table_names() == []
    assert postgres.drop_database(first) is True
    assert postgres.drop_database(first) is False  # already gone
    assert postgres.drop_database(second) is True


def test_drop_database_refuses_other_servers_and_system_databases(postgres_server):
    with pytest.raises(MigratorError, match="not a database of the kit's PostgreSQL server"):
        postgres.drop_database("postgresql+psycopg://someone@db.example.com/prod")
    with pytest.raises(MigratorError, match="system database"):
        postgres.drop_database(postgres_server.url("postgres"))


def test_without_pgserver_the_error_says_what_and_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "pgserver", None)  # what a platform without its wheel has: no module
    assert postgres.available() is False
    with pytest.raises(MigratorError) as missing:
        postgres.server()
    lines = str(missing.value).splitlines()
    assert len(lines) == 2
    assert "needs the pgserver package" in lines[0] and "Linux x86_64, macOS and Windows x64" in lines[0]
    assert lines[1].startswith("How to fix:") and "ws.with_database" in lines[1]


# -- the server's life, in private folders (MIGRATOR_POSTGRES_DIR) and other processes --------

@pytest.fixture(scope="module")
def private_root() -> Path:
    """A folder for this process's private server (MIGRATOR_POSTGRES_DIR) under .postgres/, removed at the end.

    Not under tmp_path: as root the server runs as pgserver's user, and pytest keeps
    /tmp/pytest-of-<user> at mode 0700 (and deletes old runs' folders), which cuts a server off.
    One per module (and xdist worker): initdb once, the tests below start and stop it in turn.
    """
    path = postgres.ROOT / f"private-{os.getpid()}-{secrets.token_hex(4)}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def private_dir(private_root) -> Path:
    """The private server's folder, with no server running before or after the test."""
    home = private_root / postgres.folder().name
    postgres._release(home, force=True)
    yield private_root
    postgres._release(home, force=True)  # whatever a failed test left running


HOLD = """
    import time
    from pathlib import Path
    from migrator import postgres
    running = postgres.server()
    print(running.pid, flush=True)
    while not Path({go!r}).exists():
        time.sleep(0.01)
    {then}
"""


def test_two_processes_starting_at_once_share_one_server_that_outlives_the_first(tmp_path, private_dir):
    env = {"MIGRATOR_POSTGRES_DIR": str(private_dir)}
    first_go, second_go = tmp_path / "first", tmp_path / "second"
    connect = "import sqlalchemy as sa; sa.create_engine(running.url()).connect().close(); print('connected')"
    first = run_python(HOLD.format(go=str(first_go), then="pass"), env)
    second = run_python(HOLD.format(go=str(second_go), then=connect), env)
    try:
        pids = {int(first.stdout.readline()), int(second.stdout.readline())}
        assert len(pids) == 1, "two servers were started"
        pid = pids.pop()
        assert pid in processes_of(private_dir, pid) and len(processes_of(private_dir, pid)) > 1  # the check sees it
        first_go.touch()  # the first lets go and exits (atexit): the second still holds the server
        assert first.wait(TIMEOUT) == 0
        assert not gone(pid)
        second_go.touch()
        assert second.stdout.readline().strip() == "connected"
        assert second.wait(TIMEOUT) == 0  # the last holder exits: the server stops with it
    finally:
        for process in (first, second):
            process.kill()
            process.communicate()
    assert gone(pid)
    assert processes_of(private_dir, pid) == []


def test_a_holder_that_died_does_not_keep_the_server_up(private_dir):
    """A process killed without its atexit (os._exit here) is noticed as dead; a stop() elsewhere stops it."""
    crashed = run_python("import os; from migrator import postgres; print(postgres.server().pid); os._exit(0)",
                         {"MIGRATOR_POSTGRES_DIR": str(private_dir)})
    pid = int(crashed.communicate(timeout=TIMEOUT)[0])
    assert not gone(pid)  # nobody let go: the server is still up
    home = private_dir / postgres.folder().name
    assert json.loads((home / "holders.json").read_text())[0][0] == crashed.pid
    assert postgres._release(home) is True  # what stop() does there: this process holds nothing, the holder is dead
    assert gone(pid)
    assert processes_of(private_dir, pid) == []


INNER_TEST = """
    import os, time
    from pathlib import Path
    import sqlalchemy as sa

    def test_{name}(postgres_server, postgres_url):
        out = Path(os.environ["OUT"])
        (out / "{name}").write_text(f"{{postgres_server.pid}} {{os.getpid()}}")
        deadline = time.monotonic() + 20  # both workers hold the server at once (else the assert below fails)
        while len(list(out.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        sa.create_engine(postgres_url).connect().close()
"""


def test_no_server_is_left_running_after_a_pytest_session(tmp_path, private_dir):
    """A real pytest session, two xdist workers using conftest's fixtures at once: one server for both,
    and after the session has exited that server is gone, with no postgres process of its folder left.

    (Without xdist it is the same fixture in one process: the first holder is the last.)"""
    session = tmp_path / "session"
    out = tmp_path / "out"
    session.mkdir()
    out.mkdir()
    (session / "conftest.py").write_text(textwrap.dedent(f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("kit_conftest", {str(CONFTEST)!r})
        kit = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(kit)
        postgres_server, postgres_url = kit.postgres_server, kit.postgres_url
    """))
    for name in ("a", "b"):
        (session / f"test_{name}.py").write_text(textwrap.dedent(INNER_TEST.format(name=name)))
    # Only the plugins named here: the venv's others (nbval, playwright...) take seconds to import.
    env = {**os.environ, "PYTHONPATH": str(REPO), "MIGRATOR_POSTGRES_DIR": str(private_dir), "OUT": str(out),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    options = ["-p", "xdist.plugin", "-n", "2", "--dist", "loadfile"]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, str(session)],
                          cwd=session, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = [tuple(map(int, (out / name).read_text().split())) for name in ("a", "b")]
    assert len({server for server, _ in seen}) == 1, f"more than one server: {seen}"
    assert len({worker for _, worker in seen}) == 2, "the tests did not run in two workers"
    assert gone(seen[0][0])
    assert processes_of(private_dir, seen[0][0]) == []


KILLED_HOLDER_TEST = """
    import os, signal, subprocess, sys
    from pathlib import Path

    def test_a_kernel_starts_the_server_and_is_killed():
        # What nbval does to a notebook's kernel: it used the server, then it is killed, no atexit.
        child = subprocess.Popen([sys.executable, "-c", "from migrator import postgres; import time; "
                                  "print(postgres.server().pid, flush=True); time.sleep(120)"],
                                 stdout=subprocess.PIPE, text=True)
        pid = child.stdout.readline().strip()
        Path(os.environ["OUT"], "postmaster").write_text(pid)
        child.send_signal(signal.SIGKILL)
        child.wait()
"""


def test_a_session_whose_kernels_were_killed_leaves_no_server(tmp_path, private_dir):
    """Notebook kernels hold the server and are killed by nbval at the end (no atexit): the
    project's conftest stops the server when the session ends, if no live process holds it."""
    session, out = tmp_path / "session", tmp_path / "out"
    session.mkdir()
    out.mkdir()
    (session / "conftest.py").write_text(textwrap.dedent(f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("project_conftest", {str(REPO / "conftest.py")!r})
        project = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(project)
        pytest_sessionfinish = project.pytest_sessionfinish
    """))
    (session / "test_kernel.py").write_text(textwrap.dedent(KILLED_HOLDER_TEST))
    env = {**os.environ, "PYTHONPATH": str(REPO), "MIGRATOR_POSTGRES_DIR": str(private_dir), "OUT": str(out),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(session)],
                          cwd=session, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    postmaster = int((out / "postmaster").read_text())
    assert gone(postmaster), "the killed kernel's server is still running after the session"
    assert processes_of(private_dir, postmaster) == []
