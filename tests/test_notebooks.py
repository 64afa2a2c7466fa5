"""Structure checks over every course notebook (nbval checks their outputs separately)."""

from __future__ import annotations

import re

import nbformat
import pytest

from migrator import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def text(cell) -> str:
    return "".join(cell.source)


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def test_the_course_has_its_notebooks():
    numbers = [path.name[:2] for path in NOTEBOOKS]
    assert numbers == [f"{n:02d}" for n in range(len(NOTEBOOKS))], "numbered 00, 01, ... without gaps"
    assert len(NOTEBOOKS) >= 8


def test_starts_with_title_steps_and_learning_goals(notebook):
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert text(first).startswith("# ")
    assert re.search(r"(?i)step", text(first)), "say which workflow step(s) the notebook covers"
    goals = text(first).split("Learning goals", 1)
    assert len(goals) == 2, "a 'Learning goals' section in the first cell"
    bullets = re.findall(r"^\s*(?:[-*]|\d+\.)\s+\S", goals[1], flags=re.M)
    assert 3 <= len(bullets) <= 5, f"3-5 learning goals, found {len(bullets)}"


def test_ends_with_recap_and_an_exercise_with_a_check(notebook):
    markdown = [text(c) for c in notebook.cells if c.cell_type == "markdown"]
    assert any(re.search(r"^#+ .*Recap", m, flags=re.M) for m in markdown)
    assert any(re.search(r"^#+ .*Exercise", m, flags=re.M) for m in markdown)
    code = [text(c) for c in code_cells(notebook)]
    assert any(".check()" in c for c in code), "an exercise check() cell"
    assert any(".hint()" in c for c in code) and any(".solution()" in c for c in code)


def test_kernel_is_python3(notebook):
    assert notebook.metadata.kernelspec.name == "python3"


def test_every_code_cell_ran_in_order(notebook):
    counts = [cell.execution_count for cell in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1))


def test_errors_only_where_the_failure_is_the_lesson(notebook):
    for cell in code_cells(notebook):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        expected = "raises-exception" in cell.metadata.get("tags", [])
        assert bool(errors) == expected, text(cell)
        for error in errors:  # migrator errors teach: what happened, how to fix it
            assert "How to fix:" in error.evalue, text(cell)


def test_outputs_are_clean_and_portable(notebook):
    for cell in code_cells(notebook):
        for output in cell.outputs:
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"stderr output (log noise or a warning) in: {text(cell)}"
            )
            flat = str(output)
            assert not re.search(r"/(tmp|work|root|home|Users)/", flat), f"absolute path in: {text(cell)}"
            assert not re.search(r"\b20\d\d-\d\d-\d\d[ T]\d\d:\d\d", flat), f"timestamp in: {text(cell)}"


def test_ignored_outputs_are_rare_and_explained():
    cells = [cell for path in NOTEBOOKS for cell in code_cells(nbformat.read(path, as_version=4))]
    ignored = [cell for cell in cells if text(cell).startswith("# NBVAL_IGNORE_OUTPUT")]
    assert len(ignored) <= 0.05 * len(cells)
    for cell in ignored:
        marker, why = (text(cell).splitlines() + [""])[:2]
        explained = len(marker) > len("# NBVAL_IGNORE_OUTPUT") + 10 or why.startswith("# ")
        assert explained, f"say why the output is ignored, in a comment: {text(cell)}"


def test_readme_lists_every_notebook():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert path.name in readme, path.name
