import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
SHARED = ROOT.parent / "shared" / "corpus"
EXTERNAL = SHARED / "external"
SCANS = SHARED / "scans"


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
