"""Backups of a SQLite database: make one, verify it, restore it.

What "verified" means, here and in every message: a backup is taken with SQLite's online
backup API. Before a restore it must pass ``integrity_check``, and its fingerprint must equal
the one stored when it was made: the schema; every table, including ``sqlite_sequence`` and
tables that only look like SQLite's own; row counts; a content hash of each row's values and
storage types. After a restore, the live database has that fingerprint. A backup that fails
any of this is never restored, and the database is left exactly as it was. ``verify`` uses the
same definition.

- ``make_backup`` copies the database with SQLite's *online backup API*
  (``sqlite3.Connection.backup``) inside one read transaction: consistent while other
  connections use the file, and it never takes the write lock. The copy is named by database,
  revision and time (UTC) and kept in a ``backups/`` folder next to the database:
  ``backups/app-0003-20261123T235959.db``, with its manifest beside it,
  ``backups/app-0003-20261123T235959.db.json`` (the database it came from, revision, time and
  fingerprint). The copy is written under a temporary name, checked, its manifest written and
  flushed, and only then renamed: a ``.db`` file in ``backups/`` always has its manifest.
- ``verify`` compares a copy with a database inside SQLite (the copy ATTACHed, the tables
  joined, values compared byte for byte and by ``typeof``), so no row is read into Python.
- ``fingerprint`` sums a database up: integrity, schema, and per table the row count and a
  SHA-256 of the rows, hashed in chunks straight from a cursor (a few MB for millions of rows).
- ``restore`` checks the backup against its manifest, writes it back over the database
  (the backup API again, in the other direction) and checks the database's fingerprint after.
  It refuses a backup of another database unless ``force=True``, and gives up after
  ``timeout`` seconds if another connection keeps the database busy.

SQLite's own bookkeeping is left out: the schema table, the planner's statistics
(``sqlite_stat1``..``4``, rewritten by ANALYZE) and the automatic indexes of UNIQUE and
PRIMARY KEY constraints (implied by the table). Needs SQLite 3.39 or newer (FULL JOIN).

Progress bars (tqdm) show while copying, unless ``MIGRATOR_QUIET=1``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import BackupError
from .i18n import N_, _, ngettext

FOLDER = "backups"
#: Where a row count was taken, in compare_fingerprints' problems ("books: 3 rows in the copy, 4 in the database").
ROW_COUNTS = N_("{table}: {copied} rows {here}, {rows} {there}")
IN_THE_COPY, IN_THE_DATABASE = N_("in the copy"), N_("in the database")
IN_THE_FILE, IN_THE_BACKUP, IN_THE_DUMP = N_("in the file"), N_("in the backup"), N_("in the dump")
WHEN_IT_WAS_MADE = N_("when it was made")
PAGES_PER_STEP = 256  # 1 MB with SQLite's default 4 KB pages: a smooth progress bar
CHUNK_ROWS = 5000
#: How a fingerprint's ``integrity`` starts where the engine has no integrity check (PostgreSQL).
NOT_CHECKED = "not checked"
NAME = re.compile(r"(?P<database>.+)-(?P<revision>[^-]+)-(?P<created>\d{8}T\d{6})(?:-\d+)?\.db")


@dataclass(frozen=True)
class TablePrint:
    """One table's fingerprint: its row count and a hash of its content."""

    table: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Fingerprint:
    """A database summed up: integrity, schema, and each table's rows and content hash.

    ``schema`` holds ``(type, name, sql)`` of every object but SQLite's own; ``tables`` every
    table that holds data (``sqlite_sequence`` too), by name.
    """

    integrity: str
    schema: tuple[tuple[str, str, str], ...]
    tables: tuple[TablePrint, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def table(self, name: str) -> TablePrint | None:
        return next((t for t in self.tables if t.table == name), None)

    def frame(self) -> pd.DataFrame:
        """One row per table: rows and the first 16 hex digits of its content hash."""
        return pd.DataFrame(
            [{"table": t.table, "rows": t.rows, "sha256": t.sha256[:16]} for t in self.tables],
            columns=["table", "rows", "sha256"],
        )


@dataclass(frozen=True)
class Backup:
    """A verified copy of a database, made before something risky (``database`` is where it came from)."""

    path: Path
    database: Path | str  # a SQLite file, or a PostgreSQL URL (password masked)
    revision: str
    created: str  # UTC, as in the file name: 20261123T235959
    fingerprint: Fingerprint = field(repr=False, compare=False)

    @property
    def file(self) -> str:
        """Where it is, relative to the database's folder: ``backups/<name>``."""
        return f"{FOLDER}/{self.path.name}"

    @property
    def manifest(self) -> Path:
        """The JSON file beside it that says what it is: ``backups/<name>.json``."""
        return _manifest_path(self.path)

    @property
    def source(self) -> str:
        """The database it came from, as shown: a file's name, or a masked URL."""
        return self.database.name if isinstance(self.database, Path) else self.database

    def __repr__(self) -> str:
        return f"Backup({self.file!r}, of={self.source!r}, revision={self.revision!r})"

    def _repr_markdown_(self) -> str:
        tables = len(self.fingerprint.tables)
        return _("**Backup** `{file}` of `{source}` at revision `{revision}` ({created} UTC): {tables}, "
                 "{rows:,} rows; integrity {integrity}, verified against the database.",
                 file=self.file, source=self.source, revision=self.revision, created=self.created,
                 tables=ngettext("{count} table", "{count} tables", tables, count=tables),
                 rows=self.fingerprint.rows, integrity=_(self.fingerprint.integrity))  # 'ok', or pgbackup.INTEGRITY


@dataclass(frozen=True)
class Verification:
    """The result of comparing a copy with the database it should equal."""

    copy: str
    database: str
    problems: tuple[str, ...]
    comparison: pd.DataFrame = field(repr=False, compare=False)
    integrity: str = N_("integrity ok, ")  # what was checked beyond the content ("" where the engine has no check)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else "FAILED: " + "; ".join(self.problems)
        return f"Verification of {self.copy} against {self.database}: {verdict}"

    def _repr_markdown_(self) -> str:
        if self.ok:
            head = _("✓ **Verified:** `{copy}` matches `{database}`: {integrity}same schema, "
                     "same rows and content in {count} tables.", copy=self.copy, database=self.database,
                     integrity=_(self.integrity) if self.integrity else "", count=len(self.comparison))
        else:
            head = _("✗ **Verification failed:** `{copy}` does not match `{database}`:",
                     copy=self.copy, database=self.database) + "\n\n" + "\n".join(
                f"- {p}" for p in self.problems
            )
        return head + "\n\n" + markdown_table(self.comparison)


# -- the verbs ------------------------------------------------------------------------


def make_backup(database: str | Path, revision: str = "unknown", *, quiet: bool | None = None,
                timeout: float = 30.0) -> Backup:
    """Copy ``database`` into ``backups/`` next to it, verify the copy, write its manifest, return it.

    Only reads the database (a pending writer does not stop it; its uncommitted rows are not
    copied). Raises ``BackupError`` (and leaves no file behind) if the copy cannot be made,
    does not match the database, or another connection locks even readers out for ``timeout`` s.
    """
    database = Path(database)
    if not database.is_file():
        raise BackupError(
            _("There is no database file {name} to back up.", name=database.name),
            _("Check the environment's URL (ws.environments()); upgrading creates the file."),
        )
    created = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    folder = database.parent / FOLDER
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise BackupError(
            _("Cannot create the backup folder {FOLDER}/ next to {name}: {strerror}.",
              FOLDER=FOLDER, name=database.name, strerror=exc.strerror),
            _("Make sure {FOLDER} is a writable folder (not a file) next to the database.", FOLDER=FOLDER),
        ) from None
    target = _free_name(folder, f"{database.stem}-{_safe(revision)}-{created}")
    partial = _partial(target)
    try:
        with closing(_connect(database, timeout=timeout)) as source:
            source.execute("BEGIN")  # a read transaction: the copy and its check see one state
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            with closing(sqlite3.connect(partial)) as copy:
                _copy(source, copy, _("backing up {name}", name=database.name), quiet, timeout)
            expected = _fingerprint(source)
            source.rollback()
        problems = compare_fingerprints(fingerprint(partial), expected)
        if problems:
            raise BackupError(
                _("The backup of {name} does not match the database: {problems}. It was deleted.",
                  name=database.name, problems='; '.join(problems)),
                _("Run the backup again; if it keeps failing, check the disk (space, errors)."),
            )
        backup = Backup(target, database, revision, created, expected)
        write_manifest(backup)  # first the manifest, then the name: a backup never lacks its manifest
        try:
            partial.rename(target)
        except OSError:
            backup.manifest.unlink(missing_ok=True)
            raise
    except (sqlite3.Error, UnicodeError, _TimedOut) as exc:
        if isinstance(exc, _TimedOut) or (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in BUSY:
            raise BackupError(
                _("Another connection kept {name} locked for {timeout:g} s, so no backup "
                  "was made. Nothing was changed.", name=database.name, timeout=timeout),
                _("Close the other connection/notebook, then back up again."),
            ) from None
        raise BackupError(
            _("Backing up {name} failed: {exc}. Nothing was changed.", name=database.name, exc=exc),
            _("Check that the file is a SQLite database and the disk has room, then try again."),
        ) from None
    except OSError as exc:
        raise BackupError(
            _("Writing the backup of {name} failed: {strerror}. Nothing was changed.",
              name=database.name, strerror=exc.strerror or exc),
            _("Make sure {FOLDER}/ is writable and the disk has room, then try again.", FOLDER=FOLDER),
        ) from None
    finally:
        partial.unlink(missing_ok=True)
        _partial(_manifest_path(target)).unlink(missing_ok=True)
    return backup


def verify(copy: str | Path, database: str | Path) -> Verification:
    """Does ``copy`` hold exactly what ``database`` holds? (integrity, schema, rows, content)

    The copy is ATTACHed to the database and compared inside SQLite, table by table and
    row by row (paired on the row id or the primary key, see ``_differing_rows``), each
    value byte for byte and by storage type: no row is read into Python, so a 1M-row
    table costs about one scan of each file.
    """
    copy, database = Path(copy), Path(database)
    if not copy.is_file():
        return _verification(copy, database, [_("integrity check: missing: no such file")], [])
    try:
        with closing(_connect(_read_only(database), uri=True)) as connection:
            connection.execute("ATTACH DATABASE ? AS copy", (_read_only(copy),))
            problems = [row[0] for row in connection.execute("PRAGMA copy.integrity_check(5)")]
            if problems != ["ok"]:
                return _verification(copy, database, [_("integrity check: damaged: {problems}", problems="; ".join(problems))], [])
            try:
                return _verification(copy, database, *_compare_attached(connection))
            except (sqlite3.DatabaseError, UnicodeError) as exc:  # the copy is sound: the comparison failed
                return _verification(copy, database, [_("comparison failed: {exc}", exc=exc)], [])
    except (sqlite3.DatabaseError, UnicodeError) as exc:
        return _verification(copy, database, [_("integrity check: unreadable: {exc}", exc=exc)], [])


def _compare_attached(connection: sqlite3.Connection) -> tuple[list[str], list[dict]]:
    """Schema, then each table's row counts and differing rows: main against copy."""
    problems, records = [], []
    schema_changes = _schema_changes(connection)
    if schema_changes:
        problems.append(_("different schema ({names})", names=", ".join(schema_changes)))
    ours = {t.name: t for t in _tables(connection, "main")}
    theirs = {t.name: t for t in _tables(connection, "copy")}
    for table in sorted(ours.keys() | theirs.keys()):
        quoted = _quote(table)
        rows = connection.execute(f"SELECT count(*) FROM main.{quoted}").fetchone()[0] if table in ours else None
        copied = connection.execute(f"SELECT count(*) FROM copy.{quoted}").fetchone()[0] if table in theirs else None
        if rows is None or copied is None:  # a whole table missing: already a schema difference
            records.append({"table": table, "rows (database)": rows, "rows (copy)": copied, "same content": False})
            continue
        comparable = ours[table] == theirs[table]  # same columns and key: rows can be paired
        same = rows == copied and comparable and _differing_rows(connection, ours[table]) == 0
        if rows != copied:
            problems.append(_(ROW_COUNTS, table=table, copied=copied, here=_(IN_THE_COPY), rows=rows,
                              there=_(IN_THE_DATABASE)))
        elif comparable and not same:
            problems.append(_("{table}: same row count, different content", table=table))
        records.append({"table": table, "rows (database)": rows, "rows (copy)": copied, "same content": same})
    return problems, records


def _schema_changes(connection: sqlite3.Connection) -> list[str]:
    """How the copy's schema differs from main's, by name: ``ix_extra``, ``books: column isbn only in the database``."""
    ours = {name: (kind, sql) for kind, name, sql in _schema(connection, "main")}
    theirs = {name: (kind, sql) for kind, name, sql in _schema(connection, "copy")}
    changes = []
    for name in sorted(ours.keys() | theirs.keys()):
        if name not in ours or name not in theirs:
            changes.append(name)  # only on one side
        elif ours[name] != theirs[name]:
            both_tables = ours[name][0] == theirs[name][0] == "table"
            changes.append(f"{name}: {_table_changes(connection, name) if both_tables else _('definition differs')}")
    return changes


def _table_changes(connection: sqlite3.Connection, table: str) -> str:
    """How a table's columns differ between main and copy, in words."""
    def columns(database: str) -> dict:
        query = "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?, ?)"
        return {row[0]: row[1:] for row in connection.execute(query, (table, database))}

    def listed(names: list[str], how: str) -> str:
        return ngettext("column {names} {how}", "columns {names} {how}", len(names), names=", ".join(names), how=how)

    ours, theirs = columns("main"), columns("copy")
    parts = []
    if added := [c for c in ours if c not in theirs]:
        parts.append(listed(added, _("only in the database")))
    if dropped := [c for c in theirs if c not in ours]:
        parts.append(listed(dropped, _("only in the copy")))
    if changed := [c for c in ours if c in theirs and ours[c] != theirs[c]]:
        parts.append(listed(changed, _("declared differently")))
    if not parts:
        parts.append(_("columns in another order") if list(ours) != list(theirs) else _("definition differs"))
    return _(" and ").join(parts)


def _differing_rows(connection: sqlite3.Connection, table: _Table) -> int:
    """Rows of ``table`` that differ between main and copy (which have as many rows).

    Rows are paired by their key; else by their position in the hash's row order, so
    verify and the fingerprint judge alike. A hidden row id is tried as a key first: if
    every row pairs up unchanged, the order is the same too (and this is the fast case).
    """
    quoted = _quote(table.name)
    differs = [_differs(_quote(c)) for c in table.columns]
    if table.key or table.rowid:
        keys = table.key or (table.rowid,)
        join = " AND ".join(f"a.{k} = b.{k}" for k in keys)
        unpaired = [f"a.{keys[0]} IS NULL", f"b.{keys[0]} IS NULL"]
        query = (f"SELECT count(*) FROM main.{quoted} AS a FULL JOIN copy.{quoted} AS b ON {join} "
                 f"WHERE {' OR '.join(unpaired + differs)}")
        found = connection.execute(query).fetchone()[0]
        if table.key or not found:
            return found
    number = _quote(_unused("n", table.columns))
    a, b = (f"(SELECT row_number() OVER (ORDER BY {table.order}) AS {number}, * FROM {side}.{quoted})"
            for side in ("main", "copy"))
    # positions 1..n on both sides pair up exactly; an inner join lets SQLite index b on the fly
    query = f"SELECT count(*) FROM {a} AS a JOIN {b} AS b ON a.{number} = b.{number} WHERE {' OR '.join(differs)}"
    return connection.execute(query).fetchone()[0]


def _differs(column: str) -> str:
    """SQL: is ``column`` not the same in rows a and b? Same value byte for byte AND same storage type.

    The column's collation and affinity would call 'abc' and 'ABC' equal under NOCASE, or 1 and 1.0
    across INTEGER and REAL: BINARY and typeof() see the difference.
    """
    return f"a.{column} IS NOT b.{column} COLLATE BINARY OR typeof(a.{column}) IS NOT typeof(b.{column})"


def _verification(copy: Path, database: Path, problems: list[str], records: list[dict]) -> Verification:
    frame = pd.DataFrame(records, columns=["table", "rows (database)", "rows (copy)", "same content"])
    return Verification(_label(copy), database.name, tuple(problems), frame)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def restore(backup: Backup | str | Path, database: str | Path, *, quiet: bool | None = None,
            force: bool = False, timeout: float = 30.0) -> Verification:
    """Write ``backup`` back over ``database``, then check the database has the backup's fingerprint.

    Before anything is written the backup must pass ``integrity_check`` and match the
    fingerprint in its manifest; otherwise ``BackupError``, and the database is unchanged.
    A backup of another database (its manifest says where it came from) needs ``force=True``;
    force never skips the checks. If another connection keeps the database busy for ``timeout``
    seconds (an open transaction, e.g. in another notebook), the restore gives up, unchanged.
    """
    path = Path(backup.path if isinstance(backup, Backup) else backup)
    database = Path(database)
    label, name = _label(path), database.name

    def refuse(reason: str, fix: str | None = None) -> None:
        """Stop, the database untouched: ``reason`` and ``fix`` are already in the kit's language."""
        raise BackupError(_("The backup {label} {reason}, so it was not restored: {name} "
                            "is unchanged.", label=label, reason=reason, name=name),
                          fix or _("Restore an older backup (ws.backups() lists them)."))

    if path.resolve() == database.resolve() or (path.exists() and database.exists() and path.samefile(database)):
        refuse(_("is the database itself"), _("Pass a backup from backups/ (ws.backups() lists them) and the database "
                                              "to restore it over."))  # copying a file onto itself would wait for its own lock forever
    if not path.is_file():
        refuse(_("is damaged (missing: no such file)"))
    if path.stat().st_size == 0:
        refuse(_("is damaged (an empty file)"))
    with closing(_connect(_read_only(path), uri=True, timeout=timeout)) as source:
        try:
            source.execute("BEGIN")  # one read transaction: what is checked is what is copied
            found = _fingerprint(source)
        except (sqlite3.DatabaseError, UnicodeError) as exc:
            refuse(_("is damaged (unreadable: {exc})", exc=exc))
        if found.integrity != "ok":
            refuse(_("is damaged ({integrity})", integrity=found.integrity))
        try:
            saved = read_manifest(path)
        except FileNotFoundError:
            refuse(_("has no manifest ({name})", name=_manifest_path(path).name), _(NO_MANIFEST))
        except ValueError as exc:
            refuse(_("has an unreadable manifest ({name}: {exc})", name=_manifest_path(path).name, exc=exc), _(NO_MANIFEST))
        if not force and not _same_database(saved, database):
            refuse(_("was made of {source} ({path}), not of {name}", source=saved.database.name, path=saved.database,
                     name=name),
                   _("Restore a backup of {name} (ws.backups() lists them), or pass force=True to restore this one "
                     "over it on purpose.", name=name))
        if isinstance(backup, Backup) and backup.fingerprint != saved.fingerprint:
            refuse(_("does not match its manifest (they describe different data)"), _(NO_MANIFEST))
        problems = compare_fingerprints(found, saved.fingerprint, IN_THE_FILE, WHEN_IT_WAS_MADE)
        if problems:
            refuse(_("is damaged (it no longer matches the fingerprint stored when it was made: {problems})",
                     problems="; ".join(problems)))
        existed = database.exists()
        try:
            with closing(sqlite3.connect(database, timeout=timeout)) as target:
                _copy(source, target, _("restoring {name}", name=name), quiet, timeout)
        except _TimedOut:
            raise BackupError(
                _("Another connection kept {name} busy for {timeout:g} s, so {label} was "
                  "not restored: {name} is unchanged.", name=name, timeout=timeout, label=label),
                _("Close the other connection/notebook, then restore again."),
            ) from None
        except sqlite3.Error as exc:
            if not existed:
                database.unlink(missing_ok=True)
            raise BackupError(
                _("Restoring {label} over {name} failed: {exc}.", label=label, name=name, exc=exc),
                _("Make sure no other program holds the database open, then restore again."),
            ) from None
    after = fingerprint(database)
    problems = compare_fingerprints(after, saved.fingerprint, IN_THE_DATABASE, IN_THE_BACKUP)
    if problems:
        raise BackupError(
            _("After restoring, {name} does not match {label}: {problems}.",
              name=name, label=label, problems='; '.join(problems)),
            _("Restore again; if it keeps failing, copy the backup file over the "
              "database by hand."),
        )
    records = [{"table": t.table, "rows (database)": t.rows, "rows (copy)": t.rows, "same content": True}
               for t in after.tables]
    return _verification(path, database, [], records)


def _same_database(backup: Backup, database: Path) -> bool:
    """Was ``backup`` made of ``database``? Its origin, or the same file name with the backup in its
    ``backups/`` folder (the folder was moved or renamed since)."""
    database = database.resolve()
    if backup.database == database:
        return True
    return backup.database.name == database.name and backup.path.resolve().parent == database.parent / FOLDER


NO_MANIFEST = N_("Restore a backup that has its manifest (ws.backups() lists them), or make a new one with ws.backup().")


def load_backup(path: str | Path) -> Backup:
    """The backup at ``path`` as its manifest describes it: origin, revision, time, fingerprint."""
    path = Path(path)
    try:
        return read_manifest(path)
    except FileNotFoundError:
        raise BackupError(_("The backup {label} has no manifest ({name}).",
                            label=_label(path), name=_manifest_path(path).name),
                          _(NO_MANIFEST)) from None
    except ValueError as exc:
        raise BackupError(_("The manifest of {label} is unreadable: {exc}.", label=_label(path), exc=exc), _(NO_MANIFEST)) from None


def fingerprint(path: str | Path) -> Fingerprint:
    """The fingerprint of the database file at ``path`` (read-only)."""
    path = Path(path)
    if not path.is_file():
        return Fingerprint("missing: no such file", (), ())
    try:
        with closing(_connect(_read_only(path), uri=True)) as connection:
            return _fingerprint(connection)
    except (sqlite3.DatabaseError, UnicodeError) as exc:
        return Fingerprint(f"unreadable: {exc}", (), ())


def list_backups(database: str | Path) -> pd.DataFrame:
    """The backups of ``database`` in its ``backups/`` folder, oldest first."""
    database = Path(database)
    records = []
    for path in sorted((database.parent / FOLDER).glob(f"{database.stem}-*.db")):
        match = NAME.fullmatch(path.name)
        if match and match["database"] == database.stem:
            records.append({"file": f"{FOLDER}/{path.name}", "revision": match["revision"], "created (UTC)": match["created"]})
    records.sort(key=lambda r: (r["created (UTC)"], r["file"]))
    return pd.DataFrame(records, columns=["file", "revision", "created (UTC)"])


# -- plumbing -------------------------------------------------------------------------


BUSY = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (primary codes): a lock could not be had


class _TimedOut(Exception):
    """The backup API kept finding the target locked until the timeout."""


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, what: str, quiet: bool | None,
          timeout: float | None = None) -> None:
    """The online backup API, step by step, driving a progress bar (none if MIGRATOR_QUIET=1).

    Python's ``backup()`` retries a locked step forever; the progress callback stops it after
    ``timeout`` seconds (raising there makes SQLite abandon the copy and roll the target back).
    """
    deadline = None if timeout is None else time.monotonic() + timeout

    def step(status: int, remaining: int, total: int, report=None) -> None:
        if status in BUSY and deadline is not None and time.monotonic() >= deadline:
            raise _TimedOut
        if report is not None:
            report(status, remaining, total)

    if quiet:
        source.backup(target, pages=PAGES_PER_STEP, progress=step)
        return
    from .progress import progress

    with progress(what, unit="page") as report:
        source.backup(target, pages=PAGES_PER_STEP, progress=lambda *status: step(*status, report=report.sqlite_backup))


def _fingerprint(connection: sqlite3.Connection) -> Fingerprint:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check(5)")]
    integrity = "ok" if problems == ["ok"] else "damaged: " + "; ".join(problems)
    schema = _schema(connection, "main")
    tables = tuple(_table_print(connection, table) for table in _tables(connection, "main"))
    return Fingerprint(integrity, schema, tables)


# SQLite's own bookkeeping, which SQLite rebuilds itself: the schema table and the planner's
# statistics (ANALYZE). Everything else is data, sqlite_sequence (AUTOINCREMENT's memory) included.
# Names are compared exactly, never with LIKE ('_' is a wildcard there, and LIKE ignores case).
INTERNAL_TABLES = frozenset({
    "sqlite_schema", "sqlite_master", "sqlite_temp_schema", "sqlite_temp_master",
    "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4",
})
AUTOINDEX = "sqlite_autoindex_"  # indexes SQLite makes for UNIQUE and PRIMARY KEY: implied by the table


def _internal(kind: str, name: str) -> bool:
    return name in INTERNAL_TABLES if kind == "table" else kind == "index" and name.startswith(AUTOINDEX)


def _schema(connection: sqlite3.Connection, database: str) -> tuple[tuple[str, str, str], ...]:
    """``(type, name, sql)`` of every object in ``database`` except SQLite's own, by type and name."""
    rows = connection.execute(
        f"SELECT type, name, coalesce(sql, '') FROM {database}.sqlite_master ORDER BY type, name"
    )
    return tuple(tuple(row) for row in rows if not _internal(row[0], row[1]))


@dataclass(frozen=True)
class _Table:
    """What comparing and hashing a table needs, as SQLite describes it (never parsed from SQL text).

    ``order`` is the row order the content hash uses. ``key`` pairs rows in ``verify`` when
    it is made of real columns (a WITHOUT ROWID primary key, or an INTEGER PRIMARY KEY, which
    is the row id): then pairing by key and comparing in order give the same verdict. A hidden
    row id is not data, so such rows are paired by their position in ``order``.
    """

    name: str
    columns: tuple[str, ...]
    order: str  # ORDER BY for a stable row order
    key: tuple[str, ...]  # quoted key columns (or a name of the row id), in key order; () to pair by position
    rowid: str | None  # a name of the row id no column took (None in a WITHOUT ROWID table, or if all are taken)


ROWID_NAMES = ("_rowid_", "rowid", "oid")  # SQLite's names for the row id, unless a column has the name


def _unused(name: str, columns: tuple[str, ...]) -> str:
    """``name``, or ``name_``, ``name__``... whichever no column has."""
    taken = {column.lower() for column in columns}
    while name.lower() in taken:
        name += "_"
    return name


def _tables(connection: sqlite3.Connection, database: str) -> list[_Table]:
    """The tables of ``database`` that hold data, by name; views, virtual tables and SQLite's own left out."""
    listed = connection.execute(
        "SELECT name, type, wr FROM pragma_table_list WHERE schema = ? ORDER BY name", (database,)
    ).fetchall()
    tables = []
    for name, kind, without_rowid in listed:
        if kind not in ("table", "shadow") or _internal("table", name):
            continue
        info = connection.execute(
            "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?, ?)", (name, database)
        ).fetchall()
        columns = tuple(column for column, _, _, hidden in info if hidden != 1)
        primary = [_quote(column) for column, _, pk, _ in sorted((r for r in info if r[2]), key=lambda r: r[2])]
        taken = {column.lower() for column in columns}  # a column named rowid hides the row id by that name
        rowid = None if without_rowid else next((alias for alias in ROWID_NAMES if alias not in taken), None)
        if without_rowid:
            order, key = ", ".join(primary), tuple(primary)
        elif rowid is None:  # every name of the row id is a column's: sort by every column
            order = ", ".join(f"{_quote(c)} COLLATE BINARY, typeof({_quote(c)})" for c in columns)
            key = ()
        else:
            order = rowid
            key = (rowid,) if _rowid_is_a_column(connection, database, name, info) else ()
        tables.append(_Table(name, columns, order, key, rowid))
    return tables


def _rowid_is_a_column(connection: sqlite3.Connection, database: str, table: str, info: list) -> bool:
    """Is there an INTEGER PRIMARY KEY (the row id under a column's name)? A single INTEGER key
    column that got no index of its own: an index with origin 'pk' means it is an ordinary key."""
    keys = [r for r in info if r[2]]
    if len(keys) != 1 or keys[0][1].upper() != "INTEGER":
        return False
    origins = connection.execute("SELECT origin FROM pragma_index_list(?, ?)", (table, database))
    return all(origin != "pk" for (origin,) in origins)


def _table_print(connection: sqlite3.Connection, table: _Table) -> TablePrint:
    """Row count and SHA-256 of the rows in ``order``, read in chunks.

    Python reads each storage class as its own type (int, float, str, bytes, None) and repr()
    writes the type, so the hash covers values and storage types: 1 and 1.0, 'a' and b'a' differ.
    Text is decoded by the fast built-in decoder, or, if some is not UTF-8, leniently: valid
    text reads the same either way, so the hash does not depend on which one ran.
    """
    def digest() -> TablePrint:
        hashed, rows = hashlib.sha256(), 0
        cursor = connection.execute(f"SELECT * FROM {_quote(table.name)} ORDER BY {table.order}")
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            hashed.update(repr(chunk).encode())
            rows += len(chunk)
        return TablePrint(table.name, rows, hashed.hexdigest())

    connection.text_factory = str
    try:
        return digest()
    except sqlite3.OperationalError:  # "Could not decode to UTF-8": again, leniently (a real error recurs)
        connection.text_factory = _lenient
        return digest()
    finally:
        connection.text_factory = _lenient


def compare_fingerprints(copy: Fingerprint, database: Fingerprint, here: str = IN_THE_COPY,
             there: str = IN_THE_DATABASE) -> list[str]:
    """What differs, in words (the kit's language); empty if the copy is faithful.

    ``here`` and ``there`` say where each count is: ``IN_THE_COPY``... (English, translated here).
    """
    if copy.integrity != "ok" and not copy.integrity.startswith(NOT_CHECKED):
        return [_("integrity check: {integrity}", integrity=copy.integrity)]
    problems = []
    if copy.schema != database.schema:
        names = {n for _, n, _ in copy.schema} ^ {n for _, n, _ in database.schema}
        changed = sorted({n for _, n, _ in set(copy.schema) ^ set(database.schema)})
        problems.append(_("different schema ({names})", names=", ".join(sorted(names) or changed)))
    for ours in database.tables:
        theirs = copy.table(ours.table)
        if theirs is None:
            continue  # already reported as a schema difference
        if theirs.rows != ours.rows:
            problems.append(_(ROW_COUNTS, table=ours.table, copied=theirs.rows, here=_(here), rows=ours.rows,
                              there=_(there)))
        elif theirs.sha256 != ours.sha256:
            problems.append(_("{table}: same row count, different content", table=ours.table))
    return problems


# -- the manifest: backups/<name>.db.json ------------------------------------------------
# {"manifest": 1, "database": "/abs/path/app.db", "revision": "0004", "created": "20261123T235959",
#  "fingerprint": {"integrity": "ok", "schema": [[type, name, sql], ...],
#                  "tables": [{"table": "books", "rows": 2, "sha256": "..."}, ...]}}

MANIFEST_FORMAT = 1


def _manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".json")


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def write_manifest(backup: Backup) -> None:
    """Write the manifest under a temporary name, flush it to disk, then give it its name."""
    fp = backup.fingerprint
    data = {
        "manifest": MANIFEST_FORMAT,
        "database": str(backup.database.resolve()) if isinstance(backup.database, Path) else backup.database,
        "revision": backup.revision,
        "created": backup.created,
        "fingerprint": {
            "integrity": fp.integrity,
            "schema": [list(entry) for entry in fp.schema],
            "tables": [{"table": t.table, "rows": t.rows, "sha256": t.sha256} for t in fp.tables],
        },
    }
    final = _manifest_path(backup.path)
    partial = _partial(final)
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=1)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, final)


def read_manifest(path: Path) -> Backup:
    """The Backup a manifest describes; FileNotFoundError if there is none, ValueError if it is not one."""
    try:
        data = json.loads(_manifest_path(path).read_text(encoding="utf-8"))
        fp = data["fingerprint"]
        if data["manifest"] != MANIFEST_FORMAT:
            raise ValueError(_("manifest format {data!r}, expected {MANIFEST_FORMAT}",
                               data=data['manifest'], MANIFEST_FORMAT=MANIFEST_FORMAT))
        schema = tuple(tuple(_text(part) for part in entry) for entry in fp["schema"])
        if any(len(entry) != 3 for entry in schema):
            raise ValueError(_("a schema entry is not (type, name, sql)"))
        tables = tuple(TablePrint(_text(t["table"]), _count(t["rows"]), _text(t["sha256"])) for t in fp["tables"])
        printed = Fingerprint(_text(fp["integrity"]), schema, tables)
        origin = _text(data["database"])
        database = origin if "://" in origin else Path(origin)  # a URL for PostgreSQL, else a file
        return Backup(path, database, _text(data["revision"]), _text(data["created"]), printed)
    except FileNotFoundError:
        raise
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(_("not a backup manifest ({name}: {exc})", name=type(exc).__name__, exc=exc)) from None
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from None


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError(_("expected text, found {value!r}", value=value))
    return value


def _count(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(_("expected a row count, found {value!r}", value=value))
    return value


def _free_name(folder: Path, stem: str) -> Path:
    """``stem.db``, or ``stem-2.db``... if two backups fall in the same second."""
    path, number = folder / f"{stem}.db", 1
    while path.exists() or _partial(path).exists() or _manifest_path(path).exists():
        number += 1
        path = folder / f"{stem}-{number}.db"
    return path


def _connect(database: str | Path, **options) -> sqlite3.Connection:
    """A connection that reads TEXT that is not UTF-8 too (SQLite stores whatever bytes it is given)."""
    connection = sqlite3.connect(database, **options)
    connection.text_factory = _lenient
    return connection


def _lenient(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _read_only(path: Path) -> str:
    """A read-only SQLite URI for ``path`` (as_uri() escapes spaces, '?' and '#', and works on Windows)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def _safe(revision: str) -> str:
    return re.sub(r"[^A-Za-z0-9_+]", "_", revision)


def _label(path: Path) -> str:
    return f"{FOLDER}/{path.name}" if path.parent.name == FOLDER else path.name


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (pandas' to_markdown needs tabulate, which we skip)."""
    def cell(value) -> str:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
