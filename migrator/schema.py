"""Look at a database and its revisions, as pandas DataFrames.

Every frame is sorted so that the same database always gives the same frame:
notebook outputs stay reproducible and tests can compare frames directly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from alembic.script import Script
from sqlalchemy.engine import Engine

from .errors import MigratorError

VERSION_TABLE = "alembic_version"


def tables(engine: Engine) -> pd.DataFrame:
    """One row per table: name, number of columns, number of rows."""
    inspector = sa.inspect(engine)
    names = sorted(inspector.get_table_names())
    with engine.connect() as connection:
        counts = [_count(connection, name) for name in names]
    return pd.DataFrame(
        {
            "table": names,
            "columns": [len(inspector.get_columns(name)) for name in names],
            "rows": counts,
        }
    )


def columns(engine: Engine, table: str) -> pd.DataFrame:
    """The columns of ``table``: name, type, nullable, default, primary key."""
    inspector = sa.inspect(engine)
    _require_table(inspector, table)
    found = inspector.get_columns(table)
    return pd.DataFrame(
        {
            "column": [c["name"] for c in found],
            "type": [str(c["type"]) for c in found],
            "nullable": [bool(c["nullable"]) for c in found],
            "default": [c["default"] for c in found],
            "primary_key": [bool(c.get("primary_key")) for c in found],
        }
    )


#: How many rows ``rows()`` shows unless asked for more: a million rows would cost seconds and hundreds of MB.
ROWS_SHOWN = 1000


class Rows(pd.DataFrame):
    """The first rows of a bigger table: a DataFrame that says it is only a part."""

    _metadata = ["note"]

    @property
    def _constructor(self):
        return pd.DataFrame  # a frame derived from it (a filter, a column) no longer is "the first n"

    def __repr__(self) -> str:
        return f"{super().__repr__()}\n({self.note})"

    def _repr_html_(self) -> str:
        return f"{super()._repr_html_()}<p><i>({self.note})</i></p>"


def rows(engine: Engine, table: str, limit: int | None = ROWS_SHOWN) -> pd.DataFrame:
    """The rows of ``table`` in primary-key (else rowid) order: the first ``limit``, or all with ``None``."""
    inspector = sa.inspect(engine)
    _require_table(inspector, table)
    reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
    order = list(reflected.primary_key) or [sa.literal_column("rowid")]
    query = sa.select(reflected).order_by(*order).limit(limit)
    with engine.connect() as connection:
        result = connection.execute(query)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
        if limit is None or len(frame) < limit:
            return frame
        total = _count(connection, table)
    if total <= len(frame):
        return frame
    shown = Rows(frame)
    shown.note = f"first {len(frame):,} of {total:,} rows; rows({table!r}, limit=None) shows all"
    return shown


def version_table(engine: Engine) -> pd.DataFrame:
    """The ``alembic_version`` rows (one after an upgrade; none before, or after 'base')."""
    if not sa.inspect(engine).has_table(VERSION_TABLE):
        return pd.DataFrame({"version_num": pd.Series([], dtype=object)})
    return rows(engine, VERSION_TABLE)


def versions_frame(revisions: list[Script], versions: str) -> pd.DataFrame:
    """The revision files (given oldest first): file, revision, down_revision, message."""
    records = [
        {
            "file": _relative(script.path, versions),
            "revision": script.revision,
            "down_revision": _text(script.down_revision),
            "message": script.doc,
        }
        for script in revisions
    ]
    return pd.DataFrame(records, columns=["file", "revision", "down_revision", "message"])


def history_frame(revisions: list[Script], heads: set, current: set) -> pd.DataFrame:
    """The revision graph as a table (revisions given oldest first), with head and current marked."""
    records = [
        {
            "revision": script.revision,
            "down_revision": _text(script.down_revision),
            "message": script.doc,
            "head": script.revision in heads,
            "current": script.revision in current,
        }
        for script in revisions
    ]
    return pd.DataFrame(records, columns=["revision", "down_revision", "message", "head", "current"])


def diffs_frame(diffs: list) -> pd.DataFrame:
    """Autogenerate's raw diff tuples as a readable table: change, table, column, detail."""
    records = [_describe(diff) for diff in _flatten(diffs)]
    return pd.DataFrame(records, columns=["change", "table", "column", "detail"])


def diff_sentence(diffs: pd.DataFrame) -> str:
    """A ``diffs_frame`` as one phrase for a message: 'add_column books.isbn; add_table publishers'."""
    return "; ".join(f"{d.change} {d.table}.{d.column}" if d.column else f"{d.change} {d.table}" for d in diffs.itertuples())


def _describe(diff: tuple) -> dict:
    kind = diff[0]
    if kind.startswith("modify_"):  # ("modify_type", schema, table, column, info, old, new)
        return {"change": kind, "table": diff[2], "column": diff[3],
                "detail": f"{diff[5]!s} -> {diff[6]!s}"}
    obj = diff[-1] if kind.endswith("_column") else diff[1]
    if kind.endswith("_column"):  # ("add_column", schema, table, Column)
        return {"change": kind, "table": diff[2], "column": obj.name, "detail": str(obj.type)}
    table = getattr(obj, "table", obj)
    return {"change": kind, "table": getattr(table, "name", ""), "column": "",
            "detail": getattr(obj, "name", "") or ""}


def _flatten(diffs: list) -> list:
    """Column modifications come grouped in lists; make one flat list of tuples."""
    flat = []
    for diff in diffs:
        flat.extend(diff if isinstance(diff, list) else [diff])
    return flat


def _relative(path: str, versions: str) -> str:
    return Path(path).relative_to(Path(versions)).as_posix()


def _text(down_revision) -> str:
    """A parent id as text: '<base>' for the first revision, 'a, b' for a merge."""
    if down_revision is None:
        return "<base>"
    if isinstance(down_revision, (tuple, list)):
        return ", ".join(down_revision)
    return down_revision


def _count(connection, table: str) -> int:
    return connection.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()


def _require_table(inspector, table: str) -> None:
    if not isinstance(table, str) or not table or "\x00" in table:
        raise MigratorError(
            f"{table!r} is not a table name.",
            "Pass the name of a table as text, e.g. ws.rows('books'); ws.tables() lists them.",
        )
    if not inspector.has_table(table):
        known = ", ".join(sorted(inspector.get_table_names())) or "none yet"
        raise MigratorError(
            f"The database has no table {table!r}.",
            f"Use one of its tables ({known}); ws.tables() lists them.",
        )
