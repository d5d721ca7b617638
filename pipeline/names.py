"""File names: as the pipeline shows them (errors.jsonl, a terminal, a log), as a report's document name, as a flat
file name, and as the key a source file is found by (literally, never as a glob pattern).

A file name is whatever bytes a crawler, an archiver or an attacker chose. Two things can go wrong when it is shown:
bytes that are not UTF-8 (Python keeps them as lone surrogates, which cannot be written as UTF-8), and characters
that a terminal obeys instead of printing — ESC sequences that clear the screen or retitle the window (`ESC [2J`,
`ESC ]0;title BEL`), the one-character CSI U+009B, a carriage return that overwrites the start of the line, BEL,
and the bidirectional overrides that make a name read backwards. `printable` handles the first (for JSON, which
escapes control characters itself); `shown` handles both, for every line printed to a terminal or a log.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

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


# --- a document's name: its identity in a batch, and that name as a file name ----------------------------------
#
# A report is known by its document name ("document" in the report JSON, the gold file, the exports, the summary):
# the input's file name when no other input of the batch has the same one, else its path relative to the folder
# given (`2023/index.html` beside `2024/index.html`; a crawler saves every page as index.html), and a zip member
# by its archive's name and its path inside (`downloads.zip!2023/report.doc`). Where a name must name a file
# (an output, a report page, a gold file) it is made flat (`2023_index.html`) and unique in its folder.

MEMBER = re.compile(r"^(?P<archive>.*?[^/\\]\.(?:zip|7z|rar))!(?P<member>[^/\\].*)$", re.I | re.S)
MAX_NAME_BYTES = 240  # file systems hold 255 bytes a name; room is left for the `.tmp-` prefix of write_atomic


def split_member(path: str) -> tuple[str, str] | None:
    """(archive, member) of an archive member's name (`dir/archive.zip!folder/member.pdf`), else None."""
    m = MEMBER.match(str(path))
    return (m.group("archive"), m.group("member")) if m else None


def flat_name(document: str) -> str:
    """A document name as one file name: folder separators as `_`, bytes that were not UTF-8 as `\\xff`, no NUL,
    no leading dot (a hidden file). A name without folders is itself."""
    base = printable(str(document)).replace("/", "_").replace(os.sep, "_").replace("\x00", "") or "document"
    return "_" + base if base.startswith(".") else base


def _cut_to_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def unique_file_name(document: str, taken: set[str], suffix: str = "", key: bytes | None = None) -> str:
    """`<flat name><suffix>`, at most MAX_NAME_BYTES, and not in `taken` (which it joins): a name cut short or
    taken already gets 8 hex digits of a hash of `key` (default: the document name) before the suffix."""
    base = flat_name(document)
    room = MAX_NAME_BYTES - len(suffix.encode())
    name = base + suffix
    if len(base.encode("utf-8")) > room or name in taken:
        digest = hashlib.sha1(key if key is not None else str(document).encode("utf-8", "surrogateescape"))
        name = f"{_cut_to_bytes(base, room - 9)}.{digest.hexdigest()[:8]}{suffix}"
    taken.add(name)
    return name


def find_source(document: str, dirs) -> Path | None:
    """The file a document name stands for, under one of `dirs`, matched literally — never as a glob pattern, so
    `pingtan[1].html` is that file, not `pingtan1.html`. A name with folders (`2023/index.html`) is that path under
    a folder; a plain name is looked for in each folder and below (the first by sorted path); an archive member's
    source is its archive. Only regular files inside the folder are returned (a link out of it is not)."""
    member = split_member(document)
    name = member[0] if member else str(document)
    if not name or "\x00" in name:
        return None
    parts = PurePosixPath(name.replace(os.sep, "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or any(p.startswith(".") for p in parts):
        return None
    for d in dirs:
        root = Path(d)
        if not root.is_dir():
            continue
        real_root = root.resolve()
        if len(parts) > 1:
            found = [root.joinpath(*parts)]
        else:
            found = _files_named(root, name)
        for p in found:
            rp = p.resolve()
            if rp.is_file() and real_root in rp.parents:
                return p
    return None


def _files_named(root, name: str):
    """Files called exactly `name` under `root`: the folder's own first, then its sub-folders in sorted order (a
    walk from the top, hidden folders passed over), compared as strings, never as a pattern."""
    for folder, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        if name in files:
            yield Path(folder) / name
