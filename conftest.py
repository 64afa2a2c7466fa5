"""Settings for every test run, the notebooks' kernels included (they inherit the environment)."""

import os

# Progress bars are for people: in test runs they would only add timing noise to outputs.
os.environ["MIGRATOR_QUIET"] = "1"
# Plots render to PNG without a display (nbval ignores PNG bytes, compares the text).
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


# -- The notebooks as committed (tools/committed.py says why) -----------------------------------

import nbformat  # noqa: E402
import pytest  # noqa: E402

from tools.committed import course_versions  # noqa: E402


def pytest_terminal_summary(terminalreporter):
    """Say which notebooks were tested from git instead of from disk (shown with -q too)."""
    lines = course_versions().summary()
    if lines:
        terminalreporter.section("notebooks as committed")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_ignore_collect(collection_path, config):
    """Untracked notebooks (Untitled.ipynb, a learner's copy) are not part of the course."""
    if collection_path.suffix == ".ipynb" and course_versions().is_left_out(collection_path):
        return True
    return None


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    """nbval reads a notebook edited on disk from git's index instead."""
    collectors = yield
    if file_path.suffix != ".ipynb" or not course_versions().is_replaced(file_path):
        return collectors
    from nbval.plugin import IPyNbFile

    replaced = []
    for collector in collectors or []:
        if type(collector) is IPyNbFile:
            collector = CommittedNotebook.from_parent(parent, path=file_path)
        replaced.append(collector)
    return replaced


def _committed_notebook_class():
    from nbval.plugin import IPyNbFile

    class CommittedNotebook(IPyNbFile):
        """nbval's notebook, read from git's index; its kernel still runs in the notebook's folder
        (notebooks/, or notebooks/it/ for the Italian edition)."""

        def collect(self):
            text = course_versions().text(self.path)
            real_read = nbformat.read

            def read(path, *args, **kwargs):
                if os.path.abspath(str(path)) == os.path.abspath(self.path):
                    return nbformat.reads(text, *args, **kwargs)
                return real_read(path, *args, **kwargs)

            nbformat.read = read  # nbval's collect() reads the file once, with nbformat.read
            try:
                return list(super().collect())
            finally:
                nbformat.read = real_read

    return CommittedNotebook


try:
    CommittedNotebook = _committed_notebook_class()
except ImportError:  # nbval not installed: nothing to replace
    CommittedNotebook = None


# -- How many workers, and what they get first ----------------------------------------------------


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker more than the cores. Some tests spend seconds waiting (on a server
    starting, a browser, a proxy's timeout), and the extra worker uses those cores meanwhile:
    on 2 cores, 3 workers ran the first pass in 384 s, 2 in 457 s, 4 in 396 s (bench/RESULTS.md)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


#: Test files that take 15 s or more each (setup included: `pytest --durations`, bench/RESULTS.md
#: "make test's time"), longest first, so that the workers finish together. pytest-xdist sends
#: whole files to the workers (`--dist loadscope`, with `--no-loadscope-reorder` in pyproject.toml);
#: by default it would order them by their number of tests, which puts these few-test, long files
#: last, and one worker then runs them alone while the others idle. A file missing here only runs
#: later.
LONGEST_FIRST = (
    "tests/test_workshop.py",
    "tests/test_postgres.py",
    "tests/test_browser.py",
    "tests/test_site.py",
    "notebooks/it/09_alembic_at_work.ipynb",
    "notebooks/09_alembic_at_work.ipynb",
    "tests/test_example_project.py",
    "tests/test_committed_notebooks.py",
    "tests/test_proxy.py",
    "tests/test_bench.py",
    "tests/test_postgres_example.py",
    "tests/test_binder.py",
    "notebooks/10_postgresql_in_production.ipynb",
    "notebooks/it/10_postgresql_in_production.ipynb",
    "tests/test_bench_postgres.py",
    "tests/test_concurrency.py",
    "notebooks/06_testing_migrations.ipynb",
    "notebooks/it/06_testing_migrations.ipynb",
    "tests/test_promote_postgres.py",
)


def pytest_collection_modifyitems(config, items):
    """The files of LONGEST_FIRST first, in its order; the others after them, most tests first
    (xdist's own order), each file's tests in their order."""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)
    ordered = sorted(files, key=lambda name: (rank.get(name, len(rank)), -len(files[name])))
    items[:] = [item for name in ordered for item in files[name]]


# -- The kit's PostgreSQL server: stopped when the session ends ---------------------------------


def pytest_sessionfinish(session):
    """Stop the kit's PostgreSQL server unless a live process still holds it.

    Notebook kernels use it and are killed by nbval when their notebook is done, so they never
    let go (no atexit); left alone, the server would outlive ``make test``. In the xdist controller
    only (or a run without xdist): by then every worker and kernel of the session has exited.
    """
    if hasattr(session.config, "workerinput"):
        return
    from migrator import postgres

    if postgres.available():
        postgres.stop()
