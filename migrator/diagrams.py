"""Mermaid diagrams: the schema as an ER diagram, the revisions as a graph.

Both come back as a ``Diagram`` whose Markdown output is a ```` ```mermaid ````
fence: JupyterLab (>= 4.1) draws it, and the stored notebook output stays plain,
deterministic text that strict nbval can compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.script import Script
from sqlalchemy.engine import Engine

from .database import expression_indexes_unreflected
from .i18n import _
from .schema import VERSION_TABLE


@dataclass(frozen=True)
class Diagram:
    """Mermaid source that renders as a picture in JupyterLab."""

    source: str

    def __str__(self) -> str:
        return self.source

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"```mermaid\n{self.source}\n```"


def er_diagram(engine: Engine, *, detailed: bool = False) -> Diagram:
    """Tables with their columns and types, primary and foreign keys, and the links.

    ``detailed=True`` (the explorer uses it) also shows what changes between the
    bookshop's revisions without adding a column: types keep their length
    (``varchar(100)`` vs ``varchar(200)``), columns in a unique constraint or index are
    marked ``UK``, and nullable columns carry the comment "nullable".
    """
    with expression_indexes_unreflected():
        return _er_diagram(sa.inspect(engine), detailed)


def _er_diagram(inspector, detailed: bool) -> Diagram:
    names = sorted(n for n in inspector.get_table_names() if n != VERSION_TABLE)
    lines = ["erDiagram"]
    if not names:
        lines.append('    EMPTY["' + _("no tables yet") + '"] {}')
    links = []
    for name in names:
        pk = set(inspector.get_pk_constraint(name).get("constrained_columns") or [])
        fks = inspector.get_foreign_keys(name)
        fk_columns = {column for fk in fks for column in fk["constrained_columns"]}
        unique = _unique_columns(inspector, name) if detailed else set()
        lines.append(f"    {_id(name)} {{")
        for column in inspector.get_columns(name):
            flags = (("PK", pk), ("FK", fk_columns), ("UK", unique))
            keys = [key for key, columns in flags if column["name"] in columns]
            type_ = _type(column["type"]) if detailed else _id(str(column["type"]).split("(")[0].lower())
            attribute = f"        {type_} {_id(column['name'])}"
            if keys:
                attribute += " " + ",".join(keys)
            if detailed and column["nullable"] and column["name"] not in pk:
                attribute += ' "nullable"'
            lines.append(attribute)
        lines.append("    }")
        for fk in sorted(fks, key=lambda fk: fk["constrained_columns"]):
            links.append(
                f'    {_id(fk["referred_table"])} ||--o{{ {_id(name)} : "{", ".join(fk["constrained_columns"])}"'
            )
    return Diagram("\n".join(lines + links))


def revision_graph(revisions: list[Script], current: set[str] | None = None) -> Diagram:
    """Revisions (given oldest first) at the top, branches and merges visible, the current one marked."""
    current = current or set()
    lines = ["flowchart TD", "    base((base))"]
    for script in revisions:
        label = f"{script.revision}: {script.doc}".replace('"', "'")
        if script.revision in current:
            label += " ◀ current"
        lines.append(f'    r{script.revision}["{label}"]')
    for script in revisions:
        parents = script.down_revision
        parents = parents if isinstance(parents, (tuple, list)) else [parents]
        for parent in parents:
            lines.append(f"    {'base' if parent is None else 'r' + parent} --> r{script.revision}")
    if current:
        lines.append("    classDef current fill:#ffd54f,stroke:#f57f17,stroke-width:2px")
        lines.append("    class " + ",".join(f"r{rev}" for rev in sorted(current)) + " current")
    elif revisions:
        lines.append("    classDef current fill:#ffd54f,stroke:#f57f17,stroke-width:2px")
        lines.append("    class base current")
    return Diagram("\n".join(lines))


def _unique_columns(inspector, table: str) -> set[str]:
    """Columns in a unique constraint or a unique index of ``table``.

    On SQLite, ``PRAGMA index_list`` also sees inline ``col TEXT UNIQUE`` constraints,
    which the inspector's ``get_unique_constraints`` does not report.
    """
    indexes = [index for index in inspector.get_indexes(table) if index.get("unique")]
    found = [*inspector.get_unique_constraints(table), *indexes]
    columns = {column for constraint in found for column in constraint["column_names"] if column}
    if inspector.bind.dialect.name == "sqlite":
        quoted = inspector.bind.dialect.identifier_preparer.quote
        with inspector.bind.connect() as connection:
            for index in connection.exec_driver_sql(f"PRAGMA index_list({quoted(table)})").mappings():
                if index["unique"] and index["origin"] in ("u", "c"):
                    info = connection.exec_driver_sql(f"PRAGMA index_info({quoted(index['name'])})")
                    columns |= {row["name"] for row in info.mappings() if row["name"]}
    return columns


def _type(type_) -> str:
    """A column type as Mermaid accepts it: 'varchar(200)', 'numeric(10,2)', 'double_precision'."""
    return re.sub(r"[^\w(),]", "_", str(type_).lower().replace(", ", ","))


def _id(text: str) -> str:
    """Mermaid identifiers: letters, digits and underscores only."""
    return re.sub(r"\W", "_", text)
