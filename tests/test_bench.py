"""The benchmark runs end to end at a tiny size and reports what it promises.

No time assertions: the numbers depend on the machine. This proves that
`bench/run.py` measures every part, prints the table, and saves the JSON and
Markdown the README points to (bench/RESULTS.md is written the same way).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from migrator import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))

from bench import course, report  # noqa: E402

RUN = PROJECT_ROOT / "bench" / "run.py"
VERBS = ["current", "history", "upgrade (one revision)", "revision --autogenerate"]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """One `bench/run.py --quick` run: its stdout, its JSON and its Markdown."""
    tmp = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(tmp / "results.json"),
         "--markdown", str(tmp / "RESULTS.md"), "--tmpdir", str(tmp)],
        cwd=tmp, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    leftovers = [p.name for p in tmp.iterdir() if p.name not in ("results.json", "RESULTS.md")]
    assert leftovers == [], "the scratch workspaces and databases are removed"
    return result.stdout, json.loads((tmp / "results.json").read_text()), (tmp / "RESULTS.md").read_text()


def test_reports_machine_versions_and_sizes(quick):
    _, results, _ = quick
    assert results["machine"]["cores"] >= 1 and results["machine"]["cpu"]
    assert results["machine"]["memory_gb"] > 0
    for package in ("python", "sqlite", "sqlalchemy", "alembic", "pandas"):
        assert results["versions"][package], package
    assert results["settings"]["sizes"] == [1_000, 2_000]
    assert results["settings"]["repeat"] == 1
    assert "course" not in results, "--quick skips the course run"


def test_step_latency_compares_each_verb_with_the_cli(quick):
    _, results, _ = quick
    verbs = results["steps"]["verbs"]
    assert [v["verb"] for v in verbs] == VERBS
    for verb in verbs:
        assert verb["inprocess"]["median_s"] > 0 and verb["cli"]["median_s"] > 0
        assert verb["speedup"] == pytest.approx(verb["cli"]["median_s"] / verb["inprocess"]["median_s"])
        assert verb["met"] == (verb["speedup"] >= 50)
    assert "CLI floor: alembic --version" in results["steps"]["parts"]


def test_rewrite_has_every_variant_at_every_size(quick):
    _, results, _ = quick
    rewrite = results["rewrite"]
    assert [s["rows"] for s in rewrite["per_size"]] == [1_000, 2_000]
    assert set(rewrite["medians"]) == {"0", "1000", "2000"}
    for size in rewrite["per_size"]:
        assert size["kit_vs_hand"] == pytest.approx(size["kit_s"] / size["hand_s"])
        assert size["kit_vs_floor"] == pytest.approx(size["kit_s"] / size["floor_s"])
        for part in ("drop_s", "reflect_s", "hand_memjournal_s", "hand_bigcache_s"):
            assert size[part] > 0
    assert rewrite["growth"]["rows_factor"] == 2


def test_verification_is_measured_or_says_why_not(quick):
    _, results, _ = quick
    verify = results["verify"]
    assert verify["rows"] == 2_000
    if verify["available"]:
        assert verify["verify_peak_rss_mb"] > 0 and verify["scan"]["median_s"] > 0
        assert verify["verify_vs_scan"] == pytest.approx(verify["verify"]["median_s"] / verify["scan"]["median_s"])
    else:
        assert "migrator.backup.verify" in verify["note"]


def test_prints_the_table_and_writes_markdown(quick):
    stdout, results, markdown = quick
    assert "measure" in stdout and "current: CLI / in-process" in stdout
    assert "batch rewrite: kit / hand-written SQL" in stdout
    assert markdown.startswith("# Benchmark results")
    assert "| # | measure | size | migrator | reference | ratio | goal | met |" in markdown
    assert results["versions"]["sqlite"] in markdown
    assert markdown.count("| 2 | batch rewrite: kit / hand-written SQL |") == 2


def test_rerendering_keeps_hand_written_notes(quick, tmp_path):
    _, results, _ = quick
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results))
    target = tmp_path / "RESULTS.md"
    target.write_text(report.markdown(results).replace(
        report.NOTES_START + "\n", report.NOTES_START + "\nmeasured while other jobs ran\n"))
    result = subprocess.run(
        [sys.executable, str(RUN), "--from-json", str(saved), "--markdown", str(target)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "measured while other jobs ran" in target.read_text()
    assert target.read_text().count(report.NOTES_START) == 1


def test_course_times_are_summed_per_notebook_from_junit_xml(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" time="7.5">'
        '<testcase classname="notebooks.00_a.ipynb" name="Cell 0" time="3.0" />'
        '<testcase classname="notebooks.00_a.ipynb" name="Cell 1" time="0.5" />'
        '<testcase classname="notebooks.01_b.ipynb" name="Cell 0" time="4.0"><failure message="x"/></testcase>'
        "</testsuite></testsuites>"
    )
    parsed = course.parse_junit(junit)
    assert parsed["session_s"] == 7.5
    assert parsed["notebooks"] == {"00_a.ipynb": 3.5, "01_b.ipynb": 4.0}
    assert parsed["failed_cells"] == {"01_b.ipynb": 1}


def test_update_replaces_only_the_parts_measured_again():
    from bench.run import merged

    saved = {"command": "bench/run.py", "steps": {"old": 1}, "rewrite": {"old": 2}}
    new = {"command": "bench/run.py --only rewrite --update", "started": "now",
           "machine": {"load_average": [0.1, 0.1, 0.1]}, "rewrite": {"new": 3}}
    out = merged(saved, new, ["rewrite"])
    assert out["steps"] == {"old": 1} and out["rewrite"] == {"new": 3}
    assert out["command"] == "bench/run.py"
    assert out["updates"] == [{"parts": ["rewrite"], "command": new["command"], "started": "now",
                               "load_average": [0.1, 0.1, 0.1]}]


def test_the_install_benchmark_times_what_the_makefile_runs():
    """bench/install.py installs the way the Makefile does: same files, same commands (no timing asserted)."""
    source = (PROJECT_ROOT / "bench" / "install.py").read_text()
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert '"uv~=0.13.8"' in makefile and 'UV = "uv~=0.13.8"' in source
    for piece in ("-r requirements.txt -c constraints.txt", "uv pip install --quiet --compile-bytecode --python"):
        assert piece in makefile
    assert '"-r", "requirements.txt", "-c", "constraints.txt"' in source
    assert '"uv", "pip", "install", "--quiet", "--compile-bytecode", "--python"' in source
