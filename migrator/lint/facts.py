"""Read-only questions about the data, asked of the database a revision will run on.

Rules ask here how many rows a table has, how many values a column holds, which
values are duplicated: a drop is destructive only where there is data to lose.
Without a database (or before it exists) every answer is "nothing", so the rules
that depend on data stay silent and drops are warnings.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ..database import expression_indexes_unreflected


class Facts:
    """Read-only questions about the data, asked of the database a revision will run on."""

    def __init__(self, connection: sa.Connection | None) -> None:
        self.connection = connection
        self._inspector = sa.inspect(connection) if connection is not None else None

    @classmethod
    @contextmanager
    def open(cls, url: str | None):
        engine = _read_engine(url)
        if engine is None:
            yield cls(None)
            return
        try:
            with engine.connect() as connection, expression_indexes_unreflected():
                yield cls(connection)
        finally:
            engine.dispose()

    def has_table(self, table: str) -> bool:
        return self._inspector is not None and table in self._inspector.get_table_names()

    def columns(self, table: str) -> dict:
        if not self.has_table(table):
            return {}
        return {c["name"]: c for c in self._inspector.get_columns(table)}

    def indexes(self, table: str) -> dict:
        return {i["name"]: i for i in self._inspector.get_indexes(table)} if self.has_table(table) else {}

    def rows(self, table: str) -> int:
        return self._scalar(f"SELECT count(*) FROM {self.q(table)}") if self.has_table(table) else 0

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
                (any(p["desc"] for p in keys), "DESC order"),
                (any(p["coll"] and p["coll"].upper() != "BINARY" for p in keys), "a collation"),
                (any(p["cid"] == -2 for p in keys), "an expression"),
            ) if present]
            if details:
                found[index["name"]] = " and ".join(details)
        return found

    def not_utf8(self, table: str, column: str) -> int:
        """Values of ``table.column`` stored as bytes that do not decode as UTF-8 (read in chunks)."""
        if column not in self.columns(table):
            return 0
        result = self.connection.exec_driver_sql(
            f"SELECT {self.q(column)} FROM {self.q(table)} WHERE typeof({self.q(column)}) = 'blob'")
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

    def q(self, name: str) -> str:
        return self.connection.dialect.identifier_preparer.quote(name)

    def _scalar(self, sql: str) -> int:
        return int(self.connection.exec_driver_sql(sql).scalar() or 0)


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
