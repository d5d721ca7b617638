"""OCR: pages and pictures that carry no usable text, read into what a PDF page's text layer gives the PDF reader —
text lines with their position, and tables as grids of cells with spans — with RapidOCR (PP-OCRv4 Chinese
detection and recognition as ONNX models inside the `rapidocr-onnxruntime` wheel: offline, on the CPU).

One module per step, so that each can be read, measured and changed alone:

    options.py          OcrOptions: when OCR runs, the resolution, the thresholds, the engine and its threads
    page.py             read_picture: a picture through every step below; render_page (a PDF page as pixels)
    preprocess.py       to grey (red seal ink out), the photographed sheet squared up (photo.py), deskew, the paper
                        flattened to white, ink binarised, ruling lines found (rulings.py)
    photo.py            a photographed sheet found on a desk and squared up; a picture's scale from its characters
    rulings.py          ruling strokes by morphology, as edges for the grid code (readers/ruling_grid.py)
    cells.py            each cell of a grid read from its own crop (blank, dash, slash, number framed two ways,
                        ink against a ruling, minus signs), every reading with its confidence and next readings
    prose.py            the text outside tables: the detector's lines read by the recogniser
    reading.py          a crop's reading from the recogniser's per-frame probabilities (CTC decoding, the
                        number classes, the confidence of the least sure character or dropped character)
    engine.py           the interface an engine gives: a line recogniser and detector (Recogniser), or a reader
                        of whole pages (Engine)
    engine_rapidocr.py  RapidOCR: rapidocr-onnxruntime 1.4.4 (the engine) and rapidocr 3.x (measured): the only
                        module that knows the rapidocr packages
    engine_tesseract.py Tesseract (chi_sim), the baseline it is measured against

Tables printed without rulings are not rebuilt here: their lines come out as text, as the lines of a born-digital
page without rulings do.
"""
