"""The ``migrator`` command against real bookshop workspaces on real SQLite: exit codes, the three
lint formats, acknowledgements, ``--database``, the checks, the explorer's notebook, and errors
that are two lines and never a traceback.

Most calls run ``main()`` in this process, from the project's folder, exactly as
``python -m migrator`` does (``__main__`` is ``sys.exit(main())``), capturing what it prints: a
subprocess would cost a second each for loading Python, SQLAlchemy, Alembic and pandas again.
Two tests run the real entry points as subprocesses: ``python -m migrator`` and the console script.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import nbformat
import pytest

from conftest import dump, rewrite_revision, write_revision_body
from migrator import Workspace
from migrator.cli import main

PYTHON_M = [sys.executable, "-m", "migrator"]
DROP_YEAR = "with op.batch_alter_table('books') as batch_op:\n    batch_op.drop_column('published_year')"
ADD_YEAR = "op.add_column('books', sa.Column('published_year', sa.Integer(), nullable=True))"
MARKER = "# migrator: acknowledge drop-column"
CLEAN_ON_DATA = "Linted 4 revisions against sqlite:///app.db: no findings.\n"


def migrator(*args, cwd: Path) -> subprocess.CompletedProcess:
    """Run the command as ``python -m migrator`` does, in this process, from ``cwd``: exit code and output."""
    out, err, previous = io.StringIO(), io.StringIO(), Path.cwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([*map(str, args)])
            except SystemExit as exit:  # argparse: --help (0) and usage errors (2)
                code = exit.code
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["migrator", *map(str, args)], code, out.getvalue(), err.getvalue())


def in_a_process(*args, cwd: Path, command=PYTHON_M) -> subprocess.CompletedProcess:
    """Run the command as a user would, in its own process, with this process's environment (PYTHONPATH included)."""
    return subprocess.run(
        [*command, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )


def each(*calls: tuple) -> list[subprocess.CompletedProcess]:
    """Several independent ``(args, cwd)`` calls, results in order."""
    return [migrator(*args, cwd=cwd) for args, cwd in calls]


def two_line_error(result: subprocess.CompletedProcess) -> list[str]:
    """The kit's error on stderr: exit 2, no output, no traceback, exactly ``what`` and ``How to fix:``."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[1].startswith("How to fix: "), result.stderr
    return lines


@pytest.fixture
def stocked(bookshop) -> Workspace:
    """The bookshop at head (0004) with three books, two of them with a published year."""
    bookshop.upgrade()
    app = bookshop.app()
    app.add_book("The Dispossessed", "Ursula K. Le Guin", published_year=1974)
    app.add_book("Kindred", "Octavia E. Butler")
    app.add_book("Ancillary Justice", "Ann Leckie", published_year=2013)
    return bookshop


@pytest.fixture
def dropping(stocked) -> Workspace:
    """``stocked`` plus revision 0005, which drops books.published_year (two values in it)."""
    rev = stocked.revision("drop year", autogenerate=False)
    write_revision_body(stocked, rev, DROP_YEAR, ADD_YEAR)
    return stocked


def drop_file(ws: Workspace) -> Path:
    return ws.path / "migrations" / "versions" / "0005_drop_year.py"


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- the parser: no project needed, and no heavy imports before a command runs -----------------


def test_help_of_each_subcommand_and_usage_errors(tmp_path):
    top, *helps = each(*[((*name, "--help"), tmp_path) for name in [(), ("lint",), ("test",), ("explore",)]])
    assert top.returncode == 0 and all(name in top.stdout for name in ("lint", "test", "explore", "exit codes"))
    for name, result in zip(("lint", "test", "explore"), helps):
        assert result.returncode == 0 and result.stdout.startswith(f"usage: migrator {name} "), result.stderr
        assert f"migrator {name}:" in result.stdout  # the description names the subcommand too
    wrong = {("lint", ".", "--bogus"): "unrecognized arguments: --bogus",
             ("lint", ".", "--format", "xml"): "invalid choice: 'xml'",
             ("explore", ".", "--port", "0"): "'0' is not a port number",
             (): "the following arguments are required: COMMAND"}
    for result, message in zip(each(*[(args, tmp_path) for args in wrong]), wrong.values()):
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


# -- lint ---------------------------------------------------------------------------------


def test_the_reference_chain_lints_clean_without_a_database_and_with_data(tmp_path, stocked):
    fresh = Workspace("fresh", root=tmp_path, reset=True, starter="bookshop")
    without, on_data = each((("lint", "."), fresh.path), (("lint", "."), stocked.path))
    assert (without.returncode, without.stderr) == (0, "")
    assert without.stdout == ("Linted 4 revisions against sqlite:///app.db (no such file yet: judged without "
                              "data): no findings.\n")
    assert (on_data.returncode, on_data.stdout, on_data.stderr) == (0, CLEAN_ON_DATA, "")


def test_a_destructive_revision_fails_the_lint_in_every_format(dropping):
    line = line_of(drop_file(dropping), "drop_column")
    text, as_json, github = each((("lint", "."), dropping.path),
                                    (("lint", ".", "--revision", "0005", "--format", "json"), dropping.path),
                                    (("lint", ".", "--format", "github"), dropping.path))
    assert (text.returncode, text.stderr) == (1, "")
    finding, fix, summary = text.stdout.splitlines()
    assert finding.startswith("0005 drop-column destructive books.published_year: The revision drops "
                              "`books.published_year`, which holds 2 values here")
    assert fix.startswith("    fix: Keep the column while its data is still needed.")
    assert summary == "Linted 5 revisions against sqlite:///app.db: 1 finding (1 destructive), 1 blocking."

    assert as_json.returncode == 1
    [record] = json.loads(as_json.stdout)
    assert record == {
        "revision": "0005", "file": "migrations/versions/0005_drop_year.py", "line": line,
        "code": "drop-column", "severity": "destructive", "table": "books", "column": "published_year",
        "explanation": finding.split(": ", 1)[1], "fix": fix.removeprefix("    fix: "), "acknowledged": False,
    }

    assert github.returncode == 1
    annotation, github_summary = github.stdout.splitlines()
    assert annotation.startswith(f"::error file=migrations/versions/0005_drop_year.py,line={line},"
                                 "title=migrator drop-column::books.published_year (destructive): The revision drops")
    assert "%0AHow to fix: Keep the column" in annotation and github_summary == summary


def test_acknowledged_passes_an_empty_copy_makes_it_a_warning_and_will_fail_fails(tmp_path, dropping):
    acked = Workspace.open(shutil.copytree(dropping.path, tmp_path / "acked"))
    path = drop_file(acked)
    path.write_text(path.read_text().replace("    with op.batch_alter_table", f"    {MARKER}\n    with op.batch_alter_table"))
    shutil.copy(dropping.database_path, dropping.path / "empty.db")
    with sqlite3.connect(dropping.path / "empty.db") as db:
        db.execute("DELETE FROM books")
    failing = Workspace.open(shutil.copytree(dropping.path, tmp_path / "failing"))
    rewrite_revision(failing, "    op.add_column('books', sa.Column('isbn', sa.String(13), nullable=False))",
                     "    op.drop_column('books', 'isbn')")
    acknowledged, empty, will_fail = each(
        (("lint", "."), acked.path),
        (("lint", ".", "--database", "empty.db", "--format", "github"), dropping.path),
        (("lint", ".", "--revision", "0005"), failing.path))
    assert (acknowledged.returncode, acknowledged.stderr) == (0, ""), acknowledged.stdout
    assert acknowledged.stdout.startswith("0005 drop-column destructive books.published_year (acknowledged): ")
    assert acknowledged.stdout.endswith(": 1 finding (1 destructive), none blocking.\n")

    assert (empty.returncode, empty.stderr) == (0, "")
    annotation, summary = empty.stdout.splitlines()
    assert annotation.startswith("::warning file=migrations/versions/0005_drop_year.py,line=")
    assert "title=migrator drop-column::books.published_year (warning): " in annotation
    assert summary == "Linted 5 revisions against sqlite:///empty.db: 1 finding (1 warning), none blocking."
    assert len(dropping.rows("books")) == 3  # the project's own database was only read

    assert will_fail.returncode == 1  # the data makes it fail: no marker helps, as in Plan.blocking
    assert will_fail.stdout.startswith("0005 not-null-no-default will fail books.isbn: `books` has 3 rows here")
    assert will_fail.stdout.endswith("Linted 1 revision against sqlite:///app.db: 1 finding (1 will fail), 1 blocking.\n")


def test_usage_and_configuration_errors_are_two_lines_and_exit_2(tmp_path, bookshop):
    (tmp_path / "not_a_project").mkdir()
    no_ini, unknown, typo = each((("lint", "not_a_project"), tmp_path),
                                    (("lint", ".", "--revision", "9999"), bookshop.path),
                                    (("lint", ".", "--database", "typo.db"), bookshop.path))
    assert two_line_error(no_ini) == [
        "not_a_project has no alembic.ini, so it is not an Alembic project.",
        "How to fix: Open the folder that holds alembic.ini (the repository root or a workspace).",
    ]
    assert two_line_error(unknown)[0] == "There is no revision '9999'."
    assert two_line_error(typo)[0].startswith("The database typo.db does not exist")  # not a silent 'no data'


def test_an_unexpected_error_is_one_line_and_the_traceback_only_with_debug(tmp_path):
    (tmp_path / "alembic.ini").write_text("this is not an ini file\n")
    quiet, loud = each((("lint", "."), tmp_path), (("lint", ".", "--debug"), tmp_path))
    assert (quiet.returncode, quiet.stdout) == (2, "")
    assert quiet.stderr.splitlines() == ["migrator: unexpected error: MissingSectionHeaderError: File contains no "
                                         "section headers. (run again with --debug for the traceback)"]
    assert loud.returncode == 2 and loud.stderr.startswith("Traceback (most recent call last):")


def test_a_100_revision_chain_is_linted_whole(bookshop, capsys):
    """Every revision of a long chain is read (how long it takes is measured in bench/, not here)."""
    versions = bookshop.versions_path
    for n in range(5, 101):
        (versions / f"{n:04d}_add_c{n}.py").write_text(
            f'"""add c{n}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "{n:04d}"\n'
            f'down_revision = "{n - 1:04d}"\nbranch_labels = None\ndepends_on = None\n\n\n'
            f'def upgrade():\n    op.add_column("books", sa.Column("c{n}", sa.Integer(), nullable=True))\n\n\n'
            f'def downgrade():\n    op.drop_column("books", "c{n}")\n'
        )
    bookshop.upgrade("0004")
    assert main(["lint", str(bookshop.path)]) == 0
    assert capsys.readouterr().out.startswith("Linted 100 revisions against ")


# -- test ---------------------------------------------------------------------------------


def test_the_checks_pass_on_the_bookshop_and_fail_on_a_broken_downgrade(tmp_path, stocked):
    broken = Workspace("broken", root=tmp_path, reset=True, starter="bookshop")
    broken.write_models(broken.read_models() + '\n\nclass Shelf(Base):\n    __tablename__ = "shelves"\n\n'
                        '    id: Mapped[int] = mapped_column(primary_key=True)\n')
    rev = broken.revision("add shelves", autogenerate=False)
    write_revision_body(broken, rev, "op.create_table('shelves', sa.Column('id', sa.Integer(), nullable=False),\n"
                                     "                sa.PrimaryKeyConstraint('id', name=op.f('pk_shelves')))")
    before = dump(stocked)
    passing, failing = each((("test", "."), stocked.path), (("test", ".", "--database", "app.db"), broken.path))

    assert passing.returncode == 0, passing.stdout + passing.stderr
    header, *rows, verdict = passing.stdout.splitlines()
    assert header.split() == ["check", "result", "detail"] and verdict == "4 checks: all passed."
    assert [row.split("  ")[0] for row in rows] == ["single head", "upgrade from empty", "models match schema",
                                                     "up/down consistency"]
    assert all(" passed " in row for row in rows)
    assert dump(stocked) == before  # the checks ran on scratch databases

    assert failing.returncode == 1, failing.stdout + failing.stderr
    *_, up_down, verdict = failing.stdout.splitlines()
    assert up_down.startswith("up/down consistency  FAILED  ") and "table shelves already exists" in up_down
    assert verdict == "4 checks: 1 FAILED (up/down consistency)."


# -- explore ------------------------------------------------------------------------------


def test_explore_dry_run_writes_a_notebook_and_prints_the_command(bookshop):
    result = in_a_process("explore", ".", "--port", "8899", "--no-browser", "--dry-run", cwd=bookshop.path)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    notebook_line, command_line = result.stdout.splitlines()
    project = bookshop.path.resolve()
    notebook = project / ".migrator" / "explore.ipynb"
    assert notebook_line == f"notebook: {notebook}"
    expected = [sys.executable, "-m", "jupyterlab", str(notebook), f"--ServerApp.root_dir={project}",
                "--ContentsManager.allow_hidden=True", "--port=8899", "--no-browser"]
    assert shlex.split(command_line.removeprefix("command: ")) == expected + (["--allow-root"] if getattr(os, "geteuid", lambda: 1)() == 0 else [])
    read = nbformat.read(notebook, as_version=4)
    nbformat.validate(read)
    assert read.nbformat == 4 and read.cells[0].cell_type == "code"
    assert read.cells[0].source == f'from migrator import Workspace\nWorkspace.open(r"{project}").explorer()'
    assert (project / ".migrator" / ".gitignore").read_text().splitlines()[-1] == "*"  # git ignores the folder


# -- the console script -------------------------------------------------------------------


def test_the_console_script_is_the_same_command(stocked):
    folder = Path(sys.executable).parent
    script = next((p for p in (folder / "migrator", folder / "migrator.exe") if p.exists()), None)
    if script is None:
        pytest.skip(f"no migrator in {folder}: `pip install -e .` installs it from pyproject's [project.scripts]")
    result = in_a_process("lint", ".", cwd=stocked.path, command=[str(script)])
    assert (result.returncode, result.stdout, result.stderr) == (0, CLEAN_ON_DATA, "")
