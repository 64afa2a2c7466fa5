"""The kit on the realistic example project (examples/library): a stock env.py, models in a
package, transaction_per_migration, autocommit_block, data migrations, a branch and a merge,
and indexes that SQLite's batch mode rebuilds wrongly. Every item of "take it to work" on it."""

from __future__ import annotations

import shutil

import pytest

from migrator import PROJECT_ROOT, Workspace
from migrator.lint import CODES


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    copy = tmp_path_factory.mktemp("example") / "library"
    shutil.copytree(PROJECT_ROOT / "examples" / "library", copy, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    return Workspace.open(copy, models="library_app.db:metadata")


def test_it_upgrades_the_way_its_env_py_runs_it(library):
    move = library.upgrade()
    assert len(move.steps) == 36 and library.current() == library.heads()[0]
    assert move.atomicity.startswith("one transaction per revision")
    assert library.check().empty  # models from a package import path: no drift


def test_the_linter_finds_the_batch_rebuild_that_loses_the_expression_index(library, tmp_path):
    """Judged, as always, against the database the revision will run on: one just before it."""
    before = library.with_database(tmp_path / "before.db")
    before.upgrade("0008e90dd59a")
    [finding] = [f for f in before.lint("0009dbce5a3d") if f.code == "batch-rebuild-loses-index"]
    assert (finding.table, finding.severity) == ("members", "warning")
    assert "ix_members_email_lower" in finding.explanation and "an expression" in finding.explanation
    assert set(f.code for script in library.revisions() for f in library.lint(script.revision)) <= set(CODES)


def test_the_checks_run_and_the_up_down_check_names_what_batch_mode_lost(library):
    results = library.run_checks().set_index("check")
    assert results.loc[["single head", "upgrade from empty", "models match schema"], "passed"].all()
    detail = results.loc["up/down consistency", "detail"]
    assert not results.loc["up/down consistency", "passed"]
    # Every difference is an index detail a batch rebuild lost on the way down; alembic check cannot see them.
    assert "ix_members_email_lower" in detail and "ix_loans_loaned_at_desc" in detail
    assert "column" not in detail


def test_pytest_alembic_passes_on_the_example_project(tmp_path):
    """The standard plugin, for real, on the example project as a team would run it in CI."""
    import subprocess
    import sys

    copy = tmp_path / "library"
    shutil.copytree(PROJECT_ROOT / "examples" / "library", copy, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    (copy / "conftest.py").write_text(
        "import pytest\nfrom pytest_alembic import Config\nfrom sqlalchemy import create_engine\n\n\n"
        "@pytest.fixture\ndef alembic_config():\n    return Config(config_options={'file': 'alembic.ini'})\n\n\n"
        "@pytest.fixture\ndef alembic_engine(tmp_path):\n    return create_engine(f\"sqlite:///{tmp_path / 'ci.db'}\")\n")
    (copy / "test_migrations.py").write_text(
        "from pytest_alembic.tests import (  # noqa: F401\n"
        "    test_model_definitions_match_ddl, test_single_head_revision, test_up_down_consistency, test_upgrade,\n)\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                          "-W", "ignore::UserWarning", "test_migrations.py"],
                         cwd=copy, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "4 passed" in run.stdout
