"""Every widget and session-state key is a named constant (or a function) of ui/state.py:
no key is spelled out where a widget is made."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([REPO / "streamlit_app.py", *(REPO / "ui").glob("*.py")])


def _literal_keys(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.keyword)
            and node.arg == "key"
            and isinstance(node.value, ast.Constant | ast.JoinedStr)
        ):
            found.append(f"{path.name}:{node.value.lineno}: {ast.unparse(node.value)}")
        if (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value).endswith("session_state")
            and isinstance(node.slice, ast.Constant | ast.JoinedStr)
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and ast.unparse(node.func.value).endswith("session_state")
            and node.args
            and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", [p for p in SOURCES if p.name != "state.py"], ids=lambda p: p.name)
def test_no_key_is_spelled_out(path: Path) -> None:
    assert _literal_keys(path) == []


def test_the_checker_finds_spelled_out_keys(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'st.button("x", key="go")\nst.session_state["a"] = 1\n'
        'st.session_state.get(f"b{i}")\nst.checkbox("y", key=state.GO)\n',
        encoding="utf-8",
    )
    assert len(_literal_keys(sample)) == 3
