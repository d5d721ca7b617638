"""Where a batch writes: its output folder, or a prefix of an object store; every output whole or not at all,
failures recorded as they happen, and a full disk a clear error, never a traceback.

A batch's outputs live in a *store*, known by the `--out` given: a folder (`out/`, or a `file://` URL: a folder every
worker sees, local or shared) is a `FolderStore`; any other fsspec URL (`s3://bucket/reports/` through s3fs, `gs://`,
`az://`, …) is an `ObjectStore`. Outputs are written and read by their name in the store, by whichever process
made them — this one, a worker process, a Dask worker on another host — so a store is a small picklable value
(its location), and each process opens the file system itself with its own credentials (for S3: the `AWS_*`
variables, or fsspec's `FSSPEC_S3_*`, e.g. `FSSPEC_S3_ENDPOINT_URL` for a server of one's own).

- Whole or not at all: a folder's files are written to a temporary name and renamed (files.write_atomic); an
  object store's PUT makes an object whole or not at all by itself.
- `ErrorLog`: OUT/errors.jsonl during a batch. In a folder each failure is appended as it happens, one whole line or
  nothing (a line cut short by a full disk is taken back), so a batch that stops keeps every failure recorded
  before it. An object cannot be appended to: there the file is written again with the lines so far, at most every
  few seconds and when the batch stops. At the end (`write_errors`) the file is rewritten once, in input order,
  without the records of inputs this run answered again; when that rewrite cannot be made (no space for the copy),
  the appended lines stay, each whole.
- `OutputError`: writing into OUT failed (no space left, a quota, a read-only file system, a bucket refusing). The
  batch stops at once — every further write would fail too — with one line that names the file and the reason;
  what was written stays, and running the same command again after space is freed resumes.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..files import write_atomic
from ..names import json_line_shown
from .provenance import dump_json

ERRORS = "errors.jsonl"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(text: str) -> bool:
    """A location given as a URL (`s3://bucket/x`, `file:///data/x`), not a path."""
    return bool(_URL.match(text))


def local_path(location: str) -> str:
    """A `file://` URL as the path it names; anything else as it is."""
    return location[len("file://") :] if location.startswith("file://") else location


def filesystem(url: str):
    """(the fsspec file system, the path inside it) of a URL, opened with this process's own settings; a clear
    error naming the package when the protocol's implementation is not installed (s3fs for s3://)."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as e:
        package = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}.get(
            url.split("://", 1)[0], "the fsspec implementation of this protocol"
        )
        raise OSError(
            f"cannot open {url}: {package} is not installed (pip install -e '.[cluster]', or pip install {package})"
        ) from e


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


@dataclass(frozen=True)
class FolderStore:
    """A folder: the outputs are its files. `root` as given names them in the batch's results and messages;
    `real`, its absolute path, is where they are written, whatever folder a worker runs in."""

    root: str = "."
    real: str = field(default="", compare=False)

    def __post_init__(self):
        if not self.real:
            object.__setattr__(self, "real", os.path.abspath(self.root))

    def locate(self, name: str) -> str:
        return str(Path(self.root) / name)

    def _path(self, name: str) -> Path:
        return Path(self.real) / name

    def write(self, name: str, text: str) -> None:
        """The file written whole or not at all (files.write_atomic); a failed write raises OutputError."""
        try:
            write_atomic(self._path(name), text, suffix=".json")
        except OSError as e:
            raise OutputError(self.locate(name), e) from None

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def read_regular(self, name: str) -> bytes | None:
        """A file's bytes when it is a regular file, never read through a link nor from a device (/dev/zero never
        ends): what the batch reads back of a file others may have planted."""
        path = self._path(name)
        if not path.is_file() or path.is_symlink():
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def exists(self, name: str) -> bool:
        return os.path.lexists(self._path(name))

    def remove(self, name: str) -> None:
        self._path(name).unlink()

    def error_log(self) -> "ErrorLog":
        return ErrorLog(self._path(ERRORS), shown=self.locate(ERRORS))

    def check_writable(self) -> None:
        """Raise OSError when no file can be made here (a read-only folder, a file in the way)."""
        import tempfile

        Path(self.real).mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=self.real, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)


@dataclass(frozen=True)
class ObjectStore:
    """A prefix of an object store (`s3://bucket/reports`): each output is an object, written by one PUT (whole or
    not at all). The file system is opened once per process, on first use."""

    url: str

    def _fs(self):
        return _opened(self.url.split("://", 1)[0])

    def locate(self, name: str) -> str:
        return f"{self.url.rstrip('/')}/{name}"

    def write(self, name: str, text: str) -> None:
        try:
            self._fs().pipe_file(self.locate(name), text.encode("utf-8"))
        except OSError as e:
            raise OutputError(self.locate(name), e) from None

    def read(self, name: str) -> bytes:
        return self._fs().cat_file(self.locate(name))

    def read_regular(self, name: str) -> bytes | None:
        try:
            return self.read(name)
        except (OSError, ValueError):
            return None

    def exists(self, name: str) -> bool:
        return self._fs().exists(self.locate(name))

    def remove(self, name: str) -> None:
        self._fs().rm_file(self.locate(name))

    def error_log(self) -> "ObjectErrorLog":
        return ObjectErrorLog(self)

    def check_writable(self) -> None:
        """Raise OSError when the prefix cannot be written (no such bucket, no permission)."""
        probe = f".probe-{os.getpid()}"
        fs = self._fs()
        fs.pipe_file(self.locate(probe), b"")
        fs.rm_file(self.locate(probe))


_FILESYSTEMS: dict = {}


def _opened(protocol: str):
    """This process's file system for a protocol (fsspec caches instances too; kept here so a worker opens it once
    whatever the task)."""
    if protocol not in _FILESYSTEMS:
        _FILESYSTEMS[protocol] = filesystem(f"{protocol}://")[0]
    return _FILESYSTEMS[protocol]


def open_store(out: str | Path):
    """The store `--out` names: a folder (a path, or a `file://` URL) or an object store prefix (any other URL)."""
    out = str(out)
    if is_url(out) and not out.startswith("file://"):
        return ObjectStore(out.rstrip("/"))
    return FolderStore(local_path(out))


def error_line(record: dict) -> str:
    """One record of errors.jsonl as its line: JSON whose control characters are all escaped (json_line_shown), so
    `cat errors.jsonl` cannot drive a terminal either."""
    return json_line_shown(dump_json(record)) + "\n"


class ErrorLog:
    """OUT/errors.jsonl while a batch runs: failures appended one whole line at a time, as they happen. The file is
    opened for each line, so a line always lands in the file that bears the name (a run beside this one may have
    rewritten it). A link planted at its name is replaced by the file, never followed (nothing is written outside
    OUT), and a named pipe there is not waited on."""

    def __init__(self, path: Path, shown: str | None = None):
        self.path = Path(path)
        self.shown = shown or str(path)
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
                view = view[os.write(fd, view) :]
        except OSError as e:
            if start is not None:  # a line cut short is taken back: the file holds whole lines only
                try:
                    os.ftruncate(fd, start)
                except OSError:
                    pass
            raise OutputError(self.shown, e) from None
        finally:
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.recorded += 1

    def close(self) -> None:
        pass


class ObjectErrorLog:
    """errors.jsonl in an object store, where nothing can be appended: the object is written again with the earlier
    lines and this run's so far, at most every FLUSH_SECONDS while failures come in, and when the batch ends or
    stops (`close`)."""

    FLUSH_SECONDS = 5.0

    def __init__(self, store: ObjectStore):
        self.store = store
        earlier = store.read_regular(ERRORS)
        self.text = earlier.decode("utf-8", "replace") if earlier else ""
        self.unsaved = False
        self.saved_at = time.monotonic()
        self.recorded = 0

    def add(self, record: dict) -> None:
        self.text += error_line(record)
        self.recorded += 1
        self.unsaved = True
        if time.monotonic() - self.saved_at >= self.FLUSH_SECONDS:
            self.close()

    def close(self) -> None:
        if self.unsaved:
            self.store.write(ERRORS, self.text)
            self.unsaved, self.saved_at = False, time.monotonic()


def write_errors(
    store, errors: list[dict], answered: set[str] | None = None, exists=os.path.lexists, archive_of=lambda where: where
) -> None:
    """OUT/errors.jsonl as a batch leaves it: one record per input that failed. Records an earlier run (or a run
    beside this one) left for inputs this run did not answer are kept, so no failure is lost; this run's inputs get
    this run's records; a record whose input no longer exists (`exists` of its file, or of its archive for a
    member: `archive_of`) is dropped. Rewritten only when it changes, so a file that already says it costs no
    space (a full disk)."""
    if not hasattr(store, "read_regular"):  # a folder given as a path
        store = FolderStore(str(store))
    earlier = store.read_regular(ERRORS)
    earlier_text = None
    if earlier is not None:
        try:  # read as text is read: line ends as \n
            earlier_text = earlier.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
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
        store.write(ERRORS, text)
