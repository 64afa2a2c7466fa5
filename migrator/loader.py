"""Load a models file fresh, every time, and find its SQLAlchemy metadata.

A notebook kernel lives long: ``import models`` would keep the first version of
the classes forever and a second import would fail with "Table already defined".
Loading the file under a new module object each time gives autogenerate and the
app exactly what is saved on disk now.
"""

from __future__ import annotations

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


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The line of ``path`` where the exception was raised, if it was raised there."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).resolve() == path:
            return frame.lineno
    return None
