"""Figures stated in the prose (全年共收到政府信息公开申请77件, 行政复议2件), found by token patterns.

The text is tokenised into numbers, single CJK characters and punctuation, and the patterns of RULES — written in
spaCy's Matcher pattern format — find the statements. They are applied by `_TokenPatterns`, which compiles each
pattern to a regular expression over the tokens and returns the matches spaCy's Matcher returns (all of them, by
start then end; tests/test_prose_figures.py runs spaCy's Matcher on the same patterns and the corpus prose and
compares): importing spaCy costs 0.4 s of every command's start-up, for patterns this simple. Each figure is
compared with the table cell it restates (a check entry `text.*`); for a report whose table is missing, the figures
are offered as text-derived values, marked as such and never written into the table.
"""
from __future__ import annotations

import re
from functools import lru_cache

STOP = ["。", "；", "，", ",", ";", "！", "？"]
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[\u4e00-\u9fff]|[^\s\d\u4e00-\u9fff]")
NUM = {"TEXT": {"REGEX": r"^\d+$"}}
UNIT = {"TEXT": {"IN": ["件", "起", "宗", "个"]}}


def _chars(word: str) -> list[dict]:
    return [{"TEXT": ch} for ch in word]


# Any run of tokens within a clause. A bounded repeat ({0,24}) makes spaCy's Matcher fork a state per optional
# token (seconds per report); "*" keeps one state, and the bounds are checked on each match by GAP_LIMITS instead.
GAP = {"OP": "*", "TEXT": {"NOT_IN": STOP}}

# rule -> (cell it restates, patterns)
RULES = {
    "text.requests_received": ("requests.new_received.total", [
        [{"TEXT": {"IN": ["收", "受", "接"]}}, {"TEXT": {"IN": ["到", "理", "收"]}}, GAP, *_chars("申请"),
         GAP, NUM, UNIT],
    ]),
    "text.review_cases": ("review_litigation.review.total", [
        [*_chars("行政复议"), GAP, NUM, UNIT],
    ]),
    "text.litigation_cases": ("review_litigation.litigation.total", [
        [*_chars("行政诉讼"), GAP, NUM, UNIT],
    ]),
}
# The longest gaps a statement may have, as a regex over the matched tokens (a number is one token).
GAP_LIMITS = {
    "text.requests_received": re.compile(r"^[收受接][到理收](?:\D|\d+(?=\D)){0,24}?申请(?:[^\d]){0,4}\d+[件起宗个]$"),
    "text.review_cases": re.compile(r"^行政复议\D{0,4}\d+[件起宗个]$"),
    "text.litigation_cases": re.compile(r"^行政诉讼\D{0,4}\d+[件起宗个]$"),
}


MAX_TOKENS = 40  # the longest statement, in tokens
_SEP = "\x1f"  # between tokens in the string the compiled patterns read; no token holds it


def _token_regex(spec: dict) -> str:
    """One token spec of a Matcher pattern (TEXT as a string, IN, NOT_IN or REGEX; OP None, "?", "*" or "+") as a
    regular expression over tokens each followed by _SEP."""
    if set(spec) - {"TEXT", "OP"}:
        raise ValueError(f"unsupported token spec {spec}")
    text = spec["TEXT"]
    if isinstance(text, str):
        body = re.escape(text)
    elif set(text) == {"IN"}:
        body = "(?:" + "|".join(map(re.escape, text["IN"])) + ")"
    elif set(text) == {"NOT_IN"}:
        body = "(?!(?:" + "|".join(map(re.escape, text["NOT_IN"])) + ")" + _SEP + ")[^" + _SEP + "]+"
    elif set(text) == {"REGEX"}:  # the token must match it as a whole (anchors are implied by the separators)
        body = "(?:" + text["REGEX"].removeprefix("^").removesuffix("$") + ")"
    else:
        raise ValueError(f"unsupported token spec {spec}")
    unit = f"(?:{body}){_SEP}"
    op = spec.get("OP")
    if op not in (None, "?", "*", "+"):
        raise ValueError(f"unsupported operator {op}")
    return unit if op is None else f"(?:{unit}){op}"


class _TokenPatterns:
    """Matcher patterns applied to a list of tokens: every (rule, start, end) where a pattern of the rule matches
    tokens[start:end] exactly, sorted by (start, end), as spaCy's Matcher(...)(doc) gives them sorted."""

    def __init__(self, rules: dict[str, list[list[dict]]]):
        def one(spec):  # a token spec that must match exactly one token: used to pick the starts and ends to try
            return re.compile(_token_regex(spec)) if spec.get("OP") is None else None

        self.rules = {rule: [(re.compile("".join(_token_regex(t) for t in p)), one(p[0]), one(p[-1]))
                             for p in patterns] for rule, patterns in rules.items()}
        # the literal tokens a pattern cannot match without: a clause lacking one of them is not tried
        self.required = {rule: [[t["TEXT"] for t in p if isinstance(t["TEXT"], str) and t.get("OP") in (None, "+")]
                                for p in patterns] for rule, patterns in rules.items()}

    def __call__(self, words: list[str]) -> list[tuple[str, int, int]]:
        joined = "".join(w + _SEP for w in words)
        offsets = [0]
        for w in words:
            offsets.append(offsets[-1] + len(w) + 1)
        matches = set()
        present = set(words)
        for rule, patterns in self.rules.items():
            for (full, first, last), required in zip(patterns, self.required[rule]):
                if not present.issuperset(required):
                    continue
                ends = [e for e in range(1, len(words) + 1)
                        if last is None or last.fullmatch(joined, offsets[e - 1], offsets[e])]
                for start in range(len(words)):
                    if first is not None and not first.fullmatch(joined, offsets[start], offsets[start + 1]):
                        continue
                    for end in ends:
                        if start < end <= start + MAX_TOKENS and full.fullmatch(joined, offsets[start], offsets[end]):
                            matches.add((rule, start, end))
        return sorted(matches, key=lambda m: (m[1], m[2], m[0]))


@lru_cache(maxsize=1)
def _matcher() -> _TokenPatterns:
    return _TokenPatterns({rule: patterns for rule, (_, patterns) in RULES.items()})


def tokens(clause: str) -> list[str]:
    return _TOKEN.findall(clause)


def clauses(text: str) -> list[str]:
    """No statement crosses a clause stop, so each clause is matched on its own."""
    return re.split("[" + "".join(STOP) + "]", text)


def find_figures(text: str) -> dict[str, dict]:
    """The first statement of each rule in `text`: {rule: {"value", "snippet"}}."""
    matcher = _matcher()
    found: dict[str, dict] = {}
    for clause in clauses(text):
        words = tokens(clause)
        if not words or not any(w.isdigit() for w in words):
            continue
        for rule, start, end in matcher(words):
            span = words[start:end]
            if rule in found or end - start > MAX_TOKENS or not GAP_LIMITS[rule].match("".join(span)):
                continue
            number = next(w for w in reversed(span) if w.isdigit())
            found[rule] = {"value": int(number), "snippet": "".join(span)}
    return found


def _table_value(tables: dict, cell: str):
    table, row, col = cell.split(".", 2)
    t = tables.get(table, {})
    if t.get("status") != "found":
        return None, False
    rows = t["rows"]
    if cell == "review_litigation.litigation.total":
        parts = [rows.get(r, {}).get("total") for r in ("litigation_direct", "litigation_after_review")]
        return (None if any(p is None for p in parts) else sum(parts)), True
    return rows.get(row, {}).get(col), True


def text_checks(sections: list[dict], tables: dict) -> tuple[list[dict], dict]:
    """Checks of prose figures against the tables, and text-derived values for tables that are missing."""
    checks, text_values = [], {}
    for sec in sections:
        if sec["id"] not in (1, 3, 4) or not sec["text"]:
            continue
        for rule, fig in find_figures(sec["text"]).items():
            cell = RULES[rule][0]
            if any(c["rule"] == rule for c in checks) or cell in text_values:
                continue
            value, table_found = _table_value(tables, cell)
            where = {"section": sec["id"], "text": fig["snippet"]}
            if not table_found:
                text_values[cell] = {"value": fig["value"], "source": "text", "where": where}
                continue
            cells = ([cell] if cell != "review_litigation.litigation.total" else
                     ["review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total"])
            checks.append({"rule": rule, "ok": None if value is None else value == fig["value"], "cells": cells,
                           "expected": value, "found": fig["value"], "where": where})
    return checks, text_values
