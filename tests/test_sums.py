"""The tables' sums are written once (extraction/sums.py); every positional form the table stage uses is derived
from those equations and agrees with them."""

import random

from pipeline import schema
from pipeline.extraction import sums
from pipeline.extraction.cells import split_run


def test_every_rule_of_fields_json_has_equations_and_no_other_rule_exists():
    rules = {r["id"] for r in schema.fields()["consistency_rules"]}
    written = {rule for table in schema.TABLES for tpl in schema.TEMPLATES for rule, _, _ in sums.equations(table, tpl)}
    assert written == rules


def test_every_equation_names_cells_of_its_template():
    for table in schema.TABLES:
        for tpl in schema.TEMPLATES:
            for rule, a, b in sums.equations(table, tpl):
                for row, col in a + b:
                    assert col in schema.column_ids(table, tpl, row), (rule, row, col)


def test_row_ranges_are_derived_from_the_equations():
    assert sums.row_sum_ranges("requests", ("granted",), "2021") == ((0, 7),)
    assert sums.row_sum_ranges("review_litigation", ("review",)) == ((0, 5),)
    assert sums.row_sum_ranges("review_litigation", sums.REVIEW_ROWS) == ((0, 5), (5, 10), (10, 15))
    assert sums.row_sum_ranges("active_disclosure", ("rules",), "2021") == ()


def _table3(rng, template):
    """A random table 3 whose every sum holds: outcome rows drawn, 总计 their sum, the stock rows balanced."""
    cols = schema.column_ids("requests", template, "total")
    rows = {}
    for r in sums.outcome_rows(template):
        six = [rng.randint(0, 9) for _ in range(6)]
        rows[r] = six + [sum(six)]
    total = [sum(rows[r][k] for r in sums.outcome_rows(template)) for k in range(7)]
    rows["total"] = total
    carried = [rng.randint(0, min(3, t)) for t in total[:6]]
    carried.append(sum(carried))
    forward = [rng.randint(0, 2) for _ in range(6)]
    forward.append(sum(forward))
    rows["carried_over"] = carried
    rows["carried_forward"] = forward
    rows["new_received"] = [t + f - c for t, f, c in zip(total, forward, carried)]
    return cols, rows


def test_grid_holds_agrees_with_the_equations_on_whole_and_broken_tables():
    rng = random.Random(3)
    for template in schema.TEMPLATES:
        cols, rows = _table3(rng, template)
        value = lambda r, c: rows[r][cols.index(c)]  # noqa: E731
        assert all(sums.holds(eq, value) for eq in sums.equations("requests", template))
        assert sums.grid_holds("requests", template, rows)
        broken = {r: list(v) for r, v in rows.items()}
        broken["granted"][0] += 1  # breaks its row's total and its column's total row
        assert not sums.grid_holds("requests", template, broken)
        assert not sums.row_holds("requests", broken["granted"], template)
        # a partial table: only the equations whose rows are all known are checked
        partial = {r: v for r, v in broken.items() if r != "total"}
        assert sums.grid_holds("requests", template, partial, ("requests.total_row",))
        assert not sums.checkable("requests", template, partial, ("requests.total_row",))


def test_row_holds_fails_on_an_unknown_cell_and_checks_table_4_in_groups_of_five():
    assert sums.row_holds("review_litigation", [1, 2, 0, 0, 3])
    assert not sums.row_holds("review_litigation", [1, None, 0, 0, 1])
    assert sums.row_holds("review_litigation", [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 2, 0, 0, 4])
    assert not sums.row_holds("review_litigation", [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 2, 0, 0, 5])
    assert sums.row_holds("active_disclosure", [3, None, 5])  # no sums to break


def test_a_run_is_cut_along_the_derived_row_sums():
    ranges = sums.row_sum_ranges("requests", ("total",), "2021")
    cuts = split_run("120300015", 7, sums=list(ranges))
    assert cuts and all(c[6] == sum(c[:6]) for c in cuts)
    assert [12, 0, 3, 0, 0, 0, 15] in cuts


def test_a_check_over_an_unreadable_cell_fails_when_the_cells_read_already_overshoot():
    from pipeline.extraction.checks import table_checks

    row = lambda *v: dict(zip(["upheld", "corrected", "other", "pending", "total"], v))  # noqa: E731
    tables = {
        "review_litigation": {
            "status": "found",
            "rows": {
                "review": row(7, 5, None, 0, 10),
                "litigation_direct": row(1, None, 0, 0, 3),
                "litigation_after_review": row(0, 0, 0, 0, 0),
            },
        }
    }
    checks = {c["cells"][0].split(".")[1]: c for c in table_checks(tables, "2021")}
    assert checks["review"]["ok"] is False and checks["review"]["expected"] == 10 and checks["review"]["found"] == 12
    assert checks["review"]["unreadable"] == ["review_litigation.review.other"]
    assert checks["litigation_direct"]["ok"] is None and "skipped" in checks["litigation_direct"]  # 1 ≤ 3: may hold
    assert checks["litigation_after_review"]["ok"] is True


def test_runs_cut_several_ways_keep_only_the_cells_every_reading_agrees_on():
    """resolve_runs: a table 3 row whose digits the sums leave two readings of keeps the cells both readings give
    and leaves the others null (confidence 0) with a note; a row with one reading is cut as before."""
    from pipeline.extraction.records import RowRecord
    from pipeline.extraction.table_rules import resolve_runs
    from pipeline.extraction.values import TableResult

    res = TableResult("requests")
    columns = schema.column_ids("requests", "2021", "denied.state_secret")
    pending = {}
    for row, run, readings in (
        ("denied.state_secret", "0110000011", [[0, 11, 0, 0, 0, 0, 11], [0, 1, 10, 0, 0, 0, 11]]),
        ("denied.third_party", "2000002", [[2, 0, 0, 0, 0, 0, 2]]),
    ):
        res.rows[row] = {c: None for c in columns}
        res.cells[row] = {c: {"raw": None, "confidence": 0.0} for c in columns}
        pending[row] = (RowRecord([row], [run], run=True), 1.0, readings)
    resolve_runs(res, "requests", "2021", pending)
    assert list(res.rows["denied.state_secret"].values()) == [0, None, None, 0, 0, 0, 11]
    assert list(res.rows["denied.third_party"].values()) == [2, 0, 0, 0, 0, 0, 2]
    assert res.cells["denied.state_secret"][columns[1]]["confidence"] == 0.0
    assert res.cells["denied.state_secret"][columns[0]]["confidence"] > 0.0
    assert any(n.startswith("row denied.state_secret:") and "2 readings" in n for n in res.notes), res.notes
