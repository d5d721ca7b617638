"""params.yaml, checked before any stage uses it: every section and key known, every value of the right kind and
range, with a message that says what to fix (`params.yaml: train.C must be a number above 0, not "ten"`)."""

from __future__ import annotations

import difflib
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

# section -> key -> (kind, check, what the check asks for)
_POSITIVE = (lambda v: v > 0, "above 0")
_AT_LEAST_1 = (lambda v: v >= 1, "1 or more")
_ANY = (lambda v: True, "")
SPEC: dict[str, dict[str, tuple]] = {
    "extract": {
        "pdf_tables": ("choice", ("rulings", "camelot")),
        "camelot_flavor": ("choice", ("lattice", "stream", "network", "hybrid")),
        "min_ruling_lines": ("int", _AT_LEAST_1),
    },
    "ocr": {
        "mode": ("choice", ("auto", "off", "force")),
        "dpi": ("int", (lambda v: 72 <= v <= 600, "from 72 to 600")),
        "min_confidence": ("number", (lambda v: 0 <= v <= 1, "from 0 to 1")),
        "very_sure": ("number", (lambda v: 0 <= v <= 1, "from 0 to 1")),
        "max_pages": ("int", _AT_LEAST_1),
    },
    "train": {
        "C": ("number", _POSITIVE),
        "ngram_max": ("int", (lambda v: 1 <= v <= 6, "from 1 to 6")),
        "per_row": ("int", _AT_LEAST_1),
        "per_column": ("int", _AT_LEAST_1),
        "seed": ("int", _ANY),
    },
    "compare": {"spacy_epochs": ("int", _AT_LEAST_1)},
    "sections": {"C": ("number", _POSITIVE)},
    "scan_corpus": {"seed": ("int", _ANY)},
    "hunt": {
        "n": ("int", _AT_LEAST_1),
        "seed": ("int", _ANY),
        "chunk": ("int", _AT_LEAST_1),
        "families": ("families", None),
        "workers": ("int", _AT_LEAST_1),
    },
    "synth": {
        "n": ("int", _AT_LEAST_1),
        "n_heldout": ("int", _AT_LEAST_1),
        "seed": ("int", _ANY),
        "families": ("families", None),
    },
}


class ParamsError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"


def check(params, where: str = "params.yaml") -> list[str]:
    """Every problem of a parsed params.yaml, as messages that say what to fix; [] when it is right."""
    if params is None:
        return []
    if not isinstance(params, dict):
        return [f"{where}: must be a mapping of sections (extract, train, …), not {type(params).__name__}"]
    problems = []
    for section, values in params.items():
        if section not in SPEC:
            problems.append(f"{where}: {section} is not a section of the parameters{_suggest(section, SPEC)}")
            continue
        if not isinstance(values, dict):
            problems.append(f"{where}: {section} must hold keys (e.g. {next(iter(SPEC[section]))}: …)")
            continue
        for key, value in values.items():
            spec = SPEC[section].get(key)
            name = f"{section}.{key}"
            if spec is None:
                problems.append(f"{where}: {name} is not a parameter{_suggest(key, SPEC[section])}")
                continue
            kind, rule = spec
            if kind == "choice":
                if value not in rule:
                    problems.append(f"{where}: {name} must be one of {', '.join(rule)}, not {value!r}")
            elif kind == "families":
                if not isinstance(value, list) or not value:
                    problems.append(f"{where}: {name} must be a list of layout families ({', '.join(FAMILIES)})")
                else:
                    for f in value:
                        if f not in FAMILIES:
                            problems.append(
                                f"{where}: {name} has {f!r}, not a layout family{_suggest(str(f), FAMILIES)}"
                            )
            else:
                ok_type = isinstance(value, int) if kind == "int" else isinstance(value, (int, float))
                if isinstance(value, bool) or not ok_type:
                    what = "a whole number" if kind == "int" else "a number"
                    problems.append(f"{where}: {name} must be {what}{' ' + rule[1] if rule[1] else ''}, not {value!r}")
                elif not rule[0](value):
                    problems.append(f"{where}: {name} must be {rule[1]}, not {value!r}")
    return problems


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
