"""Write `.dvc/offline_plots.html`: DVC's plots page (`dvc plots show`) with Vega, Vega-Lite and Vega-Embed inlined,
so the charts render with no network (DVC's own page loads them from a CDN). `.dvc/config` names it
(`plots.html_template`). The three libraries come from the npm registry by `npm pack`, at the versions DVC's page
asks for (pipeline/outputs/bundled.py), and are kept in ~/.cache/govreport/npm; the page (0.8 MB of minified third-party code) is made here by
scripts/setup.sh rather than committed. Without npm the page loads the libraries from the CDN as DVC's does, and
this script says so.

    python3 scripts/plots_template.py [--check]     (--check: exit 1 unless the page holds the libraries)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the package of this checkout, installed or not
from pipeline.outputs import bundled  # noqa: E402  (the npm packages, their pinned versions and the cache)

TARGET = ROOT / ".dvc" / "offline_plots.html"
LIBRARIES = bundled.CHARTS  # at the versions dvc_render's page loads
MARK = "<!-- vega libraries inlined by scripts/plots_template.py -->"

PAGE = """<!DOCTYPE html>
<html>
<head>
    {refresh_tag}
    <meta charset="utf-8">
    <title>DVC Plot</title>
    %s
    <style>
        table {
            border-spacing: 15px;
        }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def _library(name: str) -> str | None:
    """The minified library from its npm package (fetched once into the cache), or None when npm cannot fetch it."""
    return bundled.script(name) if bundled.fetch(name) else None


def build() -> bool:
    """Write the page; True when the libraries are inlined, False when it fell back to the CDN."""
    scripts = []
    for name in LIBRARIES:
        code = _library(name)
        if code is None:
            break
        code = code.replace("</script", "<\\/script")  # a literal </script> would end the element early
        for placeholder in ("{scripts}", "{plot_divs}", "{refresh_tag}"):  # DVC replaces these in the whole page
            assert placeholder not in code, f"{name} holds {placeholder}"
        scripts.append(f"<script>{code}</script>")
    if len(scripts) == len(LIBRARIES):
        # DVC fills {scripts} with its CDN tags: the page has no such placeholder, only the libraries inlined
        body = MARK + "\n" + "\n".join(scripts)
        ok = True
    else:
        body = "{scripts}"
        ok = False
        print(
            "warning: the plots page loads Vega from the CDN (no npm): `dvc plots show` needs the network",
            file=sys.stderr,
        )
    TARGET.write_text(PAGE % body, encoding="utf-8")
    return ok


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if TARGET.exists() and MARK in TARGET.read_text(encoding="utf-8") else 1)
    done = build()
    print(f"{TARGET.relative_to(ROOT)}: {'Vega inlined, renders offline' if done else 'CDN fallback'}")
