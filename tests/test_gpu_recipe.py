"""pipeline/tinyworld/gpu_recipe.sh end to end at toy size on the CPU: what a GPU session will run.

    .venv/bin/python -m pytest -q tests/test_gpu_recipe.py

It is the suite's slowest test (about 50 s), marked `slow`: CI runs it, `pytest -m "not slow"` skips it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import torch

from pipeline.tinyworld.config import TrainConfig
from pipeline.tinyworld.export import export
from pipeline.tinyworld.pipeline import TinyWorldPipeline
from pipeline.tinyworld.train import train

SCRIPT = Path(__file__).resolve().parent.parent / "pipeline" / "tinyworld" / "gpu_recipe.sh"
TOY = dict(width=32, depth=1, heads=2, text_width=16, text_depth=1, batch_size=2, frames=4, vae_minutes=0.02,
           vae_batch_frames=4)
MiB = 2**20


@pytest.mark.slow
def test_the_recipe_trains_tunes_the_decoder_and_bundles_weights_the_device_can_return(tmp_path):
    init = tmp_path / "init"
    train(TrainConfig(**TOY), minutes=5, out=tmp_path / "first", log=lambda _: None, max_steps=1)
    export(tmp_path / "first", init)
    run, out = tmp_path / "run", tmp_path / "out"
    recipe = dict(TOY, data_seed=15, time_shift=2, pan_share=0.4, device="cpu")
    env = dict(os.environ, PYTHON=sys.executable, RUN=str(run), OUT=str(out), INIT=str(init), MINUTES="2", STEPS="2",
               DECODER_MINUTES="0.01", DECODER_CLIPS="4", DECODER_BATCH="16", EVAL_SEEDS="0 1", EVAL_N="2", DEVICE="cpu", RECIPE=json.dumps(recipe))
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    files = sorted(p.name for p in out.iterdir())
    assert len(files) <= 8 and all((out / f).stat().st_size <= 16 * MiB for f in files)  # what the device returns
    assert {"train.log", "decoder.log"} <= set(files)
    for seed in (0, 1):  # the closing evaluation, one report per seed
        report = json.loads((out / f"fidelity-seed{seed}.json").read_text())
        assert report["n"] == 2 and set(report["model"]) == {"presence", "left_right", "gravity", "causality", "permanence"}
    parts = [out / f for f in files if f.startswith("run.tar.part-")]
    back = tmp_path / "back"
    back.mkdir()
    (back / "run.tar").write_bytes(b"".join(p.read_bytes() for p in parts))
    with tarfile.open(back / "run.tar") as tar:
        tar.extractall(back, filter="data")
    came = back / "run"  # the run folder, less the optimiser's checkpoint
    assert not (came / "checkpoint.pt").exists() and (run / "checkpoint.pt").exists()
    assert {"config.json", "init.json", "train_log.jsonl", "vae_decoder", "weights"} <= {p.name for p in came.iterdir()}

    made = json.loads((came / "weights" / "train_config.json").read_text())
    assert made["step"] == 2 and made["config"]["lr_decay_until"] == 2 and made["config"]["time_shift"] == 2
    assert made["lineage"][-1]["steps"] == 1  # it went on from INIT
    start, tuned = TinyWorldPipeline.from_pretrained(init).vae, TinyWorldPipeline.from_pretrained(came / "weights").vae
    before, after = start.state_dict(), tuned.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items() if k.startswith("encoder."))  # latents unchanged
    assert any(not torch.equal(after[k], v) for k, v in before.items() if k.startswith("decoder."))  # tuned on them
