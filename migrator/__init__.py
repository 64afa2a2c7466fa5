"""Migration Lab's helper package: Alembic workflows on SQLite, one verb per step.

Start with ``Workspace``::

    from migrator import Workspace
    ws = Workspace("01_first_revision", reset=True)
"""

from .errors import (
    AppError,
    MigrationFailedError,
    MigratorError,
    ModelsError,
    MultipleHeadsError,
    NeedsBatchModeError,
    NoChangesError,
    NotNullWithoutDefaultError,
    NotUpToDateError,
    PendingChangesError,
    RevisionError,
    ScriptLocationError,
    UnknownRevisionError,
    WorkspaceError,
)
from .results import Move, Revision
from .workspace import PROJECT_ROOT, Workspace

__all__ = [
    "AppError",
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
    "Revision",
    "RevisionError",
    "ScriptLocationError",
    "UnknownRevisionError",
    "Workspace",
    "WorkspaceError",
]
