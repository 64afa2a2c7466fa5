"""Load a models file fresh, every time, and find its SQLAlchemy metadata.

A notebook kernel lives long: ``import models`` would keep the first version of
the classes forever and a second import would fail with "Table already defined".
Loading the file under a new module object each time gives autogenerate and the
app exactly what is saved on disk now.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

from .errors import ModelsError


def load_models(path: str | Path) -> ModuleType:
    """Execute the models file as a brand-new module and return it."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ModelsError(
            f"The models file {path.name} does not exist (looked in {path.parent.name}/).",
            "Create it (Workspace.write_models) or fix the 'models' option in alembic.ini.",
        )
    name = "_migrator_models_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # SQLAlchemy resolves annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        raise ModelsError(
            f"{path.name} line {exc.lineno}: {exc.msg}: {(exc.text or '').strip()!r}",
            f"Correct line {exc.lineno} of {path.name}, save the file, and run the step again.",
        ) from None
    except Exception as exc:
        del sys.modules[name]
        line = _line_in(exc, path)
        raise ModelsError(
            f"{path.name}{f' line {line}' if line else ''} raised "
            f"{type(exc).__name__}: {exc}",
            f"Fix {path.name} so that it imports cleanly, save it, and run the step again.",
        ) from None
    try:
        _check_foreign_keys(module, path)
    except ModelsError:
        del sys.modules[name]
        raise
    return module


def find_metadata(module: ModuleType) -> sa.MetaData:
    """The module's ``target_metadata``, else its declarative ``Base.metadata``."""
    candidates = [getattr(module, "target_metadata", None)]
    base = getattr(module, "Base", None)
    candidates.append(getattr(base, "metadata", None))
    candidates.append(getattr(module, "metadata", None))
    for candidate in candidates:
        if isinstance(candidate, sa.MetaData):
            return candidate
    file = Path(module.__file__).name
    raise ModelsError(
        f"{file} defines no SQLAlchemy metadata, so Alembic cannot know what the schema should be.",
        f"Define `class Base(DeclarativeBase)` (or a `target_metadata = MetaData()`) in {file}.",
    )


def load_metadata(path: str | Path) -> sa.MetaData:
    """Shortcut for env.py: load the file fresh and return its metadata."""
    return find_metadata(load_models(path))


def _check_foreign_keys(module: ModuleType, path: Path) -> None:
    """Resolve every ForeignKey now: a typo in its target would otherwise surface in autogenerate."""
    for metadata in _metadatas(module):
        for table in metadata.tables.values():
            for fk in table.foreign_keys:
                try:
                    fk.column
                except sa.exc.NoReferencedColumnError as exc:
                    referred = metadata.tables.get(exc.table_name)
                    _foreign_key_error(path, fk.target_fullname, "column", exc.column_name,
                                       f"that the table {exc.table_name} does not have",
                                       [c.name for c in referred.columns] if referred is not None else [], "columns")
                except sa.exc.NoReferencedTableError as exc:
                    _foreign_key_error(path, fk.target_fullname, "table", exc.table_name, "that no model defines",
                                       sorted(metadata.tables), "tables")


def _foreign_key_error(path: Path, target: str, kind: str, wrong: str, where: str, names: list[str],
                       listed: str) -> None:
    line = _foreign_key_line(ast.parse(path.read_text(), str(path)), target)
    raise ModelsError(
        f"{_at(path, line)}: ForeignKey({target!r}) names a {kind} {wrong} {where} ({listed}: {', '.join(names)}).",
        f"Correct the {kind} name in {_in(path, line)}{_did_you_mean(wrong, names)}, save, run the step again.",
    )


def _foreign_key_line(tree: ast.AST, target: str) -> int | None:
    """The line of ``ForeignKey(target)``; else of the string ``target`` (a ForeignKeyConstraint)."""
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _called(node) == "ForeignKey"
             and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == target]
    strings = [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value == target]
    return min((node.lineno for node in calls or strings), default=None)


def _called(call: ast.Call) -> str | None:
    """``ForeignKey`` for ``ForeignKey(...)`` and for ``sa.ForeignKey(...)``."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _at(path: Path, line: int | None) -> str:
    return f"{path.name} line {line}" if line else path.name


def _in(path: Path, line: int | None) -> str:
    return f"line {line} of {path.name}" if line else path.name


def _did_you_mean(wrong: str, names: list[str]) -> str:
    guess = difflib.get_close_matches(wrong, names, n=1)
    return f" (did you mean {guess[0]!r}?)" if guess else ""


def _metadatas(module: ModuleType) -> list[sa.MetaData]:
    """Every MetaData that find_metadata could pick, each once."""
    found = [getattr(module, "target_metadata", None), getattr(getattr(module, "Base", None), "metadata", None),
             getattr(module, "metadata", None)]
    unique = {id(m): m for m in found if isinstance(m, sa.MetaData)}
    return list(unique.values())


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The line of ``path`` where the exception was raised, if it was raised there."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).resolve() == path:
            return frame.lineno
    return None
