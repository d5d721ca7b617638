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
