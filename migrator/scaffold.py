"""Create and reset workspaces: small, complete Alembic projects made from the repository's files.

A workspace is laid out like the repository itself::

    workspaces/<name>/
        .migrator-workspace    the marker: only folders carrying it are ever deleted by a reset
        alembic.ini            the repository's, with script_location, models and the URL made local
        migrations/env.py      a copy of the project's one env.py
        migrations/script.py.mako
        migrations/versions/   empty, or the bookshop's reference chain
        models.py              the file learners edit (steps 1 and 2)

Everything is copied from templates, never written from strings: the starter models
are ``migrator/templates/models.py.template``, the bookshop's are ``migrator/app/models.py``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .errors import WorkspaceError
from .i18n import _

#: The repository: its alembic.ini, migrations/ and sample app are the templates.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
MARKER = ".migrator-workspace"
STARTERS = ("empty", "bookshop")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def starter_models() -> str:
    """The models file a new, empty workspace starts with: just ``Base`` and a naming convention."""
    return (TEMPLATES / "models.py.template").read_text()


def prepare(name: str, root: str | Path, *, reset: bool, starter: str) -> Path:
    """The folder of workspace ``name`` under ``root``: created if missing, first removed if ``reset``."""
    path = Path(root) / valid_name(name)
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise WorkspaceError(
            _("The workspace name {name!r} would place it outside {root}/.", name=name, root=root),
            _("Use a plain name such as '02_change_the_model'."),
        )
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise WorkspaceError(
            _("{path} is {value}, not a workspace folder, so it is neither used nor deleted.",
              path=path, value='a link' if path.is_symlink() else 'a file'),
            _("Pick another workspace name, or move that file or link away yourself."),
        )
    if reset:
        remove(path)
    if not (path / "alembic.ini").exists():
        create(path, starter)
    return path


def valid_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise WorkspaceError(
            _("{name!r} is not a usable workspace name: it must be one plain folder name "
              "(letters, digits, '_', '-', '.'), with no '/' or '..'.", name=name),
            _("Use a plain name such as '02_change_the_model'."),
        )
    return name


def remove(path: Path) -> None:
    """Delete a workspace folder, but only one that migrator made (it carries the marker)."""
    if not path.exists():
        return
    if not (path / MARKER).exists():
        raise WorkspaceError(
            _("{path} exists but was not made by migrator, so reset will not delete it.", path=path),
            _("Pick another workspace name, or move that folder away yourself."),
        )
    shutil.rmtree(path)


#: What every workspace is made from, beside the package (so the kit needs the repository around it).
REPOSITORY_FILES = ("alembic.ini", "migrations/env.py", "migrations/script.py.mako")


def create(path: Path, starter: str) -> None:
    if starter not in STARTERS:
        raise WorkspaceError(
            _("There is no starter called {starter!r}.", starter=starter),
            _("Use one of: {STARTERS}.", STARTERS=', '.join(STARTERS)),
        )
    missing = [name for name in REPOSITORY_FILES if not (PROJECT_ROOT / name).is_file()]
    if missing:  # a copy of the package (`pip install .`, as repo2docker does for a root pyproject.toml)
        raise WorkspaceError(
            f"migrator is a copy without its repository: {PROJECT_ROOT} has no {', '.join(missing)}.",
            "Install it from the repository with pip install -e . (or -r requirements.txt), not pip install .",
        )
    versions = path / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("Made by migrator.Workspace; reset=True deletes it.\n")
    # copyfile, not copy: contents only, so a read-only course install (a workshop hub's shared
    # snapshot, a root-owned site-packages) still gives the learner files they can save
    for name in ("env.py", "script.py.mako"):
        shutil.copyfile(PROJECT_ROOT / "migrations" / name, path / "migrations" / name)
    (path / "alembic.ini").write_text(workspace_ini())
    if starter == "bookshop":
        shutil.copyfile(PROJECT_ROOT / "migrator" / "app" / "models.py", path / "models.py")
        for revision in sorted((PROJECT_ROOT / "migrations" / "versions").glob("*.py")):
            shutil.copyfile(revision, versions / revision.name)
    else:
        shutil.copyfile(TEMPLATES / "models.py.template", path / "models.py")


def workspace_ini() -> str:
    """The project's alembic.ini, pointed at the workspace's own files."""
    settings = {
        "script_location": "%(here)s/migrations",
        "models": "models.py",
        "sqlalchemy.url": "sqlite:///%(here)s/app.db",
    }
    lines = (PROJECT_ROOT / "alembic.ini").read_text().splitlines()
    for index, line in enumerate(lines):
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.startswith("#") and key in settings:
            lines[index] = f"{key} = {settings.pop(key)}"
    assert not settings, _("alembic.ini lacks {settings}", settings=settings)
    return "\n".join(lines) + "\n"
