"""Engines that make SQLite migrations all-or-nothing.

Python's sqlite3 driver does not start a transaction before DDL statements, so by
default a revision that fails halfway leaves its first tables and columns behind
while ``alembic_version`` still names the old revision.  SQLAlchemy documents the
fix ("Transactions with SQLite and the sqlite3 driver"): take transaction control
away from the driver and emit ``BEGIN`` ourselves.  We emit ``BEGIN IMMEDIATE`` so
that a second process that wants to migrate the same file waits for the first one
instead of reading a version that is about to change.

Used by ``migrations/env.py`` (the CLI) and by :class:`migrator.Workspace` alike.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from .errors import MigratorError

#: How long a connection waits for another process's lock before giving up.
BUSY_TIMEOUT_SECONDS = 30


def create_engine(url: str | URL, **kwargs) -> Engine:
    """Return an engine; for SQLite, one whose transactions also cover DDL."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, **kwargs)
    connect_args = {"timeout": BUSY_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
    make_transactional(engine)
    return engine


def make_transactional(engine: Engine) -> Engine:
    """Apply SQLAlchemy's pysqlite recipe: the driver stops managing transactions, we BEGIN."""

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


#: ``dialect+driver://`` and the rest of the URL.
_SCHEME = re.compile(r"(?P<scheme>[\w+.-]+://)?(?P<rest>.*)", re.DOTALL)
#: A password handed over as a query parameter (``?password=...``), which drivers accept too.
_QUERY_PASSWORD = re.compile(r"([?&](?:password|passwd|pwd)=)[^&#]*", re.IGNORECASE)


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``: safe to print.

    Works on the text, not on a parse: a password with an unencoded ``@`` or ``/`` is
    split differently by SQLAlchemy, by urllib and by the person who typed it, so
    everything from the first ``:`` of the user part up to the *last* ``@`` is hidden.
    """
    text = url.render_as_string(hide_password=True) if isinstance(url, URL) else str(url)
    scheme, rest = _SCHEME.fullmatch(text).group("scheme", "rest")
    userinfo, at, after = rest.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    if at and colon and not rest.startswith("/"):  # "sqlite:////a@b/x.db" has no user part
        rest = f"{user}:***@{after}"
    return (scheme or "") + _QUERY_PASSWORD.sub(r"\1***", rest)


def check_url(url: str, name: str | None = None) -> str:
    """Return ``url`` if its user, password and host can be read one way only; else refuse it.

    SQLAlchemy ends the password at the first ``@``, urllib ends the host part at the
    first ``/``, a person means the last ``@``: with a second ``@`` or a ``/`` before
    the host, the driver would get part of the password as host or database.
    """
    rest = _SCHEME.fullmatch(url).group("rest")
    userinfo = rest.rpartition("@")[0]
    if rest.startswith("/") or not ("@" in userinfo or "/" in userinfo):
        return url
    problem = "more than one '@'" if "@" in userinfo else "a '/'"
    raise MigratorError(
        f"The URL{f' for {name!r}' if name else ''} ({mask_url(url)}) has {problem} before the host, "
        "so part of its password could be read as the host or the database.",
        "Percent-encode @ as %40 and / as %2F in the password and user name "
        "(urllib.parse.quote(password, safe='')), then set the URL again.",
    )
