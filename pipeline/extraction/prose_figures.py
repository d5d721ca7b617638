"""Figures stated in the prose (全年共收到政府信息公开申请77件, 行政复议2件), found with spaCy's rule Matcher.

The text is tokenised into numbers, single CJK characters and punctuation (a spaCy Doc built from those words), and
Matcher patterns find the statements. Each figure is compared with the table cell it restates (a check entry
`text.*`); for a report whose table is missing, the figures are offered as text-derived values, marked as such and
never written into the table.
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


@lru_cache(maxsize=1)
def _matcher():
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("xx")
    matcher = Matcher(nlp.vocab)
    for rule, (_, patterns) in RULES.items():
        matcher.add(rule, patterns)
    return nlp, matcher


def find_figures(text: str) -> dict[str, dict]:
    """The first statement of each rule in `text`: {rule: {"value", "snippet"}}."""
    from spacy.tokens import Doc

    nlp, matcher = _matcher()
    found: dict[str, dict] = {}
    # No statement crosses a clause stop, so each clause is matched on its own (short Docs keep the Matcher fast).
    for clause in re.split("[" + "".join(STOP) + "]", text):
        words = _TOKEN.findall(clause)
        if not words or not any(w.isdigit() for w in words):
            continue
        doc = Doc(nlp.vocab, words=words)
        for match_id, start, end in sorted(matcher(doc), key=lambda m: (m[1], m[2])):
            rule = nlp.vocab.strings[match_id]
            span = words[start:end]  # plain strings: spaCy Token objects are not needed here
            if rule in found or end - start > 40 or not GAP_LIMITS[rule].match("".join(span)):
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
