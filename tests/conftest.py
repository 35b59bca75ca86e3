"""Test-wide settings: no network, no telemetry (the same variables .ci/run exports).

    .venv/bin/python -m pytest -q
"""

import os

# setdefault, so that a run that means to reach the Hub (real weights, behind an explicit
# marker) can still say so from the shell.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
