"""Numbers read from pixels are taken only when they are sure, or when the table's own sums confirm them.

A cell of a table read by OCR (readers/ocr/cells.py) comes with its reading's confidence and the next most likely
readings. After the table is built:

1. A cell is doubtful when its reading is less sure than `min_confidence`, when it holds ink that reads as no
   number, or when no ink was found in it at all (a digit too faint to see reads as a blank: blank ink is 0 only
   where the sums say so). Its candidates are the numbers among its readings (0 for a blank).
2. The table's sums (sums.equations: table 3's balance, total row and total column, table 4's totals) choose
   among the candidates: an equation whose other cells are all known fixes its one doubtful cell when the value it
   needs is one of that cell's readings; what is left is searched as a whole, and a group of doubtful cells is
   taken only when exactly one combination of their readings makes every sum hold. A sum with cells that have no
   reading at all still bounds the others: those cells are counts, never below 0. For the same reason, cells on one
   side of a sum whose other cells leave nothing for them are 0 by that sum alone (slashes read as 1s in a row
   whose numbers already make up its total).
3. A doubtful cell the sums do not settle is null, its printed reading kept as `raw`: never a guess. A table
   without sums (主动公开) has nothing to confirm a doubtful cell, so it is null, and its cells must be read with
   the higher confidence `unchecked` to count as sure.
4. A sum that still fails over cells read by OCR — its known cells break it, no reading of its unsure cells could
   make it hold, or its known cells already overshoot it — gets a second look: its cells read less sure than
   `very_sure` are opened to their own readings too, and the sums choose among them as in 2 (a 1388 whose other
   reading, 1288, is the one that holds; a cell so changed says so in a note). What still fails has its cells that
   are not `very_sure` made null (one of them is misread, and which one cannot be told), but for a cell of another
   sum that holds, every cell of it known, where some cell of the failing sum is in no such sum and so can carry
   the error (a row whose one unreadable number broke its column: the row's other numbers and blanks, each
   confirmed by its own column, stay; a null cell carries no error of a sum its known cells overshoot); when every
   cell of it is
   very sure, the numbers are kept as printed and the check reports the failure (reports do print sums that do not
   add up).
5. Last, the null cells are taken up again with the table's sums as a whole (a table read so badly that most of
   its cells are null: a phone photograph of 6-pt type), each value resting on two independent ways of adding the
   table up, so that a misreading is caught by the second where the first passes it on. In turn, until nothing
   changes: the cells a sum of known cells leaves nothing for are 0 (_zeros_by_sums); a cell whose first reading
   makes two sums hold is taken as read (_readings_held_twice); the null cells are solved for as the unknowns of the
   sums, a value taken where the system is consistent and still fixes it after any one sum is dropped
   (_solve_twice); and every null cell's first reading is put to the sums at once, the misread ones freed until the
   sums agree, a reading taken where, were it misread, the sums would disagree twice over
   (_readings_checked_twice). A value the sums give is taken only where the cell's ink could print it (one of its
   readings, its first reading with one digit changed, 0 where no ink was found, anything for ink with no
   reading; in a row whose numbers could not be placed in its columns, one of the numbers it printed): a
   photographed 1388 whose row says 1288, and whose column says 1288 too, is 1288. The unknowns are counts: a
   system that holds only with one of them below 0 (scipy's linear programming says whether one ≥ 0 exists) has a
   misread cell, and takes nothing. A table whose known cells already break a sum (a sure cell misread, or a sum
   printed wrong) takes nothing here.

Every OCR'd cell says `source: "ocr"` and its confidence; a cell the sums settled says `checked: "sums"`.
"""

from __future__ import annotations

import numpy as np

from .. import schema
from .cells import UNREADABLE, parse_value
from .sums import equations, holds

MAX_COMBINATIONS = 20_000  # readings a sum may combine when it narrows the readings of its cells


def _doubted(cell) -> str:
    """Why the reader doubted a cell's reading, in words for a reviewer (readers/ocr/cells.py's `doubts`)."""
    doubts = cell.doubts or {}
    words = []
    if "framings" in doubts:
        words.append(f"framed wider it reads {doubts['framings']!r}")
    if "ruling" in doubts:
        touch = "runs into a ruling's" if doubts.get("fused") else "touches a ruling"
        words.append(f"its ink {touch}, and with that ink restored it reads {doubts['ruling'][0]!r}")
    if "faint" in doubts:
        words.append("faint ink beside it was not read")
    if "sign" in doubts:
        words.append("a mark before it may be a minus sign")
    if "shape" in doubts:
        words.append(f"its shape suggests {doubts['shape']!r}")
    return f" ({'; '.join(words)})" if words else ""


def _top_reading(table: str, column: str, cell):
    """The value of the cell's own first reading, or None when it reads as no number (ink without a reading)."""
    if cell.ink and (not str(cell.text).strip() or cell.text == UNREADABLE):
        return None
    return parse_value(cell.text, schema.value_kind(table, column))


def _candidates(table: str, column: str, cell) -> list:
    kind = schema.value_kind(table, column)
    out = []
    readings = [(cell.text, cell.confidence or 0.0)] + [tuple(a) for a in (cell.alternatives or [])]
    for k, (text, _) in enumerate(readings):
        if k == 0 and cell.ink and (not str(text).strip() or text == UNREADABLE):
            continue  # ink that read as nothing; an alternative "" says the ink may be noise on a blank cell
        v = parse_value(text, kind)
        if v is not None and v not in out:
            out.append(v)
    return out


def verify_ocr_table(
    res, table: str, template: str, min_confidence: float = 0.9, very_sure: float = 0.98, unchecked: float = 0.95
) -> None:
    """Check the OCR'd cells of one built table (values.TableResult) in place. `unchecked`: the confidence a cell
    that no sum covers (主动公开) must have to be taken as read."""
    if not res.ocr or res.status != "found":
        return
    rows = res.rows
    eqs = [
        (rule, a, b) for rule, a, b in equations(table, template) if all(r in rows and c in rows[r] for r, c in a + b)
    ]
    covered = {k for _, a, b in eqs for k in a + b}
    doubtful = {}
    for key, cell in res.ocr.items():
        row, col = key
        if row not in rows or col not in rows[row]:
            continue
        least = min_confidence if key in covered else max(min_confidence, unchecked)
        blank = not cell.ink and rows[row][col] == 0  # no ink found: 0 only where the sums say so
        if rows[row][col] is None or blank or (cell.confidence or 0.0) < least:
            doubtful[key] = _candidates(table, col, cell)
    confidence = {k: c.confidence or 0.0 for k, c in res.ocr.items()}
    top = {k: _top_reading(table, k[1], c) for k, c in res.ocr.items()}
    settled: dict = {}
    failed: set = set()
    if doubtful:
        settled, failed = _settle(rows, eqs, doubtful, confidence, top)
    # a second look where sums still fail: the cells in them read sure but not very sure are opened to their own
    # readings too, and the sums may choose among them (a 1388 whose other reading is the printed 1288)
    trial = {r: dict(cols) for r, cols in rows.items()}
    for key in doubtful:
        trial[key[0]][key[1]] = settled.get(key)
    opened = {
        k: _candidates(table, k[1], res.ocr[k]) for k in _shaky(trial, res, eqs, failed, very_sure) - set(doubtful)
    }
    opened = {k: options for k, options in opened.items() if options}
    if opened:
        again, failed_again = _settle(rows, eqs, {**doubtful, **opened}, confidence, top)
        settled = {**settled, **again}
        failed = failed_again
    for key, value in settled.items():
        row, col = key
        entry = res.cells[row][col]
        if key in opened and value == rows[row][col]:
            entry["checked"] = "sums"
            continue
        rows[row][col] = value
        entry["confidence"] = round(max(min_confidence, entry.get("confidence", 0.0)), 4)
        entry["checked"] = "sums"
        if key in opened:
            res.notes.append(f"{row}.{col}: OCR read {entry.get('raw')!r}; the table's sums choose {value}")
    for key, options in doubtful.items():
        if key in settled:
            continue
        row, col = key
        entry = res.cells[row][col]
        rows[row][col] = None
        entry["confidence"] = 0.0
        held = any(key in a + b for _, a, b in eqs)
        if not res.ocr[key].ink and options == [0]:
            why = "no ink found, and 0 is " + ("not confirmed by the table's sums" if held else "confirmed by no sum")
            res.notes.append(f"{row}.{col}: blank; {why}: null")
            continue
        why = "no reading" if not options else ("not confirmed by the table's sums" if held else "no sum to confirm it")
        res.notes.append(f"{row}.{col}: OCR read {entry.get('raw')!r} unsure{_doubted(res.ocr[key])}; {why}: null")
    # sums that still fail over OCR'd cells: the unsure cells in them cannot be trusted, but where a cell of the
    # failing sum can carry its error (one in no sum that holds: a null cell, a misread total), the cells of sums
    # that hold are spared; a null cell carries no error of a sum whose known cells already overshoot it (a count
    # cannot be below 0 to make up for them)
    confirmed = _in_holding_sums(rows, eqs)
    for rule, a, b in _failing(rows, eqs, failed):
        over = _overshoots(rows, a, b)
        carriers = [k for k in a + b if k not in confirmed and not (over and rows[k[0]][k[1]] is None)]
        spared = confirmed if carriers else set()
        for r, c in _shaky_in(rows, res, a + b, very_sure):
            if (r, c) in spared:
                continue
            rows[r][c] = None
            res.cells[r][c]["confidence"] = 0.0
            res.notes.append(f"{r}.{c}: OCR read {res.cells[r][c].get('raw')!r}, and {rule} fails over it: null")
    while not any(holds(eq, lambda r, c: rows[r][c]) is False for eq in eqs) and (
        _zeros_by_sums(res, table, eqs, min_confidence)
        + _readings_held_twice(res, table, eqs, min_confidence)
        + _solve_twice(res, table, eqs, min_confidence)
        + _readings_checked_twice(res, table, eqs, min_confidence)
    ):
        pass  # each value taken may let another sum hold, or fix another unknown


def _failing(rows: dict, eqs, failed: set) -> list:
    """The sums that fail: their known cells break them, the readings of their null cells could not make them hold
    (those cells `failed` in _settle), or, their null cells being counts (never below 0), their known cells already
    overshoot them."""
    out = []
    for rule, a, b in eqs:
        held = holds((rule, a, b), lambda r, c: rows[r][c])
        if held is None:
            unknown = [k for k in a + b if rows[k[0]][k[1]] is None]
            fails = any(k in failed for k in unknown) or _overshoots(rows, a, b)
        else:
            fails = not held
        if fails:
            out.append((rule, a, b))
    return out


def _in_holding_sums(rows: dict, eqs) -> set:
    """The cells of the sums that hold, every cell of them known: each confirmed by a sum of its own (two misread
    cells of one sum would have to cancel out to pass)."""
    return {k for rule, a, b in eqs if holds((rule, a, b), lambda r, c: rows[r][c]) for k in a + b}


def _shaky_in(rows: dict, res, cells: list, very_sure: float) -> list:
    """The cells read by OCR, not null, that are less sure than `very_sure` or were chosen by the sums."""
    return [
        (r, c)
        for r, c in cells
        if (r, c) in res.ocr
        and rows[r][c] is not None
        and ((res.ocr[(r, c)].confidence or 0.0) < very_sure or res.cells[r][c].get("checked") == "sums")
    ]


def _shaky(rows: dict, res, eqs, failed: set, very_sure: float) -> set:
    """The shaky cells of every failing sum."""
    return {k for _, a, b in _failing(rows, eqs, failed) for k in _shaky_in(rows, res, a + b, very_sure)}


def _overshoots(rows: dict, a: list, b: list) -> bool:
    """A sum with unknown cells on one side only: the other side's known total is already smaller than what the
    known cells of that side add up to (the unknown cells, being counts, cannot make up a negative difference)."""

    def side(cells):
        vals = [rows[r][c] for r, c in cells]
        return sum(v for v in vals if v is not None), any(v is None for v in vals)

    (sa, ua), (sb, ub) = side(a), side(b)
    if ua and ub:
        return False
    return sa > sb if ua else sb > sa


def _constraints(eqs, domains: dict, unknown: set) -> tuple[list, list]:
    """The sums usable on the cells being chosen, as (plus cells, minus cells): equalities (Σplus = Σminus) over
    sums whose every cell is known or has readings, and inequalities (Σplus ≥ Σminus) over sums with unknown cells on
    one side only — those cells are counts, never below 0, so a sum with unknown cells still bounds its known ones."""
    equal, at_least = [], []
    for a, b in eqs:
        if not any(k in domains for k in a + b):
            continue
        ua, ub = [k for k in a if k in unknown], [k for k in b if k in unknown]
        if not ua and not ub:
            equal.append((a, b))
        elif ub and not ua:
            at_least.append((a, [k for k in b if k not in unknown]))  # Σa = Σb ≥ Σ(b known)
        elif ua and not ub:
            at_least.append((b, [k for k in a if k not in unknown]))
    return equal, at_least


def _groups(cells: list, eqs) -> list[list]:
    """The cells split into groups that share a sum (connected through the equations)."""
    parent = {k: k for k in cells}

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in eqs:
        members = [k for k in a + b if k in parent]
        for k in members[1:]:
            parent[root(k)] = root(members[0])
    out: dict = {}
    for k in cells:
        out.setdefault(root(k), []).append(k)
    return list(out.values())


def _narrow(domains: dict, equal: list, at_least: list, known: dict) -> set:
    """Strike out, in place, every reading that no choice of a sum's other cells could make hold (a bound: keep),
    until nothing changes; a bound no choice can keep is removed from `at_least`. Returns the open cells of an
    equality left with no possible reading (set() when none)."""
    changed = True
    while changed:
        changed = False
        for a, b in equal:
            offset = sum(known[x] for x in a if x not in domains) - sum(known[x] for x in b if x not in domains)
            for k in [x for x in a + b if x in domains]:
                reachable = {0}
                for x in a + b:
                    if x == k or x not in domains:
                        continue
                    sign = 1 if x in a else -1
                    reachable = {r + sign * v for r in reachable for v in domains[x]}
                    if len(reachable) > MAX_COMBINATIONS:
                        break
                else:
                    sign = 1 if k in a else -1
                    keep = {v for v in domains[k] if -(offset + sign * v) in reachable}
                    if not keep:
                        return {x for x in a + b if x in domains}
                    if keep != domains[k]:
                        domains[k] = keep
                        changed = True
        for bound in list(at_least):
            plus, minus = bound
            offset = sum(known[x] for x in plus if x not in domains) - sum(known[x] for x in minus if x not in domains)
            best = {x: (max(domains[x]) if x in plus else -min(domains[x])) for x in plus + minus if x in domains}
            if offset + sum(best.values()) < 0:
                # no reading keeps it: a cell read surely is wrong, and the bound tells which reading of the others
                # is right no better than a guess. It is dropped here; the failing sum is dealt with afterwards
                at_least.remove(bound)
                continue
            for k in best:
                sign = 1 if k in plus else -1
                rest = offset + sum(v for x, v in best.items() if x != k)
                keep = {v for v in domains[k] if rest + sign * v >= 0}
                if keep != domains[k]:
                    domains[k] = keep
                    changed = True
    return set()


def _settle(rows: dict, eqs, doubtful: dict, confidence: dict, top: dict | None = None) -> tuple[dict, set]:
    """The doubtful cells whose value the sums leave in exactly one way ({(row, column): value}), and the cells of
    sums that no choice of readings can make hold.

    Each doubtful cell may take one of its readings. Every sum first strikes out the readings that no choice of
    its other cells could make hold (propagated until nothing changes); a sum over cells with no reading at all
    still bounds the others (they are counts, never below 0). Then, within each group of cells tied by sums, the
    remaining combinations are listed: a cell is settled when every combination that makes all its sums hold gives
    it the same value, at least one does, and an equality (not only a bound) holds it; where cells are settled on
    other values than their first readings, each must be forced by a sum of its own (_forced). A sum that no choice of
    readings can make hold leaves its unsure cells null, and the narrowing starts again without it. A group with no
    combination settles nothing, and so does a group with more cells read as probably wrong (confidence under 0.5)
    than sums that hold it: in a table read that badly, wrong readings could add up by chance; such a group settles
    only the 0s that a sum of sure cells leaves by itself (_zeros_left), whose values owe nothing to their readings."""
    known = {(r, c): v for r, cols in rows.items() for c, v in cols.items() if (r, c) not in doubtful}
    # unknown cells: unreadable with no reading at all, or null for another reason
    unknown = {k for k, v in doubtful.items() if not v} | {k for k, v in known.items() if v is None}
    failed: set = set()  # cells of a sum that no choice of their readings can make hold: left null, and unknown
    pairs = [(a, b) for _, a, b in eqs]
    while True:
        domains = {k: set(v) for k, v in doubtful.items() if v and k not in failed}
        equal, at_least = _constraints(pairs, domains, unknown | failed)
        broken = _narrow(domains, equal, at_least, known)
        if not broken:
            break
        failed |= broken  # narrowed again from the start without them: what they narrowed no longer holds
    settled: dict = {}
    held_cells = {k for a, b in equal for k in a + b}  # a cell no equality holds is never settled
    for group in _groups([k for k in domains if k in held_cells], equal):
        held = [(a, b) for a, b in equal if any(k in group for k in a + b)]
        bounds = [(p, m) for p, m in at_least if any(k in group for k in p + m)]
        seen = _values_in_all_solutions(group, domains, held, bounds, known)
        if seen is None:
            continue  # too many combinations to list them all: nothing is settled
        chosen = {k: next(iter(values)) for k, values in seen.items() if len(values) == 1}
        if sum(1 for k in group if confidence.get(k, 0.0) < 0.5) > len(held):
            # more cells read as probably wrong than sums to hold them: agreement could be a coincidence, so only
            # the 0s that a sum of known cells leaves by itself are taken (their values owe nothing to a reading)
            chosen = {k: 0 for k in _zeros_left(group, chosen, held, known)}
        if top is not None and not _forced(chosen, top, held):
            continue  # readings changed together that no sum pins down one by one: agreement could be chance
        settled.update(chosen)
    return settled, failed


def _forced(chosen: dict, top: dict, held: list) -> bool:
    """Whether every cell the sums settle on another value than its own first reading is forced, one at a time: a
    sum over it whose other cells are known, read as first read, or forced already. Two or more readings changed
    within one sum and nowhere else could add up by chance (256→258 and 565→555 with 291→297 hold 258 + 297 =
    555 where the page prints 268, 297 and 565: the 268 was no reading of its cell)."""
    changed = {k for k, v in chosen.items() if top.get(k) != v}
    forced: set = set()
    progress = True
    while progress and changed - forced:
        progress = False
        for a, b in held:
            open_cells = [k for k in a + b if k in changed and k not in forced]
            if len(open_cells) == 1 or (open_cells and _left_nothing(open_cells, chosen, a, b)):
                forced.update(open_cells)
                progress = True
    return changed <= forced


def _left_nothing(cells: list, chosen: dict, a: list, b: list) -> bool:
    """Whether `cells`, all on one side of the sum Σa = Σb, all come to 0 in `chosen`: the sum's other cells leave
    nothing for them, and none of them can be below 0 (they are counts), so each is 0 by the sum alone, whatever
    its own reading (a row of slashes read as 1s beside a total its numbers already make up)."""
    return all(chosen.get(k) == 0 for k in cells) and (set(cells) <= set(a) or set(cells) <= set(b))


def _zeros_left(group: list, chosen: dict, held: list, known: dict) -> set:
    """The cells of `group` that some sum leaves at 0 by itself: on one side of it, settled at 0, every other cell
    of the sum known from a sure reading (_left_nothing)."""
    out: set = set()
    for a, b in held:
        for side in (a, b):
            zeros = [k for k in side if k in group and chosen.get(k) == 0]
            rest = [k for k in a + b if k not in zeros]
            if zeros and all(known.get(k) is not None for k in rest):
                out.update(zeros)
    return out


MAX_NODES = 200_000  # steps of the search for the combinations that hold, per group of cells


def _values_in_all_solutions(group: list, domains: dict, held: list, bounds: list, known: dict) -> dict | None:
    """{cell: the set of values it takes} over every combination of readings that makes all `held` sums hold and
    keeps every bound ({} when none does), or None when listing them would take more than MAX_NODES steps. A
    depth-first search: the cells with fewest readings first, each sum checked as soon as its last cell is chosen; a
    bound's cells outside the group take their most favourable reading."""
    order = sorted(group, key=lambda k: (len(domains[k]), k))
    position = {k: i for i, k in enumerate(order)}
    # each sum is checked when the latest of its open cells is chosen
    checks: dict[int, list] = {}
    for a, b in held:
        last = max(position[k] for k in a + b if k in position)
        checks.setdefault(last, []).append((a, b, False))
    for plus, minus in bounds:
        inside = [position[k] for k in plus + minus if k in position]
        if inside:
            checks.setdefault(max(inside), []).append((plus, minus, True))
    values = [sorted(domains[k]) for k in order]
    trial: dict = {}
    seen: dict = {k: set() for k in order}
    nodes = 0

    def value(k, favour=0):
        if k in trial:
            return trial[k]
        if k in domains:  # a cell of a bound outside the group: its most favourable reading
            return max(domains[k]) if favour > 0 else min(domains[k])
        return known.get(k, 0)

    def ok(a, b, bound):
        if bound:
            return sum(value(k, 1) for k in a) - sum(value(k, -1) for k in b) >= 0
        return sum(value(k) for k in a) == sum(value(k) for k in b)

    def search(i: int) -> bool:
        nonlocal nodes
        if i == len(order):
            for k in order:
                seen[k].add(trial[k])
            return True
        for v in values[i]:
            nodes += 1
            if nodes > MAX_NODES:
                return False
            trial[order[i]] = v
            if all(ok(a, b, bound) for a, b, bound in checks.get(i, ())):
                if not search(i + 1) and nodes > MAX_NODES:
                    return False
        del trial[order[i]]
        return True

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, len(order) + 100))
    try:
        search(0)
    finally:
        sys.setrecursionlimit(limit)
    if nodes > MAX_NODES:
        return None
    return {k: v for k, v in seen.items() if v}


def _fits_reading(table: str, key, cell, value) -> bool:
    """Whether the ink of an OCR'd cell could print `value`: one of its readings; 0 for a cell with no ink; any
    number for ink that read as no number at all; or its first reading, read as digits, with one digit changed (1388
    for 1288, 1 for 7: a blurred digit misread), never a number of another length."""
    if not cell.ink:
        return value == 0
    if value in _candidates(table, key[1], cell):
        return True
    text = str(cell.text or "").strip()
    if not text or text == UNREADABLE:
        return True
    if not text.isdigit() or isinstance(value, float):
        return False  # a mark read as a blank (a slash, a dash) prints no digit; amounts are not guessed at
    b = str(value)
    return len(text) == len(b) and sum(x != y for x, y in zip(text, b)) == 1


def _could_print(res, table: str, key, value) -> bool:
    """Whether what was read for a cell could print `value`: an OCR'd cell's ink (_fits_reading); a cell of a row
    whose numbers could not be placed in its columns (too few, too many: its cells hold the row's text, `12 | 3 |
    15`), one of the numbers the row printed, or 0 where it printed fewer numbers than it has cells (blank cells)."""
    if key in res.ocr:
        return _fits_reading(table, key, res.ocr[key], value)
    entry = res.cells.get(key[0], {}).get(key[1]) or {}
    if entry.get("source") != "ocr" or not str(entry.get("raw") or "").strip():
        return False  # a cell nothing was read for: no value is taken from the sums alone
    parts = [part.strip() for part in str(entry["raw"]).split("|") if part.strip()]
    printed = [parse_value(part, schema.value_kind(table, key[1])) for part in parts]
    return value in printed or (value == 0 and len(parts) < len(res.cells[key[0]]))


def _take(res, key, value, min_confidence: float, why: str) -> None:
    row, col = key
    res.rows[row][col] = value
    entry = res.cells[row][col]
    read_confidence = (res.ocr[key].confidence or 0.0) if key in res.ocr else 0.0
    entry["confidence"] = round(max(min_confidence, read_confidence), 4)
    entry["checked"] = "sums"
    res.notes.append(f"{row}.{col}: OCR read {entry.get('raw')!r}; {why}")


def _left_nothing_by(a: list, b: list, is_open, value) -> list:
    """The open cells of the sum Σa = Σb when they are all on one side of it and its other cells (`value`) leave
    nothing for them: each is 0, none being below 0. [] otherwise."""
    open_a, open_b = [k for k in a if is_open(k)], [k for k in b if is_open(k)]
    if bool(open_a) == bool(open_b):
        return []
    left = sum(value(k) for k in a if not is_open(k))
    right = sum(value(k) for k in b if not is_open(k))
    return (open_a or open_b) if left == right else []


def _could_be_0(res, table: str, key) -> bool:
    """Whether an OCR'd cell's ink could print a 0 (_fits_reading); a cell not OCR'd is never taken as 0 here."""
    return key in res.ocr and _fits_reading(table, key, res.ocr[key], 0)


def _first_readings(res, table: str, eqs) -> dict:
    """The first readings of the null OCR'd cells of the sums, where they read as a number (0 where no ink was
    found): {(row, column): value}."""
    out = {}
    for _, a, b in eqs:
        for key in a + b:
            if res.rows[key[0]][key[1]] is None and key in res.ocr and key not in out:
                v = _top_reading(table, key[1], res.ocr[key]) if res.ocr[key].ink else 0
                if v is not None:
                    out[key] = v
    return out


def _zeros_by_sums(res, table: str, eqs, min_confidence: float) -> int:
    """The null cells on one side of a sum whose known cells leave nothing for them: counts are never below 0, so
    each is 0 (a column whose total reads 0 and whose faint cells read as nothing), when the ink of each could
    print a 0; where one could not (it reads 5), something in the sum is misread and none is taken."""
    rows = res.rows
    taken = 0
    for _, a, b in eqs:
        zeros = _left_nothing_by(a, b, lambda k: rows[k[0]][k[1]] is None, lambda k: rows[k[0]][k[1]])
        if not all(_could_be_0(res, table, k) for k in zeros):
            continue
        for key in zeros:
            _take(res, key, 0, min_confidence, "the sum's other cells leave nothing for it: 0")
            taken += 1
    return taken


def _readings_held_twice(res, table: str, eqs, min_confidence: float) -> int:
    """The null cells whose own first reading (0 where no ink was found) makes two sums hold, every other cell of
    both known or read as a number (its first reading): each is taken as read. A misread cell would need its misreading cancelled out in
    its row and in its column at once. Returns how many were taken."""
    rows = res.rows
    read = _first_readings(res, table, eqs)

    def value(r, c):
        v = rows[r][c]
        return read.get((r, c)) if v is None else v

    holding: dict = {}
    for rule, a, b in eqs:
        if holds((rule, a, b), value):
            for key in a + b:
                holding[key] = holding.get(key, 0) + 1
    taken = 0
    for key, v in read.items():
        if holding.get(key, 0) >= 2:
            _take(res, key, v, min_confidence, "its reading makes two sums hold")
            taken += 1
    return taken


def _solve_twice(res, table: str, eqs, min_confidence: float) -> int:
    """The null cells the sums fix twice over. The null cells of the table are unknowns of the linear system the
    sums make over them (the other cells known); a group of them tied by sums is solved only when the system is
    consistent, and a cell takes its value only when that value is a whole number ≥ 0 that what was read for it
    could print (_could_print) and that the sums still fix after any one of them is dropped: every value rests on two
    independent ways of adding the table up, so that a misread cell of one sum is caught by the other instead of
    passed on (a row whose 1388 broke its sums: its row gives 1288, and its column, with the 447 its own row
    gives, says the same)."""
    rows = res.rows
    unknown = sorted({k for _, a, b in eqs for k in a + b if rows[k[0]][k[1]] is None})
    taken = 0
    pairs = [(a, b) for _, a, b in eqs]
    for group in _groups(unknown, pairs):
        held = [(a, b) for a, b in pairs if any(k in group for k in a + b)]
        matrix, target = _system(held, group, lambda k: rows[k[0]][k[1]])
        values, *_ = np.linalg.lstsq(matrix, target, rcond=None)
        if np.abs(matrix @ values - target).max(initial=0.0) > 1e-6 or not _feasible(matrix, target):
            continue  # the sums disagree with the known cells, counts ≥ 0: one of those is misread, none is solved
        fixed = np.ones(len(group), dtype=bool)  # fixed with any one sum dropped is fixed by them all
        for j in range(len(held)):
            fixed &= _fixed(np.delete(matrix, j, axis=0))
        for i, key in enumerate(group):
            value = round(float(values[i]))
            if not fixed[i] or abs(values[i] - value) > 1e-6 or value < 0:
                continue
            if key[1] not in res.cells.get(key[0], {}) or not _could_print(res, table, key, value):
                continue
            _take(res, key, value, min_confidence, f"two ways of adding the table up give {value}")
            taken += 1
    return taken


MAX_SUSPECTS = 8  # readings freed, one at a time, to find the misread cells that make a table's sums disagree


def _system(held: list, free: list, value):
    """The sums `held` as a linear system over the cells `free`: (matrix, target), the other cells' values moved to
    the target side (`value(cell)`)."""
    index = {k: i for i, k in enumerate(free)}
    matrix = np.zeros((len(held), len(free)))
    target = np.zeros(len(held))
    for j, (a, b) in enumerate(held):
        for side, sign in ((a, 1.0), (b, -1.0)):
            for k in side:
                if k in index:
                    matrix[j, index[k]] += sign
                else:
                    target[j] -= sign * value(k)
    return matrix, target


def _residual(held: list, free: list, value) -> float:
    """How far the sums are from holding over the cells `free`, the others as `value` gives them (0: consistent)."""
    matrix, target = _system(held, free, value)
    if not free:
        return float(np.abs(target).max(initial=0.0))
    solution, *_ = np.linalg.lstsq(matrix, target, rcond=None)
    return float(np.abs(matrix @ solution - target).max(initial=0.0))


def _readings_checked_twice(res, table: str, eqs, min_confidence: float) -> int:
    """The null cells whose own first reading the sums check twice over. Every null cell's first reading (0 where no
    ink was found) is put to the sums, the cells read as no number left unknown; where the sums then disagree, the
    readings whose freeing brings them closest to agreeing are freed one at a time (up to MAX_SUSPECTS: the
    misread cells, to be solved for afterwards), until they agree. A reading is then taken as read only when the
    sums, every other freed cell unknown, would still fix its cell after any one of them is dropped: were it
    misread, two independent ways of adding the table up would each disagree with it. A table whose sums cannot be
    brought to agree takes nothing. Returns how many were taken."""
    rows = res.rows
    null = sorted({k for _, a, b in eqs for k in a + b if rows[k[0]][k[1]] is None})
    reading = _first_readings(res, table, eqs)
    if not reading:
        return 0
    pairs = [(a, b) for _, a, b in eqs]
    taken = 0
    for group in _groups(null, pairs):
        held = [(a, b) for a, b in pairs if any(k in group for k in a + b)]
        free = [k for k in group if k not in reading]
        suspects: list = []

        def value(k):
            v = rows[k[0]][k[1]]
            return reading[k] if v is None else v

        before = set(reading)
        _zeros_left_by_readings(held, free, reading, value, lambda k: _could_be_0(res, table, k))
        left_zero = set(reading) - before
        read = [k for k in group if k in reading]
        free = [k for k in group if k not in reading]
        gap = _residual(held, free, value)
        while gap > 1e-6 and len(suspects) < MAX_SUSPECTS:
            trials = {k: _residual(held, free + suspects + [k], value) for k in read if k not in suspects}
            if not trials:
                break
            best = min(trials, key=lambda k: (trials[k], k))
            if trials[best] >= gap - 1e-6:
                break
            suspects.append(best)
            gap = trials[best]
        unknown, target = _system(held, free + suspects, value)
        if gap > 1e-6 or not _feasible(unknown, target):
            continue  # the readings cannot all be right, however the freed cells are read: nothing is taken
        kept = [k for k in read if k not in suspects]
        cells, _ = _system(held, kept, lambda k: 0)
        for key, checked in zip(kept, _fixed_beside(unknown, cells)):
            if checked:
                why = "the sums leave it 0" if key in left_zero else "its reading"
                _take(res, key, reading[key], min_confidence, f"{why}, checked by two ways of adding the table up")
                taken += 1
    return taken


def _zeros_left_by_readings(held: list, free: list, reading: dict, value, could_be_0) -> None:
    """Put 0 in `reading`, in place, for the cells of `free` on one side of a sum whose other cells (known, or as
    read) leave nothing for them (counts are never below 0): a reading like the others, checked as they are."""
    changed = True
    while changed:
        changed = False
        for a, b in held:
            zeros = _left_nothing_by(a, b, lambda k: k in free and k not in reading, value)
            if zeros and all(could_be_0(k) for k in zeros):
                reading.update({k: 0 for k in zeros})
                changed = True


def _feasible(matrix, target) -> bool:
    """Whether the sums `matrix` · x = target can hold with every unknown a count (x ≥ 0): a linear program with
    nothing to minimise (scipy's HiGHS). Solving for the unknowns alone would let one go below 0 to make up for a
    misread cell (a slash read as 1 beside a row whose cells could not be placed)."""
    from scipy.optimize import linprog

    if not matrix.shape[1]:
        return bool(np.abs(target).max(initial=0.0) < 1e-6)
    found = linprog(np.zeros(matrix.shape[1]), A_eq=matrix, b_eq=target, bounds=(0, None), method="highs")
    return found.status == 0


def _fixed_beside(unknown, cells) -> list[bool]:
    """For each column of `cells` (a cell of the sums, as a column of their matrix), whether the sums fix that cell
    beside the unknowns `unknown` (their matrix columns) even with any one sum dropped: the cell's column, with that
    sum's row left out, is outside the span of the unknowns' columns (no change of the unknowns makes up for a change
    in the cell)."""
    out = np.ones(cells.shape[1], dtype=bool)
    for j in range(cells.shape[0]):
        part, rest = np.delete(unknown, j, axis=0), np.delete(cells, j, axis=0)
        if part.shape[1]:
            basis, singular, _ = np.linalg.svd(part, full_matrices=False)
            basis = basis[:, singular > 1e-9 * max(1.0, singular.max(initial=0.0))]
            rest = rest - basis @ (basis.T @ rest)
        out &= np.abs(rest).max(axis=0, initial=0.0) > 1e-9
    return out.tolist() if cells.shape[0] else [False] * cells.shape[1]


def _fixed(matrix):
    """For each unknown of the system `matrix` · x = b, whether every solution gives it the same value (it has no
    part in the matrix's null space)."""
    if matrix.shape[0] == 0:
        return np.zeros(matrix.shape[1], dtype=bool)
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
    null = vt[rank:]
    return np.all(np.abs(null) < 1e-9, axis=0)
