"""Exercise nb10: make a revision that would lock a big, busy table safe, checked on the real PostgreSQL server.

The exercise is prepared once per module (its database holds 100,000 orders); each test gets the
revision file as the exercise wrote it, edits it, and runs the check, which works on a scratch
database of its own and drops it again.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from migrator import postgres
from migrator.exercises import get

pytestmark = [
    pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform"),
    pytest.mark.usefixtures("language"),  # every test in English and in Italian
]

EXERCISE = get("nb10")
FILE = "migrations/versions/0002_index_and_check_orders.py"

SET = "    op.execute(\"SET lock_timeout = '3s'\")\n"
ADD = ("    op.create_check_constraint('ck_orders_quantity_positive', 'orders', 'quantity > 0',"
       " postgresql_not_valid=True)\n")
VALIDATE = "    op.execute(\"ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_quantity_positive\")\n"
CONCURRENT = "    op.create_index('ix_orders_customer_id', 'orders', ['customer_id'], postgresql_concurrently=True)\n"
PLAIN_INDEX = "    op.create_index('ix_orders_customer_id', 'orders', ['customer_id'])\n"
BLOCK = "    with op.get_context().autocommit_block():\n"


def inside(*lines: str) -> str:
    """Lines of upgrade() moved into the autocommit block (one more level of indentation)."""
    return "".join("    " + line for line in lines)


@pytest.fixture(scope="module")
def prepared(postgres_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("nb10")
    ws = EXERCISE.start(root)
    original = (ws.path / FILE).read_text()
    yield root, ws, original
    EXERCISE.finish(root)


@pytest.fixture
def exercise(prepared):
    """(root, ws): the revision file as the exercise wrote it, the learner's database at 0001."""
    root, ws, original = prepared
    (ws.path / FILE).write_text(original)
    yield root, ws
    (ws.path / FILE).write_text(original)


def write_upgrade(ws, body: str) -> None:
    path = ws.path / FILE
    source = path.read_text()
    start, end = source.index("def upgrade()"), source.index("def downgrade()")
    path.write_text(source[:start] + "def upgrade() -> None:\n" + body + "\n\n" + source[end:])


def check_with(exercise, body: str):
    root, ws = exercise
    write_upgrade(ws, body)
    return EXERCISE.check(root)


def scratch_databases() -> list[str]:
    """The check's scratch databases made by this process and still there."""
    engine = sa.create_engine(postgres.server().url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = connection.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
    finally:
        engine.dispose()
    return [name for name in names if name.startswith(f"nb10_check_{os.getpid()}_")]


def orders_state(ws) -> tuple:
    with ws.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT count(*) FROM orders").scalar()
        indexes = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'orders' AND indexname = 'ix_orders_customer_id'").scalar()
    return rows, indexes, ws.current()


def test_the_prepared_state_is_a_postgresql_database_with_orders(exercise):
    _root, ws = exercise
    assert ws.url.startswith("postgresql+psycopg://") and sa.make_url(ws.url).database.startswith("nb10_exercise_")
    assert ws.heads() == ["0002"]
    assert orders_state(ws) == (100_000, 0, "0001")
    source = (ws.path / FILE).read_text()
    assert PLAIN_INDEX in source and "op.create_check_constraint('ck_orders_quantity_positive'" in source


def test_starts_unsolved_and_the_solution_solves_it(exercise, say):
    root, ws = exercise
    feedback = EXERCISE.check(root)
    assert not feedback
    assert say("a SHARE lock", "un lock SHARE su orders") in feedback.message and "CONCURRENTLY" in feedback.message
    feedback = EXERCISE.solve(root)
    assert feedback, feedback.message
    assert say("Safe.", "Sicura.") in feedback.message and "lock_timeout = 3s" in feedback.message
    assert say("the index was built CONCURRENTLY and the CHECK was added NOT VALID",
               "l'indice è stato costruito CONCURRENTLY e il CHECK è stato aggiunto NOT VALID") in feedback.message
    assert orders_state(ws) == (100_000, 0, "0001")  # the check ran on a scratch copy, not on the learner's database
    assert scratch_databases() == []


def test_the_solution_and_the_original_both_run_on_the_learners_database(exercise):
    """ws_ex.upgrade() and ws_ex.downgrade() work with the starting revision and with the solution."""
    _root, ws = exercise
    ws.upgrade()
    assert orders_state(ws) == (100_000, 1, "0002")
    ws.downgrade()
    exec(EXERCISE.solution_code, {"ws": ws})  # noqa: S102 - the exercise's own solution
    move = ws.upgrade()
    assert move.after == "0002" and "autocommit_block" in move.atomicity
    assert orders_state(ws) == (100_000, 1, "0002")
    ws.downgrade()
    assert orders_state(ws) == (100_000, 0, "0001")


def test_concurrently_inside_the_transaction_is_the_servers_refusal_explained(exercise, say):
    feedback = check_with(exercise, SET + CONCURRENT + ADD + VALIDATE)
    assert not feedback
    assert "cannot run inside a transaction block" in feedback.message  # PostgreSQL's words, in any language
    assert say("That is PostgreSQL refusing", "È PostgreSQL che rifiuta") in feedback.message
    assert "autocommit_block()" in feedback.message
    assert scratch_databases() == []  # dropped although the upgrade failed


def test_validate_in_the_same_transaction_as_the_add_is_caught(exercise, say):
    feedback = check_with(exercise, SET + ADD + VALIDATE + BLOCK + inside(CONCURRENT))
    assert not feedback
    assert say("same transaction", "stessa transazione") in feedback.message
    assert say("an ACCESS EXCLUSIVE lock", "un lock ACCESS EXCLUSIVE su orders") in feedback.message


def test_a_plain_index_build_inside_the_autocommit_block_still_blocks_writes(exercise, say):
    """Its lock is gone by the time anyone looks (it committed), so the check knows it from the statement."""
    feedback = check_with(exercise, SET + ADD + BLOCK + inside(PLAIN_INDEX, VALIDATE))
    assert not feedback
    assert say("a SHARE lock", "un lock SHARE su orders") in feedback.message
    assert say("Build it CONCURRENTLY", "Costruiscilo CONCURRENTLY") in feedback.message
    assert "postgresql_concurrently=True" in feedback.message


def test_a_check_added_without_not_valid_is_caught(exercise, say):
    plain = "    op.create_check_constraint('ck_orders_quantity_positive', 'orders', 'quantity > 0')\n"
    feedback = check_with(exercise, SET + plain + BLOCK + inside(CONCURRENT))
    assert not feedback
    assert "ACCESS EXCLUSIVE" in feedback.message
    assert say("nobody can read or write orders", "nessuno può leggere o scrivere orders") in feedback.message
    assert say("NOT VALID first", "Prima aggiungi il vincolo NOT VALID") in feedback.message


def test_no_lock_timeout_is_caught(exercise, say):
    feedback = check_with(exercise, ADD + BLOCK + inside(CONCURRENT, VALIDATE))
    assert not feedback
    assert "lock_timeout = 0" in feedback.message and "SET lock_timeout" in feedback.message
    assert say("(wait forever)", "(aspetta per sempre)") in feedback.message
    assert say("Start upgrade() with", "Comincia upgrade() con") in feedback.message


def test_set_local_lock_timeout_that_ends_before_the_block_is_explained(exercise, say):
    """SET LOCAL lasts one transaction; the ADD inside the autocommit block runs without it."""
    local = SET.replace("SET lock_timeout", "SET LOCAL lock_timeout")
    feedback = check_with(exercise, local + BLOCK + inside(CONCURRENT, ADD, VALIDATE))
    assert not feedback
    assert say("Your SET LOCAL lock_timeout ended", "Il tuo SET LOCAL lock_timeout è finito") in feedback.message


def test_a_lock_timeout_too_long_is_caught(exercise, say):
    feedback = check_with(exercise, SET.replace("3s", "1min") + ADD + BLOCK + inside(CONCURRENT, VALIDATE))
    assert not feedback
    assert "lock_timeout = 60s" in feedback.message and say("at most 10s", "al massimo 10s") in feedback.message


def test_a_constraint_left_not_valid_is_caught(exercise, say):
    feedback = check_with(exercise, SET + ADD + BLOCK + inside(CONCURRENT))
    assert not feedback
    assert say("still NOT VALID", "ancora NOT VALID") in feedback.message and "VALIDATE CONSTRAINT" in feedback.message


def test_dropping_the_constraint_from_the_revision_is_caught(exercise, say):
    feedback = check_with(exercise, SET + BLOCK + inside(CONCURRENT))
    assert not feedback
    assert say("has no constraint ck_orders_quantity_positive",
               "non ha il vincolo ck_orders_quantity_positive") in feedback.message


def test_a_syntax_error_is_reported_with_its_line(exercise, say):
    root, ws = exercise
    path = ws.path / FILE
    source = path.read_text()
    path.write_text(source.replace("def upgrade() -> None:", "def upgrade() -> None", 1))
    feedback = EXERCISE.check(root)
    assert not feedback
    line = source[: source.index("def upgrade() -> None:")].count("\n") + 1
    assert say("not valid Python", "non è più Python valido") in feedback.message
    assert say(f"line {line}", f"riga {line}") in feedback.message


def test_messages_hold_no_paths_or_database_names(exercise):
    """Feedback is shown in the notebook, whose stored outputs must be the same on every machine."""
    root, _ws = exercise
    for body in (SET + CONCURRENT, SET + ADD + VALIDATE + BLOCK + inside(CONCURRENT), PLAIN_INDEX):
        message = check_with(exercise, body).message
        assert str(root) not in message and "nb10_" not in message and "/tmp" not in message


def test_start_again_and_finish_drop_the_exercise_database(postgres_server, tmp_path, say):
    first = EXERCISE.start(tmp_path).url
    second = EXERCISE.start(tmp_path).url  # starting over drops the first database
    assert first != second
    assert postgres.drop_database(first) is False
    assert str(EXERCISE.finish(tmp_path)) == say("The exercise's database is dropped.",
                                                 "Il database dell'esercizio è stato eliminato.")
    assert postgres.drop_database(second) is False
    assert str(EXERCISE.finish(tmp_path)) == say("The exercise has no database to drop.",
                                                 "L'esercizio non ha un database da eliminare.")
