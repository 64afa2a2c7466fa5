"""How exercise feedback renders: in words (no emoji font needed), identifiers kept literal."""

from migrator.exercises import Feedback, markdown_safe


def test_feedback_says_pass_and_fail_in_words():
    assert Feedback(True, "done")._repr_markdown_().startswith("✓ **Correct.**")
    assert Feedback(False, "not done")._repr_markdown_().startswith("✗ **Not yet.**")


def test_dunder_names_are_not_turned_into_bold_outside_code():
    assert markdown_safe("add __tablename__ here") == r"add \_\_tablename\_\_ here"
    assert markdown_safe("add `__tablename__ = 'x'` here") == "add `__tablename__ = 'x'` here"
    assert r"\_\_init\_\_" in Feedback(False, "see __init__")._repr_markdown_()
