"""Re-execute notebooks in place and store their outputs, the way the tests expect them.

    .venv/bin/python tools/execute.py                 # the start page and every notebook
    .venv/bin/python tools/execute.py notebooks/02_*.ipynb

Runs each notebook top to bottom in a fresh kernel from the notebooks/ folder (as nbval
does), with MIGRATOR_QUIET=1 like the test run, without timing metadata, and keeps
cells tagged "raises-exception" going. Prints how long each one took.

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


def execute(path: Path) -> float:
    """Run ``path`` in place; the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    nbformat.write(notebook, path)
    return seconds


def course() -> list[Path]:
    """The start page and the numbered notebooks, in course order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


if __name__ == "__main__":
    os.environ["MIGRATOR_QUIET"] = "1"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    paths = [Path(p).resolve() for p in sys.argv[1:]] or course()
    for path in paths:
        seconds = execute(path)
        print(f"executed {path.relative_to(NOTEBOOKS.parent)} in {seconds:.1f} s")
