"""Benchmark: world rendering and probe throughput on this machine.

    .venv/bin/python benchmarks/world_probes.py            # 1,000 clips, 16 frames, 64x64
    .venv/bin/python benchmarks/world_probes.py --clips 200

Prints the wall time to render the clips (target: 1,000 in < 10 s) and, for each probe, clips
judged per second including its own tracking pass (target: >= 50 clips/s). Specs are sampled
from the world's usual mix; each probe is timed on clips whose prompt calls for it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.probes import PROBES  # noqa: E402
from world import expectation_for, sample_spec  # noqa: E402
from world.render import make_clip  # noqa: E402

RENDER_TARGET_S, PROBE_TARGET = 10.0, 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--probe-clips", type=int, default=200, help="clips timed per probe")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    specs = [sample_spec(rng) for _ in range(args.clips)]
    start = time.perf_counter()
    clips = [make_clip(spec, seed=i, frames=16, width=64, height=64) for i, spec in enumerate(specs)]
    render_s = time.perf_counter() - start
    verdict = "ok" if render_s * 1000 / args.clips < RENDER_TARGET_S else "SLOW"
    print(f"render: {args.clips} clips of 16 frames at 64x64 in {render_s:.2f} s ({args.clips / render_s:.0f} clips/s) [{verdict}: 1,000 in < {RENDER_TARGET_S:.0f} s]")

    for name, check in PROBES.items():
        chosen = [c for c in clips if name in expectation_for(c.scene.spec).probes()][: args.probe_clips]
        start = time.perf_counter()
        for clip in chosen:
            check(clip.frames, expectation_for(clip.scene.spec))  # tracks from scratch each time
        rate = len(chosen) / (time.perf_counter() - start)
        print(f"probe {name:<11} {rate:6.0f} clips/s on {len(chosen)} clips [{'ok' if rate >= PROBE_TARGET else 'SLOW'}: >= {PROBE_TARGET:.0f}]")


if __name__ == "__main__":
    main()
