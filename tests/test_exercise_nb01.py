"""Notebook 01's exercise: a publishers table, from models.py to the database."""

from __future__ import annotations

import pytest

from migrator.exercises import get
from migrator.exercises.nb01 import MODELS

pytestmark = pytest.mark.usefixtures("language")  # every test in English and in Italian

EXERCISE = get("nb01")

PUBLISHER = '''

class Publisher(Base):
    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
'''


def test_prepared_state_fails_and_solution_passes(tmp_path):
    ws = EXERCISE.start(tmp_path)
    assert ws.current() == "0001"
    assert ws.read_models() == MODELS
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "Publisher" in feedback.message
    assert EXERCISE.solve(tmp_path)
    assert "publishers" in EXERCISE.workspace(tmp_path).tables()["table"].tolist()


def test_each_missing_step_is_named(tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.write_models(MODELS + PUBLISHER)  # steps 1-2 only
    assert "ws_ex.revision" in EXERCISE.check(tmp_path).message
    ws.revision("create publishers")  # step 3, not applied
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "ws_ex.upgrade()" in feedback.message
    ws.upgrade()
    assert EXERCISE.check(tmp_path)


def test_missing_name_column_fails(tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.write_models(MODELS + PUBLISHER.replace("    name: Mapped[str] = mapped_column(String(100))\n", ""))
    ws.revision("create publishers")
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "name" in feedback.message


def test_broken_models_file_is_a_not_yet(tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.write_models(MODELS + "\nclass Publisher(Base)\n")
    feedback = EXERCISE.check(tmp_path)
    assert not feedback
    assert "models.py" in feedback.message


def publisher_model(table: str = "publishers", name_type: str = "String(100)") -> str:
    return PUBLISHER.replace('"publishers"', f'"{table}"').replace("String(100)", name_type)


def test_publisher_singular_is_a_near_miss_at_every_step(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.write_models(MODELS + publisher_model("publisher"))
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("Close", "Ci sei quasi") in feedback.message and "'publisher'" in feedback.message
    ws.revision("create publisher")
    assert say("written but not applied", "scritta ma non applicata") in EXERCISE.check(tmp_path).message
    ws.upgrade()
    assert say("already applied", "già applicata") in EXERCISE.check(tmp_path).message


def test_recovering_with_a_second_revision_passes_and_is_noted(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.write_models(MODELS + publisher_model("publisher"))
    ws.revision("create publisher")
    ws.upgrade()
    ws.write_models(MODELS + PUBLISHER)  # the fix, saved, but no revision yet
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("still has publisher", "ha ancora publisher") in feedback.message
    ws.revision("publishers, not publisher")
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message
    assert say("2 revisions", "2 revisioni") in feedback.message


def test_recovering_by_downgrade_delete_and_regenerate_passes(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.write_models(MODELS + publisher_model("publisher"))
    ws.revision("create publisher")
    ws.upgrade()
    ws.downgrade("-1")
    next((ws.path / "migrations" / "versions").glob("0002_*.py")).unlink()
    ws.write_models(MODELS + PUBLISHER)
    ws.revision("create publishers")
    ws.upgrade()
    feedback = EXERCISE.check(tmp_path)
    assert feedback, feedback.message
    assert say("revisions to get there", "Per arrivarci") not in feedback.message


def test_a_name_without_its_length_is_a_near_miss(say, tmp_path):
    ws = EXERCISE.start(tmp_path)
    ws.write_models(MODELS + publisher_model(name_type="String"))
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and "String(100)" in feedback.message
    ws.revision("create publishers")
    ws.upgrade()
    ws.write_models(MODELS + PUBLISHER)  # fixed in the model after the upgrade: autogenerate cannot see it
    feedback = EXERCISE.check(tmp_path)
    assert not feedback and say("autogenerate cannot see it", "autogenerate non può accorgersene") in feedback.message
