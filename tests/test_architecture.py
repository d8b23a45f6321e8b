"""Imports flow one way.

- ``geo/`` imports neither Streamlit nor Folium, nor ``layers/`` or ``ui/``;
  ``layers/`` imports neither Streamlit nor ``ui/``.
- Inside ``geo/`` the packages are layered: ``errors`` at the bottom, then the declared
  registries, then the measurements; ``geo/measure`` imports nothing above itself (no
  plan data, uploads, exports, store, review or the CLI), so the figures can be trusted
  on their own.
- ``ui/`` (its ``components/`` package included, which may import Streamlit) is imported
  only by itself and the page script.
- The page never renders user text as Markdown or HTML (an AST check of ``ui/`` and
  ``streamlit_app.py``; see ``test_page_text_is_declared_or_plain``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
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


def test_ui_components_are_inside_ui() -> None:
    """``ui/components/`` (custom Streamlit components) may import Streamlit; as part of
    ``ui`` it is imported by nothing in ``geo/`` or ``layers/`` (the tests above walk
    every module below ``ui/``, this package included)."""
    components = ROOT / "ui" / "components"
    if not components.exists():
        pytest.skip("no ui/components/ package yet")
    assert (components / "__init__.py").exists(), "ui/components/ must be a package"
    for package in ("geo", "layers"):
        users = {
            str(f.relative_to(ROOT))
            for f in (ROOT / package).rglob("*.py")
            if any(m == "ui.components" or m.startswith("ui.components.") for m in _modules(f))
        }
        assert users == set(), f"{package}/ imports ui.components"


def test_outside_ui_only_the_page_imports_ui() -> None:
    """Besides ``ui/`` itself, only the page script imports ``ui`` (and the harnesses that
    drive the page through its state keys: tests/ and benchmarks/)."""
    skip = {"ui", "tests", "benchmarks", "static", "workspace", "node_modules"}
    tops = [
        d
        for d in ROOT.iterdir()
        if d.is_dir() and d.name not in skip and not d.name.startswith(".")
    ]
    files = [*ROOT.glob("*.py"), *(f for d in tops for f in d.rglob("*.py"))]
    assert ROOT / "streamlit_app.py" in files and ROOT / "geo" / "cli.py" in files
    offenders = sorted(
        str(f.relative_to(ROOT))
        for f in files
        if "ui" in _tops(f) and f.relative_to(ROOT) != Path("streamlit_app.py")
    )
    assert offenders == []


# ------------------------------------------------------------------ text on the page
#
# User text (names, attributes, file names) is shown as text, never as Markdown or HTML.
# Statically: HTML (st.html, components.html, unsafe_allow_html=True) is built from
# constants only, and the first argument of a call that renders Markdown (st.markdown,
# st.caption, st.write …, on st or a container made by st) is made only of declared
# texts (t(...), registry names .name(lang), revision_caption), constants and numbers
# formatted as numbers. Whatever else a page must show goes through st.text,
# st.dataframe or the project's table helpers.

MARKDOWN_CALLS = frozenset(
    {"markdown", "caption", "write", "info", "warning", "error", "success"}
    | {"title", "header", "subheader", "toast"}
)
DECLARED_TEXT_CALLS = frozenset({"t", "revision_caption", "literal_markdown"})
"""Calls whose result is a declared text (config/i18n.toml, with numbers filled in), or
data escaped to show as written (geo.display.literal_markdown)."""
NUMBER_FORMATS = tuple("dfgeEGn%,")
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("ui/layout.py", "page_style"): (
        "our stylesheet: the uploader's declared texts JSON-quoted as CSS strings"
    ),
    ("ui/layout.py", "work_style"): ("our stylesheet: heights from a float share and keys"),
    ("ui/review.py", "landuse_section"): (
        "the declared code table's citation (config/landuse_codes.toml), not user text"
    ),
}
"""(file, function) → why its page text is accepted as it is (reported; keep it short)."""


def _number_format(value: ast.FormattedValue) -> bool:
    spec = value.format_spec
    if not isinstance(spec, ast.JoinedStr):
        return False
    text = "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
    return text.endswith(NUMBER_FORMATS)


class _Text:
    """Whether an expression is made of declared texts, constants and formatted numbers,
    following names assigned in the enclosing function or at module level."""

    def __init__(self, tree: ast.Module, function: ast.AST | None) -> None:
        self.values: dict[str, list[ast.expr]] = {}
        scopes: list[ast.AST] = [n for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign)]
        for scope in [*scopes, *([function] if function is not None else [])]:
            for node in ast.walk(scope):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.values.setdefault(target.id, []).append(node.value)
                elif (
                    isinstance(node, ast.AnnAssign | ast.AugAssign)
                    and node.value is not None
                    and isinstance(node.target, ast.Name)
                ):
                    self.values.setdefault(node.target.id, []).append(node.value)

    def declared(self, e: ast.expr | None, depth: int = 0) -> bool:
        if e is None or depth > 8:
            return False
        deeper = depth + 1
        if isinstance(e, ast.Constant):
            return isinstance(e.value, str | int | float)
        if isinstance(e, ast.JoinedStr):
            return all(
                isinstance(v, ast.Constant)
                or (isinstance(v, ast.FormattedValue) and _number_format(v))
                or (isinstance(v, ast.FormattedValue) and self.declared(v.value, deeper))
                for v in e.values
            )
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            return self.declared(e.left, deeper) and self.declared(e.right, deeper)
        if isinstance(e, ast.IfExp):
            return self.declared(e.body, deeper) and self.declared(e.orelse, deeper)
        if isinstance(e, ast.BoolOp):
            return all(self.declared(v, deeper) for v in e.values)
        if isinstance(e, ast.Name):
            values = self.values.get(e.id, [])
            return bool(values) and all(self.declared(v, deeper) for v in values)
        if isinstance(e, ast.GeneratorExp | ast.ListComp):
            return self.declared(e.elt, deeper)
        if isinstance(e, ast.Call):
            return self._declared_call(e, deeper)
        return False

    def _declared_call(self, e: ast.Call, depth: int) -> bool:
        func = e.func
        if isinstance(func, ast.Name):
            return func.id in DECLARED_TEXT_CALLS
        if not isinstance(func, ast.Attribute):
            return False
        if func.attr == "name":  # a registry entry's declared name in a language
            return True
        if func.attr in ("format", "join"):  # declared template / separator, declared parts
            parts = [func.value, *e.args, *(k.value for k in e.keywords)]
            return all(self.declared(p, depth) for p in parts)
        return False


def _page_files() -> list[Path]:
    return [ROOT / "streamlit_app.py", *sorted((ROOT / "ui").rglob("*.py"))]


def _streamlit_names(tree: ast.Module) -> set[str]:
    """``st`` and the names bound to what st returns (columns, containers, tabs …)."""
    names = {"st"}
    for node in ast.walk(tree):
        value = getattr(node, "value", None) if isinstance(node, ast.Assign) else None
        if isinstance(node, ast.withitem):
            value, targets = node.context_expr, [node.optional_vars]
        elif isinstance(node, ast.Assign):
            targets = list(node.targets)
        else:
            continue
        if not (isinstance(value, ast.Call) and "st." in ast.unparse(value.func) + "."):
            continue
        for target in targets:
            for n in ast.walk(target) if target is not None else ():
                if isinstance(n, ast.Name):
                    names.add(n.id)
    return names


def _receiver(func: ast.Attribute) -> str:
    base = func.value
    while isinstance(base, ast.Attribute):
        base = base.value
    return base.id if isinstance(base, ast.Name) else ""


def _page_text_problems(source: str, rel: str) -> list[tuple[str, str, str]]:
    """(file, function, what) for every call that renders Markdown or HTML from
    something that is not declared text or constants."""
    tree = ast.parse(source)
    streamlit = _streamlit_names(tree) | {"components"}
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if _receiver(node.func) not in streamlit:
            continue
        unsafe = any(k.arg == "unsafe_allow_html" for k in node.keywords)
        html = node.func.attr == "html" or unsafe
        if not (html or node.func.attr in MARKDOWN_CALLS) or not node.args:
            continue
        inside = [f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or 0)]
        function = max(inside, key=lambda f: f.lineno) if inside else None
        text = _Text(tree, function)
        first = node.args[0]
        ok = (
            isinstance(first, ast.Constant) or _constant_name(tree, first)
            if html
            else text.declared(first)
        )
        if not ok:
            where = function.name if function is not None else "<module>"
            found.append((rel, where, f"line {node.lineno}: {ast.unparse(node)[:120]}"))
    return found


def _constant_name(tree: ast.Module, e: ast.expr) -> bool:
    """A module-level name bound once to a string constant."""
    if not isinstance(e, ast.Name):
        return False
    values = [
        n.value
        for n in tree.body
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == e.id for t in n.targets)
    ]
    return len(values) == 1 and isinstance(values[0], ast.Constant)


def test_page_text_is_declared_or_plain() -> None:
    files = _page_files()
    assert len(files) > 10, "ui/ has lost its modules"
    problems = [
        p
        for f in files
        for p in _page_text_problems(f.read_text(encoding="utf-8"), str(f.relative_to(ROOT)))
    ]
    unexplained = [p for p in problems if (p[0], p[1]) not in KNOWN_EXCEPTIONS]
    assert unexplained == [], "Markdown/HTML built from data: use st.text or a table"


def test_the_page_text_check_catches_data() -> None:
    """The check itself: user text in Markdown or in HTML is found, declared text is not."""
    source = """
import streamlit as st
HEAD = "<b>fixed</b>"

def page(row, lang, n):
    label = t("area", lang)
    c1, c2 = st.columns(2)
    st.markdown(f"**{t('heading', lang)}** {n:,.1f}")
    st.caption(label)
    st.markdown(HEAD, unsafe_allow_html=True)
    st.markdown(f"**{row['name']}**")
    c1.caption(row["name"])
    st.markdown(f"<b>{t('x', lang)}</b>", unsafe_allow_html=True)
    st.html("<p>" + row["name"] + "</p>")
"""
    found = [what.split(":")[0] for _f, _fn, what in _page_text_problems(source, "probe.py")]
    assert found == ["line 11", "line 12", "line 13", "line 14"]


FIRST_SCREEN_PROBE = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("streamlit_app.py", default_timeout=600)
at.run()
assert not at.exception, [e.value for e in at.exception]
assert at.metric, "the area table (the tab open on a new page) is drawn"
print(",".join(sorted(m for m in {modules!r} if m in sys.modules)))
"""
NOT_ON_THE_FIRST_SCREEN = (
    "matplotlib",  # print maps, the review's and the comparison's PDF pages
    "openpyxl",  # XLSX downloads, built when asked
    "reportlab",
    "geo.export.maps",
    "geo.export.atlas",
    "geo.review",
    "geo.edit",
    "geo.upload.analysis",
    "layers.edit_map",
    "layers.compare_map",
    "ui.exports",
    "ui.review",
    "ui.tab_edit",
    "ui.tab_compare",
    "ui.upload_form",
    "ui.upload_analysis",
    "ui.history",
)
"""What the first screen (the map, the zone panel and the area table) does not draw:
only the open tab runs and its modules are imported when it is opened."""


def test_the_first_screen_imports_only_what_it_draws(tmp_path: Path) -> None:
    """The page's first run (a new session; the area table is the open tab), in a fresh
    interpreter, imports none of the hidden tabs' modules."""
    code = FIRST_SCREEN_PROBE.format(modules=NOT_ON_THE_FIRST_SCREEN)
    env = {**os.environ, "PLANMAP_WORKSPACE": str(tmp_path / "workspace")}
    env.pop("PLANMAP_DATABASE_URL", None)
    env.pop("PLANMAP_REQUIRE_LOGIN", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = out.stdout.strip().rpartition("\n")[2]
    assert loaded == ""
