"""Writing into a batch's output folder: every file whole or not at all, failures recorded as they happen, and a
full disk a clear error, never a traceback.

- `write_atomic`: a file is written to a temporary name beside it and renamed, so a reader never sees half of it,
  whatever stops the writer (Ctrl-C, a kill, a full disk).
- `ErrorLog`: OUT/errors.jsonl during a batch. Each failure is appended as it happens, one whole line or nothing
  (a line cut short by a full disk is taken back), so a batch that stops keeps every failure recorded before it.
  At the end (`write_errors`) the file is rewritten once, in input order, without the records of inputs this run
  answered again; when that rewrite cannot be made (no space for the copy), the appended lines stay, each whole.
- `OutputError`: writing into OUT failed (no space left, a quota, a read-only file system). The batch stops at
  once — every further write would fail too — with one line that names the file and the reason; what was written
  stays, and running the same command again after space is freed resumes.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from ..names import json_line_shown

_ESCAPED_BYTE = re.compile(r"[\udc80-\udcff]")


class OutputError(OSError):
    """Writing into the output folder failed: the one-line message names the file and the system's reason (`No
    space left on device`). An OSError, so code that handles a failed write still does."""

    def __init__(self, path, error: OSError):
        reason = error.strerror or str(error)
        super().__init__(error.errno, f"cannot write {path}: {reason}")
        self.path, self.reason = str(path), reason

    def __str__(self) -> str:
        return self.strerror

    def __reduce__(self):  # raised in a worker process, it is sent back as this one line
        return OutputError, (self.path, OSError(self.errno, self.reason))


def dump_json(obj, indent: int | None = None) -> str:
    """JSON text (UTF-8 characters kept, `indent` 2 or none) by orjson, ten times faster than the json module; a
    file name holding bytes that are not UTF-8 goes through json, and those bytes read `\\xff` too."""
    import orjson

    try:
        return orjson.dumps(obj, option=(orjson.OPT_INDENT_2 if indent else 0) | orjson.OPT_SERIALIZE_NUMPY).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(obj, ensure_ascii=False, indent=2 if indent else None)
        return _ESCAPED_BYTE.sub(lambda m: "\\\\x%02x" % (ord(m.group()) - 0xDC00), text)


_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: the mode new files get, as any program's files would under this umask


def write_atomic(path: Path, text: str) -> None:
    """Write a file whole or not at all: to a temporary name beside it, then renamed. The file gets the mode any
    new file gets under the user's umask (0644 under 022), not the temporary file's private 0600. A write that
    fails (a full disk) leaves no temporary file and raises OutputError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    except OSError as e:
        raise OutputError(path, e) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, OutputError):
            raise OutputError(path, e) from None
        raise


def error_line(record: dict) -> str:
    """One record of errors.jsonl as its line: JSON whose control characters are all escaped (json_line_shown), so
    `cat errors.jsonl` cannot drive a terminal either."""
    return json_line_shown(dump_json(record)) + "\n"


class ErrorLog:
    """OUT/errors.jsonl while a batch runs: failures appended one whole line at a time, as they happen. The file is
    opened for each line, so a line always lands in the file that bears the name (a run beside this one may have
    rewritten it). A link planted at its name is replaced by the file, never followed (nothing is written outside
    OUT), and a named pipe there is not waited on."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.recorded = 0

    def _open(self) -> int:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            return os.open(self.path, flags, 0o666)
        except OSError:
            if not os.path.islink(self.path):
                raise
            os.unlink(self.path)  # a link at the name: replaced, as write_atomic's rename replaces one
            return os.open(self.path, flags, 0o666)

    def add(self, record: dict) -> None:
        data = error_line(record).encode("utf-8")
        fd = start = None
        try:
            fd = self._open()
            start = os.fstat(fd).st_size
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError as e:
            if start is not None:  # a line cut short is taken back: the file holds whole lines only
                try:
                    os.ftruncate(fd, start)
                except OSError:
                    pass
            raise OutputError(self.path, e) from None
        finally:
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.recorded += 1


def write_errors(out: Path, errors: list[dict], answered: set[str] | None = None, exists=os.path.lexists,
                 archive_of=lambda where: where) -> None:
    """OUT/errors.jsonl as a batch leaves it: one record per input that failed. Records an earlier run (or a run
    beside this one) left for inputs this run did not answer are kept, so no failure is lost; this run's inputs get
    this run's records; a record whose input no longer exists (`exists` of its file, or of its archive for a
    member: `archive_of`) is dropped. Rewritten only when it changes, so a file that already says it costs no
    space (a full disk)."""
    path = Path(out) / "errors.jsonl"
    earlier_text = None
    if path.is_file() and not path.is_symlink():  # never read through a link, nor a device (/dev/zero never ends)
        try:
            earlier_text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    kept = []
    if answered is not None:
        for line in (earlier_text or "").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            where = archive_of(str(record.get("file")))
            if record.get("file") not in answered and exists(where):  # an input since removed has nothing to report
                kept.append(record)
    text = "".join(error_line(e) for e in kept + errors)
    if text != earlier_text:
        write_atomic(path, text)
