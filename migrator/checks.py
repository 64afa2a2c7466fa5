"""The four standard migration checks (the ones pytest-alembic runs), as plain functions.

Each check takes a project with the workflow verbs (a ``Workspace``), works on an
empty scratch database in a temporary folder (never on the project's own database,
via ``with_database``) and returns a ``CheckResult``.
They are plain functions rather than a pytest plugin so that a notebook can run
them and show the result, and our own tests can call them on the repository.
(pytest-alembic 0.13.1 does not collect under pytest 9, the version we pin.)
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from .errors import MigratorError
from .schema import diff_sentence


class Workspace(Protocol):
    """What the checks use: the verbs of ``migrator.Workspace`` (typed here, so nothing imports upward)."""

    def heads(self) -> list[str]: ...
    def history(self) -> pd.DataFrame: ...
    def upgrade(self, target: str = "head"): ...
    def downgrade(self, target: str = "-1"): ...
    def check(self) -> pd.DataFrame: ...
    def tables(self) -> pd.DataFrame: ...
    def script_directory(self): ...
    def with_database(self, database) -> Workspace: ...
    @property
    def engine(self): ...


@dataclass(frozen=True)
class CheckResult:
    check: str
    passed: bool
    detail: str


def single_head(ws: Workspace) -> CheckResult:
    """The history has exactly one head, so 'upgrade head' means one thing."""
    heads = ws.heads()
    return CheckResult(
        "single head",
        len(heads) == 1,
        f"head: {heads[0]}" if len(heads) == 1 else f"heads: {', '.join(heads) or 'none'}",
    )


def upgrade_from_empty(ws: Workspace) -> CheckResult:
    """Every revision applies, one at a time, from an empty database up to head."""
    def run(scratch: Workspace) -> str:
        steps = _order(scratch)
        for revision in steps:
            scratch.upgrade(revision)
        return f"applied {len(steps)} revision(s): {', '.join(steps)}"

    return _on_scratch("upgrade from empty", ws, run)


def models_match_schema(ws: Workspace) -> CheckResult:
    """After upgrading an empty database to head, autogenerate finds nothing to do."""
    def run(scratch: Workspace) -> str:
        scratch.upgrade("heads")
        diffs = scratch.check()
        if len(diffs):
            raise AssertionError(f"models differ from the migrated schema: {diff_sentence(diffs)}")
        return "no differences between the models and the migrated schema"

    return _on_scratch("models match schema", ws, run)


def up_down_consistency(ws: Workspace) -> CheckResult:
    """Each revision goes up, down and up again, and ends with the schema it first made."""
    def run(scratch: Workspace) -> str:
        steps = _order(scratch)
        scripts = scratch.script_directory()
        for revision in steps:
            scratch.downgrade("base")  # only this revision's ancestors: no other branch
            scratch.upgrade(revision)
            schema = _schema(scratch)
            scratch.downgrade(_parent(scripts, revision))
            scratch.upgrade(revision)
            if _schema(scratch) != schema:
                raise AssertionError(f"{revision}: the schema differs after down and up again")
        scratch.upgrade("heads")
        scratch.downgrade("base")
        if scratch.tables()["table"].tolist() != ["alembic_version"]:
            raise AssertionError("downgrading to base left tables behind")
        return f"{len(steps)} revision(s) went up, down and up again; all the way down to base"

    return _on_scratch("up/down consistency", ws, run)


STANDARD_CHECKS: tuple[Callable[[Workspace], CheckResult], ...] = (
    single_head,
    upgrade_from_empty,
    models_match_schema,
    up_down_consistency,
)


def run_checks(ws: Workspace, checks=STANDARD_CHECKS) -> pd.DataFrame:
    """Run the checks and return one row each: check, passed, detail."""
    results = [check(ws) for check in checks]
    return pd.DataFrame([vars(r) for r in results], columns=["check", "passed", "detail"])


def _order(ws: Workspace) -> list[str]:
    """Revision ids, every revision after its parents (branches and merges included)."""
    return ws.history()["revision"].tolist()


def _parent(scripts, revision: str) -> str:
    """Where one step down from ``revision`` leads; for a merge, its first parent."""
    parents = scripts.get_revision(revision).down_revision
    if isinstance(parents, (tuple, list)):
        parents = parents[0]
    return parents or "base"


def _schema(ws: Workspace) -> str:
    with ws.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        ).all()
    return "\n".join(map(str, rows))


def _on_scratch(name: str, ws: Workspace, run: Callable[[Workspace], str]) -> CheckResult:
    """Run ``run`` against an empty temporary database; failures become a failed result."""
    with tempfile.TemporaryDirectory(prefix="migrator-check-") as folder:
        scratch = ws.with_database(Path(folder) / "scratch.db")
        try:
            return CheckResult(name, True, run(scratch))
        except (MigratorError, AssertionError) as exc:
            return CheckResult(name, False, str(exc).split("\n")[0])
