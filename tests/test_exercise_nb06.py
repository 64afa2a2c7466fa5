"""Exercise nb06: a revision whose downgrade forgets an index; the learner fixes the file."""

from __future__ import annotations

import pytest

from migrator.exercises import get

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb06")
FILE = "migrations/versions/0005_add_isbn_to_books.py"


@pytest.fixture
def ws(tmp_path):
    return EXERCISE.start(tmp_path)


def test_starts_unsolved_and_the_solution_solves_it(say, ws, tmp_path):
    assert not EXERCISE.check(tmp_path)
    feedback = EXERCISE.solve(tmp_path)
    assert feedback, feedback.message
    assert ws.run_checks()["passed"].all()


def test_prepared_state_fails_only_up_down_consistency(say, ws, tmp_path):
    results = ws.run_checks().set_index("check")["passed"]
    assert results.to_dict() == {
        "single head": True,
        "upgrade from empty": True,
        "models match schema": True,
        "up/down consistency": False,
    }
    assert ws.current() == "0005"  # upgrading worked: the bug hides until a downgrade
    feedback = EXERCISE.check(tmp_path)
    assert say("up/down consistency fails", "up/down consistency fallisce") in feedback.message


def test_a_downgrade_that_does_nothing_is_not_a_fix(say, ws, tmp_path):
    path = ws.path / FILE
    source = path.read_text()
    body = source[source.index('    """Downgrade schema."""'):]
    path.write_text(source.replace(body, '    """Downgrade schema."""\n    pass\n'))
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("column isbn left behind", "books: resta column isbn") in feedback.message


def test_removing_the_index_from_the_model_is_not_a_fix(say, ws, tmp_path):
    ws.edit_models("unique=True, index=True)", ")")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("models.py no longer defines", "models.py non definisce più") in feedback.message


def test_a_syntax_error_in_the_revision_is_reported_with_its_line(say, ws, tmp_path):
    path = ws.path / FILE
    path.write_text(path.read_text().replace("drop_column('isbn')", "drop_column('isbn'"))
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("not valid Python", "Python valido") in feedback.message and say("line 33", "riga 33") in feedback.message


def _rewrite_downgrade(ws, old, new):
    path = ws.path / FILE
    source = path.read_text()
    up, _, down = source.partition("def downgrade()")
    assert old in down
    path.write_text(up + "def downgrade()" + down.replace(old, new))


@pytest.mark.parametrize("drop", [
    "        batch_op.drop_index('ix_isbn')\n",                        # batch mode: ValueError
    "        batch_op.drop_index(batch_op.f('ix_isbn'))\n",
])
def test_an_index_dropped_by_a_wrong_name_is_recognized(say, ws, tmp_path, drop):
    _rewrite_downgrade(ws, "        batch_op.drop_column('isbn')", drop + "        batch_op.drop_column('isbn')")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("called 'ix_isbn'", "chiamato 'ix_isbn'") in feedback.message and say("did you mean ix_books_isbn?", "intendevi ix_books_isbn?") in feedback.message


def test_an_index_dropped_outside_the_batch_block_by_a_wrong_name_is_recognized(say, ws, tmp_path):
    _rewrite_downgrade(ws, "    with op.batch_alter_table", "    op.drop_index('isbn_idx', table_name='books')\n    with op.batch_alter_table")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("called 'isbn_idx'", "chiamato 'isbn_idx'") in feedback.message and say("did you mean ix_books_isbn?", "intendevi ix_books_isbn?") in feedback.message


def test_dropping_the_index_instead_of_the_column_is_recognized(say, ws, tmp_path):
    _rewrite_downgrade(ws, "        batch_op.drop_column('isbn')", "        batch_op.drop_index(batch_op.f('ix_books_isbn'))")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("drops the index but no longer the column", "elimina l'indice ma non più la colonna") in feedback.message


def test_changing_upgrade_is_not_a_fix(say, ws, tmp_path):
    path = ws.path / FILE
    path.write_text(path.read_text().replace(
        "        batch_op.create_index(batch_op.f('ix_books_isbn'), ['isbn'], unique=True)\n", ""))
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("upgrade() has changed", "upgrade() è cambiato") in feedback.message and "exercise.start()" in feedback.message


def test_the_index_dropped_outside_the_batch_block_passes_too(say, ws, tmp_path):
    _rewrite_downgrade(ws, "    with op.batch_alter_table", "    op.drop_index('ix_books_isbn', table_name='books')\n    with op.batch_alter_table")
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message


def test_the_first_message_does_not_give_the_fix_away(say, ws, tmp_path):
    feedback = EXERCISE.check(tmp_path)
    assert "drop_index" not in feedback.message and "ix_books_isbn" not in feedback.message
    assert "drop_index" not in EXERCISE.hint().text
