#!/usr/bin/env bash
# Re-fetch the vendored map assets under static/vendor/ from the npm registry.
#
# The committed files are what the app serves; CI does not run this script. Run it
# by hand when bumping a version (and update the URL table in layers/offline.py,
# static/vendor/README.md and the pins below together).
#
# Usage: bash scripts/vendor_assets.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest_root="${repo_root}/static/vendor"
work_dir="$(mktemp -d)"
trap 'rm -rf "${work_dir}"' EXIT

# package  version  "files to copy, relative to the package root (globs allowed)"
# Versions match the CDN URLs that folium 0.20 emits, so the JS is what folium was tested with.
# leaflet.vectorgrid (user layers drawn from vector tiles) is not a folium dependency; its
# package has no LICENSE file, the licence is the README's "Legalese" section.
manifest=(
  "leaflet            1.9.3 dist/leaflet.js dist/leaflet.css dist/images/*.png LICENSE"
  "jquery             3.7.1 dist/jquery.min.js LICENSE.txt"
  "leaflet.fullscreen 3.0.0 Control.FullScreen.js Control.FullScreen.css icon-fullscreen.svg LICENSE"
  "leaflet-minimap    3.6.1 dist/Control.MiniMap.min.js dist/Control.MiniMap.min.css dist/images/* LICENSE.txt"
  "leaflet-measure    2.1.7 dist/leaflet-measure.min.js dist/leaflet-measure.css dist/images/*.png LICENSE"
  "leaflet.vectorgrid 1.3.0 dist/Leaflet.VectorGrid.bundled.min.js README.md"
)

for line in "${manifest[@]}"; do
  read -r name version files <<<"${line}"
  pkg_dir="${work_dir}/${name}-${version}"
  mkdir -p "${pkg_dir}"
  (cd "${work_dir}" && npm pack --silent "${name}@${version}" >/dev/null)
  tar --warning=no-unknown-keyword -xzf "${work_dir}/${name}-${version}.tgz" -C "${pkg_dir}"
  out_dir="${dest_root}/${name}-${version}"
  rm -rf "${out_dir}"
  mkdir -p "${out_dir}"
  for pattern in ${files}; do
    # Keep the dist/ layout flat but images/ as a subfolder, because the CSS files
    # refer to url(images/...) relative to themselves.
    for src in "${pkg_dir}"/package/${pattern}; do
      rel="${src#"${pkg_dir}/package/"}"
      rel="${rel#dist/}"
      mkdir -p "${out_dir}/$(dirname "${rel}")"
      cp "${src}" "${out_dir}/${rel}"
    done
  done
  echo "vendored ${name}@${version} -> static/vendor/${name}-${version}"
done
