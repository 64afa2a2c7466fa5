"""1. Step latency: a Workspace verb in-process against the same `alembic` command as a subprocess.

Two identical workspaces (the bookshop's reference chain, database at 0003).  The
in-process figure is what a notebook cell costs once the kernel runs (one warm-up
call first); the CLI figure is what typing the command costs: a new interpreter,
imports, alembic.ini, env.py.  The CLI runs from the repository root with
``-c <workspace>/alembic.ini``, so ``prepend_sys_path = .`` finds ``migrator``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from migrator import Workspace

from .timing import ROOT, measure

#: The model change both sides autogenerate a revision for.
ISBN_BEFORE = "    published_year: Mapped[int | None]"
ISBN_AFTER = ISBN_BEFORE + "\n    isbn: Mapped[str | None] = mapped_column(String(20))"
GOAL = 50.0  # in-process at least this many times faster


def alembic_executable() -> list[str]:
    script = Path(sys.executable).parent / "alembic"
    return [str(script)] if script.exists() else [sys.executable, "-m", "alembic"]


class Cli:
    """``alembic -c <workspace>/alembic.ini ...`` run from the repository root."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.command = [*alembic_executable(), "-c", str(ws.ini_path.resolve())]

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            [*self.command, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "MIGRATOR_QUIET": "1"},
        )
        if result.returncode != 0:
            raise RuntimeError(f"alembic {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout


def _new_revisions(ws: Workspace, known: set[str]) -> list[Path]:
    return [p for p in Path(ws.versions_path).glob("*.py") if p.name not in known]


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink()
        for cached in (path.parent / "__pycache__").glob(path.stem + ".*"):
            cached.unlink()


def run(root: Path, *, repeat: int, inprocess_repeat: int) -> list[dict]:
    """Median seconds per verb, both ways, and the speed-up (CLI / in-process)."""
    kit = Workspace("steps_kit", root=root, reset=True, starter="bookshop")
    cli_ws = Workspace("steps_cli", root=root, reset=True, starter="bookshop")
    for ws in (kit, cli_ws):
        ws.upgrade("0003")
    cli = Cli(cli_ws)
    assert cli("current").strip().startswith("0003"), "the CLI sees the workspace"

    def at_0003(ws):
        return lambda: ws.current() == "0003" or ws.downgrade("0003")

    cases = [
        ("current", "alembic current", kit.current, lambda: cli("current"), {}, {}),
        ("history", "alembic history", kit.history, lambda: cli("history"), {}, {}),
        (
            "upgrade (one revision)",
            "alembic upgrade +1",
            lambda: kit.upgrade("+1"),
            lambda: cli("upgrade", "+1"),
            {"before": at_0003(kit)},
            {"before": at_0003(cli_ws)},
        ),
    ]
    results = []
    for name, command, inprocess, subprocess_, kit_hooks, cli_hooks in cases:
        results.append(_pair(name, command, inprocess, subprocess_, kit_hooks, cli_hooks, repeat, inprocess_repeat))

    # revision --autogenerate: the database at head, the models one column ahead.
    for ws in (kit, cli_ws):
        ws.upgrade("head")
        ws.edit_models(ISBN_BEFORE, ISBN_AFTER)
    known = {p.name for p in Path(kit.versions_path).glob("*.py")}

    def kit_revision():
        revision = kit.revision("add isbn")
        assert "add_column" in revision.upgrade_code, revision.source

    def cli_revision():
        cli("revision", "--autogenerate", "-m", "add isbn")
        (path,) = _new_revisions(cli_ws, known)
        assert "add_column" in path.read_text()

    parts = _parts(kit, cli, inprocess_repeat, repeat)
    results.append(
        _pair(
            "revision --autogenerate",
            "alembic revision --autogenerate -m ...",
            kit_revision,
            cli_revision,
            {"after": lambda: _remove(_new_revisions(kit, known))},
            {"after": lambda: _remove(_new_revisions(cli_ws, known))},
            repeat,
            inprocess_repeat,
        )
    )
    return {"verbs": results, "parts": parts}


def _parts(ws: Workspace, cli: Cli, repeat: int, cli_repeat: int) -> dict:
    """The pieces the verbs are made of, each timed alone (to explain the ratios)."""

    def commit():
        connection = sqlite3.connect(ws.database_path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE alembic_version SET version_num = version_num")
        connection.execute("COMMIT")
        connection.close()

    python = [sys.executable, "-c", "pass"]
    importing = [sys.executable, "-c", "import migrator"]
    return {
        "load revision files (walk the script directory)": measure(
            lambda: ScriptDirectory.from_config(ws.config()).walk_revisions(), repeat, warmup=1),
        "read the current revision (ws.current)": measure(ws.current, repeat, warmup=1),
        "execute models.py (ws.metadata)": measure(ws.metadata, repeat, warmup=1),
        "one write transaction's commit (sqlite3, fsync)": measure(commit, repeat, warmup=1),
        "CLI floor: alembic --version": measure(lambda: cli("--version"), cli_repeat),
        "CLI floor: python -c pass": measure(lambda: subprocess.run(python, capture_output=True, check=True), cli_repeat),
        "CLI floor: python -c 'import migrator' (env.py does)": measure(
            lambda: subprocess.run(importing, capture_output=True, check=True, cwd=ROOT), cli_repeat),
    }


def _pair(name, command, inprocess, subprocess_, kit_hooks, cli_hooks, repeat, inprocess_repeat) -> dict:
    kit = measure(inprocess, inprocess_repeat, warmup=1, **kit_hooks)
    cli = measure(subprocess_, repeat, **cli_hooks)
    speedup = cli["median_s"] / kit["median_s"]
    return {
        "verb": name,
        "cli_command": command,
        "inprocess": kit,
        "cli": cli,
        "speedup": speedup,
        "goal": f">= {GOAL:g}x",
        "met": speedup >= GOAL,
    }
