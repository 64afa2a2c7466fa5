"""Re-execute notebooks in place and store their outputs, the way the tests expect them.

    .venv/bin/python notebooks/execute.py                 # every notebook
    .venv/bin/python notebooks/execute.py notebooks/02_*.ipynb

Runs each notebook top to bottom in a fresh kernel from the notebooks/ folder (as nbval
does), with MIGRATOR_QUIET=1 like the test run, without timing metadata, and keeps
cells tagged "raises-exception" going. Commit the result; `make test` compares against it.
"""

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    nbformat.write(notebook, path)
    print(f"executed {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    os.environ["MIGRATOR_QUIET"] = "1"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        execute(path)
