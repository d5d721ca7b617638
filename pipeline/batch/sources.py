"""Where a batch's inputs come from: folders walked and files named on this machine, or objects listed under a
URL (an object store through fsspec: `s3://bucket/reports/`), and the bytes of one input read by whichever process
runs it — this one, a worker process, or a Dask worker that reads its inputs itself.

The process that plans a batch only lists names (and opens an archive's directory to list its members); the bytes
of a report are read once, by the process that reads the report (`read_input`).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..document import ReadError
from ..names import printable
from ..readers.formats import MAX_BYTES, SUPPORTED_EXTENSIONS, check_size
from . import inputs as archives
from .store import filesystem, is_url, local_path


def find_inputs(paths: list[str], skip: str | Path | None = None, roots: dict | None = None) -> tuple[list, list[dict]]:
    """Files named directly, and files with a supported extension found by walking directories (sorted; folders
    reached through symbolic links are walked too, each once). A file reached twice (named twice, or through a
    link) is read once. Anything that is not a regular file (a named pipe, a socket, a device) is recorded as an
    error without being opened: opening a FIFO would wait for a writer forever. A file in a folder with an extension
    no reader takes is read when its bytes are a format read (a PDF saved as .bin), else recorded as unsupported;
    hidden files and the systems' own (Thumbs.db, Word's ~$ lock files) are passed over, and so is the folder
    `skip` (the batch's own output folder, when it lies inside a folder walked). `roots`, when given, is filled
    with the input each file was found under (the folder given, or the file itself): its name is relative to it.

    A URL (`s3://bucket/prefix/`) is listed in its object store the same way (find_objects); a `file://` URL is the
    folder it names. Local files are Paths, objects their URLs (str)."""
    files: list = []
    problems: list[dict] = []
    seen: set[str] = set()
    roots = roots if roots is not None else {}

    def add(path: Path, root: Path | None = None) -> None:
        try:
            st = path.stat()
        except OSError as e:
            problems.append(
                {"file": printable(str(path)), "stage": "input", "message": f"cannot read: {e.strerror or e}"}
            )
            return
        if not stat.S_ISREG(st.st_mode):
            kind = (
                "a named pipe (FIFO)"
                if stat.S_ISFIFO(st.st_mode)
                else "a socket"
                if stat.S_ISSOCK(st.st_mode)
                else "a device"
                if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "not a file"
            )
            problems.append(
                {
                    "file": printable(str(path)),
                    "stage": "input",
                    "message": f"not a regular file: {kind}; it was not opened",
                }
            )
            return
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            files.append(path)
            roots[path] = root if root is not None else path

    for p in paths:
        if is_url(str(p)) and not str(p).startswith("file://"):
            found, refused = find_objects(str(p), roots, seen)
            files += found
            problems += refused
            continue
        path = Path(local_path(str(p)))
        if path.is_dir():
            walked: set[str] = set()
            for root, dirs, names in os.walk(path, followlinks=True):
                real = os.path.realpath(root)
                if real in walked:  # a link back to a folder already walked (a loop, or two links to one folder)
                    dirs[:] = []
                    continue
                walked.add(real)
                if skip is not None and real == os.path.realpath(skip):
                    dirs[:] = []
                    continue
                # a web page saved with its files (page.html + page_files/): the pictures belong to the page
                # hidden folders (.git, a program's profile) hold no reports, as hidden files are none
                dirs[:] = sorted(d for d in dirs if not _page_files_folder(d, names) and not d.startswith("."))
                for n in sorted(names):
                    if n.startswith(".") or archives.system_file(n):
                        continue
                    if n.lower().endswith(SUPPORTED_EXTENSIONS):
                        add(Path(root) / n, path)
                    elif os.path.isfile(Path(root) / n):
                        refused = archives.unsupported(Path(root) / n)
                        if refused is None:
                            add(Path(root) / n, path)
                        else:
                            problems.append(refused)
        elif path.exists() or path.is_symlink():
            add(path)
        else:
            problems.append({"file": printable(str(p)), "stage": "input", "message": "no such file or directory"})
    return files, problems


_FILES_FOLDER = re.compile(r"^(.+?)[._](?:files|files_)$|^(.+?)\.fld$", re.I)


def _page_files_folder(folder: str, names: list[str]) -> bool:
    """A folder that holds the pictures of a web page saved beside it (page.html + page_files/ or page.files/)."""
    m = _FILES_FOLDER.match(folder)
    stem = m and (m.group(1) or m.group(2))
    return bool(stem) and any(
        n.lower() in (f"{stem.lower()}.html", f"{stem.lower()}.htm", f"{stem.lower()}.mht") for n in names
    )


def find_objects(url: str, roots: dict, seen: set[str]) -> tuple[list[str], list[dict]]:
    """The objects under a URL, as a folder is walked (in find_inputs' order): hidden keys and the systems' own files
    passed over, the picture folder of a saved web page said and passed over, an object whose extension no reader
    takes read when its first 4 kB are a format read (else recorded as unsupported). A URL naming one object is that
    object."""
    protocol = url.split("://", 1)[0]
    prefix = f"{protocol}://"
    try:
        fs, root = filesystem(url)
        fs.invalidate_cache()  # listed afresh: a process that runs batches one after another sees each one's objects
        if not fs.isdir(root):
            if fs.isfile(root):
                found = prefix + root
                roots[found] = found
                seen.add(found)
                return [found], []
            return [], [{"file": printable(url), "stage": "input", "message": "no such file or directory"}]
        keys = sorted(fs.find(root), key=_walk_order)
    except OSError as e:
        return [], [{"file": printable(url), "stage": "input", "message": f"cannot list: {e.strerror or e}"}]
    base = root.rstrip("/")
    given = url.rstrip("/")
    by_folder: dict[str, set[str]] = {}
    for key in keys:
        folder, _, name = key.rpartition("/")
        by_folder.setdefault(folder, set()).add(name)
    files, problems, told = [], [], set()
    for key in keys:
        rel = key[len(base) + 1 :] if key.startswith(base + "/") else key.rsplit("/", 1)[-1]
        parts = rel.split("/")
        folders = parts[:-1]
        name = parts[-1]
        if any(p.startswith(".") for p in parts) or archives.system_file(name):
            continue
        parent = base
        pictures = None
        for f in folders:  # a saved page's own folder of pictures, as the walk passes it over
            if _page_files_folder(f, list(by_folder.get(parent, ()))):
                pictures = f"{prefix}{parent}/{f}"
                break
            parent = f"{parent}/{f}"
        if pictures is not None:
            if pictures not in told:  # the page is read, but not its pictures: said, not dropped in silence
                told.add(pictures)
                problems.append(
                    {
                        "file": printable(pictures),
                        "stage": "input",
                        "message": (
                            "the pictures of a web page saved with its files are read only from a folder, not from an object "
                            "store: its page is read without them (tables pasted as pictures are missed); give the page and "
                            "this folder from a file system"
                        ),
                    }
                )
            continue
        found = f"{given}/{rel}"
        if found in seen:
            continue
        if not name.lower().endswith(SUPPORTED_EXTENSIONS):
            try:
                head = fs.cat_file(key, 0, 4096)
            except OSError as e:
                problems.append(
                    {"file": printable(found), "stage": "input", "message": f"cannot read: {e.strerror or e}"}
                )
                continue
            refused = archives.unsupported(found, head)
            if refused is not None:
                problems.append(refused)
                continue
        seen.add(found)
        files.append(found)
        roots[found] = given
    return files, problems


def _walk_order(key: str) -> tuple:
    """Keys in the order os.walk gives a folder's files (as find_inputs walks): a folder's own files first, by
    name, then each of its sub-folders, by name, in turn."""
    *folders, name = key.split("/")
    return tuple((1, f) for f in folders) + ((0, name),)


def input_exists(location: str) -> bool:
    """Whether an input still exists (a record of errors.jsonl for an input since removed is dropped): a path on
    this machine, or an object."""
    if is_url(location) and not location.startswith("file://"):
        try:
            fs, path = filesystem(location)
            return fs.exists(path)
        except (OSError, ValueError):
            return True  # unknown: the record is kept, never lost
    return os.path.lexists(local_path(location))


def open_object(url: str):
    """An object of an object store open for reading (seekable: an archive's directory is read without its
    members)."""
    fs, path = filesystem(url)
    return fs.open(path, "rb")


def read_input(source: str, member: str | None = None, entry: int | None = None) -> bytes:
    """The bytes of one input: a file (its absolute path), an object (its URL), or a member of an archive that is
    either. Refused before reading as the readers refuse it: an empty file, one over MAX_BYTES."""
    remote = is_url(source) and not source.startswith("file://")
    if member is not None:
        if remote:
            try:
                with open_object(source) as f:
                    return archives.read_member(f, member, entry)
            except OSError as e:
                raise ReadError(f"cannot read file: {e.strerror or e}")
        return archives.read_member(local_path(source), member, entry)
    if remote:  # one request: the object read no further than MAX_BYTES + 1 (its size asked only when it is larger,
        try:  # or when the range cannot be served: an empty object has no byte 0)
            fs, path = filesystem(source)
            try:
                data = fs.cat_file(path, start=0, end=MAX_BYTES + 1)
            except FileNotFoundError:
                raise
            except OSError:
                data = b"" if fs.size(path) == 0 else fs.cat_file(path, start=0, end=MAX_BYTES + 1)
            size = len(data) if len(data) <= MAX_BYTES else fs.size(path)
        except (OSError, ValueError) as e:
            raise ReadError(f"cannot read file: {getattr(e, 'strerror', None) or e}")
    else:
        source = local_path(source)
        try:
            size = os.path.getsize(source)
        except OSError as e:
            raise ReadError(f"cannot read file: {e.strerror}")
    check_size(size)
    if remote:
        return data
    with open(source, "rb") as f:
        return f.read()
