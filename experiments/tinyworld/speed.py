"""Experiment: tinyworld's speed on this machine and its probe pass rates against step count and guidance.

    .venv/bin/python experiments/tinyworld/speed.py                          # speed, then 8/16/32 steps x guidance 3/6 on 40 prompts
    .venv/bin/python experiments/tinyworld/speed.py --n 0                    # speed only
    .venv/bin/python experiments/tinyworld/speed.py --steps 8 16 --guidance 3

Prints the one-off import of the libraries (torch, diffusers, transformers: paid once per
process, whichever model is loaded), the weights' load time after it (target <= 2 s), the
median wall time of a 16-frame 64x64 text-to-video clip at the card's default steps and
guidance over 5 runs after a warm-up, and the real-time factor (2 s of video / wall time;
target >= 4), and the same for a forward extension of that clip, which first times its
given frames (TinyWorldPipeline.estimate_time). Then, for each step count and guidance scale,
the held-out probe pass rates from eval.fidelity, from which the card's defaults are chosen.
"""

from __future__ import annotations

import time

IMPORT_START = time.perf_counter()  # before torch comes in with the imports below

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.fidelity import evaluate  # noqa: E402
from pipeline import load  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="held-out prompts per step count (0: speed only)")
    parser.add_argument("--steps", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--guidance", type=float, nargs="+", default=[3.0, 6.0])
    args = parser.parse_args()
    import pipeline.tinyworld.backend  # noqa: F401  (diffusers and transformers come with it)

    print(f"import libraries: {time.perf_counter() - IMPORT_START:.2f} s (torch, diffusers, transformers; once per process)")
    start = time.perf_counter()
    pipe = load("tinyworld")
    print(f"load weights: {time.perf_counter() - start:.2f} s (target <= 2 s)")
    request = GenerationRequest(mode="t2v", prompt="a red ball falls and bounces", seed=0)
    pipe.generate(request)  # warm-up
    times = []
    for seed in range(5):
        start = time.perf_counter()
        out = pipe.generate(GenerationRequest(mode="t2v", prompt="a red ball falls and bounces", seed=seed))
        times.append(time.perf_counter() - start)
    wall = float(np.median(times))
    video_seconds = len(out.frames) / out.fps
    print(f"t2v {len(out.frames)} frames {out.frames.shape[2]}x{out.frames.shape[1]} at {out.request.steps} steps: "
          f"{wall:.3f} s median of 5 -> real-time factor {video_seconds / wall:.1f} (target >= 4)")
    # forward extension of that clip (4 kept, 12 new frames): it first times the given frames
    extend = []
    for seed in range(5):
        start = time.perf_counter()
        pipe.generate(GenerationRequest(mode="extend", prompt="a red ball falls and bounces", seed=seed, video=out.frames, keep=4))
        extend.append(time.perf_counter() - start)
    print(f"extend forward, 4 kept, 12 new frames: {float(np.median(extend)):.3f} s median of 5 "
          "(timing the given frames included; no target)")
    for steps in args.steps if args.n else []:
        for guidance in args.guidance:
            report = evaluate("tinyworld", args.n, steps=steps, conditioning=0, guidance=guidance)
            rates = "  ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in report["model"].items())
            by_language = " / ".join(f"{lang} {report['by_language'][lang]['model']['presence']:.2f}" for lang in ("en", "zh"))
            print(f"{steps:>3} steps, guidance {guidance:g}, {args.n} held-out prompts: {rates}  "
                  f"(presence {by_language}; {report['seconds_per_clip']:.2f} s/clip)", flush=True)


if __name__ == "__main__":
    main()
