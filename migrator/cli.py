"""``migrator``: the kit on the command line, for a terminal and for CI.

    migrator lint PROJECT [--database URL] [--revision REV ...] [--format text|json|github]
    migrator test PROJECT [--database URL]
    migrator explore PROJECT [--port N] [--no-browser] [--dry-run]

Exit codes: 0 all is well; 1 the command found a problem (a finding that blocks, a
failed check); 2 it could not run (a usage or configuration error, or a bug). Errors
are the kit's two lines (what happened, how to fix it) on stderr, never a traceback
unless ``--debug``.  Output is deterministic: revisions oldest first, paths relative,
no timestamps, so CI logs and tests can compare it.

The top layer of the house (with ``exercises``): it uses ``Workspace`` and the modules
below it, imported inside each command so that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import sys
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import MigratorError
from .i18n import _

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
BLOCKING_NOTE = "blocking: destructive and not acknowledged, or will fail on the data"
EPILOG = "exit codes: 0 all is well, 1 a problem was found, 2 the command could not run (usage or configuration)"


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand and return its exit code (the console script's and ``python -m migrator``'s)."""
    args = build_parser().parse_args(argv)  # a usage error exits 2 here, with argparse's message
    debug = getattr(args, "debug", False)
    try:
        return args.command(args)
    except MigratorError as exc:
        _report(exc, debug, [exc.what, f"{_('How to fix:')} {exc.fix}"])
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `migrator lint . | head`: the reader left; no noise when Python flushes at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PROBLEM
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback only when asked
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        hint = "" if debug else " (run again with --debug for the traceback)"
        _report(exc, debug, [f"migrator: unexpected error: {type(exc).__name__}: {first}{hint}"])
    return EXIT_USAGE


def _report(exc: BaseException, debug: bool, lines: list[str]) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print("\n".join(lines), file=sys.stderr)


# -- the parser ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``migrator`` parser: one subparser per command, each with its own ``--help``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an unexpected error, show the full traceback")
    parser = argparse.ArgumentParser(
        prog="migrator", parents=[common], epilog=EPILOG,
        description="Migration Lab's migrator: lint and test an Alembic project's revisions, or explore them.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _lint_parser(commands, common)
    _test_parser(commands, common)
    _explore_parser(commands, common)
    return parser


def _lint_parser(commands, common) -> None:
    lint = commands.add_parser(
        "lint", parents=[common], epilog=EPILOG, help="lint revisions for data loss and predicted failures",
        description=("migrator lint: read every revision of PROJECT (oldest first), or only those given, and "
                     "report what would lose data or fail, judged against a database's data (only read). "
                     f"Exit 1 if any finding is {BLOCKING_NOTE}."),
    )
    lint.add_argument("project", metavar="PROJECT", type=Path, help="the folder holding alembic.ini")
    _database_argument(lint, "the database to judge the data of (default: the project's sqlalchemy.url)")
    lint.add_argument("--revision", metavar="REV", nargs="+", action="extend", default=[],
                      help="lint only these revisions (ids or 'head'; put them after PROJECT)")
    lint.add_argument("--format", choices=("text", "json", "github"), default="text",
                      help="text for people, json for tools, github for GitHub Actions annotations (default: text)")
    lint.set_defaults(command=run_lint)


def _test_parser(commands, common) -> None:
    test = commands.add_parser(
        "test", parents=[common], epilog=EPILOG, help="run the four standard migration checks",
        description=("migrator test: run the standard migration checks (single head, upgrade from empty, "
                     "models match schema, up/down consistency) on scratch databases; the project's own "
                     "database is never touched. Exit 1 if any check failed."),
    )
    test.add_argument("project", metavar="PROJECT", type=Path, help="the folder holding alembic.ini")
    _database_argument(test, "the project's database (checked that it can be used; the checks never touch it)")
    test.set_defaults(command=run_test)


def _explore_parser(commands, common) -> None:
    explore = commands.add_parser(
        "explore", parents=[common], epilog=EPILOG, help="open the revision explorer in JupyterLab",
        description=("migrator explore: write PROJECT/.migrator/explore.ipynb (a folder git ignores by itself), "
                     "whose first cell opens the explorer on PROJECT, and start JupyterLab on it."),
    )
    explore.add_argument("project", metavar="PROJECT", type=Path, help="the folder holding alembic.ini")
    explore.add_argument("--port", metavar="N", type=_port, help="the port JupyterLab listens on")
    explore.add_argument("--no-browser", action="store_true", help="do not open a browser")
    explore.add_argument("--dry-run", action="store_true",
                         help="write the notebook and print the command, but do not start JupyterLab")
    explore.set_defaults(command=run_explore)


def _database_argument(parser, text: str) -> None:
    parser.add_argument("--database", metavar="URL", help=f"{text}; a path means a SQLite file")


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(_("{value!r} is not a port number (1 to 65535)", value=value))
    return int(value)


# -- the project and its database ---------------------------------------------------------


def open_workspace(folder: Path, database: str | None):
    """The project at ``folder`` as a Workspace, on ``--database`` if given (which must exist)."""
    from .workspace import Workspace

    return Workspace.open(folder, database=database_url(database) if database is not None else None)


def require_readable_default(ws) -> None:
    """The project's own database, if it exists, must be readable: the linter would judge an unreadable one as empty.

    A SQLite file not made yet is fine (a fresh project: nothing to judge).
    """
    import sqlalchemy as sa

    from .database import mask_url

    if not ws.url:
        return
    parsed = sa.make_url(ws.url)
    if parsed.get_backend_name() != "sqlite" or (parsed.database and Path(parsed.database).is_file()):
        _require_readable(ws.url, mask_url(ws.url))


def database_url(value: str) -> str:
    """The URL for ``--database``: a path becomes a SQLite URL; a database that is not there is refused.

    Linting against a misspelt path would judge nothing and pass: a typo must not look like a clean bill.
    """
    import sqlalchemy as sa

    from .database import environment_url, mask_url

    url = environment_url(value)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.query.get("uri") != "true":
        if not Path(parsed.database).is_file():
            raise MigratorError(_("The database {value} does not exist (no such file: "
                                  "{database}).", value=value, database=parsed.database),
                                _("Give the path of an existing SQLite file, or leave "
                                  "--database out to use the project's own database."))
    _require_readable(url, mask_url(url))
    return url


def _require_readable(url: str, shown: str) -> None:
    """Connect once and read the schema: a file that is not a database, or no server, stops here."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    from .database import create_read_engine

    engine = None
    try:
        engine = create_read_engine(url, poolclass=NullPool)  # a missing driver fails here
        with engine.connect() as connection:
            sa.inspect(connection).get_table_names()
    except Exception as exc:  # noqa: BLE001 - no driver, no server, not a database: all say the same
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        password = sa.make_url(url).password
        reason = reason.replace(str(password), "***") if password else reason  # never echo a password
        raise MigratorError(_("The database {shown} cannot be read ({name}: {reason}).",
                              shown=shown, name=type(exc).__name__, reason=reason),
                            _("Check that it is a database (a SQLite file, or a server "
                              "you can reach with its driver installed) and that the URL "
                              "is right.")) from None
    finally:
        if engine is not None:
            engine.dispose()


def shown_database(ws) -> str:
    """The database as printed: relative inside the project, password masked; and whether it holds data yet."""
    from .environments import display

    if not ws.url:
        return "no database (alembic.ini has no sqlalchemy.url): judged without data"
    shown = display(ws, ws.url)
    if shown.startswith("sqlite:///") and not ws.database_path.is_file():
        return f"{shown} (no such file yet: judged without data)"
    return shown


# -- lint ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Linted:
    """One revision's findings and where its file is (relative to the project, forward slashes)."""

    revision: str
    file: str
    path: Path
    findings: tuple


def run_lint(args) -> int:
    """``migrator lint``: every revision (or the given ones), printed in the chosen format."""
    ws = open_workspace(args.project, args.database)
    if args.database is None:
        require_readable_default(ws)
    linted = lint_revisions(ws, args.revision)
    print(FORMATS[args.format](linted, ws), end="")
    return EXIT_PROBLEM if any(blocks(f) for item in linted for f in item.findings) else EXIT_OK


def lint_revisions(ws, wanted: list[str]) -> list[Linted]:
    """Lint each revision against the workspace's database, oldest first (only ``wanted`` if given)."""
    scripts = ws.revisions()
    order = {script.revision: index for index, script in enumerate(scripts)}
    found = {}
    for rev in wanted or [script.revision for script in scripts]:
        findings = ws.lint(rev)  # an unknown id is an UnknownRevisionError: exit 2
        found[findings.scope] = findings
    root = ws.path.resolve()
    paths = {script.revision: Path(script.path).resolve() for script in scripts}
    return [
        Linted(rev, Path(os.path.relpath(paths[rev], root)).as_posix(), paths[rev], found[rev])
        for rev in sorted(found, key=order.__getitem__)
    ]


def blocks(finding) -> bool:
    """What fails the lint: data loss not acknowledged, or a change the data will make fail (as ``Plan.blocking``)."""
    from .lint import WILL_FAIL

    return (finding.destructive and not finding.acknowledged) or finding.severity == WILL_FAIL


def text_report(linted: list[Linted], ws) -> str:
    """One line per finding, its fix indented below, then a summary line."""
    lines = []
    for item in linted:
        for f in item.findings:
            done = " (acknowledged)" if f.acknowledged else ""
            lines += [f"{item.revision} {f.code} {f.severity} {f.where}{done}: {f.explanation}", f"    fix: {f.fix}"]
        if item.findings.incomplete:
            lines.append(f"{item.revision} note: the linter could read only part of upgrade(): {item.findings.incomplete}")
    lines.append(summary(linted, ws))
    return "\n".join(lines) + "\n"


def summary(linted: list[Linted], ws) -> str:
    """``Linted 5 revisions against sqlite:///app.db: 1 finding (1 destructive), 1 blocking.``"""
    from .lint import SEVERITIES

    findings = [f for item in linted for f in item.findings]
    head = f"Linted {_count(len(linted), 'revision')} against {shown_database(ws)}"
    if not findings:
        return f"{head}: no findings."
    counts = ", ".join(f"{n} {s}" for s in SEVERITIES if (n := sum(f.severity == s for f in findings)))
    blocking = sum(map(blocks, findings))
    return f"{head}: {_count(len(findings), 'finding')} ({counts}), {blocking or 'none'} blocking."


def json_report(linted: list[Linted], ws) -> str:
    """A JSON list, one object per finding, for tools; notes on partly read revisions go to stderr."""
    records = [
        {"revision": item.revision, "file": item.file, "line": operation_line(item.path, f.table, f.column),
         "code": f.code, "severity": f.severity, "table": f.table, "column": f.column,
         "explanation": f.explanation, "fix": f.fix, "acknowledged": f.acknowledged}
        for item in linted for f in item.findings
    ]
    for item in linted:
        if item.findings.incomplete:
            print(f"note: {item.revision}: the linter could read only part of upgrade(): {item.findings.incomplete}",
                  file=sys.stderr)
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def github_report(linted: list[Linted], ws) -> str:
    """GitHub Actions workflow commands: an annotation on the line of each finding, then the summary."""
    lines = []
    for item in linted:
        file = _from_cwd(item.path, item.file)
        for f in item.findings:
            level = "notice" if f.acknowledged else ("warning" if f.severity == "warning" else "error")
            title = f"migrator {f.code}" + (" (acknowledged)" if f.acknowledged else "")
            message = f"{f.where} ({f.severity}): {f.explanation}\nHow to fix: {f.fix}"
            lines.append(_workflow_command(level, file, operation_line(item.path, f.table, f.column), title, message))
        if item.findings.incomplete:
            message = f"The linter could read only part of upgrade(): {item.findings.incomplete}"
            stopped = re.search(r"\(line (\d+)\)$", item.findings.incomplete)  # where upgrade() raised, if known
            line = int(stopped.group(1)) if stopped else operation_line(item.path, None, None)
            lines.append(_workflow_command("warning", file, line, "migrator incomplete", message))
    lines.append(summary(linted, ws))
    return "\n".join(lines) + "\n"


FORMATS = {"text": text_report, "json": json_report, "github": github_report}


def _workflow_command(level: str, file: str, line: int, title: str, message: str) -> str:
    """``::error file=F,line=N,title=T::message``, escaped as the Actions runner reads it."""
    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    return f"::{level} file={prop(file)},line={line},title={prop(title)}::{data(message)}"


def _from_cwd(path: Path, fallback: str) -> str:
    """The file relative to the current folder (where Actions resolves it: the repository root), else ``fallback``."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return fallback


def operation_line(path: Path, table: str | None, column: str | None) -> int:
    """The line of the call in ``upgrade()`` that names the column (with its table if it can), else the table.

    Found by reading the file's syntax tree, never by importing it; ``upgrade()``'s own line
    if no call names them, line 1 if there is no ``upgrade()``.
    """
    upgrade = _upgrade_function(path)
    if upgrade is None:
        return 1
    calls = [(node.lineno, _string_arguments(node)) for node in ast.walk(upgrade) if isinstance(node, ast.Call)]
    for wanted in ({table, column}, {column}, {table}):
        if None in wanted:
            continue
        lines = [line for line, names in calls if wanted <= names]
        if lines:
            return min(lines)
    return upgrade.lineno


@lru_cache(maxsize=None)
def _upgrade_function(path: Path) -> ast.FunctionDef | None:
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, ValueError):
        return None
    return next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "upgrade"), None)


def _string_arguments(call: ast.Call) -> set[str]:
    values = [*call.args, *(keyword.value for keyword in call.keywords)]
    return {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# -- test ---------------------------------------------------------------------------------


def run_test(args) -> int:
    """``migrator test``: the standard checks as a table; exit 1 if any failed."""
    from .checks import run_checks

    results = run_checks(open_workspace(args.project, args.database))
    rows = [(r.check, "passed" if r.passed else "FAILED", r.detail) for r in results.itertuples(index=False)]
    print(checks_table(rows))
    failed = [check for check, result, _ in rows if result == "FAILED"]
    verdict = f"{len(failed)} FAILED ({', '.join(failed)})" if failed else "all passed"
    print(f"{_count(len(rows), 'check')}: {verdict}.")
    return EXIT_PROBLEM if failed else EXIT_OK


def checks_table(rows: list[tuple[str, str, str]]) -> str:
    """A plain-text table with the columns check, result, detail (the last one not padded)."""
    header = ("check", "result", "detail")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}".rstrip() for a, b, c in [header, *rows])


# -- explore ------------------------------------------------------------------------------

NOTEBOOK_FOLDER = ".migrator"


def run_explore(args) -> int:
    """``migrator explore``: write the notebook, then become JupyterLab on it (or just say how, with --dry-run)."""
    from .project import Project

    project = Project(args.project).path.resolve()  # a folder without alembic.ini is refused here
    notebook = write_notebook(project)
    command = jupyter_command(notebook, project, port=args.port, browser=not args.no_browser)
    print(f"notebook: {notebook}")
    print(f"command: {shlex.join(command)}")
    if args.dry_run:
        return EXIT_OK
    _require_jupyterlab()
    print("Run the notebook's first cell (Shift+Enter) to open the explorer.", flush=True)
    if os.name != "posix":  # no exec on Windows: wait for JupyterLab instead
        import subprocess

        return subprocess.call(command)
    os.execv(command[0], command)  # never returns: this process becomes JupyterLab


def write_notebook(project: Path) -> Path:
    """``PROJECT/.migrator/explore.ipynb`` (nbformat 4) whose first cell opens the explorer on ``project``."""
    folder = project / NOTEBOOK_FOLDER
    folder.mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("# Written by `migrator explore`: git ignores this whole folder.\n*\n")
    notebook = folder / "explore.ipynb"
    notebook.write_text(json.dumps(notebook_json(project), indent=1) + "\n")
    return notebook


def notebook_json(project: Path) -> dict:
    """A one-cell notebook, as nbformat 4.5 writes it."""
    path = str(project)
    literal = f'r"{path}"' if '"' not in path and not path.endswith("\\") else repr(path)
    source = f"from migrator import Workspace\nWorkspace.open({literal}).explorer()"
    cell = {"cell_type": "code", "execution_count": None, "id": "explorer", "metadata": {},
            "outputs": [], "source": source.splitlines(keepends=True)}
    kernel = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return {"cells": [cell], "metadata": {"kernelspec": kernel, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def jupyter_command(notebook: Path, project: Path, *, port: int | None, browser: bool) -> list[str]:
    """``python -m jupyterlab NOTEBOOK`` with the project as the file browser's root.

    The notebook sits in a hidden folder (.migrator/), which Jupyter serves only when allowed to.
    """
    command = [sys.executable, "-m", "jupyterlab", str(notebook), f"--ServerApp.root_dir={project}",
               "--ContentsManager.allow_hidden=True"]
    if port is not None:
        command.append(f"--port={port}")
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # JupyterLab refuses root unless told (containers, CI)
        command.append("--allow-root")
    return command


def _require_jupyterlab() -> None:
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        raise MigratorError(_("JupyterLab is not installed for {executable}, so the "
                              "explorer cannot open.", executable=sys.executable),
                            _("Install the course's requirements (make lab, or pip "
                              "install -r requirements.txt), then run migrator explore again."))
