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
from .i18n import N_, _

ROLLED_BACK = N_("Nothing was changed: the whole command was rolled back.")


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
    rolled_back = _(ROLLED_BACK)
    if atomic or rolled_back not in error.what:
        return error
    return type(error)(error.what.replace(f" {rolled_back}", "").replace(rolled_back, "").strip(), error.fix)


def _command_error(ws: Project, exc: CommandError) -> MigratorError:
    cause, message = exc.__cause__, str(exc)
    if isinstance(cause, rev.MultipleHeads) or "Multiple head" in message:
        return MultipleHeadsError(
            _("The history has more than one head ({heads}), so 'head' is ambiguous.", heads=", ".join(ws.heads())),
            _("Join the branches with ws.merge('merge heads') and upgrade to the merge, "
              "or name the revision you want explicitly."),
        )
    if isinstance(cause, rev.ResolutionError):
        return _unknown_revision(ws, cause.argument)
    if "Relative revision" in message or isinstance(cause, rev.RangeNotAncestorError):
        return RevisionError(
            _("{message} (the database is at {current}).", message=message, current=ws.current() or "base"),
            _("Look at ws.history() and choose a step that exists: '+1' needs a newer "
              "revision, '-1' needs an older one."),
        )
    if "not up to date" in message:
        return NotUpToDateError(
            _("The database is at {current} but the newest revision is "
              "{heads}: autogenerate would compare the models with an old schema.",
              current=ws.current() or _("base (empty)"), heads=", ".join(ws.heads())),
            _("Apply the pending revisions first (ws.upgrade()), then autogenerate again."),
        )
    if "Path doesn't exist" in message:
        return ScriptLocationError(
            _("alembic.ini says script_location = {location}, but that folder does not exist.",
              location=ws.option("script_location")),
            _("Point script_location at the folder holding env.py and versions/ (ours: migrations)."),
        )
    if "cannot proceed in --sql mode" in message and "copy_from" in message:
        return MigratorError(
            f"{_failing_revision(exc)}: {message}",
            _("In that revision, pass batch_alter_table(..., copy_from=sa.Table(...)) describing the table "
              "as it is before the revision; or review the SQL of a real upgrade of a copy instead of --sql."),
        )
    return MigratorError(message, _("Read the message above; ws.history() shows the revisions."))


def _unknown_revision(ws: Project, argument: str) -> UnknownRevisionError:
    if argument in ws.current_heads():
        return UnknownRevisionError(
            _("The database is stamped with revision {argument!r}, but no file in versions/ has "
              "that id (was it deleted or renamed?).", argument=argument),
            _("Restore the revision file, or if the schema really matches another revision, "
              "ws.stamp('<that id>'). Known revisions: {known}.", known=known_revisions(ws)),
        )
    return UnknownRevisionError(
        _("There is no revision {argument!r}.", argument=argument),
        _("Use one of the known ids ({known}), 'head', 'base', or a relative step like '-1'.",
          known=known_revisions(ws)),
    )


def known_revisions(ws: Project) -> str:
    """The revision ids as a phrase for an error message: '0001, 0002' or 'none yet'."""
    return ", ".join(ws.revision_ids()) or _("none yet")


def _migration_error(ws: Project, exc: Exception) -> MigratorError:
    detail = str(getattr(exc, "orig", exc)).split("\n")[0]
    where = _failing_revision(exc)
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == "55P03":  # PostgreSQL: lock_timeout, NOWAIT
        return DatabaseLockedError(
            _("{where}: another transaction holds a lock the migration needs, and lock_timeout ran out "
              "({detail}).", where=where, detail=detail) + f" {_(ROLLED_BACK)}",
            _("See who holds it (SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database()); "
              "let it finish, or run the migration when it is quiet. Retry: a short lock_timeout is the safe setting."),
        )
    if "database is locked" in detail:
        return DatabaseLockedError(
            _("Another connection holds the write lock on the database (another notebook or kernel, the "
              "explorer, a database browser with unsaved changes, a long read), and the wait ran out.")
            + f" {_(ROLLED_BACK)}",
            _("Finish or close that connection (commit, or restart the other kernel), then run the command again."),
        )
    if "NOT NULL constraint failed" in detail:
        column = detail.rsplit(":", 1)[-1].strip()
        return MigrationFailedError(
            _("{where}: the revision writes NULL into {column}, which is NOT NULL ({detail}).",
              where=where, column=column, detail=detail) + f" {_(ROLLED_BACK)}",
            _("Give every row a value for {column} in that statement, or fill the NULLs first; keep the "
              "column nullable if it may really be empty.", column=column),
        )
    if "NOT NULL" in detail:
        return NotNullWithoutDefaultError(
            _("{where}: {detail}. A NOT NULL column needs a value for the rows already in "
              "the table.", where=where, detail=detail) + f" {_(ROLLED_BACK)}",
            _("Give the column a server_default, or do it in three steps: add it nullable, "
              "fill it (op.execute UPDATE), then alter it to nullable=False in batch mode."),
        )
    if "No support for ALTER" in detail or ("ALTER" in detail and "syntax error" in detail):
        return NeedsBatchModeError(
            _("{where}: SQLite cannot do this ALTER in place ({detail}).", where=where, detail=detail)
            + f" {_(ROLLED_BACK)}",
            _("Wrap the operation in `with op.batch_alter_table('<table>') as batch_op:` and call "
              "it on batch_op; autogenerate does this for you with render_as_batch=True."),
        )
    if "already exists" in detail:
        return MigrationFailedError(
            _("{where}: {detail}, although alembic_version says this revision has not run "
              "(the database is at {current}).", where=where, detail=detail, current=ws.current() or "base")
            + f" {_(ROLLED_BACK)}",
            _("The schema was made another way (Base.metadata.create_all?) or by hand. If it "
              "already matches a revision, record that with ws.stamp('<revision>') instead of "
              "upgrading; otherwise remove what is in the way and upgrade again."),
        )
    return MigrationFailedError(
        f"{where}: {type(exc).__name__}: {detail}. {_(ROLLED_BACK)}",
        _("Fix the revision file (or the data it trips over) and run the command again."),
    )


def _failing_revision(exc: Exception) -> str:
    """'Revision file 0003_x.py, line 21', found in the traceback, or a general phrase."""
    frame = revision_frame(exc)
    if frame is None:
        return _("The migration")
    return _("Revision file {file}, line {line}", file=Path(frame.filename).name, line=frame.lineno)
