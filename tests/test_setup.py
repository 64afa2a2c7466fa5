"""The two README commands: the Makefile installs only when the requirements change."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from migrator import PROJECT_ROOT


@pytest.fixture
def project(tmp_path):
    for name in ("Makefile", "requirements.txt", "constraints.txt", "pyproject.toml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    return tmp_path


def planned(project, target: str) -> str:
    """What `make` would run for `target` (dry run: nothing is installed)."""
    # Under `make test` this runs inside make: drop the outer make's settings.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=project, capture_output=True, text=True, check=True, env=env,
    )
    return result.stdout


@pytest.mark.parametrize("target", ["test", "lab", "lab-it", "site"])
def test_first_run_creates_the_environment(project, target):
    plan = planned(project, target)
    assert "-m venv .venv" in plan
    # uv when it can be had, pip otherwise: both install exactly the pinned set
    assert "uv pip install --quiet --compile-bytecode --python .venv/bin/python -r requirements.txt -c constraints.txt" in plan
    assert "pip install --quiet -r requirements.txt -c constraints.txt" in plan


def test_make_site_builds_the_whole_course_into_the_ignored_folder(project):
    plan = planned(project, "site")
    assert plan.splitlines()[-1] == ".venv/bin/python tools/static_site.py --out _site"  # no --only: everything
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert "_site/" in ignored and ".cache/" in ignored  # the build and the npm tarball it caches


def test_the_pins_cover_every_requirement():
    """constraints.txt (make lock) pins each package requirements.txt names, so installs are reproducible."""
    import re

    pinned = {re.split(r"[=;\s]", line, maxsplit=1)[0].lower()
              for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    wanted = {re.split(r"[~=<>;\[\s]", line.strip(), maxsplit=1)[0].lower()
              for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith(("#", "-e"))}
    assert wanted - pinned == set()


def test_rerun_installs_nothing_until_requirements_change(project):
    (project / ".venv").mkdir()
    (project / ".venv" / ".installed").touch()
    assert planned(project, "test").split() == ".venv/bin/python -m pytest .venv/bin/python -m pytest notebooks".split()
    later = time.time() + 5
    os.utime(project / "requirements.txt", (later, later))
    assert "pip install" in planned(project, "test")
    (project / ".venv" / ".installed").touch()
    later += 5
    os.utime(project / "constraints.txt", (later, later))
    assert "pip install" in planned(project, "test")


def test_ci_runs_the_readme_test_command():
    assert "make test" in (PROJECT_ROOT / "README.md").read_text()
    assert (PROJECT_ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_installed_packages_come_compiled():
    """Bytecode is written at install time: where PYTHONDONTWRITEBYTECODE is set (CI, containers),
    Python never writes it on import, and every process compiled pandas, SQLAlchemy, Alembic and
    Jupyter from source again (3.0 s instead of 1.1 s to import the first three)."""
    import importlib.util

    import alembic
    import jupyter_server
    import pandas
    import sqlalchemy

    for module in (pandas, sqlalchemy, alembic, jupyter_server):
        compiled = Path(importlib.util.cache_from_source(module.__file__))
        assert compiled.is_file(), f"{module.__name__} has no bytecode: reinstall (rm -rf .venv; make test)"
