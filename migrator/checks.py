"""The four standard migration checks (the ones pytest-alembic runs), as plain functions.

Each check takes a project with the workflow verbs (a ``Workspace``), works on an
empty scratch database (never on the project's own database, via ``with_database``)
and returns a ``CheckResult``.  The scratch database is of the project's own kind:
a SQLite file in a temporary folder, or, when the project's database is PostgreSQL,
a new database on the same server (``postgres.fresh_database`` on the kit's own
server), dropped afterwards.  Other databases are checked on a SQLite file.
They are plain functions rather than a pytest plugin so that a notebook can run
them and show the result, and our own tests can call them on the repository.
(pytest-alembic 0.13.1 does not collect under pytest 9, the version we pin.)
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from . import postgres
from .database import mask_url
from .errors import MigratorError
from .i18n import N_, _, ngettext
from .schema import diff_sentence, structure, structure_diff


class Workspace(Protocol):
    """What the checks use: the verbs of ``migrator.Workspace`` (typed here, so nothing imports upward)."""

    def heads(self) -> list[str]: ...
    def history(self) -> pd.DataFrame: ...
    def upgrade(self, target: str = "head"): ...
    def downgrade(self, target: str = "-1"): ...
    def check(self) -> pd.DataFrame: ...
    def move(self, verb: str, target: str): ...
    def current_heads(self) -> set[str]: ...
    def revisions(self) -> list: ...
    def with_database(self, database) -> Workspace: ...
    @property
    def url(self) -> str: ...
    @property
    def reader(self): ...


@dataclass(frozen=True)
class CheckResult:
    check: str
    passed: bool
    detail: str
    differences: tuple = ()  # rows of (revision, table, object, before, after), where a check compares schemas

    def frame(self) -> pd.DataFrame:
        """The differences as a table, for reading one by one."""
        return pd.DataFrame(list(self.differences), columns=["revision", "table", "object", "before", "after"])


class CheckFailed(AssertionError):
    """A check's failure, with the rows that show why."""

    def __init__(self, message: str, differences: list[dict] = ()) -> None:
        super().__init__(message)
        self.differences = tuple(differences)


def single_head(ws: Workspace) -> CheckResult:
    """The history has exactly one head, so 'upgrade head' means one thing."""
    heads = ws.heads()
    return CheckResult(
        "single head",
        len(heads) == 1,
        _("head: {head}", head=heads[0]) if len(heads) == 1 else _("heads: {heads}", heads=", ".join(heads) or _("none")),
    )


def upgrade_from_empty(ws: Workspace) -> CheckResult:
    """Every revision applies, one at a time, from an empty database up to head."""
    def run(scratch: Workspace) -> str:
        steps = _order(scratch)
        for revision in steps:
            scratch.upgrade(revision)
        return _("applied {count} revision(s): {revisions}", count=len(steps), revisions=", ".join(steps))

    return _on_scratch("upgrade from empty", ws, run)


def models_match_schema(ws: Workspace) -> CheckResult:
    """After upgrading an empty database to head, autogenerate finds nothing to do."""
    def run(scratch: Workspace) -> str:
        scratch.upgrade("heads")
        diffs = scratch.check()
        if len(diffs):
            raise AssertionError(_("models differ from the migrated schema: {diff_sentence}",
                                   diff_sentence=diff_sentence(diffs)))
        return _("no differences between the models and the migrated schema")

    return _on_scratch("models match schema", ws, run)


def up_down_consistency(ws: Workspace) -> CheckResult:
    """Every downgrade restores the schema its revision started from, and going up again gives the same schema.

    One upgrade to the heads, taking a snapshot of the structure after each revision;
    one downgrade to base, comparing after each step with the snapshot of the same
    state on the way up; one upgrade again, compared with the first.  Linear in the
    length of the history, branches and merges included.  Structure, not DDL text, is
    compared (columns, types, nullability, defaults, keys, indexes with their order,
    collation and expressions), and every revision that differs is reported.
    """
    def run(scratch: Workspace) -> str:
        seen = {frozenset(): structure(scratch.reader)}  # the schema of every state on the way up

        def snapshot(step, heads, connection):
            seen[heads] = structure(connection)

        problems, differences, carried = [], [], set()

        def compare(step, heads, connection):
            nonlocal carried
            if heads not in seen:
                return
            found = structure_diff(seen[heads], structure(connection))
            new = [row for row in found if (row["table"], row["object"], row["after"]) not in carried]
            carried = {(row["table"], row["object"], row["after"]) for row in found}  # left by a later step
            if new:
                undone = ", ".join(step.up_revision_ids)
                problems.append(f"{undone} ({_summary(new)})")  # ids and object names: nothing to translate
                differences.extend({"revision": undone, **row} for row in new)

        up = scratch.move("upgrade", "heads", on_step=snapshot)
        scratch.move("downgrade", "base", on_step=compare)
        try:
            scratch.move("upgrade", "heads")
            again = structure_diff(seen[frozenset(scratch.current_heads())], structure(scratch.reader))
        except MigratorError as exc:  # what was left behind can make the way up fail
            problems.append(_("going up again fails: {what}", what=exc.what))
            again = []
        if again:
            problems.append(_("up again ({summary})", summary=_summary(again)))
            differences.extend({"revision": "up again", **row} for row in again)
        if problems:
            raise CheckFailed(ngettext("{count} problem(s) going down and up again: {problems}",
                                       "{count} problem(s) going down and up again: {problems}",
                                       len(problems), count=len(problems), problems="; ".join(problems)),
                              differences)
        count = len(up.steps)
        return ngettext("{count} revision(s) went up, down and up again with the same schema each time",
                        "{count} revision(s) went up, down and up again with the same schema each time",
                        count, count=count)

    return _on_scratch("up/down consistency", ws, run)


def _summary(rows: list[dict]) -> str:
    """``books: column isbn left behind, ...``: the first three differences, in the kit's language."""
    shown = [_(_STATE_OF_OBJECT[_state(r)], table=r["table"], object=r["object"]) for r in rows[:3]]
    more = " " + _("and {count} more", count=len(rows) - 3) if len(rows) > 3 else ""
    return ", ".join(shown) + more


_STATE_OF_OBJECT = {
    "left behind": N_("{table}: {object} left behind"),
    "missing": N_("{table}: {object} missing"),
    "changed": N_("{table}: {object} changed"),
}


def _state(row: dict) -> str:
    if row["after"] and not row["before"]:
        return "left behind"
    return "missing" if row["before"] and not row["after"] else "changed"


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


def _on_scratch(name: str, ws: Workspace, run: Callable[[Workspace], str]) -> CheckResult:
    """Run ``run`` against an empty scratch database; failures become a failed result."""
    try:
        with scratch_database(ws.url) as database:
            scratch = ws.with_database(database)
            try:
                return CheckResult(name, True, run(scratch))
            except (MigratorError, AssertionError) as exc:
                detail = str(exc).split("\n")[0]
                return CheckResult(name, False, detail, getattr(exc, "differences", ()))
            finally:
                scratch.engine.dispose()  # no session of ours stays on a database about to be dropped
                scratch.reader.dispose()
    except MigratorError as exc:  # no scratch database could be made
        return CheckResult(name, False, exc.what)


@contextmanager
def scratch_database(url: str) -> Iterator[str | Path]:
    """An empty database to check on, of the same kind as ``url``'s, gone afterwards.

    PostgreSQL: a new database on the same server (DDL, types and constraints behave as
    they will in production), made by ``postgres.fresh_database`` when ``url`` is on the
    kit's own server, else by ``CREATE DATABASE`` with ``url``'s own login; dropped at the
    end whatever happened.  Only a database this function created is ever dropped, never
    the one ``url`` names.  Everything else: a SQLite file in a temporary folder.
    """
    target = sa.make_url(url)
    if target.get_backend_name() != "postgresql":
        with tempfile.TemporaryDirectory(prefix="migrator-check-") as folder:
            yield Path(folder) / "scratch.db"
        return
    if _on_kit_server(target):
        scratch = postgres.fresh_database("migrator_check")
        try:
            yield scratch
        finally:
            postgres.drop_database(scratch)
        return
    name = f"migrator_check_{os.getpid()}_{secrets.token_hex(4)}"
    admin = sa.create_engine(target, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.DBAPIError as exc:
            first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
            raise MigratorError(
                _("The checks need an empty scratch database on the server of "
                  "{mask_url}, and CREATE DATABASE failed ({first}); nothing was checked.",
                  mask_url=mask_url(url), first=first),
                _("Give the login the CREATEDB privilege (ALTER ROLE ... CREATEDB), or "
                  "run the checks on the kit's own server: "
                  "ws.with_database(migrator.postgres.fresh_database()).run_checks()."),
            ) from None
        try:
            yield target.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _on_kit_server(url: sa.URL) -> bool:
    """Is ``url`` a database of the kit's own server (its unix socket under ``postgres.folder()``)?"""
    socket = url.query.get("host")
    if url.host or not isinstance(socket, str) or not postgres.available():
        return False
    return Path(socket).resolve().is_relative_to(postgres.folder())
