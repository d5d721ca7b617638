"""The statutory tables' sums (勾稽关系), written once, as equations over canonical cells.

Every use of the sums derives from `equations`: the checks reported on each report (checks.py), the OCR guard that
lets the sums choose among a cell's readings (ocr_guard.py), the review app that re-checks them as a reviewer types,
and the table stage, which uses them to cut runs of digits, to rank copies of a row and to confirm rows placed by
their order (tables.py). The table stage often holds a row as a list of values in the template's column order, so
the equations that lie within one row are also given in that positional form (`row_sum_ranges`, `row_holds`).
"""

from __future__ import annotations

from functools import lru_cache

from .. import schema

APPLICANT_COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org"]
REVIEW_PARTS = ["upheld", "corrected", "other", "pending"]
REVIEW_ROWS = ("review", "litigation_direct", "litigation_after_review")
STOCK_ROWS = ("new_received", "carried_over", "total", "carried_forward")  # table 3's rows that are no outcome

CellId = tuple[str, str]  # (row, column)
Equation = tuple[str, list[CellId], list[CellId]]  # (rule, cells summed on one side, cells summed on the other)


def outcome_rows(template: str) -> list[str]:
    """Table 3's outcome rows (granted … other*), whose sum is the 总计 row."""
    return [r for r in schema.row_ids("requests", template) if r not in STOCK_ROWS]


@lru_cache(maxsize=None)
def _equations(table: str, template: str) -> tuple[Equation, ...]:
    out = []
    if table == "requests":
        outcome = outcome_rows(template)
        for col in schema.fields()["tables"]["requests"]["columns"]:
            out.append(
                (
                    "requests.balance",
                    [("new_received", col), ("carried_over", col)],
                    [("total", col), ("carried_forward", col)],
                )
            )
            out.append(("requests.total_row", [("total", col)], [(r, col) for r in outcome]))
        for row in schema.row_ids("requests", template):
            out.append(("requests.total_column", [(row, "total")], [(row, c) for c in APPLICANT_COLUMNS]))
    elif table == "review_litigation":
        for row in schema.row_ids("review_litigation", template):
            out.append(("review_litigation.total", [(row, "total")], [(row, c) for c in REVIEW_PARTS]))
    return tuple(out)


def equations(table: str, template: str) -> list[Equation]:
    """The rules of a table as equations (rule, expected cells, found cells): the sum of the first cells must equal
    the sum of the second. Table 3: for every column, new + carried over = total + carried forward
    (requests.balance) and total = every outcome row (requests.total_row); for every row, total = the six applicant
    columns (requests.total_column). Table 4: for every row, total = the four results. Table 2 has none."""
    return [(rule, list(a), list(b)) for rule, a, b in _equations(table, template)]


def holds(equation: Equation, value) -> bool | None:
    """Whether the equation holds, `value(row, column)` giving each cell; None when a cell is unknown (None)."""
    _, a, b = equation
    left = [value(r, c) for r, c in a]
    right = [value(r, c) for r, c in b]
    if None in left or None in right:
        return None
    return sum(left) == sum(right)


# ---------------------------------------------------------------- within one row, by position


@lru_cache(maxsize=None)
def row_sum_ranges(table: str, rows: tuple[str, ...], template: str = "2021") -> tuple[tuple[int, int], ...]:
    """The sums that lie within the given rows, as (start, end) positions over the rows' columns laid end to end:
    cells start … end-2 add up to cell end-1 (table 3's row: ((0, 7),); table 4 printed as one row of 15: ((0, 5),
    (5, 10), (10, 15))). The form cells.split_run cuts a run of digits by."""
    columns = [(r, c) for r in rows for c in schema.column_ids(table, template, r)]
    position = {cell: k for k, cell in enumerate(columns)}
    out = []
    for _, expected, found in _equations(table, template):
        if len(expected) != 1 or not all(cell in position for cell in expected + found):
            continue
        parts = sorted(position[cell] for cell in found)
        total = position[expected[0]]
        if parts != list(range(parts[0], parts[0] + len(parts))) or total != parts[-1] + 1:
            raise ValueError(f"a sum of {table} is not printed as its parts followed by their total")
        out.append((parts[0], total + 1))
    return tuple(sorted(out))


def _row_ranges(table: str, length: int, template: str) -> list[tuple[int, int]]:
    """The positional sums of a row of `length` values of `table` (row_holds), none where no sum fits."""
    if table == "requests":
        if length != len(schema.column_ids(table, template, "total")):
            return []
        return list(row_sum_ranges(table, ("total",), template))
    if table == "review_litigation":
        width = len(schema.column_ids(table, template, REVIEW_ROWS[0]))
        if length % width:
            return []
        one = row_sum_ranges(table, REVIEW_ROWS[:1], template)
        return [(start + g * width, end + g * width) for g in range(length // width) for start, end in one]
    return []


def row_has_sums(table: str, length: int, template: str = "2021") -> bool:
    """Whether a row of `length` values of `table` has a sum of its own to check (row_holds): a row of 主动公开,
    or of a length no sum fits, has none, and holds whatever its values."""
    return bool(_row_ranges(table, length, template))


def row_holds(table: str, values: list, template: str = "2021") -> bool:
    """A row's own sums, on its values in the template's order (table 3: 总计 = the six applicants; table 4: each
    总计 = its four results, for one row or for its rows printed end to end as one row of 15). A value that is
    unknown makes them fail; a row of a table without sums (主动公开), or of a length no sum fits, holds."""
    ranges = _row_ranges(table, len(values), template)
    if not ranges:
        return True
    if None in values:
        return False
    return all(values[end - 1] == sum(values[start : end - 1]) for start, end in ranges)


# ---------------------------------------------------------------- across rows, on the rows known so far


@lru_cache(maxsize=None)
def _positional(table: str, template: str) -> tuple:
    """The equations with each cell as (row, its column's position in the row): (rule, rows, a, b)."""
    out = []
    for rule, a, b in _equations(table, template):

        def at(cells):
            return tuple((r, schema.column_ids(table, template, r).index(c)) for r, c in cells)

        out.append((rule, frozenset(r for r, _ in a + b), at(a), at(b)))
    return tuple(out)


def grid_holds(table: str, template: str, grid: dict, rules: tuple[str, ...] | None = None) -> bool:
    """Every equation (of `rules`, or all) whose rows are all in `grid` holds; `grid` maps a row to its values in
    the template's column order (a partial table: rows not yet known are left out, and their equations wait)."""
    for rule, rows, a, b in _positional(table, template):
        if rules is not None and rule not in rules or not rows.issubset(grid):
            continue
        if sum(grid[r][k] for r, k in a) != sum(grid[r][k] for r, k in b):
            return False
    return True


def checkable(table: str, template: str, grid: dict, rules: tuple[str, ...]) -> bool:
    """Every equation of `rules` has all its rows in `grid` (so grid_holds has checked them all)."""
    return all(r in grid for rule, a, b in _equations(table, template) if rule in rules for r, _ in a + b)
