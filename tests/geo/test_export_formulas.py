"""Text a spreadsheet would run as a formula stays text, in every table file we write.

Attribute values, attribute names and layer names come from users' files and are
untrusted. A CSV or XLSX cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is a formula (or a DDE call) to Excel and LibreOffice when the file is
opened; the fix (OWASP "CSV injection") is a leading apostrophe. Numbers are numbers:
``-12.5`` in a numeric column is written as the number, while the *text* ``-1+2`` is
defused. Text that is merely HTML-like (``<img onerror>``) is not a spreadsheet formula
and is kept exactly as it is.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.export.layers import export_layer
from geo.export.tables import area_export_table, overlap_export_table, write_table
from geo.tables import csv_bytes, xlsx_bytes
from tests.conftest import gk_boxes

# Each hostile text and what a spreadsheet must be given instead.
DANGEROUS = ["=1+2", '=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]
HARMLESS = ["<img src=x onerror=alert(1)>", "七步场村", "a=b", "1-2", "", "'quoted"]


def expected_text(text: str) -> str:
    """What the file must hold for ``text``: the catalogue's rule, written out."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def test_the_rule_itself() -> None:
    assert [expected_text(t) for t in DANGEROUS] == [
        "'=1+2",
        '\'=HYPERLINK("http://x","y")',
        "'+1",
        "'-1+2",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
    ]
    assert [expected_text(t) for t in HARMLESS] == HARMLESS


def hostile_table() -> pd.DataFrame:
    """Hostile text in values (object and string dtypes, categories), in the headers and
    as layer names, beside a numeric column with negative numbers."""
    texts = DANGEROUS + HARMLESS
    n = len(texts)
    table = pd.DataFrame(
        {
            "name": texts,
            "name_str": pd.array(texts, dtype="string"),
            "name_cat": pd.Categorical(texts),
            "layer": [texts[(i + 3) % n] for i in range(n)],
            "area_m2": [-12.5 * (i + 1) for i in range(n)],
            "count": list(range(-3, n - 3)),
        }
    )
    for i, header in enumerate([*DANGEROUS, "<b>header</b>"]):
        table[header] = [f"v{i}"] * n
    return table


def _xml_text(text: str) -> str:
    """``text`` as an XML parser returns it: XML 1.0 (section 2.11) reads a carriage
    return in element text as a line feed, so openpyxl gives back "\\n" for "\\r"."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_values_headers_and_layer_names() -> None:
    table = hostile_table()
    rows = _csv_rows(csv_bytes(table))
    header, body = rows[0], rows[1:]
    assert header == [expected_text(str(c)) for c in table.columns]
    assert len(body) == len(table)
    for j, column in enumerate(table.columns):
        for i, value in enumerate(table[column]):
            if column in ("area_m2", "count"):
                # Numbers are written as numbers: the minus sign stays unprefixed.
                assert float(body[i][j]) == pytest.approx(float(value)), (column, i)
                assert not body[i][j].startswith("'")
            else:
                assert body[i][j] == expected_text(str(value)), (column, i)


def test_xlsx_values_headers_layer_names_and_notes() -> None:
    table = hostile_table()
    notes = {"fingerprint": "=cmd|' /C calc'!A0", "+key": "-1+2", "method": "CGCS2000"}
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table, sheet="areas", notes=notes)))
    sheet = book["areas"]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert header == [_xml_text(expected_text(str(c))) for c in table.columns]
    for j, column in enumerate(table.columns):
        for i, value in enumerate(table[column]):
            cell = rows[i + 1][j]
            if column in ("area_m2", "count"):
                assert cell.data_type == "n", (column, i)
                assert cell.value == pytest.approx(float(value))
            elif value == "":
                assert cell.value in (None, ""), (column, i)
            else:
                # A string cell (never "f", a formula) holding the defused text.
                assert cell.data_type == "s", (column, i, cell.value)
                assert cell.value == _xml_text(expected_text(str(value))), (column, i)
    for row in rows:
        assert all(c.data_type != "f" for c in row)
    written = [(k.value, v.value) for k, v in book["notes"].iter_rows(min_row=2)]
    assert written == [(expected_text(k), expected_text(v)) for k, v in notes.items()]
    assert all(c.data_type == "s" for r in book["notes"].iter_rows() for c in r)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_area_and_overlap_tables_with_hostile_names(tmp_path: Path, suffix: str) -> None:
    """The briefing tables carry ids, names and layer names from the data: defused."""
    a = gk_boxes((0, 0, 1000, 1000), (2000, 0, 3000, 1000), ids=["=1+2", "-5"])
    a["name_zh"] = ["@SUM(A1)", "+呈贡"]
    a["layer"] = ["=layer()", "\tlayer"]
    b = gk_boxes((500, 0, 2500, 1000), ids=["-1+2"])
    b["name_zh"] = ["=b"]
    b["layer"] = ["+b"]
    for frame, columns in (
        (area_export_table(a, unit="ha"), ("id", "name_zh", "layer")),
        (overlap_export_table(a, b, unit="ha"), ("a_id", "a_name_zh", "a_layer", "b_id")),
    ):
        out = write_table(frame, tmp_path / f"t{suffix}")
        if suffix == ".csv":
            got = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        else:
            got = pd.read_excel(out, dtype=str, engine="openpyxl")
        for column in columns:
            assert got[column].tolist() == [expected_text(str(v)) for v in frame[column]]
        assert all(
            not str(v).startswith("'") for v in got["overlap" if "a_id" in columns else "area"]
        )


def test_shapefile_zip_tables_are_defused(tmp_path: Path) -> None:
    """The zip's attributes.csv (every attribute in full) and fields.csv (the original
    attribute names) open in Excel too."""
    layer = gk_boxes((0, 0, 100, 100), (200, 0, 300, 100), ids=["=1+2", "ok"])
    layer["name_zh"] = ["-1+2", "<img src=x onerror=alert(1)>"]
    layer["=HYPERLINK(1)"] = ["@x", "+y"]
    layer["depth_m"] = [-12.5, 3.0]
    out = export_layer(layer, tmp_path / "parcels.zip")
    with zipfile.ZipFile(out) as zf:
        attributes = _csv_rows(zf.read("attributes.csv"))
        fields = _csv_rows(zf.read("fields.csv"))
    header, body = attributes[0], attributes[1:]
    assert header == ["id", "name_zh", "'=HYPERLINK(1)", "depth_m"]
    assert [row[:3] for row in body] == [
        ["'=1+2", "'-1+2", "'@x"],
        ["ok", "<img src=x onerror=alert(1)>", "'+y"],
    ]
    assert [float(row[3]) for row in body] == [-12.5, 3.0]
    originals = [row[1] for row in fields[1:]]
    assert "'=HYPERLINK(1)" in originals
