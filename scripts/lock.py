"""Write requirements.lock: every distribution the project needs (its dependencies and every extra, with all of
theirs, as installed in this environment; read from pyproject.toml, not the installed project's metadata) pinned to the installed version. scripts/setup.sh installs with
`-c requirements.lock`, so a fresh machine gets the versions the project was tested with.

    python3 scripts/lock.py            (after `pip install -e ".[dev,cluster]"` in a working environment)
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "gov-disclosure-reports"


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", requirement.strip(), maxsplit=1)[0]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wanted(requirement: str, extras: set[str]) -> bool:
    """Whether a requirement applies here: no marker, or a marker that holds (extras given)."""
    if ";" not in requirement:
        return True
    from packaging.markers import Marker

    marker = Marker(requirement.split(";", 1)[1])
    return any(marker.evaluate({"extra": e}) for e in (extras or {""}))


def closure() -> dict[str, str]:
    """The installed distributions pyproject.toml's dependencies (and its extras) need, with all of theirs."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned: dict[str, str] = {}
    todo = []
    for req in project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]:
        extra = re.search(r"\[([^\]]+)\]", req)
        todo.append((_name(req), {s.strip() for s in extra.group(1).split(",")} if extra else set()))
    while todo:
        name, extras = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            print(f"warning: {name} is required but not installed", file=sys.stderr)
            continue
        key = _canonical(dist.metadata["Name"])
        if key in pinned and not extras:
            continue
        if key != _canonical(PROJECT):
            pinned[key] = dist.version
        for req in dist.requires or []:
            if _wanted(req, extras):
                extra = re.search(r"\[([^\]]+)\]", req.split(";")[0])  # name[extra1,extra2]
                sub = {s.strip() for s in extra.group(1).split(",")} if extra else set()
                if _canonical(_name(req)) not in pinned or sub:
                    todo.append((_name(req), sub))
    return pinned


if __name__ == "__main__":
    pins = closure()
    lines = [
        f"# pinned by scripts/lock.py from a working environment (python {sys.version.split()[0]}); used as "
        f"constraints by scripts/setup.sh"
    ] + [f"{k}=={v}" for k, v in sorted(pins.items())]
    (ROOT / "requirements.lock").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"requirements.lock: {len(pins)} distributions")
