#!/usr/bin/env bash
# Set-up on a fresh machine: the Debian packages the project needs, then the Python package and its dependencies.
#   bash scripts/setup.sh          what `dvc repro` needs
#   bash scripts/setup.sh --dev    and what the tests need (pytest, hypothesis, Chromium for the browser test, s3fs
#                                  and moto's S3 server for the object-store batch)
# Debian packages: CJK TrueType fonts (the synthetic `scan` family prints its pages with them before scanning),
# Tesseract with its Chinese model (the baseline scripts/benchmark.py measures our OCR against; optional),
# LibreOffice's Writer and Calc without a GUI (legacy .doc, Kingsoft .wps, .rtf, .xls and .et files are converted
# by `soffice --headless`; without it those files fail with a clear error and the rest of a batch is read).
# OCR itself (RapidOCR, PP-OCRv4 ONNX models inside the wheel) comes from PyPI with the package: nothing is
# downloaded when it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1

packages="fonts-arphic-uming fonts-wqy-microhei tesseract-ocr tesseract-ocr-chi-sim"
packages="$packages libreoffice-writer-nogui libreoffice-calc-nogui"
command -v npm >/dev/null 2>&1 || packages="$packages npm"  # the Vega libraries of the offline plots page
[ "$dev" = 1 ] && packages="$packages chromium"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
install() {  # all at once; where that fails, one by one, so one missing package does not keep out the others
  local sudo="$1"
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1; then
    for p in $missing; do
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1 \
        || echo "warning: could not install Debian package $p"
    done
  fi
}
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    install ""
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    install sudo
  else
    echo "warning: install these Debian packages (or your system's equivalents):$missing"
  fi
fi

# requirements.lock pins every dependency (and theirs) to the versions the project was tested with (made by
# scripts/lock.py): installed as constraints, so nothing drifts to a newer release on its own
if [ "$dev" = 1 ]; then  # the tests also run a batch on an S3 bucket: the cluster extra (s3fs) with the dev one
  python3 -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev,cluster]"
else
  python3 -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
fi

# `dvc plots show` renders offline: its page with Vega, Vega-Lite and Vega-Embed inlined (.dvc/offline_plots.html,
# named by .dvc/config), made from their npm packages (npm pack; 0.8 MB of minified code, so made here, not committed)
python3 scripts/plots_template.py
# the same libraries draw the summary page's charts (pipeline/outputs/bundled.py, from the same cache); with --dev,
# axe-core too: the accessibility engine the browser tests run inside the review app and the summary page
if [ "$dev" = 1 ]; then
  python3 -m pipeline.outputs.bundled axe-core || echo "warning: axe-core not fetched: the accessibility tests will skip"
fi

# The built-in labelers (used where no models/ exists yet) are trained once per machine and kept in the cache
# folder (~/.cache/govreport): done here, so no command pays it.
python3 -c "from pipeline.extraction.models import load_models; load_models(None)"
