"""Experiment: does tinyworld place given frames at the right time on their event's timeline?

    .venv/bin/python experiments/tinyworld/timing.py                  # 24 clips of every event that moves
    .venv/bin/python experiments/tinyworld/timing.py --n 8 --event fall

Extension times its new window from the given frames' estimated time
(TinyWorldPipeline.estimate_time). Here the true time is known: 8 frames are cut from a
ground-truth clip at frame 0, 4 or 8 (the clip's first frame is the event's first), and the
estimate is compared with the cut. Prints, per event and cut, how many estimates are exact and
how many are within one frame; captions alternate English and Chinese.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pipeline import load  # noqa: E402
from pipeline.tinyworld.backend import TIMING_FRAMES, frames_to_tensor  # noqa: E402
from world import detailed_caption, sample_spec  # noqa: E402
from world.render import make_clip  # noqa: E402

MOVING = ("fall", "hit", "move", "occlude")  # events with a timeline ("still" and "relation" look the same at every frame)
CUTS = (0, 4, 8)  # first frame of the 8 given frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", choices=MOVING, action="append", help="repeatable (default: all four)")
    parser.add_argument("--n", type=int, default=24, help="ground-truth clips per event")
    parser.add_argument("--weights", help="a tinyworld weights folder (default: the shipped weights)")
    args = parser.parse_args()
    pipe = load("tinyworld", weights=args.weights).backend.pipe
    print(f"{args.n} clips per event, {TIMING_FRAMES} given frames cut at frame {', '.join(map(str, CUTS))}")
    for event in args.event or MOVING:
        errors: dict[int, list[int]] = {cut: [] for cut in CUTS}
        for i in range(args.n):
            spec = sample_spec(np.random.default_rng([9, i]), event=event)
            clip = make_clip(spec, seed=i).frames  # (16, 64, 64, 3)
            caption = detailed_caption(spec, "en" if i % 2 == 0 else "zh")
            for cut in CUTS:
                estimate = pipe.estimate_time(caption, frames_to_tensor(clip[cut:cut + TIMING_FRAMES]))
                errors[cut].append(estimate - cut)
        cells = []
        for cut, errs in errors.items():
            e = np.abs(np.array(errs))
            cells.append(f"cut {cut}: exact {int((e == 0).sum())}/{len(e)}, within 1 {int((e <= 1).sum())}/{len(e)}")
        print(f"{event:<9} " + "   ".join(cells))


if __name__ == "__main__":
    main()
