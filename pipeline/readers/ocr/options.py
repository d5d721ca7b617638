"""The OCR options: when pages and pictures are OCR'd, at what resolution, how sure a number must be, which engine
reads them and with how many threads (set from params.yaml's `ocr` section or the `--ocr-*` options)."""

from __future__ import annotations

from dataclasses import dataclass

from ...params import Ocr

_PARAMS = Ocr()  # the defaults of params.yaml's ocr section, held there once


@dataclass
class OcrOptions:
    mode: str = _PARAMS.mode  # auto: pages and pictures without usable text | force: every page | off: never
    dpi: int = _PARAMS.dpi  # PDF pages are rendered at this resolution for OCR
    min_confidence: float = (
        _PARAMS.min_confidence
    )  # a number read less sure than this is doubtful: the table's sums must confirm it
    very_sure: float = _PARAMS.very_sure  # a sum that fails keeps only cells read at least this sure (as printed)
    threads: int = 0  # ONNX Runtime threads per process (0: its default, all cores)
    engine: str = "rapidocr"  # rapidocr (PP-OCRv4) | rapidocr3 (PP-OCRv6, measured) | tesseract (the baseline)
    max_pages: int = _PARAMS.max_pages  # pages OCR'd in one document; later pages are reported, not read
