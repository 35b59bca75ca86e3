"""Benchmark: tinyworld's speed on this machine and its probe pass rates against step count and guidance.

    .venv/bin/python benchmarks/tinyworld_speed.py                          # speed, then 8/16/32 steps x guidance 3/6 on 40 prompts
    .venv/bin/python benchmarks/tinyworld_speed.py --n 0                    # speed only
    .venv/bin/python benchmarks/tinyworld_speed.py --steps 8 16 --guidance 3
    .venv/bin/python benchmarks/tinyworld_speed.py --n 200 --steps 8 --guidance 3 --candidates 1 2   # best of 2

Prints the one-off import of the libraries (torch, diffusers, transformers: paid once per
process, whichever model is loaded), the weights' load time after it (target <= 2 s), the
median wall time of a 16-frame 64x64 text-to-video clip at the card's default steps and
guidance over 5 runs after a warm-up, and the real-time factor (2 s of video / wall time;
target >= 4), and the same for a forward extension of that clip, which first times its
given frames (TinyWorldPipeline.estimate_time), and the text-to-video time when each of
`--candidates` above 1 is drawn (TinyWorldPipeline.rank_candidates keeps one). Then, for each
step count, guidance scale and candidate count, the held-out probe pass rates from eval.fidelity,
from which the card's defaults are chosen.
"""

from __future__ import annotations

import time

IMPORT_START = time.perf_counter()  # before torch comes in with the imports below

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.fidelity import evaluate  # noqa: E402
from pipeline import load  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="held-out prompts per step count (0: speed only)")
    parser.add_argument("--steps", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--guidance", type=float, nargs="+", default=[3.0, 6.0])
    parser.add_argument("--candidates", type=int, nargs="+", default=[1], help="samples drawn per clip, best-ranked kept")
    args = parser.parse_args()
    import pipeline.tinyworld.backend  # noqa: F401  (diffusers and transformers come with it)

    print(f"import libraries: {time.perf_counter() - IMPORT_START:.2f} s (torch, diffusers, transformers; once per process)")
    start = time.perf_counter()
    pipe = load("tinyworld")
    print(f"load weights: {time.perf_counter() - start:.2f} s (target <= 2 s)")
    request = GenerationRequest(mode="t2v", prompt="a red ball falls and bounces", seed=0)
    pipe.generate(request)  # warm-up
    for candidates in sorted({1, *args.candidates}):
        times = []
        for seed in range(5):
            start = time.perf_counter()
            out = pipe.generate(GenerationRequest(mode="t2v", prompt="a red ball falls and bounces", seed=seed,
                                                  candidates=candidates))
            times.append(time.perf_counter() - start)
        wall = float(np.median(times))
        video_seconds = len(out.frames) / out.fps
        drawn = f", best of {candidates}" if candidates > 1 else ""
        print(f"t2v {len(out.frames)} frames {out.frames.shape[2]}x{out.frames.shape[1]} at {out.request.steps} steps{drawn}: "
              f"{wall:.3f} s median of 5 -> real-time factor {video_seconds / wall:.1f} (target >= 4 at the defaults)")
    # forward extension of that clip (4 kept, 12 new frames): it first times the given frames
    extend = []
    for seed in range(5):
        start = time.perf_counter()
        pipe.generate(GenerationRequest(mode="extend", prompt="a red ball falls and bounces", seed=seed, video=out.frames, keep=4))
        extend.append(time.perf_counter() - start)
    print(f"extend forward, 4 kept, 12 new frames: {float(np.median(extend)):.3f} s median of 5 "
          "(timing the given frames included; no target)")
    sweep = [(s, g, c) for s in args.steps for g in args.guidance for c in args.candidates] if args.n else []
    for steps, guidance, candidates in sweep:
        report = evaluate("tinyworld", args.n, steps=steps, conditioning=0, guidance=guidance, candidates=candidates)
        rates = "  ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in report["model"].items())
        by_language = " / ".join(f"{lang} {report['by_language'][lang]['model']['presence']:.2f}" for lang in ("en", "zh"))
        print(f"{steps:>3} steps, guidance {guidance:g}, best of {candidates}, {args.n} held-out prompts: {rates}  "
              f"(presence {by_language}; {report['seconds_per_clip']:.2f} s/clip)", flush=True)


if __name__ == "__main__":
    main()
