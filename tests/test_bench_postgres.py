"""bench/postgres.py runs end to end at a tiny size (--quick), reports every figure, leaves nothing behind.

No time assertions: the numbers depend on the machine (the speed goals are ratios the script
reports, met or not). This proves that the script measures each figure it promises, prints the
table, writes its own section of RESULTS.md without touching the others, and that afterwards no
database it made is left on the kit's server, its private server is stopped and its folders are gone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from test_postgres import gone, processes_of

from migrator import PROJECT_ROOT, postgres

sys.path.insert(0, str(PROJECT_ROOT))

from bench import postgres as bench_postgres  # noqa: E402

pytestmark = pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform")

SCRIPT = PROJECT_ROOT / "bench" / "postgres.py"
EARLIER = "# Benchmark results\n\n## Session 2\n\nearlier figures, kept as they are\n"
MEASURES = [
    "upgrade head: CLI / kit in-process",
    "backfill: longest transaction (row locks held)",
    "backfill: a concurrent writer's longest wait",
    "backfill: total time, batched / one UPDATE",
    "backfill: WAL written, batched / one UPDATE",
    "backfill: table size after",
    "server start: cold (initdb + start) / warm",
    "server start: warm / reuse (already running)",
    "server stop (pg_ctl stop -m fast)",
]


@pytest.fixture(scope="module")
def quick(tmp_path_factory, postgres_server):
    """One `bench/postgres.py --quick` run: its stdout, its JSON, and a RESULTS.md it added its section to."""
    tmp = tmp_path_factory.mktemp("benchpg")
    (tmp / "RESULTS.md").write_text(EARLIER)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(tmp / "results.json"),
         "--markdown", str(tmp / "RESULTS.md"), "--tmpdir", str(tmp)],
        cwd=tmp, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    leftovers = [p.name for p in tmp.iterdir() if p.name not in ("results.json", "RESULTS.md")]
    assert leftovers == [], "the scratch workspaces are removed"
    return result.stdout, json.loads((tmp / "results.json").read_text()), (tmp / "RESULTS.md").read_text()


def test_leaves_no_database_behind(quick, postgres_server):
    _, results, _ = quick
    assert results["databases_left"] == 0
    assert results["database_prefix"] == f"benchpg_{results['pid']}_"
    engine = sa.create_engine(postgres_server.url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            left = connection.execute(sa.text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"),
                                      {"prefix": results["database_prefix"]}).scalars().all()
    finally:
        engine.dispose()
    assert left == []


def test_the_private_server_is_stopped_and_its_folder_gone(quick):
    _, results, _ = quick
    server = results["server"]
    folder = Path(server["folder"])
    assert folder.name.startswith("migrator-bench-pgstart-")
    assert not folder.exists() and server["folder_removed"] and not server["left_running"]
    assert server["postmaster_pids"], "the server was started"
    for pid in server["postmaster_pids"]:
        assert gone(pid)
        assert processes_of(folder, pid) == []


def test_reports_machine_versions_and_settings(quick):
    _, results, _ = quick
    assert results["machine"]["cores"] >= 1 and results["machine"]["cpu"]
    assert results["machine"]["load_average_end"] is not None
    for package in ("python", "sqlalchemy", "alembic", "psycopg", "pgserver"):
        assert results["versions"][package], package
    assert results["versions"]["postgresql"].startswith("16")
    assert results["settings"] == {
        "quick": True, "revisions": 10, "rows": 2_000, "batch": 500, "repeat": 1, "backfill_repeat": 1,
        "cold_repeat": 1, "reuse_repeat": 5, "probe_ms": 20.0,
    }


def test_upgrade_head_compares_the_kit_with_the_cli_on_both_chains(quick):
    _, results, _ = quick
    upgrade = results["upgrade"]
    assert [(c["chain"], c["revisions"]) for c in upgrade["chains"]] == [("bookshop", 4), ("10-revision chain", 10)]
    for found in upgrade["chains"]:
        assert found["kit"]["runs"] == found["cli"]["runs"] == 1
        assert found["kit"]["median_s"] > 0 and found["cli"]["median_s"] > 0
        assert found["ratio"] == pytest.approx(found["cli"]["median_s"] / found["kit"]["median_s"])
        assert found["met"] == (found["ratio"] >= 1)
        assert found["kit_gate"]["median_s"] > 0 and found["kit_move"]["median_s"] > 0  # what the kit's is made of
        assert found["kit_connections"] >= found["kit_engines"] >= 1
    for part in ("cli_floor", "new_connection", "reconnection"):
        assert upgrade[part]["median_s"] > 0, part


def test_backfill_measures_both_ways(quick):
    _, results, _ = quick
    fill = results["backfill"]
    assert (fill["rows"], fill["batch"]) == (2_000, 500)
    batched, single = fill["batched"], fill["one_update"]
    assert (batched["transactions"], batched["rows_per_transaction"]) == (4, 500)
    assert (single["transactions"], single["rows_per_transaction"]) == (1, 2_000)
    for way in (batched, single):
        assert way["rows_updated"] == 2_000
        assert 0 < way["longest_transaction_s"] <= way["total_s"]
        assert way["probe"]["updates"] >= 1, "the writer probe ran during the backfill"
        assert way["probe"]["max_wait_s"] >= way["probe"]["median_wait_s"] > 0
        assert 0 < way["wal_per_transaction_bytes"] <= way["wal_bytes"]
        assert way["size_after_bytes"] > way["size_before_bytes"] > 0  # the old row versions stay
    assert single["longest_transaction_s"] == pytest.approx(single["median_transaction_s"])
    ratios = fill["ratios"]
    assert ratios["longest_lock"] == pytest.approx(single["longest_transaction_s"] / batched["longest_transaction_s"])
    assert ratios["writer_max_wait"] == pytest.approx(single["probe"]["max_wait_s"] / batched["probe"]["max_wait_s"])
    assert ratios["total_time"] == pytest.approx(batched["total_s"] / single["total_s"])
    assert ratios["wal"] == pytest.approx(batched["wal_bytes"] / single["wal_bytes"])
    assert fill["met"]["longest_lock"] == (ratios["longest_lock"] >= 10)
    assert fill["met"]["wal"] == (ratios["wal"] <= 1.5)


def test_server_start_cold_warm_and_reuse(quick):
    _, results, _ = quick
    server = results["server"]
    assert (server["cold"]["runs"], server["warm"]["runs"], server["reuse"]["runs"]) == (1, 1, 5)
    assert server["stop"]["runs"] == 2  # after the cold start and after the warm one
    for part in ("cold", "warm", "reuse", "stop"):
        assert server[part]["median_s"] > 0, part
    assert server["warm_vs_reuse"] == pytest.approx(server["warm"]["median_s"] / server["reuse"]["median_s"])
    assert server["met"] == (server["warm_vs_reuse"] >= 10)


def test_prints_the_table_and_adds_its_section_at_the_end(quick):
    stdout, results, markdown = quick
    for measure in MEASURES:
        assert measure in stdout, measure
        assert f"| {measure}" in markdown, measure
    assert "The backfill in detail" in stdout and "writer probe: longest wait" in stdout
    assert markdown.startswith(EARLIER), "the sections before it are kept as they were"
    section = markdown[len(EARLIER):]
    assert section.lstrip().startswith(bench_postgres.SECTION_START + "\n## Session 3: PostgreSQL")
    assert section.rstrip().endswith(bench_postgres.SECTION_END)
    assert "| # | measure | size | migrator | reference | ratio | goal | met |" in section
    assert results["versions"]["postgresql"] in section and "### Findings" in section


def test_rerendering_replaces_only_its_own_section(quick, tmp_path):
    _, results, markdown = quick
    saved, target = tmp_path / "results.json", tmp_path / "RESULTS.md"
    saved.write_text(json.dumps(results))
    target.write_text(markdown + "\n## A later section\n\nkept too\n")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--from-json", str(saved), "--markdown", str(target), "--note", "a quiet machine"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    text = target.read_text()
    assert text.count(bench_postgres.SECTION_START) == 1 and text.count("## Session 3: PostgreSQL") == 1
    assert text.startswith(EARLIER) and text.endswith("## A later section\n\nkept too\n")
    assert "- a quiet machine" in text


def test_make_bench_runs_it():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    target = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/python bench/postgres.py" in target
