"""Test-wide settings: no network, no telemetry (the same variables .ci/run exports).

    .venv/bin/python -m pytest -q
"""

import os

import pytest

# setdefault, so that a run that means to reach the Hub (real weights, behind an explicit
# marker) can still say so from the shell.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture()
def single_thread():
    """torch single-threaded for one test (restored after it). Tiny models' tensors are so small
    that a second thread only adds synchronisation, and on a busy 2-core machine OpenMP's barriers
    turn a 1 ms matmul into 15 ms. Tests of tiny pipelines use it (pytestmark)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """Tiny random pipelines of the real diffusers classes (tests/tiny_models.py), saved once per
    session as safetensors folders: {card name: folder}."""
    import tiny_models

    root = tmp_path_factory.mktemp("tiny_weights")
    return {name: tiny_models.save_tiny(name, root / name) for name in tiny_models.BUILDERS}


@pytest.fixture(scope="session")
def ltx_cli_clip(tiny_weights, tmp_path_factory):
    """`python -m pipeline generate` run for real on the tiny LTX folder: (mp4 path, the finished run).

    OMP_NUM_THREADS=1 for the reason single_thread gives.
    """
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path_factory.mktemp("cli") / "clip.mp4"
    command = [sys.executable, "-m", "pipeline", "generate", "--model", "ltx-video", "--weights",
               str(tiny_weights["ltx-video"]), "--mode", "t2v", "--prompt", "a red ball falls and bounces",
               "--seed", "0", "--frames", "9", "--size", "64x64", "--steps", "2", "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(command, cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out, run
