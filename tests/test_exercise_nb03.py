"""Notebook 03's exercise: a revision that needs batch mode, fixed by the learner."""

from __future__ import annotations

import pytest

from migrator import NeedsBatchModeError
from conftest import rewrite_revision
from migrator.exercises import get

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


def test_prepared_state_is_not_solved_and_the_solution_solves_it(tmp_path, ws):
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "still at 0004" in feedback.message and "read the error" in feedback.message
    solved = EXERCISE.solve(tmp_path)
    assert solved, solved.message
    assert "5 books survived" in solved.message


def test_the_prepared_revision_really_needs_batch_mode(tmp_path, ws):
    with pytest.raises(NeedsBatchModeError):
        ws.upgrade()
    assert ws.current() == "0004"
    assert not EXERCISE.check(tmp_path)


def test_fixing_only_upgrade_is_not_enough(tmp_path, ws):
    naive_down = """\
    op.drop_constraint('uq_books_slug', 'books', type_='unique')
"""
    rewrite_revision(ws, BATCH_UP, naive_down)
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "downgrade fails" in feedback.message
    assert ws.current() == "0005"  # the check downgraded a copy, not the learner's database


def test_a_revision_that_forgets_the_constraint_is_reported(tmp_path, ws):
    up = """\
    with op.batch_alter_table('books') as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(200), type_=sa.String(300),
                              existing_nullable=False)
"""
    rewrite_revision(ws, up, BATCH_DOWN.replace("batch_op.drop_constraint('uq_books_slug', type_='unique')", "pass"))
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "uq_books_slug" in feedback.message


def test_lost_rows_are_reported(tmp_path, ws):
    rewrite_revision(ws, BATCH_UP + "    op.execute('DELETE FROM books WHERE id = 5')\n", BATCH_DOWN)
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "4 rows instead of 5" in feedback.message


def test_a_correct_hand_fix_passes(tmp_path, ws):
    rewrite_revision(ws, BATCH_UP, BATCH_DOWN)
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message
