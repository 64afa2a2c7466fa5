"""Notebook 10's exercise: make a revision that would lock a big, busy table safe on PostgreSQL.

Starting state: a workspace on a database of its own on the kit's PostgreSQL server
(``postgres.fresh_database``; its URL is the workspace's ``sqlalchemy.url``).  Revision
0001 creates ``orders`` (id, customer_id, quantity, total), filled with 100,000 rows.
Revision 0002, not applied yet, was written the quick way::

    op.create_index('ix_orders_customer_id', 'orders', ['customer_id'])
    op.create_check_constraint('ck_orders_quantity_positive', 'orders', 'quantity > 0')

Both statements read every row of ``orders`` while holding a lock that blocks writes
(SHARE for the index build, ACCESS EXCLUSIVE for the CHECK, which blocks reads too), and
neither gives up when another transaction is in the way.

The task: rewrite ``upgrade()`` so that nothing that reads the whole table blocks writes,
and so that every statement that needs a strong lock gives up quickly (``lock_timeout``),
with the same result: a valid index, a validated constraint.

The check runs the revision for real, on a scratch database of the same server (0001 and
20,000 rows, then ``upgrade()``), and records every DDL statement on ``orders``: the
``lock_timeout`` in force before it, and the locks the migration's session held on the
table right after it (read from ``pg_locks`` by a second session, while the migration waits
for its next statement). Locks are held until the transaction ends, so those are the locks
its transaction still held while the statement ran; the lock the statement takes itself is
known from the statement (in an autocommit block it is gone before anyone can look).  A
statement that reads every row must not run under a lock that blocks writes, and one that
takes such a lock must run with a short ``lock_timeout``.  Then the check looks at the
index and the constraint, runs the downgrade, and drops the scratch database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from .. import postgres
from ..errors import MigratorError
from ..i18n import N_, _
from ..workspace import Workspace
from . import Exercise, Markdown

FILE = "migrations/versions/0002_index_and_check_orders.py"
HEAD = "0002"
TABLE = "orders"
INDEX = "ix_orders_customer_id"
CONSTRAINT = "ck_orders_quantity_positive"  # the naming convention's name for "quantity_positive"
ROWS = 100_000  # in the learner's database
SCRATCH_ROWS = 20_000  # in the check's scratch copy: enough to be a table, quick to fill
#: The longest lock_timeout the check accepts: every query on the table may queue that long.
MAX_LOCK_TIMEOUT_MS = 10_000
#: Lock modes that make INSERT, UPDATE and DELETE wait (they conflict with ROW EXCLUSIVE).
BLOCKS_WRITES = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")

MODELS = '''"""The models of this workspace: edit, save, then autogenerate a revision."""

from decimal import Decimal

from sqlalchemy import CheckConstraint, MetaData, Numeric
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)  # 0002

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(index=True)  # 0002: ix_orders_customer_id
    quantity: Mapped[int]
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
'''

REVISIONS = [
    ("create orders",
     ("op.create_table(\n"
      "        'orders',\n"
      "        sa.Column('id', sa.Integer(), primary_key=True),\n"
      "        sa.Column('customer_id', sa.Integer(), nullable=False),\n"
      "        sa.Column('quantity', sa.Integer(), nullable=False),\n"
      "        sa.Column('total', sa.Numeric(10, 2), nullable=False),\n"
      "    )"),
     "op.drop_table('orders')"),
    ("index and check orders",
     ("op.create_index('ix_orders_customer_id', 'orders', ['customer_id'])\n"
      "    op.create_check_constraint('ck_orders_quantity_positive', 'orders', 'quantity > 0')"),
     ("op.drop_constraint('ck_orders_quantity_positive', 'orders', type_='check')\n"
      "    op.drop_index('ix_orders_customer_id', table_name='orders')")),
]
REVISION_BODY = ('    """Upgrade schema."""\n    pass', '    """Downgrade schema."""\n    pass')

TASK = """\
The exercise workspace runs on its own PostgreSQL database. `orders` has 100,000 rows and, in
production, takes writes all day. Revision `0002`, not applied yet, adds an index on
`customer_id` and a CHECK that `quantity > 0`, the quick way: each statement reads every row
while it holds a lock that blocks writes. Rewrite `upgrade()` in
`migrations/versions/0002_index_and_check_orders.py` so that **nothing that reads the whole
table blocks writes**, and **every statement that needs a strong lock gives up after a few
seconds** instead of queueing every query behind it. The result must stay the same: a valid
index `ix_orders_customer_id` and a validated constraint `ck_orders_quantity_positive`. The
check runs your revision on a scratch copy on the real server and watches its locks."""

HINT = N_("""\
Take the two statements one at a time. An index is built without blocking writes by
`CREATE INDEX CONCURRENTLY`: `op.create_index(..., postgresql_concurrently=True)`, which cannot
run inside a transaction, so put it inside `with op.get_context().autocommit_block():`. A CHECK
is added without reading the table by `NOT VALID`: pass `postgresql_not_valid=True` to
`op.create_check_constraint`. `op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ...")` then
reads the rows under a lock that lets writes go on, but only in a transaction of its own: the
ADD's lock lasts until its transaction ends. Start `upgrade()` with
`op.execute("SET lock_timeout = '3s'")`: a plain SET, since `SET LOCAL` ends with the first
transaction. To try it on your own database: `ws_ex.upgrade()`, and `ws_ex.downgrade()` to go back.""")

SOLUTION = N_('''\
# ws is the exercise workspace (ws_ex in the notebook): write the new upgrade() into 0002.
path = ws.path / "migrations/versions/0002_index_and_check_orders.py"
source = path.read_text()
start, end = source.index("def upgrade()"), source.index("def downgrade()")
path.write_text(source[:start] + """def upgrade() -> None:
    \\"\\"\\"Upgrade schema, without blocking writes to orders.\\"\\"\\"
    # Give up after 3 s rather than queue every query on orders behind us (a plain SET: the
    # autocommit block below starts new transactions, and SET LOCAL would end with the first).
    op.execute("SET lock_timeout = '3s'")
    # A brief ACCESS EXCLUSIVE lock, no scan: new rows are checked from now on.
    op.create_check_constraint('ck_orders_quantity_positive', 'orders', 'quantity > 0',
                               postgresql_not_valid=True)
    with op.get_context().autocommit_block():  # each statement commits on its own
        # Reads every row under SHARE UPDATE EXCLUSIVE: reads and writes go on.
        op.create_index('ix_orders_customer_id', 'orders', ['customer_id'],
                        postgresql_concurrently=True)
        # Checks the old rows, under SHARE UPDATE EXCLUSIVE too, now that ADD has committed.
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_quantity_positive")


""" + source[end:])
''')


@dataclass(frozen=True)
class PostgresExercise(Exercise):
    """An exercise whose workspace has its own PostgreSQL database: made by start(), dropped by finish()."""

    def start(self, root: str | Path = "workspaces") -> Workspace:
        self.finish(root)  # starting over: the previous database goes first
        super().start(root)
        return self.workspace(root)  # read again: prepare() pointed alembic.ini at the new database

    def finish(self, root: str | Path = "workspaces") -> Markdown:
        """Drop the exercise's database (run it when you are done: the last cell of the notebook)."""
        ini = Path(root) / f"exercise_{self.name}" / "alembic.ini"
        url = Workspace(f"exercise_{self.name}", root=root).url if ini.is_file() else ""
        dropped = False
        if url.startswith("postgresql") and postgres.available():
            try:
                dropped = postgres.drop_database(url)
            except MigratorError:  # not a database of the kit's server: not ours to drop
                dropped = False
        return Markdown(_("The exercise's database is dropped.") if dropped else _("The exercise has no database to drop."))


def prepare(ws: Workspace) -> None:
    """A database of its own, 0001 applied and filled, 0002 written the quick way."""
    url = postgres.fresh_database("nb10 exercise")
    ini = ws.path / "alembic.ini"
    lines = ini.read_text().splitlines()
    ini.write_text("\n".join(f"sqlalchemy.url = {url.replace('%', '%%')}" if line.startswith("sqlalchemy.url =")
                             else line for line in lines) + "\n")
    ws = Workspace.open(ws.path)
    ws.write_models(MODELS)
    for message, upgrade, downgrade in REVISIONS:
        revision = ws.revision(message, autogenerate=False)
        path = ws.path / revision.file
        source = path.read_text()
        assert all(source.count(body) == 1 for body in REVISION_BODY), _("script.py.mako "
                                                                         "changed: "
                                                                         "update nb10.prepare")
        path.write_text(source.replace(REVISION_BODY[0], REVISION_BODY[0][:-4] + upgrade)
                        .replace(REVISION_BODY[1], REVISION_BODY[1][:-4] + downgrade))
    assert (ws.path / FILE).is_file(), _("the second revision is not {FILE}: update nb10", FILE=FILE)
    ws.upgrade("0001")
    fill(ws.engine, ROWS)


def fill(engine: sa.Engine, rows: int) -> None:
    """``rows`` orders, made by the server itself (generate_series), every quantity positive."""
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO orders (customer_id, quantity, total) "
            "SELECT 1 + mod(n * 7919, 5000), 1 + mod(n, 4), 5 + mod(n, 200) "
            "FROM generate_series(1, :rows) AS n"), {"rows": rows})
        connection.exec_driver_sql("ANALYZE orders")


# -- the check ---------------------------------------------------------------------------


@dataclass
class Statement:
    """A DDL statement on orders, as the migration's session ran it."""

    sql: str
    lock_timeout_ms: int
    locks: tuple[str, ...] = ()  # the modes the session held on orders right after it

    @property
    def text(self) -> str:
        return " ".join(self.sql.split())

    @property
    def short(self) -> str:
        text = self.text
        return text if len(text) <= 90 else text[:87] + "..."

    @property
    def reads_the_table(self) -> bool:
        """Does it read (or rewrite) every row? An index build, a validated constraint, a type change."""
        text = self.text.upper()
        if re.match(r"CREATE (UNIQUE )?INDEX", text) or "VALIDATE CONSTRAINT" in text:
            return True
        if re.search(r"\bADD (CONSTRAINT \S+ )?(CHECK|FOREIGN KEY|UNIQUE|PRIMARY KEY)\b", text):
            return "NOT VALID" not in text
        return bool(re.search(r"\bALTER (COLUMN )?\S+ (SET DATA )?TYPE\b", text))

    @property
    def takes(self) -> str:
        """The lock this statement takes on the table itself (PostgreSQL's documentation, "Table-Level Locks").

        Read from the statement, not from pg_locks: in an autocommit block the statement commits, and
        its lock is gone, before anyone can look.
        """
        text = self.text.upper()
        if re.match(r"(CREATE (UNIQUE )?INDEX|DROP INDEX) CONCURRENTLY", text) or "VALIDATE CONSTRAINT" in text:
            return "ShareUpdateExclusiveLock"
        if re.match(r"CREATE (UNIQUE )?INDEX", text):
            return "ShareLock"
        if re.search(r"\bADD (CONSTRAINT \S+ )?FOREIGN KEY\b", text):
            return "ShareRowExclusiveLock"
        return "AccessExclusiveLock"  # ALTER TABLE's other forms, DROP INDEX

    @property
    def held(self) -> list[str]:
        """The write-blocking locks on the table while it ran: its own, and those its transaction still held."""
        modes = set(self.locks) | {self.takes}
        return [mode for mode in BLOCKS_WRITES if mode in modes]


def _is_ddl_on_orders(sql: str) -> bool:
    text = " ".join(sql.split()).upper()
    return bool(re.match(r"(ALTER TABLE|CREATE (UNIQUE )?INDEX|DROP INDEX)", text)) and re.search(
        rf"\b{TABLE.upper()}\b", text) is not None


@contextmanager
def recording(url: str) -> Iterator[list[Statement]]:
    """Every DDL statement on orders run on ``url``'s database, with lock_timeout and the locks held after it."""
    database = sa.make_url(url).database
    watcher = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    recorded: list[Statement] = []
    with watcher.connect() as watching:
        table = watching.execute(sa.text("SELECT to_regclass(:t)::oid"), {"t": TABLE}).scalar()

        def before(conn, cursor, statement, parameters, context, executemany):
            if conn.engine is watcher or conn.engine.url.database != database or not _is_ddl_on_orders(statement):
                return
            timeout = cursor.connection.execute(
                "SELECT setting FROM pg_settings WHERE name = 'lock_timeout'").fetchone()[0]
            recorded.append(Statement(statement, int(timeout)))

        def after(conn, cursor, statement, parameters, context, executemany):
            if conn.engine is watcher or not recorded or recorded[-1].sql is not statement:
                return
            modes = watching.execute(sa.text(
                "SELECT mode FROM pg_locks WHERE pid = :pid AND locktype = 'relation' AND relation = :table "
                "AND granted ORDER BY mode"), {"pid": cursor.connection.info.backend_pid, "table": table}).scalars()
            recorded[-1].locks = tuple(modes)

        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        try:
            yield recorded
        finally:
            event.remove(Engine, "before_cursor_execute", before)
            event.remove(Engine, "after_cursor_execute", after)
    watcher.dispose()


def check(ws: Workspace) -> str:
    path = ws.path / FILE
    if not path.is_file():
        raise AssertionError(
            _("{FILE} is gone. Edit the revision instead of deleting it: start over with "
              "ws_ex = exercise.start().", FILE=FILE))
    try:
        compile(path.read_text(), FILE, "exec")
    except SyntaxError as exc:
        raise AssertionError(
            _("{FILE} is not valid Python any more: line {lineno}: {msg}. Fix that line "
              "(or start over with ws_ex = exercise.start()).", FILE=FILE, lineno=exc.lineno, msg=exc.msg)) from None
    if ws.heads() != [HEAD]:
        raise AssertionError(
            _("The head should still be {HEAD}, but the heads are {heads}. Only "
              "upgrade() of 0002 needs changing; start over with ws_ex = exercise.start().",
              HEAD=HEAD, heads=", ".join(ws.heads()) or _("none")))
    if not postgres.available():
        raise AssertionError(_("This exercise needs the kit's PostgreSQL server, which "
                               "cannot run here."))
    url = postgres.fresh_database("nb10 check")
    try:
        return _check_on(Workspace.open(ws.path, database=url), url)
    finally:
        postgres.drop_database(url)


def _check_on(scratch: Workspace, url: str) -> str:
    scratch.upgrade("0001")
    fill(scratch.engine, SCRATCH_ROWS)
    with recording(url) as statements:
        try:
            scratch.upgrade()
        except MigratorError as exc:
            raise AssertionError(_failure(exc)) from None
    _judge(statements, (scratch.path / FILE).read_text())
    _check_result(scratch)
    try:
        scratch.downgrade("0001")
    except MigratorError as exc:
        raise AssertionError(
            _("The upgrade is safe, but the downgrade fails on the scratch copy: {what} "
              "downgrade() was fine as it was: put it back, or run what needs it in an "
              "autocommit_block().", what=exc.what)) from None
    timeouts = sorted({s.lock_timeout_ms for s in statements if s.takes in BLOCKS_WRITES})
    return _(
        "Safe. On a scratch copy with {rows:,} orders, nothing that read the whole table held a lock that "
        "blocks writes: {summary}. Every statement that took a strong lock ran with lock_timeout = "
        "{timeouts}. The index is valid, the constraint validated, and the downgrade works.",
        rows=SCRATCH_ROWS, summary=_summary(statements),
        timeouts=" / ".join(_ms(t) for t in timeouts) or _("its setting"))


def _failure(exc: MigratorError) -> str:
    what = exc.what.split(" Nothing was changed")[0].rstrip(".")
    if "cannot run inside a transaction block" in what:
        return _(
            "The upgrade failed on the scratch copy: {what}. That is PostgreSQL refusing CREATE INDEX "
            "CONCURRENTLY inside a transaction, and Alembic runs each revision in one. Put the statement "
            "inside `with op.get_context().autocommit_block():`, where each statement commits on its own.", what=what)
    if "lock_timeout" in what:
        return _("The upgrade gave up on a lock on the scratch copy, where nothing else runs: {what}.", what=what)
    return _("The upgrade failed on the scratch copy: {what}. Fix upgrade() and check again.", what=what)


def _judge(statements: list[Statement], source: str = "") -> None:
    for statement in statements:
        if statement.reads_the_table and statement.held:
            raise AssertionError(_blocking_scan(statement, statements))
    for statement in statements:
        if statement.takes not in BLOCKS_WRITES:
            continue
        lock = _mode(statement.takes)
        if statement.lock_timeout_ms == 0:
            raise AssertionError(
                _("`{short}` takes {lock} lock on orders, with lock_timeout = 0 (wait forever). "
                  "Behind a long transaction it would wait, and every query on orders would queue behind it.",
                  short=statement.short, lock=lock) + " "
                + (_("Your SET LOCAL lock_timeout ended with the transaction it ran in, and the autocommit block "
                     "starts new ones: use a plain SET (op.execute(\"SET lock_timeout = '3s'\")).")
                   if re.search(r"SET\s+LOCAL\s+lock_timeout", source, flags=re.IGNORECASE) else
                   _("Start upgrade() with op.execute(\"SET lock_timeout = '3s'\"): a plain SET, since SET LOCAL "
                     "ends with the first transaction.")))
        if statement.lock_timeout_ms > MAX_LOCK_TIMEOUT_MS:
            raise AssertionError(
                _("`{short}` takes {lock} lock on orders with lock_timeout = {ms}: every "
                  "query on orders could queue that long behind it. Keep it to a few "
                  "seconds (at most {ms2}), and retry the migration if it gives up.",
                  short=statement.short, lock=lock, ms=_ms(statement.lock_timeout_ms), ms2=_ms(MAX_LOCK_TIMEOUT_MS)))


def _blocking_scan(statement: Statement, statements: list[Statement]) -> str:
    lock = _mode(statement.held[-1])
    text = statement.text.upper()
    if "VALIDATE CONSTRAINT" in text:
        return _(
            "`{short}` read every row while the transaction still held {lock} lock on orders, "
            "taken by the ADD CONSTRAINT ... NOT VALID before it in the same transaction (a lock lasts until "
            "the transaction ends). Commit in between: run the VALIDATE inside "
            "`with op.get_context().autocommit_block():`, in a transaction of its own.", short=statement.short, lock=lock)
    if re.match(r"CREATE (UNIQUE )?INDEX", text):
        concurrently = "CONCURRENTLY" in text
        return _(
            "`{short}` reads every row while the migration holds {lock} lock on orders: every INSERT, "
            "UPDATE and DELETE waits until the index is built.", short=statement.short, lock=lock) + " " + (
            _("It is CONCURRENTLY, but an earlier statement's lock is still held: run it first in the "
              "autocommit_block, or commit before it.") if concurrently else
            _("Build it CONCURRENTLY: op.create_index(..., postgresql_concurrently=True), inside "
              "`with op.get_context().autocommit_block():`."))
    if "ADD" in text:
        who = _("read or write") if statement.held[-1] == "AccessExclusiveLock" else _("write")
        return _(
            "`{short}` checks every row while the migration holds {lock} lock on orders: nobody "
            "can {who} orders until it is done. Add it NOT VALID first (no scan: only new rows are checked), "
            "then VALIDATE CONSTRAINT in a transaction of its own.", short=statement.short, lock=lock, who=who)
    others = [s.short for s in statements if s is not statement]
    if others:
        return _("`{short}` reads every row of orders while the migration holds {lock} lock on it "
                 "(the statements around it: {others}).", short=statement.short, lock=lock, others="; ".join(others))
    return _("`{short}` reads every row of orders while the migration holds {lock} lock on it.",
             short=statement.short, lock=lock)


def _check_result(scratch: Workspace) -> None:
    if scratch.current() != HEAD:
        raise AssertionError(_("After the upgrade the scratch copy is at {current}, not {HEAD}.",
                               current=scratch.current() or 'base', HEAD=HEAD))
    with scratch.engine.connect() as connection:
        index = connection.execute(sa.text(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :name"), {"name": INDEX}).first()
        constraint = connection.execute(sa.text(
            "SELECT convalidated, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'orders'::regclass AND conname = :name"), {"name": CONSTRAINT}).first()
    if index is None:
        raise AssertionError(
            _("The upgrade ran without holding up writes, but orders has no index "
              "{INDEX} now. Keep the index: build it CONCURRENTLY, with that name.", INDEX=INDEX))
    if not index[0]:
        raise AssertionError(_("The index {INDEX} exists but is INVALID (a failed "
                               "CONCURRENTLY build leaves one): drop it and build it again.", INDEX=INDEX))
    if "(customer_id)" not in index[1]:
        raise AssertionError(_("The index {INDEX} is on another column: {index}. It "
                               "should be on customer_id.", INDEX=INDEX, index=index[1]))
    if constraint is None:
        raise AssertionError(
            _("The upgrade ran without holding up writes, but orders has no constraint "
              "{CONSTRAINT} now. Keep it, with that name (the naming convention's, as "
              "the models and the downgrade expect).", CONSTRAINT=CONSTRAINT))
    if not constraint[0]:
        raise AssertionError(
            _("{CONSTRAINT} is there but still NOT VALID: PostgreSQL checks the new rows "
              "only, and the 20,000 already there were never checked. Finish with ALTER "
              "TABLE orders VALIDATE CONSTRAINT {CONSTRAINT}, in a transaction of its own.",
              CONSTRAINT=CONSTRAINT))
    if "quantity > 0" not in constraint[1]:
        raise AssertionError(_("{CONSTRAINT} checks {constraint}, not CHECK (quantity > 0).",
                               CONSTRAINT=CONSTRAINT, constraint=constraint[1]))


def _summary(statements: list[Statement]) -> str:
    texts = [statement.text.upper() for statement in statements]
    parts = []
    if any("CONCURRENTLY" in text and "INDEX" in text for text in texts):
        parts.append(_("the index was built CONCURRENTLY"))
    if any("NOT VALID" in text for text in texts) and any("VALIDATE CONSTRAINT" in text for text in texts):
        parts.append(_("the CHECK was added NOT VALID, then validated in a transaction of its own"))
    return _(" and ").join(parts) or _("no statement on orders held a lock that blocks writes")


def _mode(mode: str) -> str:
    """'AccessExclusiveLock' -> 'an ACCESS EXCLUSIVE', as the PostgreSQL documentation writes the mode.

    With its English article; in Italian the name alone (the messages say "un lock {lock}").
    """
    name = re.sub(r"(?<!^)(?=[A-Z])", " ", mode.removesuffix("Lock")).upper()
    return _("an {mode}", mode=name) if name[0] in "AEIOU" else _("a {mode}", mode=name)


def _ms(milliseconds: int) -> str:
    return f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"


EXERCISE = PostgresExercise(
    name="nb10",
    task=TASK,
    prepare=prepare,
    check_fn=check,
    hint_text=HINT,
    solution_code=SOLUTION,
)
