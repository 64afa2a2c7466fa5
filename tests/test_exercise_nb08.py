"""Notebook 08's exercise: the check passes only at 0002 with every book and its year."""

from __future__ import annotations

import pytest

from migrator.exercises import get

EXERCISE = get("nb08")


def test_prepared_state_fails_and_solution_passes(tmp_path):
    EXERCISE.start(tmp_path)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "still at 0004" in feedback.message
    assert EXERCISE.solve(tmp_path)
    ws = EXERCISE.workspace(tmp_path)
    assert ws.current() == "0002"
    assert sorted(ws.rows("books")["published_year"]) == [1969, 1974, 1979]


@pytest.mark.parametrize(
    ("target", "advice"),
    [("0003", "can go lower"), ("0001", "published_year"), ("base", "books are gone")],
)
def test_every_wrong_stop_says_why(tmp_path, target, advice):
    ws = EXERCISE.start(tmp_path)
    ws.downgrade(target)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert advice in feedback.message


def test_going_too_far_and_back_up_is_still_caught(tmp_path):
    """Down to 0001 and back to 0002: the column is back, the years are not."""
    ws = EXERCISE.start(tmp_path)
    ws.downgrade("0001")
    ws.upgrade("0002")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "books changed" in feedback.message
