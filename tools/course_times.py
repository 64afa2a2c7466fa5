"""How long each notebook takes: words to read, cells to run, and the kernel's own time.

    .venv/bin/python tools/course_times.py            # words and cells only (instant)
    .venv/bin/python tools/course_times.py --execute  # also run each notebook once, not saved

The learner's time is estimated, not measured: reading at 150 words a minute for technical
text (Markdown and code alike), stored outputs skimmed at 300 words a minute, 15 seconds per
code cell to run it and look at the result, plus the kernel's own run time. The exercise is
counted separately: its task and hint are in the reading time, the work itself is a judgment
per notebook (docs/instructors.md). Numbers, not opinions, for the **Time:** lines; revise them
with what you see in a room.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WORDS_PER_MINUTE = 150
SKIM_WORDS_PER_MINUTE = 300
SECONDS_PER_CELL = 15


def words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9_]+(?:['’.-][A-Za-z0-9_]+)*", text))


def _solution_folded(output) -> bool:
    data = output.get("data", {})
    return "Show the solution" in str(data.get("text/markdown", ""))


def output_text(cell) -> str:
    """What a learner sees of a code cell's stored output (the folded solution excluded)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data") and not _solution_folded(output):
            data = output.get("data", {})
            parts.append(data.get("text/markdown") or data.get("text/plain") or "")
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
    return "\n".join(parts)


def measure(path: Path) -> dict:
    notebook = nbformat.read(path, as_version=4)
    markdown = sum(words(cell.source) for cell in notebook.cells if cell.cell_type == "markdown")
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    code = sum(words(cell.source) for cell in code_cells)
    outputs = sum(words(output_text(cell)) for cell in code_cells)
    reading = (markdown + code) / WORDS_PER_MINUTE + outputs / SKIM_WORDS_PER_MINUTE
    running = len(code_cells) * SECONDS_PER_CELL / 60
    return {"notebook": path.name, "markdown": markdown, "code": code, "outputs": outputs,
            "cells": len(code_cells), "reading_min": reading, "running_min": running}


def execute(path: Path) -> float:
    """Run a copy of the notebook from the notebooks/ folder (the file is not written)."""
    from nbclient import NotebookClient

    notebook = copy.deepcopy(nbformat.read(path, as_version=4))
    client = NotebookClient(notebook, kernel_name="python3", timeout=300, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--execute", action="store_true", help="run each notebook once and time it")
    args = parser.parse_args(argv)
    os.environ["MIGRATOR_QUIET"] = "1"
    paths = [p.resolve() for p in args.paths] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    print("| notebook | words: Markdown / code / outputs | code cells | reading | running cells | kernel | total |")
    print("|---|---|---|---|---|---|---|")
    for path in paths:
        row = measure(path)
        kernel = execute(path) if args.execute else 0.0
        total = row["reading_min"] + row["running_min"] + kernel / 60
        print(f"| `{row['notebook']}` | {row['markdown']} / {row['code']} / {row['outputs']} | {row['cells']} "
              f"| {row['reading_min']:.1f} min | {row['running_min']:.1f} min "
              f"| {kernel:.1f} s | {total:.0f} min |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
