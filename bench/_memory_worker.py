"""Run one operation in a fresh interpreter and report its time and peak memory as JSON.

    python bench/_memory_worker.py MODE BEFORE.db AFTER.db [--tracemalloc]

- ``baseline``: the imports only (the interpreter's own footprint)
- ``scan``:     a plain full scan: ``SELECT * FROM items`` iterated row by row (sqlite3)
- ``verify``:   ``migrator.backup.verify(BEFORE, AFTER)``: the kit's before/after comparison
- ``fingerprint``: ``migrator.backup.fingerprint(BEFORE)``: one side of verify
- ``integrity``: ``PRAGMA integrity_check`` of BEFORE alone

Peak memory three ways: the process's peak RSS over its life, imports included
(Linux: VmHWM; elsewhere ru_maxrss); the peak RSS during the operation alone (the
VmHWM mark is reset just before it; SQLite's page cache and C allocations included);
and, with ``--tracemalloc``, Python's own peak (tracing slows Python down, so times
come from runs without it).
"""

from __future__ import annotations

import json
import resource
import sqlite3
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository's migrator, as the notebooks see it


def scan(before: Path, _after: Path) -> str:
    connection = sqlite3.connect(before)
    count = 0
    for _row in connection.execute("SELECT * FROM items"):
        count += 1
    connection.close()
    return f"{count} rows"


def verify(before: Path, after: Path) -> str:
    from migrator.backup import verify as compare

    result = compare(before, after)
    if hasattr(result, "ok") and not result.ok:
        raise SystemExit(f"verify found differences between two identical copies: {result!r}")
    return describe(result)


def fingerprint(before: Path, _after: Path) -> str:
    """What a backup stores: integrity check, schema, per-table count and content hash, of one file."""
    from migrator.backup import fingerprint

    return describe(fingerprint(before))


def integrity(before: Path, _after: Path) -> str:
    """``PRAGMA integrity_check`` alone, on one database."""
    connection = sqlite3.connect(before)
    found = connection.execute("PRAGMA integrity_check(5)").fetchall()
    connection.close()
    return str(found)


def describe(result) -> str:
    """A short text for the report: what verify returned (a frame, a record, a bool)."""
    shape = getattr(result, "shape", None)
    if shape is not None:
        return f"{type(result).__name__} {shape}"
    return f"{type(result).__name__}: {str(result)[:300]}"


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _maxrss_mb() -> float:
    """ru_maxrss in MB (bytes on macOS). On Linux it also counts the parent's memory at fork time
    (the pre-exec image), which is not this process's doing: a fallback only."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 1024 if sys.platform != "darwin" else maxrss / 2**20


def process_peak_mb() -> float:
    """This process's own peak RSS so far, in MB: VmHWM where /proc has it, else ru_maxrss."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else _maxrss_mb()


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM), so the peak after this is the operation's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main(argv: list[str]) -> None:
    mode, before, after = argv[0], Path(argv[1]), Path(argv[2])
    traced = "--tracemalloc" in argv
    function = {
        "baseline": lambda a, b: "imports only",
        "scan": scan,
        "verify": verify,
        "fingerprint": fingerprint,
        "integrity": integrity,
    }[mode]
    import migrator.backup  # noqa: F401 - same imports in every mode, so baselines compare
    rss_before = _status_mb("VmRSS")
    peak_before = _status_mb("VmHWM")  # this image's own peak so far (the imports)
    reset = _reset_peak()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    outcome = function(before, after)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    operation_peak = _status_mb("VmHWM") if reset else None
    if peak_before is not None and operation_peak is not None:
        process_peak = max(peak_before, operation_peak)
    else:
        process_peak = _maxrss_mb()
    print(json.dumps({
        "mode": mode,
        "seconds": seconds,
        "maxrss_mb": process_peak,
        "rss_before_mb": rss_before,
        "operation_peak_rss_mb": operation_peak,
        "traced_peak_mb": peak / 2**20 if peak is not None else None,
        "outcome": outcome,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
