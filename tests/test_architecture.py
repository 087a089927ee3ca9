"""The shape of the house (../shared/STYLE.md), checked on the source: import direction,
no import circles, no reaching into another module's private names, modules small enough
to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "drive_site", "files", "pds_client", "pds_server")
MAX_LINES = 400


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = project_modules()


def imports_of(path: Path, *, top_level_only: bool) -> list[tuple[str, list[str]]]:
    """(module imported, names imported from it) for each import statement; with
    `top_level_only`, only those run when the module is imported (not inside functions or
    `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: list[tuple[str, list[str]]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.extend((alias.name, []) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[: len(package) - node.level + 1] + ((base,) if base else ()))
                found.append((base, [alias.name for alias in node.names]))
            elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                visit(node.body + node.orelse)
            elif isinstance(node, (ast.Try,)):
                visit(node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body])
            elif not top_level_only and isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.For, ast.While)
            ):
                visit(node.body)

    if top_level_only:
        visit(tree.body)
    else:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                visit([node])
    return found


def resolve(name: str, imported: list[str]) -> list[str]:
    """The project modules an import statement loads."""
    targets = {f"{name}.{item}" if f"{name}.{item}" in MODULES else name for item in imported or [""]}
    return sorted(target for target in targets if target in MODULES)


def import_graph() -> dict[str, set[str]]:
    """Who imports whom, lazy imports inside functions included, except the one sanctioned
    back edge: a service queueing a task through a lazy import of a `tasks` module."""
    graph = {}
    for module, path in MODULES.items():
        eager = {t for name, names in imports_of(path, top_level_only=True) for t in resolve(name, names)}
        lazy = {t for name, names in imports_of(path, top_level_only=False) for t in resolve(name, names)} - eager
        graph[module] = (eager | {t for t in lazy if t.rsplit(".", 1)[-1] != "tasks"}) - {module}
    return graph


def test_no_import_circle_between_project_modules():
    graph = import_graph()
    circles, state = [], {}

    def walk(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                circles.append(trail[trail.index(target) :] + [target] if target in trail else [module, target])
            elif target not in state:
                walk(target, trail + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert circles == [], "import circles: " + "; ".join(" -> ".join(circle) for circle in circles)


def test_no_module_imports_another_modules_private_names():
    offenders = [
        f"{module} imports {name} from {source}"
        for module, path in MODULES.items()
        for source, names in imports_of(path, top_level_only=False)
        if source.split(".")[0] in PACKAGES
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["accounts", "files", "pds_client"])
def test_the_drive_app_reaches_the_pds_only_over_http(package):
    offenders = [
        f"{module} imports {source}"
        for module, path in MODULES.items()
        if module.split(".")[0] == package
        for source, _ in imports_of(path, top_level_only=False)
        if source.split(".")[0] == "pds_server"
    ]
    assert offenders == []


def test_policy_never_imports_the_protocol_layer():
    protocol = ("pds_server.api", "pds_server.views", "pds_server.serializers", "pds_server.middleware")
    offenders = [
        f"{module} imports {source}"
        for module, path in MODULES.items()
        if module.startswith(("pds_server.services", "pds_server.selectors", "pds_server.storage", "pds_server.models"))
        for source, names in imports_of(path, top_level_only=False)
        for target in [source, *(f"{source}.{name}" for name in names)]
        if target.startswith(protocol)
    ]
    assert offenders == []


def test_no_application_module_is_over_400_lines():
    long_modules = {
        module: n for module, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long_modules == {}
