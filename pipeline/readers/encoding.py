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


def _mostly_cjk(text: str) -> bool:
    """True when most non-ASCII characters of `text` are CJK: what a Chinese line decoded with the right encoding
    looks like. GBK bytes that happen to be valid UTF-8 (平潭通 is C6BD CCB6 CDA8: ƽ̶ͨ) decode to Latin, Greek or
    combining marks instead."""
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return non_ascii > 0 and len(_CJK.findall(text)) * 2 >= non_ascii


def _decode_line(raw: bytes) -> tuple[str, str] | None:
    """(text, encoding) of one line: UTF-8 unless only GB18030 reads it as Chinese; None when neither decodes it."""
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and (raw.isascii() or _mostly_cjk(utf8)):
        return utf8, "utf-8"
    try:
        gbk = raw.decode("gb18030")
    except UnicodeDecodeError:
        gbk = None
    if gbk is not None and (utf8 is None or _mostly_cjk(gbk)):
        return gbk, "gb18030"
    return (utf8, "utf-8") if utf8 is not None else None


def _mixed_lines(data: bytes) -> bool:
    """True when some lines are Chinese in UTF-8 and others are not UTF-8: a UTF-8 page with a GBK footer pasted in,
    or the reverse. A whole-file GB18030 decode of such bytes can succeed and turn the UTF-8 lines into
    plausible-looking garbage, so they are decoded line by line instead."""
    utf8 = other = False
    for raw in data.split(b"\n"):
        if raw.isascii():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            other = True
        else:
            utf8 = utf8 or len(_CJK.findall(text)) >= 3 and _mostly_cjk(text)
        if utf8 and other:
            return True
    return False


def _replaced(text: str, notes: list | None, what: str) -> str:
    bad = text.count("\ufffd")
    if bad and notes is not None:
        notes.append(f"{bad} undecodable byte sequence(s) in {what} replaced by U+FFFD")
    return text


def decode_bytes(data: bytes, path: str, declared: str | None = None, notes: list | None = None) -> str:
    """Return the text of `data`, trying BOMs, UTF-8, a declared charset, then GB18030 and charset detection.

    UTF-8 is tried before a declared charset: bytes that are valid UTF-8 and not ASCII are UTF-8 whatever a page
    claims. A file mixing UTF-8 and GBK lines is decoded line by line, each line with the encoding that reads it;
    what was mixed or replaced is appended to `notes` (the document's warnings). Raises ReadError when no encoding
    yields readable text (the file is binary or garbled).
    """
    if data.startswith(codecs.BOM_UTF8):
        body = data[len(codecs.BOM_UTF8) :]
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        while body.startswith(codecs.BOM_UTF8):  # marks repeated: one call below, however many there are
            body = body[len(codecs.BOM_UTF8) :]
        # A UTF-8 mark in front of text that is not UTF-8: a converter that writes the mark whatever it saves (seen
        # before GB18030 bodies). The mark says nothing then; the bytes after it are read like any unmarked file
        # (UTF-8 with a few bad bytes included: its lines are read one by one, bad bytes replaced and noted).
        text = decode_bytes(body, path, declared, notes)
        if notes is not None:
            notes.append(
                "a UTF-8 byte-order mark before bytes that are not all UTF-8: the text was read by its content"
            )
        return text
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return _replaced(data.decode("utf-16", errors="replace"), notes, "UTF-16 text")
    candidates = ["utf-8"]
    if declared:
        candidates.append(declared)
    m = _DECLARED.search(data[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    candidates.append("gb18030")
    mixed = False
    for enc in candidates:
        enc = enc.lower()
        if enc in ("gb2312", "gbk", "x-gbk"):
            enc = "gb18030"  # a superset: pages that declare gb2312 often use GBK characters
        try:
            text = data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
        if enc not in ("utf-8", "utf8") and _mixed_lines(data):
            mixed = True
            break
        return text
    if not mixed:
        # UTF-16 without a BOM: many NUL bytes in alternate positions.
        if data.count(b"\x00") > len(data) // 4:
            for enc in ("utf-16-le", "utf-16-be"):
                try:
                    text = data.decode(enc)
                except UnicodeDecodeError:
                    continue
                if _cjk_share(text) > 0.05:
                    return text
        if not _mixed_lines(data):
            best = from_bytes(data).best()
            if best is not None and _cjk_share(str(best)) > 0.05:
                return str(best)
    # Mixed encodings: decode line by line, each line with the first encoding that works.
    lines = []
    bad = gbk = utf8 = 0
    for raw in data.split(b"\n"):
        decoded = _decode_line(raw)
        if decoded is None:
            bad += 1
            lines.append(raw.decode("utf-8", errors="replace"))
            continue
        lines.append(decoded[0])
        if not raw.isascii():
            gbk += decoded[1] == "gb18030"
            utf8 += decoded[1] == "utf-8"
    text = "\n".join(lines)
    if bad > max(3, len(lines) // 10) or _cjk_share(text) < 0.02:
        raise ReadError("undecodable text: no encoding (UTF-8, UTF-16, GB18030) reads it", stage="read")
    if notes is not None:
        notes.append(
            f"mixed encodings: {utf8} line(s) read as UTF-8, {gbk} as GB18030"
            + (f", {bad} undecodable line(s) with bad bytes replaced by U+FFFD" if bad else "")
        )
    return text
