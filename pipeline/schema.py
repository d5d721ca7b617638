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


def row_ids(table: str, template: str) -> list[str]:
    t = fields()["tables"][table]
    if table == "active_disclosure":
        return list(t["templates"][template]["rows"])
    return [r for r, spec in t["rows"].items() if template in spec.get("templates", TEMPLATES)]


def column_ids(table: str, template: str, row: str) -> list[str]:
    t = fields()["tables"][table]
    if table == "active_disclosure":
        return list(t["templates"][template]["rows"][row]["columns"])
    return list(t["columns"])


def row_label(table: str, row: str, template: str = "2021") -> str:
    t = fields()["tables"][table]
    if table == "active_disclosure":
        spec = t["templates"].get(template, {}).get("rows", {}).get(row) or t["templates"]["2019"]["rows"][row]
        return spec["label"]
    return t["rows"][row]["label"]


def all_rows(table: str) -> list[str]:
    out = []
    for tpl in TEMPLATES:
        for r in row_ids(table, tpl):
            if r not in out:
                out.append(r)
    return out


def section_titles() -> dict[int, str]:
    return {s["id"]: s["label"] for s in fields()["sections"]}


def value_kind(table: str, column: str) -> str:
    if column == "change":
        return "signed"
    if column == "amount_wan":
        return "money"
    return "count"
