"""The linter: changes in a revision that lose data, or will fail on the data you have.

Autogenerate writes what the models say, not what the data needs: a renamed column
comes out as a drop and an add (the values are deleted), a new ``NOT NULL`` column
has no value for the rows already there.  The linter reads a revision's operations
and, where the answer depends on the data, asks the database the revision will run
on (read-only), then explains each finding and how to fix it.

Both ways in feed the same rules:

- right after autogenerate, on the ``UpgradeOps`` it produced (``Revision.findings``);
- on any revision file, by running its ``upgrade()`` against an Alembic
  ``Operations`` object that *records* each operation instead of running it
  (``batch_alter_table`` blocks included), in offline mode, so nothing touches a
  database.  Python code in ``upgrade()`` does run; ``op.execute`` SQL does not.

Severities:

- ``destructive``: data that exists would be lost (a dropped table or column, a
  probable rename, a narrowing type).  ``Workspace.upgrade`` refuses these until
  acknowledged (``acknowledge=["0005:drop-column"]``, or a line
  ``# migrator: acknowledge drop-column`` in the revision file);
- ``will fail``: the data makes the upgrade fail (a NOT NULL column without a value
  for existing rows, a unique constraint on duplicates).  The upgrade would be
  rolled back anyway; the finding says why before you try;
- ``warning``: worth a look, nothing is lost here (a dropped index or constraint;
  a drop on a table that is empty *here* but may not be in production).
"""

from __future__ import annotations

import difflib
import io
import re
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import sqlalchemy as sa
from alembic.operations import BatchOperations, Operations
from alembic.operations import ops as alembic_ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.pool import NullPool

DESTRUCTIVE, WILL_FAIL, WARNING = "destructive", "will fail", "warning"
SEVERITIES = (DESTRUCTIVE, WILL_FAIL, WARNING)
ICONS = {DESTRUCTIVE: "⛔", WILL_FAIL: "💥", WARNING: "⚠️"}

#: Every code the linter can report, with the severity it has when data is at stake.
CODES = {
    "drop-table": DESTRUCTIVE,
    "drop-column": DESTRUCTIVE,
    "probable-rename": DESTRUCTIVE,
    "type-narrowing": DESTRUCTIVE,
    "not-null-no-default": WILL_FAIL,
    "not-null-on-nulls": WILL_FAIL,
    "unique-on-duplicates": WILL_FAIL,
    "drop-constraint": WARNING,
    "drop-index": WARNING,
}

#: ``# migrator: acknowledge drop-column`` or ``# migrator: acknowledge drop-column books.isbn``
MARKER = re.compile(r"#\s*migrator:\s*acknowledge\s+([a-z-]+)(?:[ \t]+([\w.]+))?", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One thing in a revision a learner should know before running it."""

    code: str
    severity: str
    table: str
    column: str | None
    explanation: str
    fix: str
    revision: str | None = None
    acknowledged: bool = False

    @property
    def key(self) -> str:
        """What ``upgrade(acknowledge=[...])`` takes: ``'0005:drop-column'``."""
        return f"{self.revision}:{self.code}" if self.revision else self.code

    @property
    def where(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table

    @property
    def destructive(self) -> bool:
        return self.severity == DESTRUCTIVE

    def __str__(self) -> str:
        return f"{self.code} {self.where} ({self.severity})"

    def _repr_markdown_(self) -> str:
        return Findings([self])._repr_markdown_()


class Findings(tuple):
    """The findings of one or more revisions: a tuple that renders as Markdown or a DataFrame."""

    incomplete: str | None = None  # why the linter could read only part of upgrade()
    scope: str | None = None  # the revision linted, for the heading when nothing was found

    def __new__(cls, findings: Iterable[Finding] = (), incomplete: str | None = None, scope: str | None = None):
        self = super().__new__(cls, findings)
        self.incomplete, self.scope = incomplete, scope
        return self

    @property
    def destructive(self) -> Findings:
        """The findings that lose data and are not acknowledged: what upgrade refuses."""
        return Findings(f for f in self if f.destructive and not f.acknowledged)

    def frame(self) -> pd.DataFrame:
        columns = ["revision", "code", "severity", "table", "column", "explanation", "fix", "acknowledged"]
        return pd.DataFrame([{c: getattr(f, c) for c in columns} for f in self], columns=columns)

    def __repr__(self) -> str:
        if not self:
            return "Linter: no findings"
        return "Linter findings:\n" + "\n".join(f"- {f.key}: {f.where} ({f.severity})" for f in self)

    def _repr_markdown_(self) -> str:
        revisions = sorted({f.revision for f in self if f.revision} | ({self.scope} if self.scope else set()))
        scope = f" for revision{'s' if len(revisions) > 1 else ''} {', '.join(f'`{r}`' for r in revisions)}" if revisions else ""
        if not self:
            lines = [f"**Linter{scope}:** no findings."]
        else:
            counts = ", ".join(
                f"{sum(f.severity == s for f in self)} {s}" for s in SEVERITIES if any(f.severity == s for f in self)
            )
            lines = [f"**Linter{scope}:** {len(self)} finding{'s' if len(self) > 1 else ''} ({counts})", ""]
            for f in self:
                done = " — *acknowledged*" if f.acknowledged else ""
                lines.append(f"- {ICONS[f.severity]} **{f.code}** `{f.where}` ({f.severity}){done}: {f.explanation}  ")
                lines.append(f"  **Fix:** {f.fix}")
        if self.incomplete:
            lines += ["", f"*The linter could read only part of `upgrade()`: {self.incomplete}*"]
        return "\n".join(lines)


# -- running the rules --------------------------------------------------------------


def lint_ops(ops, url: str | None = None, *, revision: str | None = None) -> Findings:
    """Findings for a list of operations (autogenerate's UpgradeOps, or recorded ones).

    ``url`` is the database the operations would run on; it is only read.  Without
    it (or before the database exists) the rules that depend on data stay silent and
    drops are warnings.
    """
    flat = list(_flatten(ops))
    with _Database.open(url) as db:
        found = _drops(flat, db)
        for index, op in enumerate(flat):
            data_changed_before = any(isinstance(o, (alembic_ops.ExecuteSQLOp, alembic_ops.BulkInsertOp)) for o in flat[:index])
            found += _rule(op, db, flat, data_changed_before)
    return Findings(replace(f, revision=revision) for f in found)


def lint_script(script, url: str | None = None) -> Findings:
    """Findings for a revision file (an Alembic ``Script``), marker comments applied."""
    recorded, problem = record_operations(script.module)
    findings = lint_ops(recorded, url, revision=script.revision)
    source = Path(script.path).read_text()
    return Findings(acknowledge(findings, markers(source)), incomplete=problem, scope=script.revision)


def markers(source: str) -> list[tuple[str, str | None]]:
    """The ``# migrator: acknowledge CODE [TABLE[.COLUMN]]`` lines of a revision file."""
    return [(code.lower(), target) for code, target in MARKER.findall(source)]


def acknowledge(findings: Iterable[Finding], accepted: Iterable) -> list[Finding]:
    """Mark findings as acknowledged.

    ``accepted`` holds ``(code, target)`` pairs from markers, or strings given to
    ``upgrade(acknowledge=...)``: ``'0005:drop-column'``, or ``'drop-column'`` for
    every revision.
    """
    pairs = [_parse(a) for a in accepted]
    out = []
    for f in findings:
        hit = any(
            code == f.code
            and (rev is None or rev == f.revision)
            and (target is None or target in (f.table, f.where))
            for rev, code, target in pairs
        )
        out.append(replace(f, acknowledged=True) if hit else f)
    return out


def _parse(item) -> tuple[str | None, str, str | None]:
    if isinstance(item, tuple):  # from a marker: (code, target)
        return None, item[0], item[1] or None
    parts = str(item).strip().split(":")
    if len(parts) == 1:
        return None, parts[0].lower(), None
    return parts[0], parts[1].lower(), (parts[2] if len(parts) > 2 else None)


# -- recording a revision's operations ------------------------------------------------


def destructive_findings(ws, revision: str, direction: str = "upgrade") -> Findings:
    """The unacknowledged destructive findings of one direction of a revision, against ``ws``'s data.

    For a confirmation before a move (the explorer asks this before running a step).
    ``direction="downgrade"`` reads ``downgrade()``, judged against the database as it
    is now, which is the state a downgrade starts from.
    """
    script = ws.script_directory().get_revision(revision)
    recorded, problem = record_operations(script.module, function=direction)
    findings = lint_ops(recorded, ws.url, revision=script.revision)
    if direction == "upgrade":
        findings = acknowledge(findings, markers(Path(script.path).read_text()))
    return Findings(findings, incomplete=problem, scope=script.revision).destructive


def record_operations(module, dialect: str = "sqlite", function: str = "upgrade") -> tuple[list, str | None]:
    """Run ``module.upgrade()`` against an Operations object that records, not executes.

    Returns the operations (``batch_alter_table`` blocks as ``ModifyTableOps``) and,
    if ``upgrade()`` raised part-way, a short description of why (the operations up
    to that point are still returned).
    """
    context = MigrationContext.configure(
        dialect_name=dialect, opts={"as_sql": True, "output_buffer": io.StringIO()}
    )
    recorded: list = []
    operations = Operations(context)
    operations.invoke = _recorder(recorded, context)
    operations.batch_alter_table = _batch_recorder(recorded, context)
    operations._install_proxy()
    problem = None
    try:
        getattr(module, function)()
    except Exception as exc:  # a revision that fails is linted as far as it got
        frame = next((f for f in reversed(traceback.extract_tb(exc.__traceback__))
                      if Path(f.filename).parent.name == "versions"), None)
        line = f" (line {frame.lineno})" if frame else ""
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{line}"
    finally:
        operations._remove_proxy()
    return recorded, problem


def _recorder(recorded: list, context):
    def invoke(operation):
        recorded.append(operation)
        if isinstance(operation, alembic_ops.CreateTableOp):
            return operation.to_table(context)  # code may use the Table (bulk_insert)
        return None

    return invoke


def _batch_recorder(recorded: list, context):
    @contextmanager
    def batch_alter_table(table_name, schema=None, **_options):
        inner: list = []
        batch = BatchOperations(context, impl=SimpleNamespace(table_name=table_name, schema=schema))
        batch.invoke = _recorder(inner, context)
        yield batch
        recorded.append(alembic_ops.ModifyTableOps(table_name, inner, schema=schema))

    return batch_alter_table


def _flatten(ops) -> Iterator:
    if ops is None:
        return
    items = ops.ops if isinstance(ops, alembic_ops.OpContainer) else ops
    for op in items:
        if isinstance(op, alembic_ops.OpContainer):
            yield from _flatten(op)
        else:
            yield op


# -- what the database says ---------------------------------------------------------


class _Database:
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
            with engine.connect() as connection:
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


# -- the rules ------------------------------------------------------------------------


def _rule(op, db: _Database, flat: list, data_changed_before: bool) -> list[Finding]:
    if isinstance(op, alembic_ops.AddColumnOp):
        return _not_null_no_default(op, db)
    if isinstance(op, alembic_ops.AlterColumnOp):
        found = _type_narrowing(op, db)
        if op.modify_nullable is False and not data_changed_before:
            found += _not_null_on_nulls(op, db)
        return found
    if isinstance(op, alembic_ops.CreateUniqueConstraintOp) and not data_changed_before:
        return _unique_on_duplicates(op.table_name, list(op.columns), op.constraint_name, db)
    if isinstance(op, alembic_ops.CreateIndexOp) and op.unique and not data_changed_before:
        columns = [c for c in op.columns if isinstance(c, str)]
        return _unique_on_duplicates(op.table_name, columns, op.index_name, db) if len(columns) == len(op.columns) else []
    if isinstance(op, alembic_ops.DropConstraintOp):
        return _drop_constraint(op, flat)
    if isinstance(op, alembic_ops.DropIndexOp):
        return _drop_index(op, db, flat)
    return []


def _drops(flat: list, db: _Database) -> list[Finding]:
    """Dropped tables and columns, paired with added ones where it looks like a rename."""
    found: list[Finding] = []
    created = {op.table_name: op for op in flat if isinstance(op, alembic_ops.CreateTableOp)}
    for op in flat:
        if not isinstance(op, alembic_ops.DropTableOp):
            continue
        rows = db.rows(op.table_name)
        old_columns = set(db.columns(op.table_name)) or _reverse_columns(op)
        twin = _best_match(op.table_name, [
            name for name, new in created.items()
            if old_columns and len(old_columns & {c.name for c in new.columns if isinstance(c, sa.Column)}) * 2 >= len(old_columns)
        ])
        if twin:
            created.pop(twin)
            found.append(_table_rename(op.table_name, twin, rows))
        else:
            found.append(_drop_table(op.table_name, rows))

    added = [op for op in flat if isinstance(op, alembic_ops.AddColumnOp)]
    for op in flat:
        if not isinstance(op, alembic_ops.DropColumnOp):
            continue
        table, column = op.table_name, op.column_name
        values = db.count(table, column, "{c} IS NOT NULL")
        old_type = _column_type(db, table, column, op)
        candidates = [a for a in added if a.table_name == table and _compatible(old_type, a.column.type)]
        twin = _best_match(column, [a.column.name for a in candidates])
        if twin:
            new = next(a for a in candidates if a.column.name == twin)
            added.remove(new)
            found.append(_column_rename(table, column, new.column, values))
        else:
            found.append(_drop_column(table, column, values))
    return found


def _drop_table(table: str, rows: int) -> Finding:
    if rows:
        what = (f"The revision drops the table `{table}` and the {_n(rows, 'row')} in it. A downgrade "
                "can recreate the table, but not its rows.")
    else:
        what = (f"The revision drops the table `{table}`. It has no rows in this database, but a database "
                "with data (production) would lose them.")
    return Finding(
        "drop-table", DESTRUCTIVE if rows else WARNING, table, None, what,
        "If the table was renamed in the models, replace the drop and the create with "
        f"`op.rename_table('{table}', '<new name>')`. If it really must go, back up first "
        "(`ws.backup()`) and acknowledge the finding.",
    )


def _table_rename(old: str, new: str, rows: int) -> Finding:
    return Finding(
        "probable-rename", DESTRUCTIVE if rows else WARNING, old, None,
        f"Was the table `{old}` renamed to `{new}`? The revision drops `{old}` ({_n(rows, 'row')}) and "
        f"creates `{new}` with mostly the same columns: autogenerate cannot see renames, so the rows "
        "would be deleted, not moved.",
        f"If it is a rename, replace the drop_table/create_table pair with `op.rename_table('{old}', "
        f"'{new}')` (and the reverse in downgrade()). If the tables really are different, acknowledge the drop.",
    )


def _drop_column(table: str, column: str, values: int) -> Finding:
    if values:
        what = (f"The revision drops `{table}.{column}`, which holds {_n(values, 'value')} here: "
                f"{'it is' if values == 1 else 'they are'} deleted, and a downgrade brings the column back empty.")
    else:
        what = (f"The revision drops `{table}.{column}`. It holds no values in this database, but a "
                "database with data (production) would lose them.")
    return Finding(
        "drop-column", DESTRUCTIVE if values else WARNING, table, column, what,
        "Keep the column while its data is still needed. If it was renamed, rename it instead "
        f"(`batch_op.alter_column('{column}', new_column_name=...)`). If it really must go, back up "
        "first (`ws.backup()`) and acknowledge the finding.",
    )


def _column_rename(table: str, old: str, new: sa.Column, values: int) -> Finding:
    return Finding(
        "probable-rename", DESTRUCTIVE if values else WARNING, table, old,
        f"Was `{old}` renamed to `{new.name}`? The revision drops `{table}.{old}` ({_n(values, 'value')}) "
        f"and adds `{table}.{new.name}` ({new.type}): autogenerate cannot see renames, so the values "
        "would be deleted, not moved.",
        f"If it is a rename, replace the pair with `batch_op.alter_column('{old}', new_column_name="
        f"'{new.name}')` inside `with op.batch_alter_table('{table}') as batch_op:` (and the reverse in "
        "downgrade()): the values move with the column. If they really are two different columns, "
        "acknowledge the drop.",
    )


def _not_null_no_default(op, db: _Database) -> list[Finding]:
    column = op.column
    if column.nullable or column.server_default is not None or column.primary_key:
        return []
    rows = db.rows(op.table_name)
    if not rows:
        return []
    return [Finding(
        "not-null-no-default", WILL_FAIL, op.table_name, column.name,
        f"`{op.table_name}` has {_n(rows, 'row')} here, and the new column `{column.name}` is NOT NULL "
        "without a server default: there is no value to give the rows already there, so the upgrade "
        "will fail (and be rolled back).",
        f"Add it in three steps: `add_column(..., nullable=True)`; fill it with `op.execute(UPDATE "
        f"{op.table_name} SET {column.name} = ...)`; then `alter_column('{column.name}', nullable=False)` "
        "in batch mode. Or give it a `server_default=` for the existing rows.",
    )]


def _not_null_on_nulls(op, db: _Database) -> list[Finding]:
    nulls = db.count(op.table_name, op.column_name, "{c} IS NULL")
    if not nulls:
        return []
    return [Finding(
        "not-null-on-nulls", WILL_FAIL, op.table_name, op.column_name,
        f"`{op.table_name}.{op.column_name}` becomes NOT NULL, but {_n(nulls, 'row')} here "
        f"{'has' if nulls == 1 else 'have'} no value in it: the upgrade will fail (and be rolled back).",
        f"Fill those rows first, in the same revision before the change (`op.execute(\"UPDATE "
        f"{op.table_name} SET {op.column_name} = ... WHERE {op.column_name} IS NULL\")`), or keep the "
        "column nullable.",
    )]


def _unique_on_duplicates(table: str, columns: list[str], name, db: _Database) -> list[Finding]:
    duplicated = db.duplicates(table, columns)
    if not duplicated:
        return []
    where = ", ".join(columns)
    examples = "; ".join(
        f"{', '.join(repr(v) for v in row[:-1])} ×{row[-1]}" for row in duplicated
    )
    return [Finding(
        "unique-on-duplicates", WILL_FAIL, table, where if len(columns) > 1 else columns[0],
        f"The revision makes `{table}.{where}` unique, but values here appear more than once "
        f"({examples}): the upgrade will fail (and be rolled back).",
        f"Decide what the duplicates mean and resolve them first (look at `ws.rows('{table}')`): merge or "
        "correct the rows, in the database or in a data migration before the constraint.",
    )]


_WHAT_IT_GUARDED = {
    "unique": "duplicates become possible",
    "foreignkey": "rows may then point at rows that do not exist",
    "check": "values it refused become possible",
    "primary": "rows are no longer identified by it",
}


def _drop_constraint(op, flat: list) -> list[Finding]:
    name = str(op.constraint_name)
    if _recreated(name, flat):
        return []
    kind = op.constraint_type or ""
    label = {"foreignkey": "foreign key", "primary": "primary key"}.get(kind, kind)
    return [Finding(
        "drop-constraint", WARNING, op.table_name, None,
        f"The revision drops the {label + ' ' if label else ''}constraint `{name}` on `{op.table_name}`: "
        f"{_WHAT_IT_GUARDED.get(kind, 'what it enforced is no longer checked')}.",
        "Fine if intended (the models no longer declare it); make sure downgrade() creates it again.",
    )]


def _drop_index(op, db: _Database, flat: list) -> list[Finding]:
    name = str(op.index_name)
    if _recreated(name, flat):
        return []
    reverse = getattr(op, "_reverse", None)
    unique = bool(getattr(reverse, "unique", False) or db.indexes(op.table_name or "").get(name, {}).get("unique"))
    return [Finding(
        "drop-index", WARNING, op.table_name or "", None,
        f"The revision drops the index `{name}`: queries that used it get slower"
        f"{'; it was unique, so duplicates become possible' if unique else ''}.",
        "Fine if intended (the models no longer declare it); make sure downgrade() creates it again.",
    )]


def _recreated(name: str, flat: list) -> bool:
    """Dropped and created again under the same name in the same revision (a change, not a loss)."""
    return any(
        str(getattr(op, "constraint_name", None) or getattr(op, "index_name", None)) == name
        for op in flat
        if isinstance(op, (alembic_ops.AddConstraintOp, alembic_ops.CreateIndexOp))
    )


# -- types ------------------------------------------------------------------------------


def _type_narrowing(op, db: _Database) -> list[Finding]:
    if op.modify_type is None:
        return []
    new = sa.types.to_instance(op.modify_type)
    old = _column_type(db, op.table_name, op.column_name, op)
    if old is None:
        return []
    narrowing = _narrowing(old, new)
    if narrowing is None:
        return []
    where, what_does_not_fit = narrowing
    table, column = op.table_name, op.column_name
    bad = db.count(table, column, f"{{c}} IS NOT NULL AND ({where})")
    if bad:
        what = (f"`{table}.{column}` changes from {old} to {new}, but {_n(bad, 'value')} here "
                f"{what_does_not_fit}. SQLite keeps such values as they are (it does not enforce sizes), "
                "while PostgreSQL refuses the change and MySQL cuts the values.")
    else:
        what = (f"`{table}.{column}` changes from {old} to {new}. Every value here fits, but in a "
                f"database where values {what_does_not_fit} (production), they would be cut or refused.")
    return [Finding(
        "type-narrowing", DESTRUCTIVE if bad else WARNING, table, column, what,
        "Look at the values that do not fit first; fix them in a data migration before the type change, "
        "or keep the wider type.",
    )]


_INT_RANGE = {"small": 2**15, "int": 2**31, "big": 2**63}


def _narrowing(old, new) -> tuple[str, str] | None:
    """(SQL condition on {c} for a value that does not fit, the same in words), or None."""
    old_kind, new_kind = _family(old), _family(new)
    if old_kind == new_kind == "string":
        if new.length is not None and (old.length is None or new.length < old.length):
            return f"length({{c}}) > {new.length}", f"are longer than {new.length} characters"
        return None
    if old_kind == "string" and new_kind not in ("string", "enum"):
        return "1 = 1", f"are text that must become {new}"
    if old_kind == new_kind == "integer":
        old_size, new_size = _int_size(old), _int_size(new)
        if _INT_RANGE[new_size] < _INT_RANGE[old_size]:
            limit = _INT_RANGE[new_size]
            return f"{{c}} < {-limit} OR {{c}} >= {limit}", f"are outside the range of {new}"
        return None
    if old_kind in ("numeric", "float") and new_kind == "integer":
        return "{c} != CAST({c} AS INTEGER)", "have a fractional part"
    if old_kind in ("numeric", "float") and new_kind == "numeric" and new.precision is not None:
        old_p = getattr(old, "precision", None) if old_kind == "numeric" else None
        old_s = (getattr(old, "scale", None) or 0) if old_kind == "numeric" else None
        new_s = new.scale or 0
        shrinks = old_p is None or new.precision - new_s < old_p - (old_s or 0) or (old_s is not None and new_s < old_s)
        if shrinks:
            digits = 10 ** (new.precision - new_s)
            return (f"abs({{c}}) >= {digits} OR round({{c}}, {new_s}) != {{c}}",
                    f"do not fit {new} ({new.precision - new_s} digits before the point, {new_s} after)")
        return None
    if old_kind == "datetime" and new_kind == "date":
        return "length({c}) > 10", "have a time of day that DATE drops"
    return None


def _family(type_) -> str:
    checks = [
        (sa.Boolean, "boolean"), (sa.Enum, "enum"), (sa.Integer, "integer"), (sa.Float, "float"),
        (sa.Numeric, "numeric"), (sa.String, "string"), (sa.DateTime, "datetime"), (sa.Date, "date"),
        (sa.Time, "time"), (sa.LargeBinary, "binary"), (sa.JSON, "json"),
    ]
    return next((name for cls, name in checks if isinstance(type_, cls)), type(type_).__name__.lower())


def _int_size(type_) -> str:
    if isinstance(type_, sa.SmallInteger):
        return "small"
    if isinstance(type_, sa.BigInteger):
        return "big"
    return "int"


def _compatible(old, new) -> bool:
    """Could a value of ``old`` live in ``new``? (the test for a probable rename)"""
    if old is None:
        return True  # the dropped column's type is unknown: judge by the pair alone
    numbers = {"integer", "numeric", "float"}
    a, b = _family(old), _family(sa.types.to_instance(new))
    return a == b or {a, b} <= numbers or {a, b} <= {"string", "enum"}


def _column_type(db: _Database, table: str, column: str, op):
    """The column's current type: from the database, else what the operation says."""
    found = db.columns(table).get(column)
    if found is not None:
        return found["type"]
    reverse = getattr(op, "_reverse", None)  # autogenerate keeps the dropped column here
    if reverse is not None and getattr(reverse, "column", None) is not None:
        return reverse.column.type
    existing = getattr(op, "existing_type", None)
    return sa.types.to_instance(existing) if existing is not None else None


def _reverse_columns(op) -> set[str]:
    reverse = getattr(op, "_reverse", None)
    if reverse is None:
        return set()
    return {c.name for c in reverse.columns if isinstance(c, sa.Column)}


def _best_match(name: str, candidates: list[str]) -> str | None:
    if not candidates:
        return None
    return max(candidates, key=lambda c: (difflib.SequenceMatcher(None, name, c).ratio(), c))


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
