"""File names as the pipeline shows them: in errors.jsonl, on a terminal, in a log.

A file name is whatever bytes a crawler, an archiver or an attacker chose. Two things can go wrong when it is shown:
bytes that are not UTF-8 (Python keeps them as lone surrogates, which cannot be written as UTF-8), and characters
that a terminal obeys instead of printing — ESC sequences that clear the screen or retitle the window (`ESC [2J`,
`ESC ]0;title BEL`), the one-character CSI U+009B, a carriage return that overwrites the start of the line, BEL,
and the bidirectional overrides that make a name read backwards. `printable` handles the first (for JSON, which
escapes control characters itself); `shown` handles both, for every line printed to a terminal or a log.
"""
from __future__ import annotations

import re

_ESCAPED_BYTE = re.compile(r"[\udc80-\udcff]")
# C0 controls, DEL and C1 controls (U+009B is a one-character CSI); line and paragraph separators; the
# bidirectional marks, embeddings, overrides and isolates
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_CONTROL_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")  # JSON escapes C0 itself


def printable(text: str) -> str:
    """A file name as text that can be written as UTF-8: bytes that were not UTF-8 (kept by Python as lone
    surrogates) are shown as `\\xff`, the way a shell or Python shows them."""
    return _ESCAPED_BYTE.sub(lambda m: "\\x%02x" % (ord(m.group()) - 0xDC00), text)


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    code = ord(ch)
    return _SHORT.get(ch) or ("\\x%02x" % code if code < 0x100 else "\\u%04x" % code)


def shown(text: str, keep_newlines: bool = False) -> str:
    """Text as a terminal or a log may print it: bytes that were not UTF-8 as `\\xff` (printable), and every control
    character as its escape (`\\x1b`, `\\x9b`, `\\r`, `\\u202e`), so a name can neither drive the terminal nor break
    a one-line message. `keep_newlines`: line ends are kept (a traceback's)."""
    text = printable(str(text))
    if keep_newlines:
        return "\n".join(_CONTROL.sub(lambda m: _escape(m.group()), line) for line in text.split("\n"))
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


def json_line_shown(line: str) -> str:
    """A JSON text safe to print: JSON escapes C0 controls itself but lets C1 controls (U+009B), line separators and
    bidirectional overrides through raw; they are written as `\\u009b` escapes, which read back as the same text."""
    return _CONTROL_IN_JSON.sub(lambda m: "\\u%04x" % ord(m.group()), line)
