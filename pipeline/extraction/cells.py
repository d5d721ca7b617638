"""Cell values: what a printed cell means as a number, and recovering cells whose boundaries were lost.

- counts: integers (`12`, `1,234`, `12件`);
- signed changes (本年增/减): `+64`, `-124`, `增加3`, `减少2`;
- money: decimals in 万元; an amount printed in 元 is converted to 万元;
- a blank cell, `/`, `—`, `-` or `无` standing for nothing is 0;
- a count printed in Chinese numerals (`三`, `十二`, `〇`, `一百零五`) is that count, when the whole cell is one
  numeral of standard form below 1000; a lone `一` stays what it always was, a dash-like blank mark (0), since a
  printed `一` and a dash cannot be told apart. Digit-by-digit forms (`一二`) or anything more are unreadable;
- anything else is unreadable: the value is None and the raw text is kept.

When a crawler ran a row's cells together (`640020470`), `split_run` lists every way to cut the digits into the
row's cells; the caller keeps a cut only when the table's own sums leave exactly one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..document import BLANKS, UNREADABLE

_BLANK_MARKS = frozenset(BLANKS - {"一"})  # 一 alone is also a numeral of labels (一、本年新收…), so it is no value
_UNIT = re.compile(r"(件|个|项|条|次|宗|家|人次)$")
_INT = re.compile(r"^\d{1,12}$")
_SIGNED = re.compile(r"^([+\-])?\d{1,12}$")
_MONEY = re.compile(r"^(\d{1,15}(?:\.\d+)?)(万元|万|元)?$")
MAX_SPLITS = 200_000
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_D = "[一二三四五六七八九]"
# standard Chinese numerals below 1000: 〇/零, 三, 十二, 二十, 三十五, 一百, 一百零五, 一百一十, 三百二十一
_CN_NUMERAL = re.compile(
    rf"^(?:(?P<zero>[〇零])|(?:(?P<h>{_D})百)?(?:(?P<t>{_D})?(?P<ten>十)(?P<u>{_D})?"
    rf"|(?P<nought>零)?(?P<unit>{_D}))?)$"
)


def chinese_numeral(text: str) -> int | None:
    """The value of a whole cell printed as one Chinese numeral of standard form below 1000, else None.

    Only forms with a single reading: 十二 is 12, 二十 is 20, 一百零五 is 105; a tens digit needs 十 (一十 inside
    hundreds: 一百一十), a units digit after 百 needs 零 or a tens place (二百五 and 一二 are not read)."""
    m = _CN_NUMERAL.match(text)
    if not m or not text:
        return None
    if m.group("zero"):
        return 0
    h, t, ten, nought, unit = (m.group(k) for k in ("h", "t", "ten", "nought", "unit"))
    if h and unit and not nought:
        return None  # 二百五: colloquial for 250, or 205? not read
    if nought and not h:
        return None  # 零五
    if not h and t == "一":
        return None  # 一十二 stands only inside a larger number
    if h and ten and not t:
        return None  # 一百十: not the standard form (一百一十)
    value = 100 * _CN_DIGIT[h] if h else 0
    if ten:
        value += 10 * (_CN_DIGIT[t] if t else 1) + (_CN_DIGIT[m.group("u")] if m.group("u") else 0)
    elif unit:
        value += _CN_DIGIT[unit]
    return value


def normalise(raw: str | None) -> str:
    if raw is None:
        return ""
    return _normalise(raw) if len(raw) <= 200 else _normalise.__wrapped__(raw)


@functools.lru_cache(maxsize=65536)
def _normalise(raw: str) -> str:
    """Cell text compared as printed: NFKC, blanks and thousands separators removed (cached: cells recur)."""
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
    return chinese_numeral(t)


_NUMBER_LIKE = re.compile(r"^[+\-]?\d[\d.]*(万元|元|万|件|个|项|条)?$")


@functools.lru_cache(maxsize=65536)  # asked of every cell, often twice; cells recur from report to report
def looks_numeric(raw: str | None) -> bool:
    """True for a cell that prints a number (or a blank marker): used to tell values from labels. A Chinese
    numeral is a value here too (三 under 本年新收); a numbering column left of the labels stays in the label,
    because the label is found from the right."""
    t = normalise(raw)
    return (
        t in _BLANK_MARKS
        or t == UNREADABLE
        or _NUMBER_LIKE.match(t) is not None
        or (t != "一" and chinese_numeral(_UNIT.sub("", t)) is not None)
    )


def split_run(run: str, k: int, max_len: int = 9, sums: list[tuple[int, int]] = ()):
    """Every way to read a run of digits (spaces are known cell boundaries) as k counts without leading zeros
    (a lone 0 is fine).

    `sums` lists the row's own sums as (start, end): cells start … end-2 add up to cell end-1 (table 3: (0, 7);
    table 4: (0, 5), (5, 10), (10, 15)). Only readings that obey them are listed, and the search never enters a
    branch that cannot obey them: a sum cell is not chosen but read off (it must print the sum of its group); when
    the row ends with a sum cell, each length of the run's last digits fixes that total and no cell of its group
    may exceed it; and a place, cell and partial sum already found to lead nowhere is not explored again. Returns
    the list of readings, or None when there are more than MAX_SPLITS of them or the search grows past a bound.
    """
    text = run.strip()
    if not text or not re.fullmatch(r"\d+(?:\s+\d+)*", text):
        return []
    pieces = text.split()
    if len(pieces) > k:
        return []
    digits = "".join(pieces)
    n = len(digits)
    if n < k or n > k * max_len:
        return []
    stops, at = [], 0  # positions where a space was printed: a cell may end there, never cross it
    for piece in pieces[:-1]:
        at += len(piece)
        stops.append(at)
    next_stop = [n] * (n + 1)  # the first printed boundary after pos (or the end)
    stops_after = [0] * (n + 1)  # how many printed boundaries lie after pos
    for pos in range(n - 1, -1, -1):
        after = pos + 1
        next_stop[pos] = after if after in stops else next_stop[after]
        stops_after[pos] = stops_after[after] + (1 if after in stops else 0)
    group_start = {end - 1: start for start, end in sums if 0 <= start < end - 1 < k}  # sum cell -> first cell
    open_group = {}  # cell -> first cell of the group it belongs to (its partial sum shapes what can follow)
    for last, start in group_start.items():
        for c in range(start, last + 1):
            open_group[c] = start
    results: list[list[int]] = []
    cells: list[int] = []
    budget = [MAX_SPLITS * 4]  # branches explored: the work is bounded whatever the input
    dead: set[tuple] = set()  # (position, cell, partial sum of its group) from which no reading was found
    # When the row ends with a sum cell (table 3's 总计, table 4's last 总计), that cell is the run's last digits:
    # each length it may have fixes its value, and every cell of its group is at most that value.
    last_total: list[int | None] = [None]
    last_group = group_start.get(k - 1)

    stop_set = set(stops)
    span = [n, k]  # the digits and cells still to be cut: all of them, or all but the last total once it is fixed

    def fits(pos: int, cell: int) -> bool:
        end, last = span
        left, cells_left = end - pos, last - cell
        if cells_left <= 0:
            return left == 0 and cells_left == 0
        pieces = stops_after[pos] - stops_after[end] - (1 if end in stop_set and end > pos else 0) + 1
        return cells_left <= left <= cells_left * max_len and pieces <= cells_left

    def walk(pos: int, cell: int) -> bool:
        """False stops the whole search (too many readings or too much work)."""
        budget[0] -= 1
        if budget[0] < 0:
            return False
        if cell == k:
            results.append(list(cells))
            return len(results) <= MAX_SPLITS
        start = open_group.get(cell)
        key = (pos, cell, sum(cells[start:cell]) if start is not None else None)
        if key in dead:
            return True
        found = len(results)
        longest = min(max_len, next_stop[pos] - pos, span[0] - pos)
        bound = last_total[0] if last_group is not None and start == last_group else None
        if cell == k - 1 and last_total[0] is not None:
            if pos == span[0] and key[2] == last_total[0]:  # the total printed last
                cells.append(key[2])
                ok = walk(n, k)
                cells.pop()
                if not ok:
                    return False
        elif cell in group_start:
            word = str(key[2])
            end = pos + len(word)
            if len(word) <= longest and digits.startswith(word, pos) and fits(end, cell + 1):
                cells.append(key[2])
                ok = walk(end, cell + 1)
                cells.pop()
                if not ok:
                    return False
        else:
            if bound is not None:
                longest = min(longest, len(str(bound)))
                free, left, need = span[1] - cell, span[0] - pos, bound - key[2]
                chunk = -(-left // free)  # some cell still to come has at least this many digits
                if (
                    need < 0
                    or (chunk >= 2 and need < 10 ** (chunk - 1))
                    or need > free * (10 ** min(left - free + 1, max_len, len(str(bound))) - 1)
                ):
                    dead.add(key)  # what is left of the total cannot be made of what is left of the digits
                    return True
            for length in range(1, longest + 1):
                if length > 1 and digits[pos] == "0":
                    break
                end = pos + length
                value = int(digits[pos:end])
                if bound is not None and key[2] + value > bound:
                    break  # longer cells are larger still
                if not fits(end, cell + 1):
                    continue
                cells.append(value)
                ok = walk(end, cell + 1)
                cells.pop()
                if not ok:
                    return False
        if len(results) == found:
            dead.add(key)  # the same place, cell and partial sum reached again leads nowhere either
        return True

    if last_group is not None:
        for length in range(1, min(max_len, n) + 1):
            suffix = digits[n - length :]
            if (length > 1 and suffix[0] == "0") or stops_after[n - length] > 0:
                continue  # a leading zero, or a printed boundary inside the last cell
            last_total[0] = int(suffix)
            span[:] = [n - length, k - 1]
            dead.clear()
            if not walk(0, 0):
                return None
        return results

    if not walk(0, 0):
        return None
    return results
