"""Numbers read from pixels are taken only when they are sure, or when the table's own sums confirm them.

A cell of a table read by OCR (readers/ocr.py) comes with its reading's confidence and the next most likely
readings. After the table is built:

1. A cell is doubtful when its reading is less sure than `min_confidence`, or when it holds ink that reads as no
   number. Its candidates are the numbers among its readings.
2. The table's sums (checks.equations: table 3's balance, total row and total column, table 4's totals) choose
   among the candidates: an equation whose other cells are all known fixes its one doubtful cell when the value it
   needs is one of that cell's readings; what is left is searched as a whole, and a group of doubtful cells is
   taken only when exactly one combination of their readings makes every sum hold.
3. A doubtful cell the sums do not settle is null, its printed reading kept as `raw`: never a guess. A table
   without sums (主动公开) has nothing to confirm a doubtful cell, so it is null, and its cells must be read with
   the higher confidence `unchecked` to count as sure.
4. A sum that still fails over cells read by OCR: its cells that are not `very_sure` are null (one of them is
   misread, and which one cannot be told); when every cell of it is very sure, the numbers are kept as printed and
   the check reports the failure (reports do print sums that do not add up).

Every OCR'd cell says `source: "ocr"` and its confidence; a cell the sums settled says `checked: "sums"`.
"""
from __future__ import annotations


from .. import schema
from .cells import UNREADABLE, parse_value
from .sums import equations

MAX_COMBINATIONS = 20_000  # readings a sum may combine when it narrows the readings of its cells


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


def verify_ocr_table(res, table: str, template: str, min_confidence: float = 0.9,
                     very_sure: float = 0.98, unchecked: float = 0.95) -> None:
    """Check the OCR'd cells of one built table (tables.TableResult) in place. `unchecked`: the confidence a cell
    that no sum covers (主动公开) must have to be taken as read."""
    if not res.ocr or res.status != "found":
        return
    rows = res.rows
    eqs = [(rule, a, b) for rule, a, b in equations(table, template)
           if all(r in rows and c in rows[r] for r, c in a + b)]
    covered = {k for _, a, b in eqs for k in a + b}
    doubtful = {}
    for key, cell in res.ocr.items():
        row, col = key
        if row not in rows or col not in rows[row]:
            continue
        least = min_confidence if key in covered else max(min_confidence, unchecked)
        if rows[row][col] is None or (cell.confidence or 0.0) < least:
            doubtful[key] = _candidates(table, col, cell)
    settled: dict = {}
    if doubtful:
        settled = _settle(rows, eqs, doubtful, {k: res.ocr[k].confidence or 0.0 for k in doubtful})
    for key, options in doubtful.items():
        row, col = key
        entry = res.cells[row][col]
        if key in settled:
            rows[row][col] = settled[key]
            entry["confidence"] = round(max(min_confidence, entry.get("confidence", 0.0)), 4)
            entry["checked"] = "sums"
        else:
            rows[row][col] = None
            entry["confidence"] = 0.0
            why = "no reading" if not options else ("not confirmed by the table's sums" if any(
                key in a + b for _, a, b in eqs) else "no sum to confirm it")
            res.notes.append(f"{row}.{col}: OCR read {entry.get('raw')!r} unsure; {why}: null")
    # sums that still fail over OCR'd cells: the unsure cells in them cannot be trusted
    for rule, a, b in eqs:
        cells = a + b
        values = [rows[r][c] for r, c in cells]
        if None in values or sum(values[:len(a)]) == sum(values[len(a):]):
            continue
        read = [(r, c) for r, c in cells if (r, c) in res.ocr]
        shaky = [(r, c) for r, c in read if (res.ocr[(r, c)].confidence or 0.0) < very_sure
                 or res.cells[r][c].get("checked") == "sums"]
        for r, c in shaky:
            rows[r][c] = None
            res.cells[r][c]["confidence"] = 0.0
            res.notes.append(f"{r}.{c}: OCR read {res.cells[r][c].get('raw')!r}, and {rule} fails over it: null")


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


def _narrow(domains: dict, usable: list, known: dict) -> set:
    """Strike out, in place, every reading that no choice of a sum's other cells could make hold, until nothing
    changes. Returns the open cells of a sum left with no possible reading (set() when none)."""
    changed = True
    while changed:
        changed = False
        for a, b in usable:
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
    return set()


def _settle(rows: dict, eqs, doubtful: dict, confidence: dict) -> dict:
    """The doubtful cells whose value the sums leave in exactly one way: {(row, column): value}.

    Each doubtful cell may take one of its readings. Every sum first strikes out the readings that no choice of
    its other cells could make hold (propagated until nothing changes); then, within each group of cells tied by
    sums, the remaining combinations are listed: a cell is settled when every combination that makes all its sums
    hold gives it the same value, and at least one does. A sum that no choice of readings can make hold leaves its
    unsure cells null, and the narrowing starts again without it. A group with no combination settles nothing, and so
    does a group with more cells read as probably wrong (confidence under 0.5) than sums that hold it: in a table
    read that badly, wrong readings could add up by chance."""
    known = {(r, c): v for r, cols in rows.items() for c, v in cols.items() if (r, c) not in doubtful}
    # unknown cells make their sums unusable: unreadable with no reading at all, or null for another reason
    unknown = {k for k, v in doubtful.items() if not v} | {k for k, v in known.items() if v is None}
    failed: set = set()  # cells of a sum that no choice of their readings can make hold: left null, and unknown
    while True:
        domains = {k: set(v) for k, v in doubtful.items() if v and k not in failed}
        usable = [(a, b) for _, a, b in eqs if any(k in domains for k in a + b)
                  and not any(k in unknown or k in failed for k in a + b)]
        broken = _narrow(domains, usable, known)
        if not broken:
            break
        failed |= broken  # narrowed again from the start without them: what they narrowed no longer holds
    settled: dict = {}
    held_cells = {k for a, b in usable for k in a + b}  # a cell no usable sum holds is never settled
    for group in _groups([k for k in domains if k in held_cells], usable):
        held = [(a, b) for a, b in usable if any(k in group for k in a + b)]
        if sum(1 for k in group if confidence.get(k, 0.0) < 0.5) > len(held):
            continue  # more cells read as probably wrong than sums to hold them: agreement could be a coincidence
        seen = _values_in_all_solutions(group, domains, held, known)
        if seen is None:
            continue  # too many combinations to list them all: nothing is settled
        for k, values in seen.items():
            if len(values) == 1:
                settled[k] = next(iter(values))
    return settled


MAX_NODES = 200_000  # steps of the search for the combinations that hold, per group of cells


def _values_in_all_solutions(group: list, domains: dict, held: list, known: dict) -> dict | None:
    """{cell: the set of values it takes} over every combination of readings that makes all `held` sums hold
    ({} when none does), or None when listing them would take more than MAX_NODES steps. A depth-first search:
    the cells with fewest readings first, each sum checked as soon as its last cell is chosen."""
    order = sorted(group, key=lambda k: (len(domains[k]), k))
    position = {k: i for i, k in enumerate(order)}
    # each sum is checked when the latest of its open cells is chosen
    checks: dict[int, list] = {}
    for a, b in held:
        last = max(position[k] for k in a + b if k in position)
        checks.setdefault(last, []).append((a, b))
    values = [sorted(domains[k]) for k in order]
    trial: dict = {}
    seen: dict = {k: set() for k in order}
    nodes = 0

    def value(k):
        return trial[k] if k in trial else known.get(k, 0)

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
            if all(sum(value(k) for k in a) == sum(value(k) for k in b) for a, b in checks.get(i, ())):
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

