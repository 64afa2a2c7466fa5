"""8. The static site: how long `make site` takes, the whole course and the subset the test builds.

Each build runs in a fresh Python process, as `make site` runs it (imports included), into a
temporary folder, with Mermaid's tarball already cached (.cache/npm/; the first build on a machine
also downloads it once, 17.6 MB, timed separately here as "cold"). The subset is the pages
tests/test_site.py reads in the browser: the start page, 02, 08 and the Italian 02.

Run: .venv/bin/python bench/site.py [--skip-cold] [--markdown bench/RESULTS.md]
The question (issue 15): is the full build quick enough to run in `make test` (about 20 s)?
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

SUBSET = ["start", "02", "08", "it/02"]  # the pages tests/test_site.py reads in the browser
QUICK_ENOUGH_SECONDS = 20.0
START = "<!-- site:start -->"
END = "<!-- site:end -->"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one command: on a shared machine the wall time
    also counts the waits for a core, the CPU time does not."""
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, _children_cpu() - cpu


def build_seconds(out: Path, only: list[str] | None = None, env: dict | None = None) -> tuple[float, float, int]:
    """Wall and CPU seconds of one `tools/static_site.py` run, and the number of pages it wrote."""
    command = [sys.executable, str(ROOT / "tools" / "static_site.py"), "--out", str(out)]
    command += ["--only", *only] if only else []
    wall, cpu = timed(command, env)
    return wall, cpu, len(list(out.glob("*/*.html")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-cold", action="store_true", help="do not time a build with an empty tarball cache")
    parser.add_argument("--markdown", type=Path, help="write the figures into this file's site section")
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        build_seconds(scratch / "warm-up", SUBSET, env)  # the tarball in the cache, files in the OS cache
        full, full_cpu, pages = build_seconds(scratch / "full", None, env)
        rows.append((f"whole course ({pages} pages)", full, full_cpu))
        subset, subset_cpu, subset_pages = build_seconds(scratch / "subset", SUBSET, env)
        rows.append((f"the pages the test's browser reads ({subset_pages}: {', '.join(SUBSET)})", subset, subset_cpu))
        if not args.skip_cold:
            download = ("import sys; from pathlib import Path; from tools.bundled import MERMAID, bundled_files; "
                        "bundled_files(MERMAID, Path(sys.argv[1]))")
            rows.append(("Mermaid's tarball, first download and check (once per machine)",
                         *timed([sys.executable, "-c", download, str(scratch / "cold")], env)))
    # The build is one process on one core: on a quiet machine its wall time is its CPU time; on a
    # shared one the wall time also counts the waits for a core. So the CPU time decides.
    verdict = ("yes: tests/test_site.py builds the whole course" if full_cpu <= QUICK_ENOUGH_SECONDS
               else "no: build a subset in the test, the whole course in `make site` only")
    print(f"{'build':70s} {'wall':>8s} {'CPU':>8s}")
    for name, seconds, cpu in rows:
        print(f"{name:70s} {seconds:7.1f} s {cpu:7.1f} s")
    print(f"full build in make test ({QUICK_ENOUGH_SECONDS:.0f} s of CPU or less)? {verdict}")
    print(f"ratio full / subset: {full / subset:.1f}x")
    if args.markdown:
        table = "\n".join(f"| {name} | {seconds:.1f} s | {cpu:.1f} s |" for name, seconds, cpu in rows)
        section = (f"{START}\n## Session 4: the static site (`bench/site.py`)\n\n"
                   "Each build a fresh process, as `make site` runs it; Mermaid's tarball cached unless said; "
                   "2 cores shared with other work, so the wall time includes waits for a core, and the CPU "
                   "time (user + system) is what the build itself costs.\n\n"
                   f"| build | wall | CPU |\n|---|---|---|\n{table}\n\n"
                   f"Full build in `make test` ({QUICK_ENOUGH_SECONDS:.0f} s of CPU or less)? **{verdict}** "
                   f"(full / subset: {full / subset:.1f}x).\n{END}")
        write_section(args.markdown, START, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
