"""Exercise nb09: a stock env.py that makes its own engine learns to use the connection it is handed."""

from __future__ import annotations

import sqlite3

import pytest
from pytest_alembic import Config as PytestAlembicConfig
from pytest_alembic import runner

from migrator import EnvironmentMismatchError, Workspace
from migrator.database import create_engine
from migrator.exercises import get

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb09")
ENV = "alembic/env.py"
ONLINE = "def run_migrations_online() -> None:"
OFFLINE_SWITCH = "if context.is_offline_mode():"


@pytest.fixture
def ws(tmp_path):
    return EXERCISE.start(tmp_path)


def version(database) -> str | None:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def replace_online(ws, body: str) -> None:
    """Give env.py another run_migrations_online(), the rest of the file as it is."""
    path = ws.path / ENV
    source = path.read_text()
    start, end = source.index(ONLINE), source.index(OFFLINE_SWITCH)
    path.write_text(source[:start] + ONLINE + "\n" + body.rstrip() + "\n\n\n" + source[end:])


def test_the_prepared_project_is_what_alembic_init_writes(ws):
    assert (ws.path / "alembic.ini").is_file() and (ws.path / "alembic" / "script.py.mako").is_file()
    assert not (ws.path / "migrations").exists() and not (ws.path / "models.py").exists()
    assert sorted(p.name for p in (ws.path / "alembic" / "versions").glob("*.py")) == [
        "0001_create_members.py", "0002_add_member_email.py",
    ]
    ini = (ws.path / "alembic.ini").read_text()
    assert "script_location = %(here)s/alembic" in ini and "sqlite:///%(here)s/app.db" in ini  # portable
    env = (ws.path / ENV).read_text()
    assert "config.attributes" not in env and 'os.environ.get("APP_DB", DEFAULT_URL)' in env
    assert version(ws.path / "app.db") == "0001"


def test_the_kit_is_refused_on_another_database_before_the_fix(say, ws, tmp_path):
    other = Workspace.open(ws.path, database=tmp_path / "other.db")
    with pytest.raises(EnvironmentMismatchError):
        other.upgrade()
    assert version(ws.path / "app.db") == "0001"


def test_starts_unsolved_and_the_solution_solves_it(say, ws, tmp_path):
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("env.py ignored it", "env.py l'ha ignorata") in feedback.message
    feedback = EXERCISE.solve(tmp_path)
    assert feedback, feedback.message
    assert say("Both callers work", "Funzionano entrambi i chiamanti") in feedback.message
    assert version(ws.path / "app.db") == "0001"  # the check never moved the project's own database


def test_after_the_solution_pytest_alembic_runs_it_too(say, ws, tmp_path):
    """pytest-alembic hands env.py an Engine, not a Connection: the solution takes both."""
    EXERCISE.solve(tmp_path)
    engine = create_engine(f"sqlite:///{tmp_path / 'pytest_alembic.db'}")
    config = PytestAlembicConfig(config_options={"file": str(ws.path / "alembic.ini")})
    try:
        with runner(config=config, engine=engine) as alembic_runner:
            alembic_runner.migrate_up_to("heads")
    finally:
        engine.dispose()
    assert version(tmp_path / "pytest_alembic.db") == "0002"


def test_always_using_the_handed_connection_breaks_the_command_line(say, ws, tmp_path):
    replace_online(ws, '''\
    connection = config.attributes.get("connection")
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()''')
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("the alembic command no longer works", "il comando alembic non funziona più") in feedback.message
    assert say("must still make its own engine", "deve ancora creare il suo engine") in feedback.message


def test_connecting_a_handed_connection_again_is_explained(say, ws, tmp_path):
    """The pytest-alembic recipe (`with connectable.connect()`) fails on the kit's Connection."""
    replace_online(ws, '''\
    connectable = config.attributes.get("connection") or create_engine(
        os.environ.get("APP_DB", DEFAULT_URL), poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()''')
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("already an open Connection", "è già una Connection aperta") in feedback.message


def test_forgetting_app_db_is_caught(say, ws, tmp_path):
    replace_online(ws, '''\
    handed = config.attributes.get("connection")
    if handed is not None:
        context.configure(connection=handed, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    with create_engine(DEFAULT_URL, poolclass=pool.NullPool).connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()''')
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("on app.db instead", "ma su app.db") in feedback.message and "APP_DB" in feedback.message


def test_following_the_url_instead_of_the_connection_is_caught(say, ws, tmp_path):
    """The kit still gets its scratch database moved (through alembic.ini's URL), but not in its transaction."""
    replace_online(ws, '''\
    url = os.environ.get("APP_DB") or config.get_main_option("sqlalchemy.url")
    with create_engine(url, poolclass=pool.NullPool).connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()''')
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("instead of using the one it was handed", "invece di usare quella ricevuta") in feedback.message


def test_running_on_both_databases_is_caught(say, ws, tmp_path):
    replace_online(ws, '''\
    handed = config.attributes.get("connection")
    if handed is not None:
        context.configure(connection=handed, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    import sqlite3
    sqlite3.connect(DEFAULT_URL.removeprefix("sqlite:///")).execute("CREATE TABLE IF NOT EXISTS x (id)")''')
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("app.db changed as well", "è cambiato anche app.db") in feedback.message


def test_a_syntax_error_in_env_py_is_reported_with_its_line(say, ws, tmp_path):
    path = ws.path / ENV
    source = path.read_text()
    path.write_text(source.replace(
        "    with connectable.connect() as connection:", "    with connectable.connect() as connection", 1))
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    line = source[: source.index("    with connectable.connect() as connection:")].count("\n") + 1
    assert say("not valid Python", "Python valido") in feedback.message and say(f"line {line}", f"riga {line}") in feedback.message


def test_a_deleted_env_py_says_start_over(say, ws, tmp_path):
    (ws.path / ENV).unlink()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("is gone", "non c'è più") in feedback.message and "exercise.start()" in feedback.message


def test_messages_hold_no_absolute_paths(say, ws, tmp_path):
    """Feedback is shown in the notebook, whose stored outputs must be portable."""
    replace_online(ws, '''\
    raise RuntimeError(f"cannot open {DEFAULT_URL}")''')
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert str(tmp_path) not in feedback.message and "RuntimeError" in feedback.message
