"""Section boundaries: which block is the heading of each of the six sections, and which blocks are junk.

Each text block gets a score for being the heading of section 1…6 (from the trained section model when one is
loaded, otherwise from the keyword scorer below). A decoder then picks at most one heading per section with the
sections in order 1→6, so a table row such as 四、结转下年度继续办理 or 三、本年度办理结果 that comes between
real headings cannot break the order. Blocks before the first heading, page furniture and the website footer after
the report belong to no section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document import Block
from ..headings import MAX_HEADING_LEN, keyword_scores, normalise

JUNK = re.compile(
    r"^(附件|附件下载|相关链接|相关文件|打印|打印本页|关闭|关闭窗口|分享|分享到|扫一扫|您访问的链接|您的浏览器|为了更好的浏览|"
    r"版权所有|主办单位|主办：|承办|网站标识码|.*ICP备|.*公网安备|联系我们|网站地图|字体[:：]|【|发布时间|来源[:：]|浏览次数|"
    r"上一篇|下一篇|返回顶部|当前位置|首页|无障碍|文字版|全真版|友情链接|信息来源|访问量)"
)
DATE_ONLY = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
SIGN_OFF = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}(人民政府|政府|办公室|办公厅|委员会|管委会|局|厅|部|委|中心)$")


@dataclass
class Sections:
    headings: dict[int, int] = field(default_factory=dict)  # section id -> block index of its heading
    assignment: list[int | None] = field(default_factory=list)  # per block: section id, or None (no section)
    junk: list[bool] = field(default_factory=list)
    confidence: dict[int, float] = field(default_factory=dict)


def decode(scores: list[list[float]], threshold: float) -> dict[int, int]:
    """Pick an increasing sequence of heading blocks, at most one per section, maximising the total score.

    Dynamic programming over sections, keyed by the block of the last heading picked; a section may have no heading.
    On equal scores the earlier block wins.
    """
    dp: dict[int, tuple[float, list[tuple[int, int]]]] = {-1: (0.0, [])}
    for sid in range(1, 7):
        nxt = dict(dp)
        for i, row in enumerate(scores):
            sc = row[sid - 1]
            if sc < threshold:
                continue
            prev = [(v[0], -k, k) for k, v in dp.items() if k < i]
            if not prev:
                continue
            _, _, k = max(prev)
            total = dp[k][0] + sc
            if i not in nxt or total > nxt[i][0]:
                nxt[i] = (total, dp[k][1] + [(sid, i)])
        dp = nxt
    best = max(dp.items(), key=lambda kv: (kv[1][0], -kv[0]))
    return {sid: i for sid, i in best[1][1]}


def is_junk(text: str) -> bool:
    t = text.strip()
    return bool(JUNK.match(t) or DATE_ONLY.match(t.replace(" ", "")))


def could_be_heading(text: str) -> bool:
    t = normalise(text)
    return bool(t) and len(t) <= MAX_HEADING_LEN and not t.endswith(("。", "；"))


def segment(blocks: list[Block], model=None, threshold: float = 1.5) -> Sections:
    """Find the six headings and assign every block to a section (or to none).

    `model` is a trained SectionModel (section_model.py); without one the keyword scorer is used.
    """
    if model is not None:
        idx = [i for i, b in enumerate(blocks) if b.kind == "text" and could_be_heading(b.text)]
        short = [i for i, b in enumerate(blocks) if b.kind == "text" and len(b.text) <= 40]
        both = sorted(set(idx) | set(short))
        probs = dict(zip(both, model.probabilities([blocks[i].text for i in both])))  # one batch for both uses
        batch = model.heading_scores([blocks[i].text for i in idx], [probs[i] for i in idx])
        scores = [[0.0] * 6 for _ in blocks]
        for i, row in zip(idx, batch):
            scores[i] = row
        junk = model.junk_probability([blocks[i].text for i in short], [probs[i] for i in short])
        model_junk = {i for i, p in zip(short, junk) if p > 0.6}
    else:
        scores = [keyword_scores(b.text) if b.kind == "text" else [0.0] * 6 for b in blocks]
        model_junk = set()
    headings = decode(scores, threshold)
    result = Sections(headings=headings)
    result.confidence = {sid: min(1.0, scores[i][sid - 1] / 6.0) for sid, i in headings.items()}
    order = sorted((i, sid) for sid, i in headings.items())
    assignment: list[int | None] = [None] * len(blocks)
    junk = [False] * len(blocks)
    for k, (start, sid) in enumerate(order):
        end = order[k + 1][0] if k + 1 < len(order) else len(blocks)
        footer = False
        seen_prose = False
        for j in range(start + 1, end):
            b = blocks[j]
            if b.kind == "text" and (is_junk(b.text) or j in model_junk):
                junk[j] = True
                footer = footer or (k + 1 == len(order))
                continue
            if footer:
                junk[j] = True
                continue
            if (k + 1 == len(order) and seen_prose and b.kind == "text" and SIGN_OFF.match(normalise(b.text))):
                junk[j] = True
                continue
            assignment[j] = sid
            seen_prose = seen_prose or b.kind == "text"
        assignment[start] = sid
    result.assignment = assignment
    result.junk = junk
    return result
