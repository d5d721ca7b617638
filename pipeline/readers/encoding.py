"""Decode bytes from Chinese government sites: UTF-8/UTF-16 (with or without BOM), GBK/GB2312/GB18030, declared or not."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from ..document import ReadError

_CJK = re.compile(r"[\u4e00-\u9fff]")
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    return len(_CJK.findall(text)) / max(1, len(text))


def decode_bytes(data: bytes, path: str, declared: str | None = None) -> str:
    """Return the text of `data`, trying BOMs, a declared charset, UTF-8, then GB18030 and charset detection.

    Raises ReadError when no encoding yields readable text (the file is binary or garbled).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace")
    candidates = []
    if declared:
        candidates.append(declared)
    m = _DECLARED.search(data[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        enc = enc.lower()
        if enc in ("gb2312", "gbk", "x-gbk"):
            enc = "gb18030"  # a superset: pages that declare gb2312 often use GBK characters
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    # UTF-16 without a BOM: many NUL bytes in alternate positions.
    if data.count(b"\x00") > len(data) // 4:
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _cjk_share(text) > 0.05:
                return text
    best = from_bytes(data).best()
    if best is not None and _cjk_share(str(best)) > 0.05:
        return str(best)
    # Mixed encodings: decode line by line, each line with the first encoding that works.
    lines = []
    bad = 0
    for raw in data.split(b"\n"):
        for enc in ("utf-8", "gb18030"):
            try:
                lines.append(raw.decode(enc))
                break
            except UnicodeDecodeError:
                continue
        else:
            bad += 1
            lines.append(raw.decode("utf-8", errors="replace"))
    text = "\n".join(lines)
    if bad > max(3, len(lines) // 10) or _cjk_share(text) < 0.02:
        raise ReadError(f"undecodable text: no encoding (UTF-8, UTF-16, GB18030) reads it", stage="read")
    return text
