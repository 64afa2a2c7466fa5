"""Backups of a PostgreSQL database with pg_dump: make one, verify it, restore it.

The same promise as ``backup.py`` gives for SQLite files, kept the PostgreSQL way:

- ``make_backup`` opens a REPEATABLE READ transaction, exports its snapshot, and runs
  ``pg_dump --snapshot`` on it, so the dump and the fingerprint taken in that transaction
  describe one and the same state, while other sessions go on writing.
- "Verified" means the dump was restored into a scratch database on the kit's own server
  (``postgres.fresh_database``) and that copy has the fingerprint of the database: the
  schema (tables, columns, constraints, indexes, enum types, sequences), every table's row
  count and a SHA-256 of its rows, and each sequence's position. Only then is the manifest
  written (``backups/<db>-<revision>-<UTC time>.dump.json``) and the dump given its name.
- ``restore`` verifies the dump again the same way before it touches anything, then, in one
  transaction (``psql --single-transaction``, with a ``lock_timeout``), drops the ``public``
  schema and replays the dump, and checks the database's fingerprint after.  A restore
  throws away every write made since the backup: stop writes first.

PostgreSQL has no whole-database integrity check like SQLite's ``integrity_check``; the
fingerprint's ``integrity`` says so instead of claiming "ok".  pg_dump, pg_restore and psql
come from the pgserver wheel (PostgreSQL 16 client tools: they dump servers up to 16).
Only the ``public`` schema is backed up and compared; that is where Alembic works unless
told otherwise.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from . import postgres
from .backup import (
    FOLDER, IN_THE_BACKUP, IN_THE_DATABASE, IN_THE_DUMP, IN_THE_FILE, NOT_CHECKED, WHEN_IT_WAS_MADE, Backup, Fingerprint,
    TablePrint, Verification, compare_fingerprints, read_manifest, write_manifest,
)
from .backup import _label, _safe  # the same names and labels as SQLite backups
from .database import mask_url
from .errors import BackupError
from .i18n import N_, _

#: Stored in the manifest as it is (English: data); shown translated by Backup's summary.
INTEGRITY = N_("not checked (PostgreSQL has no integrity_check; verified by restoring the dump)")
assert INTEGRITY.startswith(NOT_CHECKED)
SUFFIX = ".dump"
SEQUENCE = " (sequence)"  # a sequence's position is fingerprinted as a pseudo-table "<name> (sequence)"
LOCK_TIMEOUT = "10s"  # a restore that waits longer for another session's lock gives up, unchanged
TIMEOUT_SECONDS = 600
CHUNK_ROWS = 5000
NAME = re.compile(r"(?P<database>.+)-(?P<revision>[^-]+)-(?P<created>\d{8}T\d{6})(?:-\d+)?\.dump")

_SCHEMA_QUERIES = {
    "table": "SELECT c.relname, c.relkind::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
             "AND c.relkind IN ('r', 'p', 'v', 'm')",
    "column": "SELECT table_name || '.' || column_name, concat_ws(' ', ordinal_position, data_type, "
              "character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default) "
              "FROM information_schema.columns WHERE table_schema = 'public'",
    "constraint": "SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) || "
                  "CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END FROM pg_constraint "
                  "WHERE connamespace = 'public'::regnamespace",
    "index": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "type": "SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_type t "
            "JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname",
    "sequence": "SELECT sequencename, concat_ws(' ', data_type, increment_by, min_value, max_value) "
                "FROM pg_sequences WHERE schemaname = 'public'",
}


# -- the verbs ------------------------------------------------------------------------


def make_backup(url: str, folder: str | Path, revision: str = "unknown") -> Backup:
    """pg_dump ``url`` into ``folder`` (``backups/``), verify the dump, write its manifest, return it.

    Only reads the database. Raises ``BackupError`` (and leaves no file behind) if the dump
    cannot be made or does not restore to the same fingerprint.
    """
    folder = Path(folder)
    shown = mask_url(url)
    name = sa.make_url(url).database or "postgres"
    created = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(_("Cannot create the backup folder {folder}: {strerror}.",
                            folder=folder, strerror=exc.strerror),
                          _("Make sure {folder} is a writable folder.", folder=folder)) from None
    target = _free_name(folder, f"{_safe(name)}-{_safe(revision)}-{created}")
    partial = target.with_name(target.name + ".partial")
    engine = _engine(url)
    try:
        with _snapshot(engine) as connection:
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            _run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--schema=public",
                             f"--snapshot={snapshot}", f"--file={partial}"], url)
            expected = _fingerprint(connection)
        problems = compare_fingerprints(_restored_fingerprint(partial), expected, IN_THE_DUMP, IN_THE_DATABASE)
        if problems:
            raise BackupError(_("The dump of {shown} does not restore to the same "
                                "database: {problems}. It was deleted.",
                                shown=shown, problems='; '.join(problems)), _("Run the backup again; if it keeps "
                                                   "failing, check the disk."))
        backup = Backup(target, shown, revision, created, expected)
        write_manifest(backup)
        partial.rename(target)
    except sa.exc.OperationalError as exc:
        raise BackupError(_("Cannot read {shown} to back it up: {first_line}. Nothing "
                            "was changed.", shown=shown, first_line=_first_line(exc)),
                          _("Check the URL (ws.environments()) and that the server is running.")) from None
    finally:
        engine.dispose()
        partial.unlink(missing_ok=True)
    return backup


def fingerprint(url: str) -> Fingerprint:
    """The fingerprint of the PostgreSQL database at ``url`` (its public schema), in one snapshot."""
    engine = _engine(url)
    try:
        with _snapshot(engine) as connection:
            return _fingerprint(connection)
    finally:
        engine.dispose()


def verify(backup: Backup | str | Path, url: str) -> Verification:
    """Does the dump hold exactly the database at ``url`` now? Restored into a scratch database and compared."""
    path = Path(backup.path if isinstance(backup, Backup) else backup)
    now = fingerprint(url)
    problems = compare_fingerprints(_restored_fingerprint(path), now, IN_THE_BACKUP, IN_THE_DATABASE)
    return _verification(path, url, problems, now)


def restore(backup: Backup | str | Path, url: str, *, force: bool = False) -> Verification:
    """Replace the public schema of ``url`` with the dump, in one transaction; then check its fingerprint.

    The dump is first verified against its manifest (restored into a scratch database);
    a dump of another database needs ``force=True``. If another session holds a lock on
    the schema for ``LOCK_TIMEOUT``, the restore gives up and the database is unchanged.
    """
    path = Path(backup.path if isinstance(backup, Backup) else backup)
    label, shown = _label(path), mask_url(url)

    def refuse(reason: str, fix: str | None = None) -> None:
        """Stop, the database untouched: ``reason`` and ``fix`` are already in the kit's language."""
        raise BackupError(_("The backup {label} {reason}, so it was not restored: "
                            "{shown} is unchanged.", label=label, reason=reason, shown=shown),
                          fix or _("Restore another backup (ws.backups() lists them)."))

    if not path.is_file() or path.stat().st_size == 0:
        refuse(_("is missing or empty"))
    try:
        saved = read_manifest(path)
    except FileNotFoundError:
        refuse(_("has no manifest"), _("Restore a backup that has its manifest, or make a new one with ws.backup()."))
    except ValueError as exc:
        refuse(_("has an unreadable manifest ({exc})", exc=exc))
    if not force and saved.database != shown:
        refuse(_("was made of {source}, not of {shown}", source=saved.database, shown=shown),
               _("Restore a backup of this database (ws.backups() lists them), or pass force=True on purpose."))
    try:
        found = _restored_fingerprint(path)
    except BackupError as exc:
        refuse(_("is damaged ({what})", what=exc.what))
    problems = compare_fingerprints(found, saved.fingerprint, IN_THE_FILE, WHEN_IT_WAS_MADE)
    if problems:
        refuse(_("no longer matches its manifest ({problems})", problems="; ".join(problems)))
    try:
        _replay(path, url)
    except BackupError as exc:
        if "lock timeout" in exc.what:
            raise BackupError(_("Another session held a lock in {shown} for "
                                "{LOCK_TIMEOUT}, so {label} was not restored: {shown} is "
                                "unchanged.", shown=shown, LOCK_TIMEOUT=LOCK_TIMEOUT, label=label),
                              _("Stop the writers (the app, other notebooks) first, then "
                                "restore again.")) from None
        raise BackupError(_("Restoring {label} over {shown} failed and was rolled back: {what}",
                            label=label, shown=shown, what=exc.what), exc.fix) from None
    after = fingerprint(url)
    problems = compare_fingerprints(after, saved.fingerprint, IN_THE_DATABASE, IN_THE_BACKUP)
    if problems:
        raise BackupError(_("After restoring, {shown} does not match {label}: {problems}.",
                            shown=shown, label=label, problems='; '.join(problems)),
                          _("Restore again; if it keeps failing, restore the dump by "
                            "hand with pg_restore."))
    return _verification(path, url, [], after)


def list_backups(url: str, folder: str | Path) -> pd.DataFrame:
    """The dumps of ``url``'s database in ``folder``, oldest first."""
    name = _safe(sa.make_url(url).database or "postgres")
    records = []
    for path in sorted(Path(folder).glob(f"{name}-*{SUFFIX}")):
        match = NAME.fullmatch(path.name)
        if match and match["database"] == name:
            records.append({"file": f"{FOLDER}/{path.name}", "revision": match["revision"],
                            "created (UTC)": match["created"]})
    records.sort(key=lambda r: (r["created (UTC)"], r["file"]))
    return pd.DataFrame(records, columns=["file", "revision", "created (UTC)"])


def without_sequences(fp: Fingerprint) -> Fingerprint:
    """``fp`` without the sequences' positions: a rolled-back INSERT still moves a sequence on
    (nextval is not transactional), so "nothing changed" compares everything else."""
    return replace(fp, tables=tuple(t for t in fp.tables if not t.table.endswith(SEQUENCE)))


# -- the pieces ---------------------------------------------------------------------------


def _fingerprint(connection: sa.Connection) -> Fingerprint:
    """Schema, rows and content hash of every table, and each sequence's position."""
    schema = []
    for kind, sql in _SCHEMA_QUERIES.items():
        schema += [(kind, str(name), str(definition)) for name, definition in connection.exec_driver_sql(sql)]
    tables = []
    quote = connection.dialect.identifier_preparer.quote
    for (name,) in connection.exec_driver_sql(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') "
            "ORDER BY relname"):
        digest, rows = hashlib.sha256(), 0
        result = connection.exec_driver_sql(
            f'SELECT t::text FROM public.{quote(name)} t ORDER BY t::text COLLATE "C"',
            execution_options={"yield_per": CHUNK_ROWS})  # streamed: millions of rows, little memory
        for (row,) in result:
            digest.update(row.encode("utf-8", "surrogateescape") + b"\n")
            rows += 1
        tables.append(TablePrint(name, rows, digest.hexdigest()))
    for name, last, called in connection.exec_driver_sql(
            "SELECT sequencename, last_value, last_value IS NOT NULL FROM pg_sequences WHERE schemaname = 'public' "
            "ORDER BY sequencename"):
        tables.append(TablePrint(f"{name}{SEQUENCE}", 0, hashlib.sha256(f"{last}:{called}".encode()).hexdigest()))
    return Fingerprint(INTEGRITY, tuple(sorted(schema)), tuple(tables))


def _restored_fingerprint(dump: Path) -> Fingerprint:
    """Restore ``dump`` into a scratch database on the kit's server, fingerprint it, drop it."""
    scratch = postgres.fresh_database("verify_backup")
    try:
        _replay(dump, scratch)
        return fingerprint(scratch)
    finally:
        postgres.drop_database(scratch)


def _replay(dump: Path, url: str) -> None:
    """Drop ``url``'s public schema and replay the dump (which creates it again), in one transaction."""
    script = _run("pg_restore", ["--no-owner", "--no-privileges", "--file=-", str(dump)])
    prelude = f"SET lock_timeout = '{LOCK_TIMEOUT}';\nDROP SCHEMA IF EXISTS public CASCADE;\nRESET lock_timeout;\n"
    _run("psql", ["-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1"], url, stdin=prelude + script)


def _run(program: str, args: list[str], url: str | None = None, *, stdin: str | None = None,
         env: dict | None = None) -> str:
    """Run one of the wheel's PostgreSQL client programs; BackupError with its message if it fails."""
    from pgserver._commands import POSTGRES_BIN_PATH

    command = [str(POSTGRES_BIN_PATH / program), *args]
    environment = dict(os.environ, **(env or {}))
    if url is not None:
        dsn, extra = _libpq(url)
        environment.update(extra)
        command.append(dsn if program == "pg_dump" else f"--dbname={dsn}")
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, env=environment,
                                timeout=TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(_("{program} could not run: {exc}.", program=program, exc=exc), _("Check that the pgserver "
                                                                "package is installed.")) from None
    if result.returncode != 0:
        message = next((line for line in result.stderr.splitlines() if "ERROR" in line or "error" in line),
                       result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no message")
        raise BackupError(_("{program} failed: {strip}", program=program, strip=message.strip()),
                          _("Read the message; check the URL and that the server is running."))
    return result.stdout


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq connection string for ``url`` without its password, and the environment that carries it."""
    parsed = sa.make_url(url)
    parts = {"dbname": parsed.database, "user": parsed.username,
             "host": parsed.query.get("host") or parsed.host, "port": parsed.port}
    dsn = " ".join(f"{key}='{value}'" for key, value in parts.items() if value)
    return dsn, ({"PGPASSWORD": parsed.password} if parsed.password else {})


@contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one REPEATABLE READ, read-only transaction: every query sees one state."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True) as connection:
        with connection.begin():
            yield connection


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool)


def _verification(path: Path, url: str, problems: list[str], now: Fingerprint) -> Verification:
    records = [{"table": t.table, "rows (database)": t.rows, "rows (copy)": t.rows, "same content": not problems}
               for t in without_sequences(now).tables]
    frame = pd.DataFrame(records, columns=["table", "rows (database)", "rows (copy)", "same content"])
    return Verification(_label(path), mask_url(url), tuple(problems), frame, integrity="")


def _free_name(folder: Path, stem: str) -> Path:
    path, number = folder / f"{stem}{SUFFIX}", 1
    while path.exists() or path.with_name(path.name + ".json").exists():
        number += 1
        path = folder / f"{stem}-{number}{SUFFIX}"
    return path


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
