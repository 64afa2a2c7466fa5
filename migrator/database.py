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

import difflib
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from .errors import MigratorError
from .i18n import _

#: How long a connection waits for another process's lock before giving up.
BUSY_TIMEOUT_SECONDS = 30

#: The dialects SQLAlchemy itself ships (others come from packages, e.g. duckdb).
DIALECTS = ("sqlite", "postgresql", "mysql", "mariadb", "oracle", "mssql")


def create_engine(url: str | URL, **kwargs) -> Engine:
    """Return an engine; for SQLite, one whose transactions also cover DDL."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, **kwargs)
    connect_args = {"timeout": BUSY_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
    make_transactional(engine)
    return engine


def create_read_engine(url: str | URL, **kwargs) -> Engine:
    """An engine for reading only: no BEGIN IMMEDIATE, so it never waits for (or takes) the write lock.

    pysqlite starts no transaction before a SELECT, and SQLite lets readers read the last
    committed state while another connection holds the write lock (RESERVED).
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_SECONDS, **kwargs.pop("connect_args", {})}
    return sa.create_engine(url, **kwargs)


@contextmanager
def expression_indexes_unreflected() -> Iterator[None]:
    """Silence SQLAlchemy's and Alembic's notes that SQLite cannot reflect expression indexes.

    They are true and harmless where the kit reflects a table (a batch copy, autogenerate),
    and the linter reports what they mean for a migration (``batch-rebuild-loses-index``);
    printed in a notebook they would be noise on every step.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*expression-based index.*")
        yield


def same_database(a: str | URL, b: str | URL) -> bool:
    """Do two URLs name the same database? (SQLite: the same file, however the path is written.)"""
    a, b = make_url(a), make_url(b)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return bool(a.database and b.database) and Path(a.database).resolve() == Path(b.database).resolve()
    return (a.host, a.port, a.database, a.username) == (b.host, b.port, b.database, b.username)


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
        _("The URL{value} ({mask_url}) has {problem} before the host, so part of its "
          "password could be read as the host or the database.",
          value=f' for {name!r}' if name else '', mask_url=mask_url(url), problem=problem),
        _("Percent-encode @ as %40 and / as %2F in the password and user name "
          "(urllib.parse.quote(password, safe='')), then set the URL again."),
    )


_URL_FORM = ("Write it as dialect://user:password@host/database (e.g. postgresql://learner@db.example.com/shop), "
             "or give the path of a SQLite file.")


def environment_url(value: str | Path, *, base: Path | None = None, name: str | None = None) -> str:
    """The SQLAlchemy URL for what a user gives as an environment's database, or a clear refusal.

    A bare path (``prod.db``) becomes ``sqlite:///<absolute path>``, relative to ``base``
    (else the current folder), as does the path of a relative ``sqlite:///`` URL, so the
    URL names the same file wherever it is used later.  Refused, with what to do instead:
    an empty value, an in-memory database (it vanishes with its connection: nothing to
    promote to), a SQLite file in a folder that does not exist, a URL that SQLAlchemy
    cannot read or whose dialect it does not know, and a password that reads two ways
    (:func:`check_url`).  No message shows a password.
    """
    label = f"The database for {name!r}" if name else "The database"
    text = str(value).strip()
    if not text:
        raise MigratorError(_("{label} is empty: it names no database.", label=label),
                            _("Give the path of a SQLite file (prod.db) or a URL "
                              "(postgresql://user@host/database)."))
    if text == ":memory:":
        _refuse_memory(label, text)
    if "://" not in text:
        if re.match(r"[A-Za-z][\w+.-]+:", text):  # "postgresql:user@host/db"; a drive letter has one
            raise MigratorError(
                _("{label} starts like a URL ({split}:) but has no '://' after the dialect.",
                  label=label, split=text.split(':', 1)[0]), _URL_FORM)
        return _sqlite_file_url(label, Path(text).expanduser(), base, "")
    check_url(text, name)
    try:
        url = make_url(text)
    except (sa.exc.ArgumentError, ValueError) as exc:
        port = " (its port is not a number)" if isinstance(exc, ValueError) else ""
        scheme = text.split("://", 1)[0]
        shown = f"{scheme}://..." if re.fullmatch(r"[\w+.-]+", scheme) else "not shown: it may hold a password"
        raise MigratorError(_("{label} ({shown}) is not a URL SQLAlchemy can read{port}.",
                              label=label, shown=shown, port=port), _URL_FORM) from None
    shown = mask_url(text)
    try:
        url.get_dialect()
    except sa.exc.NoSuchModuleError:
        backend, _sep, driver = url.drivername.partition("+")
        if backend in DIALECTS:
            raise MigratorError(
                _("{label} ({shown}) names the driver {driver!r} for {backend}, which "
                  "SQLAlchemy does not know.", label=label, shown=shown, driver=driver, backend=backend),
                _("Leave the driver out ({backend}://...) to use the default one, or "
                  "install the package that provides it.", backend=backend),
            ) from None
        guess = difflib.get_close_matches(backend, DIALECTS, n=1)
        raise MigratorError(
            _("{label} ({shown}) names the dialect {backend!r}, which SQLAlchemy does not know.",
              label=label, shown=shown, backend=backend),
            _("Correct the dialect{value}: SQLAlchemy knows {DIALECTS}, and others come "
              "with their own package.",
              value=f' (did you mean {guess[0]!r}?)' if guess else '', DIALECTS=', '.join(DIALECTS)),
        ) from None
    if url.get_backend_name() != "sqlite":
        return text
    if url.host or url.username or url.password or url.port:
        raise MigratorError(
            _("{label} ({shown}) has a host part, but a SQLite URL names a file.", label=label, shown=shown),
            _("Put three slashes before a relative path (sqlite:///prod.db), four before "
              "an absolute one (sqlite:////srv/prod.db)."),
        )
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        _refuse_memory(label, shown)
    if url.query.get("uri") == "true":  # a file: URI for sqlite3 itself; it is not a path
        return text
    path = Path(url.database)
    if path.is_absolute():
        _check_sqlite_file(label, path)
        return text
    return _sqlite_file_url(label, path, base, text.partition("?")[2])


def _sqlite_file_url(label: str, path: Path, base: Path | None, query: str) -> str:
    """``sqlite:///<absolute path>``, encoded so that SQLAlchemy reads back exactly that path."""
    path = (Path(base or os.getcwd()) / path).resolve()
    _check_sqlite_file(label, path)
    encoded = str(path).replace("%", "%25").replace("?", "%3F")
    return f"sqlite:///{encoded}" + (f"?{query}" if query else "")


def _check_sqlite_file(label: str, path: Path) -> None:
    if path.is_dir():
        raise MigratorError(_("{label} ({path}) is a folder, not a SQLite file.", label=label, path=path),
                            _("Give the path of a file in it, e.g. {value}.", value=path / 'prod.db'))
    if not path.parent.is_dir():
        raise MigratorError(
            _("{label} is the SQLite file {name} in the folder {parent}, which does not exist.",
              label=label, name=path.name, parent=path.parent),
            _("Create the folder first (or correct the path), then try again."),
        )


def _refuse_memory(label: str, shown: str) -> None:
    raise MigratorError(
        _("{label} ({shown}) is an in-memory SQLite database: it disappears with its "
          "connection, so there would be nothing to migrate or promote to.", label=label, shown=shown),
        _("Give a SQLite file instead: a path such as prod.db, or "
          "sqlite:////absolute/path/prod.db."),
    )
