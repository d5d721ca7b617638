"""Legacy office files — Word 97-2003 (.doc), Kingsoft WPS Writer (.wps), RTF — converted by LibreOffice, then read.

Each file is told by its bytes, not its name: an OLE2 compound file (`\\xd0\\xcf\\x11\\xe0`) is a Word document when
it holds a `WordDocument` stream (a Kingsoft WPS Writer file is one too: WPS saves its .wps in the Word 97 binary
format), a spreadsheet when it holds `Workbook`/`Book` (.xls, Kingsoft .et), an encrypted OOXML file when it holds
`EncryptedPackage`; RTF starts with `{\\rtf`. Password-protected files are refused before LibreOffice sees them
(the Word FIB's fEncrypted bit, the workbook's FILEPASS record, an encrypted OOXML package).

`convert` runs `soffice --headless --convert-to FORMAT` on a copy in a private temporary folder with a private
profile (`-env:UserInstallation=file:///tmp/...`: runs in parallel never share or lock one), without standard
input, in its own process group, killed whole past CONVERT_SECONDS (or when the caller's own time limit fires).
The binary is `$GOVREPORT_SOFFICE` when set, else `soffice` (or `libreoffice`) on the PATH; where there is none,
the file fails with a ReadError naming the Debian package to install, and the batch goes on.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import struct
import subprocess
import tempfile
from pathlib import Path

from ..document import Document, ReadError

SOFFICE_ENV = "GOVREPORT_SOFFICE"
CONVERT_SECONDS = 180.0  # one conversion; a long report takes one or two seconds
WRITER_PACKAGE = "libreoffice-writer-nogui"
CALC_PACKAGE = "libreoffice-calc-nogui"
MAX_CONVERTED_BYTES = 200 * 1024 * 1024


def soffice_binary() -> str | None:
    """The LibreOffice program to run, or None where there is none."""
    named = os.environ.get(SOFFICE_ENV)
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def ole_kind(data: bytes) -> str:
    """What an OLE2 compound file holds: "doc" (Word 97-2003 or Kingsoft WPS Writer), "xls" (Excel 97-2003 or
    Kingsoft ET), "encrypted-ooxml" (a password-protected .docx/.xlsx), or raises ReadError naming what it is."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as e:  # olefile raises OSError and its own errors for broken headers and FATs
        raise ReadError(
            f"corrupt Office binary file (OLE2): {str(e).splitlines()[0][:150] if str(e) else type(e).__name__}"
        )
    try:
        streams = {"/".join(s) for s in ole.listdir(streams=True, storages=False)}
        if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
            raise ReadError(
                "encrypted (password-protected) Office document: it cannot be read without its password;"
                " save an unprotected copy"
            )
        if "WordDocument" in streams:
            fib = _stream(ole, "WordDocument", 12)
            if len(fib) >= 12 and struct.unpack_from("<H", fib, 10)[0] & 0x0100:  # FIB fEncrypted
                raise ReadError(
                    "encrypted (password-protected) Word document: it cannot be read without its "
                    "password; save an unprotected copy"
                )
            return "doc"
        book = next((s for s in ("Workbook", "Book") if s in streams), None)
        if book is not None:
            if _biff_encrypted(_stream(ole, book, 1 << 20)):
                raise ReadError(
                    "encrypted (password-protected) spreadsheet: it cannot be read without its password;"
                    " save an unprotected copy"
                )
            return "xls"
        if "PowerPoint Document" in streams:
            raise ReadError(
                "unsupported format: a PowerPoint presentation (OLE2 .ppt/.dps); save the report as Word, PDF or HTML"
            )
        named = ", ".join(sorted(streams)[:6]) or "none"
        raise ReadError(
            f"unsupported format: an Office binary (OLE2) file that is neither a Word document nor a "
            f"spreadsheet (its streams: {named})"
        )
    finally:
        ole.close()


def _stream(ole, name: str, limit: int) -> bytes:
    try:
        with ole.openstream(name) as s:
            return s.read(limit)
    except Exception as e:
        raise ReadError(f"corrupt Office binary file: its {name} stream cannot be read ({type(e).__name__})")


def _biff_encrypted(workbook: bytes) -> bool:
    """A FILEPASS record (0x002F) in the workbook globals: the workbook is encrypted."""
    pos = 0
    while pos + 4 <= len(workbook):
        kind, size = struct.unpack_from("<HH", workbook, pos)
        if kind == 0x002F:
            return True
        if kind == 0x000A:  # EOF of the globals substream
            return False
        pos += 4 + size
    return False


def convert(
    data: bytes, suffix: str, target: str, path: str, package: str = WRITER_PACKAGE, seconds: float = CONVERT_SECONDS
) -> bytes:
    """The bytes of `data` (a file ending in `suffix`) converted by LibreOffice to `target` ("docx", "xlsx")."""
    binary = soffice_binary()
    if binary is None:
        where = (
            f"${SOFFICE_ENV} names {os.environ[SOFFICE_ENV]!r}, which is not a program"
            if os.environ.get(SOFFICE_ENV)
            else "soffice is not on the PATH"
        )
        raise ReadError(
            f"LibreOffice is needed to read this {suffix} file and is not installed ({where}): "
            f"apt-get install {package} (or save the file as .docx/.xlsx or PDF)",
            stage="convert",
        )
    work = tempfile.mkdtemp(prefix="govreport-office-")
    try:
        source = Path(work) / f"input{suffix}"
        source.write_bytes(data)
        out_dir = Path(work) / "out"
        out_dir.mkdir()
        profile = (Path(work) / "profile").as_uri()
        cmd = [
            binary,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = dict(os.environ, HOME=work)
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=work,
                env=env,
                start_new_session=True,
            )
        except OSError as e:
            raise ReadError(
                f"LibreOffice could not be started ({binary}: {e.strerror or e}): apt-get install {package}",
                stage="convert",
            )
        try:
            _, err = proc.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise ReadError(
                f"LibreOffice did not finish converting it within {seconds:g} s; it was stopped", stage="convert"
            )
        finally:  # the caller's own time limit (SIGALRM) lands here too: never leave LibreOffice running
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        result = out_dir / f"input.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            said = " ".join(err.decode("utf-8", "replace").split())
            said = next((line for line in said.split("Error:")[1:]), "").strip()[:160]
            raise ReadError(
                f"LibreOffice could not open it as a {suffix} file (corrupt or password-protected?)"
                + (f": {said}" if said else ""),
                stage="convert",
            )
        if result.stat().st_size > MAX_CONVERTED_BYTES:
            raise ReadError(
                f"refused: converted by LibreOffice it grows to {result.stat().st_size // (1024 * 1024)} MB",
                stage="convert",
            )
        return result.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_word_binary(path: str, data: bytes, kind: str, ocr=None) -> Document:
    """A Word 97-2003 / Kingsoft WPS (kind "doc") or RTF (kind "rtf") file: converted to .docx by LibreOffice and
    read by the DOCX reader (tables with their merged cells, pictures read by OCR as in any Word file)."""
    from .docx import read_docx

    converted = convert(data, ".rtf" if kind == "rtf" else ".doc", "docx", path)
    try:
        doc = read_docx(path, converted, ocr)
    except ReadError as e:
        raise ReadError(f"{e} (after conversion by LibreOffice)", stage=e.stage)
    doc.format = kind
    return doc
