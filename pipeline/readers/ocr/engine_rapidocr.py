"""RapidOCR, the engine that reads scans and pictures: the one module that knows the rapidocr packages, so that
an upgrade of RapidOCR touches this file only. It gives an engine.Recogniser: the recogniser's per-frame character
probabilities, its character list and input geometry, and the detector's line boxes.

- `rapidocr`: `rapidocr-onnxruntime` 1.4.4, the PP-OCRv4 Chinese detector and recogniser as ONNX models inside
  the wheel (the project's engine).
- `rapidocr3`: the maintained `rapidocr` 3.x line (3.10.0), whose wheel carries the PP-OCRv6 small detector and
  recogniser. Its models are given by path from the installed package, so its downloader (which fetches a model
  whose file is missing) is never reached; measured against `rapidocr` by `scripts/benchmark.py --ocr`
  (README, "OCR").

Both run on the CPU, offline. An engine is loaded once per process and thread setting (`load`), and that one
session is used by every picture the process reads. The 1.4.4 wheel's detector and recogniser models are run by
OpenVINO (`_compiled`, the `openvino` wheel) where it is installed: the same ONNX models, the same numbers to within
a few millionths of a probability, and on this project's machine about 30% less CPU for a 320×48 recogniser crop
(16.5 against 23.7 ms) but 12% less for a whole scanned page (3.25 against 3.69 CPU s: preprocessing, grids and
decoding do not change), measured by `scripts/benchmark.py --ocr-profile` (README "OCR"). Without
OpenVINO they run on ONNX Runtime, with its memory arena on (the wheel's own sessions allocate every run's buffers
afresh).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from .engine import OcrUnavailable, Recogniser

PACKAGES = {"rapidocr": "rapidocr-onnxruntime", "rapidocr3": "rapidocr"}
MODELS = {"rapidocr": "PP-OCRv4", "rapidocr3": "PP-OCRv6 small"}


def install_hint(kind: str = "rapidocr") -> str:
    package = PACKAGES.get(kind, PACKAGES["rapidocr"])
    return (
        f"OCR engine not installed: `pip install {package}` (or `pip install -e .` in the project), "
        f"which brings {MODELS.get(kind, '')}'s models inside the wheel"
    )


@lru_cache(maxsize=4)
def load(kind: str = "rapidocr", threads: int = 0) -> Recogniser:
    """The engine `kind`, loaded once per process (and per thread setting)."""
    try:
        import cv2  # noqa: F401

        if kind == "rapidocr3":
            return _load_v3(threads)
        return _load_v1(threads)
    except ImportError as e:
        raise OcrUnavailable(f"{install_hint(kind)} ({e})")


OPENVINO_SHAPES_KEPT = 16


def _compiled(model: Path, threads: int):
    """`model` ready to run on the CPU, as a callable taking a batch (N × C × H × W) and giving [output]: compiled by
    OpenVINO where it is installed, else an ONNX Runtime session with its memory arena and every graph optimisation;
    `threads` inference threads (0: the runtime's default, all cores)."""
    try:
        import openvino as ov
    except ImportError:
        ov = None
    if ov is not None:
        core = ov.Core()
        config = {
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": "f32",  # full precision, as trained
            # kernels kept for this many input shapes: every prose line is a new width, and OpenVINO's default (5000)
            # let a worker grow by about 4 MB a width (1.8 GB against ONNX Runtime's 1.2 on 15 scans)
            "CPU_RUNTIME_CACHE_CAPACITY": OPENVINO_SHAPES_KEPT,
        }
        if threads > 0:
            config["INFERENCE_NUM_THREADS"] = threads
        compiled = core.compile_model(core.read_model(str(model)), "CPU", config)
        requests = threading.local()  # a compiled model serves threads at once, an inference request one
        shape = compiled.input(0).get_partial_shape()[1]
        channels = shape.get_length() if shape.is_static else None

        def run(batch):
            if channels is not None and batch.ndim == 4 and batch.shape[1] != channels:
                # OpenVINO would broadcast a grey crop over the colour channels and read it without a word
                raise ValueError(f"{model.name} takes {channels} channels, given {batch.shape[1]}")
            if not hasattr(requests, "one"):
                requests.one = compiled.create_infer_request()
            return [requests.one.infer([batch])[0]]  # a copy: the next run does not overwrite it

        return run
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = True
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads > 0:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {name: batch})


def _load_v1(threads: int) -> Recogniser:
    import rapidocr_onnxruntime
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(**({"intra_op_num_threads": threads} if threads > 0 else {}))
    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    engine.text_det.infer = _compiled(models / "ch_PP-OCRv4_det_infer.onnx", threads)
    recognise = _compiled(models / "ch_PP-OCRv4_rec_infer.onnx", threads)
    rec = engine.text_rec
    rec.session = engine.text_cls = None  # the wheel's own sessions, never run: their memory freed
    _, height, base_width = rec.rec_image_shape

    def detect(bgr):
        found, _ = engine(bgr, use_cls=False, use_rec=False)
        return list(found or [])

    return Recogniser(
        "rapidocr",
        rec.postprocess_op.character,
        height,
        base_width,
        rec.resize_norm_img,
        lambda batch: recognise(batch)[0],
        detect,
    )


def _load_v3(threads: int) -> Recogniser:
    import rapidocr
    from rapidocr import RapidOCR

    models = Path(rapidocr.__file__).parent / "models"
    files = {
        "Det": "PP-OCRv6_det_small.onnx",
        "Rec": "PP-OCRv6_rec_small.onnx",
        "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }
    missing = [f for f in files.values() if not (models / f).is_file()]
    if missing:  # never let the package fetch them: nothing is downloaded at run time
        raise OcrUnavailable(f"the rapidocr wheel lacks its models ({', '.join(missing)}): reinstall `rapidocr`")
    params = {
        "Global.log_level": "error",
        "Global.use_cls": False,
        **{f"{part}.model_path": str(models / f) for part, f in files.items()},
    }
    if threads > 0:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
    engine = RapidOCR(params=params)
    rec = engine._load_rec_model()
    _, height, base_width = rec.rec_image_shape

    def detect(bgr):
        found = engine(bgr, use_det=True, use_cls=False, use_rec=False)
        return list(found.boxes) if getattr(found, "boxes", None) is not None else []

    return Recogniser(
        "rapidocr3", rec.postprocess_op.character, height, base_width, rec.resize_norm_img, rec.session, detect
    )
