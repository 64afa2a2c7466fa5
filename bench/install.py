"""7. First start: how long `make lab`'s install takes in a fresh checkout, with uv and with pip.

What `make lab` does before JupyterLab starts is create `.venv` and install the pinned set
(requirements.txt with constraints.txt). This times exactly that, in a temporary folder,
three ways:

- uv, warm: uv bootstrapped from pip's cache, packages from uv's cache (a second checkout);
- uv, cold: the same with an empty uv cache (packages downloaded from the registry);
- pip, warm: the fallback path, packages from pip's cache.

Then the JupyterLab server's own start (to "is listening" on a free port) is timed once.
Run: .venv/bin/python bench/install.py [--skip-cold] [--markdown bench/RESULTS.md]
The goal (issue 13): 60 s or less to the server URL with a warm package cache.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

UV = "uv~=0.13.8"
GOAL_SECONDS = 60.0
START = "<!-- install:start -->"
END = "<!-- install:end -->"


def timed(command: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def install(way: str, folder: Path, env: dict) -> float:
    """Seconds for venv + install, the way the Makefile does it."""
    for name in ("requirements.txt", "constraints.txt", "pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "migrator", folder / "migrator", ignore=shutil.ignore_patterns("__pycache__"))
    python = str(folder / ".venv" / "bin" / "python")
    started = time.perf_counter()
    timed([sys.executable, "-m", "venv", ".venv"], folder, env)
    if way.startswith("uv"):
        timed([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", UV], folder, env)
        timed([python, "-m", "uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", python,
               "-r", "requirements.txt", "-c", "constraints.txt"], folder, env)
    else:
        timed([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], folder, env)
        timed([python, "-m", "pip", "install", "--quiet", "-r", "requirements.txt", "-c", "constraints.txt"], folder, env)
    return time.perf_counter() - started


def server_start(python: str, folder: Path) -> float:
    """Seconds from `jupyter lab` to its "is running at" line (no browser)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(python).parent / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.token=",
               "--ServerApp.ip=127.0.0.1", *(["--allow-root"] if os.geteuid() == 0 else [])]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stderr:
            if "is running at" in line or "http://127.0.0.1" in line:
                return time.perf_counter() - started
            if time.perf_counter() - started > 120:
                break
        raise RuntimeError("JupyterLab did not start within 120 s")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true", help="skip the empty-cache uv install")
    parser.add_argument("--markdown", type=Path, help="write the figures into this file's install section")
    args = parser.parse_args(argv)
    results, lab = {}, None
    ways = ["uv, warm cache", "pip, warm cache"] + ([] if args.skip_cold else ["uv, cold cache"])
    for way in ways:
        with tempfile.TemporaryDirectory(prefix="migrator-install-") as scratch:
            folder = Path(scratch) / "checkout"
            folder.mkdir()
            env = dict(os.environ)
            if "cold" in way:
                env["UV_CACHE_DIR"] = str(Path(scratch) / "uv-cache")
            results[way] = install(way, folder, env)
            print(f"{way:18} {results[way]:6.1f} s", flush=True)
            if lab is None:
                lab = server_start(str(folder / ".venv" / "bin" / "python"), folder)
                print(f"{'jupyter lab start':18} {lab:6.1f} s", flush=True)
    warm = results["uv, warm cache"] + lab
    print(f"first start, warm: {warm:.1f} s (goal <= {GOAL_SECONDS:.0f} s: {'met' if warm <= GOAL_SECONDS else 'NOT met'})")
    if args.markdown:
        rows = "\n".join(f"| install with {way} | {seconds:.1f} s |" for way, seconds in results.items())
        section = (f"{START}\n## First start (`bench/install.py`)\n\n"
                   f"Fresh checkout, `.venv` created and the pinned set installed as the Makefile does "
                   f"(bytecode compiled); "
                   f"{os.cpu_count()} cores.\n\n| step | time |\n|---|---|\n{rows}\n"
                   f"| JupyterLab server start | {lab:.1f} s |\n"
                   f"| **first start, warm cache (uv + server)** | **{warm:.1f} s** (goal {GOAL_SECONDS:.0f} s: "
                   f"{'met' if warm <= GOAL_SECONDS else 'not met'}) |\n{END}")
        write_section(args.markdown, START, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
