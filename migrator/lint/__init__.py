"""The linter: changes in a revision that lose data, or will fail on the data you have.

Autogenerate writes what the models say, not what the data needs: a renamed column
comes out as a drop and an add (the values are deleted), a new ``NOT NULL`` column
has no value for the rows already there.  The linter reads a revision's operations
and, where the answer depends on the data, asks the database the revision will run
on (read-only), then explains each finding and how to fix it.

Both ways in feed the same rules:

- right after autogenerate, on the ``UpgradeOps`` it produced (``Revision.findings``);
- on any revision file, by running its ``upgrade()`` (or ``downgrade()``) against
  an Alembic ``Operations`` object that *records* each operation instead of running
  it (``recorder.py``).

The package: ``findings`` (what is reported), ``recorder`` (reading a revision),
``facts`` (questions to the data), ``rules`` (one function per concern, in a registry
by operation type), ``rules_postgresql`` (PostgreSQL's own: locks, rewrites, scans),
``sql`` (what an ``op.execute`` statement does), ``types`` (what a type change can
lose, and what PostgreSQL rewrites); this module runs them.  A rule about one database
says so (``dialects=``) and runs only when the revision is judged against that kind of
database: SQLite's batch copies there, PostgreSQL's locks there.

Severities:

- ``destructive``: data that exists would be lost (a dropped table or column, a
  probable rename, a narrowing type).  ``Workspace.upgrade`` refuses these until
  acknowledged (``acknowledge=["0005:drop-column"]``, or a line
  ``# migrator: acknowledge drop-column`` in the revision file);
- ``will fail``: the data makes the upgrade fail (a NOT NULL column without a value
  for existing rows, a unique constraint on duplicates).  The upgrade would be
  rolled back anyway; the finding says why before you try;
- ``warning``: worth a look, nothing is lost here (a dropped index or constraint;
  a drop on a table that is empty *here* but may not be in production; on PostgreSQL,
  a lock held for a rewrite, a scan or an index build on a table that has rows here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from . import rules, rules_postgresql  # noqa: F401 - rules_postgresql registers its rules
from .facts import Facts
from .findings import DESTRUCTIVE, ICONS, SEVERITIES, WARNING, WILL_FAIL, Finding, Findings
from .recorder import batches, flatten, record_operations, source_of
from .types import narrowing

#: Every code the linter can report, with the severity it has when data is at stake (from the rules).
CODES = rules.codes()

#: ``# migrator: acknowledge drop-column`` or ``# migrator: acknowledge drop-column books.isbn``
MARKER = re.compile(r"#\s*migrator:\s*acknowledge\s+([a-z-]+)(?:[ \t]+([\w.]+))?", re.IGNORECASE)

__all__ = [
    "CODES", "DESTRUCTIVE", "ICONS", "SEVERITIES", "WARNING", "WILL_FAIL", "Finding", "Findings",
    "acknowledge", "lint_ops", "lint_script", "lint_scripts", "markers", "narrowing", "record_operations",
]


def lint_ops(ops, url: str | None = None, *, revision: str | None = None) -> Findings:
    """Findings for a list of operations (autogenerate's UpgradeOps, or recorded ones).

    ``url`` is the database the operations would run on; it is only read.  Without
    it (or before the database exists) the rules that depend on data stay silent and
    drops are warnings.
    """
    with Facts.open(url) as facts:
        return _lint(ops, facts, revision)


def _lint(ops, facts: Facts, revision: str | None) -> Findings:
    flat = list(flatten(ops))
    found: list[Finding] = []
    context = rules.Context(facts, flat)
    for op in flat + list(batches(ops)) + [rules.Revision(tuple(flat))]:
        for declared in rules.rules_for(op, facts.dialect):
            found += declared.check(op, context)
    found.sort(key=lambda f: SEVERITIES.index(f.severity))  # the most serious first, else in revision order
    return Findings(replace(f, revision=revision) for f in found)


def lint_script(script, url: str | None = None, *, direction: str = "upgrade") -> Findings:
    """Findings for one direction of a revision file (an Alembic ``Script``).

    ``direction="downgrade"`` reads ``downgrade()``, judged against the database as it
    is now, the state a downgrade starts from.  Marker comments apply to upgrades.
    """
    with Facts.open(url) as facts:
        return _lint_script(script, facts, direction)


def lint_scripts(scripts, url: str | None = None, *, direction: str = "upgrade") -> list[Findings | Exception]:
    """``lint_script`` for each of ``scripts`` over one connection (a plan of 100 steps opened 100
    engines, each a new server process on PostgreSQL); a script that cannot be read gives its exception."""
    results: list[Findings | Exception] = []
    with Facts.open(url) as facts:
        for script in scripts:
            try:
                results.append(_lint_script(script, facts, direction))
            except Exception as exc:  # noqa: BLE001 - the caller decides what an unreadable step means
                if facts.connection is not None:
                    facts.connection.rollback()
                results.append(exc)
    return results


def _lint_script(script, facts: Facts, direction: str) -> Findings:
    if facts.connection is not None:
        try:  # op.get_bind() reads the real data; anything the function writes is rolled back
            recorded, problem = record_operations(script.module, function=direction, connection=facts.connection)
        finally:
            facts.connection.rollback()
    else:
        recorded, problem = record_operations(script.module, facts.dialect or "sqlite", function=direction)
    findings = _lint(recorded, facts, script.revision)
    if direction == "upgrade":
        findings = acknowledge(findings, markers(source_of(script)))
    return Findings(findings, incomplete=problem, scope=script.revision)


def markers(source: str) -> list[tuple[str, str | None]]:
    """The ``# migrator: acknowledge CODE [TABLE[.COLUMN]]`` lines of a revision file."""
    return [(code.lower(), target) for code, target in MARKER.findall(source)]


def acknowledge(findings: Iterable[Finding], accepted: Iterable) -> list[Finding]:
    """Mark findings as acknowledged.

    ``accepted`` holds ``(code, target)`` pairs from markers, or strings given to
    ``upgrade(acknowledge=...)``: ``'0005:drop-column'``, or ``'drop-column'`` for
    every revision.
    """
    pairs = [_parse(a) for a in accepted]
    out = []
    for f in findings:
        hit = any(
            code == f.code
            and (rev is None or rev == f.revision)
            and (target is None or target in (f.table, f.where))
            for rev, code, target in pairs
        )
        out.append(replace(f, acknowledged=True) if hit else f)
    return out


def _parse(item) -> tuple[str | None, str, str | None]:
    if isinstance(item, tuple):  # from a marker: (code, target)
        return None, item[0], item[1] or None
    parts = str(item).strip().split(":")
    if len(parts) == 1:
        return None, parts[0].lower(), None
    return parts[0], parts[1].lower(), (parts[2] if len(parts) > 2 else None)
