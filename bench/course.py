"""4. Course run time: every notebook under strict nbval, serially and on two xdist workers.

The command is the test suite's own notebook run::

    python -m pytest notebooks -o addopts="--nbval --nbval-sanitize-with=tools/sanitize.cfg" -p no:xdist
    python -m pytest notebooks -o addopts="..." -n 2 --dist loadscope

Per-notebook times come from pytest's JUnit XML: the sum of a notebook's cell
times (the first cell's setup includes starting the kernel).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from .timing import ROOT

ADDOPTS = "--nbval --nbval-sanitize-with=tools/sanitize.cfg"
MODES = {
    "serial": ["-p", "no:xdist"],
    "xdist -n 2": ["-n", "2", "--dist", "loadscope"],
}
GOAL_TOTAL_S = 60.0
GOAL_NOTEBOOK_S = 15.0


def notebooks() -> list[str]:
    return sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def run_pytest(extra: list[str], junit: Path) -> dict:
    command = [
        sys.executable, "-m", "pytest", "notebooks", "-o", f"addopts={ADDOPTS}",
        *extra, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
    ]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600,
                            env={**os.environ, "MIGRATOR_QUIET": "1"})
    wall = time.perf_counter() - start
    summary_line = next((line for line in reversed(result.stdout.splitlines()) if line.strip()), "")
    shown = [part for part in command[1:] if not part.startswith("--junitxml")]
    shown[shown.index("-o") + 1] = f'addopts="{ADDOPTS}"'
    return {
        "command": " ".join(["python", *shown]),
        "wall_s": wall,
        "exit_code": result.returncode,
        "summary": re.sub(r"=+", "", summary_line).strip(),
        **parse_junit(junit),
    }


def parse_junit(path: Path) -> dict:
    if not path.exists():
        return {"session_s": None, "notebooks": {}, "failed_cells": {}}
    tree = ET.parse(path)
    per_notebook: dict[str, float] = defaultdict(float)
    failed: dict[str, int] = defaultdict(int)
    session = 0.0
    for suite in tree.iter("testsuite"):
        session = max(session, float(suite.get("time", 0)))
    for case in tree.iter("testcase"):
        name = _notebook(case.get("classname", ""))
        per_notebook[name] += float(case.get("time", 0))
        if case.find("failure") is not None or case.find("error") is not None:
            failed[name] += 1
    return {"session_s": session, "notebooks": dict(sorted(per_notebook.items())), "failed_cells": dict(failed)}


def _notebook(classname: str) -> str:
    """'notebooks.00_welcome.ipynb' -> '00_welcome.ipynb'."""
    return classname.split("notebooks.", 1)[-1] or classname


def run(root: Path) -> dict:
    found = notebooks()
    if not found:
        return {"notebooks": [], "runs": {}, "note": "no notebooks yet"}
    runs = {mode: run_pytest(extra, root / f"junit_{i}.xml") for i, (mode, extra) in enumerate(MODES.items())}
    serial, parallel = runs["serial"], runs["xdist -n 2"]
    best = min(serial["wall_s"], parallel["wall_s"])
    slowest = max(serial["notebooks"].items(), key=lambda item: item[1], default=(None, 0.0))
    return {
        "notebooks": found,
        "runs": runs,
        "speedup": serial["wall_s"] / parallel["wall_s"],
        "slowest_notebook": {"name": slowest[0], "seconds": slowest[1]},
        "best_wall_s": best,
        "goal_total": f"<= {GOAL_TOTAL_S:g} s on 2 cores",
        "met_total": best <= GOAL_TOTAL_S,
        "goal_notebook": f"each <= {GOAL_NOTEBOOK_S:g} s",
        "met_notebook": slowest[1] <= GOAL_NOTEBOOK_S,
        "all_passed": all(r["exit_code"] == 0 for r in runs.values()),
    }
