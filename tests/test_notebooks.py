"""Structure checks over the start page and every course notebook (nbval checks their outputs).

The course's conventions, for every notebook, whoever writes it:

- first cell ``# NN · Title``, the workflow step(s), a ``**Time:** about N minutes`` line and
  ``## Learning goals`` (3-5);
- one "predict, then run" moment: a Markdown cell with ``**Predict:**`` and the answer folded
  in ``<details><summary><b>The answer</b>...``, followed by the code cell to run;
- ``## Recap``, then ``## Exercise`` with ``exercise.check()`` (stored unsolved: "Not yet"),
  ``exercise.hint()`` and ``exercise.solution()``;
- the last cell ``**Next:** [NN · Title](NN_file.ipynb)``, the next notebook in course order;
  the last notebook links back to the start page, the start page to 00;
- stored outputs: errors only where the failure is the lesson, no tracebacks anywhere.

The notebooks are read as git would commit them (tools/committed.py), so the edits JupyterLab
saved during a class do not count.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from migrator import PROJECT_ROOT
from tools.committed import course_versions

VERSIONS = course_versions()
FOLDER = PROJECT_ROOT / "notebooks"
START = FOLDER / "00_start_here.ipynb"
COURSE_NAME = re.compile(r"(\d\d)_[a-z0-9_]+\.ipynb")
ALL = VERSIONS.notebooks()
COURSE = [path for path in ALL if COURSE_NAME.fullmatch(path.name) and path != START]
PAGES = [START, *COURSE]  # the reading order: the start page, then 00, 01, ...

TIME = re.compile(r"\*\*Time:\*\*\s+about (\d+) minutes")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+\.ipynb)\)")
TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)"  # Python's own, printed (traceback.print_exc, a subprocess)
    r"|^-{20,}\s*\n\s*\S*(?:Error|Exception|Warning)\b"  # IPython's formatted traceback header
    r"|\bCell In\[\d+\], line \d+"  # IPython's pointer into a cell
    r"|^\s*File \"[^\"]+\", line \d+, in ",  # a traceback's frames
    flags=re.M,
)
INTENDED_TRACEBACK = "shows-traceback"  # cell tag: this printed traceback is the lesson


def read(path):
    return nbformat.reads(VERSIONS.text(path), as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def markdown_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "markdown"]


def text(cell) -> str:
    return "".join(cell.source)


def number(path) -> str:
    return path.name[:2]


@pytest.fixture(params=COURSE, ids=[path.stem for path in COURSE])
def notebook(request):
    return request.param, read(request.param)


@pytest.fixture(params=PAGES, ids=[path.stem for path in PAGES])
def page(request):
    return request.param, read(request.param)


# -- the course as a whole -----------------------------------------------------------------------


def test_the_course_has_its_notebooks():
    numbers = [number(path) for path in COURSE]
    assert numbers == [f"{n:02d}" for n in range(len(COURSE))], "numbered 00, 01, ... without gaps"
    assert len(COURSE) >= 8


def test_the_notebooks_folder_holds_the_course_and_nothing_else():
    """Maintainer scripts live in tools/; every notebook here is the start page or numbered."""
    assert START in ALL, f"the start page {START.name} is missing (or not tracked by git)"
    assert [path.name for path in ALL if path not in PAGES] == []
    assert sorted(p.name for p in FOLDER.iterdir() if p.suffix in (".py", ".cfg")) == []


def _natural(name: str) -> list:
    """JupyterLab's file browser order: case-insensitive, numbers compared as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", name) if part]


def test_the_start_page_is_listed_first():
    names = [path.name for path in PAGES]
    assert sorted(names)[0] == START.name  # ls, git, GitHub
    assert sorted(names, key=_natural)[0] == START.name  # JupyterLab's file browser


def _course_table(source: str) -> dict[str, tuple[str, int]]:
    """{file: (link text, minutes)} from a Markdown table whose rows link notebooks."""
    rows = {}
    for line in source.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        links = LINK.findall(line)
        minutes = re.fullmatch(r"(\d+) min", cells[-1]) if line.lstrip().startswith("|") else None
        if links and minutes:
            label, target = links[0]
            rows[target.rsplit("/", 1)[-1]] = (label, int(minutes.group(1)))
    return rows


def _start_table() -> dict[str, tuple[str, int]]:
    return _course_table("\n".join(text(cell) for cell in markdown_cells(read(START))))


def test_the_start_page_table_lists_every_notebook_in_order_with_its_time():
    table = _start_table()
    assert list(table) == [path.name for path in COURSE]
    for path in COURSE:
        label, minutes = table[path.name]
        assert label.startswith(f"{number(path)} · "), f"link text '{label}' should start with '{number(path)} · '"
        assert 10 <= minutes <= 90, (path.name, minutes)


def test_time_lines_match_the_course_table():
    table = _start_table()
    wrong = {}
    for path in COURSE:
        found = TIME.search(text(read(path).cells[0]))
        stated = int(found.group(1)) if found else None
        if stated != table[path.name][1]:
            wrong[path.name] = f"**Time:** says {stated}, the start page's table {table[path.name][1]}"
    assert wrong == {}


def test_the_readme_course_table_matches_the_start_page():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"notebooks/{START.name}" in readme
    table = _course_table(readme)
    assert {name: minutes for name, (_, minutes) in table.items()} == {
        name: minutes for name, (_, minutes) in _start_table().items()
    }


def test_the_start_page_says_what_how_long_and_how_to_start_again():
    start = read(START)
    first = text(start.cells[0])
    assert first.startswith("# Start here")
    total = sum(minutes for _, minutes in _start_table().values())
    hours, minutes = divmod(total, 60)
    assert f"about {hours} hours {minutes} minutes" in first, f"the total is {hours} h {minutes} min"
    goals = first.split("## What you will learn", 1)
    assert len(goals) == 2
    bullets = re.findall(r"^- \S", goals[1].split("\n\n")[1], flags=re.M)
    assert 3 <= len(bullets) <= 5
    everything = "\n".join(text(cell) for cell in start.cells)
    assert "## Before you start" in everything
    again = everything.split("## Starting again", 1)[1]
    for how in ("Restart Kernel and Run All Cells", "exercise.start()", "notebooks/workspaces/",
                "make reset-notebooks", "git checkout -- notebooks/", "Revert Notebook to Checkpoint"):
        assert how in again, how


# -- every notebook ---------------------------------------------------------------------------


def test_starts_with_title_steps_time_and_learning_goals(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    source = text(first)
    assert source.startswith(f"# {number(path)} · "), f"the first line: '# {number(path)} · Title'"
    assert re.search(r"\*\*Workflow steps?:\*\*", source), "say which workflow step(s) the notebook covers"
    assert TIME.search(source), "a '**Time:** about N minutes' line"
    goals = source.split("## Learning goals", 1)
    assert len(goals) == 2, "a '## Learning goals' section in the first cell"
    bullets = re.findall(r"^\s*(?:[-*]|\d+\.)\s+\S", goals[1], flags=re.M)
    assert 3 <= len(bullets) <= 5, f"3-5 learning goals, found {len(bullets)}"


def test_has_a_predict_then_run_moment(notebook):
    cells = notebook[1].cells
    recap = next((i for i, c in enumerate(cells) if c.cell_type == "markdown" and re.search(r"^#+ Recap", text(c), re.M)), len(cells))
    moments = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and "**Predict:**" in text(c)]
    assert moments, "a Markdown cell with '**Predict:**' and a folded answer"
    folded = re.compile(r"<details>\s*<summary>\s*<b>The answer</b>.*?</summary>(.+?)</details>", re.S)
    for i in moments:
        source = text(cells[i])
        assert 0 < i < recap, "the predict moment comes mid-way: after the start, before the recap"
        assert i + 1 < len(cells) and cells[i + 1].cell_type == "code", "then run: a code cell right after"
        # The folded answer: with the question (after it), or in the first Markdown after the run.
        fold = folded.search(source, source.index("**Predict:**"))
        after = next((c for c in cells[i + 1:] if c.cell_type == "markdown"), None)
        if fold is None and after is not None:
            fold = folded.search(text(after))
        assert fold and len(fold.group(1).split()) >= 15, "the answer folded in <details><summary><b>The answer</b>"


def test_ends_with_recap_and_an_exercise_with_a_check(notebook):
    nb = notebook[1]
    def where(heading):  # (cell, offset) of each Markdown heading that names ``heading``
        return [(i, found.start()) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                for found in re.finditer(rf"^#+ .*{heading}", text(c), flags=re.M)]

    recap, exercise = where("Recap"), where("Exercise")
    assert recap and exercise and recap[0] < exercise[0], "## Recap, then ## Exercise"
    code = code_cells(nb)
    checks = [c for c in code if ".check()" in text(c)]
    assert checks, "an exercise check() cell"
    assert any(".hint()" in text(c) for c in code) and any(".solution()" in text(c) for c in code)
    stored = json.dumps([o for c in checks for o in c.outputs])
    assert "Not yet" in stored, "the committed notebook shows the unsolved exercise: check() says 'Not yet'"


def _next_target(path):
    """The notebook that follows ``path`` in reading order: the last one goes back to the start."""
    index = PAGES.index(path)
    return PAGES[index + 1] if index + 1 < len(PAGES) else START


def test_last_cell_links_to_the_next_notebook(page):
    path, nb = page
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and text(last).startswith("**Next:**"), "the last cell: **Next:** [...](...)"
    links = LINK.findall(text(last))
    assert len(links) == 1, f"one link to a notebook in: {text(last)!r}"
    label, target = links[0]
    expected = _next_target(path)
    assert target == expected.name, f"{path.name} should lead to {expected.name}, not {target}"
    assert (FOLDER / target).exists(), f"{target} does not exist"
    prefix = "Start here" if expected == START else f"{number(expected)} · "
    assert label.startswith(prefix), f"link text {label!r} should start with {prefix!r}"


def test_kernel_is_python3(page):
    assert page[1].metadata.kernelspec.name == "python3"


def test_every_code_cell_ran_in_order(page):
    counts = [cell.execution_count for cell in code_cells(page[1])]
    assert counts == list(range(1, len(counts) + 1))


def _outputs_with_text(outputs):
    """(output, the text a reader sees in it) for each stored output."""
    for output in outputs:
        if output.get("output_type") == "stream":
            yield output, output.get("text", "")
        elif output.get("output_type") == "error":
            yield output, "\n".join(output.get("traceback", []))
        else:
            data = output.get("data", {})
            yield output, "\n".join(str(v) if isinstance(v, str) else json.dumps(v) for v in data.values())


def _widget_outputs(notebook):
    """The outputs that ipywidgets Output widgets stored in the notebook's widget state."""
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model in state.get("state", {}).values():
        if model.get("model_name") == "OutputModel":
            yield from model.get("state", {}).get("outputs", [])


def error_problems(nb) -> list[str]:
    """Every kind of stored error that is not marked as the lesson, one line each:

    - an `error` output in a cell not tagged raises-exception (and one tagged but missing);
      a migrator error must say "How to fix:";
    - a traceback printed to stdout or stderr, or shown as a result, in a cell not tagged
      shows-traceback;
    - an error or a traceback inside an Output widget's stored outputs (never intended).
    """
    problems = []
    for cell in code_cells(nb):
        tags = cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and "raises-exception" not in tags:
            problems.append(f"an error output in a cell not tagged raises-exception: {text(cell)}")
        if not errors and "raises-exception" in tags:
            problems.append(f"tagged raises-exception, but no error output: {text(cell)}")
        for error in errors:  # migrator errors teach: what happened, how to fix it
            if "How to fix:" not in error.get("evalue", ""):
                problems.append(f"an error without 'How to fix:': {text(cell)}")
        for output, shown in _outputs_with_text(cell.outputs):
            found = output.output_type != "error" and TRACEBACK.search(shown)
            if found and INTENDED_TRACEBACK not in tags:
                where = output.get("name", output.output_type)
                problems.append(f"a traceback in a {where} output ({found.group(0)!r}); tag the cell "
                                f"{INTENDED_TRACEBACK} if it is the lesson: {text(cell)}")
    for output, shown in _outputs_with_text(list(_widget_outputs(nb))):
        if output.get("output_type") == "error" or TRACEBACK.search(shown):
            problems.append(f"an error stored inside a widget: {shown[:300]}")
    return problems


def test_errors_only_where_the_failure_is_the_lesson(page):
    assert error_problems(page[1]) == []


IPYTHON_TRACEBACK = (
    "---------------------------------------------------------------------------\n"
    "ZeroDivisionError                         Traceback (most recent call last)\n"
    "Cell In[3], line 1\n----> 1 1/0\n"
)
PYTHON_TRACEBACK = 'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: no\n'


def _stream(name, shown):
    return nbformat.v4.new_output("stream", name=name, text=shown)


def _error(evalue="boom. How to fix: do this."):
    return nbformat.v4.new_output("error", ename="MigratorError", evalue=evalue, traceback=[IPYTHON_TRACEBACK])


@pytest.mark.parametrize(
    ("outputs", "tags", "problem"),
    [
        ([_error()], [], "not tagged raises-exception"),
        ([], ["raises-exception"], "but no error output"),
        ([_error("boom")], ["raises-exception"], "without 'How to fix:'"),
        ([_stream("stderr", PYTHON_TRACEBACK)], [], "traceback in a stderr output"),
        ([_stream("stdout", "$ alembic upgrade head\n" + PYTHON_TRACEBACK)], [], "traceback in a stdout output"),
        ([nbformat.v4.new_output("execute_result", {"text/plain": IPYTHON_TRACEBACK}, execution_count=1)], [],
         "traceback in a execute_result output"),
        ([nbformat.v4.new_output("display_data", {"text/html": "<pre>" + IPYTHON_TRACEBACK + "</pre>"})], [],
         "traceback in a display_data output"),
    ],
)
def test_every_kind_of_unmarked_error_is_found(outputs, tags, problem):
    cell = nbformat.v4.new_code_cell("x", outputs=outputs, execution_count=1, metadata={"tags": tags})
    problems = error_problems(nbformat.v4.new_notebook(cells=[cell]))
    assert len(problems) == 1 and problem in problems[0], problems


def test_marked_errors_pass_and_widget_errors_never_do():
    cells = [
        nbformat.v4.new_code_cell("x", outputs=[_error()], execution_count=1, metadata={"tags": ["raises-exception"]}),
        nbformat.v4.new_code_cell("y", outputs=[_stream("stdout", PYTHON_TRACEBACK)], execution_count=2,
                                  metadata={"tags": [INTENDED_TRACEBACK]}),
        nbformat.v4.new_code_cell("z", outputs=[_stream("stdout", "File 0005.py, line 3: IntegrityError")],
                                  execution_count=3),  # the kit's one-line findings are not tracebacks
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    assert error_problems(nb) == []
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"m1": {
        "model_name": "OutputModel", "state": {"outputs": [_error()]}}}}}
    assert ["an error stored inside a widget" in p for p in error_problems(nb)] == [True]


def test_outputs_are_clean_and_portable(page):
    for cell in code_cells(page[1]):
        for output in cell.outputs:
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"stderr output (log noise or a warning) in: {text(cell)}"
            )
            flat = str(output)
            assert not re.search(r"/(tmp|work|root|home|Users)/", flat), f"absolute path in: {text(cell)}"
            assert not re.search(r"\b20\d\d-\d\d-\d\d[ T]\d\d:\d\d", flat), f"timestamp in: {text(cell)}"


def test_ignored_outputs_are_rare_and_explained():
    cells = [cell for path in PAGES for cell in code_cells(read(path))]
    ignored = [cell for cell in cells if text(cell).startswith("# NBVAL_IGNORE_OUTPUT")]
    assert len(ignored) <= 0.05 * len(cells)
    for cell in ignored:
        marker, why = (text(cell).splitlines() + [""])[:2]
        explained = len(marker) > len("# NBVAL_IGNORE_OUTPUT") + 10 or why.startswith("# ")
        assert explained, f"say why the output is ignored, in a comment: {text(cell)}"


def test_readme_lists_every_notebook():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for path in PAGES:
        assert path.name in readme, path.name
