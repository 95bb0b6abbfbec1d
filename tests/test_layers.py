"""The layers: the SMTP gateway builds on `dlp`, never the other way round, and no module or
package imports one that imports it back. Every import counts: those made only for type
checking (``if TYPE_CHECKING:``) and those inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DLP = ROOT / "dlp"
PACKAGES = ("dlp", "smtp_gateway")


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_nothing_in_dlp_imports_the_smtp_gateway() -> None:
    offenders = {
        str(path.relative_to(DLP.parent)): sorted(
            name
            for name in _imported(ast.parse(path.read_text()))
            if name.split(".")[0] == "smtp_gateway"
        )
        for path in sorted(DLP.rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_nothing_in_dlp_names_a_gateway_module_to_import_it_later() -> None:
    """A module name in a string (``importlib.import_module("smtp_gateway.command")``) is an
    import too; `dlp gateway` comes in through the ``dlp.commands`` entry points instead."""
    named = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted(DLP.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.split(".")[0] == "smtp_gateway"
        and node.value.replace(".", "").replace("_", "").isalnum()
    ]
    assert named == []


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _import_graph() -> dict[str, set[str]]:
    """Each module of ours and the modules of ours it imports (``from P import m`` imports the
    module ``P.m`` when there is one, else ``P``)."""
    modules = _modules()

    def ours(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(ours(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([node.module] if node.module else [])])
                for alias in node.names:
                    whole = f"{base}.{alias.name}"
                    found.add(whole if whole in modules else ours(base))
        graph[name] = {target for target in found if target and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                cycles.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert _cycles(_import_graph()) == []


def _package(module: str) -> str:
    """``dlp.policy.load`` -> ``dlp.policy``; ``dlp.audit`` -> itself; ``smtp_gateway.x`` ->
    ``smtp_gateway``: the parts a newcomer sees as boxes."""
    if module.startswith("smtp_gateway"):
        return "smtp_gateway"
    return ".".join(module.split(".")[:2])


def test_no_package_imports_one_that_imports_it_back() -> None:
    between: dict[str, set[str]] = {}
    for module, targets in _import_graph().items():
        outside = {_package(target) for target in targets} - {_package(module)}
        between.setdefault(_package(module), set()).update(outside)
    assert _cycles(between) == []


def test_the_checker_sees_a_cycle() -> None:
    """The two tests above would pass on a graph they never fill: this one is not empty, and
    a cycle put in it is found."""
    graph = _import_graph()
    assert "dlp.policy.lookalike" in graph["dlp.policy.load"]
    assert "dlp.tomlreader" in graph["dlp.policy.load"]
    assert _cycles({**graph, "dlp.tomlreader": {"dlp.policy.load"}}) != []
