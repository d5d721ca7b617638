"""params.yaml, checked before any stage uses it: every section and key known, every value of the right kind and
range, with a message that says what to fix (`params.yaml: train.C must be a number above 0, not "ten"`).

Each section is a dataclass below: its fields are the section's keys, each holding its default once (what a stage
uses when params.yaml leaves the key out) and, in `param(...)`, the range or choices a value must keep to; a field's
type (int, float, str, list) is the kind of value it takes. `check` validates a parsed params.yaml against them,
`section(params, name)` gives one section's values with the defaults filled in."""

from __future__ import annotations

import dataclasses
import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path

# the layout families of the synthetic reports (synth.py renders each; synth.families picks among them)
FAMILIES = [
    "html",
    "pdf_bordered",
    "docx",
    "txt_tab",
    "txt_pipe",
    "txt_flat",
    "pdf_borderless",
    "scan",
    "converter_md",
    "narrow",
    "photo",
]


def param(default, *, choices: tuple | None = None, low=None, high=None, above=None, families: bool = False):
    """A key of a section: its default, and what a value must keep to — one of `choices`, from `low` (to `high`),
    `above` a bound, or (`families`) a list of layout families. A list default is copied for each value."""
    rule = {"choices": choices, "low": low, "high": high, "above": above, "families": families}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=rule)
    return field(default=default, metadata=rule)


@dataclass(frozen=True)
class Extract:
    pdf_tables: str = param("rulings", choices=("rulings", "camelot"))
    camelot_flavor: str = param("lattice", choices=("lattice", "stream", "network", "hybrid"))
    min_ruling_lines: int = param(6, low=1)


@dataclass(frozen=True)
class Ocr:
    mode: str = param("auto", choices=("auto", "off", "force"))
    dpi: int = param(200, low=72, high=600)
    min_confidence: float = param(0.9, low=0, high=1)
    very_sure: float = param(0.97, low=0, high=1)
    max_pages: int = param(100, low=1)


@dataclass(frozen=True)
class Train:
    C: float = param(10.0, above=0)
    ngram_max: int = param(3, low=1, high=6)
    per_row: int = param(60, low=1)
    per_column: int = param(40, low=1)
    seed: int = param(0)


@dataclass(frozen=True)
class Compare:
    spacy_epochs: int = param(8, low=1)


@dataclass(frozen=True)
class Sections:
    C: float = param(5.0, above=0)


@dataclass(frozen=True)
class ScanCorpus:
    seed: int = param(0)


@dataclass(frozen=True)
class Hunt:
    n: int = param(200, low=1)
    seed: int = param(5000)
    chunk: int = param(10, low=1)
    families: list = param(["scan", "photo"], families=True)
    workers: int = param(2, low=1)


@dataclass(frozen=True)
class Synth:
    n: int = param(100, low=1)
    n_heldout: int = param(50, low=1)
    seed: int = param(0)
    families: list = param(FAMILIES, families=True)


# the sections of params.yaml (named in this order where a message lists them)
SECTIONS: dict[str, type] = {
    "extract": Extract,
    "ocr": Ocr,
    "train": Train,
    "compare": Compare,
    "sections": Sections,
    "scan_corpus": ScanCorpus,
    "hunt": Hunt,
    "synth": Synth,
}


class ParamsError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"


def _keys(cls) -> dict[str, tuple[dataclasses.Field, type]]:
    """A section's keys: each field with its type (int, float, str or list)."""
    hints = typing.get_type_hints(cls)
    return {f.name: (f, hints[f.name]) for f in dataclasses.fields(cls)}


def _range(rule: dict) -> str:
    """What a number must be, in words ("above 0", "1 or more", "from 72 to 600"; "" for any)."""
    if rule["above"] is not None:
        return f"above {rule['above']}"
    if rule["low"] is not None and rule["high"] is not None:
        return f"from {rule['low']} to {rule['high']}"
    if rule["low"] is not None:
        return f"{rule['low']} or more"
    return ""


def _in_range(value, rule: dict) -> bool:
    return (
        (rule["above"] is None or value > rule["above"])
        and (rule["low"] is None or value >= rule["low"])
        and (rule["high"] is None or value <= rule["high"])
    )


def _problems_of(name: str, value, kind: type, rule: dict, where: str) -> list[str]:
    """What is wrong with one value (`name` is section.key), from its field's type and rule."""
    if rule["choices"] is not None:
        return (
            []
            if value in rule["choices"]
            else [f"{where}: {name} must be one of {', '.join(rule['choices'])}, not {value!r}"]
        )
    if rule["families"]:
        if not isinstance(value, list) or not value:
            return [f"{where}: {name} must be a list of layout families ({', '.join(FAMILIES)})"]
        return [
            f"{where}: {name} has {f!r}, not a layout family{_suggest(str(f), FAMILIES)}"
            for f in value
            if f not in FAMILIES
        ]
    ok_type = isinstance(value, int) if kind is int else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        what = "a whole number" if kind is int else "a number"
        bound = _range(rule)
        return [f"{where}: {name} must be {what}{' ' + bound if bound else ''}, not {value!r}"]
    if not _in_range(value, rule):
        return [f"{where}: {name} must be {_range(rule)}, not {value!r}"]
    return []


def check(params, where: str = "params.yaml") -> list[str]:
    """Every problem of a parsed params.yaml, as messages that say what to fix; [] when it is right."""
    if params is None:
        return []
    if not isinstance(params, dict):
        return [f"{where}: must be a mapping of sections (extract, train, …), not {type(params).__name__}"]
    problems = []
    for name, values in params.items():
        if name not in SECTIONS:
            problems.append(f"{where}: {name} is not a section of the parameters{_suggest(name, SECTIONS)}")
            continue
        keys = _keys(SECTIONS[name])
        if not isinstance(values, dict):
            problems.append(f"{where}: {name} must hold keys (e.g. {next(iter(keys))}: …)")
            continue
        for key, value in values.items():
            if key not in keys:
                problems.append(f"{where}: {name}.{key} is not a parameter{_suggest(key, keys)}")
                continue
            f, kind = keys[key]
            problems += _problems_of(f"{name}.{key}", value, kind, dict(f.metadata), where)
    return problems


def section(params: dict | None, name: str):
    """One section of a (checked) params.yaml as its dataclass: the values it sets, the defaults for the rest."""
    return SECTIONS[name](**((params or {}).get(name) or {}))


def load(path: str | Path) -> dict:
    """params.yaml read and checked; ParamsError lists every problem."""
    import yaml

    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise ParamsError([f"{path}: cannot be read ({e.strerror})"])
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ParamsError([f"{path}: is not valid YAML{at}: {getattr(e, 'problem', e)}"])
    problems = check(params, str(path))
    if problems:
        raise ParamsError(problems)
    return params
