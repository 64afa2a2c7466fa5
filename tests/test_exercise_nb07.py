"""Exercise nb07: a revision damaged prod's data after its backup; the learner rolls forward."""

from __future__ import annotations

import pytest

from migrator.exercises import get
from migrator.exercises.nb07 import CUT, NEW_BOOKS, PROD_BOOKS

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb07")
REPAIR = "UPDATE books SET slug = lower(replace(trim(title), ' ', '-'))"


@pytest.fixture
def ws(tmp_path):
    return EXERCISE.start(tmp_path)


def write_repair(ws, sql=REPAIR):
    rev = ws.revision("repair slugs", autogenerate=False)
    path = ws.path / rev.file
    path.write_text(path.read_text().replace(
        '"""Upgrade schema."""\n    pass', f'"""Upgrade schema."""\n    op.execute("{sql}")', 1))
    return rev


def test_prepared_state_fails_and_solution_passes(say, ws, tmp_path):
    prod = ws.environment("prod")
    assert (ws.current(), prod.current()) == ("0005", "0005")
    books = prod.rows("books")
    assert books["title"].tolist() == [t for t, _, _ in PROD_BOOKS + NEW_BOOKS]
    assert books["slug"].tolist()[:2] == ["the-dispos", "the-left-h"]          # cut by 0005
    assert books["slug"].tolist()[-1] == "the-obelisk-gate"                     # added after it
    assert prod.backups()["revision"].tolist() == ["0004"]
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("still cut ('the-dispos' for 'The Dispossessed')", "ancora troncati ('the-dispos' per 'The Dispossessed')") in feedback.message
    assert say("revision", "revisione") not in feedback.message.split("backups()")[0]  # poses the question, no recipe
    solved = EXERCISE.solve(tmp_path)
    assert solved, solved.message
    assert say("all 7 books", "tutti i 7 libri") in solved.message
    assert prod.current() == "0006" and prod.backups()["revision"].tolist() == ["0004", "0005"]


def test_restoring_the_backup_loses_the_new_books_and_says_why(say, ws, tmp_path):
    prod = ws.environment("prod")
    prod.restore(prod.database_path.parent / prod.backups()["file"].iloc[0])
    assert prod.current() == "0004" and len(prod.rows("books")) == len(PROD_BOOKS)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("lost 2 book(s): Parable of the Sower, The Obelisk Gate", "ha perso 2 libri: Parable of the Sower, The Obelisk Gate") in feedback.message
    assert say("a restore throws away every write made since its backup", "un ripristino butta via ogni scrittura fatta dopo il suo backup") in feedback.message
    # promoting afterwards runs 0005 again: still two books short
    write_repair(ws)
    ws.upgrade()
    ws.promote("prod")
    assert not EXERCISE.check(tmp_path)


def test_editing_the_revision_that_already_ran_changes_nothing_on_prod(say, ws, tmp_path):
    path = next((ws.path / "migrations" / "versions").glob("0005_*.py"))
    path.write_text(path.read_text().replace(CUT, "SELECT 1"))
    ws.promote("prod")  # prod is at the head already: nothing to promote
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert say("0005 has already run on prod", "0005 è già stata eseguita su prod") in feedback.message and say("never runs a revision twice", "non esegue mai due volte una revisione") in feedback.message


def test_downgrading_prod_does_not_bring_the_slugs_back(say, ws, tmp_path):
    ws.environment("prod").downgrade("0004")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("prod is at 0004 again, and its slugs are still cut", "prod è di nuovo a 0004, e i suoi slug sono ancora troncati") in feedback.message


def test_fixing_prod_by_hand_is_not_a_repair(say, ws, tmp_path):
    prod = ws.environment("prod")
    prod.backup()
    with prod.engine.begin() as connection:
        connection.exec_driver_sql(REPAIR)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("no revision made them so", "non li ha sistemati nessuna revisione") in feedback.message


def test_a_repair_written_but_not_promoted(say, ws, tmp_path):
    write_repair(ws)
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("Try it on dev first: ws_ex.upgrade()", "Provala prima su dev: ws_ex.upgrade()") in feedback.message
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "ws_ex.promote('prod')" in feedback.message and say("Try it on dev", "Provala prima su dev") not in feedback.message


def test_a_repair_with_the_wrong_rule_is_reported(say, ws, tmp_path):
    write_repair(ws, "UPDATE books SET slug = lower(title)")
    ws.upgrade()
    ws.promote("prod")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("still not what the app's rule makes", "non sono ancora quello che produce la regola dell'app") in feedback.message
    assert "'the-dispossessed'" in feedback.message


def test_upgrading_prod_by_hand_without_a_backup_is_not_enough(say, ws, tmp_path):
    write_repair(ws)
    ws.upgrade()
    prod = ws.environment("prod")
    prod.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("no backup of it taken before the repair ran (at 0005)", "non c'è un suo backup fatto prima che la riparazione venisse eseguita (a 0005)") in feedback.message
    prod.backup()  # taken after the repair: at 0006, still not a backup from before it
    assert not EXERCISE.check(tmp_path)


def test_backup_then_upgrade_by_hand_passes(say, ws, tmp_path):
    write_repair(ws)
    ws.upgrade()
    prod = ws.environment("prod")
    prod.backup()
    prod.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message


def test_a_prod_downgraded_first_then_promoted_passes_with_its_fresh_backup(say, ws, tmp_path):
    ws.environment("prod").downgrade("0004")  # slugs stay cut: 0005's downgrade cannot help
    write_repair(ws)
    ws.upgrade()
    ws.promote("prod")  # backup at 0004 (taken now), then 0005 and 0006
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message
