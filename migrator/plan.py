"""``Plan``: what one move would run, in order, and what the linter says about each step.

``Project.plan("upgrade", "head")`` resolves the target the way ``alembic upgrade``
does and lints every step in the direction it will run, against the data of the
database it will run on.  The one object serves every place that must decide before
a move: the upgrade gate (``Plan.refuse``), the explorer's confirmation
(``Plan.dangers``) and promotion's review (``Plan.blocking``).

Planning fails closed: a step the linter cannot read becomes a danger the explorer
asks about and a refusal for the upgrade gate, never a silent "nothing to report".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import lint
from .errors import DestructiveChangeError, MigratorError
from .i18n import N_, _
from .lint import Findings

#: How the explorer words each destructive code, per step.
PHRASES = {
    "drop-table": N_("drops table {where}"),
    "drop-column": N_("drops column {where}"),
    "probable-rename": N_("drops {where} (probably a rename: the values would be deleted, not moved)"),
    "type-narrowing": N_("narrows the type of {where} (values here do not fit)"),
}


@dataclass(frozen=True)
class Danger:
    """One step of a move that deletes data: which revision, which direction, what it deletes."""

    revision: str
    direction: str
    text: str  # "drops column books.slug"
    key: str | None = None  # the linter's acknowledge key ('0005:drop-column'), for upgrades

    def __str__(self) -> str:
        return f"{self.revision} {self.direction}: {self.text}"


@dataclass(frozen=True)
class Plan:
    """The steps of one move (Alembic ``Script`` objects, in the order they run) and their findings."""

    verb: str  # "upgrade" or "downgrade"
    target: str
    steps: tuple  # alembic.script.Script, in order
    findings: Findings  # every step's findings in its direction; upgrades: acknowledgements applied
    unchecked: tuple[tuple[str, Exception], ...] = ()  # (revision, why) for steps the linter could not read

    @classmethod
    def build(cls, verb: str, target: str, steps: Iterable, url: str | None, acknowledge=()) -> Plan:
        """Lint each step against the database at ``url``; ``acknowledge`` as ``Workspace.upgrade`` takes it."""
        steps = tuple(steps)
        found, unchecked = [], []
        for script, result in zip(steps, lint.lint_scripts(steps, url, direction=verb)):
            if isinstance(result, Exception):  # a step nobody could check is a danger, not a pass
                unchecked.append((script.revision, result))
            else:
                found += result
        if verb == "upgrade":
            accepted = [acknowledge] if isinstance(acknowledge, str) else list(acknowledge)
            found = lint.acknowledge(found, accepted)
        return cls(verb, target, steps, Findings(found), tuple(unchecked))

    @property
    def revisions(self) -> list[str]:
        return [script.revision for script in self.steps]

    @property
    def destructive(self) -> Findings:
        """Findings that lose data and are not acknowledged."""
        return self.findings.destructive

    @property
    def blocking(self) -> Findings:
        """What promotion stops on: unacknowledged data loss, and what the data makes fail."""
        return Findings(f for f in self.findings if (f.destructive and not f.acknowledged) or f.severity == lint.WILL_FAIL)

    @property
    def dangers(self) -> list[Danger]:
        """The steps that need a person's yes before they run (the explorer asks about these)."""
        found = [
            Danger(
                f.revision,
                self.verb,
                _(PHRASES[f.code], where=f.where) if f.code in PHRASES else f"{f.code} {f.where}",
                f.key if self.verb == "upgrade" else None,
            )
            for f in self.destructive
        ]
        found += [Danger(rev, self.verb, _("could not be checked for data loss ({reason})", reason=exc)) for rev, exc in self.unchecked]
        return found

    def refuse(self) -> None:
        """The upgrade gate: raise unless every step was checked and none deletes data unacknowledged."""
        if self.unchecked:
            revision, exc = self.unchecked[0]
            raise MigratorError(
                _("The linter could not read revision {revision} ({name}: {exc}), so the "
                  "upgrade did not start (the database is unchanged).",
                  revision=revision, name=type(exc).__name__, exc=exc),
                _("Fix what stops revision {revision} from loading "
                  "(ws.lint({revision!r}) shows it), then upgrade again.", revision=revision),
            )
        refused = self.destructive
        if not refused:
            return
        revisions = sorted({f.revision for f in refused})
        where = ", ".join(dict.fromkeys(f.where for f in refused))
        keys = ", ".join(repr(k) for k in dict.fromkeys(f.key for f in refused))
        raise DestructiveChangeError(  # two short lines; error.findings has every detail and fix
            _("Revision {revisions} would delete the data in {where}, so nothing ran.",
              revisions=', '.join(revisions), where=where),
            _("See error.findings for the safe way; to delete it on purpose: "
              "ws.upgrade(acknowledge=[{keys}]).", keys=keys),
            findings=refused,
        )
