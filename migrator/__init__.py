"""Migration Lab's helper package: Alembic workflows on SQLite, one verb per step.

Start with ``Workspace``::

    from migrator import Workspace
    ws = Workspace("01_first_revision", reset=True)
"""

import importlib

from .errors import (
    AppError,
    BackupError,
    DatabaseLockedError,
    DestructiveChangeError,
    EnvironmentMismatchError,
    MigrationFailedError,
    MigratorError,
    ModelsError,
    MultipleHeadsError,
    NeedsBatchModeError,
    NoChangesError,
    NotNullWithoutDefaultError,
    NotUpToDateError,
    PromotionError,
    RevisionError,
    ScriptLocationError,
    UnknownEnvironmentError,
    UnknownRevisionError,
    WorkspaceError,
)
from .i18n import language, set_language

# Imported on first use (PEP 562): `alembic` on the command line runs env.py, which needs
# only migrator.database and migrator.loader, and should not pay for pandas and the rest.
# The layers, top-down (tests/test_layers.py enforces them): exercises, cli -> Workspace ->
# checks, environments, widgets -> Project, Plan -> leaves (lint, schema, backup, ...) -> errors.
_LAZY = {
    "Backup": ".backup",
    "Verification": ".backup",
    "Promotion": ".environments",
    "Finding": ".lint",
    "Findings": ".lint",
    "Plan": ".plan",
    "Project": ".project",
    "Move": ".results",
    "Revision": ".results",
    "PROJECT_ROOT": ".scaffold",
    "Workspace": ".workspace",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AppError",
    "Backup",
    "BackupError",
    "DatabaseLockedError",
    "DestructiveChangeError",
    "EnvironmentMismatchError",
    "Finding",
    "Findings",
    "MigrationFailedError",
    "MigratorError",
    "ModelsError",
    "Move",
    "MultipleHeadsError",
    "NeedsBatchModeError",
    "NoChangesError",
    "NotNullWithoutDefaultError",
    "NotUpToDateError",
    "PROJECT_ROOT",
    "Plan",
    "Project",
    "Promotion",
    "PromotionError",
    "Revision",
    "RevisionError",
    "ScriptLocationError",
    "UnknownEnvironmentError",
    "UnknownRevisionError",
    "Verification",
    "Workspace",
    "WorkspaceError",
    "language",
    "set_language",
]
