"""Backups under random schemas and data (Hypothesis): collations, affinities, NULLs, BLOBs,
unicode names, WITHOUT ROWID tables, user columns named rowid, AUTOINCREMENT.

(a) any real change to the database after a backup is flagged, by verify and by the fingerprint
    (and verify stays silent when the "change" left every value and storage type as it was);
(b) backup, then restore, gives back the identical dump and fingerprint;
(c) a backup changed after it was made is refused, leaving the database exactly as it was
    (or, if the change touched no data, restores what was backed up).

Seeded (derandomize) and small, so CI runs the same examples in a few seconds.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from migrator import BackupError
from migrator.backup import fingerprint, make_backup, restore, verify

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

AFFINITIES = ["", "INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC"]
COLLATIONS = ["", "COLLATE NOCASE", "COLLATE RTRIM", "COLLATE BINARY"]
KINDS = ["no key", "keyed", "integer key", "autoincrement", "autoincrement", "without rowid", "without rowid"]
LOOK_ALIKES = ["sqlitebooks", "SQLite3_notes", "sqlite", "Sqlite3"]  # not SQLite's own, despite the name
ROW_ID_NAMES = ["rowid", "ROWID", "oid", "_rowid_", "n"]  # "n" as well: verify's row number name

name_text = st.text(alphabet="abKZ_ 1é߯Ж表🙂\"'İ", min_size=1, max_size=6).filter(
    lambda name: not name.lower().startswith("sqlite_"))  # reserved by SQLite, in any case
table_names = st.one_of(st.sampled_from(LOOK_ALIKES), name_text)
column_names = st.one_of(st.sampled_from(ROW_ID_NAMES), name_text)
texts = st.text(alphabet="aAbBzé ", max_size=5)
values = st.one_of(
    st.none(), st.integers(-(2**63), 2**63 - 1), st.integers(-3, 3), st.floats(allow_nan=False), texts,
    st.binary(max_size=4), st.sampled_from(["abc", "ABC", "abc ", "1", "1.0", b"1", 1, 1.0]),
)
row_ids = st.one_of(st.none(), st.integers(-5, 50))  # an INTEGER PRIMARY KEY holds integers only


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Table:
    name: str
    kind: str
    columns: list  # (name, affinity, collation)
    default: int | None  # the column whose default reads 'WITHOUT ROWID'
    rows: list

    def ddl(self) -> str:
        parts = []
        for i, (name, affinity, collation) in enumerate(self.columns):
            if i == 0 and self.kind in ("integer key", "autoincrement"):
                autoincrement = " AUTOINCREMENT" if self.kind == "autoincrement" else ""
                parts.append(f"{q(name)} INTEGER PRIMARY KEY{autoincrement}")
                continue
            part = f"{q(name)} {affinity} {collation}"
            if i == 0 and self.kind == "keyed":
                part += " PRIMARY KEY"
            if i == self.default:
                part += " DEFAULT 'WITHOUT ROWID'"
            parts.append(part)
        if self.kind == "without rowid":
            keys = [q(name) for name, _, _ in self.columns[: max(1, len(self.columns) // 2)]]
            return f"CREATE TABLE {q(self.name)} ({', '.join(parts)}, PRIMARY KEY ({', '.join(keys)})) WITHOUT ROWID"
        return f"CREATE TABLE {q(self.name)} ({', '.join(parts)})"


@st.composite
def schemas(draw) -> list[Table]:
    tables = []
    for name in draw(st.lists(table_names, min_size=1, max_size=3, unique_by=str.lower)):
        kind = draw(st.sampled_from(KINDS))
        names = draw(st.lists(column_names, min_size=1, max_size=4, unique_by=str.lower))
        columns = [(c, draw(st.sampled_from(AFFINITIES)), draw(st.sampled_from(COLLATIONS))) for c in names]
        first = row_ids if kind in ("integer key", "autoincrement") else values
        rows = draw(st.lists(st.tuples(first, *[values] * (len(names) - 1)), max_size=5))
        default = draw(st.none() | st.integers(1, 4))
        tables.append(Table(name, kind, columns, default if default and default < len(names) else None, rows))
    return tables


def connect(path: Path) -> sqlite3.Connection:
    """The test's own connection: no fsync for the scratch files it writes (the code under test syncs its own)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous = OFF")
    return connection


def create(path: Path, tables: list[Table]) -> None:
    """The database: rows that break a constraint (a duplicate key, say) are simply left out."""
    with closing(connect(path)) as connection:
        for table in tables:
            connection.execute(table.ddl())
            columns = ", ".join(q(name) for name, _, _ in table.columns)
            insert = f"INSERT INTO {q(table.name)} ({columns}) VALUES ({', '.join('?' * len(table.columns))})"
            for row in table.rows:
                try:
                    connection.execute(insert, row)
                except sqlite3.Error:
                    pass
        connection.commit()


def dump_hash(path: Path) -> str:
    """SHA-256 of the database as text, as iterdump writes it: the schema, then each table's rows as
    quote()d values. (Python 3.11's iterdump itself fails on a table name with a quote in it.)"""
    with closing(sqlite3.connect(path)) as connection:
        connection.text_factory = lambda data: data.decode("utf-8", "surrogateescape")  # a flipped byte in text
        schema = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        lines = [repr(row) for row in schema]
        for table in [name for kind, name, _, _ in schema if kind == "table"]:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({q(table)})")]
            quoted = " || ',' || ".join(f"quote({q(column)})" for column in columns)
            lines += [f"-- {table}"] + [row[0] for row in connection.execute(f"SELECT {quoted} FROM {q(table)}")]
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


# -- one random change: a row deleted or added, a value changed to one equal under the column's
# collation or affinity, a value's storage type changed, sqlite_sequence bumped ------------------

MUTATIONS = ["delete a row", "equal under collation", "equal under affinity", "storage type", "add a row",
             "bump sqlite_sequence"]


def rows_of(connection: sqlite3.Connection) -> list[tuple[str, list[str], tuple, tuple]]:
    """Every row of every table (sqlite_sequence included): table, columns, values, quote()d values."""
    found = []
    listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    tables = [name for (name,) in listed.fetchall()]
    for table in tables:
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({q(table)})")]
        listed = ", ".join(q(c) for c in columns) + ", " + ", ".join(f"quote({q(c)})" for c in columns)
        for row in connection.execute(f"SELECT {listed} FROM {q(table)}"):
            found.append((table, columns, row[: len(columns)], row[len(columns):]))
    return found


def changed_value(kind: str, value):
    """A different value that SQL might call equal (or that differs only in storage type), else None."""
    if kind == "equal under collation" and isinstance(value, str):
        return value.swapcase() if value.swapcase() != value else value + " "
    if kind == "equal under affinity":
        if isinstance(value, int) and abs(value) < 2**53:
            return float(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
    if kind == "storage type":
        if isinstance(value, str):
            return value.encode()
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, (int, float)):
            return str(value)
        return 0  # NULL
    return None


def mutate(path: Path, kind: str, data) -> None:
    """Apply one ``kind`` of change to the database at ``path``; Hypothesis discards it if impossible."""
    with closing(connect(path)) as connection:
        rows = rows_of(connection)
        try:
            if kind == "bump sqlite_sequence":
                assume(connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchall())
                if not connection.execute("UPDATE sqlite_sequence SET seq = seq + 1").rowcount:
                    connection.execute("INSERT INTO sqlite_sequence VALUES ('nobody', 1000)")
            elif kind == "add a row":
                tables = [name for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY name")]
                table = data.draw(st.sampled_from(tables))
                columns = [row[1] for row in connection.execute(f"PRAGMA table_info({q(table)})")]
                added = data.draw(st.tuples(*[st.one_of(st.integers(100, 200), texts)] * len(columns)))
                connection.execute(f"INSERT INTO {q(table)} VALUES ({', '.join('?' * len(columns))})", added)
            elif kind == "delete a row":
                assume(rows)
                table, columns, _, quoted = data.draw(st.sampled_from(rows))
                where = " AND ".join(f"quote({q(c)}) IS ?" for c in columns)
                connection.execute(f"DELETE FROM {q(table)} WHERE {where}", quoted)
            else:  # a value in a row (every row equal to it, in fact): the first that the column keeps
                cells = [(row, i) for row in rows for i, value in enumerate(row[2])
                         if changed_value(kind, value) is not None]
                assume(cells)
                for (table, columns, values, quoted), i in data.draw(st.permutations(cells)):
                    where = " AND ".join(f"quote({q(c)}) IS ?" for c in columns)
                    update = f"UPDATE {q(table)} SET {q(columns[i])} = ? WHERE {where}"
                    if connection.execute(update, (changed_value(kind, values[i]), *quoted)).rowcount and not \
                            connection.execute(f"SELECT count(*) FROM {q(table)} WHERE {where}", quoted).fetchone()[0]:
                        break  # the row is no longer what it was (an INTEGER column turns 1.0 back into 1)
            connection.commit()
        except sqlite3.Error:  # a key that would be duplicated, a type an INTEGER PRIMARY KEY refuses
            assume(False)


# -- the properties ---------------------------------------------------------------------


@SETTINGS
@given(tables=schemas(), kind=st.sampled_from(MUTATIONS), data=st.data())
def test_any_change_after_a_backup_is_flagged(tables, kind, data):
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "app.db"
        create(database, tables)
        backup = make_backup(database, "1", quiet=True)
        assert verify(backup.path, database).ok
        before = dump_hash(database)
        mutate(database, kind, data)
        changed = dump_hash(database) != before  # not if, say, an INTEGER column turned 1.0 back into 1
        event(f"{kind}: {'changed' if changed else 'nothing changed'}")
        assert verify(backup.path, database).ok != changed  # flagged, and a near miss is no false alarm
        if changed:
            assert fingerprint(database) != backup.fingerprint


@SETTINGS
@given(tables=schemas(), kind=st.sampled_from(MUTATIONS), data=st.data())
def test_restore_gives_back_exactly_what_was_backed_up(tables, kind, data):
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "app.db"
        create(database, tables)
        before = dump_hash(database)
        backup = make_backup(database, "1", quiet=True)
        mutate(database, kind, data)
        assert restore(backup, database, quiet=True).ok
        assert dump_hash(database) == before and fingerprint(database) == backup.fingerprint


@SETTINGS
@given(tables=schemas(), damage=st.sampled_from(["change its data", "flip bytes", "truncate"]),
       kind=st.sampled_from(MUTATIONS), data=st.data())
def test_a_changed_backup_is_never_restored(tables, damage, kind, data):
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "app.db"
        create(database, tables)
        backup = make_backup(database, "1", quiet=True)
        backed_up = dump_hash(backup.path)
        if data.draw(st.booleans()):
            mutate(database, "add a row", data)  # the database moved on since
        before = dump_hash(database)
        raw = bytearray(backup.path.read_bytes())
        if damage == "change its data":  # with SQL: the file stays a sound database
            mutate(backup.path, kind, data)
            assume(dump_hash(backup.path) != backed_up)
        elif damage == "flip bytes":  # anywhere: in data, in the header, or in unused space
            used = [i for i, byte in enumerate(raw) if byte]  # mostly header, schema and rows
            offsets = st.one_of(st.sampled_from(used), st.integers(0, len(raw) - 1))
            for offset in data.draw(st.lists(offsets, min_size=1, max_size=3)):
                raw[offset] ^= data.draw(st.integers(1, 255))
            backup.path.write_bytes(bytes(raw))
        else:
            backup.path.write_bytes(bytes(raw[: data.draw(st.integers(0, len(raw) - 1))]))
        try:
            restore(backup, database, quiet=True)
        except BackupError:
            assert dump_hash(database) == before  # refused: exactly as it was
            event(f"{damage}: refused")
        else:  # restored: then the damage touched no data, and the database is what was backed up
            event(f"{damage}: restored, it touched no data")
            assert damage != "change its data"
            assert dump_hash(database) == backed_up and fingerprint(database) == backup.fingerprint
