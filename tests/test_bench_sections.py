"""bench/sections.py: a benchmark's re-run replaces its own section of RESULTS.md and nothing else."""

from __future__ import annotations

from bench.sections import write_section

START, END = "<!-- demo:start -->", "<!-- demo:end -->"


def test_a_first_run_adds_the_section_and_a_rerun_replaces_only_it(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nhand-written analysis\n")
    write_section(results, START, END, f"{START}\nfirst run\n{END}")
    write_section(results, START, END, f"{START}\nsecond run\n{END}\n")
    assert results.read_text() == f"# Benchmark results\n\nhand-written analysis\n\n{START}\nsecond run\n{END}\n"
    results.write_text(results.read_text() + "\n## later notes\n")
    write_section(results, START, END, f"{START}\nthird run\n{END}\n")
    assert results.read_text().endswith(f"{START}\nthird run\n{END}\n\n## later notes\n")


def test_a_missing_file_gets_just_the_section(tmp_path):
    write_section(tmp_path / "RESULTS.md", START, END, f"{START}\nrun\n{END}\n")
    assert (tmp_path / "RESULTS.md").read_text() == f"{START}\nrun\n{END}\n"
