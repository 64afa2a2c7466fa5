"""After a class in the same checkout, the tests still check the course as committed.

JupyterLab autosaves what learners type into the notebooks. This test makes a clone of the
repository's HEAD, plays the learner (a cell edited and run into an error, saved; a new
Untitled.ipynb), and runs the real test commands there: nbval and the structure tests check
the committed notebooks and say so; with MIGRATOR_TEST_NOTEBOOKS=worktree the same commands
fail on the edits (so the protection is what makes them pass); `make reset-notebooks` puts the
committed notebooks back and leaves the learner's own files alone.

It tests what is committed (a clone has no uncommitted changes): commit, then run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from migrator import PROJECT_ROOT

START = "notebooks/00_start_here.ipynb"
#: One run does both halves: nbval on the learner's notebooks (the English start page, which the
#: learner edited, and their Untitled; the Italian start page has the same file name and stays out)
#: and the two structure tests that read the start page's outputs. -rA lists every result.
RUN = ["-o", "addopts=--nbval --nbval-sanitize-with=tools/sanitize.cfg", "-p", "no:cacheprovider", "-q", "-rA",
       "notebooks", "--ignore=notebooks/it", "tests/test_notebooks.py",
       "-k", "((start_here or Untitled) and not test_) or (00_start_here and (errors_only or ran_in_order))"]
STRUCTURE = ["tests/test_notebooks.py::test_every_code_cell_ran_in_order[00_start_here]",
             "tests/test_notebooks.py::test_errors_only_where_the_failure_is_the_lesson[00_start_here]"]


def _git(cwd, *args):
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A clone of HEAD after a class: the start page edited by a learner, an Untitled notebook."""
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.fail("this test needs git and a git checkout of the course", pytrace=False)
    clone = tmp_path_factory.mktemp("classroom") / "migration-lab"
    head = _git(PROJECT_ROOT, "rev-parse", "HEAD").strip()
    subprocess.run(["git", "clone", "--quiet", "--shared", "--no-checkout", str(PROJECT_ROOT), str(clone)], check=True)
    _git(clone, "checkout", "--quiet", "--detach", head)

    path = clone / START
    notebook = nbformat.read(path, as_version=4)
    [cell] = [c for c in notebook.cells if c.cell_type == "code"]
    cell.source = "import migrator\nmigrator.workspace_for_me()"  # what a learner might try...
    cell.execution_count = 4
    cell.outputs = [nbformat.v4.new_output(  # ... and what JupyterLab then saved
        "error", ename="AttributeError", evalue="module 'migrator' has no attribute 'workspace_for_me'",
        traceback=["AttributeError: module 'migrator' has no attribute 'workspace_for_me'"],
    )]
    nbformat.write(notebook, path)
    untitled = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    untitled.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(untitled, clone / "notebooks" / "Untitled.ipynb")
    return clone


def _pytest(clone, *args, worktree=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MIGRATOR_TEST_"))}
    env["PYTHONPATH"] = str(clone)  # the clone's kit and tools, in pytest and in the kernels
    if worktree:
        env["MIGRATOR_TEST_NOTEBOOKS"] = "worktree"
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def protected(classroom) -> subprocess.CompletedProcess:
    return _pytest(classroom, *RUN)


@pytest.fixture(scope="module")
def exposed(classroom) -> subprocess.CompletedProcess:
    """The same run with MIGRATOR_TEST_NOTEBOOKS=worktree: the files on disk, as the learner left them."""
    return _pytest(classroom, *RUN, worktree=True)


def test_nbval_checks_the_committed_notebook_and_leaves_untracked_ones_out(protected):
    assert protected.returncode == 0, protected.stdout[-3000:]
    assert f"PASSED {START}::Cell 0" in protected.stdout
    assert f"testing the committed version of {START}" in protected.stdout
    assert "not testing untracked notebooks/Untitled.ipynb" in protected.stdout
    assert "3 passed" in protected.stdout  # the start page's cell and the two structure tests


def test_without_the_protection_the_same_run_fails_on_the_edits(exposed):
    assert exposed.returncode == 1, exposed.stdout[-3000:]
    assert f"FAILED {START}::Cell 0" in exposed.stdout and "FAILED notebooks/Untitled.ipynb::Cell 0" in exposed.stdout
    assert "workspace_for_me" in exposed.stdout and "ZeroDivisionError" in exposed.stdout
    assert "4 failed" in exposed.stdout  # the learner's cell, Untitled's 1 / 0, and the structure tests


def test_the_structure_tests_read_the_committed_notebooks_too(protected, exposed):
    for test in STRUCTURE:
        assert f"PASSED {test}" in protected.stdout, protected.stdout[-3000:]
        assert f"FAILED {test}" in exposed.stdout, exposed.stdout[-3000:]


def test_make_reset_notebooks_restores_the_committed_notebooks_only(classroom):
    if shutil.which("make") is None:
        pytest.fail("make is not installed", pytrace=False)
    subprocess.run(["make", "--no-print-directory", "reset-notebooks"], cwd=classroom, check=True,
                   capture_output=True)
    assert _git(classroom, "status", "--porcelain", "--", "notebooks") == "?? notebooks/Untitled.ipynb\n"
    assert (classroom / START).read_bytes() == (PROJECT_ROOT / START).read_bytes() or _git(
        PROJECT_ROOT, "diff", "--name-only", "--", START
    )  # equal to this checkout's file, unless that one has uncommitted changes itself
