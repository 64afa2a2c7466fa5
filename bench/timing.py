"""Timing helpers and the facts printed next to every result: machine, versions, load."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(run: Callable[[], object], repeat: int, *, before=None, after=None, warmup: int = 0) -> dict:
    """Time ``run`` ``repeat`` times (``before``/``after`` untimed around each); the median wins.

    ``run`` may return a number of seconds it measured itself (e.g. a subprocess
    reporting its own timing); otherwise the wall time of the call is used.
    """
    for _ in range(warmup):
        if before:
            before()
        run()
        if after:
            after()
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        reported = run()
        elapsed = time.perf_counter() - start
        times.append(reported if isinstance(reported, float) else elapsed)
        if after:
            after()
    return summary(times)


def summary(times: list[float]) -> dict:
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "runs": len(times),
        "times_s": times,
    }


def machine() -> dict:
    """Cores, CPU model, memory, OS, filesystem of the temp dir, and the load right now."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory / 2**30, 1) if memory else None,
        "os": f"{platform.system()} {platform.release()}",
        "load_average": load_average(),
    }


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def filesystem(path: Path) -> str | None:
    """The filesystem type holding ``path`` (Linux only): fsync is free on tmpfs, not on ext4."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return None
    path = str(Path(path).resolve())
    best = max(
        (m for m in mounts if len(m) > 2 and (path == m[1] or path.startswith(m[1].rstrip("/") + "/"))),
        key=lambda m: len(m[1]),
        default=None,
    )
    return best[2] if best else None


def versions() -> dict:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("sqlalchemy", "alembic", "pandas", "pytest", "pytest-xdist", "nbval"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def seconds(value: float | None) -> str:
    """A duration, readable: 850 µs, 4.2 ms, 1.35 s."""
    if value is None:
        return "-"
    if value < 0:
        return "-" + seconds(-value)
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def rows_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)
