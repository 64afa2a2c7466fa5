"""Type families and what a type change can lose: the linter's knowledge of SQL types."""

from __future__ import annotations

import sqlalchemy as sa

_INT_RANGE = {"small": 2**15, "int": 2**31, "big": 2**63}
#: Every integer up to this size fits a float (an IEEE double) exactly; beyond it, digits are lost.
EXACT_IN_FLOAT = 2**53
#: Not SQL: the values must be decoded to know (``Facts.not_utf8``).
NOT_UTF8 = "not valid UTF-8"


def narrowing(old, new) -> tuple[str, str] | None:
    """(SQL condition on {c} for a value that does not fit, the same in words), or None."""
    old_kind, new_kind = family(old), family(new)
    if old_kind == new_kind == "string":
        if new.length is not None and (old.length is None or new.length < old.length):
            return f"length({{c}}) > {new.length}", f"are longer than {new.length} characters"
        return None
    if old_kind == "string" and new_kind not in ("string", "enum"):
        return "1 = 1", f"are text that must become {new}"
    if old_kind == new_kind == "integer":
        old_size, new_size = _int_size(old), _int_size(new)
        if _INT_RANGE[new_size] < _INT_RANGE[old_size]:
            limit = _INT_RANGE[new_size]
            return f"{{c}} < {-limit} OR {{c}} >= {limit}", f"are outside the range of {new}"
        return None
    if old_kind == "integer" and new_kind == "float":
        return (f"abs({{c}}) > {EXACT_IN_FLOAT}",
                "are integers beyond 2**53, which a float cannot hold exactly (their last digits are lost)")
    if old_kind == "binary" and new_kind == "string":
        return NOT_UTF8, "are bytes that are not valid UTF-8 text (rows() could no longer read them)"
    if old_kind in ("numeric", "float") and new_kind == "integer":
        return "{c} != CAST({c} AS INTEGER)", "have a fractional part"
    if old_kind in ("numeric", "float") and new_kind == "numeric" and new.precision is not None:
        old_p = getattr(old, "precision", None) if old_kind == "numeric" else None
        old_s = (getattr(old, "scale", None) or 0) if old_kind == "numeric" else None
        new_s = new.scale or 0
        shrinks = old_p is None or new.precision - new_s < old_p - (old_s or 0) or (old_s is not None and new_s < old_s)
        if shrinks:
            digits = 10 ** (new.precision - new_s)
            return (f"abs({{c}}) >= {digits} OR round({{c}}, {new_s}) != {{c}}",
                    f"do not fit {new} ({new.precision - new_s} digits before the point, {new_s} after)")
        return None
    if old_kind == "datetime" and new_kind == "date":
        return "length({c}) > 10", "have a time of day that DATE drops"
    return None


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
