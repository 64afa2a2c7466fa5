"""Type families and what a type change can lose: the linter's knowledge of SQL types."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..i18n import _

_PG = postgresql.dialect()

_INT_RANGE = {"small": 2**15, "int": 2**31, "big": 2**63}
#: Every integer up to this size fits a float (an IEEE double) exactly; beyond it, digits are lost.
EXACT_IN_FLOAT = 2**53
#: Not SQL: the values must be decoded to know (``Facts.not_utf8``).
NOT_UTF8 = "not valid UTF-8"


def narrowing(old, new, dialect: str = "sqlite") -> tuple[str, str] | None:
    """(SQL condition on {c} for a value that does not fit, the same in words), or None.

    The condition is written for ``dialect``'s SQL: SQLite stores dates as text and
    rounds any number; PostgreSQL has typed dates and ``round(numeric, int)`` only.
    """
    pg = dialect == "postgresql"
    old_kind, new_kind = family(old), family(new)
    if old_kind == new_kind == "string":
        if new.length is not None and (old.length is None or new.length < old.length):
            return f"length({{c}}) > {new.length}", _("are longer than {length} characters", length=new.length)
        return None
    if old_kind == "string" and new_kind not in ("string", "enum"):
        return "1 = 1", _("are text that must become {new}", new=new)
    if old_kind == new_kind == "integer":
        old_size, new_size = _int_size(old), _int_size(new)
        if _INT_RANGE[new_size] < _INT_RANGE[old_size]:
            limit = _INT_RANGE[new_size]
            return f"{{c}} < {-limit} OR {{c}} >= {limit}", _("are outside the range of {new}", new=new)
        return None
    if old_kind == "integer" and new_kind == "float":
        return (f"abs({{c}}) > {EXACT_IN_FLOAT}",
                _("are integers beyond 2**53, which a float cannot hold exactly (their last digits are lost)"))
    if old_kind == "binary" and new_kind == "string":
        if pg:  # PostgreSQL casts bytea to its hex text form ('\\x6869' for b'hi'): no value keeps its text
            return "1 = 1", _("are bytes, which PostgreSQL turns into their hex text ('\\x6869' for b'hi'), not the text they encode")
        return NOT_UTF8, _("are bytes that are not valid UTF-8 text (rows() could no longer read them)")
    if old_kind in ("numeric", "float") and new_kind == "integer":
        # PostgreSQL's CAST would raise on a value beyond the integer range; trunc() cannot.
        return ("{c} != trunc({c})" if pg else "{c} != CAST({c} AS INTEGER)"), _("have a fractional part")
    if old_kind in ("numeric", "float") and new_kind == "numeric" and new.precision is not None:
        old_p = getattr(old, "precision", None) if old_kind == "numeric" else None
        old_s = (getattr(old, "scale", None) or 0) if old_kind == "numeric" else None
        new_s = new.scale or 0
        shrinks = old_p is None or new.precision - new_s < old_p - (old_s or 0) or (old_s is not None and new_s < old_s)
        if shrinks:
            digits = 10 ** (new.precision - new_s)
            rounded = f"round(CAST({{c}} AS NUMERIC), {new_s})" if pg else f"round({{c}}, {new_s})"
            return (f"abs({{c}}) >= {digits} OR {rounded} != {{c}}",
                    _("do not fit {new} ({before} digits before the point, {after} after)", new=new,
                      before=new.precision - new_s, after=new_s))
        return None
    if old_kind == "datetime" and new_kind == "date":
        return ("{c} != date_trunc('day', {c})" if pg else "length({c}) > 10"), _("have a time of day that DATE drops")
    return None


def refused_by_postgresql(old, new) -> bool:
    """Does PostgreSQL refuse values that do not fit (an error, the change rolled back) rather than change them?

    Too long for a varchar, out of an integer's range: an error.  Rounded (numeric
    scale, float to integer) or truncated (timestamp to date): changed silently.
    """
    kinds = family(old), family(sa.types.to_instance(new))
    return kinds in (("string", "string"), ("integer", "integer"))


def rewrites_on_postgresql(old, new, *, utc: bool = False) -> bool:
    """Does ``ALTER COLUMN ... TYPE new`` rewrite the table (every row, under ACCESS EXCLUSIVE) on PostgreSQL?

    Metadata only (no rewrite): the same type; a varchar made longer or unlimited, or
    varchar to text; a numeric given more precision at the same scale, or unlimited;
    timestamp to timestamptz and back when the session's time zone is UTC (PG 12+).
    Everything else rewrites: integer to bigint, a shorter varchar, text to varchar(n), a
    new numeric scale, any change of family.
    """
    new = sa.types.to_instance(new)
    if _pg_name(old) == _pg_name(new):
        return False
    old_kind, new_kind = family(old), family(new)
    if old_kind == new_kind == "string":
        if isinstance(old, sa.CHAR) or isinstance(new, sa.CHAR):
            return True  # char(n) pads with blanks: not the same representation as varchar
        return new.length is not None and (old.length is None or new.length < old.length)
    if old_kind == new_kind == "numeric":
        if new.precision is None:
            return False
        return old.precision is None or new.precision < old.precision or (new.scale or 0) != (old.scale or 0)
    if old_kind == new_kind == "datetime":
        return not (utc and bool(getattr(old, "timezone", False)) != bool(getattr(new, "timezone", False)))
    return True


def pg_type(type_) -> str:
    """The type as PostgreSQL names it in DDL (``INTEGER``, ``VARCHAR(20)``), for its catalog to read."""
    return sa.types.to_instance(type_).compile(dialect=_PG)


def _pg_name(type_) -> str:
    try:
        name = pg_type(type_).upper()
    except Exception:  # a type PostgreSQL cannot render (a SQLite-only type): not the same as anything
        return repr(type_)
    return {"FLOAT": "DOUBLE PRECISION", "FLOAT8": "DOUBLE PRECISION", "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
            "CHARACTER VARYING": "VARCHAR"}.get(name, name)


def family(type_) -> str:
    checks = [
        (sa.Boolean, "boolean"), (sa.Enum, "enum"), (sa.Integer, "integer"), (sa.Float, "float"),
        (sa.Numeric, "numeric"), (sa.String, "string"), (sa.DateTime, "datetime"), (sa.Date, "date"),
        (sa.Time, "time"), (sa.LargeBinary, "binary"), (sa.JSON, "json"),
    ]
    return next((name for cls, name in checks if isinstance(type_, cls)), type(type_).__name__.lower())


def _int_size(type_) -> str:
    if isinstance(type_, sa.SmallInteger):
        return "small"
    if isinstance(type_, sa.BigInteger):
        return "big"
    return "int"


def compatible(old, new) -> bool:
    """Could a value of ``old`` live in ``new``? (the test for a probable rename)"""
    if old is None:
        return True  # the dropped column's type is unknown: judge by the pair alone
    numbers = {"integer", "numeric", "float"}
    a, b = family(old), family(sa.types.to_instance(new))
    return a == b or {a, b} <= numbers or {a, b} <= {"string", "enum"}
