from pipeline.extraction.prose_figures import find_figures, text_checks


def test_prose_figures_are_found_with_their_words():
    figs = find_figures(
        "2023年全区接收通过邮寄、网络提交的各类政府信息公开申请共计81件，涉及自然人80件。"
        "因政府信息公开引起的行政复议案件2件、行政诉讼案件7件。"
    )
    assert {k: v["value"] for k, v in figs.items()} == {
        "text.requests_received": 81,
        "text.review_cases": 2,
        "text.litigation_cases": 7,
    }
    assert find_figures("本年度未发生相关情况。") == {}


def test_text_figures_checked_against_tables_or_offered_when_table_missing():
    sections = [{"id": 1, "text": "全年共收到政府信息公开申请77件。行政复议3件。"}]
    tables = {
        "requests": {"status": "found", "rows": {"new_received": {"total": 70}}},
        "review_litigation": {"status": "missing"},
    }
    checks, values = text_checks(sections, tables)
    assert checks == [
        {
            "rule": "text.requests_received",
            "ok": False,
            "cells": ["requests.new_received.total"],
            "expected": 70,
            "found": 77,
            "where": {"section": 1, "text": "收到政府信息公开申请77件"},
        }
    ]
    assert values == {
        "review_litigation.review.total": {"value": 3, "source": "text", "where": {"section": 1, "text": "行政复议3件"}}
    }
    assert "rows" not in tables["review_litigation"]  # a text figure never fills a missing table


def test_cross_year_checks_between_consecutive_reports_of_one_body(tmp_path):
    import json

    from pipeline.batch.corpus_checks import add_cross_year_checks

    def report(year, carried_over, carried_forward, in_force, issued, repealed):
        cols = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]
        return {
            "document": f"r{year}.html",
            "meta": {"body": "示例市人民政府", "year": year, "template": "2021"},
            "checks": [],
            "tables": {
                "requests": {
                    "status": "found",
                    "rows": {
                        "carried_over": dict(zip(cols, carried_over)),
                        "carried_forward": dict(zip(cols, carried_forward)),
                    },
                },
                "active_disclosure": {
                    "status": "found",
                    "rows": {"normative_docs": {"issued": issued, "repealed": repealed, "in_force": in_force}},
                },
            },
        }

    a = report(2022, [0] * 7, [3, 0, 0, 0, 0, 0, 3], 50, 5, 1)
    b = report(2023, [2, 0, 0, 0, 0, 0, 2], [0] * 7, 56, 8, 2)  # 上年结转 2 ≠ last year's 3; 50 + 8 − 2 = 56 holds
    b["meta"]["body"] = "示例市"
    paths = []
    for r in (a, b):
        path = tmp_path / f"{r['document']}.json"
        path.write_text(json.dumps(r, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    assert add_cross_year_checks(paths) == 1  # the 2023 report gains its checks
    checks = json.loads((tmp_path / "r2023.html.json").read_text(encoding="utf-8"))["checks"]
    assert len(checks) == 8
    failing = [c for c in checks if c["ok"] is False]
    assert [(c["rule"], c["cells"], c["expected"], c["found"]) for c in failing] == [
        ("years.carried_over", ["requests.carried_over.natural_person"], 3, 2),
        ("years.carried_over", ["requests.carried_over.total"], 3, 2),
    ]
    in_force = [c for c in checks if c["rule"] == "years.in_force"]
    assert in_force[0]["ok"] is True and in_force[0]["where"]["previous_report"] == "r2022.html"
    assert json.loads((tmp_path / "r2022.html.json").read_text(encoding="utf-8"))["checks"] == []
    assert add_cross_year_checks(paths) == 0  # a second pass adds nothing twice

    # last year's report changes (re-read, re-labelled): this year's checks follow it, none goes stale
    a["tables"]["requests"]["rows"]["carried_forward"] = dict(
        zip(
            ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"],
            [2, 0, 0, 0, 0, 0, 2],
        )
    )
    (tmp_path / "r2022.html.json").write_text(json.dumps(a, ensure_ascii=False), encoding="utf-8")
    assert add_cross_year_checks(paths) == 1
    checks = json.loads((tmp_path / "r2023.html.json").read_text(encoding="utf-8"))["checks"]
    assert len(checks) == 8 and all(c["ok"] for c in checks)
    # and without last year's report in the batch, the checks that named it are gone
    assert add_cross_year_checks(paths[1:]) == 1
    assert json.loads((tmp_path / "r2023.html.json").read_text(encoding="utf-8"))["checks"] == []


def test_each_table_rule_fails_on_a_report_made_to_break_it_and_numbers_stay_printed(tmp_path):
    import json

    from pipeline.batch.run import run_batch
    from pipeline.batch.stages import Extract

    cols = "| 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |"
    from pipeline import schema

    rows = {
        "一、本年新收政府信息公开申请数量": [5, 0, 0, 0, 0, 0, 5],
        "二、上年结转政府信息公开申请数量": [1, 0, 0, 0, 0, 0, 1],
    }
    for row in schema.row_ids("requests", "2019")[2:-2]:
        label = " | ".join(schema.row_label("requests", row).split("／"))
        rows[label] = [3, 0, 0, 0, 0, 0, 3] if row == "granted" else [0] * 7
    rows["（七）总计"] = [4, 0, 0, 0, 0, 0, 9]  # total_row: 3 ≠ 4; total_column: 4 ≠ 9
    rows["四、结转下年度继续办理"] = [1, 0, 0, 0, 0, 0, 1]  # balance: 5 + 1 ≠ 4 + 1
    lines = [
        "示例县2020年政府信息公开工作年度报告",
        "一、总体情况",
        "本年工作平稳推进。",
        "三、收到和处理政府信息公开申请情况",
        cols,
    ]
    lines += [f"{k} | " + " | ".join(map(str, v)) + " |" for k, v in rows.items()]
    lines += [
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 | 行政诉讼 |",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | "
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
        "1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",  # review total printed 0
        "五、存在的主要问题及改进情况",
        "无。",
        "六、其他需要报告的事项",
        "无。",
    ]
    (tmp_path / "broken.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_batch([str(tmp_path / "broken.txt")], str(tmp_path / "out"), Extract(models_dir=None))
    report = json.loads((tmp_path / "out" / "broken.txt.json").read_text(encoding="utf-8"))
    failed = {(c["rule"], c["cells"][-1]) for c in report["checks"] if c["ok"] is False}
    assert ("requests.balance", "requests.carried_forward.natural_person") in failed
    assert ("requests.total_row", "requests.total.natural_person") in failed
    assert ("requests.total_column", "requests.total.total") in failed
    assert ("review_litigation.total", "review_litigation.review.total") in failed
    assert report["tables"]["requests"]["rows"]["total"]["total"] == 9  # printed, not repaired
    assert report["tables"]["review_litigation"]["rows"]["review"]["total"] == 0
    passing = [c for c in report["checks"] if c["ok"] is True]
    assert any(c["rule"] == "requests.balance" and c["cells"][-1].endswith(".commercial") for c in passing)


def _spacy_statements(nlp, matcher, words):
    """The oracle: spaCy's Matcher finds the statements in its own token-pattern form; the gaps are then bounded in
    tokens as the rules say (at most 24 tokens between 收到 and 申请, at most 4 tokens that are no number between a
    keyword and its count). Returns the first (value, span) of each rule, as find_figures does."""
    from spacy.tokens import Doc

    doc = Doc(nlp.vocab, words=words)
    first = {}
    for match_id, start, end in sorted(matcher(doc), key=lambda m: (m[1], m[2])):
        rule = nlp.vocab.strings[match_id]
        span = words[start:end]
        if rule in first or end - start > 40:
            continue
        keyword = 2 if rule == "text.requests_received" else 4
        if rule == "text.requests_received":
            at = next(k for k in range(2, len(span)) if span[k - 1 : k + 1] == ["申", "请"])
            if at - 1 - 2 > 24:
                continue
            keyword = at + 1
        between = span[keyword:-2]
        if len(between) > 4 or any(any(ch.isdigit() for ch in t) for t in between):
            continue
        first[rule] = (int(span[-2]), "".join(span))
    return first


def test_the_patterns_find_what_spacys_matcher_finds():
    """The statements find_figures finds are those spaCy's rule Matcher finds, given the same rules in its own
    token-pattern form, on every clause with a number of the corpus prose and of generated statements."""
    import spacy
    from spacy.matcher import Matcher

    from conftest import ROOT
    from pipeline.extraction.prose_figures import clauses, find_figures, tokens
    from pipeline.readers.formats import read_document

    nlp = spacy.blank("xx")
    matcher = Matcher(nlp.vocab)
    gap = {"OP": "*"}
    number, unit = {"TEXT": {"REGEX": r"^\d+$"}}, {"TEXT": {"IN": ["件", "起", "宗", "个"]}}
    chars = lambda word: [{"TEXT": ch} for ch in word]  # noqa: E731
    matcher.add(
        "text.requests_received",
        [
            [
                {"TEXT": {"IN": ["收", "受", "接"]}},
                {"TEXT": {"IN": ["到", "理", "收"]}},
                gap,
                *chars("申请"),
                gap,
                number,
                unit,
            ]
        ],
    )
    matcher.add("text.review_cases", [[*chars("行政复议"), gap, number, unit]])
    matcher.add("text.litigation_cases", [[*chars("行政诉讼"), gap, number, unit]])
    texts = [
        "全年共收到政府信息公开申请77件，行政复议3件。",
        "受理各类申请 1 2 件",
        "收到申请12.5件",
        "接收，申请8件",
        "行政复议行政诉讼各1件",
        "收到依申请公开3件、行政复议0起、行政诉讼2宗",
    ]
    for path in sorted(p for p in (ROOT / "data" / "raw").rglob("*") if p.is_file()):
        texts += [b.text for b in read_document(str(path)).blocks if b.kind == "text"]
    compared = found = 0
    for text in texts:
        for clause in clauses(text):
            words = tokens(clause)
            if not words or not any(w.isdigit() for w in words):
                continue
            expected = {
                rule: {"value": v, "snippet": snippet}
                for rule, (v, snippet) in _spacy_statements(nlp, matcher, words).items()
            }
            assert find_figures(clause) == expected, clause
            compared += 1
            found += len(expected)
    assert compared > 100 and found > 20
