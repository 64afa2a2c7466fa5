"""Named environments of one project (``dev``, ``prod``, ...) and promoting revisions between them.

The same revisions run against several databases: the one you develop on, and the
one your users depend on.  An environment is just a name for a database URL:

- ``MIGRATOR_<NAME>_URL`` in the process environment (``MIGRATOR_PROD_URL``), the way
  real deployments hand out credentials; it wins over everything else;
- else the ``[environments]`` section of the project's ``alembic.ini``, written by
  ``ws.add_environment("prod", path)``, which refuses URLs with a password: secrets
  do not belong in files that get committed;
- else, for ``dev`` only, the workspace's own database (``sqlalchemy.url``).

A URL is only ever shown through :func:`migrator.database.mask_url` (the password
becomes ``***``), or, for a SQLite file inside the project, as its relative path.

``promote`` moves the revisions from one environment to the next the careful way,
one checked step at a time, and stops at the first step that fails; once the target
has been touched, a failure restores the backup and says so.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, Protocol

import pandas as pd
import sqlalchemy as sa

from . import backup as _backup
from .database import environment_url, mask_url
from .errors import MigratorError, PromotionError, UnknownEnvironmentError
from .i18n import N_, _, ngettext
from .lint import Findings
from .lint.findings import SEVERITY_WORDS
from .pgbackup import without_sequences
from .plan import Plan
from .results import label
from .schema import diff_sentence


class Promotable(Protocol):
    """What environments and promotion use: ``Project``'s methods and ``Workspace``'s verbs.

    Typed here, not imported: ``Workspace`` calls into this module, so nothing here imports it.
    """

    path: Path
    ini_path: Path
    database_path: Path

    url: str

    def option(self, name: str) -> str | None: ...
    def with_database(self, database) -> Promotable: ...
    def current(self) -> str | tuple[str, ...] | None: ...
    def heads(self) -> list[str]: ...
    def plan(self, verb: str, target: str, acknowledge=()) -> Plan: ...
    def environment(self, name: str) -> Promotable: ...
    def run_checks(self) -> pd.DataFrame: ...
    def sql(self, revisions: str = "base:head", *, dialect: str | None = None) -> str: ...
    def backup(self) -> _backup.Backup: ...
    def restore(self, backup, *, force: bool = False) -> _backup.Verification: ...
    def content(self) -> _backup.Fingerprint: ...
    def upgrade(self, target: str = "head", *, acknowledge=(), backup=False): ...
    def check(self) -> pd.DataFrame: ...

SECTION = "environments"
#: The engines promote() can back up, verify and restore.
BACKED_UP = ("sqlite", "postgresql")
STANDARD = ("dev", "prod")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


def env_var(name: str) -> str:
    """The process environment variable that sets ``name``'s URL: ``MIGRATOR_PROD_URL``."""
    return f"MIGRATOR_{name.upper()}_URL"


def resolve(ws: Promotable, name: str) -> tuple[str, str]:
    """(URL, where it came from) for environment ``name``."""
    name = _valid(name)
    if os.environ.get(env_var(name)):
        return environment_url(os.environ[env_var(name)], name=name), env_var(name)
    configured = _configured(ws)
    if name in configured:
        return environment_url(configured[name], name=name), f"alembic.ini [{SECTION}]"
    if name == "dev":
        return ws.option("sqlalchemy.url"), "alembic.ini sqlalchemy.url"
    raise UnknownEnvironmentError(
        _("No database is configured for the environment {name!r}.", name=name),
        _("Set one with ws.add_environment({name!r}, <path or URL>), or set the environment variable "
          "{env_var} (the way to pass a URL with a password).", name=name, env_var=env_var(name)),
    )


def add(ws: Promotable, name: str, database: str | Path) -> str:
    """Record ``name`` -> ``database`` in alembic.ini's [environments]; returns the shown URL."""
    name = _valid(name)
    url = environment_url(database, name=name)
    parsed = sa.make_url(url)
    if parsed.password:
        raise MigratorError(
            _("The URL for {name!r} ({url}) contains a password, and alembic.ini is a file "
              "that gets committed: it was not saved.", name=name, url=mask_url(url)),
            _("Put the URL in the environment variable {env_var} instead (e.g. in your shell or "
              "your deployment's secret settings).", env_var=env_var(name)),
        )
    stored = url
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database).resolve()
        if path.is_relative_to(ws.path.resolve()):
            stored = f"sqlite:///%(here)s/{path.relative_to(ws.path.resolve()).as_posix()}"
    _write_option(ws.ini_path, name, stored.replace("%", "%%").replace("%%(here)s", "%(here)s"))
    return display(ws, url)


def display(ws: Promotable, url: str) -> str:
    """A URL fit to print: a SQLite file in the project as its relative path, else masked."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database).resolve()
        if path.is_relative_to(ws.path.resolve()):
            return f"sqlite:///{path.relative_to(ws.path.resolve()).as_posix()}"
    return mask_url(url)


def frame(ws: Promotable) -> pd.DataFrame:
    """One row per environment: name, database (password masked), revision, where it is set."""
    names = list(STANDARD)
    names += [n for n in sorted(_configured(ws)) if n not in names]
    names += sorted(
        m.group(1).lower()
        for key in os.environ
        if (m := re.fullmatch(r"MIGRATOR_([A-Z][A-Z0-9_]*)_URL", key)) and m.group(1).lower() not in names
    )
    records = []
    for name in names:
        try:
            url, source = resolve(ws, name)
        except UnknownEnvironmentError:
            records.append({"environment": name, "database": "(not set)", "revision": "",
                            "set by": f"ws.add_environment({name!r}, ...) or {env_var(name)}"})
            continue
        except MigratorError as exc:  # a value that cannot be used: say why, list the others
            records.append({"environment": name, "database": "(not usable)", "revision": "", "set by": exc.what})
            continue
        records.append({"environment": name, "database": display(ws, url),
                        "revision": _revision(ws, url), "set by": source})
    return pd.DataFrame(records, columns=["environment", "database", "revision", "set by"])


def _revision(ws: Promotable, url: str) -> str:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and (not parsed.database or not Path(parsed.database).is_file()):
        return _("(no database yet)")
    try:
        return label(ws.with_database(url).current())
    except (MigratorError, sa.exc.SQLAlchemyError):
        return _("(not reachable)")


# -- promotion ------------------------------------------------------------------------

#: Marks beside the status words (the words carry the meaning: no emoji font needed).
ICON = {"done": "✓", "failed": "✗", "skipped": "–", "restored": "↩", "not needed": "–"}
#: How a status is said in the report (the statuses themselves are data: frame(), tests, scripts).
STATUS_WORDS = {"done": N_("done"), "failed": N_("failed"), "skipped": N_("skipped"), "restored": N_("restored"),
                "not needed": N_("not needed")}


@dataclass
class Step:
    step: str
    status: str  # done, failed, skipped, restored, not needed
    detail: str


@dataclass
class Promotion:
    """What ``promote`` did, step by step; renders as a Markdown table."""

    source: str
    target: str
    steps: list[Step] = field(default_factory=list)
    sql: str = ""
    review_range: str = ""
    findings: Findings = field(default_factory=Findings)
    backup: _backup.Backup | None = None

    @property
    def ok(self) -> bool:
        return not any(s.status == "failed" for s in self.steps)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(s) for s in self.steps], columns=["step", "status", "detail"])

    def __repr__(self) -> str:
        lines = [f"promote {self.source} -> {self.target}: {'ok' if self.ok else 'failed'}"]
        lines += [f"  {s.status:8} {s.step}: {s.detail}" for s in self.steps]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        verdict = _("✓ done") if self.ok else _("✗ stopped")
        lines = [_("**Promote `{source}` → `{target}`**: {verdict}", source=self.source, target=self.target,
                   verdict=verdict), "",
                 _("| step | status | detail |"), "|---|---|---|"]
        lines += [f"| {s.step} | {ICON[s.status]} {_(STATUS_WORDS[s.status])} | {s.detail.replace('|', '/')} |"
                  for s in self.steps]
        if self.sql:
            lines += ["", "<details><summary>" + _("The SQL for review ({range})", range=self.review_range)
                      + "</summary>", "",
                      "```sql", self.sql.strip(), "```", "", "</details>"]
        return "\n".join(lines)


def promote(
    ws: Promotable,
    target: str = "prod",
    *,
    source: str = "dev",
    acknowledge=(),
    dry_run: bool = False,
) -> Promotion:
    """Bring ``target`` to the revision ``source`` is at, safely (see Workspace.promote)."""
    source_ws, target_ws = ws.environment(source), ws.environment(target)
    report = Promotion(source, target)
    target_url = resolve(ws, target)[0]
    if sa.make_url(target_url).get_backend_name() not in BACKED_UP:
        _stop(report, _("the kit can back up the target"),
              _("{target} is {url}", target=target, url=mask_url(target_url)),
              _("The kit backs up SQLite and PostgreSQL databases only, and {target} is {url}.",
                target=target, url=mask_url(target_url)),
              _("Back it up with that database's own tool, then run "
                "ws.environment({target!r}).upgrade() yourself.", target=target))

    # 1. The source is where the revisions were tried: it must be at the head.
    heads, current = source_ws.heads(), source_ws.current()
    if len(heads) != 1:
        listed = ", ".join(heads) or _("none")
        _stop(report, _("{source} is at the head", source=source), _("heads: {heads}", heads=listed),
              _("The history has {count} heads ({heads}), so 'head' means nothing yet.", count=len(heads), heads=listed),
              _("Merge the heads (ws.merge()), upgrade and test on dev, then promote."))
    head = heads[0]
    if current != head:
        _stop(report, _("{source} is at the head", source=source),
              _("{source} is at {current}, the head is {head}", source=source, current=label(current), head=head),
              _("{source} is at {current}, but the newest revision is {head}: it was never tried there.",
                source=source, current=label(current), head=head),
              _("Upgrade {source} first (ws.upgrade()), check the result, then promote.", source=source))
    report.steps.append(Step(_("{source} is at the head", source=source), "done",
                             _("{source} is at {head}, the newest revision", source=source, head=head)))

    # 2. The four standard checks, on scratch databases.
    checks = source_ws.run_checks()
    failed = checks[~checks["passed"]]
    if len(failed):
        problems = "; ".join(f"{r.check}: {r.detail}" for r in failed.itertuples())
        _stop(report, _("the standard checks pass"), problems,
              _("{failed} of the {total} standard checks failed: {problems}.", failed=len(failed), total=len(checks),
                problems=problems),
              _("Run ws.run_checks() and fix what it reports, then promote again."))
    report.steps.append(Step(_("the standard checks pass"), "done",
                             _("{passed} of {total} passed", passed=len(checks), total=len(checks))))

    # 3. What will run on the target: the SQL to read, and the linter against its data.
    exists = _exists(report, target_ws)
    before = target_ws.current() if exists else None
    if before == head:
        report.steps.append(Step(_("review"), "skipped",
                                 _("{target} is already at {head}: nothing to promote", target=target, head=head)))
        return report
    if isinstance(before, tuple):
        _stop(report, _("review"), _("{target} is at several heads: {heads}", target=target, heads=label(before)),
              _("{target} is at several heads ({heads}).", target=target, heads=label(before)),
              _("Look at ws.environment({target!r}).history() and merge or stamp it by hand first.", target=target))
    report.review_range = f"{label(before)} → {head}"
    try:
        report.sql = target_ws.sql(f"{before or 'base'}:{head}")
        statements = report.sql.count(";")
        sql_note = _("{statements} SQL statements for {before} → {head} (promotion.sql)", statements=statements,
                     before=label(before), head=head)
    except MigratorError as exc:
        sql_note = _("no offline SQL ({reason})", reason=exc.what)
    plan = target_ws.plan("upgrade", "head", acknowledge) if exists else None
    if plan is not None and plan.unchecked:
        revision, exc = plan.unchecked[0]
        _stop(report, _("review"), _("linter: {revision} could not be checked", revision=revision),
              _("The linter could not read revision {revision} ({reason}). Nothing was changed on {target}.",
                revision=revision, reason=exc, target=target),
              _("Fix what stops it from loading (ws.lint({revision!r}) shows it), then promote again.",
                revision=revision))
    report.findings = plan.findings if plan is not None else Findings()
    blocking = list(plan.blocking) if plan is not None else []
    if blocking:
        listed = "; ".join(f"{f.key} {f.where} ({_(SEVERITY_WORDS[f.severity])})" for f in blocking)
        _stop(report, _("review"), _("linter: {listed}", listed=listed),
              ngettext("The linter, run against {target}'s data, found {count} problem: {listed}. "
                       "Nothing was changed on {target}.",
                       "The linter, run against {target}'s data, found {count} problems: {listed}. "
                       "Nothing was changed on {target}.", len(blocking), target=target, count=len(blocking),
                       listed=listed),
              _("Read the findings: ws.environment({target!r}).lint({revision!r}). Fix the revision "
                "(or the data); or, to delete the data on purpose, promote with acknowledge={keys!r}.",
                target=target, revision=blocking[0].revision, keys=[f.key for f in blocking if f.destructive]))
    if report.findings:
        lint_note = _("linter: {count} finding(s), none blocking", count=len(report.findings))
    else:
        lint_note = _("linter: no findings")
    report.steps.append(Step(_("review"), "done", f"{sql_note}; {lint_note}"))
    if dry_run:
        report.steps.append(Step(_("back up, upgrade and verify {target}", target=target), "skipped",
                                 _("dry run: nothing was changed")))
        return report

    # 4. Back up the target; a backup that fails or does not verify stops everything.
    if exists:
        try:
            report.backup = target_ws.backup()
        except MigratorError as exc:
            _stop(report, _("back up {target}", target=target), exc.what,
                  _("{what} Nothing was changed on {target}.", what=exc.what, target=target), exc.fix)
        tables = without_sequences(report.backup.fingerprint).tables
        report.steps.append(Step(_("back up {target}", target=target), "done",
                                 _("{file}, verified ({rows:,} rows in {tables} tables)", file=report.backup.file,
                                   rows=report.backup.fingerprint.rows, tables=len(tables))))
    else:
        report.steps.append(Step(_("back up {target}", target=target), "skipped",
                                 _("{target} has no database yet: nothing to back up", target=target)))

    # 5. Upgrade; 6. verify. Any failure from here on restores the backup.
    try:
        move = target_ws.upgrade("head", acknowledge=acknowledge)
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, prod goes back to the backup
        _restore_and_stop(report, target_ws, exists, _("upgrade {target}", target=target), exc)
    report.steps.append(Step(_("upgrade {target}", target=target), "done",
                             _("ran {revisions}", revisions=", ".join(step[0] for step in move.steps))))
    try:
        problems, summary = _verify_after(target_ws, report.backup, head)
    except Exception as exc:  # noqa: BLE001 - a verification that cannot run is a failed one
        _restore_and_stop(report, target_ws, exists, _("verify {target}", target=target), exc)
    if problems:
        _restore_and_stop(report, target_ws, exists, _("verify {target}", target=target),
                          MigratorError("; ".join(problems) + ".", _("Find out why the revision changed the data "
                                        "this way (reproduce it on a copy of the backup), fix it, promote again.")))
    report.steps.append(Step(_("verify {target}", target=target), "done", summary))
    return report


def _verify_after(target_ws: Promotable, backup: _backup.Backup | None, head: str) -> tuple[list[str], str]:
    """After the upgrade: integrity, the head, models = schema, no table lost rows."""
    after = target_ws.content()
    problems = []
    if after.integrity != "ok" and not after.integrity.startswith(_backup.NOT_CHECKED):
        problems.append(_("integrity check: {result}", result=after.integrity))
    if target_ws.current() != head:
        problems.append(_("the database is at {current}, not {head}", current=label(target_ws.current()), head=head))
    diffs = target_ws.check()
    if len(diffs):
        problems.append(_("the models differ from the schema: ") + diff_sentence(diffs))
    kept = []
    for old in without_sequences(backup.fingerprint).tables if backup else ():
        new = after.table(old.table)
        if old.table == "alembic_version" or new is None:
            continue
        if new.rows < old.rows:
            problems.append(_("{table} had {before} rows before, {after} after", table=old.table, before=old.rows,
                              after=new.rows))
        kept.append(f"{old.table} {new.rows:,}")
    rows = _("no table lost rows ({tables})", tables=", ".join(kept)) if kept else _("no rows to compare")
    integrity = _("integrity ok; ") if after.integrity == "ok" else ""
    return problems, integrity + _("at {head}; models match the schema; {rows}", head=head, rows=rows)


def _restore_and_stop(report: Promotion, target_ws: Promotable, existed: bool, step: str, exc: Exception) -> NoReturn:
    what = exc.what if isinstance(exc, MigratorError) else f"{type(exc).__name__}: {exc}"
    fix = exc.fix if isinstance(exc, MigratorError) else _("Read the error, fix the revision, promote again.")
    report.steps.append(Step(step, "failed", what))
    target = report.target
    restore = _("restore {target}", target=target)
    if report.backup is not None and _unchanged(target_ws, report.backup):
        report.steps.append(Step(restore, "not needed",
                                 _("the failed upgrade was rolled back: {target} has the backup's schema, rows "
                                   "and content (compared by hash), so nothing was restored", target=target)))
        after = _("No restore was needed: {target} still matches its backup (compared by content hash), "
                  "which is kept ({file}).", target=target, file=report.backup.file)
    elif report.backup is not None:
        try:
            target_ws.restore(report.backup)
        except MigratorError as restore_error:
            report.steps.append(Step(restore, "failed", restore_error.what))
            _raise(report, _("Promoting {source} to {target} failed at '{step}': {what} Restoring "
                             "the backup failed too: {restore_error}", source=report.source, target=target,
                             step=step, what=what, restore_error=restore_error.what),
                   _("Restore {file} by hand (ws.environment({target!r}).restore(...)) "
                     "before anything else.", file=report.backup.file, target=target))
        report.steps.append(Step(restore, "restored",
                                 _("{file} written back and verified: {target} is at "
                                   "{revision} again, content unchanged", file=report.backup.file, target=target,
                                   revision=report.backup.revision)))
        after = _("{target} was restored automatically from {file} and verified: it is "
                  "at {revision} again, with the same content as before.", target=target, file=report.backup.file,
                  revision=report.backup.revision)
    else:
        if not existed:
            target_ws.database_path.unlink(missing_ok=True)
        report.steps.append(Step(restore, "restored",
                                 _("{target} had no database before: removed again", target=target)))
        after = _("{target} had no database before, and has none now.", target=target)
    _raise(report, _("Promoting {source} to {target} failed at '{step}': {what} {after}", source=report.source,
                     target=target, step=step, what=what, after=after),
           _("{fix} Try the fix on {source} first, then promote again.", fix=fix, source=report.source))


def _unchanged(target_ws: Promotable, backup: _backup.Backup) -> bool:
    """Is the target exactly as backed up (sequences aside: PostgreSQL never rolls them back)?"""
    try:
        now = target_ws.content()
    except MigratorError:
        return False
    return not _backup.compare_fingerprints(without_sequences(now), without_sequences(backup.fingerprint))


def _exists(report: Promotion, target_ws: Promotable) -> bool:
    """Is there a database to protect? A SQLite file; a PostgreSQL database we can reach (always backed up)."""
    if sa.make_url(target_ws.url).get_backend_name() == "sqlite":
        return target_ws.database_path.is_file()
    try:
        target_ws.current()
    except sa.exc.OperationalError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        shown = mask_url(target_ws.url)
        _stop(report, _("reach {target}", target=report.target), _("cannot connect to {url}", url=shown),
              _("Cannot connect to {target} ({url}): {reason}. Nothing was changed.", target=report.target, url=shown,
                reason=reason),
              _("Check {target}'s URL (ws.environments()) and that its server is up, then promote again.",
                target=report.target))
    return True


def _stop(report: Promotion, step: str, detail: str, what: str, fix: str) -> NoReturn:
    report.steps.append(Step(step, "failed", detail))
    _raise(report, _("Promoting {source} to {target} stopped at '{step}': {what}", source=report.source,
                     target=report.target, step=step, what=what), fix)


def _raise(report: Promotion, what: str, fix: str) -> NoReturn:
    raise PromotionError(what, fix, promotion=report)


# -- alembic.ini's [environments] -----------------------------------------------------


def _configured(ws: Promotable) -> dict[str, str]:
    from alembic.config import Config

    parser = Config(ws.ini_path).file_config
    if not parser.has_section(SECTION):
        return {}
    defaults = parser.defaults()  # Alembic's %(here)s shows up in every section: skip it
    return {key: parser.get(SECTION, key) for key in parser.options(SECTION) if key not in defaults}


def _write_option(ini: Path, name: str, value: str) -> None:
    """Set ``name = value`` in [environments], keeping every other line as it is."""
    lines = ini.read_text().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == f"[{SECTION}]"), None)
    if start is None:
        lines += ["", f"[{SECTION}]", "# name = database URL (no passwords here: use MIGRATOR_<NAME>_URL)", f"{name} = {value}"]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        index = next((i for i in range(start + 1, end) if lines[i].split("=", 1)[0].strip() == name), None)
        if index is None:
            while end > start + 1 and not lines[end - 1].strip():
                end -= 1
            lines.insert(end, f"{name} = {value}")
        else:
            lines[index] = f"{name} = {value}"
    ini.write_text("\n".join(lines) + "\n")


def _valid(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise UnknownEnvironmentError(
            _("{name!r} is not a usable environment name.", name=name),
            _("Use a short lowercase name such as 'dev', 'staging' or 'prod'."),
        )
    return name
