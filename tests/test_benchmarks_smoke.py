"""Every script in benchmarks/ runs, at toy size: a benchmark that breaks fails CI, not the next person
who needs its number (docs/benchmarks.md cites each with the figure it gives at full size).

    .venv/bin/python -m pytest -q tests/test_benchmarks_smoke.py
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# script -> (toy-size arguments, a piece of what it prints when it ran to the end)
TOY = {
    "app_speed.py": (["--starts", "1", "--clicks", "1"], "click-to-video"),
    "click_stages.py": (["--clicks", "1"], "total"),
    "dashboard_speed.py": (["--rows", "20", "--repeats", "1"], "Apply with a model filter"),
    "eval_run_speed.py": (["--prompts", "1"], "metrics"),
    "frechet_speed.py": (["--n", "64", "--dim", "8", "--repeats", "1"], "relative difference"),
    "hostile_clip_memory.py": (["--frames", "20"], "growth"),
    "mp4_write_speed.py": (["--writes", "1"], "byte for byte"),
    "mutation.py": (["--check"], "configuration ok"),
    "physics_iq_speed.py": (["--width", "64", "--height", "64", "--fps", "8", "--seconds", "1", "--repeats", "1"],
                            "physical variance"),
    "pipeline_overhead.py": (["--runs", "5"], "overhead"),
    "probe_speed.py": (["--repeat", "1"], "480x832"),
    "queue_poll_cost.py": (["--pairs", "1"], "median ratio"),
    "real_models_smoke.py": (["--check-settings"], "LucyEditPipeline("),
    "world_probes.py": (["--clips", "4", "--probe-clips", "2"], "clips/s"),
}


def test_every_benchmark_has_a_toy_run():
    assert sorted(TOY) == sorted(path.name for path in (ROOT / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", sorted(TOY))
def test_benchmark_runs_at_toy_size(script):
    arguments, printed = TOY[script]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    run = subprocess.run([sys.executable, f"benchmarks/{script}", *arguments], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert printed in run.stdout, run.stdout[-2000:]
