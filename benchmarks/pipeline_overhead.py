"""Benchmark: the shared pipeline's overhead over calling the diffusers pipeline directly.

    .venv/bin/python benchmarks/pipeline_overhead.py             # 21 runs each, 1 torch thread
    .venv/bin/python benchmarks/pipeline_overhead.py --runs 51 --threads 2

A small random LTX-Video pipeline of the real classes (tests/tiny_models.py, 2 transformer layers,
128x128, 25 frames, 4 steps: tens of milliseconds a call) is saved and loaded through
`pipeline.load("ltx-video", weights=DIR)`. The same text-to-video request then runs both ways,
alternating, after warm-up runs:
    direct   the card's text-to-video pipeline (LTXConditionPipeline) called with the card's arguments
             (diffusers_backend.card_arguments), output_type="np": the very object the wrapper holds
    wrapper  VideoPipeline.generate(GenerationRequest(...)): validation against the card, a seeded
             torch.Generator, the per-step progress callback, uint8 conversion, timings, the result
Prints the median of each and the overhead, (wrapper - direct) / direct (target <= 5%), the
median of the paired per-run differences (less sensitive to drift in machine load), and checks
that both made the same frames.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np  # noqa: E402
import torch  # noqa: E402

import tiny_models  # noqa: E402
from pipeline.api import load  # noqa: E402
from pipeline.diffusers_backend import card_arguments  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402

TARGET = 0.05
SIZE, FRAMES, STEPS = 128, 25, 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs of each (>= 5); the median is reported")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: steadier timings on a shared 2-core machine)")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be >= 5")
    torch.set_num_threads(args.threads)
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    for logging in (diffusers_logging, transformers_logging):
        logging.set_verbosity_error()
        logging.disable_progress_bar()

    with tempfile.TemporaryDirectory() as folder:
        tiny_models.tiny_ltx(layers=2, heads=4, head_dim=16).save_pretrained(folder, safe_serialization=True)
        pipe = load("ltx-video", weights=folder, device="cpu")
        request = GenerationRequest("t2v", "a red ball falls and bounces", seed=0, steps=STEPS,
                                    frames=FRAMES, width=SIZE, height=SIZE)
        resolved, _ = request.resolve(pipe.card)
        # the diffusers pipeline the card runs text-to-video with (LTXConditionPipeline, for 0.9.5's schedule),
        # with the arguments the card gives it
        direct_pipe = pipe.backend.pipeline(pipe.card.capability("t2v").pipeline)
        kwargs = card_arguments(pipe.card, resolved)

        def direct() -> np.ndarray:
            return direct_pipe(**kwargs, generator=torch.Generator().manual_seed(0), output_type="np").frames[0]

        def wrapper() -> np.ndarray:
            return pipe.generate(request, progress=lambda step, total: None).frames

        for _ in range(2):  # warm-up: first calls allocate and pick kernels
            direct(), wrapper()
        times = {"direct": [], "wrapper": []}
        for _ in range(args.runs):  # alternate, so that drift in machine load hits both alike
            for name, run in (("direct", direct), ("wrapper", wrapper)):
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
        same = np.array_equal(wrapper(), (direct() * 255).round().clip(0, 255).astype(np.uint8))

    direct_s, wrapper_s = statistics.median(times["direct"]), statistics.median(times["wrapper"])
    overhead = (wrapper_s - direct_s) / direct_s
    paired = statistics.median(w - d for w, d in zip(times["wrapper"], times["direct"]))
    print(f"tiny LTX-Video (2 layers), {SIZE}x{SIZE}, {FRAMES} frames, {STEPS} steps, CPU, "
          f"{args.threads} torch thread(s), median of {args.runs} runs each")
    print(f"  direct diffusers call   {direct_s * 1e3:8.1f} ms")
    print(f"  pipeline.generate       {wrapper_s * 1e3:8.1f} ms")
    print(f"  overhead                {overhead * 100:+8.2f} %   (target <= {TARGET * 100:.0f} %: "
          f"{'met' if overhead <= TARGET else 'NOT met'})")
    print(f"  paired difference       {paired * 1e3:+8.2f} ms per call (median over runs)")
    print(f"  same frames both ways   {same}")


if __name__ == "__main__":
    main()
