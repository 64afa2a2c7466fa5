"""Notebook 03's exercise: a revision that needs batch mode, fixed by the learner."""

from __future__ import annotations

import pytest

from migrator import NeedsBatchModeError
from conftest import rewrite_revision
from migrator.exercises import get

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb03")


@pytest.fixture
def ws(tmp_path):
    return EXERCISE.start(root=tmp_path)


BATCH_UP = """\
    with op.batch_alter_table('books') as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(200), type_=sa.String(300),
                              existing_nullable=False)
        batch_op.create_unique_constraint('uq_books_slug', ['slug'])
"""
BATCH_DOWN = """\
    with op.batch_alter_table('books') as batch_op:
        batch_op.drop_constraint('uq_books_slug', type_='unique')
        batch_op.alter_column('title', existing_type=sa.String(300), type_=sa.String(200),
                              existing_nullable=False)
"""


def test_prepared_state_is_not_solved_and_the_solution_solves_it(say, tmp_path, ws):
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("still at 0004", "ancora a 0004") in feedback.message and say("read the error", "leggi l'errore") in feedback.message
    solved = EXERCISE.solve(tmp_path)
    assert solved, solved.message
    assert say("5 books survived", "5 libri sono sopravvissuti") in solved.message


def test_the_prepared_revision_really_needs_batch_mode(say, tmp_path, ws):
    with pytest.raises(NeedsBatchModeError):
        ws.upgrade()
    assert ws.current() == "0004"
    assert not EXERCISE.check(tmp_path)


def test_fixing_only_upgrade_is_not_enough(say, tmp_path, ws):
    naive_down = """\
    op.drop_constraint('uq_books_slug', 'books', type_='unique')
"""
    rewrite_revision(ws, BATCH_UP, naive_down)
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("downgrade fails", "il downgrade fallisce") in feedback.message
    assert ws.current() == "0005"  # the check downgraded a copy, not the learner's database


def test_a_revision_that_forgets_the_constraint_is_reported(say, tmp_path, ws):
    up = """\
    with op.batch_alter_table('books') as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(200), type_=sa.String(300),
                              existing_nullable=False)
"""
    rewrite_revision(ws, up, BATCH_DOWN.replace("batch_op.drop_constraint('uq_books_slug', type_='unique')", "pass"))
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "uq_books_slug" in feedback.message


def test_lost_rows_are_reported(say, tmp_path, ws):
    rewrite_revision(ws, BATCH_UP + "    op.execute('DELETE FROM books WHERE id = 5')\n", BATCH_DOWN)
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("4 rows instead of 5", "4 righe invece di 5") in feedback.message


def test_a_correct_hand_fix_passes(say, tmp_path, ws):
    rewrite_revision(ws, BATCH_UP, BATCH_DOWN)
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message


def test_an_operation_left_outside_the_batch_block_is_named_with_its_line(say, tmp_path, ws):
    up = """\
    with op.batch_alter_table('books') as batch_op:
        batch_op.create_unique_constraint('uq_books_slug', ['slug'])
    op.alter_column('books', 'title', existing_type=sa.String(200), type_=sa.String(300),
                    existing_nullable=False)
"""
    rewrite_revision(ws, up, BATCH_DOWN)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("op.alter_column outside a batch block (line 2", "op.alter_column fuori da un blocco batch (riga 2") in feedback.message


def test_a_table_name_passed_to_batch_op_is_a_near_miss(say, tmp_path, ws):
    rewrite_revision(ws, BATCH_UP.replace("('uq_books_slug', ['slug'])", "('uq_books_slug', 'books', ['slug'])"), BATCH_DOWN)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("passes 'books' to batch_op.create_unique_constraint", "passa 'books' a batch_op.create_unique_constraint") in feedback.message


def test_a_fixed_upgrade_with_a_plain_downgrade_is_flagged_before_upgrading(say, tmp_path, ws):
    rewrite_revision(ws, BATCH_UP, "    op.drop_constraint('uq_books_slug', 'books', type_='unique')\n")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("run ws_ex.upgrade()", "esegui ws_ex.upgrade()") in feedback.message and say("Fix downgrade() too", "correggi anche downgrade()") in feedback.message


def test_a_differently_named_constraint_is_a_near_miss_and_redoing_it_passes(say, tmp_path, ws):
    rewrite_revision(ws, BATCH_UP.replace("uq_books_slug", "uq_slug"), BATCH_DOWN.replace("uq_books_slug", "uq_slug"))
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("Close", "Ci sei quasi") in feedback.message and "'uq_slug'" in feedback.message
    assert "ws_ex.downgrade('0004')" in feedback.message
    ws.downgrade("0004")
    rewrite_revision(ws, BATCH_UP, BATCH_DOWN)
    ws.upgrade()
    assert EXERCISE.check(tmp_path)


def test_a_syntax_error_is_reported_with_its_line(say, tmp_path, ws):
    rewrite_revision(ws, BATCH_UP + "  oops = (\n", BATCH_DOWN)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("does not parse: line", "non si riesce a leggere: riga") in feedback.message
