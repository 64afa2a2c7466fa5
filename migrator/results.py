"""What the verbs return: small records that read well in a notebook.

``Revision`` is a revision file (id, parent, message, source, the body of its
``upgrade()``); ``Move`` is what an upgrade/downgrade/stamp did.  Both render as
Markdown in Jupyter, with relative paths only, so stored outputs stay the same
from machine to machine.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import N_, _


@dataclass(frozen=True)
class Revision:
    """One revision file, as a learner reads it."""

    id: str
    down_revision: str | tuple[str, ...] | None
    message: str
    file: str  # path relative to the workspace, with forward slashes
    source: str
    ops: object = field(default=None, repr=False, compare=False)  # autogenerate's UpgradeOps
    findings: tuple = field(default=(), repr=False, compare=False)  # the linter's (migrator.lint)

    @classmethod
    def from_file(cls, path: Path, root: Path, ops=None, findings=()) -> Revision:
        source = path.read_text()
        module = ast.parse(source)
        values = {
            target.id: ast.literal_eval(node.value)
            for node in module.body
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision")
        }
        message = (ast.get_docstring(module) or "").splitlines()[0]
        down = values.get("down_revision")
        return cls(
            id=values["revision"],
            down_revision=tuple(down) if isinstance(down, list) else down,
            message=message,
            file=path.resolve().relative_to(root.resolve()).as_posix(),
            source=source,
            ops=ops,
            findings=findings,
        )

    def __repr__(self) -> str:
        return f"Revision({self.id!r}, {self.message!r}, file={self.file!r})"

    @property
    def upgrade_code(self) -> str:
        """The body of ``upgrade()``: the operations this revision performs."""
        return _function_body(self.source, "upgrade")

    @property
    def downgrade_code(self) -> str:
        """The body of ``downgrade()``: how the revision is undone."""
        return _function_body(self.source, "downgrade")

    def _repr_markdown_(self) -> str:
        text = f"**{self.file}** (revision `{self.id}`)\n\n```python\n{self.source.rstrip()}\n```"
        if self.findings:  # what the linter saw: shown where the learner reads the revision
            text += "\n\n" + self.findings._repr_markdown_()
        return text


#: A move's atomicity when the kit owned the one transaction (others: see Project.upgrade).
ALL_OR_NOTHING = N_("all or nothing (one transaction, the kit's)")


@dataclass(frozen=True)
class Move:
    """What one upgrade, downgrade or stamp changed."""

    verb: str
    before: str | tuple[str, ...] | None
    after: str | tuple[str, ...] | None
    steps: tuple[tuple[str, str], ...]  # (revision id, message), in the order applied
    backup: object = field(default=None, compare=False)  # the Backup made first, if asked for
    atomicity: str = field(default=ALL_OR_NOTHING, compare=False)  # English (data); shown through _()

    def __str__(self) -> str:
        start, end = label(self.before), label(self.after)
        if self.verb == "stamp":
            return _("stamped {start} -> {end} (no revision ran)", start=start, end=end)
        if not self.steps:
            return _("{verb}: nothing to do, the database is at {end}", verb=self.verb, end=end)
        done = ", ".join(f"{rev} ({message})" for rev, message in self.steps)
        return _("{verb} {start} -> {end}: ran {done}", verb=self.verb, start=start, end=end, done=done)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        if self.verb == "stamp" or not self.steps:
            return str(self)
        lines = [f"**{self.verb}** `{label(self.before)}` → `{label(self.after)}`", ""]
        lines += [f"- `{rev}` {message}" for rev, message in self.steps]
        if self.backup is not None:
            lines += ["", _("(backed up first: `{file}`, verified)", file=self.backup.file)]
        if not self.atomicity.startswith("all or nothing"):
            lines += ["", _("(atomicity: {atomicity})", atomicity=_(self.atomicity))]
        return "\n".join(lines)


def as_current(heads) -> str | tuple[str, ...] | None:
    """Alembic's tuple of current heads as ``current()`` returns it: None, one id, or a sorted tuple."""
    return heads[0] if len(heads) == 1 else (tuple(sorted(heads)) or None)


def label(current) -> str:
    """Where a database is, in a few characters: 'base', '0003' or '0005+0006'."""
    if not current:
        return "base"
    return current if isinstance(current, str) else "+".join(sorted(current))


def _function_body(source: str, name: str) -> str:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = source.splitlines()[node.body[0].lineno - 1 : node.end_lineno]
            body = [line[4:] if line.startswith("    ") else line for line in lines]
            if body and body[0].lstrip().startswith('"""'):
                body = body[1:]
            return "\n".join(body).strip("\n")
    return ""
