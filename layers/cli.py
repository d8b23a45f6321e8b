"""``python -m geo export html``: the standalone interactive HTML map from the command line.

    python -m geo export html --out map.html                 # the app's default layers
    python -m geo export html --preset overview_1_3_n --out 1_3_n.html
    python -m geo export html --layers finance_business,streets --title "金融片区" --out fin.html

The map is :func:`layers.export_html.write_html`'s: assets and a font subset inlined, no
tiles, tooltips with the ellipsoidal area in km² / 公顷 / 亩, accuracy and source. The
parser is declared in :mod:`geo.export.cli` with the other exports; this function is
loaded by name when the command runs, because ``geo/`` never imports Folium or
``layers/`` (``tests/test_architecture.py``).
"""

from __future__ import annotations

import argparse

from geo.declared.i18n import t
from geo.declared.registry import load_registry
from geo.export.cli import _data_files, _load, _split
from geo.export.presets import get_preset
from layers.export_html import write_html


def cmd_export_html(args: argparse.Namespace) -> int:
    """Write the HTML map of ``--preset`` or ``--layers`` (default: the layers the app
    shows at start) to ``--out`` and print its path."""
    files = _data_files(args)
    features = _load(args, files)
    chosen = _split(args.layers)
    zoom_layers: tuple[str, ...] = ()
    if args.preset:
        preset = get_preset(args.preset)
        layers = chosen or preset.layers
        title = args.title or preset.title(args.lang)
        zoom_layers = () if chosen else preset.zoom_layers
    else:
        layers = chosen or tuple(s.id for s in load_registry().layers if s.visible)
        title = args.title or t("app_title", args.lang)
    out = write_html(
        features,
        args.out,
        layers=layers,
        title=title,
        lang=args.lang,
        files=files,
        zoom_layers=zoom_layers,
    )
    print(out)
    return 0
