"""Evaluation: failure probes now; metrics, the evaluation table and dashboards build on them.

    python -m eval probe --video clip.mp4 --prompt "a red ball falls and bounces"

eval may import world (ground truth) and pipeline (to generate); neither imports eval.
Importing pipeline first installs its torchvision CPU shim, which metrics such as LPIPS need.
"""

import pipeline  # noqa: F401
