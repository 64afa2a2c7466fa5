"""6. PostgreSQL: the chain upgrade in-process vs the CLI, a batched backfill vs one UPDATE, server start.

    .venv/bin/python bench/postgres.py                        # full sizes (a few minutes)
    .venv/bin/python bench/postgres.py --quick                # tiny sizes, one repetition (the test runs this)
    .venv/bin/python bench/postgres.py --markdown bench/RESULTS.md --note "..."   # also (re)write its section

Every figure runs on the kit's own PostgreSQL 16 (``migrator.postgres``, pgserver's wheel):

1. the reference chain upgrade: ``Workspace(...).with_database(url).upgrade()`` in-process vs
   ``alembic upgrade head`` as a subprocess (same project, ``DATABASE_URL``, same server), for the
   bookshop (0001-0004) and for bench/chain.py's 100-revision chain; a fresh database per run;
2. a backfill of a new nullable column on a table of 1,000,000 rows (made server-side with
   generate_series): batches of 50,000 rows by primary-key range, each its own short transaction
   (the recipe the course teaches), vs one UPDATE in one transaction.  For each: total time, the
   longest transaction holding row locks, what a concurrent writer waits (a probe thread updating
   one random row every ~20 ms), the WAL written and the table's size before and after;
3. the server's start in a private folder (``MIGRATOR_POSTGRES_DIR`` in a temp folder, never the
   project's server): cold (initdb + start), warm (the same folder started again), reuse
   (already running: ``server()`` returns at once), and the stop.

Goals (set for this benchmark: ratios or times of this one run, met or not):
- chain upgrade: the kit in-process no slower than the CLI (CLI / kit >= 1x) on either chain;
- backfill: the longest lock and a writer's longest wait at least 10x shorter batched than with
  one UPDATE, for at most 1.5x its total time and 1.5x its WAL;
- server: reuse at least 10x faster than a warm start (cold and stop are reported).

Nothing is left behind: the databases made here are dropped, the private server is stopped and
its folder removed, and this process lets go of the project's server (stopped if it was the last
holder).  Where pgserver has no wheel, it says so and measures nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MIGRATOR_QUIET", "1")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.pool import NullPool, Pool  # noqa: E402

from bench import sections  # noqa: E402
from bench.chain import chain  # noqa: E402
from bench.report import HEADERS, _aligned, _met, _pipes  # noqa: E402
from bench.steps import Cli  # noqa: E402
from bench.timing import filesystem, load_average, machine, measure, rows_label, seconds, summary, versions  # noqa: E402
from migrator import Workspace, postgres  # noqa: E402

#: Marks this script's section of RESULTS.md: replaced on a re-run, everything else kept.
SECTION_START = "<!-- postgres:start -->"
SECTION_END = "<!-- postgres:end -->"
#: Every database made here is named ``benchpg_<pid>_...`` (the test looks for leftovers by it).
DATABASE_HINT = "benchpg"

CHAIN_GOAL = 1.0  # CLI / kit at least this
LOCK_GOAL = 10.0  # one UPDATE's longest lock (and a writer's longest wait) / batched's, at least this
BACKFILL_TIME_GOAL = 1.5  # batched / one UPDATE, total time, at most this
WAL_GOAL = 1.5  # batched / one UPDATE, WAL bytes, at most this
REUSE_GOAL = 10.0  # warm start / reuse, at least this


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes (10 revisions, 2,000 rows in batches of 500), one repetition")
    parser.add_argument("--revisions", type=int, help="length of the long chain (default 100; --quick 10)")
    parser.add_argument("--rows", type=int, help="rows of the backfilled table (default 1,000,000; --quick 2,000)")
    parser.add_argument("--batch", type=int, help="rows per batch (default 50,000; --quick 500)")
    parser.add_argument("--repeat", type=int, help="runs of each chain upgrade and warm start (default 5; --quick 1)")
    parser.add_argument("--backfill-repeat", type=int, help="runs of each backfill (default 3; --quick 1)")
    parser.add_argument("--cold-repeat", type=int, help="cold starts, each in a new folder (default 3; --quick 1)")
    parser.add_argument("--reuse-repeat", type=int, help="calls of server() on a running server (default 20; --quick 5)")
    parser.add_argument("--probe-ms", type=float, default=20.0, help="the writer probe's pause between updates")
    parser.add_argument("--json", type=Path, help="also save the numbers here")
    parser.add_argument("--markdown", type=Path,
                        help="(re)write this script's section at the end of this file (e.g. bench/RESULTS.md)")
    parser.add_argument("--from-json", type=Path, help="measure nothing: render a saved --json file")
    parser.add_argument("--note", action="append", default=[], help="a line for the section's notes (repeatable)")
    parser.add_argument("--tmpdir", type=Path, help="where the scratch workspaces go (default: system temp)")
    args = parser.parse_args(argv)
    quick = args.quick
    args.revisions = args.revisions or (10 if quick else 100)
    args.rows = args.rows or (2_000 if quick else 1_000_000)
    args.batch = args.batch or (500 if quick else 50_000)
    args.repeat = args.repeat or (1 if quick else 5)
    args.backfill_repeat = args.backfill_repeat or (1 if quick else 3)
    args.cold_repeat = args.cold_repeat or (1 if quick else 3)
    args.reuse_repeat = args.reuse_repeat or (5 if quick else 20)
    return args


# -- databases: each one made here is dropped ----------------------------------------------------

_made: list[str] = []  # URLs of the databases made and not dropped yet


def fresh() -> str:
    url = postgres.fresh_database(DATABASE_HINT)
    _made.append(url)
    return url


def drop(url: str) -> None:
    postgres.drop_database(url)
    _made.remove(url)


def engine(url: str, **kwargs) -> sa.Engine:
    return sa.create_engine(url, poolclass=NullPool, **kwargs)


def scalar(connection: sa.Connection, sql: str, **params):
    return connection.exec_driver_sql(sql, params or None).scalar()


# -- 1. the chain upgrade: the kit in-process vs the alembic CLI ---------------------------------


def upgrades(scratch: Path, revisions: int, repeat: int) -> dict:
    shop = Workspace("pg_bookshop", root=scratch, reset=True, starter="bookshop")
    long = chain(scratch / "chain", revisions)
    cli_floor = measure(lambda: Cli(shop)("--version"), repeat)
    with engine(postgres.server().url()).connect():  # the dialect's first connect out of the way
        pass
    return {
        "chains": [
            {"chain": "bookshop", "revisions": 4, **_upgrade_both_ways(shop, "0004", repeat)},
            {"chain": f"{revisions}-revision chain", "revisions": revisions,
             **_upgrade_both_ways(long, f"{revisions:04d}", repeat)},
        ],
        "cli_floor": cli_floor,
        "new_connection": measure(lambda: _connect(postgres.server().url()), max(repeat, 5) * 4),
        "reconnection": _reconnection(postgres.server().url(), max(repeat, 5) * 4),
        "goal": f">= {CHAIN_GOAL:g}x",
    }


def _upgrade_both_ways(ws: Workspace, head: str, repeat: int) -> dict:
    """``upgrade head`` on a brand-new database: in-process (warm: one untimed run first), then by the CLI."""
    cli = Cli(ws)
    state = {}

    def new_database():
        state["url"] = fresh()

    def check_and_drop():
        url = state.pop("url")
        with engine(url).connect() as connection:
            found = scalar(connection, "SELECT version_num FROM alembic_version")
        assert found == head, f"upgrade head left {found!r}, not {head}"
        drop(url)

    def kit():
        ws.with_database(state["url"]).upgrade()

    def by_cli():
        with mock.patch.dict(os.environ, {"DATABASE_URL": state["url"]}):
            cli("upgrade", "head")

    def just_drop():
        drop(state.pop("url"))

    new_database()
    connections, engines = _connections_during(kit)  # also the warm-up: a kernel that has used the project
    check_and_drop()
    in_process = measure(kit, repeat, before=new_database, after=check_and_drop)
    subprocess_ = measure(by_cli, repeat, before=new_database, after=check_and_drop)
    # What the kit's upgrade is made of: the gate (every step linted against the data), then the move.
    gate = measure(lambda: ws.with_database(state["url"]).plan("upgrade", "head"), repeat,
                   before=new_database, after=just_drop)
    move = measure(lambda: ws.with_database(state["url"]).move("upgrade", "head"), repeat,
                   before=new_database, after=check_and_drop)
    ratio = subprocess_["median_s"] / in_process["median_s"]
    return {"kit": in_process, "cli": subprocess_, "ratio": ratio, "met": ratio >= CHAIN_GOAL,
            "kit_gate": gate, "kit_move": move, "kit_connections": connections, "kit_engines": engines}


def _connect(url: str) -> None:
    """What a new engine's first connection costs (NullPool: every connect is a new backend)."""
    fresh_engine = engine(url)
    try:
        fresh_engine.connect().close()
    finally:
        fresh_engine.dispose()


def _reconnection(url: str, repeat: int) -> dict:
    """What a later connection of an engine costs (a new server process, no dialect set-up)."""
    kept = engine(url)
    try:
        return measure(lambda: kept.connect().close(), repeat, warmup=1)
    finally:
        kept.dispose()


def _connections_during(call) -> tuple[int, int]:
    """How many connections ``call`` opens, and in how many pools (engines): SQLAlchemy's pool events."""
    opened, pools = [], []

    def connected(*_):
        opened.append(1)

    def first(*_):
        pools.append(1)

    sa.event.listen(Pool, "connect", connected)
    sa.event.listen(Pool, "first_connect", first)
    try:
        call()
    finally:
        sa.event.remove(Pool, "connect", connected)
        sa.event.remove(Pool, "first_connect", first)
    return len(opened), len(pools)


# -- 2. the backfill: batched by key range vs one UPDATE -----------------------------------------

TABLE = """CREATE TABLE items (
    id integer PRIMARY KEY,
    name text NOT NULL,
    price integer NOT NULL,
    touched integer NOT NULL DEFAULT 0
) WITH (autovacuum_enabled = off)"""
FILL = "INSERT INTO items (id, name, price) SELECT g, 'item ' || g, g %% 1000 + 1 FROM generate_series(1, %(rows)s) g"
BACKFILL = "UPDATE items SET price_cents = price * 100"
PROBE = sa.text("UPDATE items SET touched = touched + 1 WHERE id = :id")


class Probe(threading.Thread):
    """A concurrent writer: updates one random row (autocommit) every ``interval`` s; records each wait.

    Its first update starts when ``go`` is set (with the backfill), the last one is the one in
    flight when ``halt`` is set (the backfill is over): every update it makes overlaps the backfill.
    """

    def __init__(self, url: str, rows: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.url, self.rows, self.interval = url, rows, interval
        self.waits: list[float] = []
        self.ready, self.go, self.halt = threading.Event(), threading.Event(), threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        writer = engine(self.url, isolation_level="AUTOCOMMIT")
        chooser = random.Random(2026)
        try:
            with writer.connect() as connection:
                connection.exec_driver_sql("SET statement_timeout = '10min'")  # a hang fails, late
                self.ready.set()
                self.go.wait()
                while True:
                    start = time.perf_counter()
                    connection.execute(PROBE, {"id": chooser.randint(1, self.rows)})
                    self.waits.append(time.perf_counter() - start)
                    if self.halt.wait(self.interval):
                        break
        except Exception as exc:  # re-raised by the main thread
            self.error = exc
            self.ready.set()
        finally:
            writer.dispose()


def backfills(rows: int, batch: int, repeat: int, probe_ms: float) -> dict:
    """Each way ``repeat`` times, alternating, each on its own fresh database and table."""
    runs = {"batched": [], "one_update": []}
    for _ in range(repeat):
        for way in ("batched", "one_update"):
            url = fresh()
            try:
                runs[way].append(_backfill_once(url, rows, batch if way == "batched" else None, probe_ms / 1000))
            finally:
                drop(url)
    out = {"rows": rows, "batch": batch, "probe_interval_ms": probe_ms, "runs": runs,
           **{way: _median_run(found) for way, found in runs.items()}}
    batched, single = out["batched"], out["one_update"]
    out["ratios"] = {
        "longest_lock": single["longest_transaction_s"] / batched["longest_transaction_s"],
        "writer_max_wait": single["probe"]["max_wait_s"] / batched["probe"]["max_wait_s"],
        "total_time": batched["total_s"] / single["total_s"],
        "wal": batched["wal_bytes"] / single["wal_bytes"],
        "size_growth": batched["size_after_bytes"] / single["size_after_bytes"],
    }
    out["met"] = {
        "longest_lock": out["ratios"]["longest_lock"] >= LOCK_GOAL,
        "writer_max_wait": out["ratios"]["writer_max_wait"] >= LOCK_GOAL,
        "total_time": out["ratios"]["total_time"] <= BACKFILL_TIME_GOAL,
        "wal": out["ratios"]["wal"] <= WAL_GOAL,
    }
    return out


def _backfill_once(url: str, rows: int, batch: int | None, interval: float) -> dict:
    admin, work = engine(url, isolation_level="AUTOCOMMIT"), engine(url)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(TABLE)
            connection.exec_driver_sql(FILL, {"rows": rows})
            connection.exec_driver_sql("VACUUM (ANALYZE) items")  # hint bits set, statistics: a table at rest
            connection.exec_driver_sql("ALTER TABLE items ADD COLUMN price_cents bigint")  # nullable: no rewrite
            size_before = scalar(connection, "SELECT pg_total_relation_size('items')")
            connection.exec_driver_sql("CHECKPOINT")  # both ways start with the same full-page writes to make
            probe = Probe(url, rows, interval)
            probe.start()
            probe.ready.wait(60)
            lsn_before = scalar(connection, "SELECT pg_current_wal_lsn()::text")
            probe.go.set()
            start = time.perf_counter()
            try:
                with work.connect() as worker:
                    transactions = _batched(worker, connection, batch) if batch else [_one_update(worker, connection)]
                total = time.perf_counter() - start
            finally:
                probe.halt.set()
                probe.go.set()
                probe.join(600)
            if probe.error is not None:
                raise probe.error
            lsn_after = scalar(connection, "SELECT pg_current_wal_lsn()::text")
            wal = scalar(connection, "SELECT pg_wal_lsn_diff(%(after)s, %(before)s)::bigint",
                         after=lsn_after, before=lsn_before)
            size_after = scalar(connection, "SELECT pg_total_relation_size('items')")
            wrong = scalar(connection, "SELECT count(*) FROM items WHERE price_cents IS DISTINCT FROM price * 100")
            assert wrong == 0, f"{wrong} rows not backfilled"
    finally:
        admin.dispose()
        work.dispose()
    durations = [t["seconds"] for t in transactions]
    return {
        "total_s": total,
        "transactions": len(transactions),
        "rows_per_transaction": max(t["rows"] for t in transactions),
        "rows_updated": sum(t["rows"] for t in transactions),
        "longest_transaction_s": max(durations),
        "median_transaction_s": statistics.median(durations),
        "wal_bytes": int(wal),
        "wal_per_transaction_bytes": max(t["wal_bytes"] for t in transactions),
        "size_before_bytes": size_before,
        "size_after_bytes": size_after,
        "probe": {
            "updates": len(probe.waits),
            "max_wait_s": max(probe.waits),
            "median_wait_s": statistics.median(probe.waits),
        },
    }


def _batched(worker: sa.Connection, watcher: sa.Connection, batch: int) -> list[dict]:
    """The recipe: ``WHERE id BETWEEN lo AND hi`` over the key range, one short transaction per batch."""
    low, high = watcher.exec_driver_sql("SELECT min(id), max(id) FROM items").one()
    done = []
    for lo in range(low, high + 1, batch):
        done.append(_transaction(worker, watcher, f"{BACKFILL} WHERE id BETWEEN {lo} AND {lo + batch - 1}"))
    return done


def _one_update(worker: sa.Connection, watcher: sa.Connection) -> dict:
    return _transaction(worker, watcher, BACKFILL)


def _transaction(worker: sa.Connection, watcher: sa.Connection, sql: str) -> dict:
    """One transaction (BEGIN ... COMMIT) timed whole: the time its row locks are held."""
    before = scalar(watcher, "SELECT pg_current_wal_lsn()::text")
    start = time.perf_counter()
    with worker.begin():
        changed = worker.exec_driver_sql(sql).rowcount
    took = time.perf_counter() - start
    wal = scalar(watcher, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %(before)s)::bigint", before=before)
    return {"seconds": took, "rows": changed, "wal_bytes": int(wal)}


def _median_run(runs: list[dict]) -> dict:
    """Field by field, the median over the runs (one run: itself)."""
    def middle(values):
        return statistics.median(values)

    out = {key: middle([run[key] for run in runs]) for key in runs[0] if key != "probe"}
    out["probe"] = {key: middle([run["probe"][key] for run in runs]) for key in runs[0]["probe"]}
    return out


# -- 3. the server's start, in a private folder ----------------------------------------------------


def server_start(cold_repeat: int, repeat: int, reuse_repeat: int) -> dict:
    """Cold, warm and reuse starts and the stop, of a server in a temp folder (MIGRATOR_POSTGRES_DIR).

    The folder is in the system temp dir, not under --tmpdir: as root the server runs as pgserver's
    user, and a pytest session resets /tmp/pytest-of-<user> to mode 0700, which would cut it off.
    """
    base = Path(tempfile.mkdtemp(prefix="migrator-bench-pgstart-"))
    cold, warm, stops, pids = [], [], [], []
    reuse = None
    last = None
    try:
        for n in range(cold_repeat):
            last = base / f"cold{n}"
            with mock.patch.dict(os.environ, {"MIGRATOR_POSTGRES_DIR": str(last)}):
                cold.append(_timed(postgres.server))
                pids.append(_alive(postgres.server()))
                stops.append(_timed(postgres.stop))
            if n < cold_repeat - 1:
                shutil.rmtree(last)
        with mock.patch.dict(os.environ, {"MIGRATOR_POSTGRES_DIR": str(last)}):
            for _ in range(repeat):
                warm.append(_timed(postgres.server))
                pids.append(_alive(postgres.server()))
                if reuse is None:
                    reuse = measure(postgres.server, reuse_repeat)
                stops.append(_timed(postgres.stop))
            left_running = postgres._postmaster(postgres.folder() / "data") is not None
    finally:
        if last is not None:
            with mock.patch.dict(os.environ, {"MIGRATOR_POSTGRES_DIR": str(last)}):
                postgres.stop(force=True)
        shutil.rmtree(base, ignore_errors=True)
    cold_s, warm_s = summary(cold), summary(warm)
    ratio = warm_s["median_s"] / reuse["median_s"]
    return {
        "folder": str(base),
        "folder_removed": not base.exists(),
        "postmaster_pids": sorted(set(pids)),
        "left_running": left_running,
        "cold": cold_s,
        "warm": warm_s,
        "reuse": reuse,
        "stop": summary(stops),
        "cold_vs_warm": cold_s["median_s"] / warm_s["median_s"],
        "warm_vs_reuse": ratio,
        "goal": f">= {REUSE_GOAL:g}x",
        "met": ratio >= REUSE_GOAL,
    }


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _alive(running: postgres.Server) -> int:
    """The server answers (not only: its postmaster.pid says ready); its postmaster's pid."""
    with engine(running.url()).connect() as connection:
        assert scalar(connection, "SELECT 1") == 1
    return running.pid


# -- the run -------------------------------------------------------------------------------------


def measure_all(args) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="migrator-bench-pg-", dir=args.tmpdir))
    results = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/postgres.py", *sys.argv[1:]]),
        "pid": os.getpid(),
        "database_prefix": f"{DATABASE_HINT}_{os.getpid()}_",
        "machine": {**machine(), "scratch_filesystem": filesystem(scratch)},
        "versions": {**versions(), **_more_versions()},
        "settings": {key: getattr(args, key) for key in (
            "quick", "revisions", "rows", "batch", "repeat", "backfill_repeat", "cold_repeat",
            "reuse_repeat", "probe_ms")},
    }
    clock = time.perf_counter()
    try:
        start = time.perf_counter()
        running = postgres.server()
        results["project_server"] = {"server_call_s": time.perf_counter() - start, "data_dir": str(running.data_dir)}
        with engine(running.url()).connect() as connection:
            results["versions"]["postgresql"] = scalar(connection, "SHOW server_version")
        _say(f"1. upgrade head on PostgreSQL: bookshop and a {args.revisions}-revision chain, kit vs CLI ...")
        results["upgrade"] = upgrades(scratch, args.revisions, args.repeat)
        _say(f"2. backfill of {args.rows:,} rows: batches of {args.batch:,} vs one UPDATE ...")
        results["backfill"] = backfills(args.rows, args.batch, args.backfill_repeat, args.probe_ms)
        _say("3. server start in a private folder: cold, warm, reuse ...")
        results["server"] = server_start(args.cold_repeat, args.repeat, args.reuse_repeat)
    finally:
        for url in list(_made):  # a copy: drop() removes from _made
            drop(url)
        postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    results["databases_left"] = len(_made)
    results["machine"]["load_average_end"] = load_average()
    results["duration_s"] = time.perf_counter() - clock
    return results


def _more_versions() -> dict:
    found = {}
    for package in ("pgserver", "psycopg"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


# -- the report -------------------------------------------------------------------------------


def size(value: float | None) -> str:
    """Bytes, readable: 3.4 kB, 120 MB."""
    if value is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"


def _times(ratio: float, word: str = "shorter") -> str:
    return f"{ratio:.1f}x {word}" if ratio >= 1 else f"{1 / ratio:.1f}x {'longer' if word == 'shorter' else 'slower'}"


def summary_rows(results: dict) -> list[tuple[str, ...]]:
    table = []
    upgrade = results["upgrade"]
    for found in upgrade["chains"]:
        table.append((
            "1", "upgrade head: CLI / kit in-process", f"{found['chain']} ({found['revisions']} revisions)",
            seconds(found["kit"]["median_s"]), f"CLI {seconds(found['cli']['median_s'])}",
            _times(found["ratio"], "faster"), upgrade["goal"], _met(found["met"]),
        ))
        table.append((
            "1", "upgrade head: the kit's gate (lint each step against the data)", found["chain"],
            seconds(found["kit_gate"]["median_s"]), f"the move alone {seconds(found['kit_move']['median_s'])}",
            f"{found['kit_gate']['median_s'] / found['kit']['median_s']:.0%} of the upgrade", "report", "-",
        ))
    fill = results["backfill"]
    label = f"{rows_label(fill['rows'])} rows, {rows_label(fill['batch'])} a batch"
    batched, single, ratios, met = fill["batched"], fill["one_update"], fill["ratios"], fill["met"]
    table += [
        ("2", "backfill: longest transaction (row locks held)", label,
         seconds(batched["longest_transaction_s"]), f"one UPDATE {seconds(single['longest_transaction_s'])}",
         _times(ratios["longest_lock"]), f">= {LOCK_GOAL:g}x shorter", _met(met["longest_lock"])),
        ("2", "backfill: a concurrent writer's longest wait", label,
         seconds(batched["probe"]["max_wait_s"]), f"one UPDATE {seconds(single['probe']['max_wait_s'])}",
         _times(ratios["writer_max_wait"]), f">= {LOCK_GOAL:g}x shorter", _met(met["writer_max_wait"])),
        ("2", "backfill: total time, batched / one UPDATE", label,
         seconds(batched["total_s"]), f"one UPDATE {seconds(single['total_s'])}",
         f"{ratios['total_time']:.2f}x", f"<= {BACKFILL_TIME_GOAL:g}x", _met(met["total_time"])),
        ("2", "backfill: WAL written, batched / one UPDATE", label,
         size(batched["wal_bytes"]), f"one UPDATE {size(single['wal_bytes'])}",
         f"{ratios['wal']:.2f}x", f"<= {WAL_GOAL:g}x", _met(met["wal"])),
        ("2", "backfill: table size after (before: " + size(single["size_before_bytes"]) + ")", label,
         size(batched["size_after_bytes"]), f"one UPDATE {size(single['size_after_bytes'])}",
         f"{ratios['size_growth']:.2f}x", "report", "-"),
    ]
    server = results["server"]
    table += [
        ("3", "server start: cold (initdb + start) / warm", "new data folder",
         seconds(server["cold"]["median_s"]), f"warm {seconds(server['warm']['median_s'])}",
         f"{server['cold_vs_warm']:.1f}x", "report", "-"),
        ("3", "server start: warm / reuse (already running)", "same folder",
         seconds(server["reuse"]["median_s"]), f"warm {seconds(server['warm']['median_s'])}",
         _times(server["warm_vs_reuse"], "faster"), f"{server['goal']} faster", _met(server["met"])),
        ("3", "server stop (pg_ctl stop -m fast)", "same folder",
         seconds(server["stop"]["median_s"]), "-", "-", "report", "-"),
    ]
    return table


def backfill_rows(fill: dict) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    batched, single = fill["batched"], fill["one_update"]

    def row(name, pick, show):
        return (name, show(pick(batched)), show(pick(single)))

    def count(value):
        return f"{value:,.0f}"

    return ("", f"batched ({rows_label(fill['batch'])} rows a transaction)", "one UPDATE"), [
        row("total time", lambda r: r["total_s"], seconds),
        row("transactions", lambda r: r["transactions"], count),
        row("rows per transaction (largest)", lambda r: r["rows_per_transaction"], count),
        row("longest transaction = longest row lock", lambda r: r["longest_transaction_s"], seconds),
        row("median transaction", lambda r: r["median_transaction_s"], seconds),
        row("writer probe: updates during the backfill", lambda r: r["probe"]["updates"], count),
        row("writer probe: longest wait", lambda r: r["probe"]["max_wait_s"], seconds),
        row("writer probe: median wait", lambda r: r["probe"]["median_wait_s"], seconds),
        row("WAL written (whole backfill)", lambda r: r["wal_bytes"], size),
        row("WAL per transaction (largest)", lambda r: r["wal_per_transaction_bytes"], size),
        row("table + index size before", lambda r: r["size_before_bytes"], size),
        row("table + index size after", lambda r: r["size_after_bytes"], size),
    ]


def findings(results: dict) -> list[str]:
    out = []
    upgrade = results["upgrade"]
    floor = upgrade["cli_floor"]["median_s"]
    connect, reconnect = upgrade["new_connection"]["median_s"], upgrade["reconnection"]["median_s"]
    for found in upgrade["chains"]:
        kit, cli = found["kit"]["median_s"], found["cli"]["median_s"]
        gate, move = found["kit_gate"]["median_s"], found["kit_move"]["median_s"]
        opened, engines = found["kit_connections"], found["kit_engines"]
        spent = engines * connect + (opened - engines) * reconnect
        sentence = (
            f"{found['chain']}: the kit upgrades in {seconds(kit)}, the CLI in {seconds(cli)} "
            f"({_times(found['ratio'], 'faster')}); `alembic --version` alone takes {seconds(floor)}, so the "
            + (f"CLI's migration work is about {seconds(cli - floor)}" if cli > floor else
               "CLI's migration work is lost in the noise of its start-up")
            + ". The kit's upgrade is its gate (the plan: "
            f"every step linted against the data) {seconds(gate)} plus the move {seconds(move)}; it opens "
            f"{opened} connections to the database ({opened / found['revisions']:.1f} per revision) from "
            f"{engines} engines; on this server a new engine's first connection costs {seconds(connect)}, a "
            f"later one {seconds(reconnect)}, so about {seconds(spent)} of the upgrade is connecting"
        )
        if not found["met"]:
            sentence += (
                f": goal missed. The move alone ({seconds(move)}) is "
                + ("no slower than" if move <= cli - floor else "slower than")
                + " the CLI's work; the gate is what costs: linting opens the database anew for every "
                "revision (migrator/lint/facts.py, `Facts.open`, twice per revision: each a new engine, a "
                "test connection, then the reading one). On SQLite a connection is a file open; on "
                "PostgreSQL each is a new server process. One read connection shared by the whole plan "
                "would remove most of it"
            )
        out.append(sentence + ".")
    fill = results["backfill"]
    batched, single, ratios = fill["batched"], fill["one_update"], fill["ratios"]
    out.append(
        f"Backfill of {rows_label(fill['rows'])} rows: batched, a concurrent writer waits at most "
        f"{seconds(batched['probe']['max_wait_s'])} (median {seconds(batched['probe']['median_wait_s'])}) vs "
        f"{seconds(single['probe']['max_wait_s'])} for one UPDATE; the longest transaction holds its row locks "
        f"{seconds(batched['longest_transaction_s'])} vs {seconds(single['longest_transaction_s'])}; the whole "
        f"backfill takes {seconds(batched['total_s'])} vs {seconds(single['total_s'])} ({ratios['total_time']:.2f}x) "
        f"and writes {size(batched['wal_bytes'])} of WAL vs {size(single['wal_bytes'])} ({ratios['wal']:.2f}x), "
        f"at most {size(batched['wal_per_transaction_bytes'])} per transaction vs "
        f"{size(single['wal_per_transaction_bytes'])}."
    )
    for key, what in (("longest_lock", "the longest lock"), ("writer_max_wait", "a writer's longest wait")):
        if fill["met"][key]:
            continue
        why = (f"with {batched['transactions']} batches the ideal is about {batched['transactions']}x, and a "
               "batch's fixed costs (its BEGIN, COMMIT and WAL flush) weigh more the smaller it is")
        if key == "writer_max_wait" and single["probe"]["max_wait_s"] < single["longest_transaction_s"] / 2:
            why = (f"the one UPDATE lasted {seconds(single['longest_transaction_s'])} and the probe's "
                   f"{single['probe']['updates']} update(s) during it did not meet its locks; what the probe "
                   f"measured is mostly its own commit (median {seconds(single['probe']['median_wait_s'])})")
        out.append(f"Goal missed: {what} is {_times(ratios[key])} batched than with one UPDATE, not "
                   f"{LOCK_GOAL:g}x shorter: {why}.")
    if not fill["met"]["total_time"]:
        out.append(f"Goal missed: batching costs {ratios['total_time']:.2f}x the time of one UPDATE "
                   "(a commit and a WAL flush per batch, an index range scan each).")
    if not fill["met"]["wal"]:
        out.append(f"Goal missed: batching writes {ratios['wal']:.2f}x the WAL of one UPDATE.")
    grown = single["size_after_bytes"] / single["size_before_bytes"]
    out.append(
        f"Both ways leave the old row versions behind (autovacuum is off on the table, to compare like with like): "
        f"the table grows {grown:.2f}x with one UPDATE and "
        f"{batched['size_after_bytes'] / batched['size_before_bytes']:.2f}x batched; a VACUUM between batches "
        "would let later batches reuse the space."
    )
    server = results["server"]
    sentence = (
        f"Server: a cold start (initdb + start) takes {seconds(server['cold']['median_s'])}, a warm start "
        f"{seconds(server['warm']['median_s'])}, `server()` on a running server {seconds(server['reuse']['median_s'])} "
        f"({server['warm_vs_reuse']:.0f}x faster than a warm start), a stop {seconds(server['stop']['median_s'])}"
    )
    out.append(sentence + ("." if server["met"] else ": goal missed."))
    return out


def _context(results: dict) -> list[str]:
    m, v, s = results["machine"], results["versions"], results["settings"]
    return [
        (f"machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GB RAM, {m['os']}, scratch on "
         f"{m.get('scratch_filesystem') or '?'}; load average {m['load_average']} at the start, "
         f"{m.get('load_average_end')} at the end"),
        "versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        (f"sizes: {s['revisions']}-revision chain, {s['repeat']} runs each (kit warm, one untimed run first); "
         f"backfill {rows_label(s['rows'])} rows in batches of {rows_label(s['batch'])}, {s['backfill_repeat']} "
         f"run(s) each way, probe every {s['probe_ms']:g} ms; {s['cold_repeat']} cold start(s), {s['repeat']} warm, "
         f"{s['reuse_repeat']} reuse calls; medians"),
        f"run: {results['command']} at {results['started']}, took {seconds(results['duration_s'])}",
    ]


def text(results: dict) -> str:
    return "\n".join([
        *_context(results), "", _aligned(HEADERS, summary_rows(results)), "",
        "The backfill in detail (medians over the runs):", _aligned(*backfill_rows(results["backfill"])), "",
        *(f"- {line}" for line in findings(results)),
    ])


def markdown(results: dict, notes=()) -> str:
    """This script's section of RESULTS.md, between its markers."""
    return "\n".join([
        SECTION_START,
        "## Session 3: PostgreSQL",
        "",
        "Written by `bench/postgres.py --markdown bench/RESULTS.md` (`make bench` runs the same",
        "measurements and prints them). Every figure runs on the kit's own PostgreSQL server",
        "(`migrator.postgres`, over its unix socket); each ratio compares two things measured in this run.",
        "",
        *(f"- {line}" for line in _context(results)),
        "",
        _pipes(HEADERS, summary_rows(results)),
        "",
        "**1. upgrade head**: `Workspace(...).with_database(url).upgrade()` in this process vs",
        "`DATABASE_URL=url alembic -c <workspace>/alembic.ini upgrade head` as a subprocess; the same",
        "project, the same server, a brand-new database for every run (made and dropped untimed). The",
        "kit's gate (`plan`: every step linted against the data) and its move are each timed on their own,",
        "on a fresh database each, so under load they need not add up to the upgrade.",
        "",
        "**2. The backfill in detail** (a nullable `price_cents` filled from `price`; medians over the runs).",
        "The longest transaction is the longest time any row lock is held; the writer probe updates one",
        "random row every ~20 ms in its own autocommit transaction while the backfill runs. WAL is",
        "`pg_wal_lsn_diff` of `pg_current_wal_lsn()` around the backfill (after a CHECKPOINT, so both ways",
        "write the same full-page images); it includes the probe's few updates.",
        "",
        _pipes(*backfill_rows(results["backfill"])),
        "",
        "**3. Server start** in a private temp folder (`MIGRATOR_POSTGRES_DIR`), never the project's server:",
        "cold = `postgres.server()` on a new folder (initdb + start), warm = the same folder after a stop,",
        "reuse = `postgres.server()` while it runs (a lock, a holder file, the postmaster.pid check).",
        "",
        "### Findings (computed from the numbers above)",
        "",
        *(f"- {line}" for line in findings(results)),
        *(["", "### Notes", "", *(f"- {line}" for line in notes)] if notes else []),
        SECTION_END,
        "",
    ])


def write_section(path: Path, section: str) -> None:
    """Replace this script's section of ``path`` (between its markers), or add it at the end."""
    sections.write_section(path, SECTION_START, SECTION_END, section)


def _say(text_: str) -> None:
    print(text_, file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.from_json:
        results = json.loads(args.from_json.read_text())
    elif not postgres.available():
        print(f"bench/postgres.py: nothing measured: {postgres._missing()}")
        return 0
    else:
        results = measure_all(args)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(text(results))
    if args.markdown:
        write_section(args.markdown, markdown(results, args.note))
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
