"""Property tests (hypothesis) of the text and table parsers: arbitrary input never crashes or hangs them, and a
random table 3 printed as tab text, pipe text or HTML inside a minimal report comes back number for number."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from pipeline import schema
from pipeline.extraction.cells import is_blank, looks_numeric, normalise, parse_value, split_run
from pipeline.document import Cell, ReadError, TableTooLarge, expand_spans, span_origins
from pipeline.readers.encoding import decode_bytes
from pipeline.readers.html import parse_html
from pipeline.readers.text import parse_text, read_text, split_heading, split_long_line
from pipeline.extraction.build import build_table
from pipeline.extraction.records import records_from_grid
from pipeline.extraction.text_records import records_from_text

SECONDS = 20  # any one example; the parsers take milliseconds, so this only catches a hang
# database=None: nothing is written into the checkout (.hypothesis/)
FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def within(seconds: int = SECONDS):
    """Fail (instead of blocking the run) when the body takes longer than `seconds`."""

    def expire(signum, frame):
        raise TimeoutError(f"took more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Text as reports and crawlers print it: CJK, digits, numbering, table separators, blanks and control characters.
PIECES = [
    "一、",
    "二、",
    "十一、",
    "（三）",
    "1.",
    "总体情况",
    "主动公开政府信息情况",
    "申请",
    "情况",
    "第二十条",
    "本年新收政府信息公开申请数量",
    "行政复议",
    "结果维持",
    "总计",
    "件",
    "万元",
    "元",
    "。",
    "，",
    "：",
    "、",
    "|",
    " | ",
    "||",
    "---",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " ",
    "  ",
    "\u3000",
    "\u00a0",
    "\x00",
    "\x0b",
    "\x1b",
    "\u200b",
    "\ufeff",
    "+",
    "-",
    "—",
    "/",
    "0",
    "12",
    "1,234",
    "3.5",
    "640020470",
    "77132470",
    "<",
    ">",
    "&",
    "&nbsp;",
    "<td>",
    "</tr>",
    "<table>",
    "<br>",
    "(cid:12)",
]
report_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=120).map("".join)
cell_text = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "12",
            "+5",
            "-3",
            "—",
            "/",
            "无",
            "1,234",
            "12件",
            "3.5万元",
            "20000元",
            "增加3",
            "减少2",
            "规章",
            "（三）不予公开",
            "1.属于国家秘密",
            "总计",
            "自然人",
            "x",
        ]
    ),
    st.text(max_size=6),
)


def _check_document(doc) -> None:
    for b in doc.blocks:
        assert b.kind in ("text", "table")
        if b.kind == "text":
            assert b.text.strip(), b
        else:
            assert b.rows and all(isinstance(c, Cell) for r in b.rows for c in r)


@FAST
@given(report_text)
def test_text_reader_never_crashes_or_hangs(text):
    with within():
        doc = parse_text(text, "x.txt")
        _check_document(doc)
        for line in text.splitlines():
            assert all(p.strip() for p in split_long_line(line.strip()))
            assert split_heading(line)


@FAST
@given(st.binary(max_size=3000))
def test_bytes_either_decode_or_raise_a_read_error(data):
    with within():
        try:
            text = decode_bytes(data, "x.txt", notes=[])
        except ReadError as e:
            assert "\n" not in str(e)
        else:
            assert isinstance(text, str)
        try:
            _check_document(read_text("x.txt", data))
        except ReadError as e:
            assert "\n" not in str(e)


@FAST
@given(report_text)
def test_text_in_other_encodings_reads_the_same(text):
    text = text.replace("\x00", "").replace("\ufeff", "")
    assume(text.strip())
    for enc in ("utf-8-sig", "utf-16"):
        with within():
            try:
                data = text.encode(enc)
            except UnicodeEncodeError:  # lone surrogates from st.text
                continue
            assert decode_bytes(data, "x.txt") == text


@FAST
@given(report_text)
def test_html_parser_never_crashes_or_hangs(text):
    with within():
        _check_document(parse_html(text, "x.html"))
        _check_document(
            parse_html(f"<html><body><table><tr><td>{text}</td><td>1</td></tr></table>{text}</body></html>", "x.html")
        )


@FAST
@given(cell_text, st.sampled_from(["count", "signed", "money"]))
def test_parse_value_gives_a_number_or_none(raw, kind):
    v = parse_value(raw, kind)
    assert v is None or isinstance(v, (int, float))
    if kind == "count" and v is not None:
        assert isinstance(v, int) and v >= 0
    assert isinstance(normalise(raw), str)
    if is_blank(raw):
        assert v == 0
    looks_numeric(raw)


@FAST
@given(st.integers(0, 10**12 - 1))
def test_parse_value_reads_printed_counts_back(n):
    assert parse_value(str(n)) == n
    assert parse_value(f"{n:,}") == n
    assert parse_value(f" {n}件 ") == n
    assert parse_value(f"+{n}", "signed") == n and parse_value(f"-{n}", "signed") == -n
    assert parse_value(f"{n}", "money") == n
    assert parse_value(f"{n}元", "money") == pytest.approx(n / 10000)


@FAST
@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=150), min_size=1, max_size=4), st.integers(1, 15))
def test_split_run_cuts_are_exact_and_bounded(pieces, k):
    run = " ".join(pieces)
    with within():
        cands = split_run(run, k)
    if cands is None:
        return  # too many readings to consider: the caller leaves the row unreadable
    for c in cands:
        assert len(c) == k and all(isinstance(v, int) and v >= 0 for v in c)
        assert "".join(map(str, c)) == "".join(pieces)  # the digits, in order, none lost or invented
    assert len({tuple(c) for c in cands}) == len(cands)


def _every_reading(run: str, k: int, sums) -> list[list[int]]:
    """All cuts of the run into k cells, filtered afterwards: the definition split_run must agree with."""
    import itertools

    pieces = run.split()
    digits = "".join(pieces)
    stops, at = set(), 0
    for p in pieces[:-1]:
        at += len(p)
        stops.add(at)
    out = []
    for cuts in itertools.combinations(range(1, len(digits)), k - 1):
        if not stops <= set(cuts):
            continue
        bounds = [0, *cuts, len(digits)]
        texts = [digits[bounds[i] : bounds[i + 1]] for i in range(k)]
        if any(len(t) > 9 or (len(t) > 1 and t[0] == "0") for t in texts):
            continue
        values = [int(t) for t in texts]
        if all(values[e - 1] == sum(values[s : e - 1]) for s, e in sums):
            out.append(values)
    return out


ROW_SUMS = {5: [(0, 5)], 7: [(0, 7)], 15: [(0, 5), (5, 10), (10, 15)]}


@FAST
@given(st.sampled_from([5, 7, 15]), st.data())
def test_split_run_with_row_sums_lists_exactly_the_readings_that_obey_them(k, data):
    """The pruned search of split_run against the plain definition, on rows made to obey their sums (the digits
    run together, a space left here and there) and on arbitrary digits."""
    sums = ROW_SUMS[k]
    if data.draw(st.booleans()):
        values = []
        for s, e in sums:
            part = data.draw(
                st.lists(st.sampled_from([0, 0, 1, 2, 5, 13, 120, 7]), min_size=e - s - 1, max_size=e - s - 1)
            )
            values += part + [sum(part)]
        run = "".join(map(str, values))
    else:
        run = data.draw(st.text(alphabet="0123456789", min_size=k, max_size=k + 8))
    cut = data.draw(st.integers(0, len(run)))
    if 0 < cut < len(run):
        run = run[:cut] + " " + run[cut:]
    assume(len(run.replace(" ", "")) <= 22)
    with within():
        got = split_run(run, k, sums=sums)
    assert got is not None and sorted(got) == sorted(_every_reading(run, k, sums))


spans = st.integers(1, 4)
grid = st.lists(st.lists(st.builds(Cell, cell_text, spans, spans), min_size=0, max_size=8), min_size=1, max_size=12)


@FAST
@given(grid)
def test_span_expansion_and_grid_records_never_crash(rows):
    with within():
        dense = expand_spans(rows)
        assert len(dense) == len(rows) and len({len(r) for r in dense}) <= 1
        origins = span_origins(rows)
        assert all(0 <= r < len(rows) for r, _ in origins)  # a rowspan stops at the last row
        for rec in records_from_grid(rows, 0, None, 3):
            assert isinstance(rec.values, list)


@FAST
@given(st.integers(1, 3000), st.integers(1, 3000))
def test_span_bombs_are_refused_not_expanded(rowspan, colspan):
    rows = [[Cell("a", rowspan, colspan), Cell("b")] for _ in range(40)]
    with within(5):
        try:
            dense = expand_spans(rows)
        except TableTooLarge:
            return
        assert len(dense) == 40


@FAST
@given(report_text, st.sampled_from([2, 3, 4, None]))
def test_text_records_never_crash(text, section):
    with within():
        for rec in records_from_text(text, 0, None, section):
            assert rec.values and all(isinstance(v, str) for v in rec.values)


@FAST
@given(
    st.lists(
        st.tuples(st.lists(cell_text, min_size=1, max_size=3), st.lists(cell_text, max_size=16)),
        min_size=1,
        max_size=20,
    ),
    st.lists(
        st.tuples(
            st.sampled_from(
                ["requests:" + r for r in schema.all_rows("requests")]
                + [
                    "review_litigation:review",
                    "review_litigation:litigation_direct",
                    "active_disclosure:rules",
                    "active_disclosure:licensing",
                    "extra",
                    "header",
                    "none",
                ]
            ),
            st.floats(0, 1),
        ),
        min_size=20,
        max_size=20,
    ),
    st.sampled_from(["2019", "2021"]),
)
def test_table_builder_never_crashes_on_any_records(rows, predictions, template):
    records = []
    for k, (labels, values) in enumerate(rows):
        records += records_from_grid([[Cell(t) for t in labels + values]], k, None, (2, 3, 4)[k % 3])
    preds = predictions[: len(records)] + [("none", 0.0)] * max(0, len(records) - len(predictions))
    with within():
        for table in schema.TABLES:
            res = build_table(table, template, records, preds)
            assert res.status in ("found", "missing")
            if res.status == "missing":
                assert res.rows == {}
            for row, cols in res.rows.items():
                for col, v in cols.items():
                    assert v is None or isinstance(v, (int, float)), (row, col, v)


# ------------------------------------------------------------------------------------------------ round trip

ROWS_2021 = schema.row_ids("requests", "2021")
COLUMNS = list(schema.fields()["tables"]["requests"]["columns"])
HEADER = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
HEADINGS = [schema.section_titles()[i] for i in range(1, 7)]
_MODELS = []


def _models():
    if not _MODELS:
        from pipeline.extraction.models import load_models

        _MODELS.append(load_models(str(ROOT / "models")))
    return _MODELS[0]


def _label_cells(row: str) -> list[str]:
    """The official label of a table-3 row (fields.json) as the table prints it: one cell per level."""
    return schema.row_label("requests", row).split("／")


def _render(values: dict[str, list[int]], layout: str) -> str:
    rows = [[*_label_cells(r), *map(str, values[r])] for r in ROWS_2021]
    if layout == "html":
        head = '<tr><td colspan="3">申请人情况</td>' + "".join(f"<td>{h}</td>" for h in HEADER) + "</tr>"
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        return f'<table border="1">{head}{body}</table>'
    if layout == "pipe":
        return "\n".join(" | ".join(r) + " |" for r in [["申请人情况", *HEADER], *rows])
    return "\n\n".join("\n".join("\t" + c for c in r) for r in [["申请人情况", *HEADER], *rows])


def _report(values: dict[str, list[int]], layout: str) -> tuple[str, str]:
    """A minimal 2023 report: title, six headings with prose, table 3 under heading 3."""
    prose = {
        1: "2023年，本县扎实推进政务公开工作。",
        2: "本年度主动公开政府信息情况如下。",
        3: "本年度收到和处理政府信息公开申请情况见下表。",
        4: "本年度未发生政府信息公开行政复议、行政诉讼案件。",
        5: "存在的问题是公开质量有待提升，下一步将加强培训。",
        6: "本年度未收取信息处理费。",
    }
    table = _render(values, layout)
    if layout == "html":
        parts = [f"<p>{h}</p><p>{prose[i]}</p>" + (table if i == 3 else "") for i, h in enumerate(HEADINGS, 1)]
        return (
            f'<html><head><meta charset="utf-8"></head><body><h1>示例县2023年政府信息公开工作年度报告</h1>'
            f"{''.join(parts)}</body></html>"
        ), "r.html"
    parts = [f"{h}\n{prose[i]}\n" + (f"\n{table}\n\n" if i == 3 else "") for i, h in enumerate(HEADINGS, 1)]
    return "示例县2023年政府信息公开工作年度报告\n" + "\n".join(parts), "r.txt"


table3 = st.fixed_dictionaries({r: st.lists(st.integers(0, 99999), min_size=7, max_size=7) for r in ROWS_2021})


@pytest.mark.parametrize("layout", ["tab", "pipe", "html"])
@SLOW
@given(values=table3)
def test_random_table3_round_trips_exactly(layout, values):
    from pipeline.batch.stages import predict_one

    text, name = _report(values, layout)
    doc = parse_html(text, name) if layout == "html" else parse_text(text, name)
    assert any(b.kind == "table" for b in doc.blocks)
    with within(60):
        report = predict_one(doc, _models())
    assert report["meta"]["template"] == "2021"
    assert [s["heading"] for s in report["sections"]] == HEADINGS
    table = report["tables"]["requests"]
    assert table["status"] == "found"
    got = {r: [table["rows"][r][c] for c in COLUMNS] for r in ROWS_2021}
    assert got == values
    for name_ in ("active_disclosure", "review_litigation"):
        assert report["tables"][name_]["status"] == "missing"  # not printed: never filled with zeros
