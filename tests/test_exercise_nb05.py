"""Exercise nb05: two heads after pulling main; the learner rebases their own revision, safely."""

from __future__ import annotations

import pytest

from migrator.errors import MultipleHeadsError
from migrator.exercises import get
from migrator.exercises.nb05 import FILE_MINE

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb05")
THEIRS_FILE = "migrations/versions/0006_add_birth_year_to_authors.py"


@pytest.fixture
def ws(tmp_path):
    return EXERCISE.start(tmp_path)


def reparent(ws, file, old, new):
    path = ws.path / file
    source = path.read_text()
    line = "down_revision: Union[str, Sequence[str], None] = "
    assert f"{line}'{old}'" in source
    path.write_text(source.replace(f"{line}'{old}'", f"{line}'{new}'").replace(f"Revises: {old}", f"Revises: {new}"))


def test_starts_unsolved_and_the_solution_solves_it(ws, tmp_path, say):
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("still 2 heads", "ancora 2 head") in feedback.message
    assert "downgrade" not in feedback.message  # the first message poses the question, no recipe
    feedback = EXERCISE.solve(tmp_path)
    assert feedback, feedback.message
    assert say("prod's next upgrade runs only your 0005",
               "il prossimo upgrade di prod esegue solo la tua 0005") in feedback.message
    assert "0004 → 0006 → 0005" in feedback.message
    assert ws.heads() == ["0005"] and ws.current() == "0005"
    assert ws.environment("prod").current() == "0006"  # prod itself untouched


def test_prepared_state_two_heads_dev_at_mine_prod_at_theirs(ws):
    assert ws.heads() == ["0005", "0006"]
    assert ws.current() == "0005"
    prod = ws.environment("prod")
    assert prod.current() == "0006"
    assert "pages" not in prod.columns("books")["column"].tolist()
    assert len(prod.rows("authors")) == 2
    with pytest.raises(MultipleHeadsError):
        ws.upgrade()


def test_a_merge_is_recognized_as_a_near_miss(ws, tmp_path, say):
    ws.merge("merge")
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("merge revision", "revisione di merge") in feedback.message and "rebase" in feedback.message
    assert "exercise.start()" in feedback.message


def test_reparenting_the_deployed_revision_shows_what_prod_would_miss(ws, tmp_path, say):
    reparent(ws, THEIRS_FILE, "0004", "0005")
    assert ws.heads() == ["0006"]
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("0006 has already run on prod", "0006 è già stata eseguita su prod") in feedback.message
    assert say("ran nothing and still has no books.pages",
               "le revisioni eseguite sono: nessuna; e la copia non ha ancora books.pages") in feedback.message
    assert say("'0004', or run exercise.start() to begin anew",
               "'0004', oppure esegui exercise.start() per ricominciare") in feedback.message
    assert ws.environment("prod").current() == "0006"  # the check used a copy


def test_reparenting_without_moving_the_database_first_is_caught_and_the_repair_works(ws, tmp_path, say):
    reparent(ws, FILE_MINE, "0004", "0006")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("Alembic counts 0006 as applied here, yet it never ran",
               "Alembic considera 0006 applicata qui, eppure non è mai stata eseguita") in feedback.message
    # the repair the message gives
    ws.downgrade("0006")
    ws.stamp("0004")
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message


def test_reparented_but_not_yet_upgraded(ws, tmp_path, say):
    ws.downgrade("0004")
    reparent(ws, FILE_MINE, "0004", "0006")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("bring it to the head with ws_ex.upgrade()", "portalo alla head con ws_ex.upgrade()") in feedback.message
    ws.upgrade()
    assert EXERCISE.check(tmp_path)


def test_a_forgotten_docstring_line_passes_with_a_note(ws, tmp_path, say):
    ws.downgrade("0004")
    path = ws.path / FILE_MINE
    line = "down_revision: Union[str, Sequence[str], None] = "
    path.write_text(path.read_text().replace(f"{line}'0004'", f"{line}'0006'"))
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert feedback and "Revises: 0006" in feedback.message
    assert say("in its docstring too", "anche 'Revises: 0004' in 'Revises: 0006'") in feedback.message


def test_deleting_the_teammates_revision_is_refused(ws, tmp_path, say):
    (ws.path / THEIRS_FILE).unlink()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("Revision 0006 (your teammate's: birth_year on authors) is gone",
               "La revisione 0006 (quella del tuo collega: birth_year su authors) non c'è più") in feedback.message


def test_moving_prod_is_refused(ws, tmp_path, say):
    ws.environment("prod").downgrade("0004")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("Leave prod alone", "lascia stare prod") in feedback.message
