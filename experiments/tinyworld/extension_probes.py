"""Experiment: do tinyworld's extensions continue an event that began before the given frames?

    .venv/bin/python experiments/tinyworld/extension_probes.py                         # 24 falls, the shipped weights
    .venv/bin/python experiments/tinyworld/extension_probes.py --event hit --weights runs/more/weights

For n ground-truth clips of one event (16 frames, 8 fps), each is extended the way eval.fidelity
does it, and the 16 frames that line up with the ground truth go through the probes:
- forward, 4 kept: frames 0-7 given, the window starts at frame 4, frames 8-15 are new;
- backward, 4 kept: frames 8-15 given, the window ends at frame 11, frames 0-7 are new (its
  first 4 frames lie before the clip began and are not judged);
- backward, 8 kept: frames 8-15 given, the window is the clip's own, frames 0-7 are new.
Only the last window starts where every training clip starts, as its event starts; the others
continue the event only if the window is timed where it sits (the backend estimates the given
frames' time, see pipeline/tinyworld/backend.py). Prints the pass rate of every probe the
event calls for, per case.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.fidelity import pass_rates  # noqa: E402
from eval.probes import run_probes  # noqa: E402
from pipeline import load  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402
from world import detailed_caption, expectation_for, sample_spec  # noqa: E402
from world.spec import EVENTS  # noqa: E402
from world.render import make_clip  # noqa: E402

CASES = {  # name: (given frames, kept, direction)
    "forward, 4 kept": (slice(0, 8), 4, "forward"),
    "backward, 4 kept": (slice(8, 16), 4, "backward"),
    "backward, 8 kept": (slice(8, 16), 8, "backward"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", default="fall", choices=EVENTS)
    parser.add_argument("--n", type=int, default=24, help="ground-truth clips (captions alternate English, Chinese)")
    parser.add_argument("--weights", help="a tinyworld weights folder (default: the shipped weights)")
    args = parser.parse_args()
    pipe = load("tinyworld", weights=args.weights)
    verdicts: dict[str, list] = {name: [] for name in CASES}
    for i in range(args.n):
        spec = sample_spec(np.random.default_rng([9, i]), event=args.event)
        clip = make_clip(spec, seed=i).frames  # (16, 64, 64, 3)
        prompt = detailed_caption(spec, "en" if i % 2 == 0 else "zh")
        for name, (given, keep, direction) in CASES.items():
            out = pipe.generate(GenerationRequest(mode="extend", prompt=prompt, seed=i, video=clip[given], keep=keep,
                                                  direction=direction)).joined()
            aligned = out[:16] if direction == "forward" else out[-16:]  # the frames that match the clip's 0-15
            verdicts[name].append(run_probes(aligned, expectation_for(spec)))
    print(f"{args.n} {args.event} clips, weights {args.weights or 'shipped'}")
    for name, lists in verdicts.items():
        rates = {k: v for k, v in pass_rates(lists).items() if v is not None}
        print(f"{name:<17} " + "  ".join(f"{k} {v:.0%}" for k, v in rates.items()))


if __name__ == "__main__":
    main()
