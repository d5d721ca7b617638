#!/usr/bin/env bash
# Set-up on a fresh machine: the Debian packages the project needs, then the Python package and its dependencies.
#   bash scripts/setup.sh          what `dvc repro` needs
#   bash scripts/setup.sh --dev    and what the tests need (pytest, hypothesis, Chromium for the browser test)
# Debian packages: CJK TrueType fonts (the synthetic `scan` family prints its pages with them before scanning),
# Tesseract with its Chinese model (the baseline scripts/benchmark.py measures our OCR against; optional).
# OCR itself (RapidOCR, PP-OCRv4 ONNX models inside the wheel) comes from PyPI with the package: nothing is
# downloaded when it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[ "${1:-}" = "--dev" ] && dev=1

packages="fonts-arphic-uming fonts-wqy-microhei tesseract-ocr tesseract-ocr-chi-sim"
[ "$dev" = 1 ] && packages="$packages chromium"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null 2>&1 \
      || echo "warning: could not install Debian packages:$missing"
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null 2>&1 \
      || echo "warning: could not install Debian packages:$missing"
  else
    echo "warning: install these Debian packages (or your system's equivalents):$missing"
  fi
fi

if [ "$dev" = 1 ]; then
  python3 -m pip install --quiet --disable-pip-version-check -e ".[dev]"
else
  python3 -m pip install --quiet --disable-pip-version-check -e .
fi
