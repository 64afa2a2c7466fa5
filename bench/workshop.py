"""7. The workshop hub under load: K learners log in at once and run notebook 01 and its exercise.

    .venv/bin/python bench/workshop.py                              # K = 1, 5, 10, 20, 30
    .venv/bin/python bench/workshop.py --learners 1,2,5 --timeout 300
    .venv/bin/python bench/workshop.py --markdown bench/RESULTS.md --note "..."   # also write its section

For each K a fresh hub (tools/workshop.py: the room's real config, its proxy, SimpleLocalProcessSpawner)
is started on a free loopback port, and K simulated learners (tools/hub_client.py) start at the
same moment, as a room does after "log in now": the login form, the hub's REST API to start
their server, JupyterLab's page (the OAuth hand-over), the contents API, a kernel session, and
every code cell of notebook 01 over the kernel's websocket, one at a time; then the exercise:
the solution, then ``exercise.check()``, which must say PASSED. A learner succeeds when every
cell did what the committed notebook shows (its one taught error included) and the check passed,
within the per-learner timeout. Then the hub is stopped and every process it started must be gone.

Per K it reports: the success rate; p50/p95 cell latency (execute_request to idle, all cells of
all successful learners); each learner's server start and total time; the peak memory (RSS of a
learner's server + kernel, the largest learner; the whole machine's used memory, and its rise
over the start); and, at the start of each K, the load average and the CPU share of the
machine's other processes (this machine is shared: read the figures with those).
The verdict: the K from which p95 cell latency stays past 2x the single-user (K=1) figure, and
the largest K with every learner through under that line; the same for an absolute line (p95
within 1 s, ``--interactive``), which sizes the advice: "one 2-core VM holds N learners".
On a quiet machine the single user's p95 is small and 2x of it is passed early (cells are
CPU-bound: 5 learners running cells back to back already share 2 cores), hence both lines.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bench import sections  # noqa: E402
from migrator.exercises import get  # noqa: E402
from tools.hub_client import Learner, exercise_cells, expected_errors, failures  # noqa: E402
from tools.workshop import Hub  # noqa: E402

START = "<!-- workshop:start -->"
END = "<!-- workshop:end -->"
NOTEBOOK = "notebooks/01_first_model_first_revision.ipynb"
MB = 1024 * 1024


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", default="1,5,10,20,30", help="the K values, comma-separated (1 first)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one learner may take, login to check")
    parser.add_argument("--cell-timeout", type=float, default=300, help="seconds one cell may take")
    parser.add_argument("--stop-after-failure", action="store_true",
                        help="skip larger K once a K has a learner that did not get through")
    parser.add_argument("--interactive", type=float, default=1.0,
                        help="the absolute p95 line in seconds (a cell answering within it feels immediate)")
    parser.add_argument("--markdown", type=Path, help="write this benchmark's section of that file")
    parser.add_argument("--note", default="", help="a line for the section (what else ran, which machine)")
    parser.add_argument("--json", type=Path, help="also save the raw figures here")
    parser.add_argument("--from-json", type=Path, help="measure nothing: report a saved --json run again")
    args = parser.parse_args(argv)
    args.k = [int(k) for k in args.learners.split(",")]
    return args


def machine_context(seconds: float = 2.0) -> dict:
    """Before a K starts (nothing of ours running): the load average and the others' CPU share."""
    load = os.getloadavg()
    others = psutil.cpu_percent(interval=seconds)
    memory = psutil.virtual_memory()
    return {"load": [round(x, 2) for x in load], "others_cpu_percent": others,
            "used_mb": (memory.total - memory.available) / MB, "cores": psutil.cpu_count()}


class Memory:
    """Sampled by the hub's watcher: each learner's server + kernel RSS, and the machine's memory."""

    def __init__(self):
        self.users: dict[str, float] = {}  # learner -> peak MB
        self.hub_mb = 0.0  # hub + proxy, peak
        self.machine_mb = 0.0
        self._owner: dict[int, str] = {}
        self._lock = threading.Lock()

    def sample(self, processes) -> None:
        now: dict[str, float] = {}
        hub = 0.0
        for process in processes:
            try:
                if process.pid not in self._owner:
                    self._owner[process.pid] = process.environ().get("JUPYTERHUB_USER", "")
                rss = process.memory_info().rss / MB
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            owner = self._owner[process.pid]
            if owner:
                now[owner] = now.get(owner, 0.0) + rss
            else:
                hub += rss
        memory = psutil.virtual_memory()
        with self._lock:
            for user, mb in now.items():
                self.users[user] = max(self.users.get(user, 0.0), mb)
            self.hub_mb = max(self.hub_mb, hub)
            self.machine_mb = max(self.machine_mb, (memory.total - memory.available) / MB)


async def one_learner(hub: Hub, name: str, cells_after: list[str], cell_timeout: float) -> dict:
    started = time.monotonic()
    async with Learner(hub.url, name, hub.room_password) as learner:
        await learner.login()
        await learner.start_server(timeout=cell_timeout)
        notebook = await learner.read_notebook(NOTEBOOK)
        cells = await learner.run(NOTEBOOK, cells_after, cell_timeout=cell_timeout)
        problems = failures(cells, expected_errors(notebook))
        total = time.monotonic() - started
        await learner.stop_server()
    return {"name": name, "ok": not problems, "problems": problems, "total": total,
            "server": learner.timings["server"], "login": learner.timings["login"],
            "cells": [c.seconds for c in cells]}


async def room(hub: Hub, timeout: float, cell_timeout: float) -> list[dict]:
    cells_after = exercise_cells(get("nb01").solution_code)

    async def bounded(name: str) -> dict:
        started = time.monotonic()
        try:
            return await asyncio.wait_for(one_learner(hub, name, cells_after, cell_timeout), timeout)
        except Exception as exc:  # a failed learner is a figure, not the end of the benchmark
            reason = "timed out" if isinstance(exc, asyncio.TimeoutError) else f"{type(exc).__name__}: {exc}"
            return {"name": name, "ok": False, "problems": [reason[:300]], "total": time.monotonic() - started,
                    "server": None, "login": None, "cells": []}

    return await asyncio.gather(*(bounded(name) for name in hub.learners))


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def measure(k: int, args, scratch: Path) -> dict:
    context = machine_context()
    memory = Memory()
    hub = Hub(scratch / f"k{k}", learners=k, start_timeout=int(args.timeout))
    hub.on_sample = memory.sample
    started = time.monotonic()
    hub.start()
    try:
        learners = asyncio.run(room(hub, args.timeout, args.cell_timeout))
    finally:
        leftovers = hub.stop()
    wall = time.monotonic() - started
    good = [r for r in learners if r["ok"]]
    cells = [s for r in good for s in r["cells"]]
    servers = [r["server"] for r in good]
    totals = [r["total"] for r in good]
    return {
        "k": k, "context": context, "wall": wall, "ok": len(good), "leftovers": leftovers,
        "problems": {r["name"]: r["problems"] for r in learners if not r["ok"]},
        "p50": percentile(cells, 0.50), "p95": percentile(cells, 0.95),
        "server_median": statistics.median(servers) if servers else None,
        "server_max": max(servers) if servers else None,
        "total_median": statistics.median(totals) if totals else None,
        "total_max": max(totals) if totals else None,
        "totals": {r["name"]: round(r["total"], 1) for r in learners},
        "user_peak_mb": max(memory.users.values()) if memory.users else None,
        "user_mean_peak_mb": statistics.mean(memory.users.values()) if memory.users else None,
        "hub_mb": memory.hub_mb, "machine_peak_mb": memory.machine_mb,
        "machine_rise_mb": memory.machine_mb - context["used_mb"],
    }


def crossing(results: list[dict], limit: float | None) -> tuple[int | None, int | None, list[int]]:
    """For a p95 limit: the K from which every larger K is over it (or lost a learner), the largest
    K below that with every learner through under it, and smaller K over it alone (noise: this
    machine is shared)."""
    if not limit:
        return None, None, []

    def over(r: dict) -> bool:
        return r["ok"] < r["k"] or r["p95"] is None or r["p95"] > limit

    past = next((r["k"] for i, r in enumerate(results) if all(over(later) for later in results[i:])), None)
    below = [r for r in results if past is None or r["k"] < past]
    return past, max((r["k"] for r in below if not over(r)), default=None), [r["k"] for r in below if over(r)]


def verdict(results: list[dict], interactive: float = 1.0) -> dict:
    """The brief's line (twice the single user's p95) and an absolute one (p95 within
    ``interactive`` seconds: a cell that answers within a second still feels immediate)."""
    single = next((r for r in results if r["k"] == 1 and r["p95"]), None)
    line = 2 * single["p95"] if single else None
    past, holds, noise = crossing(results, line)
    i_past, i_holds, i_noise = crossing(results, interactive)
    per_user = max((r["user_peak_mb"] or 0) for r in results) or None
    return {"single_p95": single["p95"] if single else None, "line": line, "past": past, "holds": holds,
            "noise": noise, "interactive": interactive, "interactive_past": i_past,
            "interactive_holds": i_holds, "interactive_noise": i_noise, "per_user_mb": per_user}


def advice(results: list[dict], v: dict, target: int = 30) -> str:
    """The sizing sentences, from the figures only."""
    cores = psutil.cpu_count()
    tested = max(r["k"] for r in results)
    at_target = next((r for r in results if r["k"] == target), None)
    need_gb = (v["per_user_mb"] or 0) * target / 1024 + 1
    out = []
    if v["line"] is None:
        out.append("No single-user run (K=1): no 2x line.")
    elif v["past"] is None:
        out.append(f"Every K tried (up to {tested}) stayed under 2x the single user's p95.")
    else:
        out.append(f"By the 2x line, one {cores}-core VM holds {v['holds'] or 'no'} learner"
                   f"{'' if v['holds'] == 1 else 's'} starting together; from {v['past']} on p95 is past "
                   f"2x ({fmt(v['line'])}).")
    ih = v["interactive_holds"]
    if not ih:
        out.append(f"No K kept p95 within {v['interactive']:.0f} s: no sizing can be drawn from this run.")
        return " ".join(out)
    if v["interactive_past"] is None and tested < target:
        out.append(f"Every K tried kept p95 within {v['interactive']:.0f} s; this run does not show where that "
                   f"limit is: run it with larger K (memory for {target}: about {need_gb:.0f} GB).")
        return " ".join(out)
    if v["interactive_past"] is None:
        out.append(f"Every K tried, {target} included, kept p95 within {v['interactive']:.0f} s: for {target}, "
                   f"this VM is enough (memory: about {need_gb:.0f} GB at the peak).")
        return " ".join(out)
    groups = math.ceil(target / ih)
    out.append(f"With p95 within {v['interactive']:.0f} s, one {cores}-core VM holds {ih} learners; for {target}: "
               f"about {groups * cores} cores ({groups} x {ih} learners per {cores} cores) and {need_gb:.0f} GB "
               f"of memory ({v['per_user_mb']:.0f} MB per learner at the peak): one TLJH VM of that size, or "
               f"Z2JH nodes adding up to it.")
    if at_target and at_target["ok"] == target and at_target["p95"] and v["single_p95"]:
        out.append(f"{target} at once all got through on this VM too, but slowly: p95 {fmt(at_target['p95'])} "
                   f"({at_target['p95'] / v['single_p95']:.1f}x) and servers ready after up to "
                   f"{fmt(at_target['server_max'], digits=0)}.")
    return " ".join(out)


def over_line(r: dict, v: dict) -> bool:
    return r["p95"] is not None and v["line"] is not None and r["p95"] > v["line"]


def fmt(value, unit="s", digits=2) -> str:
    return "–" if value is None else f"{value:.{digits}f} {unit}".strip()


def table(results: list[dict]) -> tuple[list[str], list[list[str]]]:
    headers = ["K", "success", "p50 cell", "p95 cell", "server start (median / max)",
               "learner total (median / max)", "peak per learner", "hub + proxy", "machine peak (rise)",
               "load at start (1/5/15 min)", "others' CPU at start"]
    rows = []
    for r in results:
        rows.append([
            str(r["k"]), f"{r['ok']}/{r['k']}", fmt(r["p50"]), fmt(r["p95"]),
            f"{fmt(r['server_median'], digits=1)} / {fmt(r['server_max'], digits=1)}",
            f"{fmt(r['total_median'], digits=1)} / {fmt(r['total_max'], digits=1)}",
            fmt(r["user_peak_mb"], "MB", 0), fmt(r["hub_mb"], "MB", 0),
            f"{r['machine_peak_mb'] / 1024:.1f} GB (+{r['machine_rise_mb'] / 1024:.1f})",
            " / ".join(f"{x:.1f}" for x in r["context"]["load"]),
            f"{r['context']['others_cpu_percent']:.0f} % of {r['context']['cores']} cores",
        ])
    return headers, rows


def text(results: list[dict], v: dict) -> str:
    headers, rows = table(results)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    for r in results:
        for name, problems in r["problems"].items():
            lines.append(f"K={r['k']} {name}: {'; '.join(problems)[:300]}")
        if r["leftovers"]:
            lines.append(f"K={r['k']}: processes left running (killed): {r['leftovers']}")
    lines.append(f"2x line: {fmt(v['line'])} (single-user p95 {fmt(v['single_p95'])}); "
                 f"past it from K={v['past'] or 'none'} on; largest K fully under it: {v['holds'] or 'none'}"
                 + (f"; over it alone (noise): K={', '.join(map(str, v['noise']))}" if v["noise"] else ""))
    lines.append(advice(results, v))
    return "\n".join(lines)


def markdown(results: list[dict], v: dict, note: str, when: str) -> str:
    headers, rows = table(results)
    out = [START, "## The workshop hub under load (`bench/workshop.py`)", ""]
    out.append(f"Run finished {when} UTC, `bench/workshop.py --learners "
               f"{','.join(str(r['k']) for r in results)}`; {psutil.cpu_count()} cores, "
               f"{psutil.virtual_memory().total / 1024 ** 3:.0f} GB. {note}".rstrip())
    out += ["", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    out.append("")
    for r in results:
        for name, problems in r["problems"].items():
            out.append(f"- K={r['k']}, {name} did not get through: {'; '.join(problems)[:300]}")
        if r["leftovers"]:
            out.append(f"- K={r['k']}: {len(r['leftovers'])} processes outlived the hub (killed by the script)")
    out += [
        f"- **The 2x line**: p95 cell latency {fmt(v['line'])} (twice the single user's "
        f"{fmt(v['single_p95'])}). Past it from K = **{v['past'] or 'none tried'}** on (every larger K "
        f"too); largest K with every learner through under it: **{v['holds'] or 'none'}**."
        + (f" K = {', '.join(map(str, v['noise']))} was over the line alone, with larger K under it "
           "again: noise from the machine's other work, not the limit." if v["noise"] else ""),
        f"- **Interactive** (p95 within {v['interactive']:.0f} s): past it from K = "
        f"**{v['interactive_past'] or 'none tried'}** on; largest K with every learner through within it: "
        f"**{v['interactive_holds'] or 'none'}**.",
        f"- **Sizing**: {advice(results, v)}",
        "", END,
    ]
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this script's section of ``path`` (between its markers), or add it at the end."""
    sections.write_section(path, START, END, section)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        results = saved["results"]
        when = saved.get("finished") or f"{dt.datetime.fromtimestamp(args.from_json.stat().st_mtime, dt.UTC):%Y-%m-%d %H:%M}"
        v = verdict(results, args.interactive)
        print(text(results, v))
        if args.markdown:
            write_section(args.markdown, markdown(results, v, args.note, when))
        return 0
    results = []
    scratch = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
    try:
        for k in args.k:
            print(f"K={k}: starting ...", file=sys.stderr, flush=True)
            result = measure(k, args, scratch)
            results.append(result)
            print(f"K={k}: {result['ok']}/{k} through, p95 {fmt(result['p95'])}, "
                  f"wall {result['wall']:.0f} s, load at start {result['context']['load']}", file=sys.stderr, flush=True)
            shutil.rmtree(scratch / f"k{k}", ignore_errors=True)
            if args.stop_after_failure and result["ok"] < k:
                break
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    v = verdict(results, args.interactive)
    print(text(results, v))
    if args.json:
        args.json.write_text(json.dumps({"finished": when, "results": results, "verdict": v}, indent=1))
    if args.markdown:
        write_section(args.markdown, markdown(results, v, args.note, when))
    return 0 if all(not r["leftovers"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
