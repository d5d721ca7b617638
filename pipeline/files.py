"""Files written whole or not at all: to a temporary name beside the target, then renamed onto it.

A reader (a resumed batch, DVC, Datasette, the review app, the next command) never sees half a file, whatever stops
the writer (Ctrl-C, a kill, a full disk): the rename is atomic on a POSIX file system, and a write that fails
leaves no temporary file behind. One helper for every layer that keeps a file — the batch's outputs, the read cache
of the readers, the built-in labelers' arrays, reports.db, the review app's gold labels — so it lives in the
foundation, importable from every layer.

- `write_atomic(path, data)`: text or bytes, in one call.
- `replacing(path)`: for writers that need a file name of their own (numpy's savez, SQLite): they write the
  temporary path given, which replaces `path` when the block ends without an error.

New files get the mode any file gets under the user's umask (0644 under 022), not the temporary file's private 0600.
Errors are the system's OSError (the batch turns them into one clear line, batch/store.py).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: the mode new files get, as any program's files would under this umask
FILE_MODE = 0o666 & ~_UMASK


@contextmanager
def replacing(path: str | Path, suffix: str | None = None):
    """A temporary path in `path`'s folder (`.tmp-…`, a hidden name, with `path`'s own suffix unless `suffix` is
    given) to write; it replaces `path` when the block ends, and is removed when the block raises."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix if suffix is None else suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def write_atomic(path: str | Path, data: str | bytes, suffix: str | None = None) -> None:
    """Write `data` (text as UTF-8, or bytes) to `path` whole or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix if suffix is None else suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
