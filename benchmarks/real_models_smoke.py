"""Benchmark: one short clip per real model and mode, on a GPU with the weights; time and peak memory.

    python benchmarks/real_models_smoke.py                       # every diffusers card whose weights are here
    python benchmarks/real_models_smoke.py --models ltx-video --steps 8

Each card runs each task it claims once, at its default size with the fewest frames it allows (so a
card's size rule, schedule and conditioning are exercised on real weights without a full-length
clip), and prints wall time, the pipeline's own denoise time and peak GPU memory
(torch.cuda.max_memory_allocated). It says plainly what it cannot run: no GPU here, or a card's
weights missing (with the fetch command), and exits 0 when there is nothing it could run.

    python benchmarks/real_models_smoke.py --check-settings      # no GPU, no weights

prints instead, for every card and task, the call the pipeline would receive at the card's defaults: the
pipeline class, steps, both guidance scales, sizes and frames, the edit strength, the flow shift and scheduler, the settings the
card fixes (STG blocks, cross timestep, dynamic CFG, the experts' boundary) and the negative prompt, so that
a reviewer can read every card's settings in one place against docs/real_models.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.errors import WeightsMissingError  # noqa: E402
from pipeline.registry import MODELS, ModelCard  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402
from pipeline.weights import locate  # noqa: E402

PROMPT = "a red ball rolls from left to right across a wooden table, soft daylight"


def request_for(card: ModelCard, task: str, steps: int) -> GenerationRequest:
    """The task at the card's default size, its fewest frames, and a plain textured input where it needs one."""
    d = card.defaults
    mode, _, direction = task.partition("-")
    allowed = card.limits.allowed_frames()
    frames = allowed[min(1, len(allowed) - 1)] if mode == "extend" else allowed[0]  # extension keeps some, adds some
    rng = np.random.default_rng(0)
    clip = rng.integers(0, 256, (max(frames, 9), d.height, d.width, 3), dtype=np.uint8)  # (T, H, W, 3)
    fields = dict(mode=mode, prompt=PROMPT, seed=0, steps=steps, frames=frames)
    if mode == "i2v":
        fields["image"] = clip[0]
    elif mode == "extend":
        fields.update(video=clip, direction=direction)  # keep: the card's default, fitted to these frames
    elif mode == "interpolate":
        fields["video"] = clip[[0, -1]]
    elif mode == "edit":  # a source of the fewest frames: the edit keeps its length; the card's strength
        fields["video"] = clip[:frames]
    return GenerationRequest(**fields)


def default_request(card: ModelCard, task: str) -> GenerationRequest:
    """The task with every field at the card's default, and a blank input of the default size where it needs one."""
    d = card.defaults
    mode, _, direction = task.partition("-")
    clip = np.zeros((max(d.frames, 2), d.height, d.width, 3), np.uint8)  # (T, H, W, 3)
    fields = dict(mode=mode, prompt=PROMPT, seed=0)
    if mode == "i2v":
        fields["image"] = clip[0]
    elif mode == "extend":
        fields.update(video=clip, direction=direction)
    elif mode == "interpolate":
        fields["video"] = clip[[0, -1]]
    elif mode == "edit":  # a source of the default length: the edit keeps it
        fields["video"] = clip[: d.frames]
    return GenerationRequest(**fields)


def call_settings(card: ModelCard, task: str) -> str:
    """One line: the pipeline call card makes for task at its defaults (what depends on no weights)."""
    from pipeline.diffusers_backend import card_arguments

    resolved, _ = default_request(card, task).resolve(card)
    kwargs = card_arguments(card, resolved)
    kwargs.pop("prompt")
    negative = kwargs.pop("negative_prompt")
    pipeline = card.capability(resolved.mode, resolved.direction).pipeline
    if pipeline.startswith("HunyuanVideo15"):  # its guidance lives in the pipeline's guider
        kwargs["guider.guidance_scale"] = kwargs.pop("guidance_scale")
    scheduler = card.scheduler or "the checkpoint's scheduler"
    scheduler += "".join(f" {k}={v!r}" for k, v in card.scheduler_config.items())
    parts = [f"{k}={v!r}" for k, v in {**kwargs, **card.pipeline_config}.items()]
    if resolved.mode == "edit":  # the source goes in as plan() puts it (LTX's condition strength needs the scheduler)
        parts.append("conditions=[the source at frame 0, strength 1 - sigma of the first step left]"
                     if pipeline == "LTXConditionPipeline" else f"video=<the source, {resolved.frames} frames>")
    shift = f"shift={resolved.shift:g}" if resolved.shift is not None else "shift: the scheduler's own"
    shown = f"{negative[:48]}... ({len(negative)} chars)" if len(negative) > 48 else repr(negative)
    return f"{card.name:<22} {task:<15} {pipeline}({', '.join(parts)}); {scheduler}; {shift}; negative_prompt={shown}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=[n for n, c in MODELS.items() if c.backend == "diffusers"])
    parser.add_argument("--steps", type=int, default=8, help="denoising steps per clip (a smoke test, not a quality run)")
    parser.add_argument("--check-settings", action="store_true",
                        help="print the call each card would make at its defaults (no GPU, no weights) and exit")
    args = parser.parse_args()
    if args.check_settings:
        for name in args.models:
            for task in MODELS[name].supported_tasks():
                print(call_settings(MODELS[name], task))
        return 0

    import torch

    if not torch.cuda.is_available():
        print("cannot run here: no CUDA GPU (these models need one; tinyworld's speed is experiments/tinyworld/speed.py)")
        return 0
    from pipeline import load
    from pipeline.api import clear_cache

    ran = 0
    for name in args.models:
        card = MODELS[name]
        try:
            locate(card)
        except WeightsMissingError as e:
            print(f"{name}: skipped: {e}")
            continue
        pipe = load(name, device="cuda")
        for task in card.supported_tasks():
            torch.cuda.reset_peak_memory_stats()
            start = time.perf_counter()
            result = pipe.generate(request_for(card, task, args.steps))
            wall = time.perf_counter() - start
            peak = torch.cuda.max_memory_allocated() / 2**30
            sound = f"  sound {result.audio.sample_rate} Hz" if result.audio is not None else ""
            print(f"{name:<22} {task:<16} {result.frames.shape[0]:>3} frames {result.frames.shape[2]}x{result.frames.shape[1]}"
                  f"  wall {wall:6.1f} s  denoise {result.timings['denoise']:6.1f} s  peak {peak:5.1f} GiB{sound}")
            ran += 1
        del pipe
        clear_cache()
        torch.cuda.empty_cache()
    if not ran:
        print("nothing ran: no card had its weights here (fetch them with python -m pipeline fetch NAME)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
