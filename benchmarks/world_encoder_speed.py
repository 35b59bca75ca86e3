"""Benchmark: milliseconds to score one 16-frame 64x64 clip with the world encoder, on one CPU thread.

    .venv/bin/python benchmarks/world_encoder_speed.py
    .venv/bin/python benchmarks/world_encoder_speed.py --reps 200 --threads 2

Three numbers: the video embedding alone; enc.score(video, caption) with the caption's
embedding cached (the usual case: a suite repeats its prompts, and the scorer caches per text);
and with the caption embedded afresh every time. Target (issue 25): <= 20 ms a clip, the caption
included.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.world_encoder import load_world_encoder  # noqa: E402
from world import detailed_caption, sample_spec  # noqa: E402
from world.render import make_clip  # noqa: E402

TARGET_MS = 20.0


def per_call_ms(fn, reps: int) -> float:
    fn()  # warm-up: first calls allocate
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--weights", type=Path, default=None, help="a weights folder (default: the shipped one)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    enc = load_world_encoder(args.weights)
    rng = np.random.default_rng(0)
    specs = [sample_spec(rng) for _ in range(8)]
    clips = [make_clip(s, seed=i, frames=16, width=64, height=64).frames for i, s in enumerate(specs)]
    captions = [detailed_caption(s, lang) for s in specs for lang in ("en", "zh")]
    i = iter(range(10**9))

    def fresh_caption():
        k = next(i)
        enc._text_cache.clear()  # the caption embedded afresh, as for a prompt never seen before
        return enc.score(clips[k % 8], captions[k % 16])

    video_ms = per_call_ms(lambda: enc.embed_videos([clips[next(i) % 8]]), args.reps)
    cached_ms = per_call_ms(lambda: enc.score(clips[next(i) % 8], captions[0]), args.reps)
    fresh_ms = per_call_ms(fresh_caption, args.reps)
    print(f"{enc.name} {enc.weights_hash}, {args.threads} thread(s), median of {args.reps}:")
    print(f"  video embedding of one 16-frame 64x64 clip: {video_ms:.1f} ms")
    print(f"  score(video, caption), caption cached:      {cached_ms:.1f} ms [{'ok' if cached_ms <= TARGET_MS else 'SLOW'}: <= {TARGET_MS:.0f}]")
    print(f"  score(video, caption), caption embedded:    {fresh_ms:.1f} ms [{'ok' if fresh_ms <= TARGET_MS else 'SLOW'}: <= {TARGET_MS:.0f}]")


if __name__ == "__main__":
    main()
