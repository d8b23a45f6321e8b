"""Imports flow one way: geo/ imports neither Streamlit nor Folium; layers/ not Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("geo", {"streamlit", "folium", "streamlit_folium", "branca", "layers", "ui"}),
        ("layers", {"streamlit", "streamlit_folium", "ui"}),
    ],
)
def test_import_direction(package: str, forbidden: set[str]) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = {str(f.relative_to(ROOT)): sorted(_imports(f) & forbidden) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}
