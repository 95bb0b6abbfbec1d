"""The layers: the SMTP gateway builds on `dlp`, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

DLP = Path(__file__).resolve().parents[1] / "dlp"


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
