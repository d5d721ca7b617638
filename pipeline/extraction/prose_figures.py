"""Figures stated in the prose (全年共收到政府信息公开申请77件, 行政复议2件), found by patterns over tokens.

The text is cut into clauses at stops (。；，…), each clause into tokens (a number, a single CJK character, a mark),
and each rule's pattern — one regular expression over the clause's tokens, each followed by a separator — finds the
statements: the first span of whole tokens that the pattern matches in full, earliest start first, then shortest.
A gap is counted in tokens (a number is one token), so `收到…申请…77件` allows at most 24 tokens between 收到 and
申请 and 4 tokens that are no number before it. tests/test_prose_figures.py checks the patterns against spaCy's rule Matcher, given
the same statements in its own token-pattern form, over the corpus prose. Each figure is compared with the table
cell it restates (a check entry `text.*`); for a report whose table is missing, the figures are offered as
text-derived values, marked as such and never written into the table.
"""

from __future__ import annotations

import re

STOP = ["。", "；", "，", ",", ";", "！", "？"]
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[\u4e00-\u9fff]|[^\s\d\u4e00-\u9fff]")
UNITS = "件起宗个"
_SEP = "\x1f"  # written after every token of a clause; no token holds it


def _pattern(*parts: str) -> re.Pattern:
    """A pattern over a clause's tokens, each followed by _SEP: `parts` are token patterns, `{S}` the separator."""
    return re.compile("".join(parts).replace("{S}", _SEP))


def _word(text: str) -> str:
    return "".join(re.escape(ch) + "{S}" for ch in text)


_GAP = "(?:[^{S}]+{S})"  # any one token
_NOT_NUMBER = "(?:[^\\d{S}]{S})"  # one token that is no number
_COUNT = "(\\d+){S}[" + UNITS + "]{S}"  # a whole number token, then its unit

# rule -> (the cell it restates, the pattern a statement's tokens match in full)
RULES = {
    "text.requests_received": (
        "requests.new_received.total",
        _pattern("[收受接]{S}[到理收]{S}", _GAP, "{0,24}?", _word("申请"), _NOT_NUMBER, "{0,4}", _COUNT),
    ),
    "text.review_cases": ("review_litigation.review.total", _pattern(_word("行政复议"), _NOT_NUMBER, "{0,4}", _COUNT)),
    "text.litigation_cases": (
        "review_litigation.litigation.total",
        _pattern(_word("行政诉讼"), _NOT_NUMBER, "{0,4}", _COUNT),
    ),
}
MAX_TOKENS = 40  # the longest statement, in tokens


def tokens(clause: str) -> list[str]:
    return _TOKEN.findall(clause)


def clauses(text: str) -> list[str]:
    """No statement crosses a clause stop, so each clause is matched on its own."""
    return re.split("[" + "".join(STOP) + "]", text)


def statements(words: list[str]) -> list[tuple[str, int, int, int]]:
    """Every (rule, start, end, value) where a rule's pattern matches words[start:end] in full, by start then end."""
    found = []
    offsets = [0]
    for w in words:
        offsets.append(offsets[-1] + len(w) + 1)
    joined = "".join(w + _SEP for w in words)
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + MAX_TOKENS) + 1):
            for rule, (_, pattern) in RULES.items():
                m = pattern.fullmatch(joined, offsets[start], offsets[end])
                if m:
                    found.append((rule, start, end, int(m.group(1))))
    return found


def find_figures(text: str) -> dict[str, dict]:
    """The first statement of each rule in `text`: {rule: {"value", "snippet"}}."""
    found: dict[str, dict] = {}
    for clause in clauses(text):
        words = tokens(clause)
        joined = "".join(words)
        if not any(w.isdigit() for w in words) or not any(key in joined for key in ("申请", "行政复议", "行政诉讼")):
            continue  # every pattern needs a number and one of these words
        for rule, start, end, value in statements(words):
            if rule not in found:
                found[rule] = {"value": value, "snippet": "".join(words[start:end])}
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
            cells = (
                [cell]
                if cell != "review_litigation.litigation.total"
                else ["review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total"]
            )
            checks.append(
                {
                    "rule": rule,
                    "ok": None if value is None else value == fig["value"],
                    "cells": cells,
                    "expected": value,
                    "found": fig["value"],
                    "where": where,
                }
            )
    return checks, text_values
