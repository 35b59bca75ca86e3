"""Experiment: three chained forward extensions, with forward windows held at different latest starts.

    .venv/bin/python experiments/tinyworld/chains.py --seed 1 --latest-start 6 12     # about 9 minutes a start here
    .venv/bin/python experiments/tinyworld/chains.py --n 40 --latest-start 4 6 --weights runs/more/weights

The chains are eval.fidelity's (its --seed S, --conditioning N prompts: every prompt whose subject the
world keeps in view, chained from its detailed caption). A forward window is timed from its given
frames and held at the latest start (TinyWorldBackend.latest_window_start, default
LATEST_WINDOW_START); 12 is the latest a window of 16 after 8 timed frames can start, so
`--latest-start 12` is the window as timed, never held. For each start it prints how many chains
lose their subject, how many drift more than 8/255, the largest drift of those that keep it, and each failing
chain's scene.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.fidelity import LOST, chain_drifts, held_out_prompts  # noqa: E402
from pipeline import load  # noqa: E402

DRIFT_BAR = 8.0  # issue 4's bar for subject colour drift, out of 255


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="held-out prompts to chain from (eval.fidelity's --conditioning)")
    parser.add_argument("--seed", type=int, default=0, help="eval.fidelity's --seed")
    parser.add_argument("--latest-start", type=int, nargs="+", default=[6, 12], help="latest forward window starts to compare")
    parser.add_argument("--weights", help="a tinyworld weights folder (default: the shipped weights)")
    args = parser.parse_args()
    pipe = load("tinyworld", weights=args.weights)
    sampling = {"steps": None, "guidance": None}  # the card's defaults, as eval.fidelity samples
    prompts = held_out_prompts(args.n, args.seed)
    for start in args.latest_start:
        pipe.backend.latest_window_start = start
        drift, chained = chain_drifts(pipe, prompts, args.seed, sampling)
        drifts = np.array(drift)
        if start == args.latest_start[0]:
            print(f"{len(drifts)} chains from {args.n} prompts of eval.fidelity --seed {args.seed}", flush=True)
        failing = [f"{subject} {d:.1f}" for subject, d in zip(chained, drifts) if d > DRIFT_BAR]
        finite = drifts[drifts < LOST]
        print(f"latest start {start:2d}: {int((drifts == LOST).sum())} lost, {int((drifts > DRIFT_BAR).sum())} over "
              f"{DRIFT_BAR:g}/255, largest kept drift {finite.max() if len(finite) else float('nan'):.1f}, "
              f"median {np.median(drifts):.1f}", flush=True)
        print("  failing: " + ("; ".join(failing) or "none"), flush=True)


if __name__ == "__main__":
    main()
