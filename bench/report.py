"""The results as a text table (printed) and as Markdown (bench/RESULTS.md)."""

from __future__ import annotations

import re
from pathlib import Path

from .timing import rows_label, seconds

NOTES_START = "<!-- notes:start -->"
NOTES_END = "<!-- notes:end -->"
HEADERS = ("#", "measure", "size", "migrator", "reference", "ratio", "goal", "met")


def _met(flag) -> str:
    return "-" if flag is None else ("yes" if flag else "NO")


def summary_rows(results: dict) -> list[tuple[str, ...]]:
    """One row per figure: what, how big, the kit, the reference, the ratio, the goal."""
    table = []
    for step in results.get("steps", {}).get("verbs", []):
        table.append((
            "1", f"{step['verb']}: CLI / in-process", "bookshop",
            seconds(step["inprocess"]["median_s"]), f"CLI {seconds(step['cli']['median_s'])}",
            f"{step['speedup']:.0f}x faster", step["goal"], _met(step["met"]),
        ))
    rewrite = results.get("rewrite")
    if rewrite:
        for size in rewrite["per_size"]:
            label = rows_label(size["rows"])
            table.append((
                "2", "batch rewrite: kit / hand-written SQL", f"{label} rows",
                seconds(size["kit_s"]), f"hand {seconds(size['hand_s'])}",
                f"{size['kit_vs_hand']:.2f}x", size["goal"], _met(size["met"]),
            ))
            table.append((
                "2", "batch rewrite: kit / bare INSERT...SELECT", f"{label} rows",
                seconds(size["kit_s"]), f"floor {seconds(size['floor_s'])}",
                f"{size['kit_vs_floor']:.2f}x", "report", "-",
            ))
        growth = rewrite.get("growth")
        if growth:
            span = f"{rows_label(growth['from_rows'])} -> {rows_label(growth['to_rows'])}"
            table.append((
                "2", "rewrite growth: time ratio for rows x"
                f"{growth['rows_factor']:g}", span, f"kit {growth['kit']:.2f}x",
                f"hand {growth['hand']:.2f}x, floor {growth['floor']:.2f}x",
                f"{growth['kit']:.2f}x", growth["goal"], _met(growth["met"]),
            ))
    verify = results.get("verify")
    if verify and verify.get("available"):
        label = f"{rows_label(verify['rows'])} rows"
        table.append((
            "3", "verify: peak memory of its process (RSS)", label,
            f"{verify['verify_peak_rss_mb']:.0f} MB",
            f"scan {verify['scan_peak_rss_mb']:.0f} MB, imports only {verify['baseline_rss_mb']:.0f} MB",
            f"{verify['verify_peak_rss_mb'] / verify['scan_peak_rss_mb']:.2f}x",
            verify["goal_peak"], _met(verify["met_peak"]),
        ))
        table.append((
            "3", "verify: time / plain full scan", label,
            seconds(verify["verify"]["median_s"]), f"scan {seconds(verify['scan']['median_s'])}",
            f"{verify['verify_vs_scan']:.2f}x", verify["goal_time"], _met(verify["met_time"]),
        ))
    elif verify:
        table.append(("3", "verify", f"{rows_label(verify['rows'])} rows", "-", "-", "-", "-", verify["note"]))
    course = results.get("course")
    if course and course.get("runs"):
        runs = course["runs"]
        count = f"{len(course['notebooks'])} notebooks"
        serial, parallel = runs["serial"], runs["xdist -n 2"]
        table.append((
            "4", "course: xdist -n 2 vs serial (wall clock)", count, seconds(parallel["wall_s"]),
            f"serial {seconds(serial['wall_s'])}", _faster(course["speedup"]),
            course["goal_total"], _met(course["met_total"]),
        ))
        slow = course["slowest_notebook"]
        table.append((
            "4", "course: slowest notebook (serial)", slow["name"] or "-", seconds(slow["seconds"]),
            f"serial session {seconds(serial['session_s'])}",
            f"{slow['seconds'] / (serial['session_s'] or 1):.0%} of the run",
            course["goal_notebook"], _met(course["met_notebook"]),
        ))
        if not course["all_passed"]:
            table.append(("4", "course: test outcome", count, f"serial: {serial['summary']}",
                          f"xdist: {parallel['summary']}", "-", "all pass", "NO"))
    elif course:
        table.append(("4", "course", "-", "-", "-", "-", "-", course.get("note", "")))
    return table


def breakdown_rows(rewrite: dict) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Where a rewrite's time goes: each part measured on its own, medians."""
    headers = ("rows", "kit", "hand SQL", "floor copy", "DROP old alone", "reflect alone",
               "hand, journal in memory", "hand, 256 MB cache", "kit / hand", "hand / floor")
    medians = rewrite["medians"]
    table = []
    for rows in ["0", *map(str, rewrite["sizes"])]:
        m = {variant: found["median_s"] for variant, found in medians[rows].items()}
        table.append((
            "0 (fixed costs)" if rows == "0" else rows_label(int(rows)),
            seconds(m["kit"]), seconds(m["hand"]), seconds(m["floor"]), seconds(m["drop"]),
            seconds(m["reflect"]), seconds(m["hand_memjournal"]), seconds(m["hand_bigcache"]),
            f"{m['kit'] / m['hand']:.2f}x", f"{m['hand'] / m['floor']:.2f}x",
        ))
    return headers, table


def step_parts_rows(steps: dict) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The pieces a verb is made of, each timed alone."""
    return ("part", "median"), [(name, seconds(found["median_s"])) for name, found in steps["parts"].items()]


def findings(results: dict) -> list[str]:
    """Sentences computed from the numbers: goals missed, and where the time goes."""
    out = []
    steps = results.get("steps", {})
    for step in steps.get("verbs", []):
        if not step["met"]:
            out.append(
                f"Goal missed: `{step['verb']}` is {step['speedup']:.0f}x faster in-process, not "
                f"{step['goal'][3:]}: the verb itself takes {seconds(step['inprocess']['median_s'])} "
                f"(the CLI {seconds(step['cli']['median_s'])}); see the step parts table for what "
                "it is made of."
            )
    rewrite = results.get("rewrite")
    if rewrite:
        fixed = rewrite["fixed_costs_s"]
        for size in rewrite["per_size"]:
            label = rows_label(size["rows"])
            gap = size["hand_s"] - size["floor_s"]
            journal = size["hand_s"] - size["hand_memjournal_s"]
            cache = size["hand_s"] - size["hand_bigcache_s"]
            sentence = (
                f"{label} rows: the hand-written rewrite takes {size['hand_vs_floor']:.2f}x the bare copy "
                f"({_more(gap)}); dropping the old table alone takes {seconds(size['drop_s'])}; "
                f"keeping the journal in memory {_saves(journal)}; a 256 MB page cache "
                f"{_saves(cache)}. The kit takes {_more(size['kit_s'] - size['hand_s'])} than the "
                f"hand-written rewrite ({size['kit_vs_hand']:.2f}x)"
            )
            if not size["met"]:
                sentence += (
                    f": goal missed. On an empty table the kit's upgrade already costs "
                    f"{seconds(fixed['kit'])} (hand: {seconds(fixed['hand'])}; reflection alone "
                    f"{seconds(fixed['reflect'])}): a fixed cost of loading env.py and the revision "
                    f"files, reflecting, and recording alembic_version, not a per-row cost"
                )
                variable = size["kit_variable_vs_hand_variable"]
                sentence += (
                    f"; with both fixed costs taken off, the kit's per-row time is {variable:.2f}x the "
                    "hand-written one's." if variable is not None else
                    " (at this size the per-row part is too small to separate from noise)."
                )
            else:
                sentence += "."
            out.append(sentence)
        growth = rewrite.get("growth")
        if growth and not growth["met"]:
            out.append(
                f"Goal missed: the kit's rewrite grows {growth['kit']:.1f}x for {growth['rows_factor']:g}x "
                f"the rows (hand {growth['hand']:.1f}x, floor {growth['floor']:.1f}x)."
            )
    verify = results.get("verify")
    if verify and verify.get("available"):
        if not verify["met_peak"]:
            out.append(f"Goal missed: verify peaks at {verify['verify_peak_rss_mb']:.0f} MB.")
        if not verify["met_time"]:
            out.append(f"Goal missed: verify takes {verify['verify_vs_scan']:.2f}x a plain full scan.")
        during = verify.get("verify_operation_peak_rss_mb")
        out.append(
            (f"During verify the process peaks at {during:.0f} MB RSS, from "
             f"{verify['rss_before_operation_mb']:.0f} MB before it (the plain scan peaks at "
             f"{verify['scan_operation_peak_rss_mb']:.0f} MB); " if during is not None else "")
            + f"verify's Python allocations peak at {verify['verify_traced_peak_mb']:.1f} MB "
            f"(tracemalloc; the plain scan: {verify['scan_traced_peak_mb']:.1f} MB); the same "
            f"interpreter with the imports and nothing else peaks at {verify['baseline_rss_mb']:.0f} MB. "
            f"verify reads both files: one side's fingerprint (integrity check, schema, chunked "
            f"hash) takes {seconds(verify['fingerprint_one_side']['median_s'])}, of which "
            f"`PRAGMA integrity_check` {seconds(verify['integrity_check_one_side']['median_s'])}."
        )
    course = results.get("course")
    if course and course.get("runs"):
        if not course["met_total"]:
            out.append(f"Goal missed: the course takes {seconds(course['best_wall_s'])} at best (serial or xdist -n 2).")
        slow = [(n, t) for n, t in course["runs"]["serial"]["notebooks"].items() if t > 15]
        for name, took in slow:
            out.append(f"Goal missed: {name} takes {seconds(took)} (serial).")
        if not course["all_passed"]:
            out.append(
                "Not every notebook passed strict nbval in this run "
                f"(serial: {course['runs']['serial']['summary']})."
            )
    return out


def _faster(speedup: float) -> str:
    return f"{speedup:.2f}x faster" if speedup >= 1 else f"{1 / speedup:.2f}x slower"


def _more(delta: float) -> str:
    return f"{seconds(abs(delta))} {'more' if delta >= 0 else 'less'}"


def _saves(delta: float) -> str:
    return f"saves {seconds(delta)}" if delta >= 0 else f"costs {seconds(-delta)} more"


def _aligned(headers, table) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *table]) for i in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [headers, *table]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _pipes(headers, table) -> str:
    def line(row):
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |"

    return "\n".join([line(headers), "|" + "|".join("---" for _ in headers) + "|", *map(line, table)])


def _context(results: dict) -> list[str]:
    machine, versions, settings = results["machine"], results["versions"], results["settings"]
    load = machine.get("load_average")
    return [
        f"machine: {machine['cores']} cores, {machine['cpu']}, {machine['memory_gb']} GB RAM, "
        f"{machine['os']}, scratch on {machine.get('scratch_filesystem') or '?'}; load average "
        f"{load} at the start, {machine.get('load_average_end')} at the end",
        "versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        f"sizes: rewrite {', '.join(rows_label(n) for n in settings['sizes'])} rows; verify "
        f"{rows_label(settings['verify_rows'])} rows; {settings['repeat']} repetitions "
        f"({settings['inprocess_repeat']} for in-process verbs), medians",
        f"run: {results['command']} at {results['started']}, took {seconds(results['duration_s'])}",
        *(
            f"re-measured: {', '.join(update['parts'])} with `{update['command']}` at {update['started']} "
            f"(load average {update['load_average']})"
            for update in results.get("updates", [])
        ),
    ]


def text(results: dict) -> str:
    parts = [*_context(results), "", _aligned(HEADERS, summary_rows(results))]
    if results.get("steps"):
        parts += ["", "What a step is made of (medians, each part alone):", _aligned(*step_parts_rows(results["steps"]))]
    if results.get("rewrite"):
        parts += ["", "Where a rewrite's time goes (medians):", _aligned(*breakdown_rows(results["rewrite"]))]
    found = findings(results)
    if found:
        parts += ["", *(f"- {line}" for line in found)]
    return "\n".join(parts)


def markdown(results: dict, notes: list[str] = (), previous: Path | None = None) -> str:
    """RESULTS.md: the tables, the context, and findings; a hand-written notes block survives re-runs."""
    kept = ""
    if previous and previous.exists():
        match = re.search(re.escape(NOTES_START) + r"\n(.*?)" + re.escape(NOTES_END), previous.read_text(), re.S)
        kept = match.group(1) if match else ""
    out = [
        "# Benchmark results",
        "",
        "Written by `bench/run.py --markdown bench/RESULTS.md` (`make bench` runs the same",
        "measurements; `bench/run.py --from-json bench/results.json --markdown bench/RESULTS.md`",
        "re-renders a saved run). Each ratio compares two things measured in the same run.",
        "",
        *(f"- {line}" for line in _context(results)),
        "",
        "## Summary",
        "",
        _pipes(HEADERS, summary_rows(results)),
    ]
    if results.get("steps"):
        out += [
            "",
            "## 1. What a step is made of",
            "",
            "In-process verbs run warm (a kernel that has imported the kit: one untimed call first);",
            "each CLI run is `alembic -c <workspace>/alembic.ini ...` from the repository root, a new",
            "interpreter each time. The parts below are timed alone, to explain the ratios.",
            "",
            _pipes(*step_parts_rows(results["steps"])),
        ]
    if results.get("rewrite"):
        out += [
            "",
            "## 2. Where a table rewrite's time goes",
            "",
            "A batch-mode type change plus an added column on `items` (5 columns). Each column is",
            "measured on its own fresh copy of the database: *kit* = `Workspace.upgrade()` of the",
            "autogenerated `batch_alter_table` revision; *hand SQL* = BEGIN, CREATE new, INSERT ... SELECT,",
            "DROP old, RENAME, COMMIT; *floor copy* = the INSERT ... SELECT alone into an empty table.",
            "",
            _pipes(*breakdown_rows(results["rewrite"])),
        ]
    course = results.get("course")
    if course and course.get("runs"):
        runs = course["runs"]
        names = sorted(set(runs["serial"]["notebooks"]) | set(runs["xdist -n 2"]["notebooks"]))
        table = [
            (
                name,
                seconds(runs["serial"]["notebooks"].get(name)),
                seconds(runs["xdist -n 2"]["notebooks"].get(name)),
                f'{runs["serial"]["failed_cells"].get(name, 0)} / {runs["xdist -n 2"]["failed_cells"].get(name, 0)}',
            )
            for name in names
        ]
        table.append(("**whole run (wall clock)**", seconds(runs["serial"]["wall_s"]), seconds(runs["xdist -n 2"]["wall_s"]), ""))
        out += [
            "",
            "## 4. Course run time per notebook",
            "",
            "Sum of each notebook's cell times (kernel start included) from pytest's JUnit XML;",
            "the wall clock includes pytest's own start-up.",
            "",
            f"- serial: `{runs['serial']['command']}` -> {runs['serial']['summary']}",
            f"- parallel: `{runs['xdist -n 2']['command']}` -> {runs['xdist -n 2']['summary']}",
            "",
            _pipes(("notebook", "serial", "xdist -n 2", "failed cells (serial / xdist)"), table),
        ]
    found = findings(results)
    out += ["", "## Findings (computed from the numbers above)", "", *(f"- {line}" for line in found or ["All goals met."])]
    out += ["", "## Notes", "", *(f"- {line}" for line in notes)]
    out += [NOTES_START, kept.rstrip("\n") + "\n" if kept.strip() else "", NOTES_END, ""]
    return "\n".join(out)
