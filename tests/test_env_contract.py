"""Any Alembic project: an env.py as `alembic init` writes it, transaction_per_migration, autocommit_block.

The kit hands env.py a connection; an ordinary env.py ignores it and opens its own.
The kit must notice before anything runs, never report on one database while another
moved, and say how atomic each move was.
"""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from conftest import unchanged

from migrator import EnvironmentMismatchError, MigrationFailedError, Workspace

REVISION = '''\
"""{message}"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


def stock_project(tmp_path: Path, *, per_migration: bool = False) -> Path:
    """A project made by the real `alembic init`, untouched but for the URL (and the per-migration option)."""
    path = tmp_path / "work"
    path.mkdir()
    cfg = Config(str(path / "alembic.ini"))
    command.init(cfg, str(path / "alembic"))
    ini = path / "alembic.ini"
    ini.write_text(ini.read_text().replace("driver://user:pass@localhost/dbname", "sqlite:///%(here)s/app.db"))
    env = path / "alembic" / "env.py"
    if per_migration:
        env.write_text(env.read_text().replace(
            "target_metadata=target_metadata\n        )", "target_metadata=target_metadata,\n            transaction_per_migration=True,\n        )"))
        assert "transaction_per_migration=True" in env.read_text()
    return path


def add_revision(path: Path, rev: str, down: str | None, upgrade: str, downgrade: str = "pass") -> None:
    body = REVISION.format(message=f"revision {rev}", rev=rev, down=down,
                           upgrade=textwrap.indent(textwrap.dedent(upgrade).strip(), "    "),
                           downgrade=textwrap.indent(textwrap.dedent(downgrade).strip(), "    "))
    (path / "alembic" / "versions" / f"{rev}_r.py").write_text(body)


def tables(database: Path) -> list[str]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return sorted(r[0] for r in connection.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"))


@pytest.fixture
def project(tmp_path) -> Path:
    path = stock_project(tmp_path)
    add_revision(path, "a1", None, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))", "op.drop_table('t')")
    add_revision(path, "a2", "a1", "op.add_column('t', sa.Column('x', sa.Integer))", "op.drop_column('t', 'x')")
    return path


def test_an_env_py_that_picks_its_own_database_is_refused_before_anything_runs(project, tmp_path):
    """env.py ignores both the connection handed in and alembic.ini's URL: the kit must not report on `other`."""
    env = project / "alembic" / "env.py"
    env.write_text(env.read_text().replace(
        'config.get_section(config.config_ini_section, {})',
        '{"sqlalchemy.url": "sqlite:///" + str(__import__("pathlib").Path(__file__).parent.parent / "app.db")}'))
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    ws = Workspace.open(project, database=other)
    with unchanged(ws), pytest.raises(EnvironmentMismatchError) as caught:
        ws.upgrade()
    assert "config.attributes.get('connection')" in caught.value.fix
    assert "nothing ran" in caught.value.what
    assert tables(project / "app.db") == [] and tables(other) == []  # neither database moved


def test_a_stock_env_py_on_another_database_uses_it_through_alembic_ini(project, tmp_path):
    ws = Workspace.open(project, database=tmp_path / "other.db")
    assert ws.upgrade().steps[-1][0] == "a2"
    assert tables(tmp_path / "other.db") == ["alembic_version", "t"] and tables(project / "app.db") == []


def test_a_stock_env_py_on_its_own_database_runs_as_alembic_does(project):
    ws = Workspace.open(project)
    move = ws.upgrade()
    assert move.steps == (("a1", "revision a1"), ("a2", "revision a2")) and ws.current() == "a2"
    assert "env.py opens its own connection" in move.atomicity
    assert tables(project / "app.db") == ["alembic_version", "t"]
    ws.downgrade("base")
    assert ws.current() is None


def test_transaction_per_migration_reports_what_stayed_applied(tmp_path):
    path = stock_project(tmp_path, per_migration=True)
    add_revision(path, "b1", None, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))", "op.drop_table('t')")
    add_revision(path, "b2", "b1", "op.create_table('u', sa.Column('id', sa.Integer, primary_key=True))", "op.drop_table('u')")
    add_revision(path, "b3", "b2", "op.execute('INSERT INTO missing VALUES (1)')")
    ws = Workspace.open(path)
    with pytest.raises(MigrationFailedError) as caught:
        ws.upgrade()
    assert "Revisions b1, b2 stayed applied" in caught.value.what and "the database is at b2" in caught.value.what
    assert "rolled back" not in caught.value.what
    assert ws.current() == "b2"
    add_revision(path, "b3", "b2", "op.create_table('v', sa.Column('id', sa.Integer, primary_key=True))", "op.drop_table('v')")
    assert "one transaction per revision" in ws.upgrade().atomicity


def test_an_autocommit_block_runs_and_says_the_move_is_not_all_or_nothing(bookshop):
    bookshop.upgrade()
    revision = bookshop.revision("analyze", autogenerate=False)
    from conftest import write_revision_body

    write_revision_body(bookshop, revision, """
        with op.get_context().autocommit_block():
            op.execute("ANALYZE")
    """)
    move = bookshop.upgrade()
    assert move.steps == (("0005", "analyze"),) and bookshop.current() == "0005"
    assert "autocommit_block" in move.atomicity
    assert "atomicity" in move._repr_markdown_()
    assert bookshop.downgrade().atomicity.startswith("all or nothing")  # no autocommit on the way down


def test_the_kits_own_moves_are_all_or_nothing(bookshop):
    move = bookshop.upgrade()
    assert move.atomicity.startswith("all or nothing")
    assert "atomicity" not in move._repr_markdown_()  # the usual case needs no note


PACKAGE_MODELS = '''\
from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class T(Base):
    __tablename__ = "t"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    x: Mapped[int | None]
'''


def test_models_from_an_import_path_are_loaded_fresh(project):
    (project / "myapp").mkdir()
    (project / "myapp" / "__init__.py").write_text("")
    (project / "myapp" / "db.py").write_text(PACKAGE_MODELS)
    ws = Workspace.open(project, models="myapp.db:Base.metadata")
    ws.upgrade()
    assert ws.check().empty
    (project / "myapp" / "db.py").write_text(PACKAGE_MODELS + "    y: Mapped[int | None]\n")
    assert ws.check()[["change", "column"]].values.tolist() == [["add_column", "y"]]
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().replace("[alembic]\n", "[alembic]\nmodels = myapp.db:Base.metadata\n", 1))
    assert Workspace.open(project).models == "myapp.db:Base.metadata"
    assert len(Workspace.open(project).check()) == 1


def test_a_project_without_models_says_so_and_the_other_checks_run(project):
    from migrator import ModelsError

    ws = Workspace.open(project)
    with pytest.raises(ModelsError, match="names no models"):
        ws.check()
    results = ws.run_checks().set_index("check")
    assert not results.loc["models match schema", "passed"]
    assert "names no models" in results.loc["models match schema", "detail"]
    assert results.drop(index="models match schema")["passed"].all()


def test_offline_sql_errors_keep_alembics_words_and_claim_no_rollback(tmp_path):
    """`alembic upgrade --sql` over a real range: the table and revision stay in the message."""
    import shutil

    from migrator import MigratorError, PROJECT_ROOT

    copy = tmp_path / "library"
    shutil.copytree(PROJECT_ROOT / "examples" / "library", copy, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    ws = Workspace.open(copy, models="library_app.db:metadata")
    with pytest.raises(MigratorError) as caught:
        ws.sql("base:head")
    message = str(caught.value)
    assert "rolled back" not in message and "0003" not in caught.value.fix  # no course file, no false comfort
    assert "0006f0063170_add_member_status.py, line" in caught.value.what and 'the table "members"' in caught.value.what


def test_our_env_py_migrates_what_pytest_alembic_hands_it_not_the_url(tmp_path, monkeypatch):
    """pytest-alembic's test_downgrade_leaves_no_trace hands env.py a live connection dressed as an
    engine (its WrappingConnection). env.py took only a real Engine, fell back to the URL, and
    migrated another database while the test compared one nothing had touched."""
    import sqlalchemy as sa
    from pytest_alembic.tests.experimental.downgrade_leaves_no_trace import WrappingConnection

    from migrator import PROJECT_ROOT
    from migrator.database import create_engine

    elsewhere = tmp_path / "the_url_database.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{elsewhere}")
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    engine = create_engine(f"sqlite:///{tmp_path / 'handed.db'}")
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = WrappingConnection(connection)
            command.upgrade(config, "head")
            assert "books" in sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()
    assert not elsewhere.exists()


def test_what_stayed_applied_is_said_in_italian(tmp_path, italian):
    path = stock_project(tmp_path, per_migration=True)
    add_revision(path, "b1", None, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))", "op.drop_table('t')")
    add_revision(path, "b2", "b1", "op.execute('INSERT INTO missing VALUES (1)')")
    with pytest.raises(MigrationFailedError) as caught:
        Workspace.open(path).upgrade()
    assert caught.value.what.endswith(" La revisione b1 è rimasta applicata (env.py apre una connessione sua: "
                                      "le transazioni di Alembic stesso); il database è a b1.")
