"""``Workspace``: an isolated Alembic project with its own SQLite file, and the workflow verbs.

A workspace is a folder laid out like the repository itself (see ``migrator.scaffold``)::

    workspaces/<name>/  alembic.ini, migrations/ (env.py, script.py.mako, versions/), models.py, app.db

Every verb calls Alembic in-process (``alembic.command``, ``ScriptDirectory``,
autogenerate) with a live connection handed to ``env.py`` through
``config.attributes``.  Each command runs in one SQLite transaction: if anything
fails, the database is left exactly as it was and the error says how to fix it.
The shared machinery (config, revisions, transactions, plans) is ``Project``'s;
this class holds the verbs only, each named for a step of the workflow.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from alembic import command

from . import backup as _backup
from . import pgbackup as _pgbackup
from . import checks as _checks
from . import diagrams as _diagrams
from . import environments as _environments
from . import lint as _lint
from . import schema as _schema
from . import scaffold
from .app import Bookshop
from .database import mask_url
from .diagrams import Diagram
from .errors import BackupError, NoChangesError, UnknownRevisionError, WorkspaceError
from .i18n import _
from .loader import load_models
from .project import Project
from .results import Move, Revision, label
from .translate import known_revisions, translated


class Workspace(Project):
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
        super().__init__(scaffold.prepare(name, root, reset=reset, starter=starter))
        self.name = name

    @classmethod
    def open(cls, path: str | Path, *, database: str | Path | None = None, models: str | None = None) -> Workspace:
        """Use any Alembic project folder (the repository root, your own project) as a workspace.

        ``models`` names the models when alembic.ini does not: a file, or an import path
        such as ``"myapp.db:Base.metadata"``.
        """
        ws = cls.__new__(cls)  # a Workspace has no state of its own: Project's is all of it
        Project.__init__(ws, path, database=database, models=models)
        return ws

    def __repr__(self) -> str:
        return f"Workspace({self.name!r}, path={self.path.as_posix()!r})"

    # -- steps 1 and 2: the models --------------------------------------------------------

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
                _("{name} contains the text to replace {count} times, not once: {strip!r}.",
                  name=self.models_path.name, count=count, strip=old.strip()),
                _("Copy the exact text from the file (ws.read_models()), with enough of "
                  "it to be unique."),
            )
        return self.write_models(source.replace(old, new))

    def load_models(self):
        """The models file, executed fresh: what autogenerate and the app will see."""
        return load_models(self.models_path)

    # -- step 3: revisions ----------------------------------------------------------------

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

        with self.transaction(**({"target_metadata": self.metadata()} if autogenerate else {"load_models": False})) as cfg:
            script = self.generate(
                cfg, message, autogenerate=autogenerate, head=head, splice=splice,
                rev_id=self.next_id(), process_revision_directives=keep_unless_empty,
            )
        if not script:  # [] when keep_unless_empty dropped the empty revision
            raise NoChangesError(
                _("Autogenerate found no difference between {name} and the database, so "
                  "no revision was written.", name=self.models_path.name),
                _("Edit {name} and save it first; to write an empty revision for "
                  "hand-written operations, pass autogenerate=False.", name=self.models_path.name),
            )
        ops = found.get("ops")
        findings = _lint.lint_ops(ops, self.url, revision=script.revision) if autogenerate else ()
        return Revision.from_file(Path(script.path), self.path, ops=ops, findings=findings)

    def merge(self, message: str = "merge heads", revisions: str | list[str] = "heads") -> Revision:
        """Join branched heads with a merge revision (``alembic merge``)."""
        with self.transaction() as cfg:
            script = command.merge(cfg, revisions, message=message, rev_id=self.next_id())
        return Revision.from_file(Path(script.path), self.path)

    def lint(self, revision: str = "head") -> _lint.Findings:
        """What the linter finds in a revision file, judged against this database's data."""
        scripts = self.script_directory()
        with translated(self):
            script = scripts.get_revision(revision)
        if script is None:  # 'base' is a place in the history, not a file
            raise UnknownRevisionError(
                _("{revision!r} names no revision file, so there is nothing to lint.", revision=revision),
                _("Pass a revision id ({known_revisions}) or 'head'.", known_revisions=known_revisions(self)),
            )
        return _lint.lint_script(script, self.url)

    # -- step 4: moves --------------------------------------------------------------------

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
        plan = self.plan("upgrade", target, acknowledge)
        plan.refuse()
        made = self._backup_first(backup) if backup is not False else None
        return self.move("upgrade", target, backup=made, steps=plan.steps)

    def downgrade(self, target: str = "-1") -> Move:
        """Step 4 in reverse (``alembic downgrade``): '-1' by default, or an id, or 'base'.

        Not linted: a downgrade is the revision's own undo, written together with the
        upgrade, and it removes what the upgrade added. Gating it would make every
        downgrade ask for an acknowledgement and teach people to acknowledge unread.
        Back up first (``ws.backup()``) when the data added since matters.
        """
        return self.move("downgrade", target)

    def stamp(self, target: str) -> Move:
        """Set ``alembic_version`` without running revisions (``alembic stamp``)."""
        return self.move("stamp", target)

    def sql(self, revisions: str = "base:head", *, dialect: str | None = None) -> str:
        """The SQL an upgrade would run, as text for review (``alembic upgrade --sql``)."""
        buffer = io.StringIO()
        url = f"{dialect}://" if dialect else self.url
        cfg = self.config(output_buffer=buffer, url=url, load_models=False)
        with translated(self, atomic=False):  # offline: nothing ran, so nothing was rolled back either
            self.offline_sql(cfg, revisions)
        return buffer.getvalue()

    # -- steps 5 to 7: the app, the checks, the data ----------------------------------------

    def app(self) -> Bookshop:
        """Step 5: (re)load the app, so its code uses the models as saved now."""
        return Bookshop(self.engine, self.load_models())

    def run_checks(self) -> pd.DataFrame:
        """Step 6: the four standard migration checks, on a scratch database."""
        return _checks.run_checks(self)

    def check(self) -> pd.DataFrame:
        """Differences between the models and the database (``alembic check``); empty if none."""
        found = {}

        def keep_nothing(context, revision, directives):
            found["ops"] = directives[0].upgrade_ops
            directives[:] = []

        with self.transaction(target_metadata=self.metadata()) as cfg:
            self.generate(cfg, "check", autogenerate=True, process_revision_directives=keep_nothing)
        return _schema.diffs_frame(found["ops"].as_diffs())

    def history(self) -> pd.DataFrame:
        """All revisions, oldest first, the current one marked (``alembic history``)."""
        return _schema.history_frame(self.revisions(), set(self.heads()), self.current_heads())

    def versions(self) -> pd.DataFrame:
        """The files in versions/: file name, revision, down_revision, message."""
        return _schema.versions_frame(self.revisions(), self.script_directory().versions)

    def version_table(self) -> pd.DataFrame:
        """The rows of ``alembic_version``: exactly one, the current revision, once upgraded."""
        return _schema.version_table(self.reader)

    def tables(self) -> pd.DataFrame:
        """Every table in the database with its column and row counts."""
        return _schema.tables(self.reader)

    def columns(self, table: str) -> pd.DataFrame:
        """The columns of ``table`` as the database has them."""
        return _schema.columns(self.reader, table)

    def rows(self, table: str, limit: int | None = _schema.ROWS_SHOWN) -> pd.DataFrame:
        """The rows of ``table`` in primary-key order: the first 1,000 (and it says so), or ``limit=None`` for all."""
        return _schema.rows(self.reader, table, limit)

    def er_diagram(self) -> Diagram:
        """The schema as it is now, as a Mermaid ER diagram (drawn by JupyterLab)."""
        return _diagrams.er_diagram(self.reader)

    def revision_graph(self) -> Diagram:
        """The revisions as a Mermaid graph: branches, merges, the current one marked."""
        return _diagrams.revision_graph(self.revisions(), self.current_heads())

    def explorer(self, **options):
        """An interactive explorer (ipywidgets): move through the revisions, watch schema and data."""
        from .widgets import Explorer  # ipywidgets loads only when the explorer is wanted

        return Explorer(self, **options)

    # -- step 8: backups and environments -------------------------------------------------

    def backup(self) -> _backup.Backup:
        """Back up the database and verify the copy: ``backups/<db>-<revision>-<UTC time>.db``
        (SQLite's backup API) or ``.dump`` (pg_dump, verified by restoring it into a scratch database)."""
        if self._on_postgres():
            return _pgbackup.make_backup(self.url, self.path / _backup.FOLDER, label(self.current()))
        return _backup.make_backup(self.database_path, label(self.current()))

    def backups(self) -> pd.DataFrame:
        """The backups of this database, oldest first."""
        if self._on_postgres():
            return _pgbackup.list_backups(self.url, self.path / _backup.FOLDER)
        return _backup.list_backups(self.database_path)

    def verify(self, backup: _backup.Backup | str | Path) -> _backup.Verification:
        """Check that ``backup`` holds exactly this database: schema, rows, content (and SQLite's integrity).

        Raises BackupError when it does not: a backup you cannot trust is not a backup.
        """
        if self._on_postgres():
            result = _pgbackup.verify(self._backup_file(backup), self.url)
        else:
            result = _backup.verify(self._backup_file(backup), self.database_path)
        if not result.ok:
            raise BackupError(
                _("{copy} does not match {database}: {problems}.",
                  copy=result.copy, database=result.database, problems='; '.join(result.problems)),
                _("If the database changed since (an upgrade, new rows), that is "
                  "expected: make a fresh backup with ws.backup(). If the backup file is "
                  "damaged, use another (ws.backups())."),
            )
        return result

    def restore(self, backup: _backup.Backup | str | Path, *, force: bool = False) -> _backup.Verification:
        """Write ``backup`` back over this database, then verify they are the same.

        The backup is checked against the fingerprint stored when it was made before
        anything is written; a backup of another database needs ``force=True``.  A
        restore throws away every write since the backup: stop writes first.
        """
        if self._on_postgres():
            return _pgbackup.restore(self._backup_file(backup), self.url, force=force)
        return _backup.restore(self._backup_file(backup), self.database_path, force=force)

    def fingerprint(self) -> pd.DataFrame:
        """Each table's row count and content hash: equal fingerprints, equal data."""
        return self.content().frame()

    def content(self) -> _backup.Fingerprint:
        """The database summed up (schema, each table's rows and content hash), as backups record it."""
        if self._on_postgres():
            return _pgbackup.fingerprint(self.url)
        return _backup.fingerprint(self.database_path)

    def add_environment(self, name: str, database: str | Path) -> str:
        """Name a database of this project (``'prod'``): a path or a URL, saved in alembic.ini.

        URLs with a password are refused (alembic.ini is committed): set
        ``MIGRATOR_<NAME>_URL`` instead, which also wins over alembic.ini.
        """
        return _environments.add(self, name, database)

    def environment(self, name: str) -> Workspace:
        """The same project on environment ``name``'s database: ``ws.environment('prod').current()``."""
        return self.with_database(_environments.resolve(self, name)[0])

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
        verified (head, models = schema, no table lost rows; SQLite's integrity check). An upgrade
        that fails rolls back and nothing is restored (prod is compared with the backup by content
        hash); a failure after the commit restores the backup, and the error says so.
        ``dry_run=True`` stops after the review.
        """
        return _environments.promote(self, target, source=source, acknowledge=acknowledge, dry_run=dry_run)

    def _backup_first(self, backup) -> _backup.Backup | None:
        if backup is True:
            backend = sa.make_url(self.url).get_backend_name()
            if backend not in ("sqlite", "postgresql"):
                raise BackupError(
                    _("upgrade(backup=True) backs up SQLite and PostgreSQL databases, "
                      "and this one is {mask_url}; nothing was upgraded.", mask_url=mask_url(self.url)),
                    _("Back it up with its own tool first, then upgrade without backup=True."),
                )
            if backend == "sqlite":
                path = self.database_path
                if not path.is_file() or path.stat().st_size == 0:
                    return None  # an empty database has nothing to protect
            return self.backup()
        self.verify(backup)  # a stale or damaged backup stops the upgrade
        return backup

    def _backup_file(self, backup) -> Path:
        """A Backup's file; a path as ``ws.backups()`` lists it (``backups/...``) is found next to the
        database (SQLite) or in the project (PostgreSQL), wherever the notebook runs."""
        path = _backup_path(backup)
        if path.is_absolute() or path.exists():
            return path
        home = self.path if self._on_postgres() else self.database_path.parent
        return home / path if (home / path).exists() else path

    def _on_postgres(self) -> bool:
        return sa.make_url(self.url).get_backend_name() == "postgresql"


def _backup_path(backup) -> Path:
    return Path(backup.path) if isinstance(backup, _backup.Backup) else Path(backup)
