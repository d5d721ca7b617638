"""reports.db: written by the real export command from report JSONs of the real pipeline, opened by a real
`datasette serve`, which answers queries on its tables."""

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT
from pipeline.__main__ import main
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract

pytest.importorskip("datasette", reason="datasette is a dev extra (pip install -e .[dev])")
FILES = ["pingtan-2023.html", "pingtan-2023.txt", "qingtongxia-2020.txt", "pingtan-2021.html", "gejiu-2020.txt"]


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    base = tmp_path_factory.mktemp("db")
    inputs = [str(ROOT / "data" / "raw" / n) for n in FILES]
    (base / "broken-2024.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>\n")  # a file that cannot be read
    result = run_batch(inputs + [str(base / "broken-2024.pdf")], str(base / "reports"), Extract(models_dir=None))
    assert [e["file"] for e in result.errors] == [str(base / "broken-2024.pdf")]
    (base / "reports" / "broken.json").write_text("{not json", encoding="utf-8")  # named and left out
    assert main(["export", "--reports", str(base / "reports"), "--out", str(base / "processed")]) == 0
    return base / "processed"


def test_database_tables_keys_and_distinct_reports(processed):
    con = sqlite3.connect(processed / "reports.db")
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
        "reports",
        "cells",
        "sections",
        "checks",
        "copies",
    }
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"cells_body_year", "cells_cell", "reports_body_year", "checks_rule"} <= indexes
    rows = dict(con.execute("SELECT document, report FROM reports"))
    assert set(rows) == set(FILES)  # and the file that failed is in `failures`, below
    # the same report as HTML and as text is one distinct report
    assert rows["pingtan-2023.html"] == rows["pingtan-2023.txt"] != rows["qingtongxia-2020.txt"]
    # the text rendering's run-together row is null, never a guess; the HTML's is printed
    vals = dict(
        con.execute(
            "SELECT document, value FROM cells WHERE table_name='active_disclosure' AND "
            "row_id='normative_docs' AND column_id='issued'"
        )
    )
    assert vals["pingtan-2023.txt"] is None and vals["pingtan-2023.html"] == 77
    assert con.execute("SELECT COUNT(*) FROM sections WHERE document='qingtongxia-2020.txt'").fetchone()[0] == 6
    meta = json.loads((processed / "metadata.json").read_text(encoding="utf-8"))
    assert "facets" in meta["databases"]["reports"]["tables"]["cells"]
    # cells carry their report: one report saved twice is counted once by grouping on it
    twice = con.execute(
        "SELECT COUNT(*), COUNT(DISTINCT report) FROM cells WHERE table_name='requests' AND "
        "row_id='new_received' AND column_id='total' AND year=2023"
    ).fetchone()
    assert twice == (2, 1)
    labels = con.execute(
        "SELECT table_label, row_label, column_label FROM cells WHERE document='pingtan-2023.html' "
        "AND row_id='new_received' AND column_id='commercial'"
    ).fetchone()
    assert labels == ("收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量", "法人或其他组织／商业企业")
    assert con.execute(
        "SELECT typeof(value) FROM cells WHERE document='pingtan-2023.html' AND row_id='new_received' "
        "AND column_id='total'"
    ).fetchone() == ("integer",)
    # the distinct-report view counts each report once
    assert con.execute("SELECT COUNT(*) FROM distinct_reports").fetchone()[0] == 4
    # nothing hidden: the failed file, the missing tables, the rule wording in Chinese
    assert con.execute("SELECT name, stage FROM failures").fetchall() == [("broken-2024.pdf", "read")]
    assert con.execute("SELECT missing FROM reports WHERE document='gejiu-2020.txt'").fetchone()[0] == (
        "主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况"
    )
    assert (
        con.execute("SELECT rule_label, result FROM checks WHERE rule='requests.balance' LIMIT 1")
        .fetchone()[0]
        .startswith("每一列：本年新收申请数")
    )
    # the audit view: one row per body and year, and the failed file, in Chinese
    audit = con.execute('SELECT "机关", "年度", "三张表齐全", "文件可读", "文件" FROM audit').fetchall()
    assert [(a[0], a[1]) for a in audit] == [
        ("个旧市", 2020),
        ("平潭综合实验区", 2021),
        ("平潭综合实验区", 2023),
        ("青铜峡市", 2020),
        (None, None),
    ]
    assert audit[0][2] == "不符合" and audit[2][4] == "pingtan-2023.html、pingtan-2023.txt"
    assert audit[-1][3] == "不符合" and audit[-1][4] == "broken-2024.pdf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_database_and_answers_a_query(processed, tmp_path):
    port = _free_port()
    log = open(tmp_path / "datasette.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(processed / "reports.db"),
            "--metadata",
            str(processed / "metadata.json"),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it answers (readiness, not a timed assertion)
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=10)
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, (tmp_path / "datasette.log").read_text()
                time.sleep(0.1)
        query = (
            "/reports/cells.json?table_name=requests&row_id=new_received&column_id=total&_shape=array&_sort=document"
        )
        with urllib.request.urlopen(base + query, timeout=60) as r:
            answer = json.loads(r.read())
        by_doc = {row["document"]: row for row in answer}
        assert set(by_doc) == set(FILES) - {"gejiu-2020.txt"}  # its tables are missing: no cells, never zeros
        assert by_doc["pingtan-2023.html"]["value"] == by_doc["pingtan-2023.txt"]["value"] == 81
        assert by_doc["pingtan-2023.html"]["row_label"] == "一、本年新收政府信息公开申请数量"
        with urllib.request.urlopen(base + "/reports.json", timeout=60) as r:
            tables = {t["name"] for t in json.loads(r.read())["tables"]}
        assert {"reports", "cells", "sections", "checks", "copies"} <= tables
        with urllib.request.urlopen(base + "/reports/reports", timeout=60) as r:
            assert "报告文件（每个文件一行）" in r.read().decode("utf-8")  # the title from metadata.json
        # the canned queries: one body over the years, bodies failing a rule
        with urllib.request.urlopen(
            base + "/reports/body_over_years.json?body=%E5%B9%B3%E6%BD%AD&_shape=array", timeout=60
        ) as r:
            years = json.loads(r.read())
        assert [(y["年度"], y["本年新收申请"]) for y in years] == [(2021, 70), (2023, 81)]
        with urllib.request.urlopen(
            base + "/reports/bodies_failing_rule.json?rule=requests.balance&_shape=array", timeout=60
        ) as r:
            assert json.loads(r.read()) == []  # every balance of these reports holds
        with urllib.request.urlopen(base + "/reports/audit.json?_shape=array", timeout=60) as r:
            audit = json.loads(r.read())
        assert len(audit) == 5 and audit[-1]["文件"] == "broken-2024.pdf"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
