"""Migration Lab's helper package: Alembic workflows on SQLite, one verb per step.

Start with ``Workspace``::

    from migrator import Workspace
    ws = Workspace("01_first_revision", reset=True)
"""

from .backup import Backup, Verification
from .environments import Promotion
from .errors import (
    AppError,
    BackupError,
    DestructiveChangeError,
    MigrationFailedError,
    MigratorError,
    ModelsError,
    MultipleHeadsError,
    NeedsBatchModeError,
    NoChangesError,
    NotNullWithoutDefaultError,
    NotUpToDateError,
    PendingChangesError,
    PromotionError,
    RevisionError,
    ScriptLocationError,
    UnknownEnvironmentError,
    UnknownRevisionError,
    WorkspaceError,
)
from .lint import Finding, Findings
from .results import Move, Revision
from .workspace import PROJECT_ROOT, Workspace

__all__ = [
    "AppError",
    "Backup",
    "BackupError",
    "DestructiveChangeError",
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
    "PendingChangesError",
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
]
