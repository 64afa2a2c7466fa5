"""The Italian edition: notebooks/it/NN_*.ipynb, generated from the English notebooks and
one translation file per notebook (notebooks/it/translations/NN.yaml), keyed by cell id.

    python tools/italian.py build [NN ...] [--no-execute]   # regenerate notebooks/it/, then execute it
    python tools/italian.py check [NN ...] [--diff]          # stale, missing, orphan; outdated notebooks
    python tools/italian.py stub NN                           # start translations/NN.yaml from the English
    python tools/italian.py stamp NN CELL [CELL ...]          # "I updated these translations to the English"

NN is a course notebook's number; the start page (notebooks/00_start_here.ipynb, which
shares 00 with the welcome notebook) is ``start`` (translations/start.yaml).

What is generated, and what is translated:

- Markdown (and raw) cells: the translation file gives the Italian text, with ``en``, the
  hash of the English source it was translated from. When the English cell changes, the
  hash no longer matches and ``check`` (and tests/test_italian_sync.py) say so.
- Code cells are copied from the English, never edited by hand. Only two things change:
  their comments (the translation file maps each English comment to an Italian one; ``en``
  hashes the English comments) and the workspace names (``Workspace("02_change_the_model")``
  -> ``"it_02_change_the_model"``, and every ``workspaces/02_change_the_model`` path).
  Comments that programs read (``# NBVAL_...``, ``# noqa``, ``# migrator: ...``) are kept.
  A code cell without comments needs no entry.
- The first code cell starts with one generated line, LANGUAGE_LINE, that asks the kit for
  Italian messages; it is harmless while the kit speaks only English.

The Italian notebooks live in notebooks/it/, and JupyterLab and nbval run a notebook in
its own folder, so their workspaces are notebooks/it/workspaces/...: the exercises'
``exercise_nbNN`` workspaces (named in migrator/exercises) never meet the English ones.
``build`` executes the notebooks there too (tools/execute.py's run(), from notebooks/it/).

The tests read the notebooks as git would commit them (tools/committed.py): ``generate``
and ``check`` take ``committed=True`` for that; the command line works on the files on disk.
After ``build``, `git add` the Italian notebook before running the tests.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: tools/ is on the path, the repository is not
    sys.path.insert(0, str(ROOT))
NOTEBOOKS = ROOT / "notebooks"
IT = NOTEBOOKS / "it"
TRANSLATIONS = IT / "translations"
START = "00_start_here.ipynb"  # the start page: key "start", since 00 is the welcome notebook's
START_KEY = "start"
#: A course page's file name (a learner's "01_...-Copy1.ipynb" or Untitled.ipynb is none).
COURSE_NAME = re.compile(r"\d\d_[a-z0-9_]+\.ipynb")

PREFIX = "it_"
LANGUAGE_LINE = 'import os; os.environ["MIGRATOR_LANG"] = "it"  # lingua del kit: italiano (riga generata)'
#: Comments that a program reads: never translated, never hashed.
DIRECTIVE = re.compile(r"#\s*(NBVAL_|noqa\b|type:\s*ignore|pragma\b|fmt:|migrator:)")
#: Workspace names: Workspace("name" ...) and workspaces/name paths; the exercises' are the kit's.
WORKSPACE_CALL = re.compile(r"""\bWorkspace\(\s*(["'])([A-Za-z0-9][A-Za-z0-9_.-]*)\1""")
WORKSPACE_PATH = re.compile(r"\bworkspaces/([A-Za-z0-9][A-Za-z0-9_.-]*)")


# ---------------------------------------------------------------- what is where

def key(path: Path) -> str:
    """A page's key: the notebook's number, or ``start`` for the start page."""
    return START_KEY if path.name == START else path.name[:2]


def _pages(folder: Path, committed: bool = False) -> dict[str, Path]:
    paths = [path for path in sorted(folder.glob("*.ipynb")) if COURSE_NAME.fullmatch(path.name)]
    if committed:  # as the tests see the course: untracked notebooks are not part of it
        from tools.committed import course_versions

        paths = [path for path in paths if not course_versions().is_left_out(path)]
    return {key(path): path for path in paths}


def english_notebooks(committed: bool = False) -> dict[str, Path]:
    return _pages(NOTEBOOKS, committed)


def translation_files() -> dict[str, Path]:
    return {path.stem: path for path in sorted(TRANSLATIONS.glob("*.yaml"))
            if re.fullmatch(rf"\d\d|{START_KEY}", path.stem)}


def italian_notebooks(committed: bool = False) -> dict[str, Path]:
    return _pages(IT, committed)


def read(path: Path, committed: bool = False):
    """A notebook from disk, or (``committed``) as git would commit it: tools/committed.py."""
    if committed and Path(os.path.abspath(path)).is_relative_to(ROOT):  # not a test's tmp_path
        from tools.committed import course_versions

        return nbformat.reads(course_versions().text(path), as_version=4)
    return nbformat.read(path, as_version=4)


def italian_path(english: Path) -> Path:
    return IT / english.name


def not_yet_translated(committed: bool = False) -> list[str]:
    """The English notebooks (file names) that have no translation file yet."""
    done = translation_files()
    return [path.name for number, path in english_notebooks(committed).items() if number not in done]


# ---------------------------------------------------------------- hashes, comments, names

def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _is_magic(line: str) -> bool:
    return line.lstrip().startswith(("%", "!"))


def _python_body(source: str) -> bool:
    """Is the cell Python (apart from magic lines)? ``%%writefile x.py`` is; ``%%bash`` is not."""
    first = source.split("\n", 1)[0].strip()
    if not first.startswith("%%"):
        return True
    magic, *args = first[2:].split()
    if magic == "writefile":
        return bool(args) and args[-1].endswith(".py")
    return magic in {"capture", "time", "timeit"}


@dataclass(frozen=True)
class Comment:
    row: int  # 0-based line
    col: int
    text: str  # from '#' to the end of the line

    @property
    def translatable(self) -> bool:
        return not DIRECTIVE.match(self.text)


def comments(source: str) -> list[Comment]:
    """The comments of a code cell, in order (tokenized: a '#' inside a string is no comment)."""
    lines = source.split("\n")
    if not _python_body(source):  # another language: whole-line '#' comments only
        return [Comment(i, line.index("#"), line[line.index("#"):]) for i, line in enumerate(lines)
                if line.lstrip().startswith("#") and i > 0]
    masked = "\n".join("" if _is_magic(line) else line for line in lines)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(masked).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise ValueError(f"cannot read the comments of this cell ({exc}):\n{source}") from None
    return [Comment(t.start[0] - 1, t.start[1], t.string) for t in tokens if t.type == tokenize.COMMENT]


def translatable_comments(source: str) -> list[str]:
    return [c.text for c in comments(source) if c.translatable]


def workspace_names(notebook) -> list[str]:
    """The notebook's own workspaces (not the exercises', which migrator/exercises names)."""
    names: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            names.update(m.group(2) for m in WORKSPACE_CALL.finditer(cell.source))
            names.update(m.group(1) for m in WORKSPACE_PATH.finditer(cell.source))
    return sorted(n for n in names if not n.startswith(("exercise_", PREFIX)))


def rename(text: str, names: list[str]) -> str:
    """``text`` with the notebook's workspace names given the Italian prefix (quoted names and paths)."""
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name)
        new = PREFIX + name
        text = re.sub(rf"""(["']){escaped}\1""", lambda m, new=new: m.group(1) + new + m.group(1), text)
        text = re.sub(rf"\bworkspaces/{escaped}(?![A-Za-z0-9_.-])", lambda m, new=new: "workspaces/" + new, text)
    return text


def source_hash(cell) -> str:
    """What a translation was made from: a markdown cell's text; a code cell's comments."""
    if cell.cell_type == "code":
        return digest("\n".join(translatable_comments(cell.source)))
    return digest(cell.source)


def needs_translation(cell) -> bool:
    return cell.cell_type != "code" or bool(translatable_comments(cell.source))


# ---------------------------------------------------------------- the translation file

@dataclass(frozen=True)
class Problem:
    notebook: str  # "01"
    kind: str  # missing, stale, orphan, invalid, outdated, unbuilt
    cell: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.notebook}.yaml" + (f" cell {self.cell}" if self.cell else "")
        return f"{where}: {self.kind}: {self.message}"


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("cells"), dict):
        raise ValueError(f"{path}: expected a mapping with 'notebook' and 'cells'")
    for key in data["cells"]:
        if not isinstance(key, str):  # YAML read an unquoted id such as 12345678 as a number
            raise ValueError(f"{path}: cell id {key!r} must be quoted (\"{key}\")")
    return data


def first(text: str, width: int = 60) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def generate(number: str, english: Path | None = None, translation: Path | None = None, *,
             committed: bool = False):
    """The Italian notebook for ``number`` (without outputs), and the problems found on the way.

    Every problem is reported, not just the first, so one ``check`` lists all the work to do.
    ``committed``: read the English notebook as git would commit it (the tests do).
    """
    english = english or english_notebooks(committed)[number]
    translation = translation or TRANSLATIONS / f"{number}.yaml"
    source = read(english, committed)
    data = load(translation)
    entries: dict = data["cells"]
    problems: list[Problem] = []
    names = workspace_names(source)
    if data.get("notebook") != english.name:
        problems.append(Problem(number, "invalid", None, f"notebook: is {data.get('notebook')!r}, "
                                                          f"the English file is {english.name!r}"))

    cells, first_code = [], True
    for cell in source.cells:
        cid, entry = cell.get("id"), entries.get(cell.get("id"))
        if entry is not None and not isinstance(entry, dict):
            problems.append(Problem(number, "invalid", cid, "an entry is a mapping with en: and it: (or comments:)"))
            entry = None
        new = nbformat.from_dict(json.loads(json.dumps(cell)))  # a deep copy
        new.metadata.pop("translation", None)
        if needs_translation(cell):
            if entry is None:
                problems.append(Problem(number, "missing", cid, f"no translation ({cell.cell_type}: {first(cell.source)!r})"))
            elif not entry.get("en"):
                problems.append(Problem(number, "missing", cid, f"not translated yet (no en: hash): translate it, "
                                        f"then `stamp {number} {cid}`"))
            elif entry.get("en") != source_hash(cell):
                problems.append(Problem(number, "stale", cid, f"the English changed (translated from {entry['en']}, "
                                        f"now {source_hash(cell)}): update the translation, then `stamp {number} {cid}`"))
            new.metadata["translation"] = {"en": source_hash(cell)}
        elif entry is not None:
            problems.append(Problem(number, "orphan", cid, "this code cell has no comments to translate: remove the entry"))

        if cell.cell_type == "code":
            new.source = translate_code(number, cell, entry or {}, names, problems)
            if first_code:  # the kit's language, set before anything imports migrator
                first_code = False
                if new.source.lstrip().startswith("%%"):  # a cell magic must stay on the first line
                    cells.append(nbformat.v4.new_code_cell(LANGUAGE_LINE, id="it-language"))
                else:
                    new.source = LANGUAGE_LINE + "\n" + new.source
            new.outputs, new.execution_count = [], None
        else:
            text = (entry or {}).get("it")
            if entry is not None and not isinstance(text, str):
                problems.append(Problem(number, "missing", cid, "the entry has no it: text"))
            new.source = text if isinstance(text, str) else cell.source
        cells.append(new)

    ids = {cell.get("id") for cell in source.cells}
    for cid in entries:
        if cid not in ids:
            problems.append(Problem(number, "orphan", cid, f"no such cell in {english.name} any more: remove the entry"))

    notebook = nbformat.v4.new_notebook(cells=cells, metadata=json.loads(json.dumps(source.metadata)))
    notebook.nbformat, notebook.nbformat_minor = source.nbformat, source.nbformat_minor
    notebook.metadata["translation"] = {
        "language": "it",
        "source": f"../{english.name}",
        "translations": f"translations/{number}.yaml",
        "generated_by": "python tools/italian.py build (do not edit this notebook by hand)",
    }
    return notebook, problems


def translate_code(number: str, cell, entry: dict, names: list[str], problems: list[Problem]) -> str:
    table = entry.get("comments") or {}
    lines = cell.source.split("\n")
    found = comments(cell.source)
    for comment in reversed(found):  # right to left, so earlier columns stay valid
        if not comment.translatable:
            continue
        italian = table.get(comment.text)
        if italian is None:
            if entry:  # a missing entry altogether is reported once, by generate()
                problems.append(Problem(number, "missing", cell.get("id"), f"no translation for the comment {comment.text!r}"))
            continue
        if not isinstance(italian, str) or not italian.startswith("#") or "\n" in italian:
            problems.append(Problem(number, "invalid", cell.get("id"), f"a comment translates to one line starting with '#', not {italian!r}"))
            continue
        line = lines[comment.row]
        lines[comment.row] = line[: comment.col] + italian + line[comment.col + len(comment.text):]
    unused = set(table) - {c.text for c in found}
    for text in sorted(unused):
        problems.append(Problem(number, "orphan", cell.get("id"), f"the comment {text!r} is no longer in the English cell"))
    return rename("\n".join(lines), names)


# ---------------------------------------------------------------- comparing with what is committed

def comparable(notebook) -> list:
    """What the generator decides: cells without outputs or execution counts, and the metadata
    without the widget state (written by executing, like the outputs: notebook 08's explorer)."""
    cells = [(c.cell_type, c.get("id"), c.source, json.dumps(c.metadata, sort_keys=True)) for c in notebook.cells]
    metadata = {k: v for k, v in notebook.metadata.items() if k != "widgets"}
    return [cells, json.dumps(metadata, sort_keys=True)]


def check(numbers: list[str] | None = None, *, committed: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    english, done, built = english_notebooks(committed), translation_files(), italian_notebooks(committed)
    for number in numbers or list(done):
        if number not in english:
            problems.append(Problem(number, "orphan", None, "no English notebook with this number"))
            continue
        try:
            notebook, found = generate(number, committed=committed)
        except ValueError as exc:
            problems.append(Problem(number, "invalid", None, str(exc)))
            continue
        problems += found
        path = italian_path(english[number])
        if not path.exists():
            problems.append(Problem(number, "unbuilt", None, f"{path.relative_to(ROOT)} does not exist: run build"))
            continue
        stored = read(path, committed)
        if comparable(stored) != comparable(notebook):
            problems.append(Problem(number, "outdated", None, f"{path.relative_to(ROOT)} is not what build makes now: run build"))
        elif any(c.cell_type == "code" and c.execution_count is None for c in stored.cells):
            problems.append(Problem(number, "unbuilt", None, f"{path.relative_to(ROOT)} was built without executing it"))
    for number, path in built.items():
        if number not in done and (not numbers or number in numbers):
            problems.append(Problem(number, "orphan", None, f"{path.relative_to(ROOT)} has no translation file"))
    return problems


def english_diff(number: str, cell_id: str, old_hash: str) -> str | None:
    """The English cell as it was when translated (found in git history by its hash) against now."""
    path = english_notebooks()[number]
    relative = path.relative_to(ROOT).as_posix()
    try:
        commits = subprocess.run(["git", "log", "--format=%H", "--", relative], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    now = next(c for c in nbformat.read(path, as_version=4).cells if c.get("id") == cell_id)
    for commit in commits:
        shown = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=ROOT, capture_output=True, text=True, check=False)
        if shown.returncode:
            continue
        old = next((c for c in nbformat.reads(shown.stdout, as_version=4).cells if c.get("id") == cell_id), None)
        if old is not None and source_hash(old) == old_hash:
            return "\n".join(difflib.unified_diff(old.source.splitlines(), now.source.splitlines(),
                                                 f"English at {commit[:8]}", "English now", lineterm=""))
    return None


# ---------------------------------------------------------------- writing

def build(numbers: list[str] | None = None, *, execute: bool = True) -> list[Problem]:
    """Regenerate (and execute) the Italian notebooks; nothing is written while a translation has problems."""
    numbers = numbers or list(translation_files())
    results = {number: generate(number) for number in numbers}
    problems = [p for _, found in results.values() for p in found]
    if problems:
        return problems
    for number, (notebook, _) in results.items():
        path = italian_path(english_notebooks()[number])
        started = time.perf_counter()
        if execute:
            run(notebook)
        nbformat.validate(notebook)
        nbformat.write(notebook, path)
        print(f"{'built and executed' if execute else 'built'} {path.relative_to(ROOT)} "
              f"in {time.perf_counter() - started:.1f} s")
    return []


def run(notebook) -> float:
    """Execute as nbval will: a fresh kernel in notebooks/it/ (the notebook's own folder), as
    tools/execute.py runs every notebook; the seconds it took."""
    from tools.execute import run as run_in

    return run_in(notebook, IT)


def block(key: str, text: str, indent: int) -> str:
    """A YAML literal block (|-) for ``text``, with an indentation indicator when it starts with spaces."""
    pad = " " * (indent + 2)
    indicator = "2" if text[:1] in (" ", "\n") else ""
    body = "\n".join(pad + line if line else "" for line in text.split("\n"))
    return f"{' ' * indent}{key}: |{indicator}-\n{body}\n"


def stub(number: str) -> Path:
    """Start a translation file: every cell that needs one, with the English as the text to replace.

    ``en`` stays empty until the translator stamps the cell, so ``check`` lists every cell as
    still to do.
    """
    english = english_notebooks()[number]
    path = TRANSLATIONS / f"{number}.yaml"
    if path.exists():
        raise SystemExit(f"{path.relative_to(ROOT)} exists already")
    notebook = nbformat.read(english, as_version=4)
    out = [f"# {english.name} in italiano: tools/italian.py (build, check, stamp); notebooks/it/GLOSSARIO.md\n",
           f"notebook: {english.name}\n", "cells:\n"]
    for cell in notebook.cells:
        if not needs_translation(cell):
            continue
        out.append(f'\n  "{cell.id}":\n    en:\n')
        if cell.cell_type == "code":
            out.append("    comments:\n")
            out += [f"      {json.dumps(c, ensure_ascii=False)}: {json.dumps(c, ensure_ascii=False)}\n"
                    for c in dict.fromkeys(translatable_comments(cell.source))]
        else:
            out.append(block("it", cell.source, 4))
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(out), encoding="utf-8")
    return path


def stamp(number: str, cell_ids: list[str]) -> None:
    """Record that these cells' translations now match the English (edits the en: lines only)."""
    path = TRANSLATIONS / f"{number}.yaml"
    text = path.read_text(encoding="utf-8")
    cells = {c.get("id"): c for c in nbformat.read(english_notebooks()[number], as_version=4).cells}
    for cid in cell_ids:
        if cid not in cells:
            raise SystemExit(f"no cell {cid} in {english_notebooks()[number].name}")
        pattern = re.compile(rf'^(  "{re.escape(cid)}":\n    en:)[^\n]*$', re.MULTILINE)
        text, count = pattern.subn(rf"\g<1> {source_hash(cells[cid])}", text)
        if count != 1:
            raise SystemExit(f'{path.name}: no entry `  "{cid}":` followed by an `en:` line')
    load_text = yaml.safe_load(text)  # still valid YAML
    assert isinstance(load_text, dict)
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/italian.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="regenerate the Italian notebooks and execute them")
    b.add_argument("numbers", nargs="*")
    b.add_argument("--no-execute", action="store_true", help="sources only (check will say they are unbuilt)")
    c = commands.add_parser("check", help="report stale, missing and orphan translations; outdated notebooks")
    c.add_argument("numbers", nargs="*")
    c.add_argument("--diff", action="store_true", help="for a stale cell, the English diff since its translation")
    s = commands.add_parser("stub", help="start translations/NN.yaml from the English notebook")
    s.add_argument("number")
    t = commands.add_parser("stamp", help="mark translations as matching the current English")
    t.add_argument("number")
    t.add_argument("cells", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "stub":
        print(f"wrote {stub(args.number).relative_to(ROOT)}")
        return 0
    if args.command == "stamp":
        stamp(args.number, args.cells)
        print(f"stamped {len(args.cells)} cell(s) in translations/{args.number}.yaml")
        return 0
    problems = build(args.numbers, execute=not args.no_execute) if args.command == "build" else check(args.numbers)
    for problem in problems:
        print(problem)
        if args.command == "check" and args.diff and problem.kind == "stale":
            old = (load(TRANSLATIONS / f"{problem.notebook}.yaml")["cells"].get(problem.cell) or {}).get("en")
            diff = old and english_diff(problem.notebook, problem.cell, old)
            print(diff or "    (the English it was translated from is not in git history)")
    if args.command == "check":
        todo = not_yet_translated()
        print(f"{len(translation_files())} notebook(s) translated; not yet translated: {', '.join(todo) or 'none'}")
        if not problems:
            print("every translation is up to date")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
