"""The house: imports point down the layers, never up, and never in a circle.

Every import in ``migrator/`` counts, including those under ``TYPE_CHECKING`` and
those inside functions: the file is parsed, not imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "migrator"

#: Lower numbers are lower layers. A module may import its own layer or any layer below.
LAYERS = {
    0: {"i18n", "errors"},
    1: {"database", "loader", "schema", "diagrams", "backup", "pgbackup", "lint", "translate", "progress", "postgres",
        "results", "scaffold", "app"},
    2: {"plan", "project"},
    3: {"checks", "environments", "widgets"},  # Workspace's conveniences: typed with Protocols
    4: {"workspace"},
    5: {"exercises", "__init__", "cli", "__main__"},
}


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    return next(rank for rank, names in LAYERS.items() if top in names)


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(module: str, path: Path) -> set[str]:
    """The migrator modules ``module`` imports, wherever the import statement stands."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] + [f"{target}.{alias.name}" for alias in node.names]
            elif (node.module or "").startswith("migrator"):
                names = [node.module.removeprefix("migrator").lstrip(".")]
            else:
                continue
            found.update(n.strip(".") for n in names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("migrator.") for a in node.names if a.name.startswith("migrator."))
    known = modules()
    return {name for name in found if name in known and name != module and name != "__init__"}


GRAPH = {module: imports(module, path) for module, path in modules().items()}


def test_every_module_has_a_layer():
    assert [m for m in GRAPH if not any(m.split(".")[0] in names for names in LAYERS.values())] == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module):
    upward = sorted(target for target in GRAPH[module] if layer_of(target) > layer_of(module))
    assert upward == [], f"{module} (layer {layer_of(module)}) imports a higher layer: {upward}"


def test_the_import_graph_has_no_circle():
    visiting, done, circles = set(), set(), []

    def visit(node, trail):
        if node in done:
            return
        if node in visiting:
            circles.append(trail[trail.index(node):] + [node])
            return
        visiting.add(node)
        for target in sorted(GRAPH[node]):
            visit(target, trail + [node])
        visiting.discard(node)
        done.add(node)

    for module in sorted(GRAPH):
        visit(module, [])
    assert circles == []


def test_nothing_outside_project_and_workspace_calls_their_private_methods():
    private = set()
    for name in ("project", "workspace"):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        private |= {
            node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("_") and not node.name.startswith("__")
        }
    offenders = []
    for module, path in modules().items():
        if module in ("project", "workspace"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in private:
                offenders.append(f"{module}: .{node.attr}")
    assert offenders == []


def test_only_project_iterates_revisions_or_touches_private_alembic_api():
    walking = {"walk_revisions", "iterate_revisions", "_upgrade_revs", "_downgrade_revs"}
    offenders = sorted(
        f"{module}: .{node.attr}"
        for module, path in modules().items() if module != "project"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in walking
    )
    assert offenders == []


def test_the_checker_sees_an_upward_import(tmp_path):
    """The test above can fail: a leaf importing Workspace, even lazily, is found."""
    leaf = tmp_path / "leaf.py"
    leaf.write_text("def f():\n    from .workspace import Workspace\n")
    assert "workspace" in imports("schema", leaf)
