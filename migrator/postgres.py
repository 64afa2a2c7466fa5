"""A real PostgreSQL server for the kit, started by the project itself: no root, no manual step.

PostgreSQL 16 comes inside the ``pgserver`` wheel (its binaries live in site-packages).
One server runs per machine user and checkout, listening on a unix socket only (no TCP
port: nothing on the network, no clash with another PostgreSQL)::

    <repo>/.postgres/<user>/data/         the cluster (PGDATA): initdb on first use, kept after
    <repo>/.postgres/<user>/lock          flock()ed around every start, stop and change of holders
    <repo>/.postgres/<user>/holders.json  the processes that use the server now (pid, start time)

``MIGRATOR_POSTGRES_DIR`` puts that ``<user>/`` folder somewhere else (a test uses it for a
private server).  ``fresh_database()`` gives each test or notebook its own database on it.

When the server stops.  Every process that calls ``server()`` (or ``fresh_database()``)
becomes a *holder*.  ``stop()`` lets go; the process that lets go last stops the server
(``pg_ctl stop -m fast``: open sessions are ended, their transactions rolled back).
``stop()`` is registered with ``atexit`` by ``server()``, so the server stops when the
last process that used it exits normally: a script, a notebook kernel that is shut down,
a pytest session, or - under pytest-xdist - the last worker to finish (each worker holds
it, so the first to finish does not stop it under the others).  A holder that died
without letting go (SIGKILL, a kernel killed on restart) is noticed by its pid and start
time and dropped the next time any process calls ``server()`` or ``stop()``; until then
the server keeps running.  ``stop(force=True)`` stops it whoever holds it.
pgserver's own clean-up is switched off (``cleanup_mode=None``): it counts pids without
checking that they are still alive, so one crashed holder would keep the server up for good.

As root (containers, CI) pgserver itself runs PostgreSQL, which refuses root, as a system
user ``pgserver``: it creates that user (``useradd``) the first time, gives it the data
folder, and adds read and search permission for others to every folder above it.

Wheels exist for Linux x86_64 (glibc), macOS (Intel and Apple silicon) and Windows x64,
for Python 3.9 to 3.12; elsewhere ``available()`` is False and ``server()`` says what to do.
This module needs ``fcntl`` too, so on Windows it is not available either (use WSL).
"""

from __future__ import annotations

import atexit
import getpass
import itertools
import json
import os
import re
import secrets
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from .errors import MigratorError
from .i18n import _

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

#: The default home of the servers: ``.postgres/`` at the repository root (git-ignored).
ROOT = Path(__file__).resolve().parent.parent / ".postgres"
#: PostgreSQL's user inside the cluster (pgserver's initdb -U postgres, trust auth on the socket).
SUPERUSER = "postgres"
#: Databases that drop_database() never drops.
_SYSTEM_DATABASES = ("postgres", "template0", "template1")
#: How long a stop may take before the server is terminated instead.
STOP_TIMEOUT_SECONDS = 30

_thread_lock = threading.Lock()  # flock() does not keep a process's own threads apart on one open file
_held: set[Path] = set()  # the folders whose server this process holds (atexit lets go of each)
_counter = itertools.count(1)


@dataclass(frozen=True)
class Server:
    """A running server: its postmaster's pid, data folder and socket folder."""

    pid: int
    data_dir: Path
    socket_dir: Path

    def url(self, database: str = SUPERUSER) -> str:
        """A SQLAlchemy URL (psycopg 3 driver, over the unix socket) for ``database`` on this server."""
        return sa.URL.create("postgresql+psycopg", username=SUPERUSER, database=database,
                             query={"host": str(self.socket_dir)}).render_as_string(hide_password=False)

    def psql(self, sql: str, database: str = SUPERUSER) -> str:
        """Run ``sql`` with the bundled psql (for looking around; tests use SQLAlchemy)."""
        import pgserver

        return pgserver.psql(["-X", "-q", "-h", str(self.socket_dir), "-U", SUPERUSER, "-d", database,
                              "-v", "ON_ERROR_STOP=1"], input=sql)


def folder() -> Path:
    """This user's server folder: ``<MIGRATOR_POSTGRES_DIR or repo/.postgres>/<user>``."""
    base = Path(os.environ.get("MIGRATOR_POSTGRES_DIR") or ROOT).expanduser()
    return base.resolve() / _user()


def available() -> bool:
    """Can this machine run the kit's server at all (pgserver and psycopg installed, POSIX)? Starts nothing."""
    return _missing() is None


def server() -> Server:
    """The server of this checkout, started if it is not running; this process becomes a holder."""
    _require()
    home = folder()
    with _locked(home):
        holders = _live(_read_holders(home))
        running = _start(home / "data")
        me = _me()
        if me not in holders:
            holders.append(me)
        _write_holders(home, holders)
        if home not in _held:
            _held.add(home)
            atexit.register(_release, home)
    return running


def stop(*, force: bool = False) -> bool:
    """Let go of the server; stop it if no live process holds it any more (or ``force``). True if it stopped."""
    return _release(folder(), force=force)


def fresh_database(name_hint: str = "db") -> str:
    """CREATE a brand-new, empty database with a unique name and return its URL (safe under xdist)."""
    running = server()
    hint = re.sub(r"[^a-z0-9_]+", "_", str(name_hint).lower()).strip("_")[:32] or "db"
    name = f"{hint}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(3)}"  # <= 63 bytes: PostgreSQL's limit
    with _admin(running) as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return running.url(name)


def drop_database(url: str) -> bool:
    """DROP a database of this server (ending its sessions first); True if it existed.

    Refuses a URL that points at another server or at a system database: this is for the
    databases ``fresh_database()`` made, never for one that matters.
    """
    running = server()
    target = sa.make_url(url)
    name = target.database
    if target.query.get("host") != str(running.socket_dir) or target.host or not name:
        raise MigratorError(
            _("{render_as_string} is not a database of the kit's PostgreSQL server, so "
              "drop_database() does not drop it.",
              render_as_string=target.render_as_string(hide_password=True)),
            _("Pass a URL that fresh_database() returned; drop other databases with your "
              "own tools."),
        )
    if name in _SYSTEM_DATABASES:
        raise MigratorError(_("{name} is a system database of the server, so it is not dropped.", name=name),
                            _("Pass a URL that fresh_database() returned."))
    with _admin(running) as connection:
        existed = connection.exec_driver_sql(
            "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name}).first() is not None
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return existed


# -- the pieces ---------------------------------------------------------------------------


def _missing() -> str | None:
    """Why the server cannot run here, or None."""
    if fcntl is None:
        return "The kit's PostgreSQL server needs a POSIX system (Linux, macOS); this is Windows."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import pgserver  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError as exc:
        return (f"The kit's PostgreSQL server needs the {exc.name} package, which is not installed: "
                "pgserver ships PostgreSQL only for Linux x86_64, macOS and Windows x64 on Python 3.9-3.12.")
    return None


def _require() -> None:
    problem = _missing()
    if problem is not None:
        raise MigratorError(
            problem,
            _("Use Python 3.11 or 3.12 on Linux x86_64 or macOS (WSL on Windows) and pip "
              "install -r requirements.txt, or run PostgreSQL yourself and pass its URL "
              "to ws.with_database(...)."),
        )


def _release(home: Path, *, force: bool = False) -> bool:
    """stop() for the server in ``home`` (atexit calls it with the folder server() used, whatever the env says)."""
    if _missing() is not None or not home.is_dir():
        return False
    with _locked(home):
        me = _me()
        holders = [holder for holder in _live(_read_holders(home)) if holder != me]
        if holders and not force:
            _write_holders(home, holders)
            return False
        stopped = _stop(home / "data")
        _write_holders(home, [])
        return stopped


def _user() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = str(os.getuid())
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "user"


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    """``home``'s lock file flock()ed: one starter or stopper at a time, across processes."""
    home.mkdir(parents=True, exist_ok=True)
    with _thread_lock, open(home / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _me() -> tuple[int, float]:
    import psutil  # a dependency of pgserver

    return os.getpid(), psutil.Process().create_time()


def _live(holders: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The holders still running: same pid *and* same start time (a pid can be reused), not a zombie."""
    import psutil

    alive = []
    for pid, started in holders:
        try:
            process = psutil.Process(pid)
            if abs(process.create_time() - started) < 0.01 and process.status() != psutil.STATUS_ZOMBIE:
                alive.append((pid, started))
        except psutil.Error:
            continue
    return alive


def _read_holders(home: Path) -> list[tuple[int, float]]:
    try:
        return [(int(pid), float(started)) for pid, started in json.loads((home / "holders.json").read_text())]
    except (OSError, ValueError, TypeError):
        return []


def _write_holders(home: Path, holders: list[tuple[int, float]]) -> None:
    temporary = home / f"holders.json.{os.getpid()}"
    temporary.write_text(json.dumps([list(holder) for holder in holders]))
    temporary.replace(home / "holders.json")


def _postmaster(data: Path):
    """The running postmaster of ``data`` as a psutil.Process, or None (a stale postmaster.pid is removed)."""
    import psutil

    pidfile = data / "postmaster.pid"
    try:
        process = psutil.Process(int(pidfile.read_text().split("\n", 1)[0]))
        try:
            if process.status() != psutil.STATUS_ZOMBIE and str(data) in process.cmdline():
                return process
        except psutil.AccessDenied:  # not ours to look at: take it for the server rather than remove its file
            return process
    except (OSError, ValueError, psutil.NoSuchProcess):
        pass
    # No postgres of this data folder has that pid (a crash, a reboot, a reused pid): pgserver would
    # take any live process with that pid for the server, so the file goes before it looks.
    pidfile.unlink(missing_ok=True)
    return None


def _start(data: Path) -> Server:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    try:
        cached = pgserver.PostgresServer._instances.get(data)
        if _postmaster(data) is None and cached is not None:
            # get_server() would return its handle on this process's earlier server, now stopped.
            with pgserver.PostgresServer._lock:
                cached.ensure_postgres_running()
        handle = pgserver.get_server(data, cleanup_mode=None)
        info = handle.get_postmaster_info()
    except (subprocess.SubprocessError, OSError, RuntimeError, AssertionError) as exc:
        log = data / "log"
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.is_file() else []
        raise MigratorError(
            _("The kit's PostgreSQL server in {data} did not start ({name}{value}).",
              data=data, name=type(exc).__name__, value=': ' + tail[0] if tail else ''),
            _("Read {log}; if the folder is damaged, run "
              "migrator.postgres.stop(force=True) and delete {parent} to start afresh.",
              log=log, parent=data.parent),
        ) from exc
    return Server(pid=info.pid, data_dir=data, socket_dir=Path(info.socket_dir))


def _stop(data: Path) -> bool:
    """pg_ctl stop -m fast (as pgserver's user when root); terminate if that fails. True if a server stopped."""
    import psutil

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    process = _postmaster(data)
    if process is None:
        return False
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None  # as pgserver runs it
    try:
        pgserver.pg_ctl(["-w", "-t", str(STOP_TIMEOUT_SECONDS), "stop", "-m", "fast"], pgdata=data, user=user)
    except (subprocess.SubprocessError, OSError):
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    else:
        process.kill()
    return True


@contextmanager
def _admin(running: Server) -> Iterator[sa.Connection]:
    """An autocommit connection to the ``postgres`` database (CREATE/DROP DATABASE cannot run in a transaction)."""
    engine = sa.create_engine(running.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
