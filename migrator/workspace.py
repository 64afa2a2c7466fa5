"""``Workspace``: an isolated Alembic project with its own SQLite file, and the workflow verbs.

A workspace is a folder laid out like the repository itself::

    workspaces/<name>/
        alembic.ini            script_location = migrations, models = models.py
        migrations/env.py      a copy of the project's one env.py
        migrations/script.py.mako
        migrations/versions/   empty, or the bookshop's reference chain
        models.py              the file you edit (steps 1 and 2)
        app.db                 the SQLite database

Every verb calls Alembic in-process (``alembic.command``, ``ScriptDirectory``,
autogenerate) with a live connection handed to ``env.py`` through
``config.attributes``.  Each command runs in one SQLite transaction: if anything
fails, the database is left exactly as it was and the error says how to fix it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from . import backup as _backup
from . import diagrams as _diagrams
from . import environments as _environments
from . import inspect as _inspect
from . import lint as _lint
from .app import Bookshop
from .database import create_engine
from .diagrams import Diagram
from .errors import BackupError, DestructiveChangeError, NoChangesError, UnknownRevisionError, WorkspaceError
from .loader import find_metadata, load_models
from .results import Move, Revision
from .translate import _known, translated

#: The repository: its alembic.ini, migrations/ and sample app are the templates.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MARKER = ".migrator-workspace"
#: From this size on, upgrades and downgrades show a progress bar (they may take seconds).
LARGE_DATABASE = 16 * 1024 * 1024
STARTERS = ("empty", "bookshop")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

EMPTY_MODELS = '''\
"""The models of this workspace: edit, save, then autogenerate a revision."""

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
'''


class Workspace:
    """An Alembic project you can break and reset: the course's one entry object.

    >>> ws = Workspace("demo", reset=True)          # doctest: +SKIP
    >>> ws.write_models(source); ws.revision("create books"); ws.upgrade()
    """

    def __init__(
        self,
        name: str = "default",
        *,
        root: str | Path = "workspaces",
        reset: bool = False,
        starter: str = "empty",
    ) -> None:
        self.name = _valid_name(name)
        root = Path(root)
        self.path = root / name
        if not self.path.resolve().is_relative_to(root.resolve()):
            raise WorkspaceError(
                f"The workspace name {name!r} would place it outside {root}/.",
                "Use a plain name such as '02_change_the_model'.",
            )
        if reset:
            self._remove()
        if not (self.path / "alembic.ini").exists():
            self._create(starter)
        self._database = self._url_from_ini()

    @classmethod
    def open(cls, path: str | Path, *, database: str | Path | None = None) -> Workspace:
        """Use an existing Alembic project folder (e.g. the repository root) as a workspace."""
        path = Path(path)
        if not (path / "alembic.ini").is_file():
            raise WorkspaceError(
                f"{path} has no alembic.ini, so it is not an Alembic project.",
                "Open the folder that holds alembic.ini (the repository root or a workspace).",
            )
        ws = cls.__new__(cls)
        ws.name, ws.path = path.resolve().name, path
        ws._database = cls._sqlite_url(database) if database else ws._url_from_ini()
        return ws

    def __repr__(self) -> str:
        return f"Workspace({self.name!r}, path={self.path.as_posix()!r})"

    # -- the files ------------------------------------------------------------------

    @property
    def ini_path(self) -> Path:
        return self.path / "alembic.ini"

    @property
    def models_path(self) -> Path:
        return self.path / (self._ini_option("models") or "models.py")

    @property
    def versions_path(self) -> Path:
        return Path(self.script_directory().versions)

    @property
    def url(self) -> str:
        """The database URL the verbs use."""
        return self._database

    @property
    def database_path(self) -> Path:
        return Path(sa.make_url(self._database).database)

    @property
    def engine(self) -> sa.Engine:
        """A fresh engine on the workspace database (transactional SQLite, no pooling)."""
        return create_engine(self._database, poolclass=NullPool)

    def read_models(self) -> str:
        """The models file as saved on disk."""
        return self.models_path.read_text()

    def write_models(self, source: str) -> Path:
        """Steps 1 and 2: replace the models file with ``source`` and save it."""
        self.models_path.write_text(source)
        return self.models_path

    def edit_models(self, old: str, new: str) -> Path:
        """Steps 1 and 2 as a small edit: replace the one occurrence of ``old`` by ``new``."""
        source = self.read_models()
        count = source.count(old)
        if count != 1:
            raise WorkspaceError(
                f"{self.models_path.name} contains the text to replace {count} times, not once: "
                f"{old.strip()!r}.",
                "Copy the exact text from the file (ws.read_models()), with enough of it to be unique.",
            )
        return self.write_models(source.replace(old, new))

    def load_models(self):
        """The models file, executed fresh: what autogenerate and the app will see."""
        return load_models(self.models_path)

    def metadata(self) -> sa.MetaData:
        return find_metadata(self.load_models())

    # -- the workflow ---------------------------------------------------------------

    def revision(
        self,
        message: str,
        *,
        autogenerate: bool = True,
        head: str = "head",
        splice: bool = False,
        allow_empty: bool = False,
    ) -> Revision:
        """Step 3: write a new revision file (``alembic revision --autogenerate -m``).

        Ids are readable and deterministic: 0001, 0002, ...  With ``autogenerate``,
        the models are compared with the database; finding no difference is an
        error unless ``allow_empty`` (usually it means models.py was not saved).
        """
        found = {}

        def keep_unless_empty(context, revision, directives):
            found["ops"] = directives[0].upgrade_ops
            if autogenerate and not allow_empty and directives[0].upgrade_ops.is_empty():
                directives[:] = []

        with self._alembic(target_metadata=self.metadata() if autogenerate else None) as cfg:
            script = command.revision(
                cfg,
                message,
                autogenerate=autogenerate,
                head=head,
                splice=splice,
                rev_id=self._next_id(),
                process_revision_directives=keep_unless_empty,
            )
        if not script:  # [] when keep_unless_empty dropped the empty revision
            raise NoChangesError(
                f"Autogenerate found no difference between {self.models_path.name} and the "
                "database, so no revision was written.",
                f"Edit {self.models_path.name} and save it first; to write an empty revision "
                "for hand-written operations, pass autogenerate=False.",
            )
        ops = found.get("ops")
        findings = _lint.lint_ops(ops, self.url, revision=script.revision) if autogenerate else ()
        return Revision.from_file(Path(script.path), self.path, ops=ops, findings=findings)

    def upgrade(self, target: str = "head", *, acknowledge=(), backup=False) -> Move:
        """Step 4: apply revisions up to ``target`` (``alembic upgrade``; '+1' for one step).

        The linter reads every revision about to run, against this database's data.
        A revision that would delete data (a dropped column with values, a probable
        rename...) is refused, and nothing runs, until that is acknowledged: here with
        ``acknowledge=["0005:drop-column"]`` (or ``["drop-column"]`` for any revision),
        or in the revision file with a line ``# migrator: acknowledge drop-column``.

        ``backup=True`` makes and verifies a backup first (``ws.backup()``); passing a
        ``Backup`` instead checks that it still matches the database.  If that fails,
        nothing is upgraded.
        """
        with translated(self):
            self._refuse_destructive(target, acknowledge)
        made = self._backup_first(backup) if backup is not False else None
        return self._move("upgrade", command.upgrade, target, backup=made)

    def downgrade(self, target: str = "-1") -> Move:
        """Step 4 in reverse (``alembic downgrade``): '-1' by default, or an id, or 'base'.

        Not linted: a downgrade is the revision's own undo, written together with the
        upgrade, and it removes what the upgrade added. Gating it would make every
        downgrade ask for an acknowledgement and teach people to acknowledge unread.
        Back up first (``ws.backup()``) when the data added since matters.
        """
        return self._move("downgrade", command.downgrade, target)

    def stamp(self, target: str) -> Move:
        """Set ``alembic_version`` without running revisions (``alembic stamp``)."""
        return self._move("stamp", command.stamp, target)

    def merge(self, message: str = "merge heads", revisions: str | list[str] = "heads") -> Revision:
        """Join branched heads with a merge revision (``alembic merge``)."""
        with self._alembic() as cfg:
            script = command.merge(cfg, revisions, message=message, rev_id=self._next_id())
        return Revision.from_file(Path(script.path), self.path)

    def lint(self, revision: str = "head") -> _lint.Findings:
        """What the linter finds in a revision file, judged against this database's data."""
        scripts = self.script_directory()
        with translated(self):
            script = scripts.get_revision(revision)
        if script is None:  # 'base' is a place in the history, not a file
            raise UnknownRevisionError(
                f"{revision!r} names no revision file, so there is nothing to lint.",
                f"Pass a revision id ({_known(self)}) or 'head'.",
            )
        return _lint.lint_script(script, self.url)

    # -- backups ----------------------------------------------------------------------

    def backup(self) -> _backup.Backup:
        """Copy the database to ``backups/<db>-<revision>-<UTC time>.db`` and verify the copy."""
        return _backup.make_backup(self.database_path, _label(self.current()))

    def backups(self) -> pd.DataFrame:
        """The backups of this database, oldest first."""
        return _backup.list_backups(self.database_path)

    def verify(self, backup: _backup.Backup | str | Path) -> _backup.Verification:
        """Check that ``backup`` holds exactly this database: integrity, schema, rows, content.

        Raises BackupError when it does not: a backup you cannot trust is not a backup.
        """
        path = self._backup_path(backup)
        result = _backup.verify(path, self.database_path)
        if not result.ok:
            raise BackupError(
                f"{result.copy} does not match {self.database_path.name}: {'; '.join(result.problems)}.",
                "If the database changed since (an upgrade, new rows), that is expected: make a fresh "
                "backup with ws.backup(). If the backup file is damaged, use another (ws.backups()).",
            )
        return result

    def restore(self, backup: _backup.Backup | str | Path) -> _backup.Verification:
        """Write ``backup`` back over this database, then verify they are the same."""
        return _backup.restore(self._backup_path(backup), self.database_path)

    def fingerprint(self) -> pd.DataFrame:
        """Each table's row count and content hash: equal fingerprints, equal data."""
        return _backup.fingerprint(self.database_path).frame()

    # -- environments -----------------------------------------------------------------

    def add_environment(self, name: str, database: str | Path) -> str:
        """Name a database of this project (``'prod'``): a path or a URL, saved in alembic.ini.

        URLs with a password are refused (alembic.ini is committed): set
        ``MIGRATOR_<NAME>_URL`` instead, which also wins over alembic.ini.
        """
        return _environments.add(self, name, database)

    def environment(self, name: str) -> Workspace:
        """The same project on environment ``name``'s database: ``ws.environment('prod').current()``."""
        return Workspace.open(self.path, database=_environments.resolve(self, name)[0])

    def environments(self) -> pd.DataFrame:
        """The environments, their databases (passwords masked) and revisions."""
        return _environments.frame(self)

    def promote(
        self, target: str = "prod", *, source: str = "dev", acknowledge=(), dry_run: bool = False
    ) -> _environments.Promotion:
        """Step 8: bring ``target`` to where ``source`` is, safely, and report each step.

        ``source`` must be at the head and pass the four standard checks; the offline SQL
        for ``target`` is rendered for review and the linter reads the pending revisions
        against ``target``'s data; then ``target`` is backed up (verified), upgraded and
        verified (integrity, head, models = schema, no table lost rows). Anything failing
        after the backup restores it automatically, and the error says so.
        ``dry_run=True`` stops after the review.
        """
        return _environments.promote(self, target, source=source, acknowledge=acknowledge, dry_run=dry_run)

    def app(self) -> Bookshop:
        """Step 5: (re)load the app, so its code uses the models as saved now."""
        return Bookshop(self.engine, self.load_models())

    def run_checks(self) -> pd.DataFrame:
        """Step 6: the four standard migration checks, on a scratch database."""
        from .checks import run_checks

        return run_checks(self)

    def check(self) -> pd.DataFrame:
        """Differences between the models and the database (``alembic check``); empty if none."""
        found = {}

        def keep_nothing(context, revision, directives):
            found["ops"] = directives[0].upgrade_ops
            directives[:] = []

        with self._alembic(target_metadata=self.metadata()) as cfg:
            command.revision(cfg, "check", autogenerate=True, process_revision_directives=keep_nothing)
        return _inspect.diffs_frame(found["ops"].as_diffs())

    def sql(self, revisions: str = "base:head", *, dialect: str | None = None) -> str:
        """The SQL an upgrade would run, as text for review (``alembic upgrade --sql``)."""
        buffer = io.StringIO()
        url = f"{dialect}://" if dialect else self._database
        cfg = self._config(output_buffer=buffer, url=url, target_metadata=None)
        with translated(self):
            command.upgrade(cfg, revisions, sql=True)
        return buffer.getvalue()

    # -- where things stand ---------------------------------------------------------

    def current(self) -> str | tuple[str, ...] | None:
        """The revision the database is at (``alembic current``); None before the first."""
        with self.engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
        return _as_current(heads)

    def _current_set(self) -> set[str]:
        current = self.current()
        return set(current) if isinstance(current, tuple) else {current} - {None}

    def heads(self) -> list[str]:
        """The newest revision(s) in versions/ (``alembic heads``); two or more means a branch."""
        return sorted(self.script_directory().get_heads())

    def history(self) -> pd.DataFrame:
        """All revisions, oldest first, the current one marked (``alembic history``)."""
        return _inspect.history_frame(self.script_directory(), self._current_set())

    def versions(self) -> pd.DataFrame:
        """The files in versions/: file name, revision, down_revision, message."""
        return _inspect.versions_frame(self.script_directory())

    def version_table(self) -> pd.DataFrame:
        """The rows of ``alembic_version``: exactly one, the current revision, once upgraded."""
        return _inspect.version_table(self.engine)

    def tables(self) -> pd.DataFrame:
        """Every table in the database with its column and row counts."""
        return _inspect.tables(self.engine)

    def columns(self, table: str) -> pd.DataFrame:
        """The columns of ``table`` as the database has them."""
        return _inspect.columns(self.engine, table)

    def rows(self, table: str, limit: int | None = None) -> pd.DataFrame:
        """The rows of ``table`` in primary-key order."""
        return _inspect.rows(self.engine, table, limit)

    def er_diagram(self) -> Diagram:
        """The schema as it is now, as a Mermaid ER diagram (drawn by JupyterLab)."""
        return _diagrams.er_diagram(self.engine)

    def revision_graph(self) -> Diagram:
        """The revisions as a Mermaid graph: branches, merges, the current one marked."""
        return _diagrams.revision_graph(self.script_directory(), self._current_set())

    def explorer(self, **options):
        """An interactive explorer (ipywidgets): move through the revisions, watch schema and data."""
        from .widgets import Explorer

        return Explorer(self, **options)

    def script_directory(self) -> ScriptDirectory:
        """Alembic's view of migrations/: revisions, heads, the revision map.

        Kept between calls while alembic.ini and the files in versions/ are unchanged
        (names, sizes, modification times): loading every revision file again on each
        verb would be most of the verb's time.
        """
        cached = self.__dict__.get("_scripts")
        if cached is not None and cached[1] == self._signature(cached[0].versions):
            return cached[0]
        with translated(self):
            scripts = ScriptDirectory.from_config(self._config())
        self._scripts = (scripts, self._signature(scripts.versions))
        return scripts

    def _signature(self, versions: str) -> tuple | None:
        """What must stay the same for a loaded ScriptDirectory to still be right."""
        try:
            files = sorted(
                (entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                for entry in os.scandir(versions)
                if entry.name.endswith(".py")
            )
            return self.ini_path.stat().st_mtime_ns, tuple(files)
        except OSError:
            return None

    # -- plumbing ---------------------------------------------------------------------

    def _move(self, verb: str, step, target: str, backup=None) -> Move:
        with self._progress(f"{verb} {target}"), self._alembic(target_metadata=None) as cfg:
            # Read inside the transaction (BEGIN IMMEDIATE): if another process migrated
            # while we waited for the lock, 'before' is what it left, not what we saw.
            context = MigrationContext.configure(cfg.attributes["connection"])
            before = _as_current(context.get_current_heads())
            step(cfg, target)
            after = _as_current(context.get_current_heads())
        return Move.between(verb, self.script_directory(), before, after, backup)

    def _progress(self, desc: str):
        """A progress bar while a move rewrites a large database (none for small ones or in tests)."""
        from . import progress

        path = self.database_path
        if progress.quiet() or not path.is_file() or path.stat().st_size < LARGE_DATABASE:
            return nullcontext()
        return progress.watch(self, desc=desc)

    def _pending_findings(self, target: str, acknowledge=()) -> _lint.Findings:
        """The linter's findings for every revision an upgrade to ``target`` would run."""
        scripts = self.script_directory()
        with translated(self):
            steps = scripts._upgrade_revs(target, tuple(sorted(self._current_set())))
        findings = []
        for step in steps:
            findings += _lint.lint_script(step.revision, self.url)
        return _lint.Findings(_lint.acknowledge(findings, [acknowledge] if isinstance(acknowledge, str) else acknowledge))

    def _refuse_destructive(self, target: str, acknowledge) -> None:
        refused = self._pending_findings(target, acknowledge).destructive
        if not refused:
            return
        revisions = sorted({f.revision for f in refused})
        files = {s.revision: Path(s.path).name for s in self.script_directory().walk_revisions()}
        listed = "; ".join(f"{f.key} `{f.where}`: {f.explanation}" for f in refused)
        keys = ", ".join(repr(k) for k in dict.fromkeys(f.key for f in refused))
        markers = " and ".join(dict.fromkeys(
            f"`# migrator: acknowledge {f.code}` to {files.get(f.revision, f.revision)}" for f in refused
        ))
        error = DestructiveChangeError(
            f"Revision {', '.join(revisions)} would delete data, so the upgrade did not start "
            f"(the database is unchanged): {listed}",
            f"{refused[0].fix} To delete the data on purpose, back up first (ws.backup()), then "
            f"acknowledge: ws.upgrade(acknowledge=[{keys}]), or add the line {markers}.",
        )
        error.findings = refused
        raise error

    def _backup_first(self, backup) -> _backup.Backup | None:
        if backup is True:
            path = self.database_path
            empty = not path.is_file() or path.stat().st_size == 0
            return None if empty else self.backup()  # an empty database has nothing to protect
        self.verify(backup)  # a stale or damaged backup stops the upgrade
        return backup

    def _backup_path(self, backup) -> Path:
        return Path(backup.path) if isinstance(backup, _backup.Backup) else Path(backup)

    @contextmanager
    def _alembic(self, **attributes) -> Iterator[Config]:
        """A Config with a live connection inside one transaction; errors translated."""
        engine = self.engine
        try:
            with translated(self), engine.begin() as connection, _quiet():
                yield self._config(connection=connection, **attributes)
        finally:
            engine.dispose()

    def _config(self, output_buffer=None, **attributes) -> Config:
        cfg = Config(
            self.ini_path,
            output_buffer=output_buffer,
            stdout=io.StringIO(),
            attributes={"configure_logger": False, **attributes},
        )
        location = Path(cfg.get_main_option("script_location"))
        if not location.is_absolute():
            cfg.set_main_option("script_location", str(self.path / location))
        return cfg

    def _next_id(self) -> str:
        numbers = [
            int(script.revision)
            for script in self.script_directory().walk_revisions()
            if script.revision.isdigit()
        ]
        return f"{max(numbers, default=0) + 1:04d}"

    def _ini_option(self, name: str) -> str | None:
        return Config(self.ini_path).get_main_option(name)

    def _url_from_ini(self) -> str:
        return self._ini_option("sqlalchemy.url")

    @staticmethod
    def _sqlite_url(path: str | Path) -> str:
        return str(path) if "://" in str(path) else f"sqlite:///{Path(path).resolve()}"

    def _with_database(self, path: str | Path) -> Workspace:
        """The same project, pointed at another database file (used by the checks)."""
        return Workspace.open(self.path, database=path)

    def _remove(self) -> None:
        if not self.path.exists():
            return
        if not (self.path / MARKER).exists():
            raise WorkspaceError(
                f"{self.path} exists but was not made by migrator, so reset will not delete it.",
                "Pick another workspace name, or move that folder away yourself.",
            )
        shutil.rmtree(self.path)

    def _create(self, starter: str) -> None:
        if starter not in STARTERS:
            raise WorkspaceError(
                f"There is no starter called {starter!r}.",
                f"Use one of: {', '.join(STARTERS)}.",
            )
        versions = self.path / "migrations" / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        (self.path / MARKER).write_text("Made by migrator.Workspace; reset=True deletes it.\n")
        for name in ("env.py", "script.py.mako"):
            shutil.copy(PROJECT_ROOT / "migrations" / name, self.path / "migrations" / name)
        self.ini_path.write_text(_workspace_ini())
        if starter == "bookshop":
            shutil.copy(PROJECT_ROOT / "migrator" / "app" / "models.py", self.path / "models.py")
            for revision in sorted((PROJECT_ROOT / "migrations" / "versions").glob("*.py")):
                shutil.copy(revision, versions / revision.name)
        else:
            (self.path / "models.py").write_text(EMPTY_MODELS)


def _as_current(heads) -> str | tuple[str, ...] | None:
    """Alembic's tuple of current heads as ``current()`` returns it."""
    return heads[0] if len(heads) == 1 else (tuple(sorted(heads)) or None)


def _label(current) -> str:
    """A revision as a file-name part: 'base', '0003' or '0005+0006'."""
    if current is None:
        return "base"
    return current if isinstance(current, str) else "+".join(current)


@contextmanager
def _quiet() -> Iterator[None]:
    """Alembic prints progress ('Generating ... done') to stdout: keep cells clean."""
    with redirect_stdout(io.StringIO()):
        yield


def _valid_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise WorkspaceError(
            f"{name!r} is not a usable workspace name: it must be one plain folder name "
            "(letters, digits, '_', '-', '.'), with no '/' or '..'.",
            "Use a plain name such as '02_change_the_model'.",
        )
    return name


def _workspace_ini() -> str:
    """The project's alembic.ini, pointed at the workspace's own files."""
    settings = {
        "script_location": "%(here)s/migrations",
        "models": "models.py",
        "sqlalchemy.url": "sqlite:///%(here)s/app.db",
    }
    lines = (PROJECT_ROOT / "alembic.ini").read_text().splitlines()
    for index, line in enumerate(lines):
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.startswith("#") and key in settings:
            lines[index] = f"{key} = {settings.pop(key)}"
    assert not settings, f"alembic.ini lacks {settings}"
    return "\n".join(lines) + "\n"
