"""The set-up pins what it installs: every dependency of pyproject.toml (and its extras) is in requirements.lock,
which scripts/setup.sh installs as constraints, at the version this environment runs."""

import re
import tomllib
from importlib import metadata

from conftest import ROOT


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_is_pinned_by_the_lock_file_setup_uses():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_canonical(name)] = version
    for requirement in wanted:
        name = _canonical(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0])
        assert name in pins, f"{name} is not pinned in requirements.lock (python3 scripts/lock.py)"
        assert pins[name] == metadata.version(name), f"{name}: installed {metadata.version(name)}, pinned {pins[name]}"
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert setup.count("-c requirements.lock") == 2  # both installs, with and without --dev
    assert '-e ".[dev,cluster]"' in setup  # the tests' extras: the object-store batch needs s3fs
