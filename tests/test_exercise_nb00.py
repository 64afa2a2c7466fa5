"""Notebook 00's exercise: the check fails until the database is at 0002 exactly."""

from __future__ import annotations

import pytest

from migrator.exercises import get

EXERCISE = get("nb00")


def test_prepared_state_fails_and_solution_passes(tmp_path):
    EXERCISE.start(tmp_path)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "empty" in feedback.message
    assert EXERCISE.solve(tmp_path)
    assert EXERCISE.workspace(tmp_path).version_table()["version_num"].tolist() == ["0002"]


@pytest.mark.parametrize(
    ("target", "advice"),
    [("0001", "upgrade('+1')"), ("head", "downgrade('0002')"), ("0003", "downgrade('0002')")],
)
def test_wrong_revision_says_which_way_to_go(tmp_path, target, advice):
    ws = EXERCISE.start(tmp_path)
    ws.upgrade(target)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert advice in feedback.message


def test_coming_back_down_to_0002_passes(tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.upgrade()
    ws.downgrade("0002")
    assert EXERCISE.check(tmp_path)


def test_stamped_without_running_is_caught(tmp_path):
    """alembic_version says 0002 but no table exists: the schema check notices."""
    ws = EXERCISE.start(tmp_path)
    ws.stamp("0002")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "stamp" in feedback.message
