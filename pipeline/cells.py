"""Cell values: what a printed cell means as a number, and recovering cells whose boundaries were lost.

- counts: integers (`12`, `1,234`, `12件`);
- signed changes (本年增/减): `+64`, `-124`, `增加3`, `减少2`;
- money: decimals in 万元; an amount printed in 元 is converted to 万元;
- a blank cell, `/`, `—`, `-` or `无` standing for nothing is 0;
- anything else is unreadable: the value is None and the raw text is kept.

When a crawler ran a row's cells together (`640020470`), `split_run` lists every way to cut the digits into the
row's cells; the caller keeps a cut only when the table's own sums leave exactly one.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

BLANKS = {"", "/", "／", "—", "——", "-", "－", "–", "无", "\\", "、", "--", "---", "— —", "－－", "─", "一"}
_UNIT = re.compile(r"(件|个|项|条|次|宗|家|人次)$")
_INT = re.compile(r"^\d{1,12}$")
_SIGNED = re.compile(r"^([+\-])?\d{1,12}$")
_MONEY = re.compile(r"^(\d{1,15}(?:\.\d+)?)(万元|万|元)?$")
MAX_SPLITS = 200_000


def normalise(raw: str | None) -> str:
    if raw is None:
        return ""
    t = unicodedata.normalize("NFKC", raw)
    t = t.replace("\u00a0", " ").strip()
    t = re.sub(r"(?<=\d)[,，](?=\d{3}\b)", "", t)
    t = re.sub(r"\s+", "", t)
    t = t.replace("−", "-").replace("﹢", "+").replace("＋", "+")
    return t


def is_blank(raw: str | None) -> bool:
    return normalise(raw) in BLANKS


def parse_value(raw: str | None, kind: str = "count") -> int | float | None:
    """The number a printed cell stands for, or None when it cannot be read."""
    t = normalise(raw)
    if t in BLANKS:
        return 0
    if kind == "money":
        m = _MONEY.match(t)
        if not m:
            return None
        try:
            value = Decimal(m.group(1))
        except InvalidOperation:
            return None
        if m.group(2) == "元":
            value = value / Decimal(10000)
        return float(value) if value != value.to_integral_value() else int(value)
    t = _UNIT.sub("", t)
    if kind == "signed":
        m = re.match(r"^(增加|增|新增)(\d{1,12})$", t)
        if m:
            return int(m.group(2))
        m = re.match(r"^(减少|减)(\d{1,12})$", t)
        if m:
            return -int(m.group(2))
        if _SIGNED.match(t):
            return int(t)
        return None
    if _INT.match(t):
        return int(t)
    return None


def looks_numeric(raw: str | None) -> bool:
    """True for a cell that prints a number (or a blank marker): used to tell values from labels."""
    t = normalise(raw)
    if t in BLANKS - {"一"}:
        return True
    return bool(re.match(r"^[+\-]?\d[\d.]*(万元|元|万|件|个|项|条)?$", t))


def _cuts(digits: str, k: int, max_len: int):
    """Every way to cut `digits` into k numbers without leading zeros (a lone 0 is fine).

    Only lengths that leave the rest cuttable are tried: without that bound a 200-digit run cut into 15 cells
    explores 9^15 dead branches (a hang), with it every branch tried can still succeed."""
    n = len(digits)
    if n < k or n > k * max_len:
        return
    if k == 1:
        if n == 1 or digits[0] != "0":
            yield [int(digits)]
        return
    for length in range(max(1, n - (k - 1) * max_len), min(max_len, n - k + 1) + 1):
        head = digits[:length]
        if length > 1 and head[0] == "0":
            break
        for rest in _cuts(digits[length:], k - 1, max_len):
            yield [int(head)] + rest


def split_run(run: str, k: int, max_len: int = 9):
    """Every way to read a run of digits (spaces are known cell boundaries) as k counts.

    Returns a list of candidate rows, or None when there are too many to consider.
    """
    pieces = [p for p in re.split(r"\s+", run.strip()) if p]
    if not pieces or any(not p.isdigit() for p in pieces):
        return []
    if len(pieces) > k:
        return []
    results = []
    count = 0
    # distribute k numbers over the pieces, at least one each
    for sizes in _compositions(k, len(pieces)):
        if any(not size <= len(piece) <= size * max_len for piece, size in zip(pieces, sizes)):
            continue  # some piece cannot hold that many cells: no need to list the others' cuts
        per_piece = []
        for piece, size in zip(pieces, sizes):
            options = list(itertools.islice(_cuts(piece, size, max_len), MAX_SPLITS))
            if not options:
                break
            per_piece.append(options)
        else:
            for combo in itertools.product(*per_piece):
                results.append([v for part in combo for v in part])
                count += 1
                if count > MAX_SPLITS:
                    return None
    return results


def _compositions(total: int, parts: int):
    if parts == 1:
        yield [total]
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield [first] + rest
