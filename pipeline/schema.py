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


# ---------------------------------------------------------------- Chinese wording beside the identifiers
# Interfaces and exports show these first, the identifiers beside them for scripts: table names and section, row
# and column labels are fields.json's (the official templates' wording); check rules, copy kinds and results come
# from resources/wording.json (fields.json words its consistency rules in English, and names no rule the pipeline
# adds: figures in the prose, figures carried over between years).


@lru_cache(maxsize=1)
def wording() -> dict:
    with open(RESOURCES / "wording.json", encoding="utf-8") as f:
        return json.load(f)


def table_label(table: str) -> str:
    """The official name of a statutory table: the title of the section it belongs to (主动公开政府信息情况)."""
    section = fields()["tables"][table]["section"]
    return section_titles()[section]


def table_short(table: str) -> str:
    """A table's short Chinese name (主动公开, 依申请公开, 复议诉讼): sheet names, chart labels."""
    return wording()["tables_short"].get(table, table)


@lru_cache(maxsize=None)
def column_label(table: str, column: str, template: str = "2021") -> str | None:
    """The official label of a column (法人或其他组织／商业企业, 本年制发件数); None where the template has no such
    column."""
    spec = fields()["tables"][table]
    if table == "active_disclosure":
        label = spec["templates"].get(template, {}).get("columns", {}).get(column)
        if label is None:  # a column of the other template
            label = next((t["columns"][column] for t in spec["templates"].values() if column in t["columns"]), None)
        return label
    return spec["columns"].get(column)


def rule_label(rule: str) -> str:
    """A check rule in Chinese (wording.json), else fields.json's wording, else its identifier."""
    said = wording()["rules"].get(rule)
    if said:
        return said
    return next((r["rule"] for r in fields()["consistency_rules"] if r["id"] == rule), rule)


def rule_short(rule: str) -> str:
    """A check rule's short Chinese name (申请数量平衡), for notes and chart labels; its identifier when it has none."""
    return wording()["rules_short"].get(rule, rule)


def copy_kind_label(kind: str) -> str:
    return wording()["copy_kinds"].get(kind, kind)


def result_label(ok) -> str:
    """A check's result in Chinese: 符合 (True), 不符 (False), 无法核对 (None: an unreadable cell)."""
    return wording()["results"]["ok" if ok else "fail" if ok is False else "skipped"]
