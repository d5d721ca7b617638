"""What a batch's inputs are beyond plain files: the members of zip archives, and files no reader takes.

A zip archive (told by its bytes: a zip that is not a Word, Excel or OFD document) is expanded in memory, never on
disk: each member is an input of its own, named `archive.zip!folder/member.pdf` in errors.jsonl and as its
report's document, and `archive.zip!folder_member.pdf.json` in the outputs. Its members are read from the archive
by the process that reads them (a worker process or a Dask worker opens the archive itself), each
by its own entry (its place in the archive's directory, so two entries of one name are two inputs, never one read
twice: the second is `archive.zip!member (2).pdf`), and a resumed run knows a member by the SHA-256 of its own bytes.

What a batch calls each input (`document_names`): its file name when no other input has the same one, else its
path relative to the folder given (`2023/index.html`, `2024/index.html`), else the path as found; a file at the
root of the folder given keeps its plain name.

Limits, as the Word reader's: at most MAX_MEMBERS members and MAX_TOTAL bytes expanded in all (else the archive is
refused whole); a member larger than MAX_MEMBER_BYTES, or over 10 MB expanding more than MAX_RATIO times its packed
size (a zip bomb), is refused alone, and reading stops at its declared size whatever the stream holds. Names are
never used as paths on disk; still a member named with an absolute path or `..` (path traversal), a symbolic link
and a password-protected member are each refused with a recorded error. Names the archiver stored in the local
code page (Chinese Windows: GBK, without the UTF-8 flag) are decoded as GB18030 when they are not UTF-8.

One level only: an archive inside an archive is recorded as an error (unpack it), not opened; a 7z or RAR archive
is refused with a clear error (no reader of them is installed: unpack it). Folders and the archivers' and systems'
own files (`__MACOSX/`, `._*`, `.DS_Store`, `Thumbs.db`, `desktop.ini`, Word's `~$` lock files) are not inputs;
nor are the pictures of a web page saved with its files (`page.html` + `page_files/`), as in a folder.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from ..document import ReadError
from ..names import split_member, unique_file_name
from ..readers.formats import MAX_BYTES, sniff_format
from .store import is_url

MAX_MEMBERS = 5000
MAX_MEMBER_BYTES = MAX_BYTES
MAX_TOTAL = 2 * 1024**3
MAX_RATIO = 200
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
_FILES_FOLDER = re.compile(r"^(.+?)[._](?:files|files_)$|^(.+?)\.fld$", re.I)


def system_file(name: str) -> bool:
    """A file an operating system, an archiver or Word leaves beside documents: not an input."""
    low = name.lower()
    return low in SYSTEM_FILES or low.startswith("._") or name.startswith("~$")


def default_document(path: Path | str) -> str:
    """The document name of an input that no other input of its batch shares: its file name, or for an archive
    member `archive.zip!path/inside`."""
    parts = split_member(str(path))
    return f"{Path(parts[0]).name}!{parts[1]}" if parts else Path(path).name


def output_name(path: Path | str, taken: set[str], suffix: str = ".json", document: str | None = None) -> str:
    """`<document name><suffix>` made a safe file name (names.unique_file_name: no folder parts — `2023/index.html`
    is `2023_index.html` —, no bytes that are not UTF-8, at most MAX_NAME_BYTES) and unique within the batch; a
    name cut short or taken already gets a hash of the full path (of an object: its URL)."""
    key = str(path).encode("utf-8", "surrogateescape") if is_url(str(path)) else os.fsencode(Path(path).resolve())
    return unique_file_name(document or default_document(path), taken, suffix, key=key)


def member_path(archive: Path | str, member: str) -> str:
    """The name of an archive's member in errors and documents: `dir/archive.zip!folder/member.pdf` (an archive
    in an object store keeps its URL: `s3://bucket/dir/archive.zip!folder/member.pdf`)."""
    return f"{archive}!{member}" if is_url(str(archive)) else str(Path(f"{archive}!{member}"))


def document_names(found: list[tuple[Path, Path]]) -> list[str]:
    """The document name of each input (file as found, the input it was found under: the folder given, or the file
    itself when named directly): its file name; where two inputs share one, their paths relative to the folders
    given; where those still meet (two folders given, each with an index.html), the paths as found. A name is
    never shared: what is still shared after that (it cannot be, for files that are not one) gets ` (2)`."""
    levels = []
    for path, root in found:
        if is_url(str(path)):  # an object in an object store: its key under the prefix given
            path, root = str(path), str(root).rstrip("/")
            name = path.rsplit("/", 1)[-1]
            rel = path[len(root) + 1 :] if path != root and path.startswith(root + "/") else name
            levels.append([name, rel or name, path])
            continue
        try:
            rel = path.relative_to(root).as_posix() if root != path else path.name
        except ValueError:
            rel = path.name
        levels.append([path.name, rel or path.name, path.as_posix()])
    level = [0] * len(found)
    while True:
        names = [levels[i][level[i]] for i in range(len(found))]
        counts: dict[str, int] = {}
        for n in names:
            counts[n] = counts.get(n, 0) + 1
        shared = [i for i, n in enumerate(names) if counts[n] > 1 and level[i] < 2]
        if not shared:
            return _numbered(names)
        for i in shared:
            level[i] += 1


def _numbered(names: list[str]) -> list[str]:
    """Names made unique the way a browser names a second download: `report (2).doc`, `report (3).doc` for the
    second and later of a name (the extension kept, so the file is still read as what it is; the first keeps the
    name, and a name some input really has is left to it)."""
    real = set(names)
    used: set[str] = set()
    out = []
    for n in names:
        name, k = n, 1
        head, _, last = n.rpartition("/")
        stem, dot, ext = last.rpartition(".") if "." in last.lstrip(".") else (last, "", "")
        while name in used or (name != n and name in real):
            k += 1
            name = f"{head}{'/' if head else ''}{stem} ({k}){dot}{ext}"
        used.add(name)
        out.append(name)
    return out


def archive_kind(path: Path, opened=None) -> str | None:
    """ "zip", "7z" or "rar" when the file is an archive of files (by its bytes), else None. `opened`: the file
    already open (an object in an object store), read from its start."""
    try:
        if opened is not None:
            opened.seek(0)
            head = opened.read(8)
        else:
            with open(path, "rb") as f:
                head = f.read(8)
    except OSError:
        return None
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    try:
        with zipfile.ZipFile(opened if opened is not None else path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return "zip"  # a broken one: expand_archive says what is wrong with it
    if names & {"word/document.xml", "xl/workbook.xml", "OFD.xml", "mimetype", "[Content_Types].xml"}:
        return None  # a document kept as a zip (Word, Excel, OFD, OpenDocument, other Office files): read whole
    return "zip"


def _decoded(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe(name: str) -> bool:
    p = name.replace("\\", "/")
    return p.startswith("/") or re.match(r"^[A-Za-z]:", p) is not None or ".." in PurePosixPath(p).parts


def _page_pictures(name: str, all_names: set[str]) -> bool:
    """A member inside the `page_files/` folder of a web page saved beside it in the archive."""
    parts = PurePosixPath(name).parts
    for i, folder in enumerate(parts[:-1]):
        m = _FILES_FOLDER.match(folder)
        stem = m and (m.group(1) or m.group(2))
        where = "/".join(parts[:i])
        if stem and any(f"{where}/{stem}.{ext}".lstrip("/").lower() in all_names for ext in ("html", "htm", "mht")):
            return True
    return False


def expand_archive(archive: Path | str, kind: str, opened=None) -> tuple[list[tuple[str, str, int]], list[dict]]:
    """The members of an archive to read, as (display path, name in the archive, its entry's place in the
    archive's directory), and the problems found (the whole archive's, or one member's), as errors.jsonl records.
    A name the archive holds twice (zip allows it) is two members: the second shown as `name (2).pdf`. `opened`:
    the archive already open (an object in an object store: only its directory is read)."""
    from ..names import printable

    def problem(where, message):
        return {"file": printable(str(where)), "stage": "input", "message": message}

    if kind != "zip":
        return [], [
            problem(
                archive,
                f"unsupported archive: a {kind} archive is not opened (no reader of {kind} is "
                f"installed); unpack it and give its files",
            )
        ]
    try:
        with zipfile.ZipFile(opened if opened is not None else archive) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        return [], [problem(archive, f"corrupt zip archive: {e}")]
    files = [i for i in infos if not i.is_dir()]
    if len(files) > MAX_MEMBERS:
        return [], [problem(archive, f"refused zip archive: {len(files)} members exceed {MAX_MEMBERS}")]
    total = sum(i.file_size for i in files)
    if total > MAX_TOTAL:
        return [], [
            problem(
                archive,
                f"refused zip archive: its members expand to {total // (1024 * 1024)} MB, "
                f"more than {MAX_TOTAL // (1024 * 1024)} MB (a zip bomb?)",
            )
        ]
    names = {_decoded(i).lower() for i in files}
    decoded = [_decoded(i) for i in infos]
    numbered = dict(zip((id(i) for i in infos), _numbered(decoded)))  # one name twice: `name (2).pdf`
    place = {id(info): k for k, info in enumerate(infos)}
    members, problems = [], []
    for info in files:
        shown = _decoded(info)
        base = PurePosixPath(shown.replace("\\", "/")).name
        parts = PurePosixPath(shown.replace("\\", "/")).parts
        where = member_path(archive, numbered[id(info)])
        mode = info.external_attr >> 16
        if _unsafe(shown):
            problems.append(problem(where, "unsafe member name (an absolute path or ..): not read"))
        elif (
            any(p.startswith(".") or p == "__MACOSX" for p in parts[:-1])
            or base.startswith(".")
            or system_file(base)
            or _page_pictures(shown.replace("\\", "/"), names)
        ):
            continue
        elif stat.S_ISLNK(mode):
            problems.append(problem(where, "a symbolic link inside the archive: not followed"))
        elif info.flag_bits & 0x1:
            problems.append(
                problem(where, "encrypted (password-protected) zip member: it cannot be read without its password")
            )
        elif info.file_size > MAX_MEMBER_BYTES:
            problems.append(
                problem(
                    where,
                    f"file too large: {info.file_size // (1024 * 1024)} MB exceeds "
                    f"{MAX_MEMBER_BYTES // (1024 * 1024)} MB",
                )
            )
        elif info.file_size > 10 * 1024 * 1024 and info.file_size / max(info.compress_size, 1) > MAX_RATIO:
            problems.append(
                problem(
                    where,
                    f"refused zip member: {info.compress_size} bytes expand to "
                    f"{info.file_size // (1024 * 1024)} MB (a zip bomb?)",
                )
            )
        else:
            members.append((where, info.filename, place[id(info)]))
    return members, problems


def read_member(archive, name: str, entry: int | None = None) -> bytes:
    """The bytes of one member of `archive` (its path, or the archive open as a file) — the entry at place `entry`
    of the archive's directory, which must still bear its name (a name held twice is read by its place: `getinfo`
    would give the last of them for both) — read no further than its declared size (and MAX_MEMBER_BYTES)."""
    try:
        with zipfile.ZipFile(archive) as z:
            if entry is None:
                info = z.getinfo(name)
            else:
                infos = z.infolist()
                if not 0 <= entry < len(infos) or infos[entry].filename != name:
                    raise KeyError(name)
                info = infos[entry]
            if info.flag_bits & 0x1:
                raise ReadError("encrypted (password-protected) zip member: it cannot be read without its password")
            limit = min(info.file_size, MAX_MEMBER_BYTES)
            with z.open(info) as f:
                data = f.read(limit + 1)
    except ReadError:
        raise
    except KeyError:
        raise ReadError("the member is no longer in the archive")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as e:
        raise ReadError(f"corrupt zip member: {str(e).splitlines()[0][:150] if str(e) else type(e).__name__}")
    if len(data) > limit:
        raise ReadError("corrupt zip member: it expands past its declared size (a zip bomb?)")
    return data


def unsupported(path: Path | str, head: bytes | None = None) -> dict | None:
    """The errors.jsonl record of a file found in a folder whose extension no reader takes and whose bytes are no
    format read either (a saved page as .jsp or a report as .bin is read by its content), else None. `head`: its
    first 4 kB when the caller read them (an object in an object store)."""
    from ..names import printable

    if head is None:
        try:
            with open(path, "rb") as f:
                head = f.read(4096)
        except OSError:
            return None  # find_inputs records why it cannot be read
    if sniff_format(head) != "txt":
        return None
    ext = PurePosixPath(str(path).rsplit("/", 1)[-1]).suffix.lower() or "(no extension)"
    return {
        "file": printable(str(path)),
        "stage": "input",
        "message": f"unsupported file type {ext}: not read (the formats read: PDF, Word .docx/.doc, WPS, RTF, OFD, "
        f"HTML, text, spreadsheets, pictures, zip archives)",
    }
