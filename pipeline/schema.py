"""The canonical identifiers of `fields.json` (a copy of ../shared/schema/fields.json ships with the package)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

RESOURCES = Path(__file__).parent / "resources"
TABLES = ("active_disclosure", "requests", "review_litigation")
TEMPLATES = ("2019", "2021")


@lru_cache(maxsize=1)
def fields() -> dict:
    with open(RESOURCES / "fields.json", encoding="utf-8") as f:
        return json.load(f)


# The lookups below are cached (they run for every row of every report) and return tuples, which no caller can
# change by accident.
@lru_cache(maxsize=None)
def row_ids(table: str, template: str) -> tuple[str, ...]:
    t = fields()["tables"][table]
    if table == "active_disclosure":
        return tuple(t["templates"][template]["rows"])
    return tuple(r for r, spec in t["rows"].items() if template in spec.get("templates", TEMPLATES))


@lru_cache(maxsize=None)
def column_ids(table: str, template: str, row: str) -> tuple[str, ...]:
    t = fields()["tables"][table]
    if table == "active_disclosure":
        return tuple(t["templates"][template]["rows"][row]["columns"])
    return tuple(t["columns"])


@lru_cache(maxsize=None)
def row_label(table: str, row: str, template: str = "2021") -> str:
    t = fields()["tables"][table]
    if table == "active_disclosure":
        spec = t["templates"].get(template, {}).get("rows", {}).get(row) or t["templates"]["2019"]["rows"][row]
        return spec["label"]
    return t["rows"][row]["label"]


@lru_cache(maxsize=None)
def all_rows(table: str) -> tuple[str, ...]:
    out = []
    for tpl in TEMPLATES:
        for r in row_ids(table, tpl):
            if r not in out:
                out.append(r)
    return tuple(out)


@lru_cache(maxsize=None)
def all_columns(table: str) -> tuple[str, ...]:
    """Every column of `table` in either template, in first-seen order."""
    out = []
    for tpl in TEMPLATES:
        for r in row_ids(table, tpl):
            for c in column_ids(table, tpl, r):
                if c not in out:
                    out.append(c)
    return tuple(out)


def section_titles() -> dict[int, str]:
    return {s["id"]: s["label"] for s in fields()["sections"]}


def value_kind(table: str, column: str) -> str:
    if column == "change":
        return "signed"
    if column == "amount_wan":
        return "money"
    return "count"
