"""Migration Lab's benchmark: the kit against Alembic's CLI and SQLite's own copy speed.

    make bench                                   # everything, full sizes (several minutes)
    .venv/bin/python bench/run.py --quick        # tiny sizes, one repetition, no course run
    .venv/bin/python bench/run.py --markdown bench/RESULTS.md   # also rewrite RESULTS.md
    .venv/bin/python bench/run.py --from-json bench/results.json --markdown bench/RESULTS.md

Prints one table; saves every number to bench/results.json.  Each figure is a ratio
of two things measured in the same run (medians over --repeat runs):

1. step latency: Workspace verbs in-process vs the `alembic` CLI as a subprocess
2. table rewrite: batch mode through the kit vs the same rewrite by hand in SQL,
   and vs the bare INSERT ... SELECT copy (SQLite's floor)
3. verification: migrator.backup.verify on a big table, peak memory and time vs a full scan
4. course run time: every notebook under strict nbval, serial and with xdist -n 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Import the helpers as the package `bench` (not as top-level modules from bench/).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MIGRATOR_QUIET", "1")

from bench import report, timing  # noqa: E402

PARTS = ("steps", "rewrite", "verify", "course")
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [1_000, 2_000]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny sizes {QUICK_SIZES}, one repetition, no course run (for CI)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="table sizes for the rewrite, comma separated (default 10000,100000,1000000)")
    parser.add_argument("--verify-rows", type=int, help="rows of the verified table (default: the largest size)")
    parser.add_argument("--repeat", type=int, help="repetitions of each slow measurement (default 5; --quick 1)")
    parser.add_argument("--inprocess-repeat", type=int, help="repetitions of each in-process verb (default 20)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--skip", action="append", choices=PARTS, default=[], help="skip this part (repeatable)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json", help="where to save the numbers")
    parser.add_argument("--markdown", type=Path, help="also write the results as Markdown (e.g. bench/RESULTS.md)")
    parser.add_argument("--from-json", type=Path, help="measure nothing: render a saved results.json")
    parser.add_argument("--update", action="store_true",
                        help="keep the other parts of the saved --json file, replace the parts measured now")
    parser.add_argument("--note", action="append", default=[], help="a line for the Markdown's notes (repeatable)")
    parser.add_argument("--tmpdir", type=Path, help="where the scratch workspaces and databases go (default: system temp)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or QUICK_SIZES
        args.repeat = args.repeat or 1
        args.inprocess_repeat = args.inprocess_repeat or 3
        if not args.only:
            args.skip = sorted({*args.skip, "course"})
    args.sizes = sorted(args.sizes or DEFAULT_SIZES)
    args.repeat = args.repeat or 5
    args.inprocess_repeat = args.inprocess_repeat or 20
    args.verify_rows = args.verify_rows or max(args.sizes)
    args.parts = [p for p in (args.only or PARTS) if p not in args.skip]
    return args


def measure(args) -> dict:
    from bench import course, rewrite, steps, verification

    scratch = Path(tempfile.mkdtemp(prefix="migrator-bench-", dir=args.tmpdir))
    results = {
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["bench/run.py", *sys.argv[1:]]),
        "machine": {**timing.machine(), "scratch_filesystem": timing.filesystem(scratch)},
        "versions": timing.versions(),
        "settings": {
            "quick": args.quick,
            "sizes": args.sizes,
            "verify_rows": args.verify_rows,
            "repeat": args.repeat,
            "inprocess_repeat": args.inprocess_repeat,
            "parts": args.parts,
        },
    }
    clock = time.perf_counter()
    try:
        if "steps" in args.parts:
            _say("1. step latency: in-process vs the alembic CLI ...")
            results["steps"] = steps.run(scratch, repeat=args.repeat, inprocess_repeat=args.inprocess_repeat)
        if "rewrite" in args.parts:
            _say(f"2. table rewrite at {', '.join(map(str, args.sizes))} rows ...")
            results["rewrite"] = rewrite.run(scratch, args.sizes, repeat=args.repeat, progress=_say)
        if "verify" in args.parts:
            _say(f"3. verification of a {args.verify_rows:,}-row table ...")
            results["verify"] = verification.run(scratch, args.verify_rows, repeat=args.repeat)
        if "course" in args.parts:
            _say(f"4. course run time: {len(course.notebooks())} notebooks, serial and xdist -n 2 ...")
            results["course"] = course.run(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["machine"]["load_average_end"] = timing.load_average()
    results["duration_s"] = time.perf_counter() - clock
    return results


def merged(saved: dict, new: dict, parts: list[str]) -> dict:
    """The saved run with ``parts`` replaced by the new measurements (noted as such)."""
    out = {**saved, **{part: new[part] for part in parts if part in new}}
    out["updates"] = [
        *saved.get("updates", []),
        {"parts": parts, "command": new["command"], "started": new["started"],
         "load_average": new["machine"]["load_average"]},
    ]
    return out


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.from_json:
        results = json.loads(args.from_json.read_text())
    else:
        results = measure(args)
        if args.update and args.json.exists():
            results = merged(json.loads(args.json.read_text()), results, args.parts)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(report.text(results))
    if not args.from_json:
        print(f"\nsaved {_shown(args.json)}")
    if args.markdown:
        args.markdown.write_text(report.markdown(results, notes=args.note, previous=args.markdown))
        print(f"wrote {_shown(args.markdown)}")
    return 0


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    sys.exit(main())
