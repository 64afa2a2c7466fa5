"""Turn Alembic's and SQLite's exceptions into errors that say how to fix them.

The classic mistakes each have a recognisable exception; ``translated`` maps them
onto the :mod:`migrator.errors` family.  Anything unrecognised passes through
unchanged rather than being hidden behind a vague message.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from alembic.script import revision as rev
from alembic.util import CommandError

from .errors import (
    DatabaseLockedError,
    MigrationFailedError,
    MigratorError,
    MultipleHeadsError,
    NeedsBatchModeError,
    NotNullWithoutDefaultError,
    NotUpToDateError,
    RevisionError,
    ScriptLocationError,
    UnknownRevisionError,
    revision_frame,
)

ROLLED_BACK = "Nothing was changed: the whole command was rolled back."


class Project(Protocol):
    """What a translation asks of the project whose command failed (``migrator.Project`` has it)."""

    def heads(self) -> list[str]: ...
    def current(self) -> str | tuple[str, ...] | None: ...
    def current_heads(self) -> set[str]: ...
    def option(self, name: str) -> str | None: ...
    def revision_ids(self) -> list[str]: ...


@contextmanager
def translated(ws: Project, *, atomic: bool = True):
    """Run a block; re-raise known failures as MigratorErrors (with no chained noise).

    ``atomic=False``: the block did not run in one transaction (offline SQL, or env.py's
    own transactions), so no message may say that everything was rolled back.
    """
    try:
        yield
    except MigratorError:
        raise
    except CommandError as exc:
        raise _command_error(ws, exc) from None
    except (sa.exc.DBAPIError, NotImplementedError) as exc:
        raise _suffixed(_migration_error(ws, exc), atomic) from None
    except Exception as exc:
        if revision_frame(exc) is None:  # not raised by a revision: a bug to see as is
            raise
        raise _suffixed(_migration_error(ws, exc), atomic) from None


def _suffixed(error: MigratorError, atomic: bool) -> MigratorError:
    """The error as is, or without the promise that the command was rolled back."""
    if atomic or ROLLED_BACK not in error.what:
        return error
    return type(error)(error.what.replace(f" {ROLLED_BACK}", "").replace(ROLLED_BACK, "").strip(), error.fix)


def _command_error(ws: Project, exc: CommandError) -> MigratorError:
    cause, message = exc.__cause__, str(exc)
    if isinstance(cause, rev.MultipleHeads) or "Multiple head" in message:
        return MultipleHeadsError(
            f"The history has more than one head ({', '.join(ws.heads())}), so 'head' is ambiguous.",
            "Join the branches with ws.merge('merge heads') and upgrade to the merge, "
            "or name the revision you want explicitly.",
        )
    if isinstance(cause, rev.ResolutionError):
        return _unknown_revision(ws, cause.argument)
    if "Relative revision" in message or isinstance(cause, rev.RangeNotAncestorError):
        return RevisionError(
            f"{message} (the database is at {ws.current() or 'base'}).",
            "Look at ws.history() and choose a step that exists: '+1' needs a newer "
            "revision, '-1' needs an older one.",
        )
    if "not up to date" in message:
        return NotUpToDateError(
            f"The database is at {ws.current() or 'base (empty)'} but the newest revision is "
            f"{', '.join(ws.heads())}: autogenerate would compare the models with an old schema.",
            "Apply the pending revisions first (ws.upgrade()), then autogenerate again.",
        )
    if "Path doesn't exist" in message:
        return ScriptLocationError(
            f"alembic.ini says script_location = {ws.option('script_location')}, "
            "but that folder does not exist.",
            "Point script_location at the folder holding env.py and versions/ (ours: migrations).",
        )
    if "cannot proceed in --sql mode" in message and "copy_from" in message:
        return MigratorError(
            f"{_failing_revision(exc)}: {message}",
            "In that revision, pass batch_alter_table(..., copy_from=sa.Table(...)) describing the table "
            "as it is before the revision; or review the SQL of a real upgrade of a copy instead of --sql.",
        )
    return MigratorError(message, "Read the message above; ws.history() shows the revisions.")


def _unknown_revision(ws: Project, argument: str) -> UnknownRevisionError:
    if argument in ws.current_heads():
        return UnknownRevisionError(
            f"The database is stamped with revision {argument!r}, but no file in versions/ has "
            "that id (was it deleted or renamed?).",
            f"Restore the revision file, or if the schema really matches another revision, "
            f"ws.stamp('<that id>'). Known revisions: {known_revisions(ws)}.",
        )
    return UnknownRevisionError(
        f"There is no revision {argument!r}.",
        f"Use one of the known ids ({known_revisions(ws)}), 'head', 'base', or a relative step like '-1'.",
    )


def known_revisions(ws: Project) -> str:
    """The revision ids as a phrase for an error message: '0001, 0002' or 'none yet'."""
    return ", ".join(ws.revision_ids()) or "none yet"


def _migration_error(ws: Project, exc: Exception) -> MigratorError:
    detail = str(getattr(exc, "orig", exc)).split("\n")[0]
    where = _failing_revision(exc)
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == "55P03":  # PostgreSQL: lock_timeout, NOWAIT
        return DatabaseLockedError(
            f"{where}: another transaction holds a lock the migration needs, and lock_timeout ran out "
            f"({detail}). {ROLLED_BACK}",
            "See who holds it (SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database()); "
            "let it finish, or run the migration when it is quiet. Retry: a short lock_timeout is the safe setting.",
        )
    if "database is locked" in detail:
        return DatabaseLockedError(
            "Another connection holds the write lock on the database (another notebook or kernel, the "
            "explorer, a database browser with unsaved changes, a long read), and the wait ran out. "
            f"{ROLLED_BACK}",
            "Finish or close that connection (commit, or restart the other kernel), then run the command again.",
        )
    if "NOT NULL constraint failed" in detail:
        column = detail.rsplit(":", 1)[-1].strip()
        return MigrationFailedError(
            f"{where}: the revision writes NULL into {column}, which is NOT NULL ({detail}). {ROLLED_BACK}",
            f"Give every row a value for {column} in that statement, or fill the NULLs first; keep the "
            "column nullable if it may really be empty.",
        )
    if "NOT NULL" in detail:
        return NotNullWithoutDefaultError(
            f"{where}: {detail}. A NOT NULL column needs a value for the rows already in "
            f"the table. {ROLLED_BACK}",
            "Give the column a server_default, or do it in three steps: add it nullable, "
            "fill it (op.execute UPDATE), then alter it to nullable=False in batch mode.",
        )
    if "No support for ALTER" in detail or ("ALTER" in detail and "syntax error" in detail):
        return NeedsBatchModeError(
            f"{where}: SQLite cannot do this ALTER in place ({detail}). {ROLLED_BACK}",
            "Wrap the operation in `with op.batch_alter_table('<table>') as batch_op:` and call "
            "it on batch_op; autogenerate does this for you with render_as_batch=True.",
        )
    if "already exists" in detail:
        return MigrationFailedError(
            f"{where}: {detail}, although alembic_version says this revision has not run "
            f"(the database is at {ws.current() or 'base'}). {ROLLED_BACK}",
            "The schema was made another way (Base.metadata.create_all?) or by hand. If it "
            "already matches a revision, record that with ws.stamp('<revision>') instead of "
            "upgrading; otherwise remove what is in the way and upgrade again.",
        )
    return MigrationFailedError(
        f"{where}: {type(exc).__name__}: {detail}. {ROLLED_BACK}",
        "Fix the revision file (or the data it trips over) and run the command again.",
    )


def _failing_revision(exc: Exception) -> str:
    """'Revision file 0003_x.py, line 21', found in the traceback, or a general phrase."""
    frame = revision_frame(exc)
    if frame is None:
        return "The migration"
    return f"Revision file {Path(frame.filename).name}, line {frame.lineno}"
