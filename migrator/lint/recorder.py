"""Read a revision's operations without running them: an Alembic ``Operations`` that records.

``upgrade()`` (or ``downgrade()``) runs against an ``Operations`` object whose
``invoke`` appends each operation to a list instead of executing it
(``batch_alter_table`` blocks included): no DDL and no ``op.execute`` SQL runs.
Python code in the function does run.  Given a connection, ``op.get_bind()`` is that
connection, so a data migration that reads rows is followed past its first query;
whatever it writes there is rolled back by the caller.  Without one (offline), the
first query ends the reading, and the findings say how far it got.

``op.get_context().autocommit_block()`` does not commit (nor switch the connection to
autocommit) while recording: each operation is marked with the transaction it would
run in (``transaction_of``: 0 at first, one more at every edge of a block) and whether
it runs in an autocommit block (``in_autocommit``), so a rule can tell "inside a
transaction" from "outside any" and "the same transaction" from "a later one".
Operations that were not recorded (autogenerate's) are all in transaction 0.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from alembic.operations import BatchOperations, Operations
from alembic.operations import ops as alembic_ops
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext

from ..errors import revision_frame


def record_operations(module, dialect: str = "sqlite", function: str = "upgrade",
                      connection=None) -> tuple[list, str | None]:
    """Run ``module.<function>()`` against an Operations object that records, not executes.

    Returns the operations (``batch_alter_table`` blocks as ``ModifyTableOps``) and,
    if the function raised part-way, a short description of why (the operations up
    to that point are still returned).
    """
    if connection is not None:
        context = MigrationContext.configure(connection=connection)
    else:
        context = MigrationContext.configure(
            dialect_name=dialect, opts={"as_sql": True, "output_buffer": io.StringIO()}
        )
    recorded: list = []
    where = _Where()
    context.autocommit_block = _autocommit_recorder(where)  # recorded, never committed
    # `from alembic import context` in a revision (context.is_offline_mode(), get_context()) answers too.
    environment = EnvironmentContext(Config(), None)
    environment.context_opts["as_sql"] = connection is None
    environment._migration_context = context
    operations = Operations(context)
    operations.invoke = _recorder(recorded, context, where)
    operations.batch_alter_table = _batch_recorder(recorded, context, where)
    operations._install_proxy()
    environment._install_proxy()
    problem = None
    try:
        getattr(module, function)()
    except Exception as exc:  # a revision that fails is linted as far as it got
        frame = revision_frame(exc)
        line = f" (line {frame.lineno})" if frame else ""
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{line}"
    finally:
        environment._remove_proxy()
        operations._remove_proxy()
    return recorded, problem


def batches(ops) -> Iterator:
    """The ``ModifyTableOps`` blocks (batch_alter_table) among the operations."""
    if ops is None:
        return
    for op in ops.ops if isinstance(ops, alembic_ops.OpContainer) else ops:
        if isinstance(op, alembic_ops.ModifyTableOps):
            yield op
        elif isinstance(op, alembic_ops.OpContainer):
            yield from batches(op)


def flatten(ops) -> Iterator:
    """The operations one by one, batch blocks opened up."""
    if ops is None:
        return
    items = ops.ops if isinstance(ops, alembic_ops.OpContainer) else ops
    for op in items:
        if isinstance(op, alembic_ops.OpContainer):
            yield from flatten(op)
        else:
            yield op


#: The attribute where the recorder notes where an operation runs: (transaction, in an autocommit block).
#: Not ``MigrateOperation.info``: for create_table and drop_table that is the table's own ``info``.
WHERE = "_migrator_where"


def transaction_of(op) -> int:
    """Which transaction of its revision ``op`` runs in (0, then one more at every edge of an autocommit block)."""
    return getattr(op, WHERE, (0, False))[0]


def in_autocommit(op) -> bool:
    """Does ``op`` run inside ``autocommit_block()``, outside any transaction?"""
    return getattr(op, WHERE, (0, False))[1]


def same_transaction(a, b) -> bool:
    """Do ``a`` and ``b`` run in one transaction (so a lock the first takes is still held by the second)?"""
    return not in_autocommit(a) and not in_autocommit(b) and transaction_of(a) == transaction_of(b)


class _Where:
    """Where the revision is while it is read: which transaction, and whether in an autocommit block."""

    def __init__(self) -> None:
        self.transaction, self.autocommit = 0, False

    def mark(self, operation) -> None:
        setattr(operation, WHERE, (self.transaction, self.autocommit))


def _autocommit_recorder(where: _Where):
    @contextmanager
    def autocommit_block():
        # Alembic commits what ran before, runs the block in autocommit, then begins again.
        where.transaction, where.autocommit = where.transaction + 1, True
        try:
            yield
        finally:
            where.transaction, where.autocommit = where.transaction + 1, False

    return autocommit_block


def _recorder(recorded: list, context, where: _Where):
    def invoke(operation):
        where.mark(operation)
        recorded.append(operation)
        if isinstance(operation, alembic_ops.CreateTableOp):
            return operation.to_table(context)  # code may use the Table (bulk_insert)
        return None

    return invoke


def _batch_recorder(recorded: list, context, where: _Where):
    @contextmanager
    def batch_alter_table(table_name, schema=None, recreate="auto", **_options):
        inner: list = []
        batch = BatchOperations(context, impl=SimpleNamespace(table_name=table_name, schema=schema))
        batch.invoke = _recorder(inner, context, where)
        yield batch
        block = alembic_ops.ModifyTableOps(table_name, inner, schema=schema)
        block.recreate = recreate  # 'auto', 'always' or 'never', as batch_alter_table was told
        where.mark(block)
        recorded.append(block)

    return batch_alter_table


def source_of(script) -> str:
    return Path(script.path).read_text()
