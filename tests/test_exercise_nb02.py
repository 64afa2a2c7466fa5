"""Notebook 02's exercise: a pages column end to end, data kept and read back."""

from __future__ import annotations

import pytest

from migrator.exercises import get
from migrator.exercises.nb02 import BOOKS, MODELS, YEAR_LINE

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb02")
PAGES_LINE = "    pages: Mapped[int | None]\n"


def test_prepared_state_fails_and_solution_passes(tmp_path):
    ws = EXERCISE.start(tmp_path)
    assert ws.current() == "0002"
    assert ws.read_models() == MODELS
    assert ws.rows("books")["title"].tolist() == [title for title, _, _ in BOOKS]
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "pages" in feedback.message
    assert EXERCISE.solve(tmp_path)
    books = EXERCISE.workspace(tmp_path).rows("books")
    assert books["pages"].isna().sum() == len(BOOKS)
    assert books["pages"].dropna().tolist() == [345]


def test_each_missing_step_is_named(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.edit_models(YEAR_LINE, YEAR_LINE + PAGES_LINE)
    assert "ws_ex.revision" in EXERCISE.check(tmp_path).message
    ws.revision("add pages to books")
    assert "ws_ex.upgrade()" in EXERCISE.check(tmp_path).message
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("no book has a page count", "nessun libro ha ancora un numero di pagine") in feedback.message
    ws.app().add_book("Kindred", "Octavia E. Butler", pages=264)
    assert EXERCISE.check(tmp_path)


def test_not_null_pages_is_refused(tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.edit_models(YEAR_LINE, YEAR_LINE + "    pages: Mapped[int]\n")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "NULL" in feedback.message


def test_a_column_named_almost_pages_is_a_near_miss(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.edit_models(YEAR_LINE, YEAR_LINE + "    page_count: Mapped[int | None]\n")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("Close", "Ci sei quasi") in feedback.message and "'page_count'" in feedback.message
    ws.revision("add page_count to books")
    ws.upgrade()
    assert say("already in the database", "è già nel database") in EXERCISE.check(tmp_path).message


def test_recovering_from_the_wrong_name_with_a_second_revision_passes(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.edit_models(YEAR_LINE, YEAR_LINE + "    page: Mapped[int | None]\n")
    ws.revision("add page to books")
    ws.upgrade()
    ws.edit_models("    page: Mapped[int | None]\n", PAGES_LINE)  # renamed, no revision yet
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("still has the column page", "ha ancora la colonna page") in feedback.message
    ws.revision("pages, not page")
    ws.upgrade()
    ws.app().add_book("Kindred", "Octavia E. Butler", pages=264)
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message
    assert EXERCISE.workspace(tmp_path).rows("books")["title"].tolist()[:2] == [t for t, _, _ in BOOKS]


def test_a_leftover_column_in_the_database_is_named(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.edit_models(YEAR_LINE, YEAR_LINE + PAGES_LINE + "    page: Mapped[int | None]\n")
    ws.revision("add pages and page")
    ws.upgrade()
    ws.edit_models("    page: Mapped[int | None]\n", "")
    ws.app().add_book("Kindred", "Octavia E. Butler", pages=264)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("still has the column page", "ha ancora la colonna page") in feedback.message


def test_pages_as_text_is_refused(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.edit_models(YEAR_LINE, YEAR_LINE + "    pages: Mapped[str | None]\n")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("whole number", "numero intero") in feedback.message
