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
from ..headings import BRACKET_MARKER, CAPTION, MARKER, MAX_HEADING_LEN, NUMERALS, keyword_scores, normalise

JUNK = re.compile(
    r"^(附件|附件下载|相关链接|相关文件|打印|打印本页|关闭|关闭窗口|分享|分享到|扫一扫|您访问的链接|您的浏览器|为了更好的浏览|"
    r"版权所有|主办单位|主办：|承办|网站标识码|.*ICP备|.*公网安备|联系我们|网站地图|字体[:：]|【|发布时间|来源[:：]|浏览次数|"
    r"上一篇|下一篇|返回顶部|当前位置|首页|无障碍|文字版|全真版|友情链接|信息来源|访问量)"
)
PAGE_NUMBER = re.compile(
    r"^(?:[—－\-–]\s*\d{1,4}\s*[—－\-–]|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
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
    return bool(JUNK.match(t) or DATE_ONLY.match(t.replace(" ", "")) or PAGE_NUMBER.match(t))


def could_be_heading(text: str) -> bool:
    t = normalise(text)
    return bool(t) and len(t) <= MAX_HEADING_LEN and not t.endswith(("。", "；")) and not CAPTION.match(t)


TABLE_BONUS = 3.0  # a heading of section 2-4 whose table begins before the next heading
ORDER_PENALTY = 3.0  # a heading on the wrong side of where a table begins


def _structure(
    blocks: list[Block], scores: list[list[float]], threshold: float, table_blocks: dict[int, list[int]] | None
) -> list[list[float]]:
    """Scores corrected by the report's structure, which survives any renumbering of its headings:
    - a sub-heading numbered （一）… heads a part of a section: it can only be the heading of the section its
      numeral names (（五）存在的主要问题), never of another (（一）主要问题 under a lost 四、 heading);
    - where the blocks holding each statutory table are known (`table_blocks`: section → blocks with rows of its
      table), the heading of section 2, 3 or 4 is the candidate after which its table begins before any other
      candidate, and no heading sits on the wrong side of where a table begins (a report's own outline
      一、…六、 before its appendix of tables is not the statutory one)."""
    out = [list(row) for row in scores]
    for i, b in enumerate(blocks):
        if b.kind != "text" or not any(out[i]):
            continue
        m = BRACKET_MARKER.match(normalise(b.text))
        if m:
            own = NUMERALS.find(m.group(1)) + 1
            out[i] = [sc if sid == own else 0.0 for sid, sc in enumerate(out[i], start=1)]
    if not table_blocks:
        return out
    starts = {s: min(v) for s, v in table_blocks.items() if v}
    candidates = [i for i, row in enumerate(out) if max(row) >= threshold]
    numbered = [i for i in candidates if MARKER.match(normalise(blocks[i].text))]
    for i in candidates:
        # the next numbered candidate: a table's own header line (行政复议行政诉讼) does not end a section
        nxt = next((j for j in numbered if j > i), len(blocks))
        for sid in range(1, 7):
            if out[i][sid - 1] <= 0.0:
                continue
            sc = out[i][sid - 1]
            if sid in table_blocks and any(i < j < nxt for j in table_blocks[sid]):
                sc += TABLE_BONUS
            for t, start in starts.items():
                if (sid <= t and i > start) or (sid > t and i < start):
                    sc -= ORDER_PENALTY
            out[i][sid - 1] = max(sc, 0.0)
    return out


def segment(
    blocks: list[Block], model=None, threshold: float = 1.5, table_blocks: dict[int, list[int]] | None = None
) -> Sections:
    """Find the six headings and assign every block to a section (or to none).

    `model` is a trained SectionModel (section_model.py); without one the keyword scorer is used. `table_blocks`
    (section → blocks holding rows of its statutory table, tables.table_blocks) lets the report's structure
    correct the headings' wording: see `_structure`. Section 5 (the only one after the tables) printed without its
    heading begins after the last block of table 4.
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
    scores = _structure(blocks, scores, threshold, table_blocks)
    headings = decode(scores, threshold)
    result = Sections(headings=headings)
    result.confidence = {sid: min(1.0, scores[i][sid - 1] / 6.0) for sid, i in headings.items()}
    starts = dict(headings)
    if 5 not in headings and 4 in headings and table_blocks and table_blocks.get(4):
        after = max(table_blocks[4]) + 1  # the prose after table 4 is section 5's, its heading lost
        if after > headings[4] and after < headings.get(6, len(blocks)) and after < len(blocks):
            starts[5] = after
    order = sorted((i, sid) for sid, i in starts.items())
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
            if k + 1 == len(order) and seen_prose and b.kind == "text" and SIGN_OFF.match(normalise(b.text)):
                junk[j] = True
                continue
            assignment[j] = sid
            seen_prose = seen_prose or b.kind == "text"
        if not (junk[start] and sid not in headings):
            assignment[start] = sid
    result.assignment = assignment
    result.junk = junk
    return result
