"""What the linter reports: a ``Finding`` per problem, ``Findings`` for a revision or a move."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..i18n import N_, _, ngettext

DESTRUCTIVE, WILL_FAIL, WARNING = "destructive", "will fail", "warning"
#: How a severity is said (the values above are data: keys, DataFrame values, the CLI's output).
SEVERITY_WORDS = {DESTRUCTIVE: N_("destructive"), WILL_FAIL: N_("will fail"), WARNING: N_("warning")}
SEVERITIES = (DESTRUCTIVE, WILL_FAIL, WARNING)
ICONS = {DESTRUCTIVE: "⛔", WILL_FAIL: "💥", WARNING: "⚠️"}


def at_stake(count: int) -> str:
    """Destructive when there is data to lose here, else a warning (production may have some)."""
    return DESTRUCTIVE if count else WARNING


@dataclass(frozen=True)
class Finding:
    """One thing in a revision a learner should know before running it."""

    code: str
    severity: str
    table: str
    column: str | None
    explanation: str
    fix: str
    revision: str | None = None
    acknowledged: bool = False

    @property
    def key(self) -> str:
        """What ``upgrade(acknowledge=[...])`` takes: ``'0005:drop-column'``."""
        return f"{self.revision}:{self.code}" if self.revision else self.code

    @property
    def where(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table

    @property
    def destructive(self) -> bool:
        return self.severity == DESTRUCTIVE

    def __str__(self) -> str:
        return f"{self.code} {self.where} ({self.severity})"

    def _repr_markdown_(self) -> str:
        return Findings([self])._repr_markdown_()


class Findings(tuple):
    """The findings of one or more revisions: a tuple that renders as Markdown or a DataFrame."""

    incomplete: str | None = None  # why the linter could read only part of upgrade()
    scope: str | None = None  # the revision linted, for the heading when nothing was found

    def __new__(cls, findings: Iterable[Finding] = (), incomplete: str | None = None, scope: str | None = None):
        self = super().__new__(cls, findings)
        self.incomplete, self.scope = incomplete, scope
        return self

    @property
    def destructive(self) -> Findings:
        """The findings that lose data and are not acknowledged: what upgrade refuses."""
        return Findings(f for f in self if f.destructive and not f.acknowledged)

    def frame(self) -> pd.DataFrame:
        columns = ["revision", "code", "severity", "table", "column", "explanation", "fix", "acknowledged"]
        return pd.DataFrame([{c: getattr(f, c) for c in columns} for f in self], columns=columns)

    def __repr__(self) -> str:
        if not self:
            return "Linter: no findings"
        return "Linter findings:\n" + "\n".join(f"- {f.key}: {f.where} ({f.severity})" for f in self)

    def _repr_markdown_(self) -> str:
        revisions = sorted({f.revision for f in self if f.revision} | ({self.scope} if self.scope else set()))
        listed = ", ".join(f"`{r}`" for r in revisions)
        if not revisions:
            heading = _("**Linter:**")
        else:
            heading = ngettext("**Linter for revision {revisions}:**", "**Linter for revisions {revisions}:**",
                               len(revisions), revisions=listed)
        if not self:
            lines = [_("{heading} no findings.", heading=heading)]
        else:
            counts = ", ".join(
                f"{sum(f.severity == s for f in self)} {_(SEVERITY_WORDS[s])}" for s in SEVERITIES
                if any(f.severity == s for f in self)
            )
            lines = [ngettext("{heading} {count} finding ({counts})", "{heading} {count} findings ({counts})",
                              len(self), heading=heading, count=len(self), counts=counts), ""]
            for f in self:
                done = _(" — *acknowledged*") if f.acknowledged else ""
                lines.append(f"- {ICONS[f.severity]} **{f.code}** `{f.where}` ({_(SEVERITY_WORDS[f.severity])}){done}: "
                             f"{f.explanation}  ")
                lines.append(_("  **Fix:** {fix}", fix=f.fix))
        if self.incomplete:
            lines += ["", _("*The linter could read only part of `upgrade()`: {reason}*", reason=self.incomplete)]
        return "\n".join(lines)
