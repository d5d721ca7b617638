"""What an OCR engine gives the rest of the OCR package, so that an engine can be swapped or upgraded in its own
module (engine_rapidocr.py, engine_tesseract.py) without touching the steps that use it.

- A `Recogniser` (RapidOCR's models): the recogniser's raw per-frame character probabilities for a batch of line
  crops (`run`, so that a cell's next readings and a digit's doubt come from the model itself, not from its decoded
  text), its character list and input geometry (`prepare`), and the detector's line boxes (`detect`). cells.py and
  prose.py read a picture with it.
- An `Engine`: what page.py asks of whichever engine reads a picture once it is prepared: the cells of each grid
  and the prose outside the tables. RapidOCR's is page.RecogniserEngine (cells.py and prose.py over a Recogniser);
  Tesseract's reads the whole page once (engine_tesseract.TesseractEngine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from ...document import ReadError


class OcrUnavailable(ReadError):
    """The OCR engine is not installed: the message says what to install."""


@dataclass(eq=False)  # compared and hashed by identity: one loaded engine per process and thread setting
class Recogniser:
    """One loaded engine: `characters` (index 0 the CTC blank), the recogniser's input `height` and `base_width`,
    `prepare(bgr_crop, max_ratio)` (a normalised C×H×W array padded to `max_ratio`), `run(batch)` (frame
    probabilities, N × frames × characters) and `detect(bgr)` (text line boxes, 4 points each)."""

    name: str
    characters: list
    height: int
    base_width: int
    prepare: Callable
    run: Callable
    detect: Callable


class Engine(Protocol):
    """An engine reading one prepared picture (preprocess.PreparedPicture): `start` once, before its grids (an
    engine that reads whole pages reads it there), `cells` for each ruled grid ({cell: (text, confidence,
    alternatives, ink)}), `prose` for the text outside the grids (`covered`: the grids' pixels) as (top, bottom,
    text, x0, x1) lines in points."""

    def start(self, picture) -> None: ...

    def cells(self, picture, grid) -> dict: ...

    def prose(self, picture, covered) -> list: ...
