"""The check report as tables and text: one row per rule, one row per violating piece.

Figures stay unrounded in the tables (``*_m2``, ``*_km2``, ``*_ha``, ``*_mu``); the
``*_text`` columns are for reading and are rounded as the accuracy allows
(:func:`area_text`, by :mod:`geo.measure.precision`), with the band beside the figure.
"""

from __future__ import annotations

import json
import math
from typing import Final

import pandas as pd

from geo.measure.area import M2_PER_HA, M2_PER_KM2, M2_PER_MU
from geo.measure.precision import NOT_MEASURED, band_display, round_significant
from geo.review.conflicts import STATUS_LABELS, CheckReport
from geo.tables import defuse_formulas

RULE_COLUMNS: Final = (
    "rule_id",
    "status",
    "status_zh",
    "name_zh",
    "name_en",
    "kind",
    "source",
    "a_count",
    "b_count",
    "fail_count",
    "uncertain_count",
    "within_tolerance_count",
    "violation_m2",
    "violation_ha",
    "band_m2",
    "violation_text",
    "tolerance_m2",
    "notes",
)


def area_text(value_m2: float, band_m2: float = 0.0) -> str:
    """``value_m2`` in km² / 公顷 / 亩 with ``± band``, each figure rounded as the accuracy
    band ``band_m2`` (perimeter × accuracy_m) allows, by the project's one rule
    (:func:`geo.measure.precision.band_display`: figures down to the band's leading digit).

    >>> area_text(579_645.4, 7_544_191.0)
    '0.6 km² / 60 公顷 / 900 亩 (± 7.5 km²)'
    >>> area_text(500_000.0, 30_000.0)
    '0.50 km² / 50 公顷 / 750 亩 (± 0.030 km²)'
    """
    parts = [
        f"{band_display(value_m2, unit=unit, band_m2=band_m2)} {label}"
        for unit, label in (("km2", "km²"), ("ha", "公顷"), ("mu", "亩"))
    ]
    text = " / ".join(parts)
    if band_m2 > 0:
        band_km2 = round_significant(band_m2 / M2_PER_KM2, 2)
        decimals = max(0, 1 - math.floor(math.log10(band_km2)))
        text += f" (± {band_km2:,.{decimals}f} km²)"
    return text


def rule_table(report: CheckReport) -> pd.DataFrame:
    """One row per rule: status, counts, total violating area and notes. The total's band
    is the sum of its pieces' bands (each piece may be off by its own); ``violation_text``
    reads the total rounded to it (never finer than its least certain piece)."""
    rows = []
    for r in report.results:
        total = r.violation_m2
        band = float(r.violations["band_m2"].sum())
        rows.append(
            {
                "rule_id": r.rule.id,
                "status": r.status,
                "status_zh": STATUS_LABELS[r.status]["zh"],
                "name_zh": r.rule.name_zh,
                "name_en": r.rule.name_en,
                "kind": r.rule.kind,
                "source": r.rule.source,
                "a_count": r.a_count,
                "b_count": r.b_count,
                "fail_count": r.fail_count,
                "uncertain_count": r.uncertain_count,
                "within_tolerance_count": r.within_tolerance,
                "violation_m2": total,
                "violation_ha": total / M2_PER_HA,
                "band_m2": band,
                "violation_text": area_text(total, band) if total > 0 else NOT_MEASURED,
                "tolerance_m2": r.rule.tolerance_m2,
                "notes": " | ".join(r.notes),
            }
        )
    return pd.DataFrame(rows, columns=list(RULE_COLUMNS))


def violation_table(report: CheckReport) -> pd.DataFrame:
    """One row per violating piece, with areas in every unit and a rounded reading."""
    frames = [pd.DataFrame(r.violations.drop(columns="geometry")) for r in report.results]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(
            columns=[
                "rule_id",
                "status",
                "status_zh",
                "feature",
                "other",
                "violation_m2",
                "violation_km2",
                "violation_ha",
                "violation_mu",
                "feature_share",
                "band_m2",
                "violation_text",
            ]
        )
    table = pd.concat(frames, ignore_index=True)
    table.insert(2, "status_zh", table["status"].map(lambda s: STATUS_LABELS[s]["zh"]))
    area = table["violation_m2"].astype(float)
    units = {"violation_km2": M2_PER_KM2, "violation_ha": M2_PER_HA, "violation_mu": M2_PER_MU}
    for column, per in units.items():
        table[column] = area / per
    order = list(table.columns.drop(list(units)))
    at = order.index("violation_m2") + 1
    table = table[[*order[:at], *units, *order[at:]]]
    table["violation_text"] = [
        area_text(float(v), float(b))
        for v, b in zip(table["violation_m2"], table["band_m2"], strict=True)
    ]
    return table


def flat_table(report: CheckReport) -> pd.DataFrame:
    """Rules and violations in one table (for CSV): each violation row carries its rule's
    status; a rule with no violation has one row with an empty feature."""
    rules = rule_table(report)
    violations = violation_table(report)
    merged = rules[["rule_id", "status", "name_zh", "name_en", "notes"]].rename(
        columns={"status": "rule_status"}
    )
    if violations.empty:
        return merged
    out = merged.merge(
        violations.rename(columns={"status": "violation_status"}), on="rule_id", how="left"
    )
    return out


def format_report(report: CheckReport, *, fmt: str = "table") -> str:
    """The report as text for the terminal, CSV (UTF-8, formulas defused) or JSON."""
    if fmt == "csv":
        return str(defuse_formulas(flat_table(report)).to_csv(index=False)).rstrip("\n")
    if fmt == "json":
        doc = {
            "inputs": list(report.inputs),
            "counts": report.counts(),
            "rules": json.loads(rule_table(report).to_json(orient="records", force_ascii=False)),
            "violations": json.loads(
                violation_table(report).to_json(orient="records", force_ascii=False)
            ),
        }
        return json.dumps(doc, ensure_ascii=False, indent=1)
    lines = [
        "规划冲突检查 · Plan conflict check (areas ellipsoidal on CGCS2000; "
        "band = piece perimeter × accuracy_m)",
    ]
    for r in report.results:
        label = STATUS_LABELS[r.status]
        lines.append("")
        head = f"[{label['zh']} {label['en'].upper()}] {r.rule.id}"
        lines.append(f"{head}: {r.rule.name_zh} · {r.rule.name_en}")
        lines.append(f"    {r.rule.kind}; source: {r.rule.source}")
        lines.append(
            f"    a: {r.a_count} feature(s), b: {r.b_count}; violations: {r.fail_count} fail, "
            f"{r.uncertain_count} uncertain, {r.within_tolerance} within the "
            f"{r.rule.tolerance_m2:g} m² tolerance"
        )
        for v in r.violations.itertuples():
            other = f" × {v.other}" if v.other else ""
            share = f"{v.feature_share:.1%}" if v.feature_share == v.feature_share else "–"
            lines.append(
                f"    - {STATUS_LABELS[str(v.status)]['en']:9} {v.feature}{other}: "
                f"{area_text(float(v.violation_m2), float(v.band_m2))}, {share} of the feature"
            )
        lines += [f"    note: {n}" for n in r.notes]
    counts = report.counts()
    lines.append("")
    lines.append(
        f"{counts['fail']} fail · {counts['uncertain']} uncertain · {counts['pass']} pass · "
        f"{counts['not_run']} not run"
    )
    return "\n".join(lines)
