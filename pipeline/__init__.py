"""政府信息公开工作年度报告 → structured data. See README.md and docs/ARCHITECTURE.md."""

import os
import sys

# ONNX Runtime (the OCR engine's runtime) sends usage telemetry to Microsoft from its Linux builds since 1.2x and
# keeps a device id and an event cache in ~/.cache: the project works offline and writes nothing outside its
# outputs, so that is switched off before ONNX Runtime is ever loaded (it reads this once, at start-up).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
# OpenVINO (which runs the OCR models where it is installed) imports its model converter on import, and that writes a
# client id to ~/intel and sends an "import" event to Google Analytics unless the user opted out: its telemetry
# package is made unimportable in the project's processes, so OpenVINO falls back to its own silent stub.
sys.modules.setdefault("openvino_telemetry", None)
