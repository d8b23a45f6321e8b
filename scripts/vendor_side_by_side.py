"""Vendor leaflet-side-by-side (the compare tab's swipe view) from the npm registry.

    python scripts/vendor_side_by_side.py   # needs npm; writes static/vendor/leaflet-side-by-side-*

The npm package ships only its CommonJS source (``index.js`` requiring Leaflet and two
CSS files), not the browserify build that folium loads from GitHub. This script makes the
same browser script the upstream build makes (browserify + cssify + css-img-datauri-stream):
``L`` taken from the page, the two stylesheets added as one ``<style>`` with
``range-icon.png`` inlined. The code itself is the package's, unchanged. Version 2.2.0,
not folium's 2.0.0: 2.0.0 declares Leaflet 0.7 only; 2.2.0 is the release for Leaflet 1.x.
"""

from __future__ import annotations

import base64
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

NAME = "leaflet-side-by-side"
VERSION = "2.2.0"
OUT = Path(__file__).resolve().parent.parent / "static" / "vendor" / f"{NAME}-{VERSION}"
HEADER = f"""/* {NAME} {VERSION} (MIT, Gregor MacLennan / Digital Democracy; see LICENSE),
 * index.js of the npm package as a browser script: L from window, layout.css and
 * range.css (range-icon.png inlined) added as a <style>, as the upstream browserify
 * build (cssify, css-img-datauri-stream) does. Made by scripts/vendor_side_by_side.py. */
"""
REQUIRES = "var L = require('leaflet')\nrequire('./layout.css')\nrequire('./range.css')\n"


def bundle(package: Path) -> str:
    """The browser script made of the unpacked npm package at ``package``."""
    icon = base64.b64encode((package / "range-icon.png").read_bytes()).decode("ascii")
    css = (package / "layout.css").read_text() + (package / "range.css").read_text()
    css = css.replace("url(range-icon.png)", f'url("data:image/png;base64,{icon}")')
    source = (package / "index.js").read_text()
    if REQUIRES not in source:
        raise SystemExit(f"{NAME} {VERSION}: index.js no longer starts as expected")
    source = source.replace(REQUIRES, "var L = window.L\n")
    source = source.replace("module.exports = L.Control.SideBySide\n", "")
    return (
        f"{HEADER}(function () {{\n'use strict'\n"
        f"var style = document.createElement('style')\nstyle.textContent = {json.dumps(css)}\n"
        f"document.head.appendChild(style)\n{source}}})()\n"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "--silent", f"{NAME}@{VERSION}"], cwd=tmp, check=True)
        with tarfile.open(Path(tmp) / f"{NAME}-{VERSION}.tgz") as archive:
            archive.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "leaflet-side-by-side.js").write_text(bundle(package))
        (OUT / "LICENSE").write_bytes((package / "LICENSE").read_bytes())
    print(f"vendored {NAME}@{VERSION} -> {OUT}")


if __name__ == "__main__":
    main()
