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
FILES = ["pingtan-2023.html", "pingtan-2023.txt", "qingtongxia-2020.txt"]


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    base = tmp_path_factory.mktemp("db")
    result = run_batch([str(ROOT / "data" / "raw" / n) for n in FILES], str(base / "reports"),
                       Extract(models_dir=None))
    assert result.errors == []
    (base / "reports" / "broken.json").write_text("{not json", encoding="utf-8")  # named and left out
    assert main(["export", "--reports", str(base / "reports"), "--out", str(base / "processed")]) == 0
    return base / "processed"


def test_database_tables_keys_and_distinct_reports(processed):
    con = sqlite3.connect(processed / "reports.db")
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
        "reports", "cells", "sections", "checks", "copies"}
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"cells_body_year", "cells_cell", "reports_body_year", "checks_rule"} <= indexes
    rows = dict(con.execute("SELECT document, report FROM reports"))
    assert set(rows) == set(FILES)
    # the same report as HTML and as text is one distinct report
    assert rows["pingtan-2023.html"] == rows["pingtan-2023.txt"] != rows["qingtongxia-2020.txt"]
    # the text rendering's run-together row is null, never a guess; the HTML's is printed
    vals = dict(con.execute("SELECT document, value FROM cells WHERE table_name='active_disclosure' AND "
                            "row_id='normative_docs' AND column_id='issued'"))
    assert vals["pingtan-2023.txt"] is None and vals["pingtan-2023.html"] == 77
    assert con.execute("SELECT COUNT(*) FROM sections WHERE document='qingtongxia-2020.txt'").fetchone()[0] == 6
    meta = json.loads((processed / "metadata.json").read_text(encoding="utf-8"))
    assert "facets" in meta["databases"]["reports"]["tables"]["cells"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_database_and_answers_a_query(processed, tmp_path):
    port = _free_port()
    log = open(tmp_path / "datasette.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(processed / "reports.db"),
                             "--metadata", str(processed / "metadata.json"), "--port", str(port), "--host",
                             "127.0.0.1"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # until it answers (readiness, not a timed assertion)
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=10)
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, (tmp_path / "datasette.log").read_text()
                time.sleep(0.1)
        query = ("/reports/cells.json?table_name=requests&row_id=new_received&column_id=total"
                 "&_shape=array&_sort=document")
        with urllib.request.urlopen(base + query, timeout=60) as r:
            answer = json.loads(r.read())
        by_doc = {row["document"]: row for row in answer}
        assert set(by_doc) == set(FILES)
        assert by_doc["pingtan-2023.html"]["value"] == by_doc["pingtan-2023.txt"]["value"] == 81
        assert by_doc["pingtan-2023.html"]["row_label"] == "一、本年新收政府信息公开申请数量"
        with urllib.request.urlopen(base + "/reports.json", timeout=60) as r:
            tables = {t["name"] for t in json.loads(r.read())["tables"]}
        assert {"reports", "cells", "sections", "checks", "copies"} <= tables
        with urllib.request.urlopen(base + "/reports/reports", timeout=60) as r:
            assert "Report files" in r.read().decode("utf-8")  # the title from metadata.json
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
