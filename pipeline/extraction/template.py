"""Step 2 of the table stage: each record's row label and the report's template.

The row labeler maps each record to `table:row`, `extra` or `header`, restricted to the table of the section the
record was printed in. The template (2019 or 2021) is decided from rows and headers that only one template has, or
from the year.
"""

from __future__ import annotations

import re

from .. import schema
from .cells import normalise
from .labels import RowLabeler
from .records import SUBNUM, TABLE_OF_SECTION, RowRecord

MIN_LABEL_CONFIDENCE = 0.5
TEMPLATE_2021_WORDS = ("本年制发件数", "现行有效件数", "本年废止件数", "本年处理决定数量", "本年收费金额")
TEMPLATE_2019_WORDS = ("本年新制作数量", "上一年项目数量", "对外公开总数量", "采购项目数量", "采购总金额")


def detect_template(
    records: list[RowRecord], predictions, year: int | None, table_texts: list[str] = ()
) -> tuple[str, float]:
    """2019 or 2021, from the column headers and rows only one template has; the year decides a tie."""
    score = 0.0
    texts = [normalise(rec.label) for rec in records] + [normalise(t) for t in table_texts]
    for text in texts:
        score += sum(1.0 for w in TEMPLATE_2021_WORDS if w in text)
        score -= sum(1.0 for w in TEMPLATE_2019_WORDS if w in text)
    for rec, (cls, p) in zip(records, predictions):
        if not rec.values or p < MIN_LABEL_CONFIDENCE:
            continue
        if cls in ("requests:other.no_correction", "requests:other.unpaid_fee", "requests:other.other"):
            score += 1.0
        elif cls in ("active_disclosure:other_services", "active_disclosure:procurement", "requests:other"):
            score -= 1.0
    if score > 0:
        return "2021", min(1.0, 0.6 + 0.1 * score)
    if score < 0:
        return "2019", min(1.0, 0.6 - 0.1 * score)
    if year is not None:
        return ("2021" if year >= 2021 else "2019"), 0.5
    return "2021", 0.3


_OTHER_PARENT = re.compile(r"^[（(]?六[)）、]?其他处理$")


def label_records(records: list[RowRecord], labeler: RowLabeler):
    """(class, probability) for each record, restricted to its section's table when it has one.

    The parent row （六）其他处理 printed with its own numbers is the 2019 row `other` in either template; the model
    cannot tell it from its 2021 child 3.其他 by wording alone, so that one structural case is decided here.
    """
    out = []
    for rec in records:
        if not rec.parts:
            out.append(("none", 0.0))
            continue
        if _OTHER_PARENT.match(normalise(rec.parts[-1])):
            out.append(("requests:other", 0.99))
            continue
        table = TABLE_OF_SECTION.get(rec.section)
        allowed = [f"{table}:{r}" for r in schema.all_rows(table)] + ["extra", "header"] if table else None
        best = ("extra", 0.0)
        for text in _label_contexts(rec.parts):
            got = labeler.predict_within(text, allowed) if allowed else labeler.predict([text])[0]
            if got[1] > best[1]:
                best = got
            if best[1] >= 0.9:
                break
        out.append(best)
    return out


def _label_contexts(parts: list[str]) -> list[str]:
    """The label texts to try, most local first: the row's own label (with its category when it is a numbered
    item such as 1.属于国家秘密, whose meaning depends on （三）不予公开), then the whole path of parents."""
    leaf = parts[-1]
    own = "／".join(parts[-2:]) if SUBNUM.match(leaf) and len(parts) >= 2 else leaf
    contexts = [own]
    full = "／".join(parts)
    if full != own:
        contexts.append(full)
    # a short bracket may hold what tells the row apart (行政诉讼（未经复议直接起诉）), not only a note to drop:
    # tried last, only when the labels above leave the model unsure
    for text in list(contexts):
        if _BRACKETED.search(text):
            contexts.append(_BRACKETED.sub(lambda m: " " + m.group(1) + " ", text))
    return contexts


_BRACKETED = re.compile(r"[（(]([^（）()]{5,12})[）)]")
