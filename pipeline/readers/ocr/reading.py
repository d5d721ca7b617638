"""A line crop's reading from the recogniser's per-frame character probabilities: greedy CTC decoding, with the
confidence of its least sure character (or of a character that may have been dropped where that would change the
value) and its next most likely readings, so that the table stage can let the table's sums choose among them and
never takes a doubtful number as read. A line known to hold a number is decoded again with the recogniser's
characters folded into number classes (a digit's probability includes its look-alikes: 0 and O, 1 and l).

Every function takes the loaded engine (engine.Recogniser) it reads with: nothing here keeps one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

# the recogniser reads the small enumeration comma 、 as a middle dot · between Chinese characters, where Chinese
# prose has no middle dot (四·因政府信息公开… is 四、因政府信息公开…)
DOT_FOR_COMMA = re.compile(r"(?<=[\u4e00-\u9fff])[·•](?=[\u4e00-\u9fff])|丶")  # and the radical 丶, a 、 in text
BATCH_RATIO = 80  # lines × the widest line's width/height in one group padded alike (frame_probabilities)
MAX_LINE_RATIO = 60  # a wider line is read squeezed (a line of 60 characters' width is long for a report)
NUMERIC_CHARS = "0123456789.,-/—－"
_NUMERIC_LOOKALIKE = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "〇": "0",
        "口": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "丨": "1",
        "S": "5",
        "B": "8",
        "。": ".",
        "，": ",",
        "．": ".",
        "一": "—",
        "_": "—",
        "~": "—",
        "Z": "2",
        "z": "2",
    }
)
_NUMERIC_LOOKALIKE_MAP = {chr(k): v for k, v in _NUMERIC_LOOKALIKE.items()}
_NUMERIC_TEXT = re.compile(r"^[+\-－]?\s*[\d.,，]+\s*$|^[/／—–\-－]{1,2}$")


@dataclass
class Reading:
    """What the recogniser read in one text line: the best text, how sure it is, and the next readings."""

    text: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # (text, probability), best first


def frame_probabilities(recogniser, crops) -> list:
    """The recogniser's per-frame character probabilities for each crop (grey). Crops are grouped by width and each
    group padded to its widest (at least the recogniser's 320×48: it reads a crop best with the padding it was
    trained with, and a number read at its own width is less often sure of itself), then run one crop at a time:
    on one thread a batch costs more a crop than single runs do."""
    import cv2
    import numpy as np

    rec = recogniser
    height, base_width = rec.height, rec.base_width
    out = [None] * len(crops)
    ratio_of = [min(MAX_LINE_RATIO, c.shape[1] / max(1, c.shape[0])) for c in crops]
    order = sorted(range(len(crops)), key=lambda i: ratio_of[i])
    batches: list[list[int]] = []
    for i in order:  # up to 8 lines a batch, fewer when they are long: every line is padded to the longest
        if batches and len(batches[-1]) < 8 and (len(batches[-1]) + 1) * max(ratio_of[i], 10) <= BATCH_RATIO:
            batches[-1].append(i)
        else:
            batches.append([i])
    for idx in batches:
        ratios = [ratio_of[i] for i in idx]
        max_ratio = max(base_width / height, *ratios)
        for k, i in enumerate(idx):
            img = rec.prepare(cv2.cvtColor(crops[i], cv2.COLOR_GRAY2BGR), max_ratio)[np.newaxis, :]
            preds = rec.run(img.astype(np.float32))[0]
            frames = int(math.ceil(preds.shape[0] * min(1.0, ratios[k] / max_ratio))) + 2
            out[i] = preds[: min(frames, preds.shape[0])]
    return out


@lru_cache(maxsize=4)
def numeric_fold(recogniser):
    """A matrix that folds the recogniser's characters into number classes (blank, the digits and number marks):
    a digit's probability includes its look-alikes (0 and O, 1 and l), which are no doubt about the number."""
    import numpy as np

    chars = recogniser.characters
    classes = ["blank"] + list(NUMERIC_CHARS)
    where = {c: k for k, c in enumerate(classes)}
    fold = np.zeros((len(chars), len(classes)), dtype=np.float32)
    fold[0, 0] = 1.0
    for i, c in enumerate(chars):
        target = c if c in where else _NUMERIC_LOOKALIKE_MAP.get(c)
        if i and target in where:
            fold[i, where[target]] = 1.0
    return fold, classes


def decode(probs, characters, fold=None) -> Reading:
    """Greedy CTC decoding of one line's frames (folded into number classes by `fold` when given), with the confidence of the least sure character or dropped character and up to four other readings."""
    import numpy as np

    if fold is None:
        chars = characters
        p = probs
    else:
        # folded into number classes, the probabilities are not renormalised: mass the recogniser gave to other
        # characters (a 0 it half took for a 6, or for a Chinese character) stays doubt
        matrix, chars = fold
        p = probs @ matrix
    index = np.arange(p.shape[1])
    best = p.argmax(axis=1)
    text = []
    conf = []
    options = []  # per emitted character: [(char, prob)] best first
    gaps = []  # frames of blanks between characters: the chance that a character was dropped there
    prev = 0
    segments = []  # (kind, frames)
    for t, k in enumerate(best):
        if k != prev or k == 0:
            segments.append([int(k), [t]])
        else:
            segments[-1][1].append(t)
        prev = k
    for k, frames in segments:
        frame_probs = p[frames]
        if k == 0:
            nonblank = frame_probs[:, 1:].max() if frame_probs.shape[1] > 1 else 0.0
            gaps.append(
                (
                    len(text),
                    float(nonblank),
                    int(frame_probs[:, 1:].max(axis=0).argmax()) + 1 if frame_probs.shape[1] > 1 else 0,
                )
            )
            continue
        peak = frame_probs.max(axis=0)
        ranked = np.argsort(-peak)[:3]
        ch = chars[index[k]]
        text.append(ch)
        conf.append(float(peak[k]))
        options.append([(chars[index[j]], float(peak[j])) for j in ranked if j != 0 and peak[j] >= 0.02])
    if not text:
        return Reading("", 0.0)
    if fold is not None:
        # for a number, only a dropped character that would change its value is doubt: a digit anywhere, a
        # decimal point between digits of a number that has none, a sign before it; a stray mark after it is not
        gaps = [g for g in gaps if _changes_number(text, g[0], chars[index[g[2]]])]
    worst_drop = max((g[1] for g in gaps), default=0.0)
    confidence = min(min(conf), 1.0 - worst_drop)
    readings = {"".join(text): float(np.prod(conf))}
    for i, opts in enumerate(options):
        for ch, q in opts:
            if ch != text[i]:
                alt = text[:i] + [ch] + text[i + 1 :]
                readings["".join(alt)] = max(readings.get("".join(alt), 0.0), float(np.prod(conf)) / conf[i] * q)
    for pos, q, j in gaps:
        if q >= 0.05:
            alt = text[:pos] + [chars[index[j]]] + text[pos:]
            readings["".join(alt)] = max(readings.get("".join(alt), 0.0), float(np.prod(conf)) * q)
    ranked_readings = sorted(readings.items(), key=lambda kv: -kv[1])
    top = "".join(text)
    return Reading(top, round(confidence, 4), [(t, round(q, 4)) for t, q in ranked_readings if t != top][:4])


def _changes_number(text: list[str], pos: int, ch: str) -> bool:
    """Whether inserting `ch` at `pos` into a number's characters would make another number."""
    if ch.isdigit():
        return True
    if ch == "." and "." not in text:
        return 0 < pos < len(text) and text[pos - 1].isdigit() and text[pos].isdigit()
    if ch in "-—－":
        return pos == 0 and bool(text) and text[0].isdigit()
    return False


def recognise(recogniser, crops) -> list[tuple[Reading, object]]:
    """Read each crop (one line of text, grey): the free reading, and the recogniser's frame probabilities for a
    second, restricted reading (`as_number`)."""
    if not crops:
        return []
    return [(decode(probs, recogniser.characters), probs) for probs in frame_probabilities(recogniser, crops)]


def as_number(recogniser, probs) -> Reading:
    """The reading of a line known to hold a number: only digits and number marks are considered."""
    return decode(probs, recogniser.characters, numeric_fold(recogniser))


def looks_numeric(text: str) -> bool:
    t = text.translate(_NUMERIC_LOOKALIKE).replace(" ", "")
    return bool(t) and bool(_NUMERIC_TEXT.match(t))


CJK = re.compile(r"[\u3400-\u9fff]")


def may_be_number(text: str) -> bool:
    """A free reading that could be a misread number: no Chinese character, and at least half of it digits or
    their look-alikes (1Q5, O, l2)."""
    t = text.replace(" ", "").replace("\n", "").translate(_NUMERIC_LOOKALIKE)
    if not t or CJK.search(t):
        return False
    digits = sum(1 for ch in t if ch.isdigit())
    return digits * 2 >= len(t) or len(t) <= 2
