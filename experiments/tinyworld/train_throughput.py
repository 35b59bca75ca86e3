"""Experiment: tinyworld training throughput, to choose `data_workers` and `batch_reuse` for a machine.

    .venv/bin/python experiments/tinyworld/train_throughput.py                                # this CPU: batch 16, rendering inline
    python experiments/tinyworld/train_throughput.py --device cuda --batch 256 --workers 15   # a GPU machine with 16 cores
    .venv/bin/python experiments/tinyworld/train_throughput.py --config '{"time_shift": 12, "pan_share": 0.4}'   # gpu_recipe.sh's data

Prints how many clips/s the renderer delivers with `--workers` processes and how many
transformer steps/s the trainer does on random latents (rendering left out), then the
`batch_reuse` that keeps the trainer fed: each rendered batch serves that many steps, each with
fresh noise, flow times and masks. On one H100 with 15 workers a first draft of it measured 1,191 clips/s
rendered and 7.1 steps/s of 256 clips (1,807 clips/s): batch_reuse 2, the fourth run's setting.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pipeline.tinyworld.config import TrainConfig  # noqa: E402
from pipeline.tinyworld.data import stream_batches  # noqa: E402
from pipeline.tinyworld.text import build_tokenizer  # noqa: E402
from pipeline.tinyworld.train import build_models, build_optimiser, flow_loss, optimiser_step  # noqa: E402


def render_rate(cfg: TrainConfig, batches: int) -> float:
    """Clips per second the (possibly multi-process) renderer delivers, after the first batch."""
    stream = iter(stream_batches(cfg, 10_000))
    next(stream)
    start = time.perf_counter()
    clips = sum(next(stream)[0].shape[0] for _ in range(batches))
    return clips / (time.perf_counter() - start)


def step_rate(cfg: TrainConfig, steps: int) -> float:
    """Transformer training steps per second on random latents (B, 16, 16, 8, 8): no rendering."""
    tokenizer = build_tokenizer()
    text_encoder, transformer = build_models(cfg, len(tokenizer))
    models = torch.nn.ModuleDict({"text_encoder": text_encoder, "transformer": transformer}).to(cfg.device)
    ema = copy.deepcopy(models).requires_grad_(False)
    opt = build_optimiser(models, cfg)
    x0 = torch.randn(cfg.batch_size, 16, cfg.frames, 8, 8, device=cfg.device)
    # object cells (B, T, 8, 8) for the loss's weighting; which cells they are does not change a step's cost
    objects = (torch.rand(cfg.batch_size, cfg.frames, 8, 8, device=cfg.device) < 0.1).float()
    captions = ["A medium red ball moves steadily to the right across the frame."] * cfg.batch_size

    def one(step: int) -> None:
        loss = flow_loss(x0, objects, captions, text_encoder, transformer, tokenizer, cfg, step)
        optimiser_step(loss, models, ema, opt, cfg.ema_decay)

    for step in range(3):  # warm-up: allocations, kernel selection
        one(step)
    sync = torch.cuda.synchronize if cfg.device == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    for step in range(steps):
        one(step)
    sync()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--workers", type=int, default=0, help="rendering processes (0: inline)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--config", default="{}", help="JSON of other TrainConfig fields, e.g. time_shift (longer clips to render)")
    args = parser.parse_args()
    cfg = TrainConfig.from_dict({**json.loads(args.config), "device": args.device, "batch_size": args.batch,
                                 "data_workers": args.workers})
    torch.set_num_threads(cfg.threads if args.device == "cpu" else 4)
    rendered = render_rate(cfg, batches=max(4, 3 * args.workers))
    print(f"render: {rendered:,.0f} clips/s with {args.workers} worker(s)")
    steps = step_rate(cfg, args.steps)
    print(f"train: {steps:.2f} steps/s of {args.batch} clips ({steps * args.batch:,.0f} clips/s) on {args.device}")
    if args.workers == 0:  # rendering runs in the training loop: its time adds to every step's
        share = (args.batch / rendered) / (args.batch / rendered + 1 / steps)
        print(f"rendering inline would be {share:.0%} of each step's time; batch_reuse 2 halves that")
        return
    reuse = max(1, math.ceil(steps * args.batch / rendered))
    print(f"batch_reuse {reuse}: each rendered batch serves {reuse} step(s), so rendering keeps up")


if __name__ == "__main__":
    main()
