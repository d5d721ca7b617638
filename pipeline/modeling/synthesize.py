"""A labelled synthetic set: reports drawn at random (synth.py) and each rendered in its layout family — synth.py's
own (HTML, PDF ruled and not, Word, three text layouts), synth_converter.py's (a PDF-to-markdown converter's output,
narrow label columns) and synth_scan.py's (printed and scanned) — with its gold file (LABELS.md).

Apart from synth.py so that the renderers of the other families may build on synth.py's without an import circle.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from ..params import FAMILIES
from .synth import (
    EXT,
    corpus_sentences,
    draw_report,
    gold_of,
    printed_tables,
    render_docx,
    render_html,
    render_pdf,
    render_txt_flat,
    render_txt_pipe,
    render_txt_tab,
)
from .synth_converter import render_converter_md, render_narrow


def generate(out_dir: str | Path, n: int, seed: int, raw_dir: str | Path, families: list[str] | None = None) -> list:
    """`n` labelled reports in `out_dir/docs` and their gold files in `out_dir/labels`, the families taken in turn
    (`families`, default all), drawn from `seed` and the prose of the real reports of `raw_dir`: the same
    arguments give the same files."""
    out = Path(out_dir)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    sentences = corpus_sentences(raw_dir)
    rng = random.Random(seed)
    families = families or FAMILIES
    made = []
    for i in range(n):
        family = families[i % len(families)]
        ext = "docx" if family == "narrow" and (i // len(families)) % 2 else EXT[family]
        name = f"synth-{i:04d}-{family}.{ext}"
        rep = draw_report(rng, name, family, sentences)
        tables = printed_tables(rep, rng)
        path = out / "docs" / name
        if family == "html":
            page = render_html(rep, tables, rng)
            if rng.random() < 0.5:  # GBK pages, half of them with no charset declared
                page = page.replace("<meta charset='utf-8'>", rng.choice(["", "<meta charset='gb2312'>"]))
                path.write_bytes(page.encode("gb18030"))
            else:
                path.write_text(page, encoding="utf-8")
        elif family == "txt_tab":
            path.write_text(render_txt_tab(rep, tables), encoding="utf-8")
        elif family == "txt_pipe":
            path.write_text(render_txt_pipe(rep, tables), encoding="utf-8")
        elif family == "txt_flat":
            path.write_text(render_txt_flat(rep, tables), encoding="utf-8")
        elif family == "docx":
            render_docx(rep, tables, path)
        elif family in ("pdf_bordered", "pdf_borderless"):
            render_pdf(rep, tables, path, ruled=family == "pdf_bordered")
        elif family == "converter_md":
            path.write_text(render_converter_md(rep, tables, rng), encoding="utf-8")
        elif family == "narrow":
            render_narrow(rep, tables, path, rng)
        elif family == "scan":
            from .synth_scan import render_scan  # OpenCV and the scanner's noise: loaded when a scan is drawn

            render_scan(rep, tables, path, rng)
        elif family == "photo":
            from .synth_scan import render_photo  # the scan's page photographed: perspective, shading, a tilt

            render_photo(rep, tables, path, rng)
        gold = gold_of(rep, name)
        (out / "labels" / f"{name}.gold.json").write_text(
            json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        made.append(name)
    return made


def synthesize(params: dict, raw_dir: str, out_dir: str) -> tuple[list, list]:
    """The synthesize stage: `out_dir` rebuilt with train/ and heldout/ drawn as params.yaml's synth section says
    (held-out reports from seed + 1000). Returns (training reports, held-out reports)."""
    import shutil

    from ..params import section

    synth = section(params, "synth")
    if out_dir and Path(out_dir).exists():
        shutil.rmtree(out_dir)
    seed = int(synth.seed)
    made = generate(Path(out_dir) / "train", int(synth.n), seed, raw_dir, synth.families)
    held = generate(Path(out_dir) / "heldout", int(synth.n_heldout), seed + 1000, raw_dir, synth.families)
    return made, held
