"""JavaScript libraries used offline, from their npm packages at pinned versions: Vega, Vega-Lite and Vega-Embed
(the charts of the summary page and of DVC's plots page) and axe-core (the accessibility engine the browser tests
run in the pages).

`npm pack NAME@VERSION` fetches a package once into the cache folder (~/.cache/govreport/npm, or
$GOVREPORT_CACHE/npm); `scripts/setup.sh` does it (`python3 -m pipeline.outputs.bundled vega vega-lite vega-embed`,
with `--dev` axe-core too). Nothing is fetched when a page is made or shown: a page that needs a library missing
from the cache says so and names the command that fetches it.

    python3 -m pipeline.outputs.bundled [NAME ...]     (fetch the named packages, all when none is named)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

# name -> (version, the file of the package that is the library). The Vega versions are those dvc_render's plots
# page loads (dvc_render/vega.py), so the summary page and DVC's page share one cache.
PACKAGES = {
    "vega": ("5.20.2", "package/build/vega.min.js"),
    "vega-lite": ("5.2.0", "package/build/vega-lite.min.js"),
    "vega-embed": ("6.18.2", "package/build/vega-embed.min.js"),
    "axe-core": ("4.10.2", "package/axe.min.js"),
}
CHARTS = ("vega", "vega-lite", "vega-embed")


def cache_dir() -> Path:
    root = os.environ.get("GOVREPORT_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "govreport") / "npm"


def tarball(name: str) -> Path:
    version, _ = PACKAGES[name]
    return cache_dir() / f"{name}-{version}.tgz"


def fetch_command(*names: str) -> str:
    return f"python3 -m pipeline.outputs.bundled {' '.join(names or PACKAGES)}"


def fetch(name: str) -> bool:
    """Fetch a package into the cache with `npm pack` (once); False, with a warning, when npm cannot."""
    tgz = tarball(name)
    if tgz.exists():
        return True
    version, _ = PACKAGES[name]
    tgz.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent"],
            cwd=tgz.parent,
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as e:
        print(
            f"warning: npm pack {name}@{version} failed ({e}); install npm (Debian: apt-get install npm)",
            file=sys.stderr,
        )
        return False
    return tgz.exists()


def script(name: str) -> str | None:
    """The library's code from the cached package, or None when it has not been fetched."""
    tgz = tarball(name)
    if not tgz.exists():
        return None
    with tarfile.open(tgz) as tar:
        return tar.extractfile(PACKAGES[name][1]).read().decode("utf-8")


def missing(*names: str) -> list[str]:
    return [n for n in names if not tarball(n).exists()]


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(PACKAGES)
    unknown = [n for n in wanted if n not in PACKAGES]
    if unknown:
        sys.exit(f"unknown package(s) {', '.join(unknown)}: one of {', '.join(PACKAGES)}")
    failed = [n for n in wanted if not fetch(n)]
    print(f"{len(wanted) - len(failed)} of {len(wanted)} package(s) in {cache_dir()}")
    sys.exit(1 if failed else 0)
