"""Mermaid diagrams: the schema as an ER diagram, the revisions as a graph.

Both come back as a ``Diagram`` whose Markdown output is a ```` ```mermaid ````
fence: JupyterLab (>= 4.1) draws it, and the stored notebook output stays plain,
deterministic text that strict nbval can compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from .inspect import VERSION_TABLE


@dataclass(frozen=True)
class Diagram:
    """Mermaid source that renders as a picture in JupyterLab."""

    source: str

    def __str__(self) -> str:
        return self.source

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"```mermaid\n{self.source}\n```"


def er_diagram(engine: Engine) -> Diagram:
    """Tables with their columns and types, primary and foreign keys, and the links."""
    inspector = sa.inspect(engine)
    names = sorted(n for n in inspector.get_table_names() if n != VERSION_TABLE)
    lines = ["erDiagram"]
    if not names:
        lines.append('    EMPTY["no tables yet"] {}')
    links = []
    for name in names:
        pk = set(inspector.get_pk_constraint(name).get("constrained_columns") or [])
        fks = inspector.get_foreign_keys(name)
        fk_columns = {column for fk in fks for column in fk["constrained_columns"]}
        lines.append(f"    {_id(name)} {{")
        for column in inspector.get_columns(name):
            keys = [k for k, on in (("PK", column["name"] in pk), ("FK", column["name"] in fk_columns)) if on]
            type_ = _id(str(column["type"]).split("(")[0].lower())
            lines.append(f"        {type_} {_id(column['name'])}{' ' + ','.join(keys) if keys else ''}")
        lines.append("    }")
        for fk in sorted(fks, key=lambda fk: fk["constrained_columns"]):
            links.append(
                f'    {_id(fk["referred_table"])} ||--o{{ {_id(name)} : "{", ".join(fk["constrained_columns"])}"'
            )
    return Diagram("\n".join(lines + links))


def revision_graph(scripts: ScriptDirectory, current: set[str] | None = None) -> Diagram:
    """Revisions oldest at the top, branches and merges visible, the current one marked."""
    current = current or set()
    walked = list(scripts.walk_revisions())
    walked.reverse()
    lines = ["flowchart TD", "    base((base))"]
    for script in walked:
        label = f"{script.revision}: {script.doc}".replace('"', "'")
        if script.revision in current:
            label += " ◀ current"
        lines.append(f'    r{script.revision}["{label}"]')
    for script in walked:
        parents = script.down_revision
        parents = parents if isinstance(parents, (tuple, list)) else [parents]
        for parent in parents:
            lines.append(f"    {'base' if parent is None else 'r' + parent} --> r{script.revision}")
    if current:
        lines.append("    classDef current fill:#ffd54f,stroke:#f57f17,stroke-width:2px")
        lines.append("    class " + ",".join(f"r{rev}" for rev in sorted(current)) + " current")
    elif walked:
        lines.append("    classDef current fill:#ffd54f,stroke:#f57f17,stroke-width:2px")
        lines.append("    class base current")
    return Diagram("\n".join(lines))


def _id(text: str) -> str:
    """Mermaid identifiers: letters, digits and underscores only."""
    return re.sub(r"\W", "_", text)
