import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
SHARED = ROOT.parent / "shared" / "corpus"
EXTERNAL = SHARED / "external"
SCANS = SHARED / "scans"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots of the pages, committed for a person to look at


def screenshot(page, name: str):
    """A viewport screenshot of a Playwright page in tests/artifacts, kept small (a palette of 256 colours)."""
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    Image.open(path).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"screenshot: {path}")
    return path


@pytest.fixture(scope="session")
def models():
    from pipeline.extraction.models import load_models

    return load_models(None)


@pytest.fixture(scope="session")
def corpus_docs():
    return ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def labels_dir():
    return ROOT / "data" / "labels"
