"""政府信息公开工作年度报告 → structured data. See README.md and docs/ARCHITECTURE.md."""

import os

# ONNX Runtime (the OCR engine's runtime) sends usage telemetry to Microsoft from its Linux builds since 1.2x and
# keeps a device id and an event cache in ~/.cache: the project works offline and writes nothing outside its
# outputs, so that is switched off before ONNX Runtime is ever loaded (it reads this once, at start-up).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
