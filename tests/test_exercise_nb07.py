"""Exercise nb07: promote dev's revision to prod, backup first, data intact."""

from __future__ import annotations

from migrator.exercises import get
from migrator.exercises.nb07 import PROD_BOOKS

EXERCISE = get("nb07")


def test_prepared_state_fails_and_solution_passes(tmp_path):
    ws = EXERCISE.start(tmp_path)
    prod = ws.environment("prod")
    assert (ws.current(), prod.current()) == ("0005", "0004")
    assert prod.rows("books")["title"].tolist() == [title for title, _, _ in PROD_BOOKS]
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "prod is at 0004, not at the head (0005)" in feedback.message
    assert EXERCISE.solve(tmp_path)
    assert prod.current() == "0005" and prod.backups()["revision"].tolist() == ["0004"]


def test_upgrading_prod_without_a_backup_is_not_enough(tmp_path):
    ws = EXERCISE.start(tmp_path)
    prod = ws.environment("prod")
    prod.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "no backup of prod taken at 0004" in feedback.message
    prod.backup()  # a backup after the upgrade is at 0005: it cannot undo anything
    assert not EXERCISE.check(tmp_path)


def test_backup_then_upgrade_by_hand_passes(tmp_path):
    ws = EXERCISE.start(tmp_path)
    prod = ws.environment("prod")
    prod.backup()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "There is already a backup" in feedback.message
    prod.upgrade()
    assert EXERCISE.check(tmp_path)


def test_lost_rows_are_reported(tmp_path):
    ws = EXERCISE.start(tmp_path)
    prod = ws.environment("prod")
    prod.backup()
    prod.upgrade()
    with prod.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM books WHERE title = 'Kindred'")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "rows were lost" in feedback.message
