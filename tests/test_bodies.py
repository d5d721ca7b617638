"""One body, one key (pipeline/bodies.py): the names a body prints across years are one series."""

import json

from conftest import ROOT
from pipeline.batch.copies import same_body
from pipeline.batch.corpus_checks import add_cross_year_checks
from pipeline.bodies import body_key


def _gold(name: str) -> dict:
    return json.loads((ROOT / "data" / "labels" / f"{name}.gold.json").read_text(encoding="utf-8"))


def test_the_real_pair_of_names_is_one_body():
    a, b = _gold("hongze-2023.pdf")["meta"]["body"], _gold("hongze-2024.pdf")["meta"]["body"]
    assert (a, b) == ("洪泽区人民政府", "淮安市洪泽区人民政府")  # as the two reports print them
    assert body_key(a) == body_key(b) == "洪泽区"
    assert same_body(body_key(a), body_key(b))
    assert body_key(_gold("huaian-2024.pdf")["meta"]["body"]) == "淮安市"  # the city is another body


def test_variants_of_division_office_width_and_blanks():
    assert body_key("江苏省淮安市洪泽区政府") == body_key("洪泽区 人民政府") == "洪泽区"
    assert body_key("宁夏回族自治区青铜峡市人民政府") == body_key("青铜峡市") == "青铜峡市"
    assert body_key("平潭综合实验区管委会") == body_key("（福建省）平潭综合实验区") == "平潭综合实验区"
    assert body_key("淮安市洪泽区人民政府办公室") == body_key("洪泽区政府办公室") == "洪泽区办公室"
    assert body_key("上海市人民政府办公厅") == "上海市办公厅" != body_key("上海市人民政府")
    assert body_key("ＡＢ市") == "AB市"  # full-width forms are half-width ones
    # a department of a city keeps its city: 市场 and 城市 are no divisions
    assert body_key("淮安市市场监督管理局") == "淮安市市场监督管理局"
    assert body_key("淮安市城市管理局") == "淮安市城市管理局"
    assert body_key("上海市科学技术委员会") == "上海市科学技术委员会"
    assert body_key(None) is None and body_key("") is None


def test_the_cross_year_checks_join_the_two_names(tmp_path):
    """The real 2023 and 2024 reports of 洪泽区 (their gold figures, as report JSONs): 2024's 上年结转 is checked
    against 2023's 结转下年度继续办理, although the two print the body's name differently."""
    paths = []
    for name in ("hongze-2023.pdf", "hongze-2024.pdf"):
        report = {**_gold(name), "checks": [], "sections": []}
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
        paths.append(str(p))
    assert add_cross_year_checks(paths) == 1
    later = json.loads((tmp_path / "hongze-2024.pdf.json").read_text(encoding="utf-8"))
    years = [c for c in later["checks"] if c["rule"] == "years.carried_over"]
    assert years and all(c["where"]["previous_report"] == "hongze-2023.pdf" for c in years)


def test_report_json_carries_the_body_key(models):
    from pipeline.batch.stages import extract_one

    report = extract_one(ROOT / "data" / "raw" / "qingtongxia-2020.txt", models)
    assert report["meta"]["body_key"] == body_key(report["meta"]["body"]) == "青铜峡市"
