"""Notebook 09's exercise: teach a team's env.py to run on a connection it is handed.

Starting state: a project exactly as ``alembic init`` writes it (``alembic.ini``,
``alembic/env.py``, ``script.py.mako``, ``versions/``), with two revisions, 0001 and
0002, and its own database ``app.db`` at 0001.  Its env.py was edited the way teams
often edit it: ``run_migrations_online()`` builds its engine from the ``APP_DB``
environment variable (the deploy job sets it), falling back to ``app.db`` beside
``alembic.ini``.  It never looks at ``config.attributes``, so a tool that hands it a
connection (the kit, pytest-alembic) is ignored, and ``Workspace.open(path,
database=...)`` refuses with ``EnvironmentMismatchError`` before anything runs.

The task: edit env.py so that it uses a connection handed in when there is one, and
keeps its own engine (``APP_DB``, else ``app.db``) otherwise.  The check runs both
callers for real: the kit on a scratch database, and the ``alembic`` command in a
subprocess on a copy of the project.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from alembic import command
from alembic.config import Config

from ..errors import EnvironmentMismatchError, MigratorError
from ..i18n import _
from ..workspace import Workspace
from . import Exercise

ENV = "alembic/env.py"
HEAD = "0002"
START = "0001"  # where the project's own database is when the exercise starts

#: What the team changed in the env.py that `alembic init` wrote: its own engine, from APP_DB.
IMPORTS = (
    "from logging.config import fileConfig\n\nfrom sqlalchemy import engine_from_config\n",
    "import os\nfrom logging.config import fileConfig\nfrom pathlib import Path\n\nfrom sqlalchemy import create_engine\n",
)
DEFAULT_URL = (
    "target_metadata = None\n",
    "target_metadata = None\n\n"
    "# The app's database: APP_DB when it is set (the deploy job sets it), else app.db\n"
    "# next to alembic.ini, for a developer's machine.\n"
    "DEFAULT_URL = f\"sqlite:///{Path(__file__).resolve().parent.parent / 'app.db'}\"\n",
)
OFFLINE_URL = (
    '    url = config.get_main_option("sqlalchemy.url")\n',
    '    url = os.environ.get("APP_DB", DEFAULT_URL)\n',
)
ONLINE_ENGINE = (
    "    connectable = engine_from_config(\n"
    "        config.get_section(config.config_ini_section, {}),\n"
    '        prefix="sqlalchemy.",\n'
    "        poolclass=pool.NullPool,\n"
    "    )\n",
    '    connectable = create_engine(os.environ.get("APP_DB", DEFAULT_URL), poolclass=pool.NullPool)\n',
)

REVISIONS = [
    ("0001", "create members",
     "op.create_table(\n"
     "        'members',\n"
     "        sa.Column('id', sa.Integer(), primary_key=True),\n"
     "        sa.Column('name', sa.String(length=100), nullable=False),\n"
     "    )",
     "op.drop_table('members')"),
    ("0002", "add member email",
     "op.add_column('members', sa.Column('email', sa.String(length=254), nullable=True))",
     "op.drop_column('members', 'email')"),
]

TASK = """\
The exercise workspace is a project as `alembic init` writes it, with two revisions and its
own database, `app.db`, at 0001. Its `env.py` makes its own engine from the `APP_DB`
environment variable (the deploy job sets it), else `app.db`, and ignores anything it is
handed, so the kit cannot run it on another database. Edit `alembic/env.py` so that it
**uses the connection it is handed when there is one, and keeps its own engine otherwise**.
The check runs both for real: the kit upgrades a scratch database (your `app.db` must stay
at 0001), and `alembic upgrade head` runs in a copy of the project with `APP_DB` set."""

HINT = """\
Whoever runs env.py can put objects into a dictionary on Alembic's `Config` first:
`config.attributes`. The kit puts its open connection there under the key `"connection"`
(pytest-alembic puts an Engine there). In `run_migrations_online()`, look there first. If
something was handed in, configure the context with it, and do not close a connection you did
not open. Only when nothing was handed in should env.py build its own engine from `APP_DB`:
the `alembic` command and the deploy job still need that. Offline mode (`--sql`) has no
connection, so leave `run_migrations_offline()` alone."""

SOLUTION = '''\
# ws is the exercise workspace (ws_ex in the notebook). env.py's new run_migrations_online():
NEW = """\\
def run_migrations_online() -> None:
    # The caller may hand something in: the kit an open Connection, pytest-alembic an Engine.
    handed = config.attributes.get("connection")
    if isinstance(handed, Connection):
        run_migrations(handed)  # inside the kit's transaction: use it as it is, do not close it
        return
    # An Engine handed in (pytest-alembic), else our own, as before (the alembic command, the deploy).
    engine = handed if handed is not None else create_engine(
        os.environ.get("APP_DB", DEFAULT_URL), poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        run_migrations(connection)


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


"""
env = ws.path / "alembic" / "env.py"
source = env.read_text()
start, end = source.index("def run_migrations_online()"), source.index("if context.is_offline_mode():")
source = source[:start] + NEW + source[end:]
env.write_text(source.replace(
    "from sqlalchemy import create_engine\\n",
    "from sqlalchemy import create_engine\\nfrom sqlalchemy.engine import Connection\\n",
))
'''

REVISION_BODY = (
    '    """Upgrade schema."""\n    pass',
    '    """Downgrade schema."""\n    pass',
)


def prepare(ws: Workspace) -> None:
    """Replace the kit's scaffold by a stock `alembic init` project, edited as a team would."""
    for name in ("alembic.ini", "models.py"):
        (ws.path / name).unlink()
    shutil.rmtree(ws.path / "migrations")
    ini = ws.path / "alembic.ini"
    with redirect_stdout(io.StringIO()):  # init says what it creates, with absolute paths
        command.init(Config(str(ini)), str(ws.path / "alembic"))
    # As `alembic init alembic` writes it when run in the project folder (given an absolute
    # path, init writes that path), and with the team's database instead of the placeholder.
    lines = ini.read_text().replace("driver://user:pass@localhost/dbname", "sqlite:///%(here)s/app.db").splitlines()
    ini.write_text("\n".join("script_location = %(here)s/alembic" if line.startswith("script_location =") else line
                             for line in lines) + "\n")
    env = ws.path / ENV
    source = env.read_text()
    for old, new in (IMPORTS, DEFAULT_URL, OFFLINE_URL, ONLINE_ENGINE):
        assert source.count(old) == 1, _("alembic init wrote a different env.py "
                                         "({strip!r}): update nb09.prepare", strip=old.strip())
        source = source.replace(old, new)
    env.write_text(source)
    cfg = Config(str(ini), stdout=io.StringIO())
    for rev, message, upgrade, downgrade in REVISIONS:
        with redirect_stdout(io.StringIO()):
            script = command.revision(cfg, message, rev_id=rev, head="head")
        path = Path(script.path)
        text = path.read_text()
        assert all(text.count(body) == 1 for body in REVISION_BODY), _("script.py.mako "
                                                                       "changed: update "
                                                                       "nb09.prepare")
        path.write_text(text.replace(REVISION_BODY[0], f'{REVISION_BODY[0][:-4]}{upgrade}')
                        .replace(REVISION_BODY[1], f'{REVISION_BODY[1][:-4]}{downgrade}'))
    with quiet_logs():
        ws.upgrade(START)  # the team's own database, one revision behind (env.py's own engine)


def check(ws: Workspace) -> str:
    env = ws.path / ENV
    if not env.is_file():
        raise AssertionError(
            _("{ENV} is gone, and without it Alembic cannot run anything. Edit the file "
              "instead of deleting it: start over with ws_ex = exercise.start().", ENV=ENV)
        )
    try:
        compile(env.read_text(), ENV, "exec")
    except SyntaxError as exc:  # say where, not a traceback
        raise AssertionError(
            _("{ENV} is not valid Python any more: line {lineno}: {msg}. Fix that line "
              "(or start over with ws_ex = exercise.start()).", ENV=ENV, lineno=exc.lineno, msg=exc.msg)
        ) from None
    if ws.heads() != [HEAD]:
        raise AssertionError(
            _("The head should still be {HEAD}, but the heads are {heads}. Only env.py "
              "needs changing; start over with ws_ex = exercise.start().",
              HEAD=HEAD, heads=', '.join(ws.heads()) or 'none')
        )
    own = ws.path / "app.db"
    before = own.read_bytes() if own.is_file() else None
    _check_the_kit(ws)
    after = own.read_bytes() if own.is_file() else None
    if after != before:
        raise AssertionError(
            _("The kit's scratch database reached {HEAD}, but app.db changed as well: "
              "env.py ran on both. When a connection is handed in, run the migrations on "
              "it alone.", HEAD=HEAD)
        )
    _check_the_command_line(ws)
    return (
        _("Both callers work. The kit handed env.py a connection to a scratch database, "
          "which reached {HEAD} while app.db stayed at {START}; and `alembic upgrade "
          "head`, handed nothing, made its own engine from APP_DB, as the deploy job needs.",
          HEAD=HEAD, START=START)
    )


def _check_the_kit(ws: Workspace) -> None:
    """The kit upgrades a scratch database through env.py, with its own connection handed in."""
    with tempfile.TemporaryDirectory(prefix="migrator-nb09-") as folder, quiet_logs():
        scratch = Workspace.open(ws.path, database=Path(folder) / "scratch.db")
        try:
            move = scratch.upgrade()
        except EnvironmentMismatchError:
            raise AssertionError(
                _("The kit handed env.py a connection to a scratch database, and env.py "
                  "ignored it: it connected to app.db by itself, so the kit refused and "
                  "nothing ran on either database. run_migrations_online() must look for "
                  "a connection it is handed before it makes an engine.")
            ) from None
        except MigratorError as exc:
            raise AssertionError(
                _("The kit handed env.py a connection to a scratch database, and the "
                  "upgrade failed: {without_paths}", without_paths=_without_paths(exc.what, folder, ws))
            ) from None
        except Exception as exc:  # noqa: BLE001 - an error in env.py itself: say what it was
            raise AssertionError(_env_error(exc, folder, ws)) from None
        reached = scratch.current()
    if reached != HEAD:
        raise AssertionError(
            _("The kit's upgrade ran, but the scratch database is at {reached}, not "
              "{HEAD}: env.py must run the migrations on the connection it is handed.",
              reached=reached or 'base', HEAD=HEAD)
        )
    if not move.atomicity.startswith("all or nothing"):
        raise AssertionError(
            _("The scratch database reached {HEAD}, but only because env.py followed the "
              "URL the kit also sets in the Config: it made its own connection instead "
              "of using the one it was handed, so the kit's move could not be all or "
              "nothing. A caller that hands in a connection (or pytest-alembic's Engine) "
              "need not set any URL: use config.attributes['connection'] when it is there.", HEAD=HEAD)
        )


def _check_the_command_line(ws: Workspace) -> None:
    """``alembic upgrade head`` in a copy of the project, handed nothing, with APP_DB set as in a deploy."""
    with tempfile.TemporaryDirectory(prefix="migrator-nb09-") as folder:
        copy = Path(folder) / "project"
        shutil.copytree(ws.path, copy, ignore=shutil.ignore_patterns("__pycache__", "scratch*.db"))
        deploy = copy / "deploy.db"
        environment = {**os.environ, "APP_DB": f"sqlite:///{deploy}", "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "alembic", "upgrade", "head"],
                cwd=copy, env=environment, capture_output=True, text=True, timeout=120,
            )
        except subprocess.TimeoutExpired:
            raise AssertionError(_("`alembic upgrade head` did not finish within two minutes.")) from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            last = _without_paths(lines[-1] if lines else f"exit code {done.returncode}", folder, ws)
            raise AssertionError(
                _("The kit can use env.py now, but the alembic command no longer works: "
                  "`alembic upgrade head` in the project folder fails with: {last} The "
                  "command line (and the deploy job) hands env.py nothing, so "
                  "config.attributes has no connection: then env.py must still make its "
                  "own engine from APP_DB, as it did before.", last=last)
            )
        if _version(deploy) != HEAD:
            where = (_("on app.db instead") if _version(copy / "app.db") == HEAD else _("somewhere else"))
            raise AssertionError(
                _("`alembic upgrade head` ran, but {where}, although APP_DB named "
                  "another database. When env.py makes its own engine, it must still "
                  "read APP_DB first: that is how the deploy job points it at production.", where=where)
            )


def _version(database: Path) -> str | None:
    if not database.is_file():
        return None
    with sqlite3.connect(database) as connection:
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:
            return None
    return rows[0][0] if len(rows) == 1 else None


def _env_error(exc: Exception, folder: str, ws: Workspace) -> str:
    text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc).strip() else ''}"
    if isinstance(exc, AttributeError) and "'Connection' object has no attribute 'connect'" in str(exc):
        return (
            _("The kit handed env.py a connection, and env.py failed with {text}. What "
              "the kit hands in is already an open Connection (inside the kit's "
              "transaction), not an Engine: configure the context with it as it is. Only "
              "an engine needs .connect().", text=text)
        )
    return (
        _("The kit handed env.py a connection to a scratch database, and env.py raised "
          "{without_paths}. Read run_migrations_online() again.",
          without_paths=_without_paths(text, folder, ws))
    )


def _without_paths(text: str, folder: str, ws: Workspace) -> str:
    """A message as it can be shown in a notebook: the temporary and workspace folders left out."""
    for prefix in (str(Path(folder).resolve()), folder, str(ws.path.resolve()), str(ws.path)):
        text = text.replace(prefix + os.sep, "").replace(prefix, ".")
    return text


@contextmanager
def quiet_logs() -> Iterator[None]:
    """No INFO lines: a stock env.py turns Alembic's log on (fileConfig) each time it runs."""
    previous = logging.root.manager.disable
    logging.disable(max(previous, logging.INFO))
    try:
        yield
    finally:
        logging.disable(previous)


EXERCISE = Exercise(
    name="nb09",
    task=TASK,
    prepare=prepare,
    check_fn=check,
    hint_text=HINT,
    solution_code=SOLUTION,
)
