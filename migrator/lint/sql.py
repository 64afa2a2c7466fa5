"""What an ``op.execute()`` statement does, read from its text: enough for the rules, not a parser.

The rules need a few shapes of PostgreSQL DDL written by hand: ``SET lock_timeout``,
``CREATE INDEX [CONCURRENTLY]``, ``ALTER TABLE ... ADD CONSTRAINT ... [NOT VALID]``,
``VALIDATE CONSTRAINT``, ``SET NOT NULL``, ``ALTER TYPE ... ADD VALUE``, and which
statements lock a table strongly.  Anything else is "some other statement".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops
from sqlalchemy.dialects import postgresql

#: A name as SQL writes it, maybe quoted, maybe schema-qualified.
_NAME = r'(?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?'
_FLAGS = re.IGNORECASE | re.DOTALL


def name(raw: str) -> str:
    """The object's own name: unquoted (case kept) or folded to lower case, its schema left off."""
    last = re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', raw.strip())[-1].strip()
    return last[1:-1] if last.startswith('"') else last.lower()


def text_of(op, dialect: sa.Dialect | None = None) -> str:
    """The SQL of an ``ExecuteSQLOp``, as text (a construct is compiled for PostgreSQL)."""
    sql = op.sqltext
    if isinstance(sql, str):
        return sql
    try:
        return str(sql.compile(dialect=dialect or postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    except Exception:  # something literal_binds cannot render: the text without values still tells the shape
        return str(sql)


def statements(op, dialect: sa.Dialect | None = None) -> list[str]:
    """The statements of an ``ExecuteSQLOp`` (split at semicolons outside quotes); [] for any other operation."""
    if not isinstance(op, alembic_ops.ExecuteSQLOp):
        return []
    parts, current, quote = [], [], None
    for char in text_of(op, dialect):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ";":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [_without_comments(p) for p in parts if _without_comments(p)]


def _without_comments(statement: str) -> str:
    return re.sub(r"--[^\n]*", "", statement).strip()


# -- the shapes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LockTimeout:
    local: bool  # SET LOCAL: this transaction only
    enabled: bool  # not 0


def lock_timeout(statement: str) -> LockTimeout | None:
    """``SET [LOCAL|SESSION] lock_timeout = '5s'`` (or ``set_config('lock_timeout', ...)``)."""
    found = re.match(r"SET\s+(LOCAL\s+|SESSION\s+)?lock_timeout\s*(?:=|TO)\s*(.+)$", statement, _FLAGS)
    if found:
        local, value = bool(found.group(1) and found.group(1).strip().upper() == "LOCAL"), found.group(2)
    else:
        found = re.search(r"set_config\s*\(\s*'lock_timeout'\s*,\s*'([^']*)'\s*,\s*(\w+)\s*\)", statement, _FLAGS)
        if not found:
            return None
        local, value = found.group(2).lower() == "true", found.group(1)
    return LockTimeout(local, not re.fullmatch(r"\s*'?\s*(0+|0+\s*(ms|s|min)|default)\s*'?\s*", value, re.IGNORECASE))


@dataclass(frozen=True)
class CreateIndex:
    name: str
    table: str
    unique: bool
    concurrently: bool


def create_index(statement: str) -> CreateIndex | None:
    found = re.match(rf"CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?({_NAME}\s+)?"
                     rf"ON\s+(?:ONLY\s+)?({_NAME})", statement, _FLAGS)
    if not found:
        return None
    return CreateIndex(name(found.group(3) or ""), name(found.group(4)), bool(found.group(1)), bool(found.group(2)))


def concurrently(statement: str) -> bool:
    """A statement PostgreSQL refuses inside a transaction block because it says CONCURRENTLY."""
    return bool(re.match(r"(CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX\b[^;]*?)\s+CONCURRENTLY\b", statement, _FLAGS)
                or re.match(r"ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY\b", statement, _FLAGS))


@dataclass(frozen=True)
class AlterTable:
    table: str
    action: str  # the rest of the statement


def alter_table(statement: str) -> AlterTable | None:
    found = re.match(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_NAME})\s+(.*)$", statement, _FLAGS)
    return AlterTable(name(found.group(1)), found.group(2).strip()) if found else None


@dataclass(frozen=True)
class AddConstraint:
    table: str
    name: str
    kind: str  # 'foreign key' or 'check'
    definition: str  # what follows the kind, NOT VALID left off
    not_valid: bool


def add_constraint(statement: str) -> AddConstraint | None:
    """``ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY ... | CHECK (...) [NOT VALID]``."""
    altered = alter_table(statement)
    if altered is None:
        return None
    found = re.match(rf"ADD\s+CONSTRAINT\s+({_NAME})\s+(FOREIGN\s+KEY|CHECK)\b(.*)$", altered.action, _FLAGS)
    if not found:
        return None
    rest = found.group(3).strip()
    not_valid = bool(re.search(r"\bNOT\s+VALID\s*$", rest, re.IGNORECASE))
    definition = re.sub(r"\s*\bNOT\s+VALID\s*$", "", rest, flags=re.IGNORECASE)
    return AddConstraint(altered.table, name(found.group(1)), " ".join(found.group(2).lower().split()), definition,
                         not_valid)


def validate_constraint(statement: str) -> tuple[str, str] | None:
    """(table, constraint) of ``ALTER TABLE t VALIDATE CONSTRAINT c``."""
    altered = alter_table(statement)
    found = altered and re.fullmatch(rf"VALIDATE\s+CONSTRAINT\s+({_NAME})", altered.action, _FLAGS)
    return (altered.table, name(found.group(1))) if found else None


def set_not_null(statement: str) -> tuple[str, str] | None:
    """(table, column) of ``ALTER TABLE t ALTER [COLUMN] c SET NOT NULL``."""
    altered = alter_table(statement)
    found = altered and re.match(rf"ALTER\s+(?:COLUMN\s+)?({_NAME})\s+SET\s+NOT\s+NULL\b", altered.action, _FLAGS)
    return (altered.table, name(found.group(1))) if found else None


def add_value(statement: str) -> tuple[str, str] | None:
    """(type, value) of ``ALTER TYPE t ADD VALUE [IF NOT EXISTS] 'v' [BEFORE|AFTER ...]``."""
    found = re.match(rf"ALTER\s+TYPE\s+({_NAME})\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'",
                     statement, _FLAGS)
    return (name(found.group(1)), found.group(2).replace("''", "'")) if found else None


#: Lock modes that let writes (INSERT, UPDATE, DELETE: ROW EXCLUSIVE) go on.
WEAK_LOCKS = ("ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE")


def strong_locks(statement: str) -> list[tuple[str, str]]:
    """(table, lock mode) for each table the statement locks against writes (or more)."""
    index = create_index(statement)
    if index is not None:
        return [] if index.concurrently else [(index.table, "SHARE")]
    altered = alter_table(statement)
    if altered is not None:
        if re.match(r"(VALIDATE\s+CONSTRAINT|SET\s+STATISTICS|SET\s*\(|RESET\s*\()", altered.action, _FLAGS):
            return []  # SHARE UPDATE EXCLUSIVE: writes go on
        if re.search(r"\bDETACH\s+PARTITION\b.*\bCONCURRENTLY\b", altered.action, _FLAGS):
            return []
        added = add_constraint(statement)
        if added is not None and added.kind == "foreign key":
            target = re.search(rf"\bREFERENCES\s+({_NAME})", added.definition, _FLAGS)
            return [(altered.table, "SHARE ROW EXCLUSIVE")] + ([(name(target.group(1)), "SHARE ROW EXCLUSIVE")] if target else [])
        return [(altered.table, "ACCESS EXCLUSIVE")]
    found = re.match(rf"LOCK\s+(?:TABLE\s+)?(?:ONLY\s+)?({_NAME})(?:\s+IN\s+([\w\s]+?)\s+MODE)?", statement, _FLAGS)
    if found:
        mode = " ".join((found.group(2) or "ACCESS EXCLUSIVE").upper().split())
        return [] if mode in WEAK_LOCKS else [(name(found.group(1)), mode)]
    found = re.match(rf"(?:DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?|TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?"
                     rf"|VACUUM\s+(?:\(\s*FULL\b[^)]*\)|FULL)\s+|CLUSTER\s+|REINDEX\s+TABLE\s+)({_NAME})", statement, _FLAGS)
    if found and not concurrently(statement):
        return [(name(found.group(1)), "ACCESS EXCLUSIVE")]
    return []
