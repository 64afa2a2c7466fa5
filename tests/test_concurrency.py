"""Two processes migrating one SQLite file, and a process killed halfway through a rewrite.

migrator.database begins every migration with BEGIN IMMEDIATE (30 s busy timeout): the
second process waits for the first, then finds nothing left to do. A process killed in
the middle of a long batch rewrite leaves a hot journal; SQLite rolls it back on the next
open, so the file is intact and alembic_version still matches the schema. Real processes,
real files, bounded in time.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from conftest import write_revision_body
from migrator import Workspace

TIMEOUT = 90  # seconds: a hung test fails instead of blocking the suite

#: A child process: wait for the start signal, upgrade, print what its upgrade did.
UPGRADER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from migrator import Workspace
    root, go, ready = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    ws = Workspace("shared", root=root)
    ready.touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    started = time.monotonic()
    move = ws.upgrade()
    print(json.dumps({"before": move.before, "after": move.after, "steps": [r for r, _ in move.steps],
                      "seconds": time.monotonic() - started}))
""")


def child(*args: str) -> subprocess.Popen:
    env = {**os.environ, "MIGRATOR_QUIET": "1"}
    return subprocess.Popen([sys.executable, "-c", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def test_two_processes_upgrading_at_once_apply_each_revision_exactly_once(tmp_path):
    ws = Workspace("shared", root=tmp_path, reset=True, starter="bookshop")
    # 0005 records that it ran and takes a second, so the two upgrades overlap.
    rev = ws.revision("slow and counted", autogenerate=False)
    write_revision_body(ws, rev, """
        op.create_table('runs', sa.Column('revision', sa.String(10), primary_key=True))
        op.execute("INSERT INTO runs VALUES ('0005')")
        if not op.get_context().as_sql:  # not while the linter reads the file
            import time; time.sleep(1.0)
    """, "op.drop_table('runs')")
    ws.write_models(ws.read_models() + textwrap.dedent('''

        class Run(Base):
            __tablename__ = "runs"

            revision: Mapped[str] = mapped_column(String(10), primary_key=True)
    '''))
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(2)]
    processes = [child(UPGRADER, str(tmp_path), str(go), str(r)) for r in ready]
    deadline = time.monotonic() + TIMEOUT
    while not all(r.exists() for r in ready):  # both imported and waiting at the start line
        assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
        time.sleep(0.01)
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    applied = sorted(step for result in results for step in result["steps"])
    assert applied == ["0001", "0002", "0003", "0004", "0005"]  # each exactly once, all together
    winner, loser = sorted(results, key=lambda r: -len(r["steps"]))
    assert winner["before"] is None and winner["after"] == "0005"
    assert loser["steps"] == [] and loser["before"] == loser["after"] == "0005"  # it waited, then saw head
    assert loser["seconds"] > 0.5  # it waited for the winner's lock rather than failing
    assert ws.version_table()["version_num"].tolist() == ["0005"]
    assert ws.rows("runs")["revision"].tolist() == ["0005"]
    assert ws.check().empty  # the schema is what the models say


KILLED = textwrap.dedent("""
    import sys
    from migrator import Workspace
    Workspace("big", root=sys.argv[1]).upgrade()
""")


def test_a_process_killed_during_a_long_rewrite_leaves_a_consistent_database(tmp_path):
    ws = Workspace("big", root=tmp_path, reset=True)
    ws.write_models(ws.read_models() + textwrap.dedent('''

        class Item(Base):
            __tablename__ = "items"

            id: Mapped[int] = mapped_column(primary_key=True)
            label: Mapped[str] = mapped_column(String(20))
            note: Mapped[str | None] = mapped_column(String(40))
    '''))
    ws.revision("create items")
    ws.upgrade()
    with sqlite3.connect(ws.database_path) as connection:
        connection.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
            "INSERT INTO items SELECT i, 'item ' || i, printf('%040d', i) FROM n"
        )
    connection.close()
    started = tmp_path / "started"
    rev = ws.revision("widen label and note", autogenerate=False)
    # Three table rewrites of a million rows each; a marker file says the first has begun.
    write_revision_body(ws, rev, f"""
        if not op.get_context().as_sql:
            from pathlib import Path
            Path({str(started)!r}).touch()
        with op.batch_alter_table('items', recreate='always') as batch_op:
            batch_op.alter_column('label', existing_type=sa.String(20), type_=sa.String(50))
        with op.batch_alter_table('items', recreate='always') as batch_op:
            batch_op.alter_column('note', existing_type=sa.String(40), type_=sa.String(80))
        with op.batch_alter_table('items', recreate='always') as batch_op:
            batch_op.alter_column('label', existing_type=sa.String(50), type_=sa.String(60))
    """)
    process = child(KILLED, str(tmp_path))
    deadline = time.monotonic() + TIMEOUT
    while not started.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the upgrade never started"
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the first rewrite
    assert process.poll() is None, "the upgrade finished before it could be killed: make it longer"
    journal = Path(str(ws.database_path) + "-journal")
    assert journal.exists()  # a transaction is open: this is the halfway point
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=TIMEOUT)
    assert process.returncode == -signal.SIGKILL

    with sqlite3.connect(ws.database_path) as connection:  # opening rolls the hot journal back
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        assert tables == ["alembic_version", "items"]  # no _alembic_tmp_items left behind
        assert connection.execute("SELECT count(*) FROM items").fetchone() == (1_000_000,)
    connection.close()
    assert ws.columns("items").set_index("column").loc["label", "type"] == "VARCHAR(20)"  # 0001's schema
    assert not journal.exists() or journal.stat().st_size == 0

    ws.write_models(ws.read_models().replace("String(20)", "String(60)").replace("String(40)", "String(80)"))
    assert ws.upgrade().after == "0002"  # and the interrupted revision simply runs again
    assert ws.check().empty


def test_a_locked_database_makes_the_other_process_wait(tmp_path):
    """While another connection holds the write lock, an upgrade waits for it (busy timeout)."""
    ws = Workspace("shared", root=tmp_path, reset=True, starter="bookshop")
    holder = sqlite3.connect(ws.database_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    go, ready = tmp_path / "go", tmp_path / "ready"
    go.touch()
    process = child(UPGRADER, str(tmp_path), str(go), str(ready))
    deadline = time.monotonic() + TIMEOUT
    while not ready.exists():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.01)
    time.sleep(1.0)  # the child is blocked on BEGIN IMMEDIATE meanwhile
    assert process.poll() is None
    holder.rollback()
    holder.close()
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["after"] == "0004"
