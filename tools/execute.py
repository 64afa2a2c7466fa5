"""Re-execute notebooks in place and store their outputs, the way the tests expect them.

    .venv/bin/python tools/execute.py                 # the start page and every notebook
    .venv/bin/python tools/execute.py notebooks/02_*.ipynb

Runs each notebook top to bottom in a fresh kernel from the notebook's own folder (as nbval
does: notebooks/ for the course, notebooks/it/ for the Italian edition, whose workspaces
are then notebooks/it/workspaces/), with MIGRATOR_QUIET=1 like the test run, without
timing metadata, and keeps cells tagged "raises-exception" going. Prints how long each
one took. (The Italian notebooks are regenerated and executed by tools/italian.py build,
which uses run() below.)

The tests check the notebooks as git would commit them (see conftest.py): `git add` the
result, then run the tests; commit it once they pass.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run(notebook, folder: Path) -> float:
    """Execute ``notebook`` (in memory) in a fresh kernel whose working folder is ``folder``,
    as the test run does it (MIGRATOR_QUIET=1, inherited by the kernel); the seconds it took."""
    os.environ["MIGRATOR_QUIET"] = "1"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        record_timing=False,
        resources={"metadata": {"path": str(folder)}},
    )
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def execute(path: Path) -> float:
    """Run ``path`` in place, from its own folder as nbval does; the seconds it took."""
    path = Path(path).resolve()
    notebook = nbformat.read(path, as_version=4)
    seconds = run(notebook, path.parent)
    nbformat.write(notebook, path)
    return seconds


def course() -> list[Path]:
    """The start page and the numbered notebooks, in course order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or course()
    for path in paths:
        seconds = execute(path)
        print(f"executed {path.relative_to(NOTEBOOKS.parent)} in {seconds:.1f} s")
