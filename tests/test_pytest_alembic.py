"""The repository's migrations pass pytest-alembic's checks, run by the real plugin.

pytest-alembic is the standard tool at work (notebook 06 says so). It hands env.py an
Engine through ``config.attributes["connection"]``; our env.py accepts an Engine as
well as the Connection the kit hands in. The default checks and the opt-in
``test_downgrade_leaves_no_trace`` run here against the bookshop's reference chain.
"""

from __future__ import annotations

import pytest
from pytest_alembic import Config as PytestAlembicConfig
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace

from migrator import PROJECT_ROOT
from migrator.database import create_engine

__all__ = [  # collected by pytest from this module: the plugin's own test functions
    "test_single_head_revision", "test_upgrade", "test_model_definitions_match_ddl",
    "test_up_down_consistency", "test_downgrade_leaves_no_trace",
]


@pytest.fixture
def alembic_config() -> PytestAlembicConfig:
    return PytestAlembicConfig(config_options={"file": str(PROJECT_ROOT / "alembic.ini"),
                                               "script_location": str(PROJECT_ROOT / "migrations")})


@pytest.fixture
def alembic_engine(tmp_path):
    """A scratch SQLite file with the transactional recipe (the CLI and the kit use the same)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'pytest_alembic.db'}")
    yield engine
    engine.dispose()
