"""Load a models file fresh, every time, and find its SQLAlchemy metadata.

A notebook kernel lives long: ``import models`` would keep the first version of
the classes forever and a second import would fail with "Table already defined".
Loading the file under a new module object each time gives autogenerate and the
app exactly what is saved on disk now.

Loading also resolves every ForeignKey and sets up the relationships (cheap: a few
milliseconds), so a misspelt table, column or class is reported with its line of
models.py, instead of as a raw SQLAlchemy error in autogenerate or at the first query.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.util
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

from .errors import ModelsError
from .i18n import _


def load_models(path: str | Path) -> ModuleType:
    """Execute the models file as a brand-new module, check its foreign keys and relationships, return it."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ModelsError(
            _("The models file {name} does not exist (looked in {name2}/).",
              name=path.name, name2=path.parent.name),
            _("Create it (Workspace.write_models) or fix the 'models' option in alembic.ini."),
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
            _("{name} line {lineno}: {msg}: {strip!r}",
              name=path.name, lineno=exc.lineno, msg=exc.msg, strip=(exc.text or '').strip()),
            _("Correct line {lineno} of {name}, save the file, and run the step again.",
              lineno=exc.lineno, name=path.name),
        ) from None
    except Exception as exc:
        del sys.modules[name]
        line = _line_in(exc, path)
        raise ModelsError(
            _("{name}{value} raised {name2}: {exc}",
              name=path.name, value=f' line {line}' if line else '', name2=type(exc).__name__, exc=exc),
            _("Fix {name} so that it imports cleanly, save it, and run the step again.", name=path.name),
        ) from None
    registries = _registries(module)
    try:
        _check_foreign_keys(module, path)
        _configure(registries, path)
    except ModelsError:
        for registry in registries:  # a failed mapper would break every later configure_mappers()
            registry.dispose()
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
        _("{file} defines no SQLAlchemy metadata, so Alembic cannot know what the schema "
          "should be.", file=file),
        _("Define `class Base(DeclarativeBase)` (or a `target_metadata = MetaData()`) in {file}.", file=file),
    )


def load_metadata(path: str | Path) -> sa.MetaData:
    """Shortcut for env.py: load the file fresh and return its metadata."""
    return find_metadata(load_models(path))


def is_import_path(spec: str) -> bool:
    """'myapp.db:Base.metadata' (module:attribute), as opposed to a file such as 'models.py'."""
    module, _sep, attribute = spec.partition(":")
    return bool(attribute) and not module.endswith(".py") and all(p.isidentifier() for p in module.split("."))


def metadata_from(spec: str, base: str | Path) -> sa.MetaData:
    """The metadata a project names: a models file (relative to ``base``) or an import path.

    An import path is imported fresh each time (its package's modules are dropped from
    ``sys.modules`` first, with ``base`` first on ``sys.path``), so a saved change is seen,
    as with a models file.
    """
    if not is_import_path(spec):
        path = Path(spec)
        return load_metadata(path if path.is_absolute() else Path(base) / path)
    module_name, _sep, attribute = spec.partition(":")
    package = module_name.split(".")[0]
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    sys.path.insert(0, str(Path(base).resolve()))
    try:
        value = importlib.import_module(module_name)
        for part in attribute.split("."):
            value = getattr(value, part)
    except (ImportError, AttributeError) as exc:
        raise ModelsError(
            _("The models {spec!r} could not be loaded: {name}: {exc}.",
              spec=spec, name=type(exc).__name__, exc=exc),
            _("Check the module and attribute names (from {name}/, as env.py imports them).",
              name=Path(base).name),
        ) from None
    except Exception as exc:  # noqa: BLE001 - the package itself raised while importing
        raise ModelsError(
            _("Importing the models {spec!r} raised {name}: {exc}.",
              spec=spec, name=type(exc).__name__, exc=exc),
            _("Fix that module so that it imports cleanly, save it, and run the step again."),
        ) from None
    finally:
        sys.path.remove(str(Path(base).resolve()))
    if not isinstance(value, sa.MetaData):
        raise ModelsError(
            _("{spec!r} is a {name}, not SQLAlchemy MetaData.", spec=spec, name=type(value).__name__),
            _("Point it at the metadata itself, e.g. 'myapp.db:Base.metadata'."),
        )
    return value


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


def _configure(registries: list[sa.orm.registry], path: Path) -> None:
    """Set up the relationships now: a typo in one would otherwise surface at the first query."""
    for registry in registries:
        try:
            registry.configure()
        except Warning:
            raise
        except sa.exc.SQLAlchemyError as exc:
            _relationship_error(registry, path, exc)
        except Exception as exc:  # e.g. a NameError in relationship(lambda: ...)
            line = _line_in(exc, path)
            raise ModelsError(
                _("{at}: setting up the relationships raised {name}: {exc}",
                  at=_at(path, line), name=type(exc).__name__, exc=exc),
                _("Fix {in_}, save it, and run the step again.", in_=_in(path, line)),
            ) from None


def _relationship_error(registry: sa.orm.registry, path: Path, exc: sa.exc.SQLAlchemyError) -> None:
    """A ModelsError for a relationship that SQLAlchemy could not set up, at its line."""
    message = str(exc)
    relationships = [prop for mapper in registry.mappers for prop in mapper._props.values()
                     if isinstance(prop, sa.orm.RelationshipProperty)]
    tree = ast.parse(path.read_text(), str(path))
    failing = re.search(r"mapper Mapper\[(\w+)\(", message)  # "When initializing mapper Mapper[Book(books)]"
    in_failing = [prop for prop in relationships if not failing or prop.parent.class_.__name__ == failing[1]]
    if found := re.search(r"failed to locate a name \((?:\"name )?'(\w+)'", message):
        name, classes = found[1], sorted(mapper.class_.__name__ for mapper in registry.mappers)
        prop, line = _locate(tree, in_failing, name)
        raise ModelsError(
            _("{at}: the relationship {name} names a class {name2} that no model defines "
              "(classes: {classes}).",
              at=_at(path, line), name=_name(prop), name2=name, classes=', '.join(classes)),
            _("Correct the class name in {in_}{did_you_mean}, save, run the step again.",
              in_=_in(path, line), did_you_mean=_did_you_mean(name, classes)),
        ) from None
    if found := re.search(r"Mapper\[(\w+)\(.*has no property '(\w+)'", message):
        target, name = found[1], found[2]
        names = sorted(prop.key for prop in relationships if prop.parent.class_.__name__ == target)
        prop, line = _locate(tree, [prop for prop in relationships if prop.back_populates == name], name)
        raise ModelsError(
            _("{at}: {name} has back_populates={name2!r}, but {target} has no "
              "relationship {name2} (relationships: {names}).",
              at=_at(path, line), name=_name(prop), name2=name, target=target, names=', '.join(names) or 'none'),
            _("Correct back_populates in {in_}{did_you_mean}, save, run the step again.",
              in_=_in(path, line), did_you_mean=_did_you_mean(name, names)),
        ) from None
    named = re.search(r"relationship '?(\w+)\.(\w+)", message)  # "... on relationship Author.books - ..."
    prop, line = _locate(tree, [p for p in relationships if named and _name(p) == f"{named[1]}.{named[2]}"]
                         or [p for p in in_failing if f"'{p.argument}'" in message]  # relationship('list[Autor]')
                         or [p for p in relationships if p._configure_started and not p._configure_finished])
    first = re.split(r"(?<=\.)\s+(?=[A-Z])", message.strip(), maxsplit=1)[0]
    raise ModelsError(
        _("{at}: the relationship {name} cannot be set up: {first}",
          at=_at(path, line), name=_name(prop), first=first),
        _("Correct {in_}, save the file, and run the step again.", in_=_in(path, line)),
    ) from None


def _name(prop) -> str:
    return f"{prop.parent.class_.__name__}.{prop.key}" if prop is not None else "(unknown)"


def _locate(tree: ast.AST, props: list, text: str | None = None) -> tuple[object, int | None]:
    """The first of ``props`` whose statement holds ``text`` in a string, and that string's line;
    else the first of them and the line where its class assigns it."""
    found = []
    for prop in props:
        for cls in ast.walk(tree):
            if not (isinstance(cls, ast.ClassDef) and cls.name == prop.parent.class_.__name__):
                continue
            for statement in cls.body:
                targets = [statement.target] if isinstance(statement, ast.AnnAssign) else getattr(
                    statement, "targets", [])
                if not any(isinstance(t, ast.Name) and t.id == prop.key for t in targets):
                    continue
                for node in ast.walk(statement):
                    if text and isinstance(node, ast.Constant) and isinstance(node.value, str) \
                            and re.search(rf"\b{re.escape(text)}\b", node.value):
                        return prop, node.lineno
                found.append((prop, statement.lineno))
    return found[0] if found else (props[0] if props else None, None)


def _registries(module: ModuleType) -> list[sa.orm.registry]:
    """The declarative registries that map this module's classes (usually just Base.registry).

    A registry imported from elsewhere and only used here is left alone: disposing of it
    after a failure would break its own module.
    """
    found = {}
    for value in vars(module).values():
        registry = value if isinstance(value, sa.orm.registry) else getattr(value, "registry", None)
        if isinstance(value, (type, sa.orm.registry)) and isinstance(registry, sa.orm.registry):
            found[id(registry)] = registry
    return [registry for registry in found.values()
            if registry.mappers and all(m.class_.__module__ == module.__name__ for m in registry.mappers)]


def _foreign_key_error(path: Path, target: str, kind: str, wrong: str, where: str, names: list[str],
                       listed: str) -> None:
    line = _foreign_key_line(ast.parse(path.read_text(), str(path)), target)
    raise ModelsError(
        _("{at}: ForeignKey({target!r}) names a {kind} {wrong} {where} ({listed}: {names}).",
          at=_at(path, line), target=target, kind=kind, wrong=wrong, where=where, listed=listed, names=', '.join(names)),
        _("Correct the {kind} name in {in_}{did_you_mean}, save, run the step again.",
          kind=kind, in_=_in(path, line), did_you_mean=_did_you_mean(wrong, names)),
    ) from None


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
