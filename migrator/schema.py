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
from .i18n import _

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
    key = set(inspector.get_pk_constraint(table).get("constrained_columns") or ())  # every dialect has this
    return pd.DataFrame(
        {
            "column": [c["name"] for c in found],
            "type": [str(c["type"]) for c in found],
            "nullable": [bool(c["nullable"]) for c in found],
            "default": [c["default"] for c in found],
            "primary_key": [c["name"] in key for c in found],
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
    """The rows of ``table`` in primary-key order: the first ``limit``, or all with ``None``.

    A table without a primary key comes in rowid order on SQLite (the order of insertion);
    other databases have no rowid (PostgreSQL's ``ctid`` moves with every UPDATE), so there
    such a table is sorted by all its columns, which is at least the same order every time.
    """
    inspector = sa.inspect(engine)
    _require_table(inspector, table)
    reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
    query = sa.select(reflected).order_by(*_row_order(reflected, engine.dialect.name)).limit(limit)
    with engine.connect() as connection:
        result = connection.execute(query)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
        if limit is None or len(frame) < limit:
            return frame
        total = _count(connection, table)
    if total <= len(frame):
        return frame
    shown = Rows(frame)
    shown.note = _("first {shown:,} of {total:,} rows; rows({table!r}, limit=None) shows all", shown=len(frame),
                   total=total, table=table)
    return shown


def _row_order(table: sa.Table, dialect: str) -> list:
    if table.primary_key:
        return list(table.primary_key)
    if dialect == "sqlite":
        return [sa.literal_column("rowid")]
    # JSON (PostgreSQL's json) has no ordering operator; NullType is a type reflection did not know.
    return [c for c in table.columns if not isinstance(c.type, (sa.JSON, sa.types.NullType))]


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
            _("{table!r} is not a table name.", table=table),
            _("Pass the name of a table as text, e.g. ws.rows('books'); ws.tables() lists them."),
        )
    if not inspector.has_table(table):
        known = ", ".join(sorted(inspector.get_table_names())) or "none yet"
        raise MigratorError(
            _("The database has no table {table!r}.", table=table),
            _("Use one of its tables ({known}); ws.tables() lists them.", known=known),
        )


# -- the schema as comparable structure ---------------------------------------------------------

#: Per table: {"columns": {...}, "primary key": ..., "foreign keys": set, "indexes": {...}, "checks": set};
#: on PostgreSQL also the pseudo-table SCHEMA_OBJECTS: {"types": {...}, "sequences": {...}}
Structure = dict


def structure(bind) -> Structure:
    """The schema as facts to compare, not DDL text: columns (type, nullability, default), keys,
    indexes with their order, collation, expressions and WHERE, and CHECK constraints.

    Quoting, constraint order and column order do not matter; ``alembic_version`` is left
    out (its row changes, its shape does not).  SQLite is asked with its pragmas, which is
    fast enough to take after every step of a long chain; other databases through
    SQLAlchemy's inspector (PostgreSQL: constraint names, and enum types, domains and
    sequences too).  Two structures compare meaningfully only from the same kind of
    database.  ``bind`` is an Engine, or a Connection (inside a migration).
    """
    if isinstance(bind, sa.Engine):
        with bind.connect() as connection:
            return structure(connection)
    if bind.dialect.name == "sqlite":
        return _sqlite_structure(bind)
    return _inspected_structure(bind)


def structure_diff(before: Structure, after: Structure) -> list[dict]:
    """What differs, one row per object: table, object, before, after (None where it is missing)."""
    rows = []
    for table in sorted(set(before) | set(after)):
        if table not in after or table not in before:
            rows.append({"table": table, "object": "table", "before": "exists" if table in before else None,
                         "after": "exists" if table in after else None})
            continue
        for kind in ("columns", "primary key", "foreign keys", "indexes", "checks", "types", "sequences"):
            old, new = before[table].get(kind), after[table].get(kind)
            if old == new:
                continue
            if isinstance(old, dict):
                for name in sorted(set(old) | set(new), key=str):
                    if old.get(name) != new.get(name):
                        rows.append({"table": table, "object": f"{_ONE[kind]} {name}",
                                     "before": _shown(old.get(name)), "after": _shown(new.get(name))})
            else:
                rows.append({"table": table, "object": kind, "before": _shown(old), "after": _shown(new)})
    return rows


_ONE = {"columns": "column", "indexes": "index", "types": "type", "sequences": "sequence"}


def _shown(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (set, frozenset)):
        return "; ".join(sorted(map(str, value))) or "(none)"
    return str(value)


def _sqlite_structure(connection) -> Structure:
    names = [
        row[0] for row in connection.exec_driver_sql("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'")
        if not row[0].lower().startswith("sqlite_") and row[0] != VERSION_TABLE
    ]
    sql = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_schema").all())
    found = {}
    for table in names:
        quoted = connection.dialect.identifier_preparer.quote(table)
        info = connection.exec_driver_sql(f"PRAGMA table_xinfo({quoted})").all()
        columns = {r[1]: (r[2].upper(), bool(r[3]), r[4]) for r in info if r[6] in (0, 2, 3)}
        key = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        keys: dict[int, list] = {}
        for r in connection.exec_driver_sql(f"PRAGMA foreign_key_list({quoted})"):
            keys.setdefault(r[0], []).append(r)
        foreign = frozenset(
            (rows[0][2], tuple(r[3] for r in rows), tuple(r[4] or "" for r in rows), rows[0][5], rows[0][6])
            for rows in keys.values()
        )
        indexes = {}
        for index in connection.exec_driver_sql(f"PRAGMA index_list({quoted})").all():
            name, unique, origin, partial = index[1], bool(index[2]), index[3], bool(index[4])
            if origin == "pk":
                continue  # the primary key, already compared
            parts = tuple(
                (r[2] if r[1] >= 0 else "<expression>", "desc" if r[3] else "asc", r[4].upper())
                for r in connection.exec_driver_sql(f"PRAGMA index_xinfo({connection.dialect.identifier_preparer.quote(name)})")
                if r[5]
            )
            definition = (unique, parts)
            if partial or any(p[0] == "<expression>" for p in parts):
                definition += (_normalized(sql.get(name) or ""),)  # the expression and WHERE are only in its SQL
            indexes[name if origin == "c" else f"unique {', '.join(p[0] for p in parts)}"] = definition
        checks = frozenset(_normalized(text) for text in _check_clauses(sql.get(table) or ""))
        found[table] = {"columns": columns, "primary key": key, "foreign keys": foreign, "indexes": indexes, "checks": checks}
    return found


def _inspected_structure(connection) -> Structure:
    """The structure through SQLAlchemy's inspector (PostgreSQL and the rest).

    One query per kind of object for every table at once (the inspector's ``get_multi_*``),
    not one per table: the up/down check takes a snapshot after every revision.  Where the
    database keeps names that matter later (PostgreSQL: a downgrade drops a constraint by
    name), constraint names are part of the structure too.  On PostgreSQL the schema's own
    objects are compared as well, under the pseudo-table ``(schema)``: enum types and
    sequences, which ``drop_table`` leaves behind (the classic PostgreSQL downgrade bug:
    the next upgrade then fails with 'type ... already exists').
    """
    inspector = sa.inspect(connection)
    names = [name for name in inspector.get_table_names() if name != VERSION_TABLE]
    if not names:
        return _schema_objects(inspector, {})
    wanted = {"filter_names": names}
    columns = inspector.get_multi_columns(**wanted)
    keys = inspector.get_multi_pk_constraint(**wanted)
    foreign = inspector.get_multi_foreign_keys(**wanted)
    indexes = inspector.get_multi_indexes(**wanted)
    uniques = inspector.get_multi_unique_constraints(**wanted)
    checks = inspector.get_multi_check_constraints(**wanted)
    found = {}
    for table in names:
        key = (None, table)
        found[table] = {
            "columns": {
                c["name"]: (str(c["type"]).upper(), bool(c["nullable"]), c.get("default"),
                            *_extras(c, "comment", "identity", "computed"))
                for c in columns.get(key, ())
            },
            "primary key": tuple(keys.get(key, {}).get("constrained_columns") or ()),
            "foreign keys": frozenset(
                (fk.get("name"), fk["referred_table"], tuple(fk["constrained_columns"]), tuple(fk["referred_columns"]),
                 *sorted((fk.get("options") or {}).items()))
                for fk in foreign.get(key, ())
            ),
            "indexes": {
                i["name"]: (bool(i["unique"]), tuple(i.get("expressions") or i["column_names"]),
                            tuple(sorted((name, tuple(how)) for name, how in (i.get("column_sorting") or {}).items())),
                            *_options(i))
                for i in indexes.get(key, ())
                if not i.get("duplicates_constraint")  # the index behind a UNIQUE constraint: compared below
            } | {
                f"unique {', '.join(u['column_names'])}": (True, tuple(u["column_names"]), u.get("name"), *_options(u))
                for u in uniques.get(key, ())
            },
            "checks": frozenset((c.get("name"), _normalized(c["sqltext"])) for c in checks.get(key, ())),
        }
    return _schema_objects(inspector, found)


def _extras(reflected: dict, *keys: str) -> tuple:
    """What the inspector says beyond the basics, where it says anything: ('identity', '{...}')."""
    return tuple((key, str(reflected[key])) for key in keys if reflected.get(key) is not None)


def _options(reflected: dict) -> tuple:
    """Dialect options (PostgreSQL: WHERE, USING, INCLUDE, NULLS NOT DISTINCT) as comparable pairs."""
    return tuple(sorted((name, str(value)) for name, value in (reflected.get("dialect_options") or {}).items()))


#: The pseudo-table under which the inspector path keeps a schema's own objects (PostgreSQL).
SCHEMA_OBJECTS = "(schema)"


def _schema_objects(inspector, found: Structure) -> Structure:
    if inspector.dialect.name != "postgresql":
        return found
    types = {f"enum {e['name']}": tuple(e["labels"]) for e in inspector.get_enums() if e.get("visible", True)}
    types |= {f"domain {d['name']}": (str(d["type"]), d.get("nullable"), d.get("default"))
              for d in inspector.get_domains() if d.get("visible", True)}
    sequences = {name: "exists" for name in inspector.get_sequence_names()}
    found[SCHEMA_OBJECTS] = {"types": types, "sequences": sequences}
    return found


def _check_clauses(create_table: str) -> list[str]:
    """The CHECK (...) clauses of a CREATE TABLE statement, parentheses balanced."""
    found, upper, start = [], create_table.upper(), 0
    while (at := upper.find("CHECK", start)) >= 0:
        open_at = create_table.find("(", at)
        depth, end = 0, open_at
        for end in range(open_at, len(create_table)):
            depth += {"(": 1, ")": -1}.get(create_table[end], 0)
            if depth == 0:
                break
        found.append(create_table[open_at:end + 1])
        start = end + 1
    return found


def _normalized(sql: str) -> str:
    """SQL text with quoting, case and spacing folded, so equal definitions compare equal."""
    return " ".join(sql.replace('"', "").replace("`", "").replace("[", "").replace("]", "").lower().split())
