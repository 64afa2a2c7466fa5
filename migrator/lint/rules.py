"""The linter's rules, as data: each one a function ``rule(op, ctx) -> list[Finding]``.

A rule is registered with ``@rule(codes..., on=(OpType, ...))``: the registry is keyed
by operation type, and each rule declares the codes it can report with the severity
they have when data is at stake, so ``CODES`` is derived from the registry, never
restated.  ``Context`` holds what a rule may ask: the data (``ctx.facts``), the
revision's other operations, and whether data was changed before an operation.

A rule about one database only says so: ``dialects=("sqlite",)`` (a batch copy) or
``dialects=("postgresql",)`` (``rules_postgresql.py``); it runs only where the
database the revision is judged against is of that dialect.  ``on=(Revision,)`` is a
rule that judges the whole revision once (``pg-no-lock-timeout``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops

from ..i18n import N_, _, ngettext
from .facts import Facts
from .findings import DESTRUCTIVE, WARNING, WILL_FAIL, Finding, at_stake
from .sql import statements
from .types import NOT_UTF8, compatible, narrowing, refused_by_postgresql

#: Operations after which the data is no longer what the database holds now.
DATA_CHANGES = (alembic_ops.ExecuteSQLOp, alembic_ops.BulkInsertOp)


@dataclass
class Context:
    """One revision's operations and the database they will run on, shared by every rule."""

    facts: Facts
    ops: list
    claimed: set[int] = field(default_factory=set)  # ids of created tables / added columns paired as renames

    def __post_init__(self) -> None:
        self._position = {id(op): index for index, op in enumerate(self.ops)}
        changes = [index for index, op in enumerate(self.ops) if isinstance(op, DATA_CHANGES) and not _only_settings(op)]
        self._first_change = changes[0] if changes else len(self.ops)

    def data_changed_before(self, op) -> bool:
        """Did an ``op.execute`` or ``bulk_insert`` run before ``op``? Then the data here no longer tells."""
        return self._position[id(op)] > self._first_change

    def of_type(self, kind: type) -> list:
        return [op for op in self.ops if isinstance(op, kind)]

    @property
    def dialect(self) -> str | None:
        return self.facts.dialect

    def before(self, op) -> list:
        """The operations that run before ``op`` (batch blocks opened up)."""
        return self.ops[: self._position[id(op)]]

    def after(self, op) -> list:
        return self.ops[self._position[id(op)] + 1:]


def _only_settings(op) -> bool:
    """An ``op.execute`` of settings and locks only (``SET lock_timeout``, ``LOCK TABLE``): no data changes."""
    if not isinstance(op.sqltext, (str, sa.TextClause)):
        return False  # an update(), insert()... construct
    found = statements(op)
    return bool(found) and all(re.match(r"(SET|RESET|LOCK)\b", s, re.IGNORECASE) for s in found)


@dataclass(frozen=True)
class Revision:
    """The whole revision, for the rules that judge it once rather than operation by operation."""

    ops: tuple


@dataclass(frozen=True)
class Rule:
    check: Callable[[object, Context], list[Finding]]
    codes: dict[str, str]  # code -> severity when data is at stake
    on: tuple[type, ...]
    dialects: tuple[str, ...] | None = None  # None: every database

    def applies_to(self, dialect: str | None) -> bool:
        return self.dialects is None or dialect in self.dialects


REGISTRY: dict[type, list[Rule]] = {}


def rule(codes: dict[str, str], *, on: tuple[type, ...], dialects: tuple[str, ...] | None = None):
    """Register ``check`` for the operation types ``on``; it reports only the ``codes`` it declares.

    ``dialects``: the databases it is about (``("postgresql",)``); by default, every one.
    """
    def register(check):
        declared = Rule(check, codes, on, dialects)
        for kind in on:
            REGISTRY.setdefault(kind, []).append(declared)
        return check

    return register


def rules_for(op, dialect: str | None = None) -> list[Rule]:
    """The rules for an operation on a ``dialect``'s database, looked up by its type (and the types it derives from)."""
    return [r for kind in type(op).__mro__ for r in REGISTRY.get(kind, ()) if r.applies_to(dialect)]


def codes(dialect: str | None = None) -> dict[str, str]:
    """Every code the linter can report (on ``dialect``'s databases, if given), with its severity when data is at stake."""
    found: dict[str, str] = {}
    for rules in REGISTRY.values():
        for declared in rules:
            if dialect is None or declared.applies_to(dialect):
                found.update(declared.codes)
    return found


# -- drops, and drops that look like renames ------------------------------------------------


@rule({"drop-table": DESTRUCTIVE, "probable-rename": DESTRUCTIVE}, on=(alembic_ops.DropTableOp,))
def dropped_table(op, ctx: Context) -> list[Finding]:
    """A dropped table loses its rows; with a created table of mostly the same columns, it is a rename."""
    rows = ctx.facts.rows(op.table_name)
    old_columns = set(ctx.facts.columns(op.table_name)) or _reverse_columns(op)
    created = [
        new for new in ctx.of_type(alembic_ops.CreateTableOp)
        if id(new) not in ctx.claimed and new.table_name != op.table_name and old_columns
        and len(old_columns & {c.name for c in new.columns if isinstance(c, sa.Column)}) * 2 >= len(old_columns)
    ]
    twin = _best_match(op.table_name, created, lambda new: new.table_name)
    if twin is None:
        return [_drop_table(op.table_name, rows)]
    ctx.claimed.add(id(twin))
    return [_table_rename(op.table_name, twin.table_name, rows)]


@rule({"drop-column": DESTRUCTIVE, "probable-rename": DESTRUCTIVE}, on=(alembic_ops.DropColumnOp,))
def dropped_column(op, ctx: Context) -> list[Finding]:
    """A dropped column loses its values; with an added column of a compatible type, it is a rename."""
    table, column = op.table_name, op.column_name
    values = ctx.facts.count(table, column, "{c} IS NOT NULL")
    old_type = _column_type(ctx.facts, table, column, op)
    old_targets = ctx.facts.foreign_targets(table, column) or _reverse_targets(op)
    candidates = [
        add for add in ctx.of_type(alembic_ops.AddColumnOp)
        if id(add) not in ctx.claimed and add.table_name == table and add.column.name != column
        and compatible(old_type, add.column.type)
        and {fk.target_fullname.split(".")[0] for fk in add.column.foreign_keys} == old_targets
    ]
    twin = _best_match(column, candidates, lambda add: add.column.name)
    if twin is None:
        return [_drop_column(table, column, values)]
    ctx.claimed.add(id(twin))
    return [_column_rename(table, column, twin.column, values)]


def _drop_table(table: str, rows: int) -> Finding:
    if rows:
        what = _("The revision drops the table `{table}` and the {rows} in it. A downgrade "
                 "can recreate the table, but not its rows.", table=table, rows=_n(rows, "row"))
    else:
        what = _("The revision drops the table `{table}`. It has no rows in this database, but a database "
                 "with data (production) would lose them.", table=table)
    return Finding(
        "drop-table", at_stake(rows), table, None, what,
        _("If the table was renamed in the models, replace the drop and the create with "
          "`op.rename_table('{table}', '<new name>')`. If it really must go, back up first "
          "(`ws.backup()`) and acknowledge the finding.", table=table),
    )


def _table_rename(old: str, new: str, rows: int) -> Finding:
    return Finding(
        "probable-rename", at_stake(rows), old, None,
        _("Was the table `{old}` renamed to `{new}`? The revision drops `{old}` ({rows}) and "
          "creates `{new}` with mostly the same columns: autogenerate cannot see renames, so the rows "
          "would be deleted, not moved.", old=old, new=new, rows=_n(rows, "row")),
        _("If it is a rename, replace the drop_table/create_table pair with `op.rename_table('{old}', "
          "'{new}')` (and the reverse in downgrade()). If the tables really are different, acknowledge the drop.",
          old=old, new=new),
    )


def _drop_column(table: str, column: str, values: int) -> Finding:
    if values:
        what = ngettext("The revision drops `{table}.{column}`, which holds {values} here: "
                        "it is deleted, and a downgrade brings the column back empty.",
                        "The revision drops `{table}.{column}`, which holds {values} here: "
                        "they are deleted, and a downgrade brings the column back empty.",
                        values, table=table, column=column, values=_n(values, "value"))
    else:
        what = _("The revision drops `{table}.{column}`. It holds no values in this database, but a "
                 "database with data (production) would lose them.", table=table, column=column)
    return Finding(
        "drop-column", at_stake(values), table, column, what,
        _("Keep the column while its data is still needed. If it was renamed, rename it instead "
          "(`batch_op.alter_column('{column}', new_column_name=...)`). If it really must go, back up "
          "first (`ws.backup()`) and acknowledge the finding.", column=column),
    )


def _column_rename(table: str, old: str, new: sa.Column, values: int) -> Finding:
    return Finding(
        "probable-rename", at_stake(values), table, old,
        _("Was `{old}` renamed to `{new}`? The revision drops `{table}.{old}` ({values}) "
          "and adds `{table}.{new}` ({type}): autogenerate cannot see renames, so the values "
          "would be deleted, not moved.", old=old, new=new.name, table=table, values=_n(values, "value"),
          type=new.type),
        _("If it is a rename, replace the pair with `batch_op.alter_column('{old}', new_column_name="
          "'{new}')` inside `with op.batch_alter_table('{table}') as batch_op:` (and the reverse in "
          "downgrade()): the values move with the column. If they really are two different columns, "
          "acknowledge the drop.", old=old, new=new.name, table=table),
    )


# -- what the data makes fail ---------------------------------------------------------------


@rule({"not-null-no-default": WILL_FAIL}, on=(alembic_ops.AddColumnOp,))
def not_null_without_default(op, ctx: Context) -> list[Finding]:
    """A NOT NULL column without a server default has no value for the rows already there."""
    column = op.column
    if column.nullable or column.server_default is not None or column.primary_key:
        return []
    rows = ctx.facts.rows(op.table_name)
    if not rows:
        return []
    return [Finding(
        "not-null-no-default", WILL_FAIL, op.table_name, column.name,
        _("`{table}` has {rows} here, and the new column `{column}` is NOT NULL "
          "without a server default: there is no value to give the rows already there, so the upgrade "
          "will fail (and be rolled back).", table=op.table_name, rows=_n(rows, "row"), column=column.name),
        _("Add it in three steps: `add_column(..., nullable=True)`; fill it with `op.execute(UPDATE "
          "{table} SET {column} = ...)`; then `alter_column('{column}', nullable=False)` "
          "in batch mode. Or give it a `server_default=` for the existing rows.", table=op.table_name,
          column=column.name),
    )]


@rule({"type-narrowing": DESTRUCTIVE}, on=(alembic_ops.AlterColumnOp,))
def type_narrowing(op, ctx: Context) -> list[Finding]:
    """A narrower type cuts or refuses the values that do not fit it."""
    if op.modify_type is None:
        return []
    new = sa.types.to_instance(op.modify_type)
    old = _column_type(ctx.facts, op.table_name, op.column_name, op)
    if old is None:
        return []
    lost = narrowing(old, new, ctx.dialect or "sqlite")
    if lost is None:
        return []
    where, what_does_not_fit = lost
    table, column = op.table_name, op.column_name
    if where == NOT_UTF8:
        bad = ctx.facts.not_utf8(table, column)
    else:
        bad = ctx.facts.count(table, column, f"{{c}} IS NOT NULL AND ({where})")
    if bad and ctx.dialect == "postgresql" and refused_by_postgresql(old, new) and not op.kw.get("postgresql_using"):
        return [Finding(
            "type-narrowing", WILL_FAIL, table, column,
            _("`{table}.{column}` changes from {old} to {new}, but {values} here {what_does_not_fit}: "
              "PostgreSQL refuses the change, so the upgrade will fail (and be rolled back).", table=table,
              column=column, old=old, new=new, values=_n(bad, "value"), what_does_not_fit=what_does_not_fit),
            _(_NARROWING_FIX),
        )]
    if bad:
        what = _("`{table}.{column}` changes from {old} to {new}, but {values} here "
                 "{what_does_not_fit}. SQLite keeps such values as they are (it does not enforce sizes), "
                 "while PostgreSQL refuses the change and MySQL cuts the values.", table=table, column=column,
                 old=old, new=new, values=_n(bad, "value"), what_does_not_fit=what_does_not_fit)
    else:
        what = _("`{table}.{column}` changes from {old} to {new}. Every value here fits, but in a "
                 "database where values {what_does_not_fit} (production), they would be cut or refused.",
                 table=table, column=column, old=old, new=new, what_does_not_fit=what_does_not_fit)
    return [Finding("type-narrowing", at_stake(bad), table, column, what, _(_NARROWING_FIX))]


_NARROWING_FIX = N_("Look at the values that do not fit first; fix them in a data migration before the type change, "
                    "or keep the wider type.")


@rule({"not-null-on-nulls": WILL_FAIL}, on=(alembic_ops.AlterColumnOp,))
def not_null_on_nulls(op, ctx: Context) -> list[Finding]:
    """NOT NULL on a column that still has NULLs fails (unless the revision filled them first)."""
    if op.modify_nullable is not False or ctx.data_changed_before(op):
        return []
    nulls = ctx.facts.count(op.table_name, op.column_name, "{c} IS NULL")
    if not nulls:
        return []
    return [Finding(
        "not-null-on-nulls", WILL_FAIL, op.table_name, op.column_name,
        ngettext("`{table}.{column}` becomes NOT NULL, but {rows} here "
                 "has no value in it: the upgrade will fail (and be rolled back).",
                 "`{table}.{column}` becomes NOT NULL, but {rows} here "
                 "have no value in it: the upgrade will fail (and be rolled back).",
                 nulls, table=op.table_name, column=op.column_name, rows=_n(nulls, "row")),
        _("Fill those rows first, in the same revision before the change (`op.execute(\"UPDATE "
          "{table} SET {column} = ... WHERE {column} IS NULL\")`), or keep the "
          "column nullable.", table=op.table_name, column=op.column_name),
    )]


@rule({"unique-on-duplicates": WILL_FAIL}, on=(alembic_ops.CreateUniqueConstraintOp, alembic_ops.CreateIndexOp))
def unique_on_duplicates(op, ctx: Context) -> list[Finding]:
    """A unique constraint or index fails on values that appear more than once."""
    if ctx.data_changed_before(op):
        return []
    if isinstance(op, alembic_ops.CreateIndexOp):
        columns = [c for c in op.columns if isinstance(c, str)]
        if not op.unique or len(columns) != len(op.columns):
            return []
    else:
        columns = list(op.columns)
    table = op.table_name
    duplicated = ctx.facts.duplicates(table, columns)
    if not duplicated:
        return []
    where = ", ".join(columns)
    examples = "; ".join(f"{', '.join(repr(v) for v in row[:-1])} ×{row[-1]}" for row in duplicated)
    return [Finding(
        "unique-on-duplicates", WILL_FAIL, table, where if len(columns) > 1 else columns[0],
        _("The revision makes `{table}.{where}` unique, but values here appear more than once "
          "({examples}): the upgrade will fail (and be rolled back).", table=table, where=where, examples=examples),
        _("Decide what the duplicates mean and resolve them first (look at `ws.rows('{table}')`): merge or "
          "correct the rows, in the database or in a data migration before the constraint.", table=table),
    )]


# -- what stops being enforced --------------------------------------------------------------

_WHAT_IT_GUARDED = {
    "unique": N_("duplicates become possible"),
    "foreignkey": N_("rows may then point at rows that do not exist"),
    "check": N_("values it refused become possible"),
    "primary": N_("rows are no longer identified by it"),
}
_RECREATED_FIX = N_("Fine if intended (the models no longer declare it); make sure downgrade() creates it again.")
_CONSTRAINT_KINDS = {"foreignkey": N_("foreign key"), "primary": N_("primary key"), "unique": N_("unique"),
                     "check": N_("check")}


@rule({"drop-constraint": WARNING}, on=(alembic_ops.DropConstraintOp,))
def dropped_constraint(op, ctx: Context) -> list[Finding]:
    """A dropped constraint no longer guards the data (unless the revision creates it again)."""
    name = str(op.constraint_name)
    if _recreated(name, ctx):
        return []
    kind = op.constraint_type or ""
    guarded = _(_WHAT_IT_GUARDED.get(kind, N_("what it enforced is no longer checked")))
    if kind:
        label = _(_CONSTRAINT_KINDS[kind]) if kind in _CONSTRAINT_KINDS else kind
        what = _("The revision drops the {kind} constraint `{name}` on `{table}`: {guarded}.",
                 kind=label, name=name, table=op.table_name, guarded=guarded)
    else:
        what = _("The revision drops the constraint `{name}` on `{table}`: {guarded}.",
                 name=name, table=op.table_name, guarded=guarded)
    return [Finding("drop-constraint", WARNING, op.table_name, None, what, _(_RECREATED_FIX))]


@rule({"drop-index": WARNING}, on=(alembic_ops.DropIndexOp,))
def dropped_index(op, ctx: Context) -> list[Finding]:
    """A dropped index slows queries; a unique one also stops guarding against duplicates."""
    name = str(op.index_name)
    if _recreated(name, ctx) or _goes_with_its_columns(op, name, ctx):
        return []
    reverse = getattr(op, "_reverse", None)
    unique = bool(getattr(reverse, "unique", False) or ctx.facts.indexes(op.table_name or "").get(name, {}).get("unique"))
    return [Finding(
        "drop-index", WARNING, op.table_name or "", None,
        _("The revision drops the index `{name}`: queries that used it get slower; it was unique, "
          "so duplicates become possible.", name=name) if unique else
        _("The revision drops the index `{name}`: queries that used it get slower.", name=name),
        _(_RECREATED_FIX),
    )]


def _goes_with_its_columns(op, name: str, ctx: Context) -> bool:
    """An index on columns the revision drops: the drop-column finding already says it (once)."""
    reverse = getattr(op, "_reverse", None)
    columns = [c for c in getattr(reverse, "columns", ()) if isinstance(c, str)]
    columns = columns or (ctx.facts.indexes(op.table_name or "").get(name) or {}).get("column_names") or []
    dropped = {d.column_name for d in ctx.of_type(alembic_ops.DropColumnOp) if d.table_name == op.table_name}
    return bool(columns) and set(columns) <= dropped


# -- what a batch rebuild loses -------------------------------------------------------------

#: Operations a batch block on SQLite runs in place (Alembic's SQLiteImpl.requires_recreate_in_batch).
_IN_PLACE = (alembic_ops.CreateIndexOp, alembic_ops.DropIndexOp)


@rule({"batch-rebuild-loses-index": WARNING}, on=(alembic_ops.ModifyTableOps,), dialects=("sqlite",))
def batch_rebuild_loses_index(op, ctx: Context) -> list[Finding]:
    """A batch block that copies a SQLite table re-creates its indexes from reflection, losing details."""
    if getattr(op, "recreate", "auto") == "never" or not _rebuilds(op):
        return []
    handled = {str(getattr(o, "index_name", "")) for o in ctx.of_type((alembic_ops.CreateIndexOp, alembic_ops.DropIndexOp))}
    return [
        Finding(
            "batch-rebuild-loses-index", WARNING, op.table_name, None,
            (_("The batch block copies `{table}` (SQLite cannot alter it in place), and the copy "
               "re-creates the index `{name}` from reflection without {what}: it comes back as a plain index "
               "or not at all. Nothing warns, and `alembic check` does not see it.",
               table=op.table_name, name=name, what=what) if _("an expression") in what else
             _("The batch block copies `{table}` (SQLite cannot alter it in place), and the copy "
               "re-creates the index `{name}` from reflection without {what}: it comes back as a plain index. "
               "Nothing warns, and `alembic check` does not see it.",
               table=op.table_name, name=name, what=what)),
            _("After the `with op.batch_alter_table('{table}')` block, drop and re-create the index as it "
              "should be: `op.drop_index('{name}', table_name='{table}', if_exists=True)` then "
              "`op.create_index('{name}', '{table}', [...])` with its DESC, collation or expression.",
              table=op.table_name, name=name),
        )
        for name, what in sorted(ctx.facts.fragile_indexes(op.table_name).items())
        if name not in handled
    ]


def _rebuilds(block) -> bool:
    """Does this batch block copy the table? Everything but plain add_column and index changes does."""
    if getattr(block, "recreate", "auto") == "always":
        return True
    for inner in block.ops:
        if isinstance(inner, alembic_ops.AddColumnOp):
            default = inner.column.server_default
            if isinstance(getattr(default, "arg", None), sa.sql.ClauseElement) or isinstance(default, sa.Computed):
                return True
        elif not isinstance(inner, _IN_PLACE):
            return True
    return False


def _recreated(name: str, ctx: Context) -> bool:
    """Dropped and created again under the same name in the same revision (a change, not a loss)."""
    return any(
        str(getattr(op, "constraint_name", None) or getattr(op, "index_name", None)) == name
        for op in ctx.of_type((alembic_ops.AddConstraintOp, alembic_ops.CreateIndexOp))
    )


# -- small helpers --------------------------------------------------------------------------


def _column_type(facts: Facts, table: str, column: str, op):
    """The column's current type: from the database, else what the operation says."""
    found = facts.columns(table).get(column)
    if found is not None:
        return found["type"]
    reverse = getattr(op, "_reverse", None)  # autogenerate keeps the dropped column here
    if reverse is not None and getattr(reverse, "column", None) is not None:
        return reverse.column.type
    existing = getattr(op, "existing_type", None)
    return sa.types.to_instance(existing) if existing is not None else None


def _reverse_targets(op) -> set[str]:
    """The tables a dropped column pointed at, as autogenerate remembers it."""
    column = getattr(getattr(op, "_reverse", None), "column", None)
    return {fk.target_fullname.split(".")[0] for fk in getattr(column, "foreign_keys", ())}


def _reverse_columns(op) -> set[str]:
    reverse = getattr(op, "_reverse", None)
    if reverse is None:
        return set()
    return {c.name for c in reverse.columns if isinstance(c, sa.Column)}


def _best_match(name: str, candidates: list, name_of: Callable):
    """The candidate whose name is most like ``name`` (ties: the later name), or None."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (difflib.SequenceMatcher(None, name, name_of(c)).ratio(), name_of(c)))


def _n(count: int, noun: str) -> str:
    """``'3 rows'``, ``'1 value'``, in the kit's language (``noun``: ``"row"`` or ``"value"``)."""
    if noun == "row":
        return ngettext("{count:,} row", "{count:,} rows", count, count=count)
    return ngettext("{count:,} value", "{count:,} values", count, count=count)
