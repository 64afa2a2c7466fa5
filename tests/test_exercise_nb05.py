"""Exercise nb05: two heads after pulling a teammate's branch; the learner merges and upgrades."""

from __future__ import annotations

import pytest

from migrator.errors import MultipleHeadsError
from migrator.exercises import get

EXERCISE = get("nb05")


@pytest.fixture
def ws(tmp_path):
    return EXERCISE.start(tmp_path)


def test_starts_unsolved_and_the_solution_solves_it(ws, tmp_path):
    assert not EXERCISE.check(tmp_path)
    feedback = EXERCISE.solve(tmp_path)
    assert feedback, feedback.message
    assert ws.heads() == ["0007"]
    assert ws.current() == "0007"


def test_prepared_state_has_two_heads_and_upgrade_fails(ws):
    assert ws.heads() == ["0005", "0006"]
    assert ws.current() == "0005"
    with pytest.raises(MultipleHeadsError):
        ws.upgrade()


def test_merge_without_upgrade_is_not_enough(ws, tmp_path):
    ws.merge("merge")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "the database is at 0005" in feedback.message


def test_upgrading_both_heads_without_merging_is_not_enough(ws, tmp_path):
    ws.upgrade("heads")
    assert ws.current() == ("0005", "0006")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "still 2 heads" in feedback.message


def test_deleting_the_teammates_revision_is_refused(ws, tmp_path):
    (ws.path / "migrations" / "versions" / "0006_add_birth_year_to_authors.py").unlink()
    assert ws.heads() == ["0005"]
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "0006" in feedback.message and "gone" in feedback.message
