"""bench/workshop.py's verdict: the 2x line, the first K past it, and the sizing sentence.

The load test itself needs minutes and a quiet machine (it is a benchmark, run by hand);
tests/test_workshop.py runs the same hub and simulated learners with two learners. Here: the
reading of its figures, on figures written out by hand.
"""

from __future__ import annotations

from bench.workshop import advice, percentile, verdict


def result(k: int, ok: int, p95: float | None, peak: float = 300.0) -> dict:
    return {"k": k, "ok": ok, "p95": p95, "user_peak_mb": peak, "server_max": 60.0}


def test_the_first_k_past_twice_the_single_user_p95_and_the_largest_k_under_it():
    results = [result(1, 1, 0.5), result(5, 5, 0.8), result(10, 10, 0.99), result(20, 20, 1.3), result(30, 30, 2.5)]
    v = verdict(results)
    assert v["line"] == 1.0 and v["past"] == 20 and v["holds"] == 10
    text = advice(results, v)
    assert "By the 2x line, one 2-core VM holds 10 learners" in text and "from 20 on p95 is past" in text
    assert v["interactive_past"] == 20 and v["interactive_holds"] == 10
    assert "within 1 s, one 2-core VM holds 10 learners; for 30: about 6 cores (3 x 10" in text
    assert "30 at once all got through on this VM too, but slowly: p95 2.50 s (5.0x)" in text


def test_a_quiet_single_user_sets_a_low_2x_line_and_the_interactive_line_still_sizes():
    results = [result(1, 1, 0.13), result(5, 5, 0.52), result(10, 10, 0.81), result(20, 20, 1.54), result(30, 30, 2.4)]
    v = verdict(results)
    assert v["past"] == 5 and v["holds"] == 1
    assert v["interactive_past"] == 20 and v["interactive_holds"] == 10
    assert "holds 1 learner starting" in advice(results, v) and "for 30: about 6 cores" in advice(results, v)


def test_one_small_k_over_the_line_with_larger_ones_under_it_is_noise_not_the_limit():
    v = verdict([result(1, 1, 0.5), result(5, 5, 1.1), result(10, 10, 0.9), result(20, 20, 1.3), result(30, 30, 2.5)])
    assert v["past"] == 20 and v["holds"] == 10 and v["noise"] == [5]


def test_a_k_with_a_failed_learner_counts_as_past_the_line():
    v = verdict([result(1, 1, 0.5), result(5, 5, 0.6), result(10, 9, 0.7)])
    assert v["past"] == 10 and v["holds"] == 5 and v["noise"] == []


def test_a_run_that_never_reaches_the_line_does_not_extrapolate():
    results = [result(1, 1, 0.5), result(2, 2, 0.6)]
    v = verdict(results)
    assert v["past"] is None and v["holds"] == 2
    assert "does not show where that limit is" in advice(results, v)
    assert "x 2 learners" not in advice(results, v)


def test_percentiles_are_values_that_were_measured():
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0
    assert percentile([], 0.95) is None


def test_its_section_of_results_md_is_replaced_and_the_others_kept(tmp_path):
    from bench.workshop import END, START, write_section

    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\n<!-- install:start -->\ninstall figures\n<!-- install:end -->\n")
    write_section(results, f"{START}\nfirst run\n{END}\n")
    write_section(results, f"{START}\nsecond run\n{END}\n")
    text = results.read_text()
    assert "install figures" in text and "second run" in text and "first run" not in text
    assert text.count(START) == 1
