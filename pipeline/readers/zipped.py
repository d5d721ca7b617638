"""The bounds every zip-based document format is opened with (DOCX, XLSX, OFD): a zip whose members would expand
past MAX_UNCOMPRESSED, or past 10 MB at more than MAX_RATIO times their packed size (a zip bomb), is refused before
any member is read. (A batch's .zip inputs have their own, per-member bounds: batch/inputs.py.)"""

from __future__ import annotations

import io
import zipfile

from ..document import ReadError

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200


def open_bounded_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """The archive, opened (the caller closes it), once its declared sizes are within the bounds; `kind` names the
    format in the errors (`corrupt DOCX: …`, `refused OFD: …`)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        raise ReadError(f"corrupt {kind}: not a readable zip archive ({e})")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED or (total > 10 * 1024 * 1024 and total / packed > MAX_RATIO):
        archive.close()
        raise ReadError(f"refused {kind}: archive expands to {total // (1024 * 1024)} MB (a zip bomb?)")
    return archive
