"""PostgreSQL's rules: what a revision does to a live table's locks, judged against its real size.

On PostgreSQL nothing in these revisions loses data; the risk is the lock.  Most DDL
takes ACCESS EXCLUSIVE (no one reads or writes the table until the transaction ends),
or SHARE (no one writes), and while it waits for its lock every later query on the
table queues behind it.  A statement that is quick holds it for a moment; one that
rewrites or scans the table holds it for as long as that takes on every row.  So the
findings here are warnings, and only where the table has rows (an empty table is
rewritten or scanned at once).  Two are failures whatever the data: CONCURRENTLY
inside a transaction block, and a type PostgreSQL will not cast without ``USING``;
``ALTER TYPE ... ADD VALUE`` fails on a server before 12, or where the value is used
in the same transaction.

Every rule here is registered with ``dialects=("postgresql",)``: it runs only when the
database the revision is judged against is a PostgreSQL one.  Transactions are the
recorder's (``autocommit_block()`` ends one and starts another; ``recorder.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops
from sqlalchemy.dialects import postgresql

from ..i18n import N_, _, ngettext
from .facts import not_null_check
from .findings import WARNING, WILL_FAIL, Finding
from .recorder import in_autocommit, same_transaction, transaction_of
from .rules import Context, Revision, _column_type, _n, rule
from .sql import (
    add_constraint,
    add_value,
    alter_table,
    concurrently,
    create_index,
    lock_timeout,
    set_not_null,
    statements,
    strong_locks,
    text_of,
    validate_constraint,
)
from .sql import name as sql_name
from .types import pg_type, rewrites_on_postgresql

PG = ("postgresql",)
_DIALECT = postgresql.dialect()
#: How a later transaction is written in a revision (Alembic commits what ran before it).  In a fix, each
#: piece of code is in backticks, and a piece that ends with ':' holds the piece after it.
AUTOCOMMIT = "with op.get_context().autocommit_block():"
_KIT_MOVES = N_("The kit runs a whole upgrade (every pending revision) in one transaction; a revision with an "
              "`autocommit_block()` makes it run the way Alembic does, committing before the block.")


# -- a table rewrite under ACCESS EXCLUSIVE ---------------------------------------------------


@rule({"pg-table-rewrite": WARNING, "pg-type-needs-using": WILL_FAIL}, on=(alembic_ops.AlterColumnOp,), dialects=PG)
def type_change(op, ctx: Context) -> list[Finding]:
    """A type change that PostgreSQL cannot cast by itself fails; one that rewrites holds the table for the rewrite."""
    if op.modify_type is None:
        return []
    table, column = op.table_name, op.column_name
    new = sa.types.to_instance(op.modify_type)
    old = _column_type(ctx.facts, table, column, op)
    if old is None:
        return []
    found = []
    using = op.kw.get("postgresql_using")
    try:
        old_sql, new_sql = pg_type(old), pg_type(new)
    except Exception:  # a type PostgreSQL has no name for: nothing to ask
        return []
    if using is None and ctx.facts.automatic_cast(old_sql, new_sql) is False:
        found.append(Finding(
            "pg-type-needs-using", WILL_FAIL, table, column,
            _("`{table}.{column}` changes from {old} to {new}, which PostgreSQL does not cast by itself: "
              "the ALTER fails (\"column cannot be cast automatically\") whatever the data, even on an empty table.",
              table=table, column=column, old=old_sql, new=new_sql),
            _("Say how to convert: `op.alter_column('{table}', '{column}', type_={type}, "
              "postgresql_using='{column}::{cast}')` (values that do not convert still fail).",
              table=table, column=column, type=_render(new), cast=new_sql.lower()) + " "
            + (_("`{table}` has rows: prefer the steps of pg-table-rewrite.", table=table) if ctx.facts.rows(table) else ""),
        ))
    rows = ctx.facts.rows(table)
    if rows and rewrites_on_postgresql(old, new, utc=_utc(ctx)):
        found.append(Finding(
            "pg-table-rewrite", WARNING, table, column,
            _("`{table}.{column}` changes from {old} to {new}: PostgreSQL rewrites the whole table "
              "({rows} here, and its indexes) under an ACCESS EXCLUSIVE lock, so nothing reads or writes "
              "`{table}` until it is done. (A longer varchar, varchar to text, a numeric with more precision change "
              "only the catalog.)", table=table, column=column, old=old_sql, new=new_sql, rows=_n(rows, "row")),
            _expand_contract(ctx, table, column, old_sql, new, using),
        ))
    return found


def _expand_contract(ctx: Context, table: str, column: str, old_sql: str, new, using: str | None) -> str:
    new_column, key = f"{column}_new", _key(ctx, table)
    value = using or f"CAST({column} AS {pg_type(new)})"
    return _(
        "Expand and contract instead of changing the type in place: "
        "(1) `op.add_column('{table}', sa.Column('{new_column}', {type}, nullable=True))` (no rewrite); "
        "(2) backfill in batches, each its own short transaction: `max_id = op.get_bind().execute(sa.text("
        "\"SELECT max({key}) FROM {table}\")).scalar() or 0` then `{autocommit}` `for start in range(0, max_id + 1, "
        "10_000): op.execute(f\"UPDATE {table} SET {new_column} = {value} WHERE {key} >= {{start}} AND {key} < "
        "{{start + 10_000}}\")`, and keep the two in step while the app writes (a trigger, or the app writes both); "
        "(3) switch the app to `{new_column}`; (4) in a later revision, contract: `op.drop_column('{table}', "
        "'{column}')` and `op.alter_column('{table}', '{new_column}', new_column_name='{column}')`.",
        table=table, column=column, new_column=new_column, type=_render(new), key=key, autocommit=AUTOCOMMIT,
        value=value,
    )


@rule({"pg-table-rewrite": WARNING}, on=(alembic_ops.AddColumnOp,), dialects=PG)
def add_column_rewrite(op, ctx: Context) -> list[Finding]:
    """A new column whose default differs row by row (volatile, generated, identity) is written into every row."""
    table, column = op.table_name, op.column
    why = _rewriting_default(column, ctx)
    if why is None:
        return []
    rows = ctx.facts.rows(table)
    if not rows:
        return []
    default, expression = why
    return [Finding(
        "pg-table-rewrite", WARNING, table, column.name,
        _("The new column `{table}.{column}` has {default}: PostgreSQL computes it for each of the "
          "{rows} here and rewrites the table under an ACCESS EXCLUSIVE lock, so nothing reads or writes "
          "`{table}` until it is done. (A constant default, or now(), is stored once since PostgreSQL 11: no rewrite.)",
          table=table, column=column.name, default=default, rows=_n(rows, "row")),
        _("Add the column without it, give new rows the default, then fill the old rows in batches: "
          "`op.add_column('{table}', sa.Column('{column}', {type}, nullable=True))`; "
          "`op.alter_column('{table}', '{column}', server_default=sa.text(\"{expression}\"))` (new rows only: no "
          "rewrite); then `{autocommit}` `op.execute(\"UPDATE {table} SET {column} = {expression} WHERE "
          "{key} >= ... AND {key} < ...\")` batch by batch. Make it NOT NULL afterwards the way "
          "pg-not-null-scan says.", table=table, column=column.name, type=_render(column.type), expression=expression,
          autocommit=AUTOCOMMIT, key=_key(ctx, table)),
    )]


def _rewriting_default(column: sa.Column, ctx: Context) -> tuple[str, str] | None:
    """(what the default is, in words; its SQL) if adding the column rewrites the table, else None."""
    if column.computed is not None:
        if column.computed.persisted is not True:
            return None  # VIRTUAL (PostgreSQL 18+): computed when read, nothing is written
        text = str(column.computed.sqltext)
        return _("a generated value (GENERATED ALWAYS AS ({text}) STORED)", text=text), text
    if column.identity is not None:
        return _("an identity (a nextval() per row)"), "nextval('<its sequence>')"
    default = column.server_default
    if default is None or not isinstance(default, sa.DefaultClause):
        return None
    arg = default.arg
    text = arg if isinstance(arg, str) else str(arg.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
    version = ctx.facts.server_version
    if version is not None and version < (11,):
        return _("a default ({text}), which PostgreSQL {version} writes into every row (before 11, any default does)",
                 text=text, version=version[0]), text
    if isinstance(arg, str):
        return None  # a constant: stored once in the catalog
    volatile = ctx.facts.volatile_functions(text)
    if not volatile:
        return None
    return _("a volatile default `{text}` ({functions}: a different value for each row)",
             text=text, functions=", ".join(f + "()" for f in volatile)), text


# -- CREATE INDEX, and CONCURRENTLY in a transaction ----------------------------------------


@rule({"pg-index-not-concurrent": WARNING},
      on=(alembic_ops.CreateIndexOp, alembic_ops.CreateUniqueConstraintOp, alembic_ops.ExecuteSQLOp), dialects=PG)
def index_not_concurrent(op, ctx: Context) -> list[Finding]:
    """An index built without CONCURRENTLY holds a SHARE lock for the whole build: no writes meanwhile."""
    if isinstance(op, alembic_ops.CreateIndexOp):
        if op.kw.get("postgresql_concurrently"):
            return []
        built = [(str(op.index_name), op.table_name, False, _concurrent_index(op))]
    elif isinstance(op, alembic_ops.CreateUniqueConstraintOp):
        index = alembic_ops.CreateIndexOp(str(op.constraint_name), op.table_name, list(op.columns), unique=True)
        built = [(str(op.constraint_name), op.table_name, True, _concurrent_index(index))]
    else:
        built = [(i.name, i.table, False, "op.execute(\"" + _with_concurrently(s) + "\")")
                 for s in statements(op, _DIALECT) if (i := create_index(s)) is not None and not i.concurrently]
    found = []
    for name, table, constraint, concurrent in built:
        rows = ctx.facts.rows(table)
        if not rows:
            continue
        block = f"`{AUTOCOMMIT}` `{concurrent}`"
        if constraint:
            what = _("The unique constraint `{name}` builds its index on `{table}` holds a SHARE lock on `{table}` for "
                     "the whole build over its {rows}: every INSERT, UPDATE and DELETE waits until the index is built.",
                     name=name, table=table, rows=_n(rows, "row"))
            fix = _("Build the index concurrently, then make it the constraint: {block}, then "
                    "`op.execute('ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}')` (a quick "
                    "catalog change).", block=block, table=table, name=name)
        else:
            what = _("`CREATE INDEX {name}` on `{table}` (without CONCURRENTLY) holds a SHARE lock on `{table}` for "
                     "the whole build over its {rows}: every INSERT, UPDATE and DELETE waits until the index is built.",
                     name=name, table=table, rows=_n(rows, "row"))
            fix = _("Build it without blocking writes: {block}. If a concurrent build fails it leaves an INVALID "
                    "index: drop it (`op.drop_index('{name}', table_name='{table}', if_exists=True, "
                    "postgresql_concurrently=True)`, in the block too) and run it again.", block=block, name=name, table=table)
        found.append(Finding("pg-index-not-concurrent", WARNING, table, None, what, fix))
    return found


@rule({"pg-concurrently-in-transaction": WILL_FAIL},
      on=(alembic_ops.CreateIndexOp, alembic_ops.DropIndexOp, alembic_ops.ExecuteSQLOp), dialects=PG)
def concurrently_in_transaction(op, ctx: Context) -> list[Finding]:
    """CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block, and a revision runs in one."""
    if in_autocommit(op):
        return []
    if isinstance(op, (alembic_ops.CreateIndexOp, alembic_ops.DropIndexOp)):
        if not op.kw.get("postgresql_concurrently"):
            return []
        verb = "create_index" if isinstance(op, alembic_ops.CreateIndexOp) else "drop_index"
        cases = [(op.table_name or "", f"`op.{verb}('{op.index_name}', ..., postgresql_concurrently=True)`")]
    else:
        cases = [(_table_in(s), f"`{' '.join(s.split())[:80]}`") for s in statements(op, _DIALECT) if concurrently(s)]
    return [Finding(
        "pg-concurrently-in-transaction", WILL_FAIL, table, None,
        _("{what} runs inside the revision's transaction, and PostgreSQL refuses CONCURRENTLY there "
          "(\"cannot run inside a transaction block\"): the upgrade will fail (and be rolled back).", what=what),
        _("Run it outside the transaction: put it under `{autocommit}`. {kit_moves}",
          autocommit=AUTOCOMMIT, kit_moves=_(_KIT_MOVES)),
    ) for table, what in cases]


# -- a foreign key or CHECK validated under a strong lock -----------------------------------


@rule({"pg-constraint-not-valid": WARNING},
      on=(alembic_ops.CreateForeignKeyOp, alembic_ops.CreateCheckConstraintOp, alembic_ops.ExecuteSQLOp), dialects=PG)
def constraint_not_valid(op, ctx: Context) -> list[Finding]:
    """A new FK or CHECK checks every row under its lock, unless added NOT VALID and validated in a later transaction."""
    if isinstance(op, alembic_ops.CreateForeignKeyOp):
        added = [_Added(op.source_table, str(op.constraint_name), "foreign key", bool(op.kw.get("postgresql_not_valid")),
                        f"FOREIGN KEY ({', '.join(op.local_cols)}) REFERENCES {op.referent_table} "
                        f"({', '.join(op.remote_cols)})", op.referent_table)]
    elif isinstance(op, alembic_ops.CreateCheckConstraintOp):
        added = [_Added(op.table_name, str(op.constraint_name), "check", bool(op.kw.get("postgresql_not_valid")),
                        f"CHECK ({_condition(op.condition)})", None)]
    else:
        added = [_Added(a.table, a.name, a.kind, a.not_valid, f"{a.kind.upper()} {a.definition}", _referent(a.definition))
                 for s in statements(op, _DIALECT) if (a := add_constraint(s)) is not None]
    found = []
    for constraint in added:
        rows = ctx.facts.rows(constraint.table)
        if not rows:
            continue
        foreign = constraint.kind == "foreign key"
        lock = (_("SHARE ROW EXCLUSIVE on `{table}` and `{referent}` (no writes to either)",
                  table=constraint.table, referent=constraint.referent)
                if foreign else _("ACCESS EXCLUSIVE on `{table}` (no reads or writes)", table=constraint.table))
        if not constraint.not_valid:
            what = _(_CHECKED_AT_ONCE[foreign], name=constraint.name, rows=_n(rows, "row"), table=constraint.table,
                     lock=lock)
        else:
            validation = _validation(op, constraint, ctx)
            if validation is None or not same_transaction(op, validation):
                continue  # NOT VALID, validated later (or in a later revision): the near miss that passes
            what = _(_VALIDATED_TOO_SOON[foreign], name=constraint.name, rows=_n(rows, "row"), table=constraint.table,
                     lock=lock)
        found.append(Finding("pg-constraint-not-valid", WARNING, constraint.table, None, what,
                             _not_valid_fix(constraint, isinstance(op, alembic_ops.ExecuteSQLOp))))
    return found


#: What adding a constraint checked at once does (keyed by: is it a foreign key?), whole sentences for translation.
_CHECKED_AT_ONCE = {
    True: N_("The foreign key `{name}` is added and checked against all {rows} of `{table}` at once, holding {lock} "
             "for the whole scan."),
    False: N_("The CHECK constraint `{name}` is added and checked against all {rows} of `{table}` at once, holding "
              "{lock} for the whole scan."),
}
_VALIDATED_TOO_SOON = {
    True: N_("The foreign key `{name}` is added NOT VALID, but validated in the same transaction: the scan of the "
             "{rows} of `{table}` still runs under {lock}, taken by the ADD and held until the transaction ends."),
    False: N_("The CHECK constraint `{name}` is added NOT VALID, but validated in the same transaction: the scan of "
              "the {rows} of `{table}` still runs under {lock}, taken by the ADD and held until the transaction ends."),
}


@dataclass(frozen=True)
class _Added:
    """A foreign key or CHECK the revision adds, whichever way it is written."""

    table: str
    name: str
    kind: str  # 'foreign key' or 'check'
    not_valid: bool
    definition: str  # FOREIGN KEY (...) REFERENCES ... / CHECK (...)
    referent: str | None


def _validation(add, constraint: _Added, ctx: Context):
    """The operation that validates ``constraint`` after ``add``, if the revision has one."""
    for later in ctx.after(add):
        for statement in statements(later, _DIALECT):
            if validate_constraint(statement) == (constraint.table, constraint.name):
                return later
    return None


def _not_valid_fix(constraint: _Added, as_sql: bool) -> str:
    add = (f"`op.execute(\"ALTER TABLE {constraint.table} ADD CONSTRAINT {constraint.name} {constraint.definition} "
           "NOT VALID\")`" + ("" if as_sql else " " + _("(or the same operation with `postgresql_not_valid=True`)")))
    validate = f"`{AUTOCOMMIT}` `op.execute('ALTER TABLE {constraint.table} VALIDATE CONSTRAINT {constraint.name}')`"
    return _("Add it without the scan, then validate it in a later transaction, where the scan takes only SHARE UPDATE "
             "EXCLUSIVE (reads and writes go on): {add}, then {validate} (or the VALIDATE in a later revision). New rows "
             "are checked from the ADD on.", add=add, validate=validate)


# -- ALTER TYPE ... ADD VALUE ---------------------------------------------------------------


@rule({"pg-enum-add-value": WILL_FAIL}, on=(alembic_ops.ExecuteSQLOp, alembic_ops.AlterColumnOp), dialects=PG)
def enum_add_value(op, ctx: Context) -> list[Finding]:
    """ADD VALUE inside a transaction: an error before PostgreSQL 12; from 12, the value is unusable until commit."""
    if isinstance(op, alembic_ops.AlterColumnOp):
        return _enum_change(op, ctx)
    if in_autocommit(op):
        return []
    found = []
    version = ctx.facts.server_version
    for statement in statements(op, _DIALECT):
        added = add_value(statement)
        if added is None:
            continue
        enum, value = added
        fix = _("Run it outside the transaction: `{autocommit}` `op.execute(\"{statement}\")`. {kit_moves}",
                autocommit=AUTOCOMMIT, statement=" ".join(statement.split()), kit_moves=_(_KIT_MOVES))
        if version is not None and version < (12,):
            found.append(Finding(
                "pg-enum-add-value", WILL_FAIL, enum, None,
                _("`ALTER TYPE {enum} ADD VALUE '{value}'` runs inside the revision's transaction, which PostgreSQL "
                  "{version} refuses (\"cannot run inside a transaction block\", before 12): the upgrade will fail.",
                  enum=enum, value=value, version=version[0]),
                fix,
            ))
            continue
        used = _uses_value(op, value, ctx)
        if used is not None:
            found.append(Finding(
                "pg-enum-add-value", WILL_FAIL, enum, None,
                _("`ALTER TYPE {enum} ADD VALUE '{value}'` runs inside the revision's transaction, and the same "
                  "transaction then uses '{value}' ({used}): PostgreSQL refuses a new value before it is committed "
                  "(\"unsafe use of new value\"), so the upgrade will fail.", enum=enum, value=value, used=used),
                fix + " " + _("The statements that use it then run in a later transaction."),
            ))
        else:
            found.append(Finding(
                "pg-enum-add-value", WARNING, enum, None,
                _("`ALTER TYPE {enum} ADD VALUE '{value}'` runs inside a transaction: PostgreSQL "
                  "{version} allows it, but '{value}' cannot be used until that transaction "
                  "commits, so a later revision of the same upgrade that uses it fails (\"unsafe use of new value\"). "
                  "Before PostgreSQL 12 the statement itself fails.", enum=enum, value=value,
                  version=version[0] if version else "12+"),
                fix,
            ))
    return found


def _uses_value(add, value: str, ctx: Context) -> str | None:
    """What uses ``value`` after ``add`` in the same transaction, in words; None if nothing does."""
    literal = "'" + value.replace("'", "''") + "'"
    for later in ctx.after(add):
        if not same_transaction(add, later):
            continue
        if isinstance(later, alembic_ops.ExecuteSQLOp) and literal in text_of(later, _DIALECT):
            return _("an op.execute() statement")
        if isinstance(later, alembic_ops.BulkInsertOp) and any(value in row.values() for row in later.rows):
            return _("a bulk_insert")
    return None


def _enum_change(op, ctx: Context) -> list[Finding]:
    """alter_column to an sa.Enum with new values: Alembic renders ALTER COLUMN ... TYPE <same type>, adding none."""
    new = sa.types.to_instance(op.modify_type) if op.modify_type is not None else None
    if not isinstance(new, sa.Enum) or not new.name:
        return []
    labels = ctx.facts.enum_labels(new.name)
    if labels is None:
        return []
    added_here = {a[1] for o in ctx.ops for s in statements(o, _DIALECT) if (a := add_value(s)) and a[0] == new.name}
    missing = [v for v in new.enums if v not in labels and v not in added_here]
    if not missing:
        return []
    adds = "; ".join(f"op.execute(\"ALTER TYPE {new.name} ADD VALUE IF NOT EXISTS '{v}'\")" for v in missing)
    return [Finding(
        "pg-enum-add-value", WARNING, op.table_name, op.column_name,
        ngettext("`{table}.{column}` becomes an enum with {values}, but the type `{enum}` exists on PostgreSQL "
                 "without it: Alembic renders `ALTER COLUMN ... TYPE {enum}`, which adds no value, and rows with the "
                 "new value are refused afterwards.",
                 "`{table}.{column}` becomes an enum with {values}, but the type `{enum}` exists on PostgreSQL "
                 "without them: Alembic renders `ALTER COLUMN ... TYPE {enum}`, which adds no value, and rows with the "
                 "new values are refused afterwards.",
                 len(missing), table=op.table_name, column=op.column_name,
                 values=", ".join(repr(v) for v in missing), enum=new.name),
        _("Add the values with ALTER TYPE, outside a transaction: `{autocommit}` `{adds}` (the alter_column is then "
          "not needed). {kit_moves}", autocommit=AUTOCOMMIT, adds=adds, kit_moves=_(_KIT_MOVES)),
    )]


# -- SET NOT NULL: a full scan under ACCESS EXCLUSIVE -----------------------------------------


@rule({"pg-not-null-scan": WARNING}, on=(alembic_ops.AlterColumnOp, alembic_ops.ExecuteSQLOp), dialects=PG)
def not_null_scan(op, ctx: Context) -> list[Finding]:
    """SET NOT NULL scans the table under ACCESS EXCLUSIVE, unless a validated CHECK (col IS NOT NULL) proves it."""
    if isinstance(op, alembic_ops.AlterColumnOp):
        targets = [(op.table_name, op.column_name)] if op.modify_nullable is False else []
    else:
        targets = [t for s in statements(op, _DIALECT) if (t := set_not_null(s)) is not None]
    found = []
    version = ctx.facts.server_version
    for table, column in targets:
        rows = ctx.facts.rows(table)
        if not rows:
            continue
        old = version is not None and version < (12,)
        if not old and (column in ctx.facts.validated_not_null_checks(table) or _proved_before(op, table, column, ctx)):
            continue
        check = f"ck_{table}_{column}_not_null"[:63]
        found.append(Finding(
            "pg-not-null-scan", WARNING, table, column,
            _("`{table}.{column}` becomes NOT NULL: PostgreSQL reads all {rows} of `{table}` to check, "
              "holding an ACCESS EXCLUSIVE lock (no reads or writes) for the whole scan.",
              table=table, column=column, rows=_n(rows, "row"))
            + (" " + _("PostgreSQL {version} scans even with a validated CHECK (12 and later do not).",
                       version=version[0]) if old else ""),
            _("Prove it first with a CHECK validated in a later transaction, so SET NOT NULL (PostgreSQL 12+) needs no "
              "scan: `op.create_check_constraint('{check}', '{table}', '{column} IS NOT NULL', postgresql_not_valid=True)`; "
              "`{autocommit}` `op.execute('ALTER TABLE {table} VALIDATE CONSTRAINT {check}')`; then "
              "`op.alter_column('{table}', '{column}', nullable=False)`; then `op.drop_constraint('{check}', '{table}', "
              "type_='check')`.", check=check, table=table, column=column, autocommit=AUTOCOMMIT),
        ))
    return found


def _proved_before(op, table: str, column: str, ctx: Context) -> bool:
    """Before ``op``, a CHECK (column IS NOT NULL) on ``table`` is created valid, or created NOT VALID and validated."""
    names_not_valid, valid = set(), False
    for earlier in ctx.before(op):
        if isinstance(earlier, alembic_ops.CreateCheckConstraintOp) and earlier.table_name == table \
                and not_null_check(_condition(earlier.condition)) == column:
            if earlier.kw.get("postgresql_not_valid"):
                names_not_valid.add(str(earlier.constraint_name))
            else:
                valid = True
        for statement in statements(earlier, _DIALECT):
            added = add_constraint(statement)
            if added and added.table == table and added.kind == "check" and not_null_check(added.definition) == column:
                if added.not_valid:
                    names_not_valid.add(added.name)
                else:
                    valid = True
            validated = validate_constraint(statement)
            if validated and validated[0] == table and validated[1] in names_not_valid:
                valid = True
    return valid


# -- lock_timeout ------------------------------------------------------------------------------


@rule({"pg-no-lock-timeout": WARNING}, on=(Revision,), dialects=PG)
def no_lock_timeout(revision: Revision, ctx: Context) -> list[Finding]:
    """A strong lock on a table with rows, taken without lock_timeout: if it waits, everyone waits behind it.

    Judged once per revision, on the first such lock that no ``SET lock_timeout`` covers.
    A plain SET lasts the session; SET LOCAL only its transaction (an autocommit block ends it).
    The session's own setting (from the URL's options, the role or the database) counts too.
    """
    configured = ctx.facts.setting("lock_timeout")
    if configured is None or configured.strip() not in ("0", ""):
        return []  # offline (nothing to judge), or the connection already has one
    session, local_transaction = False, None
    for op in revision.ops:
        for statement, locks in _locks(op, ctx):
            timeout = lock_timeout(statement) if statement else None
            if timeout is not None:
                if not timeout.local:
                    session = timeout.enabled
                elif not in_autocommit(op):
                    local_transaction = transaction_of(op) if timeout.enabled else None
                continue
            covered = session or (local_transaction is not None and not in_autocommit(op)
                                  and transaction_of(op) == local_transaction)
            if covered:
                continue
            for table, mode, what in locks:
                rows = ctx.facts.rows(table)
                if rows:
                    return [Finding(
                        "pg-no-lock-timeout", WARNING, table, None,
                        _("{what} takes {mode} on `{table}` ({rows}) with no lock_timeout set: if any "
                          "transaction holds a lock on `{table}` (a long report, an idle session), the migration waits, "
                          "and every query on `{table}` queues behind it: the app stalls for as long as that lasts.",
                          what=what, mode=mode, table=table, rows=_n(rows, "row")),
                        _("Set a lock timeout first, at the top of upgrade(): `op.execute(\"SET LOCAL lock_timeout = "
                          "'5s'\")` (this transaction only; after an autocommit_block set it again, or use a plain "
                          "`SET lock_timeout = '5s'` for the session). The migration then fails fast instead of blocking "
                          "everyone, and can simply be run again."),
                    )]
    return []


def _locks(op, ctx: Context) -> list[tuple[str | None, list[tuple[str, str, str]]]]:
    """(statement text or None, [(table, lock mode, what takes it)]) for an operation, in order."""
    if isinstance(op, alembic_ops.ExecuteSQLOp):
        return [(s, [(t, m, f"`{' '.join(s.split())[:60]}`") for t, m in strong_locks(s)])
                for s in statements(op, _DIALECT)]
    name = type(op).__name__
    verb = re.sub(r"(?<!^)(?=[A-Z])", "_", name.removesuffix("Op")).lower()
    what = f"`op.{verb}()`"
    exclusive = "ACCESS EXCLUSIVE"
    if isinstance(op, (alembic_ops.AddColumnOp, alembic_ops.DropColumnOp, alembic_ops.AlterColumnOp,
                       alembic_ops.DropConstraintOp, alembic_ops.RenameTableOp, alembic_ops.DropTableOp)):
        return [(None, [(op.table_name, exclusive, what)])]
    if isinstance(op, alembic_ops.CreateForeignKeyOp):
        mode = "SHARE ROW EXCLUSIVE"
        return [(None, [(op.source_table, mode, what), (op.referent_table, mode, what)])]
    if isinstance(op, alembic_ops.AddConstraintOp):
        return [(None, [(op.table_name, exclusive, what)])]
    if isinstance(op, alembic_ops.CreateIndexOp):
        return [] if op.kw.get("postgresql_concurrently") else [(None, [(op.table_name, "SHARE", what)])]
    if isinstance(op, alembic_ops.DropIndexOp):
        if op.kw.get("postgresql_concurrently") or not op.table_name:
            return []
        return [(None, [(op.table_name, exclusive, what)])]
    if isinstance(op, alembic_ops.CreateTableOp):  # a foreign key to an existing table locks that table
        return [(None, [(t, "SHARE ROW EXCLUSIVE", _("`op.create_table('{table}')` (its foreign key)", table=op.table_name))
                        for t in sorted(_fk_targets(op))])]
    return []


def _fk_targets(op) -> set[str]:
    targets = set()
    for item in op.columns:
        if isinstance(item, sa.ForeignKeyConstraint):
            targets |= {e.target_fullname.split(".")[-2] for e in item.elements}
        elif isinstance(item, sa.Column):
            targets |= {fk.target_fullname.split(".")[-2] for fk in item.foreign_keys}
    return targets - {op.table_name}


# -- small helpers --------------------------------------------------------------------------


def _utc(ctx: Context) -> bool:
    """Is the session's time zone UTC on PostgreSQL 12+ (then timestamp <-> timestamptz needs no rewrite)?"""
    version = ctx.facts.server_version
    zone = ctx.facts.setting("TimeZone") or ""
    return version is not None and version >= (12,) and zone.upper() in ("UTC", "ETC/UTC", "GMT", "ETC/GMT", "UCT", "ZULU")


def _key(ctx: Context, table: str) -> str:
    """The table's single-column primary key, to batch by (``id`` if unknown)."""
    if ctx.facts.has_table(table):
        columns = ctx.facts._inspector.get_pk_constraint(table).get("constrained_columns") or []
        if len(columns) == 1:
            return columns[0]
    return "id"


def _render(type_) -> str:
    type_ = sa.types.to_instance(type_)
    text = repr(type_)
    return f"sa.{text}" if getattr(sa, type(type_).__name__, None) is type(type_) else text


def _concurrent_index(op) -> str:
    """The ``op.create_index(...)`` call of ``op`` with ``postgresql_concurrently=True``, as code."""
    columns = ", ".join(_code(c) for c in op.columns)
    extra = "".join(f", {key}={_code(value)}" for key, value in op.kw.items() if key != "postgresql_concurrently")
    unique = ", unique=True" if op.unique else ""
    exists = ", if_not_exists=True" if op.if_not_exists else ""
    return (f"op.create_index('{op.index_name}', '{op.table_name}', [{columns}]{unique}{exists}{extra}, "
            "postgresql_concurrently=True)")


def _code(value) -> str:
    """A value as Python in a revision: SQL expressions as ``sa.text(...)``."""
    if isinstance(value, sa.sql.ClauseElement):
        return f"sa.text({_condition(value)!r})"
    return repr(value)


def _with_concurrently(statement: str) -> str:
    text = re.sub(r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX)\b", r"\1 CONCURRENTLY", " ".join(statement.split()),
                  count=1, flags=re.IGNORECASE)
    return text.replace('"', '\\"')


def _condition(condition) -> str:
    if isinstance(condition, str):
        return condition
    return str(condition.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))


def _referent(definition: str) -> str | None:
    found = re.search(r'\bREFERENCES\s+("?[\w.]+"?)', definition, re.IGNORECASE)
    return sql_name(found.group(1)) if found else None


def _table_in(statement: str) -> str:
    index = create_index(statement)
    if index is not None:
        return index.table
    altered = alter_table(statement)
    return altered.table if altered else ""
