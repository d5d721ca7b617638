"""The DVC `gather` stage: the optional real files kept beside the checkout (`../shared/corpus/external`,
`../shared/corpus/scans`) linked into one folder the pipeline depends on (`data/shared/`).

Where a source folder is absent the stage still succeeds: its sub-folder is simply empty and the bundled corpus
(`data/raw`) runs alone. Files are hard-linked (no copy of the bytes; the folder is git-ignored and not cached by
DVC), or symlinked where the file system refuses a hard link. The folder's content, and so the hash DVC records,
depends only on the files' names and bytes: gathering again from unchanged sources reruns nothing downstream."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MANIFEST = ".gathered"  # hidden: the batch walker passes over it


def gather(sources: list[str | Path], out: str | Path) -> dict[str, list[str]]:
    """Link the regular, non-hidden files of each existing source folder into `out/<folder name>/`; returns
    {folder name: [file names]} with an empty list for an absent folder. `out` is rebuilt from scratch."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    found: dict[str, list[str]] = {}
    lines = []
    for src in map(Path, sources):
        name = src.name
        if name in found:
            raise ValueError(f"two source folders are named {name!r}: {src}")
        target = out / name
        target.mkdir()
        files = []
        if src.is_dir():
            for f in sorted(src.rglob("*")):
                rel = f.relative_to(src)
                if not f.is_file() or any(part.startswith(".") for part in rel.parts):
                    continue
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(f, dest)
                except OSError:
                    os.symlink(f.resolve(), dest)
                files.append(rel.as_posix())
        found[name] = files
        lines.append(f"{name}: {len(files)} file(s)" if src.is_dir() else f"{name}: absent")
    # what was found, so an absent source leaves a trace (and the folder is never empty for DVC)
    (out / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return found
