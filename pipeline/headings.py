"""What the six statutory section headings look like: their numbering and the words that carry their titles.

Shared by the readers (a line that is a heading is no table header) and the section stage (sections.py), which
scores each block with `keyword_scores` when no trained section model is loaded.
"""

from __future__ import annotations

import re

NUMERALS = "一二三四五六七八九十"
MARKER = re.compile(r"^\s*[（(]?\s*([一二三四五六七八九十]{1,2})\s*[、.．,，)）]\s*")
# Words that carry each section's title, with weights; the official wording and the variants publishers use.
KEYWORDS = {
    1: {"总体情况": 3.0, "总体": 1.5, "概述": 2.0, "基本情况": 1.5, "工作情况": 0.5},
    2: {"主动公开": 3.0, "政府信息情况": 0.5},
    3: {"收到和处理": 3.0, "依申请公开": 2.0, "申请情况": 1.5, "公开申请": 1.0},
    4: {"行政复议": 2.0, "行政诉讼": 2.0, "复议": 0.5, "诉讼": 0.5},
    5: {
        "存在的主要问题": 3.0,
        "存在的问题": 2.5,
        "主要问题": 1.5,
        "改进情况": 2.0,
        "改进措施": 2.0,
        "问题": 0.5,
        "改进": 0.5,
        "不足": 1.0,
    },
    6: {"其他需要报告": 3.0, "需要报告的事项": 2.0, "其他事项": 1.5, "其他": 0.5, "事项": 0.5},
}
# Table rows that look like numbered headings.
NOT_HEADING = re.compile(
    r"结转下年度|本年度办理结果|本年新收|上年结转|本年新制作|不予公开|无法提供|不予处理|其他处理|总计"
)
MAX_HEADING_LEN = 60
# A table's caption (表二：主动公开政府信息情况, 附表3 …) repeats a section's title but is never its heading.
CAPTION = re.compile(r"^[（(]?附?表\s*[一二三四五六七八九十\d]{1,2}(?![\d])\s*[：:、.．）)\s]?")
# A sub-heading's marker: （一）… numbers the parts of a section, not the six sections (一、…)
BRACKET_MARKER = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十]{1,2})\s*[)）]")


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）").replace(",", "，")


def keyword_scores(text: str) -> list[float]:
    """Scores (≥0) for the block being the heading of section 1..6; all zero when it cannot be a heading."""
    t = normalise(text)
    if not t or len(t) > MAX_HEADING_LEN or t.endswith(("。", "；")) or NOT_HEADING.search(t) or CAPTION.match(t):
        return [0.0] * 6
    m = MARKER.match(t)
    numeral = m.group(1) if m else None
    scores = []
    for sid in range(1, 7):
        s = sum(w for k, w in KEYWORDS[sid].items() if k in t)
        if s == 0:
            scores.append(0.0)
            continue
        if numeral is not None:
            s += 2.0 if NUMERALS.find(numeral) + 1 == sid else -1.0
        else:
            s -= 1.5
        if "，" in t:
            s -= 3.0  # a comma inside: a line of a wrapped sentence, not a title
        s -= max(0, len(t) - 30) * 0.05
        scores.append(max(s, 0.0))
    return scores


# How the title of each section begins after its numeral (一、总体情况, 四、因政府信息公开工作被申请行政复议…)
TITLE_STARTS = {
    1: ("总体情况", "总体概况", "概述", "基本情况"),
    2: ("主动公开", "行政机关主动公开"),
    3: ("收到和处理", "行政机关收到和处理", "依申请公开"),
    4: ("政府信息公开行政复议", "行政复议", "因政府信息公开", "政府信息公开行政"),
    5: ("存在的", "政府信息公开工作存在", "主要问题"),
    6: ("其他需要报告", "其它需要报告", "其他事项"),
}
_NUMERAL_GLUED = re.compile(r"^([一二三四五六])(?=[\u4e00-\u9fff])")


def restore_heading_comma(line: str) -> str:
    """A heading line whose 、 after the numeral was lost (OCR drops the small mark): 五存在的主要问题… is
    五、存在的主要问题…. Only a short line without a full stop whose title begins as that section's titles do."""
    m = _NUMERAL_GLUED.match(line)
    if not m or len(line) > 40 or "。" in line:
        return line
    sid = NUMERALS.find(m.group(1)) + 1
    rest = line[1:]
    return f"{m.group(1)}、{rest}" if rest.startswith(TITLE_STARTS[sid]) else line
