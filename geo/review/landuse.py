"""Land-use class statistics (用地用海分类, 自然资发〔2023〕234号) for a coded layer.

The code table is declared in ``config/landuse_codes.toml`` with its source and the
levels it covers (:func:`load_codes`). For a layer with a code column (and perhaps a
name column, found forgivingly: 用地代码 / DLBM / code …, :func:`detect_columns`):

- :func:`classify` reads each feature's code (``701`` → ``0701``: a lost leading zero is
  restored; six-digit level-3 codes are read at level 2) and checks it: ``ok``,
  ``level2_not_listed`` (a real first-level class whose second-level code the table does
  not list), ``unknown`` (no such first-level class), ``missing``, and whether the name
  disagrees with the code (``name_agrees``);
- :func:`class_areas` sums ellipsoidal areas by class at level 1 or 2 (m², 公顷, 亩);
- :func:`zone_class_areas` gives the area of each class inside each plan zone (from
  :mod:`geo.measure.overlap`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.declared.config import CONFIG_DIR, check_keys, load_toml, parse_tables
from geo.declared.i18n import Message
from geo.errors import ConfigError, GeometryError, collect
from geo.measure.area import M2_PER_HA, M2_PER_MU, ellipsoidal_area_m2
from geo.measure.crs import require_crs
from geo.measure.overlap import overlap_pairs

CODES_FILE: Final = CONFIG_DIR / "landuse_codes.toml"
CODE_STATUSES: Final = ("ok", "level2_not_listed", "unknown", "missing")
_CODE: Final = re.compile(r"^\d{2}(\d{2})?$")


@dataclass(frozen=True)
class LandUseClass:
    code: str
    name_zh: str
    name_en: str

    @property
    def level(self) -> int:
        return 1 if len(self.code) == 2 else 2


@dataclass(frozen=True)
class CodeTable:
    """The declared classes, their source, and the column names searched for them."""

    classes: Mapping[str, LandUseClass]
    source_zh: str
    source_en: str
    document: str
    levels_covered: str
    code_columns: tuple[str, ...]
    name_columns: tuple[str, ...]

    def name(self, code: str, lang: str = "zh") -> str:
        c = self.classes.get(code)
        if c is None:
            return ""
        return c.name_zh if lang == "zh" else c.name_en

    @property
    def citation(self) -> str:
        return f"《{self.source_zh}》（{self.document}）"


def parse_codes(raw: Mapping[str, Any], *, where: str = "landuse_codes.toml") -> CodeTable:
    """Validate a parsed code table and build the :class:`CodeTable` (pure; no files)."""
    problems = check_keys(raw, where=where, required=("source", "columns", "classes"))
    source = raw.get("source", {})
    problems += check_keys(
        source,
        where=f"{where} [source]",
        required=("title_zh", "title_en", "document", "levels_covered"),
    )
    columns = raw.get("columns", {})
    problems += check_keys(columns, where=f"{where} [columns]", required=("code", "name"))
    classes: dict[str, LandUseClass] = {}

    def parse(item: Mapping[str, Any], w: str, found: list[str]) -> LandUseClass:
        code = str(item["code"])
        if not _CODE.match(code):
            found.append(f'{w}: code must be two or four digits as text, e.g. "07" or "0701"')
        elif code in classes:
            found.append(f"{w}: code declared twice")
        elif len(code) == 4 and code[:2] not in classes:
            found.append(f"{w}: its first-level class {code[:2]} must be declared before it")
        if not str(item["name_zh"]).strip() or not str(item["name_en"]).strip():
            found.append(f"{w}: names must be non-empty")
        parsed = LandUseClass(code, str(item["name_zh"]), str(item["name_en"]))
        if not found:  # what comes later is checked against it
            classes[code] = parsed
        return parsed

    parse_tables(
        raw,
        "classes",
        parse,
        where=where,
        required=("code", "name_zh", "name_en"),
        problems=problems,
        label="code",
    )
    collect(problems, what=f"land-use code table {where}", error=ConfigError)
    return CodeTable(
        classes=classes,
        source_zh=source["title_zh"],
        source_en=source["title_en"],
        document=source["document"],
        levels_covered=source["levels_covered"],
        code_columns=tuple(columns["code"]),
        name_columns=tuple(columns["name"]),
    )


@cache
def load_codes(path: Path = CODES_FILE) -> CodeTable:
    """Load and validate ``config/landuse_codes.toml`` (cached per path)."""
    return parse_codes(load_toml(path), where=path.name)


# ------------------------------------------------------------------------- reading codes


def _key(column: object) -> str:
    key = re.sub(r"[\s_]+", "", str(column)).lower().lstrip("\ufeff")
    return re.sub(r"[\(（\[【].*$", "", key)


def _find(columns: Sequence[object], names: Sequence[str]) -> str | None:
    by_key = {_key(c): str(c) for c in columns if c != "geometry"}
    for name in names:
        if _key(name) in by_key:
            return by_key[_key(name)]
    return None


@dataclass(frozen=True)
class LandUseColumns:
    code: str
    name: str | None


def detect_columns(
    frame: pd.DataFrame,
    *,
    table: CodeTable,
    code: str | None = None,
    name: str | None = None,
) -> LandUseColumns:
    """The code column (and the name column, if any), by the declared names or as given.

    Raises :class:`GeometryError` naming the columns found when there is no code column.
    """
    columns = [c for c in frame.columns if c != "geometry"]
    for given in (code, name):
        if given is not None and given not in frame.columns:
            raise GeometryError(
                "err_landuse_no_column", column=repr(given), columns=", ".join(map(str, columns))
            )
    found_code = code or _find(columns, table.code_columns)
    if found_code is None:
        raise GeometryError(
            "err_landuse_no_code_column",
            looked=", ".join(table.code_columns[:8]),
            columns=", ".join(map(str, columns)) or Message("landuse_no_attributes"),
        )
    return LandUseColumns(found_code, name or _find(columns, table.name_columns))


def normalise_code(value: object) -> str:
    """A code as text: digits only, a lost leading zero restored (``701`` → ``0701``,
    ``7.0`` → ``07``), level 3 cut to level 2 (``080403`` → ``0804``); "" when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\D", "", str(value).strip())
    if len(text) in (1, 3, 5):
        text = "0" + text
    if len(text) == 6:
        text = text[:4]
    return text


def _name_key(text: object) -> str:
    return re.sub(r"[\s（）()]", "", str(text)) if text is not None else ""


def classify(frame: gpd.GeoDataFrame, *, table: CodeTable, columns: LandUseColumns) -> pd.DataFrame:
    """Per feature: the code as read, its level-1 and level-2 codes and names, its status
    (:data:`CODE_STATUSES`) and whether the name column agrees. Aligned to ``frame.index``."""
    raw = frame[columns.code]
    codes = raw.map(normalise_code)
    level1 = codes.str[:2]
    level2 = codes.where(codes.str.len() == 4, "")
    status = pd.Series("ok", index=frame.index, dtype=object)
    status[codes.eq("")] = "missing"
    known1 = level1.isin(list(table.classes))
    status[codes.ne("") & (~known1 | ~codes.str.len().isin([2, 4]))] = "unknown"
    status[status.eq("ok") & level2.ne("") & ~level2.isin(list(table.classes))] = (
        "level2_not_listed"
    )
    out = pd.DataFrame(
        {
            "code_raw": raw.astype(str).where(raw.notna(), ""),
            "code": codes,
            "level1_code": level1.where(known1, ""),
            "level1_name_zh": level1.map(lambda c: table.name(c, "zh")),
            "level2_code": level2.where(level2.isin(list(table.classes)), ""),
            "level2_name_zh": level2.map(lambda c: table.name(c, "zh")),
            "status": status,
        },
        index=frame.index,
    )
    if columns.name is None:
        out["name"] = ""
        out["name_agrees"] = pd.NA
        return out
    names = frame[columns.name].astype(str).where(frame[columns.name].notna(), "")
    by_name = {_name_key(c.name_zh): code for code, c in table.classes.items()}

    def agrees(code: str, name: str) -> object:
        if not name.strip() or not code:
            return pd.NA
        key = _name_key(name)
        own = {_name_key(table.name(code)), _name_key(table.name(code[:2]))} - {""}
        if any(key in o or o in key for o in own):  # 城镇住宅用地（二类） agrees with 0701
            return True
        return False if key in by_name or own else pd.NA

    out["name"] = names
    out["name_agrees"] = pd.Series(
        [agrees(c, n) for c, n in zip(codes, names, strict=True)], index=frame.index, dtype=object
    )
    out["name_code"] = names.map(lambda n: by_name.get(_name_key(n), ""))
    return out


def code_problems(classified: pd.DataFrame, *, id_labels: pd.Series | None = None) -> pd.DataFrame:
    """The features whose code is not ``ok`` or whose name disagrees, with what to do."""
    labels = (
        id_labels if id_labels is not None else pd.Series(classified.index, index=classified.index)
    )
    rows = []
    for index, r in zip(classified.index, classified.to_dict("records"), strict=True):
        if r["status"] == "unknown":
            problem = (
                f"代码 {r['code_raw']!r} 不在2023年分类中 · code {r['code_raw']!r} is not a "
                "class of the 2023 classification"
            )
        elif r["status"] == "missing":
            problem = "无代码 · no code"
        elif r["status"] == "level2_not_listed":
            problem = (
                f"二级代码 {r['code']} 不在代码表中，计入一级类 {r['level1_code']} · level-2 code "
                f"{r['code']} is not in the table; counted under {r['level1_code']}"
            )
        elif r.get("name_agrees") is False:
            hint = f" (that name is code {r['name_code']})" if r.get("name_code") else ""
            problem = f"名称与代码不符 · name {r['name']!r} disagrees with code {r['code']}{hint}"
        else:
            continue
        rows.append(
            {
                "feature": labels.loc[index],
                "status": r["status"],
                "code": r["code_raw"],
                "name": r.get("name", ""),
                "problem": problem,
            }
        )
    return pd.DataFrame(rows, columns=["feature", "status", "code", "name", "problem"])


# ------------------------------------------------------------------------------ areas


def _with_units(frame: pd.DataFrame) -> pd.DataFrame:
    frame["area_ha"] = frame["area_m2"] / M2_PER_HA
    frame["area_mu"] = frame["area_m2"] / M2_PER_MU
    return frame


def class_areas(
    frame: gpd.GeoDataFrame, classified: pd.DataFrame, *, table: CodeTable, level: int = 1
) -> pd.DataFrame:
    """Ellipsoidal area by class at ``level`` 1 or 2: ``code``, ``name_zh``, ``name_en``,
    ``feature_count``, ``area_m2``, ``area_ha``, ``area_mu``, ``share`` (of the layer's
    total). Features without a class at that level are one row with code ``""``.
    Overlapping features are counted twice (land-use layers should not overlap: see the
    topology check)."""
    require_crs(frame, name="land-use layer")
    if level not in (1, 2):
        raise ValueError("level must be 1 or 2")
    column = "level1_code" if level == 1 else "level2_code"
    areas = ellipsoidal_area_m2(frame, method="equal_area")
    grouped = pd.DataFrame({"code": classified[column], "area_m2": areas}).groupby("code")
    out = (
        grouped["area_m2"]
        .agg(["size", "sum"])
        .rename(columns={"size": "feature_count", "sum": "area_m2"})
    )
    out = out.reset_index()
    out.insert(1, "name_zh", out["code"].map(lambda c: table.name(c, "zh") or "（无）"))
    out.insert(2, "name_en", out["code"].map(lambda c: table.name(c, "en") or "(none)"))
    total = float(out["area_m2"].sum())
    out = _with_units(out)
    out["share"] = out["area_m2"] / total if total > 0 else 0.0
    return out.sort_values("code", key=lambda s: s.where(s != "", "zz")).reset_index(drop=True)


def zone_class_areas(
    frame: gpd.GeoDataFrame,
    classified: pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    table: CodeTable,
    level: int = 1,
) -> pd.DataFrame:
    """Area of each class inside each zone: ``zone``, ``zone_name_zh``, ``code``,
    ``name_zh``, ``area_m2`` / ``_ha`` / ``_mu`` and ``zone_share`` (of the zone's area).
    Ellipsoidal areas of the intersections (:func:`geo.measure.overlap.overlap_pairs`)."""
    column = "level1_code" if level == 1 else "level2_code"
    layer = frame.to_crs(zones.crs) if frame.crs != zones.crs else frame
    pairs = overlap_pairs(layer, zones, names=("land-use layer", "zones"), keep_geometry=False)
    zone_ids = zones["id"] if "id" in zones.columns else pd.Series(zones.index, index=zones.index)
    detail = pd.DataFrame(
        {
            "zone": zone_ids.loc[pairs["b_index"]].to_numpy(),
            "code": classified.loc[pairs["a_index"], column].to_numpy(),
            "area_m2": pairs["overlap_m2"].to_numpy(),
            "zone_area_m2": pairs["b_area_m2"].to_numpy(),
        }
    )
    out = detail.groupby(["zone", "code"], as_index=False).agg(
        area_m2=("area_m2", "sum"), zone_area_m2=("zone_area_m2", "first")
    )
    names = dict(zip(zone_ids, zones.get("name_zh", zone_ids), strict=True))
    out.insert(1, "zone_name_zh", out["zone"].map(names))
    out.insert(3, "name_zh", out["code"].map(lambda c: table.name(c, "zh") or "（无）"))
    out = _with_units(out)
    out["zone_share"] = out["area_m2"] / out["zone_area_m2"]
    return out.drop(columns="zone_area_m2")


def landuse_tables(
    layer: gpd.GeoDataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    table: CodeTable | None = None,
    columns: LandUseColumns | None = None,
) -> dict[str, pd.DataFrame]:
    """Every land-use table of a coded layer, by name: ``landuse_level1``,
    ``landuse_level2``, ``landuse_by_zone`` (when ``zones`` are given, level 1) and
    ``landuse_codes`` (the code problems)."""
    table = table or load_codes()
    columns = columns or detect_columns(layer, table=table)
    classified = classify(layer, table=table, columns=columns)
    out = {
        "landuse_level1": class_areas(layer, classified, table=table, level=1),
        "landuse_level2": class_areas(layer, classified, table=table, level=2),
    }
    if zones is not None:
        out["landuse_by_zone"] = zone_class_areas(layer, classified, zones, table=table, level=1)
    out["landuse_codes"] = code_problems(classified)
    return out
