"""Read-only questions about the data, asked of the database a revision will run on.

Rules ask here how many rows a table has, how many values a column holds, which
values are duplicated: a drop is destructive only where there is data to lose.
Without a database (or before it exists) every answer is "nothing", so the rules
that depend on data stay silent and drops are warnings.

On PostgreSQL the server answers more: its version, a setting (``lock_timeout``),
which functions are volatile, an enum type's labels, which CHECK constraints are
validated, whether a type casts to another without ``USING``.  Each is a catalog
read in the same read-only transaction; elsewhere these answers are "unknown".
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ..database import expression_indexes_unreflected
from ..i18n import _


class Facts:
    """Read-only questions about the data, asked of the database a revision will run on."""

    def __init__(self, connection: sa.Connection | None, dialect: str | None = None) -> None:
        self.connection = connection
        self._inspector = sa.inspect(connection) if connection is not None else None
        #: The database's dialect ('sqlite', 'postgresql'...): from the connection, else from the URL; None if unknown.
        self.dialect = connection.dialect.name if connection is not None else dialect
        self._rows: dict[str, int] = {}

    @classmethod
    @contextmanager
    def open(cls, url: str | None):
        engine = _read_engine(url)
        if engine is None:
            yield cls(None, _backend(url))
            return
        try:
            with engine.connect() as connection, expression_indexes_unreflected():
                yield cls(connection)
        finally:
            engine.dispose()

    @property
    def server_version(self) -> tuple | None:
        """The server's version, e.g. ``(16, 2)`` (``connection.dialect.server_version_info``); None offline."""
        return self.connection.dialect.server_version_info if self.connection is not None else None

    def has_table(self, table: str) -> bool:
        return self._inspector is not None and table in self._inspector.get_table_names()

    def columns(self, table: str) -> dict:
        if not self.has_table(table):
            return {}
        return {c["name"]: c for c in self._inspector.get_columns(table)}

    def indexes(self, table: str) -> dict:
        return {i["name"]: i for i in self._inspector.get_indexes(table)} if self.has_table(table) else {}

    def rows(self, table: str) -> int:
        """The table's rows (counted once per lint: many rules ask, and the data does not change meanwhile)."""
        if table not in self._rows:
            self._rows[table] = self._scalar(f"SELECT count(*) FROM {self.q(table)}") if self.has_table(table) else 0
        return self._rows[table]

    def count(self, table: str, column: str, where: str) -> int:
        """Rows of ``table`` where ``where`` holds ({c} stands for the column)."""
        if column not in self.columns(table):
            return 0
        condition = where.format(c=self.q(column))
        return self._scalar(f"SELECT count(*) FROM {self.q(table)} WHERE {condition}")

    def foreign_targets(self, table: str, column: str) -> set[str]:
        """The tables ``table.column`` points at with a foreign key (empty if none)."""
        if not self.has_table(table):
            return set()
        return {fk["referred_table"] for fk in self._inspector.get_foreign_keys(table) if column in fk["constrained_columns"]}

    def fragile_indexes(self, table: str) -> dict[str, str]:
        """SQLite indexes of ``table`` that a batch rebuild re-creates wrongly, with what they have.

        A rebuild re-creates indexes from reflection, which on SQLite (SQLAlchemy 2.1) loses the
        sort order (DESC), the collation and expressions; a partial index's WHERE is kept.
        """
        if not self.has_table(table) or self.connection.dialect.name != "sqlite":
            return {}
        found = {}
        for index in self.connection.exec_driver_sql(f"PRAGMA index_list({self.q(table)})").mappings():
            if index["origin"] != "c":
                continue  # UNIQUE and PRIMARY KEY constraints are part of the table: they survive
            parts = self.connection.exec_driver_sql(f"PRAGMA index_xinfo({self.q(index['name'])})").mappings().all()
            keys = [p for p in parts if p["key"]]
            details = [text for present, text in (
                (any(p["desc"] for p in keys), _("DESC order")),
                (any(p["coll"] and p["coll"].upper() != "BINARY" for p in keys), _("a collation")),
                (any(p["cid"] == -2 for p in keys), _("an expression")),
            ) if present]
            if details:
                found[index["name"]] = _(" and ").join(details)
        return found

    def not_utf8(self, table: str, column: str) -> int:
        """Values of ``table.column`` stored as bytes that do not decode as UTF-8 (read in chunks)."""
        if column not in self.columns(table):
            return 0
        # SQLite: a column holds values of any type, only the blobs are bytes; elsewhere the column's type says.
        stored = f"typeof({self.q(column)}) = 'blob'" if self.dialect == "sqlite" else f"{self.q(column)} IS NOT NULL"
        result = self.connection.exec_driver_sql(f"SELECT {self.q(column)} FROM {self.q(table)} WHERE {stored}")
        bad = 0
        while chunk := result.fetchmany(1000):
            for (value,) in chunk:
                try:
                    bytes(value).decode("utf-8")
                except UnicodeDecodeError:
                    bad += 1
        return bad

    def duplicates(self, table: str, columns: list[str]) -> list[tuple]:
        """Up to three duplicated values (ignoring NULLs, as unique constraints do), with counts."""
        known = self.columns(table)
        if not columns or any(c not in known for c in columns):
            return []
        cols = ", ".join(self.q(c) for c in columns)
        not_null = " AND ".join(f"{self.q(c)} IS NOT NULL" for c in columns)
        sql = (f"SELECT {cols}, count(*) FROM {self.q(table)} WHERE {not_null} "
               f"GROUP BY {cols} HAVING count(*) > 1 ORDER BY count(*) DESC, {cols} LIMIT 3")
        return [tuple(r) for r in self.connection.exec_driver_sql(sql).all()]

    # -- PostgreSQL's catalog: None (or empty) wherever the database is not a PostgreSQL one ----------

    def setting(self, name: str) -> str | None:
        """A PostgreSQL setting for this session (``current_setting``), e.g. ``'0'`` for ``lock_timeout``."""
        if not self._pg():
            return None
        return self.connection.execute(sa.text("SELECT current_setting(:name, true)"), {"name": name}).scalar()

    def volatile_functions(self, expression: str) -> list[str]:
        """The volatile functions called in an SQL expression (random(), nextval()...), as pg_proc says."""
        names = sorted({name.split(".")[-1].lower() for name in re.findall(r"([A-Za-z_][\w.]*)\s*\(", expression)})
        if not names:
            return []
        if not self._pg():
            return [name for name in names if name in VOLATILE]
        found = self.connection.execute(sa.text(
            "SELECT DISTINCT proname FROM pg_proc WHERE proname = ANY(:names) AND provolatile = 'v'"), {"names": names})
        return sorted(found.scalars())

    def enum_labels(self, name: str) -> list[str] | None:
        """The labels of the PostgreSQL enum type ``name``, in order; None if there is no such type."""
        if not self._pg():
            return None
        found = [e for e in self._inspector.get_enums() if e["name"] == name and e.get("visible", True)]
        return list(found[0]["labels"]) if found else None

    def validated_not_null_checks(self, table: str) -> set[str]:
        """Columns of ``table`` with a validated ``CHECK (column IS NOT NULL)``: SET NOT NULL then skips its scan."""
        if not self._pg() or not self.has_table(table):
            return set()
        definitions = self.connection.execute(sa.text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(:table) "
            "AND contype = 'c' AND convalidated"), {"table": self.q(table)}).scalars()
        return {column for text in definitions if (column := not_null_check(text))}

    def automatic_cast(self, old: str, new: str) -> bool | None:
        """Does ALTER COLUMN ... TYPE turn ``old`` into ``new`` without ``USING``? None if a type is unknown.

        PostgreSQL applies an assignment cast: an implicit or assignment entry of pg_cast,
        or text I/O towards a string type; anything else (varchar to integer, boolean to
        integer) is refused ("cannot be cast automatically").
        """
        if not self._pg():
            return None
        kind = self.connection.execute(sa.text(
            "SELECT CASE WHEN s IS NULL OR t IS NULL THEN NULL WHEN s = t THEN 'same' "
            "ELSE coalesce((SELECT castcontext::text FROM pg_cast WHERE castsource = s AND casttarget = t), "
            "(SELECT CASE WHEN typcategory = 'S' THEN 'io' ELSE 'none' END FROM pg_type WHERE oid = t)) END "
            "FROM (SELECT to_regtype(:old)::oid AS s, to_regtype(:new)::oid AS t) AS types"),
            {"old": old, "new": new}).scalar()
        return None if kind is None else kind in ("same", "i", "a", "io")

    def _pg(self) -> bool:
        return self.connection is not None and self.dialect == "postgresql"

    def q(self, name: str) -> str:
        return self.connection.dialect.identifier_preparer.quote(name)

    def _scalar(self, sql: str) -> int:
        return int(self.connection.exec_driver_sql(sql).scalar() or 0)


#: Volatile functions a default may call, for when no server can be asked (pg_proc says, when one can).
VOLATILE = frozenset({"random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "clock_timestamp",
                      "timeofday", "nextval", "setseed"})


def not_null_check(definition: str) -> str | None:
    """The column of a CHECK that says only ``column IS NOT NULL`` (as pg_get_constraintdef or a revision writes it)."""
    text = re.sub(r"^\s*CHECK\s*", "", definition.strip(), flags=re.IGNORECASE)
    text = re.sub(r"\s+NOT\s+VALID\s*$", "", text, flags=re.IGNORECASE).strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    found = re.fullmatch(r'"?(\w+)"?\s+IS\s+NOT\s+NULL', text, flags=re.IGNORECASE)
    return found.group(1) if found else None


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _backend(url: str | None) -> str | None:
    try:
        return sa.make_url(url).get_backend_name() if url else None
    except Exception:
        return None


def _read_engine(url: str | None) -> sa.Engine | None:
    """A plain engine for reading (no BEGIN IMMEDIATE), or None if there is nothing to read."""
    if not url:
        return None
    try:
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).is_file():
                return None
            return sa.create_engine(parsed, poolclass=NullPool, connect_args={"timeout": 30})
        engine = sa.create_engine(parsed, poolclass=NullPool)
        engine.connect().close()
        return engine
    except Exception:  # no driver, no server: lint without data
        return None
