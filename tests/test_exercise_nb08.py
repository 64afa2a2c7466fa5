"""Notebook 08's exercise: the check passes only at 0004 with every book, its year and its slug."""

from __future__ import annotations

import pytest

from migrator.exercises import get
from migrator.exercises.nb08 import EDITED

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb08")


def test_prepared_state_fails_and_solution_passes(say, tmp_path):
    EXERCISE.start(tmp_path)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("still at 0005", "ancora a 0005") in feedback.message
    assert EXERCISE.solve(tmp_path)
    ws = EXERCISE.workspace(tmp_path)
    assert ws.current() == "0004"
    books = ws.rows("books")
    assert sorted(books["published_year"]) == [1969, 1974, 1979]
    assert dict(zip(books["title"], books["slug"]))[EDITED[0]] == EDITED[1]


def test_the_judgment_is_needed_one_step_is_free_the_next_is_asked_about(say, tmp_path):
    """The explorer lets 0005's downgrade run (isbn holds nothing) and asks before 0004's
    (slug holds values); what the warning cannot say is that one slug is not recomputable."""
    ws = EXERCISE.start(tmp_path)
    explorer = ws.explorer()
    first = explorer.downgrade_one()
    assert first.kind == "moved" and ws.current() == "0004", first
    second = explorer.downgrade_one()
    assert second.kind == "confirm" and say("drops column books.slug", "elimina la colonna books.slug") in second.text, second
    assert ws.current() == "0004"
    slugs = dict(zip(ws.rows("books")["title"], ws.rows("books")["slug"]))
    recomputed = {title: title.strip().lower().replace(" ", "-") for title in slugs}  # 0004's rule
    assert {t for t in slugs if slugs[t] != recomputed[t]} == {EDITED[0]}


@pytest.mark.parametrize(
    ("target", "advice"),
    [("0003", ("left-hand", "left-hand")), ("0002", ("chosen by hand", "scelto a mano")), ("0001", ("left-hand", "left-hand")),
     ("base", ("books are gone", "i libri non ci sono più"))],
)
def test_every_wrong_stop_says_why(say, tmp_path, target, advice):
    ws = EXERCISE.start(tmp_path)
    ws.downgrade(target)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say(*advice) in feedback.message


def test_going_too_far_and_back_up_is_still_caught(say, tmp_path):
    """Down to 0003 and back to 0004: the slug column is back, recomputed, 'left-hand' is not."""
    ws = EXERCISE.start(tmp_path)
    ws.downgrade("0003")
    ws.upgrade("0004")
    assert ws.current() == "0004"
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("books changed", "i libri sono cambiati") in feedback.message and "the-left-hand-of-darkness" in feedback.message
