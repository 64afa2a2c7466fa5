"""The example project (examples/library/) and the migration checks, on a real PostgreSQL 16.

The library's revisions are portable, and this runs them as a team's CI would on
PostgreSQL: the plain ``alembic`` command (upgrade head, check, downgrade base with data, upgrade
again), seeded data through the data migrations and back, pytest-alembic's default tests by the
real plugin, and the kit's up/down check and ``check()``.  What is not portable was fixed
in the example, and is tested here as fixed:

- ``ix_books_title_nocase``: the models declare SQLite's ``COLLATE NOCASE`` form, the
  revisions build ``lower(title)`` elsewhere; env.py's ``include_object`` compares that
  one index on SQLite only (every other index, ``lower(email)`` too, is compared);
- the downgrades of 0021 and 0034 narrow a column: on PostgreSQL they stop, naming the
  rows, before a longer value would make ``ALTER`` fail (or be cut);
- ``seed.py`` inserts explicit ids, so on PostgreSQL it moves the sequences on.

The kit's four checks on a PostgreSQL workspace (the bookshop's chain) run on a scratch
database of the same server, dropped after; their up/down check compares the structure the
inspector reads (PostgreSQL's enum types and sequences included), tested kind by kind.  The CLI is slow to start, so one module fixture walks the
database's life once and the tests assert on what it saw; pytest-alembic runs beside it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

import migrator
from conftest import write_revision_body
from migrator import PROJECT_ROOT, MigratorError, Workspace, postgres
from migrator import checks as migration_checks
from migrator.schema import SCHEMA_OBJECTS, structure, structure_diff
from test_example_project import BEFORE_DATA_MIGRATIONS, FINES_TABLE_REVISION, ROUND_TRIP, imported_from
from test_postgres import schema_hash

pytestmark = pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform")

PROJECT = PROJECT_ROOT / "examples" / "library"
ALEMBIC = Path(sys.executable).parent / "alembic"
SQLITE_URL = "sqlalchemy.url = sqlite:///%(here)s/library.db"
MODELS = "library_app.db:metadata"
HEAD = "00366e09277d"
TIMEOUT = 180


# -- helpers ------------------------------------------------------------------------------


def engine(url: str, **kwargs) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool, **kwargs)


@pytest.fixture(scope="module")
def databases(postgres_server):
    """``databases(hint)``: a new database on the kit's server; all of them dropped after the module."""
    made, fresh = [], postgres.fresh_database  # the real one, even while a test watches it (made_scratch)

    def make(hint: str) -> str:
        made.append(fresh(hint))
        return made[-1]

    yield make
    for url in made:
        postgres.drop_database(url)


def copy_project(folder: Path, url: str) -> Path:
    """A copy of examples/library/ whose alembic.ini names the PostgreSQL database ``url``."""
    copy = folder / "library"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("*.db", "__pycache__", "*.pyc"))
    ini = copy / "alembic.ini"
    text = ini.read_text()
    assert SQLITE_URL in text
    ini.write_text(text.replace(SQLITE_URL, "sqlalchemy.url = " + url.replace("%", "%%")))  # ini interpolation
    return copy


def start(project: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=project, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def finish(process: subprocess.Popen, ok: bool = True) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if ok and done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, process.args))} exited {done.returncode}:\n{stdout[-2000:]}\n{stderr[-3000:]}")
    return done


def alembic(project: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """The real ``alembic`` command, in the project's folder."""
    return finish(start(project, str(ALEMBIC), *args), ok=ok)


def catalog(url: str) -> dict:
    """The public schema as PostgreSQL's catalog has it: columns, constraints and index definitions."""
    queries = {
        "columns": "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default "
                   "FROM information_schema.columns WHERE table_schema = 'public'",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE connamespace = 'public'::regnamespace",
        "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    }
    with engine(url).connect() as connection:
        return {name: sorted(map(tuple, connection.exec_driver_sql(sql).all())) for name, sql in queries.items()}


def tables(url: str) -> set[str]:
    return set(sa.inspect(engine(url)).get_table_names())


def snapshot(url: str) -> dict[str, list[tuple]]:
    """The columns that survive a downgrade to 0008 and back (the SQLite test's ROUND_TRIP), and book_authors."""
    with engine(url).connect() as connection:
        data = {table: [tuple(row) for row in connection.exec_driver_sql(f"SELECT {columns} FROM {table} ORDER BY id")]
                for table, columns in ROUND_TRIP.items()}
        data["book_authors"] = [tuple(row) for row in connection.exec_driver_sql(
            "SELECT book_id, author_id, position FROM book_authors ORDER BY book_id, position")]
    return data


def seed(project: Path, url: str) -> None:
    """The copy's seed.py, seed(url), in this process (its library_app forgotten after)."""
    spec = importlib.util.spec_from_file_location("library_seed", project / "seed.py")
    module = importlib.util.module_from_spec(spec)
    with imported_from(project):
        spec.loader.exec_module(module)
        module.seed(url)


def current(url: str) -> str | None:
    with engine(url).connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


# -- the life of a database, through the plain CLI ------------------------------------------------


#: The two fixtures a project gives pytest-alembic, for PostgreSQL: every test gets a new, empty
#: database (pytest-alembic's tests each start from an empty one), made on the server and
#: dropped after; the stock env.py makes its own engine from alembic.ini's URL, so the URL
#: goes into the config's options too (``%`` doubled for the ini file).
PLUGIN_CONFTEST = """\
import os
import secrets

import pytest
from pytest_alembic import Config
from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import NullPool

SERVER = os.environ["LIBRARY_SERVER_URL"]


@pytest.fixture
def alembic_engine():
    name = f"ci_{secrets.token_hex(6)}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine(make_url(SERVER).set(database=name), poolclass=NullPool)
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def alembic_config(alembic_engine):
    url = alembic_engine.url.render_as_string(hide_password=False)
    return Config(config_options={"file": "alembic.ini", "sqlalchemy.url": url.replace("%", "%%")})
"""


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory, postgres_server) -> tuple[subprocess.Popen, Path]:
    """pytest-alembic's default tests on a copy of the project, as CI would run them: started now, read later.

    The copy's alembic.ini keeps its SQLite URL: had the URL of the options not reached
    env.py, library.db would appear.  Only the plugin is loaded (``-p pytest_alembic.plugin``).
    """
    copy = tmp_path_factory.mktemp("plugin") / "library"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("*.db", "__pycache__", "*.pyc"))
    (copy / "conftest.py").write_text(PLUGIN_CONFTEST)
    (copy / "test_migrations.py").write_text(
        "from pytest_alembic.tests import (  # noqa: F401\n"
        "    test_model_definitions_match_ddl, test_single_head_revision, test_up_down_consistency, test_upgrade,\n)\n")
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-p", "pytest_alembic.plugin", "-o", "addopts=",
         "-W", "ignore::UserWarning", "test_migrations.py"],
        cwd=copy, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "LIBRARY_SERVER_URL": postgres_server.url(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
             "PYTHONDONTWRITEBYTECODE": "1"},
    ), copy


@pytest.fixture(scope="module")
def life(tmp_path_factory, databases, plugin_run) -> dict:
    """Walk a PostgreSQL database through the library's life with ``alembic``; return what each step showed."""
    url = databases("life")
    project = copy_project(tmp_path_factory.mktemp("life"), url)
    seen: dict = {"url": url, "project": project}

    seen["upgrade"] = alembic(project, "upgrade", "head")
    seen["current"] = current(url)
    seen["catalog_at_head"] = catalog(url)
    seen["check"] = alembic(project, "check", ok=False)

    # The data round trip of the SQLite test: seed at head, below the first data migration,
    # fines for 0023 to fold (the fines table exists from 0018 to 0022), and back to head.
    # In this process (each CLI start costs a second): seed.py's seed(), and the kit's moves,
    # which run env.py as `alembic` does (its own connection, one transaction per revision).
    seed(project, url)
    seen["seeded"] = snapshot(url)
    lib = Workspace.open(project, database=url, models=MODELS)
    lib.move("downgrade", BEFORE_DATA_MIGRATIONS)
    lib.move("upgrade", FINES_TABLE_REVISION)
    with engine(url).begin() as connection:
        for loan_id, *_, fine_cents in seen["seeded"]["loans"]:
            if fine_cents:
                half = fine_cents // 2
                connection.execute(sa.text("INSERT INTO fines (loan_id, amount_cents, reason) VALUES (:loan, :cents, :why)"),
                                   [{"loan": loan_id, "cents": half, "why": "late"},
                                    {"loan": loan_id, "cents": fine_cents - half, "why": "damage"}])
    lib.move("upgrade", "heads")
    seen["round_trip"] = snapshot(url)
    with engine(url).begin() as connection:  # the app's next row, without an id: the sequence must be past the seed's
        seen["next_member"] = connection.exec_driver_sql(
            "INSERT INTO members (card_number, first_name, last_name, joined_on) "
            "VALUES ('LIB9999999', 'New', 'Member', '2025-03-01') RETURNING id").scalar()

    alembic(project, "downgrade", "base")  # with every seeded row still there
    seen["tables_at_base"] = tables(url)
    alembic(project, "upgrade", "head")
    seen["catalog_again"] = catalog(url)  # the same catalog as at the first head: no drift either
    return seen


def test_upgrade_head_on_postgresql_reaches_the_head(life):
    assert life["current"] == HEAD
    assert "Context impl PostgresqlImpl" in life["upgrade"].stderr
    assert {"branches", "members", "books", "loans", "holds", "audit_events", "book_authors"} <= {
        table for table, *_ in life["catalog_at_head"]["columns"]}


def test_alembic_check_finds_no_drift_on_postgresql(life):
    assert life["check"].returncode == 0, life["check"].stderr[-3000:]
    assert "No new upgrade operations detected" in life["check"].stdout


def test_the_indexes_are_postgresqls_own_forms(life):
    """What the revisions build where NOCASE does not exist, and what batch mode never loses on PostgreSQL."""
    built = dict(life["catalog_at_head"]["indexes"])
    assert "lower((title)::text)" in built["ix_books_title_nocase"]  # the form include_object skips comparing
    assert "COLLATE" not in built["ix_books_title_nocase"]
    assert built["ix_members_email_lower"].startswith("CREATE UNIQUE INDEX") and "lower((email)::text)" in built["ix_members_email_lower"]
    assert "(checked_out_at DESC)" in built["ix_loans_checked_out_at_desc"]
    assert "WHERE (returned_at IS NULL)" in built["ix_loans_open_member_id"]
    assert "WHERE ((status)::text = 'ready'::text)" in built["ix_holds_ready_expires_at"]
    assert "ix_loans_due_on" in built  # made CONCURRENTLY inside an autocommit block (0025)


def test_seeded_rows_come_back_through_the_data_migrations(life):
    before, after = life["seeded"], life["round_trip"]
    assert len(before["members"]) >= 100 and any(fine for *_, fine in before["loans"])
    for table in ROUND_TRIP:
        assert after[table] == before[table], table
    # Lossy by nature (0027's downgrade), as on SQLite: only each book's first author survives.
    assert after["book_authors"] == [row for row in before["book_authors"] if row[2] == 1]


def test_seed_moves_postgresqls_sequences_past_its_own_ids(life):
    assert life["next_member"] == len(life["seeded"]["members"]) + 1


def test_downgrade_base_with_data_then_upgrade_again_gives_the_same_schema(life):
    assert life["tables_at_base"] == {"alembic_version"}
    assert life["catalog_again"] == life["catalog_at_head"]


def test_pytest_alembics_default_tests_pass_on_postgresql(plugin_run):
    process, copy = plugin_run
    done = finish(process, ok=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    for test in ("test_model_definitions_match_ddl", "test_single_head_revision", "test_up_down_consistency", "test_upgrade"):
        assert f"test_migrations.py::{test} PASSED" in done.stdout
    assert "4 passed" in done.stdout
    assert not (copy / "library.db").exists()  # they ran on PostgreSQL


# -- the kit's checks on PostgreSQL -------------------------------------------------------------


def database_names() -> set[str]:
    with engine(postgres.server().url()).connect() as connection:
        return set(connection.exec_driver_sql("SELECT datname FROM pg_database").scalars())


def left_behind(urls: list[str]) -> set[str]:
    """Which of these databases still exist (other tests make and drop their own meanwhile)."""
    return {sa.make_url(url).database for url in urls} & database_names()


@pytest.fixture
def made_scratch(monkeypatch) -> list[str]:
    """The scratch databases the checks make with postgres.fresh_database (the real one, watched)."""
    made, real = [], postgres.fresh_database

    def watched(hint: str = "db") -> str:
        made.append(real(hint))
        return made[-1]

    monkeypatch.setattr(postgres, "fresh_database", watched)
    return made


def test_the_up_down_check_on_the_library_runs_on_a_postgresql_scratch_database(life, made_scratch):
    """The library's database at head (the life's): up, down and up again agree on PostgreSQL.

    There batch mode alters in place, so the indexes that SQLite's rebuilds lose (see
    test_example_with_kit) all survive and the check passes.  The kit's autogenerate
    (``check()``, what "models match schema" runs) goes through env.py's include_object
    too.  (Upgrading one revision at a time, "upgrade from empty", is pytest-alembic's
    test_upgrade above; all four checks run on the bookshop below.)
    """
    url = life["url"]
    lib = Workspace.open(life["project"], database=url, models=MODELS)
    lib.upgrade()  # nothing to do unless another test moved it
    assert lib.check().empty
    before = schema_hash(url)

    result = migration_checks.up_down_consistency(lib)

    assert result.passed and result.detail == "36 revision(s) went up, down and up again with the same schema each time"
    assert len(made_scratch) == 1 and "migrator_check" in made_scratch[0]
    assert left_behind(made_scratch) == set()  # the scratch database dropped
    assert schema_hash(url) == before and lib.current() == HEAD  # the project's own database untouched


@pytest.fixture(scope="module")
def shop_url(databases, tmp_path_factory) -> str:
    """A PostgreSQL database at the bookshop's 0002, with a row: the project database of the tests below."""
    url = databases("shop")
    shop = pg_shop(tmp_path_factory.mktemp("shop"), url)
    shop.upgrade("0002")
    with shop.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO authors (name) VALUES ('Ursula K. Le Guin')")
    return url


def pg_shop(tmp_path, url: str) -> Workspace:
    return migrator.Workspace("pg", root=tmp_path, reset=True, starter="bookshop").with_database(url)


def test_run_checks_on_postgresql_pass_on_the_bookshop_and_leave_its_database_alone(tmp_path, shop_url, made_scratch):
    shop = pg_shop(tmp_path, shop_url)
    before = schema_hash(shop_url)
    frame = shop.run_checks()
    assert frame["passed"].all(), frame.to_dict("records")
    assert frame["check"].tolist() == ["single head", "upgrade from empty", "models match schema", "up/down consistency"]
    assert len(made_scratch) == 3 and all(scratch.startswith("postgresql+psycopg://") for scratch in made_scratch)
    assert left_behind(made_scratch) == set()
    assert schema_hash(shop_url) == before and shop.current() == "0002"


def test_a_downgrade_that_does_nothing_fails_up_down_consistency_on_postgresql(tmp_path, shop_url):
    shop = pg_shop(tmp_path, shop_url)
    revision = shop.revision("add pages", autogenerate=False)
    write_revision_body(shop, revision, "op.add_column('books', sa.Column('pages', sa.Integer()))", "pass")
    result = migration_checks.up_down_consistency(shop)
    assert not result.passed
    assert result.detail == "1 problem(s) going down and up again: 0005 (books: column pages left behind)"
    assert result.frame()[["revision", "table", "object", "before"]].values.tolist() == [["0005", "books", "column pages", None]]
    assert shop.current() == "0002"


def test_the_checks_of_a_postgresql_workspace_see_what_only_postgresql_keeps(tmp_path, shop_url, made_scratch):
    """A downgrade that drops a table but not its enum type: a SQLite scratch file would never notice."""
    shop = pg_shop(tmp_path, shop_url)
    revision = shop.revision("moods", autogenerate=False)
    write_revision_body(shop, revision,
                        "op.create_table('moods', sa.Column('id', sa.Integer, primary_key=True),\n"
                        "                sa.Column('mood', sa.Enum('happy', 'sad', name='mood')))",
                        "op.drop_table('moods')")

    result = migration_checks.up_down_consistency(shop)

    assert not result.passed
    assert result.detail.startswith("2 problem(s) going down and up again: 0005 ((schema): type enum mood left behind); "
                                    "going up again fails: Revision file 0005_moods.py, line")
    assert 'type "mood" already exists' in result.detail
    assert result.frame()[["revision", "table", "object", "before", "after"]].values.tolist() == [
        ["0005", SCHEMA_OBJECTS, "type enum mood", None, "('happy', 'sad')"]]
    assert len(made_scratch) == 1
    # The same chain on SQLite passes: there an Enum is a plain VARCHAR, gone with its table.
    assert migration_checks.up_down_consistency(shop.with_database(tmp_path / "shop.db")).passed
    assert shop.current() == "0002"


def test_the_checks_report_a_server_that_refuses_a_scratch_database(tmp_path, shop_url, monkeypatch):
    """Not the kit's server (as far as the checks know), and a login without CREATEDB: a failed check that says why."""
    role = f"learner_{os.getpid()}"
    admin = engine(postgres.server().url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
    try:
        monkeypatch.setattr(migration_checks, "_on_kit_server", lambda url: False)
        as_learner = sa.make_url(shop_url).set(username=role).render_as_string(hide_password=False)
        result = migration_checks.upgrade_from_empty(pg_shop(tmp_path, as_learner))
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
    assert not result.passed
    assert result.detail.startswith(f"The checks need an empty scratch database on the server of postgresql+psycopg://{role}@/")
    assert "CREATE DATABASE failed (permission denied to create database); nothing was checked." in result.detail


def test_on_another_server_the_scratch_database_is_made_and_dropped_with_the_projects_login(shop_url, monkeypatch):
    monkeypatch.setattr(migration_checks, "_on_kit_server", lambda url: False)
    with migration_checks.scratch_database(shop_url) as scratch:
        assert sa.make_url(scratch).database.startswith("migrator_check_") and left_behind([scratch])
        assert sa.inspect(engine(scratch)).get_table_names() == []
    assert left_behind([scratch]) == set()


def test_the_kits_own_server_is_recognised_by_its_socket(shop_url):
    assert migration_checks._on_kit_server(sa.make_url(shop_url))
    assert not migration_checks._on_kit_server(sa.make_url("postgresql+psycopg://me@db.example.com/shop"))
    assert not migration_checks._on_kit_server(sa.make_url("postgresql+psycopg://me@/shop?host=/var/run/postgresql"))


# -- the downgrades that narrow a column (after the checks: they move the life's database) --------


def test_the_narrowing_downgrades_stop_and_name_the_rows_too_long_for_them(life):
    """0034 (through the CLI) and 0021 (through the kit): the longer value is named, kept, and nothing of it moved."""
    url, project = life["url"], life["project"]
    rfid, long_email = "E2801160600002054A2B3C4D", "a" * 110 + "@example.org"  # 24 characters; 122 characters
    with engine(url).begin() as connection:
        connection.exec_driver_sql("INSERT INTO branches (code, name) VALUES ('CEN', 'Central')")
        connection.exec_driver_sql("INSERT INTO books (title, slug) VALUES ('Dune', 'dune')")
        connection.exec_driver_sql(f"INSERT INTO copies (book_id, branch_id, barcode) VALUES (1, 1, '30000000001'), (1, 1, '{rfid}')")
        connection.execute(sa.text("INSERT INTO members (card_number, first_name, last_name, email, joined_on) "
                                   "VALUES ('LIB0000001', 'Ada', 'Lovelace', :email, '2023-01-09')"), {"email": long_email})

    refused = alembic(project, "downgrade", "00335219e22b", ok=False)
    assert refused.returncode != 0
    assert ("0034 downgrade stopped before changing copies: 1 copy has a barcode over 20 characters (id 2), "
            "which VARCHAR(20) cannot hold") in refused.stderr
    assert "value too long" not in refused.stderr
    # One transaction per revision: 0036 and 0035 went down; 0034 rolled back whole.
    assert current(url) == "0034ee08c026"
    with engine(url).connect() as connection:
        assert connection.exec_driver_sql(
            "SELECT character_maximum_length FROM information_schema.columns "
            "WHERE table_name = 'copies' AND column_name = 'barcode'").scalar() == 32
        assert connection.exec_driver_sql("SELECT barcode FROM copies WHERE id = 2").scalar() == rfid
        connection.exec_driver_sql("UPDATE copies SET barcode = '30000000002' WHERE id = 2")  # relabelled
        connection.commit()

    lib = Workspace.open(project, database=url, models=MODELS)
    with pytest.raises(MigratorError) as stopped:
        lib.downgrade("0020cdbcfc67")  # 0034 goes down now; 0021 stops at the long address
    assert ("0021 downgrade stopped before changing members: 1 member has an e-mail over 120 characters (id 1)"
            in str(stopped.value))
    assert lib.current() == "0021208acdca"
    assert lib.rows("members")["email"].tolist() == [long_email]


# -- the structure the up/down check compares, on PostgreSQL ---------------------------------------

BASE_SCHEMA = """
CREATE TABLE authors (id SERIAL PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE TABLE books (
    id SERIAL PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    author_id INTEGER REFERENCES authors (id) ON DELETE CASCADE,
    pages INTEGER DEFAULT 0 CHECK (pages >= 0),
    slug VARCHAR(200) CONSTRAINT uq_books_slug UNIQUE
);
CREATE INDEX ix_books_title ON books (title);
CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY);
"""

#: One change each, and the object the difference must name (table, object).
CHANGES = {
    "a column's type": ("ALTER TABLE books ALTER COLUMN title TYPE VARCHAR(300)", ("books", "column title")),
    "nullability": ("ALTER TABLE books ALTER COLUMN title DROP NOT NULL", ("books", "column title")),
    "a server default": ("ALTER TABLE books ALTER COLUMN pages SET DEFAULT 1", ("books", "column pages")),
    "a column added": ("ALTER TABLE books ADD COLUMN isbn VARCHAR(13)", ("books", "column isbn")),
    "a foreign key's ON DELETE": (
        ("ALTER TABLE books DROP CONSTRAINT books_author_id_fkey; ALTER TABLE books ADD CONSTRAINT books_author_id_fkey "
         "FOREIGN KEY (author_id) REFERENCES authors (id)"), ("books", "foreign keys")),
    "a unique constraint's name": ("ALTER TABLE books RENAME CONSTRAINT uq_books_slug TO books_slug_key",
                                   ("books", "index unique slug")),
    "a check's rule": (("ALTER TABLE books DROP CONSTRAINT books_pages_check; "
                        "ALTER TABLE books ADD CONSTRAINT books_pages_check CHECK (pages > 0)"), ("books", "checks")),
    "an index's order": ("DROP INDEX ix_books_title; CREATE INDEX ix_books_title ON books (title DESC)",
                         ("books", "index ix_books_title")),
    "an index made partial": ("DROP INDEX ix_books_title; CREATE INDEX ix_books_title ON books (title) WHERE pages > 0",
                              ("books", "index ix_books_title")),
    "an index on an expression": ("DROP INDEX ix_books_title; CREATE INDEX ix_books_title ON books (lower(title))",
                                  ("books", "index ix_books_title")),
    "an index made unique": ("DROP INDEX ix_books_title; CREATE UNIQUE INDEX ix_books_title ON books (title)",
                             ("books", "index ix_books_title")),
    "the primary key": ("ALTER TABLE books DROP CONSTRAINT books_pkey; ALTER TABLE books ADD PRIMARY KEY (id, title)",
                        ("books", "primary key")),
    "a table left behind": ("CREATE TABLE shelves (id INTEGER)", ("shelves", "table")),
    "an enum type left behind": ("CREATE TYPE mood AS ENUM ('happy', 'sad')", (SCHEMA_OBJECTS, "type enum mood")),
    "a sequence left behind": ("CREATE SEQUENCE ticket_numbers", (SCHEMA_OBJECTS, "sequence ticket_numbers")),
}

#: Changes that leave the same structure: the check must stay quiet.
SAME = {
    "a row changed": "INSERT INTO authors (name) VALUES ('Toni Morrison')",
    "alembic_version's row": "INSERT INTO alembic_version VALUES ('0007')",
    "an index rebuilt as it was": "DROP INDEX ix_books_title; CREATE INDEX ix_books_title ON books (title)",
    "statistics": "ANALYZE books",
}


@pytest.fixture(scope="module")
def base_schema(databases) -> str:
    url = databases("structure")
    with engine(url).begin() as connection:
        connection.exec_driver_sql(BASE_SCHEMA)
    return url


def structure_after(url: str, sql: str) -> list[dict]:
    """The differences ``sql`` makes to the structure (PostgreSQL's DDL is transactional: rolled back after)."""
    with engine(url).connect() as connection:
        before = structure(connection)
        for statement in sql.split("; "):
            connection.exec_driver_sql(statement)
        found = structure_diff(before, structure(connection))
        connection.rollback()
    return found


@pytest.mark.parametrize("change", CHANGES)
def test_the_structure_on_postgresql_sees_every_kind_of_change(base_schema, change):
    sql, (table, obj) = CHANGES[change]
    found = structure_after(base_schema, sql)
    assert [(row["table"], row["object"]) for row in found] == [(table, obj)], found


def test_the_structure_on_postgresql_ignores_what_is_not_schema(base_schema):
    for what, sql in SAME.items():
        assert structure_after(base_schema, sql) == [], what
    snapshot_ = structure(engine(base_schema))
    assert set(snapshot_) == {"authors", "books", SCHEMA_OBJECTS}  # alembic_version is left out
    assert snapshot_[SCHEMA_OBJECTS]["sequences"] == {"authors_id_seq": "exists", "books_id_seq": "exists"}
