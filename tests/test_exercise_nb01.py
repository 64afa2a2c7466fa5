"""Notebook 01's exercise: a publishers table, from models.py to the database."""

from __future__ import annotations

from migrator.exercises import get
from migrator.exercises.nb01 import MODELS

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
