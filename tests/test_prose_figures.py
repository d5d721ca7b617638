from pipeline.prose_figures import find_figures, text_checks


def test_prose_figures_are_found_with_their_words():
    figs = find_figures("2023年全区接收通过邮寄、网络提交的各类政府信息公开申请共计81件，涉及自然人80件。"
                        "因政府信息公开引起的行政复议案件2件、行政诉讼案件7件。")
    assert {k: v["value"] for k, v in figs.items()} == {"text.requests_received": 81, "text.review_cases": 2,
                                                          "text.litigation_cases": 7}
    assert find_figures("本年度未发生相关情况。") == {}


def test_text_figures_checked_against_tables_or_offered_when_table_missing():
    sections = [{"id": 1, "text": "全年共收到政府信息公开申请77件。行政复议3件。"}]
    tables = {"requests": {"status": "found", "rows": {"new_received": {"total": 70}}},
              "review_litigation": {"status": "missing"}}
    checks, values = text_checks(sections, tables)
    assert checks == [{"rule": "text.requests_received", "ok": False, "cells": ["requests.new_received.total"],
                       "expected": 70, "found": 77, "where": {"section": 1, "text": "收到政府信息公开申请77件"}}]
    assert values == {"review_litigation.review.total": {"value": 3, "source": "text",
                                                         "where": {"section": 1, "text": "行政复议3件"}}}
    assert "rows" not in tables["review_litigation"]  # a text figure never fills a missing table


def test_cross_year_checks_between_consecutive_reports_of_one_body(tmp_path):
    import json

    from pipeline.corpus_checks import add_cross_year_checks

    def report(year, carried_over, carried_forward, in_force, issued, repealed):
        cols = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]
        return {"document": f"r{year}.html", "meta": {"body": "示例市人民政府", "year": year, "template": "2021"},
                "checks": [], "tables": {
                    "requests": {"status": "found", "rows": {
                        "carried_over": dict(zip(cols, carried_over)),
                        "carried_forward": dict(zip(cols, carried_forward))}},
                    "active_disclosure": {"status": "found", "rows": {
                        "normative_docs": {"issued": issued, "repealed": repealed, "in_force": in_force}}}}}

    a = report(2022, [0] * 7, [3, 0, 0, 0, 0, 0, 3], 50, 5, 1)
    b = report(2023, [2, 0, 0, 0, 0, 0, 2], [0] * 7, 56, 8, 2)  # 上年结转 2 ≠ last year's 3; 50 + 8 − 2 = 56 holds
    b["meta"]["body"] = "示例市"
    paths = []
    for r in (a, b):
        path = tmp_path / f"{r['document']}.json"
        path.write_text(json.dumps(r, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    assert add_cross_year_checks(paths) == 8
    checks = json.loads((tmp_path / "r2023.html.json").read_text(encoding="utf-8"))["checks"]
    failing = [c for c in checks if c["ok"] is False]
    assert [(c["rule"], c["cells"], c["expected"], c["found"]) for c in failing] == [
        ("years.carried_over", ["requests.carried_over.natural_person"], 3, 2),
        ("years.carried_over", ["requests.carried_over.total"], 3, 2)]
    in_force = [c for c in checks if c["rule"] == "years.in_force"]
    assert in_force[0]["ok"] is True and in_force[0]["where"]["previous_report"] == "r2022.html"
    assert json.loads((tmp_path / "r2022.html.json").read_text(encoding="utf-8"))["checks"] == []
    assert add_cross_year_checks(paths) == 0  # a second pass adds nothing twice
