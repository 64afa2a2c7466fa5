"""3. Verification memory: the kit's before/after data comparison of a big table.

The kit's function is ``migrator.backup.verify(copy, database)``: ``PRAGMA
integrity_check`` of the copy, the schema, and every table compared inside SQLite (the
copy ATTACHed, the rows joined on their key, values and storage types compared), so no
row is read into Python.  ``fingerprint`` (one file: row counts and a content hash per
table, what a backup stores) is measured too.  Each measurement runs in a fresh
interpreter (``_memory_worker.py``) so peak memory belongs to it alone; the reference
is a plain full scan of the same table (``SELECT *`` iterated once).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from .rewrite import Rewrite
from .timing import summary

WORKER = Path(__file__).resolve().parent / "_memory_worker.py"
GOAL_PEAK_MB = 300.0
GOAL_VS_SCAN = 2.0


def worker(mode: str, before: Path, after: Path, *, traced: bool = False) -> dict:
    args = [sys.executable, str(WORKER), mode, str(before), str(after)]
    result = subprocess.run(args + (["--tracemalloc"] if traced else []), capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(root: Path, rows: int, *, repeat: int, rewrite: Rewrite | None = None) -> dict:
    repeat = min(repeat, 3)  # each verify of 1M rows takes seconds; three give a median
    rewrite = rewrite or Rewrite(root)
    before = rewrite.template(rows)
    size_mb = before.stat().st_size / 2**20
    after = root / "verify_after.db"
    with sqlite3.connect(before) as source, sqlite3.connect(after) as target:
        source.backup(target)  # the 'after' side: a page-by-page copy, as a backup is
    source.close()
    target.close()
    try:
        baseline = worker("baseline", before, after)
        scans = [worker("scan", before, after) for _ in range(repeat)]
        verifies = [worker("verify", before, after) for _ in range(repeat)]
        fingerprints = [worker("fingerprint", before, after) for _ in range(repeat)]
        integrities = [worker("integrity", before, after) for _ in range(repeat)]
        traced_scan = worker("scan", before, after, traced=True)
        traced_verify = worker("verify", before, after, traced=True)
    finally:
        after.unlink(missing_ok=True)
        before.unlink(missing_ok=True)
    scan_time = summary([r["seconds"] for r in scans])
    verify_time = summary([r["seconds"] for r in verifies])
    peak = max(r["maxrss_mb"] for r in verifies)
    operation_peaks = [r["operation_peak_rss_mb"] for r in verifies if r["operation_peak_rss_mb"] is not None]
    scan_peaks = [r["operation_peak_rss_mb"] for r in scans if r["operation_peak_rss_mb"] is not None]
    ratio = verify_time["median_s"] / scan_time["median_s"]
    return {
        "rows": rows,
        "available": True,
        "database_mb": round(size_mb, 1),
        "verify": verify_time,
        "scan": scan_time,
        "verify_vs_scan": ratio,
        "fingerprint_one_side": summary([r["seconds"] for r in fingerprints]),
        "integrity_check_one_side": summary([r["seconds"] for r in integrities]),
        "verify_peak_rss_mb": peak,
        "scan_peak_rss_mb": max(r["maxrss_mb"] for r in scans),
        "verify_operation_peak_rss_mb": max(operation_peaks) if operation_peaks else None,
        "scan_operation_peak_rss_mb": max(scan_peaks) if scan_peaks else None,
        "rss_before_operation_mb": verifies[0]["rss_before_mb"],
        "baseline_rss_mb": baseline["maxrss_mb"],
        "verify_traced_peak_mb": traced_verify["traced_peak_mb"],
        "scan_traced_peak_mb": traced_scan["traced_peak_mb"],
        "verify_outcome": verifies[0]["outcome"],
        "goal_peak": f"<= {GOAL_PEAK_MB:g} MB",
        "met_peak": peak <= GOAL_PEAK_MB,
        "goal_time": f"<= {GOAL_VS_SCAN:g}x scan",
        "met_time": ratio <= GOAL_VS_SCAN,
    }

