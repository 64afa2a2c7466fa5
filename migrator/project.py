"""``Project``: one Alembic project on disk and one database URL.

Everything the workflow verbs share lives here, once: the paths and options of
``alembic.ini``, the ``Config`` handed to Alembic, the loaded ``ScriptDirectory``
(kept while the files are unchanged), one transaction per command, the current
revision and the heads, and ``plan(verb, target)``, which says what a move would run.

This is the only module that iterates revisions and the only one that touches a
private Alembic API (``ScriptDirectory._upgrade_revs`` / ``_downgrade_revs`` /
``_stamp_revs``, the exact resolution ``alembic upgrade``, ``downgrade`` and ``stamp``
use, relative steps included).

Commands run the way ``alembic.command`` runs them (an ``EnvironmentContext`` around
env.py), but with this project's cached ``ScriptDirectory`` and env.py's compiled code
kept while the file is unchanged: ``command.upgrade`` would load every revision file
and compile env.py again on each call, most of a small upgrade's time.
Everything below it (lint, schema, diagrams, backup, ...) takes a Project, an Engine,
a list of revisions or a URL; everything above it uses its public methods.
"""

from __future__ import annotations

import ast
import copy
import io
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from unittest.mock import patch as mock_patch

import sqlalchemy as sa
from alembic.autogenerate import RevisionContext
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.pool import NullPool

from . import progress
from .database import create_engine, create_read_engine, expression_indexes_unreflected, mask_url, same_database
from .errors import (
    EnvironmentMismatchError,
    MigratorError,
    ModelsError,
    RevisionError,
    ScriptLocationError,
    WorkspaceError,
)
from .i18n import N_, _, ngettext
from .loader import is_import_path, metadata_from
from .plan import Plan
from .results import Move, Revision, as_current, label
from .translate import translated

#: From this size on, upgrades and downgrades show a progress bar (they may take seconds).
LARGE_DATABASE = 16 * 1024 * 1024
#: Loaded revisions per alembic.ini: (ScriptDirectory, signature of the files, revisions oldest first).
_LOADED: dict[str, tuple] = {}
#: env.py files compiled once per content: path -> ((mtime_ns, size), code object).
_ENV_CODE: dict[str, tuple[tuple[int, int], object]] = {}


def sqlite_url(database: str | Path) -> str:
    """A URL as given, or a path turned into a SQLite URL."""
    return str(database) if "://" in str(database) else f"sqlite:///{Path(database).resolve()}"


class Project:
    """An Alembic project folder (the one holding ``alembic.ini``) and the database its verbs use."""

    def __init__(self, path: str | Path, *, database: str | Path | None = None, models: str | None = None) -> None:
        path = Path(path)
        if not (path / "alembic.ini").is_file():
            raise WorkspaceError(
                _("{path} has no alembic.ini, so it is not an Alembic project.", path=path),
                _("Open the folder that holds alembic.ini (the repository root or a workspace)."),
            )
        self.path = path
        self.name = path.resolve().name
        self._scripts: tuple[ScriptDirectory, tuple | None, list[Script]] | None = None
        self._models = models
        self._engines: dict[str, sa.Engine] = {}  # kept: creating an engine costs more than a small query
        self._url = sqlite_url(database) if database is not None else self.option("sqlalchemy.url")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, path={self.path.as_posix()!r})"

    def with_database(self, database: str | Path) -> Project:
        """The same project (same type, same loaded revisions), pointed at another database."""
        other = copy.copy(self)
        other._url = sqlite_url(database)
        other._engines = {}
        return other

    # -- files and settings -------------------------------------------------------------

    @property
    def ini_path(self) -> Path:
        return self.path / "alembic.ini"

    @property
    def models(self) -> str | None:
        """Where the models are: a file ('models.py') or an import path ('myapp.db:Base.metadata').

        Given to the constructor, else alembic.ini's ``models`` option, else ``models.py`` if
        the project has one; None when the project names no models.
        """
        spec = self._models or self.option("models")
        if spec:
            return spec
        return "models.py" if (self.path / "models.py").is_file() else None

    @property
    def models_path(self) -> Path:
        """The models file (for projects whose models are one file)."""
        spec = self.models
        return self.path / (spec if spec and not is_import_path(spec) else "models.py")

    def metadata(self) -> sa.MetaData:
        """The models' metadata, loaded fresh: what autogenerate compares the database with."""
        if self.models is None:
            raise ModelsError(
                _("The project {name} names no models, so nothing can be compared with "
                  "the database.", name=self.name),
                _("Open it with models='myapp.db:Base.metadata' (or a file), or set "
                  "`models = ...` in alembic.ini."),
            )
        return metadata_from(self.models, self.path)

    @property
    def versions_path(self) -> Path:
        return Path(self.script_directory().versions)

    @property
    def url(self) -> str:
        """The database URL the verbs use."""
        return self._url

    @property
    def database_path(self) -> Path:
        return Path(sa.make_url(self._url).database)

    @property
    def engine(self) -> sa.Engine:
        """An engine on the database for writing (transactional SQLite; no pooling, so no file stays open)."""
        if "write" not in self._engines:
            self._engines["write"] = create_engine(self._url, poolclass=NullPool)
        return self._engines["write"]

    @property
    def reader(self) -> sa.Engine:
        """An engine for reading: it never takes the write lock, so reads work while others write."""
        if "read" not in self._engines:
            self._engines["read"] = create_read_engine(self._url, poolclass=NullPool)
        return self._engines["read"]

    def option(self, name: str) -> str | None:
        """A setting of alembic.ini's ``[alembic]`` section (``%(here)s`` expanded), or None."""
        return Config(self.ini_path).get_main_option(name)

    def config(self, output_buffer=None, **attributes) -> Config:
        """Alembic's Config for this project; ``attributes`` reach env.py (``config.attributes``)."""
        cfg = Config(
            self.ini_path,
            output_buffer=output_buffer,
            stdout=io.StringIO(),
            attributes={"configure_logger": False, **attributes},
        )
        cfg.set_main_option("script_location", str(self.script_location()))
        # An env.py that makes its own engine from alembic.ini (as `alembic init` writes it) then
        # connects to the database the kit works on, not to the one the file names.
        cfg.set_main_option("sqlalchemy.url", self._url.replace("%", "%%"))
        # `prepend_sys_path = .` means the folder the CLI runs in; for the kit that is the project.
        paths = cfg.get_prepend_sys_paths_list()
        if paths:
            separator = os.pathsep if cfg.get_main_option("path_separator") == "os" else " "
            cfg.set_main_option("prepend_sys_path", separator.join(
                str(self.path / p) if not Path(p).is_absolute() else p for p in paths).replace("%", "%%"))
        return cfg

    def script_location(self) -> Path:
        """The migrations folder alembic.ini names, checked: set, not empty, and holding env.py if it exists."""
        value = self.option("script_location")
        fix = "Point script_location in alembic.ini's [alembic] section at the folder holding env.py and versions/ (ours: migrations)."
        if value is None:
            raise ScriptLocationError(
                _("alembic.ini has no script_location setting in [alembic] (missing, or "
                  "its name is misspelled)."), fix)
        if not value.strip():
            raise ScriptLocationError(_("alembic.ini says script_location = (nothing): "
                                        "the setting is empty."), fix)
        folder = Path(value) if Path(value).is_absolute() else self.path / value
        if folder.is_dir() and not (folder / "env.py").is_file():
            raise ScriptLocationError(
                _("alembic.ini says script_location = {value}, but that folder holds no "
                  "env.py, so it is not a migrations folder.", value=value), fix)
        return folder

    # -- the revisions ------------------------------------------------------------------

    def script_directory(self) -> ScriptDirectory:
        """Alembic's view of migrations/: revisions, heads, the revision map.

        Kept between calls while alembic.ini and the files in versions/ are unchanged
        (names, sizes, modification times): loading every revision file again on each
        verb would be most of the verb's time.  Shared by every Project on the same
        alembic.ini in this process (a project opened again, or on another database).
        """
        cached = self._scripts or _LOADED.get(self._key)
        if cached is not None and cached[1] == self._signature(cached[0].versions):
            self._scripts = cached
            return cached[0]
        with translated(self):
            try:
                scripts = ScriptDirectory.from_config(self.config())
                oldest_first = list(scripts.walk_revisions())
            except SyntaxError as exc:
                raise RevisionError(
                    _("Revision file {name}, line {lineno} is not valid Python "
                      "(SyntaxError: {msg}), so no revision could be read (nothing ran).",
                      name=Path(exc.filename or '?').name, lineno=exc.lineno, msg=exc.msg),
                    _("Correct that line of the revision file (Python syntax), save it, "
                      "and run the command again."),
                ) from None
            except KeyError as exc:  # a down_revision that no file has
                raise self._missing_parent(str(exc.args[0])) from None
        oldest_first.reverse()
        self._scripts = _LOADED[self._key] = (scripts, self._signature(scripts.versions), oldest_first)
        return scripts

    @property
    def _key(self) -> str:
        return str(self.ini_path.resolve())

    def revisions(self) -> list[Script]:
        """Every revision, each after its parents (oldest first; branches and merges included)."""
        self.script_directory()
        return list(self._scripts[2])

    def revision_ids(self) -> list[str]:
        """The ids of every revision file, sorted."""
        return sorted(script.revision for script in self.revisions())

    def heads(self) -> list[str]:
        """The newest revision(s) in versions/ (``alembic heads``); two or more means a branch."""
        return sorted(self.script_directory().get_heads())

    def next_id(self) -> str:
        """The next readable id: one more than the highest numeric id (0001 in a new project)."""
        numbers = [int(rev) for rev in self.revision_ids() if rev.isdigit()]
        return f"{max(numbers, default=0) + 1:04d}"

    def _missing_parent(self, missing: str) -> RevisionError:
        children = []
        for path in sorted((self.script_location() / "versions").glob("*.py")):
            try:
                parents = Revision.from_file(path, self.path).down_revision
            except Exception:  # noqa: BLE001 - a file we cannot read here cannot be the child we look for
                continue
            if missing in (parents if isinstance(parents, tuple) else (parents,)):
                children.append(path.name)
        named = " and ".join(children) or "A revision file"
        return RevisionError(
            _("{named} names {missing!r} as its parent (down_revision), but no file in "
              "versions/ has that id (was it deleted or renamed?). Nothing ran.",
              named=named, missing=missing),
            _("Restore the revision file {missing} (e.g. from git), or point "
              "down_revision at the revision that now comes before it.", missing=missing),
        )

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

    # -- the database -------------------------------------------------------------------

    def current(self) -> str | tuple[str, ...] | None:
        """The revision the database is at (``alembic current``); None before the first."""
        with self.reader.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
        return as_current(heads)

    def current_heads(self) -> set[str]:
        """The revisions in ``alembic_version``, as a set (empty at base)."""
        current = self.current()
        return set(current) if isinstance(current, tuple) else {current} - {None}

    @contextmanager
    def transaction(self, **attributes) -> Iterator[Config]:
        """A Config carrying a live connection inside one transaction; errors translated, stdout quiet."""
        engine = self.engine
        try:
            with translated(self), engine.begin() as connection, _hushed(), \
                    expression_indexes_unreflected():
                yield self.config(connection=connection, **attributes)
        finally:
            engine.dispose()

    # -- moves --------------------------------------------------------------------------

    def steps(self, verb: str, target: str) -> list[Script]:
        """The revisions ``verb`` to ``target`` would run, in order, resolved as Alembic does."""
        _require_target(target)
        scripts = self.script_directory()
        current = tuple(sorted(self.current_heads()))
        with translated(self):
            if verb == "upgrade":
                found = scripts._upgrade_revs(target, current)
            elif verb == "downgrade":
                found = scripts._downgrade_revs(target, current or None)
            else:
                raise ValueError(_("plan() knows 'upgrade' and 'downgrade', not {verb!r}", verb=verb))
        return [step.revision for step in found]

    def plan(self, verb: str, target: str, acknowledge=()) -> Plan:
        """What ``verb`` to ``target`` would run, each step linted against this database's data."""
        return Plan.build(verb, target, self.steps(verb, target), self.url, acknowledge)

    def move(self, verb: str, target: str, backup=None, on_step=None, steps=None) -> Move:
        """Run ``alembic upgrade/downgrade/stamp target`` and say what it did, and how atomically.

        Normally the kit owns one transaction for the whole move and hands its connection
        to env.py: all or nothing.  A move with an ``autocommit_block`` (it must commit),
        or a project whose env.py opens its own connection to this database, runs the
        way Alembic runs it instead (env.py's transactions, often one per revision).
        ``on_step(revision, heads, connection)`` is called after each revision ran
        (Alembic's ``on_version_apply``): the checks take a snapshot there.  ``steps``: the
        revisions a plan already resolved (``plan.steps``), so they are not resolved twice.
        """
        _require_target(target)
        if steps is None:
            steps = [] if verb == "stamp" else self.steps(verb, target)
        if any(_commits_midway(script, verb) for script in steps):
            return self._move_by_alembic(verb, target, backup, handed=True, on_step=on_step,
                                         why=N_("a revision commits midway (autocommit_block)"))
        try:
            with self._progress(f"{verb} {target}"), self.transaction(load_models=False) as cfg:
                # Read inside the transaction (BEGIN IMMEDIATE): if another process migrated
                # while we waited for the lock, 'before' is what it left, not what we saw.
                context = MigrationContext.configure(cfg.attributes["connection"])
                before = as_current(context.get_current_heads())
                self._run_command(cfg, verb, target, on_step)
                after = as_current(context.get_current_heads())
        except _OwnConnection:  # env.py ignored our connection but works on this database: let it
            return self._move_by_alembic(verb, target, backup, handed=False, on_step=on_step,
                                         why=N_("env.py opens its own connection"))
        return self._moved(verb, before, after, backup, ATOMIC)

    def _move_by_alembic(self, verb: str, target: str, backup, *, handed: bool, why: str, on_step=None) -> Move:
        """The move as ``alembic upgrade`` runs it: env.py's own transactions; on failure, say what stayed."""
        before = self.current()
        engine = self.engine
        try:
            with engine.connect() as connection, translated(self, atomic=False), _hushed(), \
                    expression_indexes_unreflected():
                cfg = self.config(load_models=False, **({"connection": connection} if handed else {}))
                environment = self._run_command(cfg, verb, target, on_step, own_ok=True)
        except MigratorError as exc:
            after = self.current()
            stayed = self._moved(verb, before, after, None, "").steps
            kept = (ngettext("Revision {revisions} stayed applied", "Revisions {revisions} stayed applied",
                             len(stayed), revisions=", ".join(r for r, _step in stayed))
                    if stayed else _("No revision was recorded as applied"))
            if "autocommit_block" in why:  # what ran before the block committed, recorded or not
                kept += _(", but what the failing revision ran before its autocommit_block() was committed")
            raise type(exc)(_("{what} {kept} ({why}: Alembic's own transactions); the database is at {current}.",
                              what=exc.what, kept=kept, why=_(why), current=label(after)), exc.fix) from None
        finally:
            engine.dispose()
        per = "one transaction per revision" if environment.per_migration else "env.py's transaction"
        return self._moved(verb, before, self.current(), backup, f"{per} ({why})")

    def _moved(self, verb: str, before, after, backup, atomicity: str) -> Move:
        if verb == "stamp":
            return Move(verb, before, after, (), atomicity=atomicity)
        upper, lower = (after, before) if verb == "upgrade" else (before, after)
        walked = list(self.script_directory().iterate_revisions(upper or "base", lower or "base"))
        if verb == "upgrade":
            walked.reverse()
        return Move(verb, before, after, tuple((s.revision, s.doc) for s in walked), backup, atomicity)

    def generate(self, cfg: Config, message: str, *, autogenerate: bool, rev_id: str | None = None,
                 head: str = "head", splice: bool = False, process_revision_directives=None):
        """``alembic revision [--autogenerate]``, as ``command.revision`` does it, on the cached revisions."""
        scripts = self.script_directory()
        revision_context = RevisionContext(
            cfg, scripts,
            dict(message=message, autogenerate=autogenerate, sql=False, head=head, splice=splice,
                 branch_label=None, version_path=None, rev_id=rev_id, depends_on=None),
            process_revision_directives=process_revision_directives,
        )
        run = revision_context.run_autogenerate if autogenerate else revision_context.run_no_autogenerate
        if autogenerate or cfg.get_alembic_option("revision_environment") in ("true", "True", "1"):
            def retrieve(rev, context):
                run(rev, context)
                return []

            self._run_env(cfg, retrieve, own_ok=True, template_args=revision_context.template_args,
                          revision_context=revision_context)
        generated = list(revision_context.generate_scripts())
        self._scripts = None  # Alembic added the new revision to the cached map in place: load afresh
        _LOADED.pop(self._key, None)
        return generated[0] if len(generated) == 1 else generated

    def offline_sql(self, cfg: Config, revisions: str) -> None:
        """``alembic upgrade [start:]end --sql`` into ``cfg``'s output buffer, on the cached revisions."""
        scripts = self.script_directory()
        start, _sep, end = revisions.rpartition(":")
        self._run_env(cfg, lambda rev, context: scripts._upgrade_revs(end, rev), as_sql=True,
                      starting_rev=start or None, destination_rev=end)

    def _run_command(self, cfg: Config, verb: str, target: str, on_step=None, own_ok: bool = False) -> _Environment:
        """``alembic upgrade/downgrade/stamp target`` (online), as ``alembic.command`` runs it."""
        scripts = self.script_directory()
        if verb == "stamp":
            destination = (target,)
            return self._run_env(cfg, lambda rev, context: scripts._stamp_revs(destination, rev),
                                 own_ok=own_ok, destination_rev=destination, purge=False)
        if ":" in target:
            raise CommandError(_("Range revision not allowed"))
        resolve = scripts._upgrade_revs if verb == "upgrade" else scripts._downgrade_revs
        return self._run_env(cfg, lambda rev, context: resolve(target, rev), own_ok=own_ok,
                             destination_rev=target, on_step=on_step)

    def _run_env(self, cfg: Config, fn, own_ok: bool = False, on_step=None, **options) -> _Environment:
        """Run env.py inside an EnvironmentContext whose migration function is ``fn``."""
        scripts = self.script_directory()
        path = str(Path(scripts.dir) / "env.py")
        return _Environment(cfg, scripts, fn=fn, expected_url=self.url, own_ok=own_ok, on_step=on_step,
                            **options).run(path)

    def _progress(self, desc: str):
        """A progress bar while a move rewrites a large database (none for small ones or in tests)."""
        path = self.database_path
        if progress.quiet() or not path.is_file() or path.stat().st_size < LARGE_DATABASE:
            return nullcontext()
        return progress.watch(self.url, desc=desc)


class _ThreadHush(io.TextIOBase):
    """``sys.stdout`` while the kit runs Alembic: writes from a hushed thread are dropped, every
    other thread's go to the real stream. (``redirect_stdout`` swaps the stream for the whole
    process: a notebook cell printing while a move runs in a background thread lost its output.)"""

    def __init__(self, stream) -> None:
        self.stream, self.threads = stream, {}

    def write(self, text: str) -> int:
        if threading.get_ident() in self.threads:
            return len(text)
        return self.stream.write(text)

    def flush(self) -> None:
        if threading.get_ident() not in self.threads:  # a hushed thread's flush would send others' output early
            self.stream.flush()

    def __getattr__(self, name):  # encoding, isatty, fileno, ... of the real stream
        return getattr(self.stream, name)


_hush_lock = threading.Lock()


@contextmanager
def _hushed() -> Iterator[None]:
    """Alembic's messages on stdout dropped, for this thread only."""
    me = threading.get_ident()
    with _hush_lock:
        hush = sys.stdout if isinstance(sys.stdout, _ThreadHush) else _ThreadHush(sys.stdout)
        hush.threads[me] = hush.threads.get(me, 0) + 1
        sys.stdout = hush
    try:
        yield
    finally:
        with _hush_lock:
            hush.threads[me] -= 1
            if not hush.threads[me]:
                del hush.threads[me]
            if not hush.threads and sys.stdout is hush:
                sys.stdout = hush.stream


ATOMIC = "all or nothing (one transaction, the kit's)"
#: What env.py must do to run on the database the kit hands it (Alembic cookbook, "Sharing a Connection").
ENV_SNIPPET = (
    "in run_migrations_online(), before creating an engine: `connectable = config.attributes.get"
    "('connection')`; when it is not None, call `context.configure(connection=connectable, ...)` "
    "with it instead of your own engine's connection"
)


class _OwnConnection(Exception):
    """env.py connected to this same database by itself: run the move Alembic's way instead."""


class _Environment:
    """Runs env.py in Alembic's EnvironmentContext, checking what env.py configures before anything runs.

    The kit never reports on one database while env.py moves another: if env.py
    configures a connection that is not the one handed in, to another database, the
    command stops right there, inside ``context.configure()``.
    """

    def __init__(self, config: Config, scripts: ScriptDirectory, *, expected_url: str, own_ok: bool = False,
                 on_step=None, **options) -> None:
        self.context = EnvironmentContext(config, scripts, **options)
        # The alembic.context proxy copies the instance's attributes when entered: env.py's
        # context.configure() then reaches this check, after Alembic's own configure.
        self._configure = self.context.configure
        self.context.configure = self.configure
        self.expected_url = expected_url
        self.own_ok = own_ok  # reading (autogenerate) on env.py's own connection to this database is fine
        self.on_step = on_step
        self.per_migration = False

    def run(self, path: str) -> _Environment:
        # A stock env.py calls logging's fileConfig(alembic.ini): the CLI's INFO lines would land in
        # the notebook (and replace the kernel's logging setup). The kit's own env.py skips it when
        # told (configure_logger=False); for any other env.py it is a no-op while env.py runs.
        with self.context, mock_patch("logging.config.fileConfig", lambda *args, **kwargs: None):
            exec(_env_code(path), {"__name__": "env_py", "__file__": path})  # noqa: S102 - the project's own env.py
        return self

    def configure(self, *args, **kwargs) -> None:
        handed_models = self.context.config.attributes.get("target_metadata")
        if kwargs.get("target_metadata") is None and handed_models is not None:
            kwargs["target_metadata"] = handed_models  # an env.py that knows no models gets the kit's
        if self.on_step is not None:
            theirs = kwargs.get("on_version_apply")

            def applied(ctx, step, heads, run_args):
                if theirs is not None:
                    theirs(ctx=ctx, step=step, heads=heads, run_args=run_args)
                self.on_step(step, frozenset(heads), ctx.connection)

            kwargs["on_version_apply"] = applied
        self._configure(*args, **kwargs)
        if self.context.is_offline_mode():
            return
        migration = self.context.get_context()
        self.per_migration = bool(migration.opts.get("transaction_per_migration"))
        handed = self.context.config.attributes.get("connection")
        used = migration.connection
        if handed is not None and (used is handed or getattr(used, "connection", None) is getattr(handed, "connection", 0)):
            return
        if same_database(used.engine.url, self.expected_url):
            if handed is not None and not self.own_ok:
                raise _OwnConnection()
            return
        raise EnvironmentMismatchError(
            _("env.py connected to {mask_url} by itself, not to {mask_url2}, the "
              "database the kit was asked to use; nothing ran on either.",
              mask_url=mask_url(used.engine.url), mask_url2=mask_url(self.expected_url)),
            _("Let env.py use the connection it is handed: {ENV_SNIPPET}. Or open the "
              "project without database= (then the kit uses the database env.py chooses).",
              ENV_SNIPPET=ENV_SNIPPET),
        )


def _commits_midway(script: Script, function: str) -> bool:
    """Does ``upgrade()`` (or ``downgrade()``) use ``autocommit_block()``? It commits what ran before it."""
    try:
        source = Path(script.path).read_text()
        tree = ast.parse(source)
    except (OSError, SyntaxError):
        return False
    return any(
        isinstance(node, ast.FunctionDef) and node.name == function
        and "autocommit_block" in (ast.get_source_segment(source, node) or "")
        for node in tree.body
    )


def _require_target(target) -> None:
    if not isinstance(target, str) or not target.strip():
        raise RevisionError(
            _("{target!r} names no revision: a move needs a target.", target=target),
            _("Use 'head', a revision id (ws.history() lists them), 'base', or a "
              "relative step like '+1' or '-1'."),
        )


def _env_code(path: str):
    """env.py compiled, from a cache kept while the file's modification time and size are unchanged."""
    stat = os.stat(path)
    signature = (stat.st_mtime_ns, stat.st_size)
    cached = _ENV_CODE.get(path)
    if cached is None or cached[0] != signature:
        with open(path, encoding="utf-8") as handle:
            cached = _ENV_CODE[path] = (signature, compile(handle.read(), path, "exec"))
    return cached[1]
