"""Imports flow one way.

- ``geo/`` imports neither Streamlit nor Folium, nor ``layers/`` or ``ui/``;
  ``layers/`` imports neither Streamlit nor ``ui/``.
- Inside ``geo/`` the packages are layered: ``errors`` at the bottom, then the declared
  registries, then the measurements; ``geo/measure`` imports nothing above itself (no
  plan data, uploads, exports, store, review or the CLI), so the figures can be trusted
  on their own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules(path: Path) -> set[str]:
    """Every module ``path`` imports, by full dotted name (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _tops(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _modules(path)}


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
    offenders = {str(f.relative_to(ROOT)): sorted(_tops(f) & forbidden) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


# What geo/measure may use inside geo: itself, the declared registries and the errors.
MEASURE_MAY_IMPORT = ("geo.measure", "geo.declared", "geo.errors")


def test_measure_imports_nothing_above_it() -> None:
    files = sorted((ROOT / "geo" / "measure").rglob("*.py"))
    assert len(files) > 5, "geo/measure/ has lost its modules"
    offenders: dict[str, list[str]] = {}
    for f in files:
        inside = {m for m in _modules(f) if m == "geo" or m.startswith("geo.")}
        bad = sorted(
            m
            for m in inside
            if not any(m == ok or m.startswith(ok + ".") for ok in MEASURE_MAY_IMPORT)
            and not any(ok.startswith(m + ".") for ok in MEASURE_MAY_IMPORT)
        )
        if bad:
            offenders[str(f.relative_to(ROOT))] = bad
    assert offenders == {}


@pytest.mark.parametrize("package", ["geo", "layers", "ui"])
def test_no_package_imports_ui_or_app(package: str) -> None:
    """Nothing imports the page script; only ``ui`` itself (and the page) imports ``ui``."""
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = {
        str(f.relative_to(ROOT)): sorted(
            m for m in _tops(f) if m == "streamlit_app" or (m == "ui" and package != "ui")
        )
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
