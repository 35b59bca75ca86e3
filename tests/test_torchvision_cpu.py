"""pipeline/torchvision_cpu.py: after `import pipeline`, torchvision imports on CPU torch.

    .venv/bin/python -m pytest -q tests/test_torchvision_cpu.py

Each check runs in a fresh interpreter: the shim acts at import time, and this test process
may already have imported (or failed to import) torchvision.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_import_pipeline_is_light_and_installs_the_finder_once():
    result = run_python("""
        import sys
        import pipeline
        from pipeline import torchvision_cpu
        torchvision_cpu.install(); torchvision_cpu.install()
        assert "torch" not in sys.modules and "torchvision" not in sys.modules, "heavy import"
        finders = [f for f in sys.meta_path if type(f).__name__ == "TorchvisionCpuFinder"]
        assert len(finders) == 1, finders
        assert sys.meta_path[0] is finders[0]
    """)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def after_import_pipeline() -> subprocess.CompletedProcess:
    """One interpreter that imports pipeline, then uses torchvision; prints has_ops=True|False."""
    return run_python("""
        import pipeline
        import torch
        import torchvision
        torch.manual_seed(0)
        model = torchvision.models.alexnet(weights=None).eval()
        with torch.no_grad():
            logits = model(torch.rand(2, 3, 64, 64))  # (B, 1000)
        assert logits.shape == (2, 1000) and torch.isfinite(logits).all()
        has_ops = torchvision.extension._has_ops()
        if not has_ops:
            try:
                torchvision.ops.nms(torch.rand(3, 4), torch.rand(3), 0.5)
            except RuntimeError as e:
                assert "Couldn't load custom C++ ops" in str(e), e
            else:
                raise AssertionError("nms ran without its compiled ops")
        print(f"has_ops={has_ops}")
    """)


def test_torchvision_works_after_import_pipeline(after_import_pipeline):
    assert after_import_pipeline.returncode == 0, after_import_pipeline.stderr
    assert after_import_pipeline.stdout.strip() in ("has_ops=True", "has_ops=False")


def test_without_the_shim_torchvision_does_not_import(after_import_pipeline):
    """Why the shim exists: the registry's torchvision is a CUDA build whose ops cannot load."""
    assert after_import_pipeline.returncode == 0, after_import_pipeline.stderr
    if after_import_pipeline.stdout.strip() == "has_ops=True":
        pytest.skip("torchvision's compiled ops load here; the shim steps aside")
    result = run_python("import torchvision")
    assert result.returncode != 0
    assert "operator torchvision::nms does not exist" in result.stderr, result.stderr[-2000:]
