"""Labels that wrap onto grid rows of their own, and rows broken by a page break.

A narrow label column makes some publishers print a long label over several grid rows, the numbers on the first
only (`5.要求行政 | 0 | 1 …` then `机关确认或 |  |  …`, `重新出具已 |  | …`); and a row that a page break cuts in
two leaves the rest of its label, with empty cells, at the top of the next page (`5.属于三类 | 1 | …` at the
foot of one page, `内部事务信息 |  |  …` at the head of the next). Read as rows, those empty cells would be a second,
blank copy of the row — and blank cells read as 0 where the report prints 1.

records.py marks such grid rows (`RowRecord.tail`): label text printed in the row, only empty value cells, no
numbering of a row of its own, right under a row with values or first in its grid. Here, once the labeler has
read every record, a marked row is joined to the label of the row above it — its text appended to that row's
label parts, column for column from the right — unless the labeler reads it, on its own, as a different row of
the table or as a header with confidence (`规章 | 5 …` then `行政规范性文件 |  | …`: a row whose cells are
empty, not a wrapped label), or the whole label reads as another row than its first part did. The row above must
be the record printed just before it, in the same section, with the same number of value cells.
"""

from __future__ import annotations

import dataclasses

from .labels import RowLabeler
from .records import RowRecord
from .template import label_records

OWN_ROW_CONFIDENCE = 0.9  # a marked row read as another row of the table this surely is a row of its own
MIN_HEADER_CONFIDENCE = 0.5


def _has_values(rec: RowRecord) -> bool:
    return any(v.strip() for v in rec.values)


def _continues(prev: RowRecord, tail: RowRecord) -> bool:
    return (
        not prev.run
        and _has_values(prev)
        and prev.section == tail.section
        and len(prev.values) == len(tail.values)
        and tail.tail <= len(prev.parts)
    )


def _own_row(tail_prediction, prev_prediction) -> bool:
    """The marked row read on its own as another row of the table, or as a header (第二十条第（六）项 printed as a
    row of cells under the last row of the table above), with confidence."""
    cls, p = tail_prediction
    return (p >= OWN_ROW_CONFIDENCE and ":" in cls and cls != prev_prediction[0]) or (
        cls == "header" and p >= MIN_HEADER_CONFIDENCE
    )


def _better_or_same(joined, before) -> bool:
    """The whole label reads as the row the first part was read as (when that was sure), or more surely than it."""
    if before[1] >= OWN_ROW_CONFIDENCE:
        return joined[0] == before[0]
    return joined[1] >= before[1]


def join_label_tails(records: list[RowRecord], predictions: list, labeler: RowLabeler):
    """The records and their predictions with every wrapped label tail joined to the row it continues (see the
    module's doc); a joined row is labelled again from its whole label."""
    out: list[RowRecord] = []
    labels: list = []
    for rec, prediction in zip(records, predictions):
        prev = out[-1] if out else None
        if rec.tail and prev is not None and _continues(prev, rec) and not _own_row(prediction, labels[-1]):
            n = rec.tail
            parts = prev.parts[: len(prev.parts) - n] + [a + b for a, b in zip(prev.parts[-n:], rec.parts[-n:])]
            joined = dataclasses.replace(prev, parts=parts, wrapped=prev.wrapped + 1)
            reading = label_records([joined], labeler)[0]
            if _better_or_same(reading, labels[-1]):
                out[-1], labels[-1] = joined, reading
                continue
        out.append(rec)
        labels.append(prediction)
    return out, labels
