"""Notebook 00's exercise: the newest revision last month's app survives is 0003, and the check says why."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migrator.exercises import get
from migrator.exercises.nb00 import TARGET, last_months_app

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb00")


def test_prepared_state_fails_without_giving_the_answer_and_the_solution_passes(say, tmp_path):
    EXERCISE.start(tmp_path)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("empty", "vuoto") in feedback.message
    assert TARGET not in feedback.message and "0004" not in feedback.message  # a judgement, not a recipe
    solved = EXERCISE.solve(tmp_path)
    assert solved, solved.message
    assert EXERCISE.workspace(tmp_path).version_table()["version_num"].tolist() == [TARGET]


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("0001", ("no column named published_year",) * 2),  # SQLite's own words
        ("0002", ("one step further", "un passo in più")),
        ("0004", ("NOT NULL constraint failed: books.slug",) * 2),
    ],
)
def test_each_wrong_stop_says_what_the_old_app_meets(say, tmp_path, target, says):
    ws = EXERCISE.start(tmp_path)
    ws.upgrade(target)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say(*says) in feedback.message


def test_going_too_far_and_coming_back_passes(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.upgrade()
    assert not EXERCISE.check(tmp_path)
    ws.downgrade("-1")
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message
    assert say("0004 would break it", "0004 la romperebbe") in feedback.message


def test_the_check_tries_the_old_app_on_a_copy(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.upgrade(TARGET)
    assert EXERCISE.check(tmp_path)
    assert ws.rows("books").empty  # the check's book went into a copy, not the learner's database


def test_the_old_app_really_breaks_at_0004_and_works_at_0003(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    old_shop = last_months_app(ws)
    ws.upgrade(TARGET)
    old_shop.add_book("Kindred", "Octavia Butler", published_year=1979)
    ws.upgrade("0004")  # 0004 backfills the slug of the book already there
    with pytest.raises(sa.exc.IntegrityError, match="books.slug"):
        old_shop.add_book("Small Gods", "Terry Pratchett", published_year=1992)
    assert ws.rows("books")["slug"].tolist() == ["kindred"]


def test_stamped_without_running_is_caught(say, tmp_path):
    """alembic_version says 0003 but no table exists: the schema check notices."""
    ws = EXERCISE.start(tmp_path)
    ws.stamp(TARGET)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("stamp", "stamp") in feedback.message
