"""One exception family: every message says what happened and how to fix it.

Each error carries two parts, ``what`` and ``fix``, in the kit's language (migrator.i18n).
In Jupyter the error is shown as those two parts only (no traceback full of library frames and paths), which is
what a learner needs and what keeps notebook outputs deterministic.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from .i18n import MigratorError  # noqa: F401  the base: its "How to fix" label is translated (migrator.i18n)

class WorkspaceError(MigratorError):
    """The workspace folder or its name is not usable."""


class ModelsError(MigratorError):
    """The models file is missing, does not import, or defines no metadata."""


class ScriptLocationError(MigratorError):
    """alembic.ini points at a migrations folder that does not exist."""


class RevisionError(MigratorError):
    """A revision id or range does not name what the command needs."""


class UnknownRevisionError(RevisionError):
    """No revision has the given id."""


class MultipleHeadsError(RevisionError):
    """The history has branched: 'head' is ambiguous until the heads are merged."""


class NotUpToDateError(MigratorError):
    """The database is behind the revisions, so autogenerate would compare the wrong schema."""


class NoChangesError(MigratorError):
    """Autogenerate found no difference between the models and the database."""


class MigrationFailedError(MigratorError):
    """A revision failed while it ran; the transaction was rolled back."""


class NotNullWithoutDefaultError(MigrationFailedError):
    """A NOT NULL column was added without a value for the existing rows."""


class NeedsBatchModeError(MigrationFailedError):
    """SQLite cannot ALTER this in place: the revision must use batch mode."""


class DatabaseLockedError(MigratorError):
    """Another connection held the database's write lock for longer than the kit waits."""


class EnvironmentMismatchError(MigratorError):
    """env.py migrated (or would have migrated) another database than the one the kit was asked to use."""


class AppError(MigratorError):
    """The sample app's code and the database schema disagree."""


class DestructiveChangeError(MigratorError):
    """A revision would delete data and nobody said that was intended; nothing ran."""

    def __init__(self, what: str, fix: str, findings: tuple = ()) -> None:
        super().__init__(what, fix)
        self.findings = findings  # the linter's Findings that were refused: .frame() has each fix


class BackupError(MigratorError):
    """A backup could not be made, is damaged, or does not match the database."""


class UnknownEnvironmentError(MigratorError):
    """No database is configured under that environment name."""


class PromotionError(MigratorError):
    """Promoting the revisions to another environment stopped; the report says where."""

    def __init__(self, what: str, fix: str, promotion: object = None) -> None:
        super().__init__(what, fix)
        self.promotion = promotion  # the Promotion report, up to the step that failed


def revision_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost traceback frame that runs a file in a ``versions/`` folder, if any.

    Tells a failure *in a revision file* (a learner's code) from a bug elsewhere.
    """
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).parent.name == "versions":
            return frame
    return None
