"""Weight-free failure probes: one file per probe, each `check(frames, expectation) -> Verdict`.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves right and hits a blue box"
    python -m eval.probes.validate --n 200 --seed 0
"""

from __future__ import annotations

import numpy as np

from eval.probes import causality, gravity, left_right, permanence, presence
from eval.probes.tracker import observe
from eval.probes.verdict import Verdict
from world import Expectation

# name -> check(frames, expectation, observation=None) -> Verdict; reused for CLI choices.
PROBES = {
    presence.NAME: presence.check,
    left_right.NAME: left_right.check,
    gravity.NAME: gravity.check,
    causality.NAME: causality.check,
    permanence.NAME: permanence.check,
}


def run_probes(frames: np.ndarray, expectation: Expectation) -> list[Verdict]:
    """Every probe the expectation calls for, sharing one tracking pass."""
    return run_probes_with_evidence(frames, expectation, draw_evidence=False)[0]


def run_probes_with_evidence(frames: np.ndarray, expectation: Expectation, draw_evidence: bool = True
                             ) -> tuple[list[Verdict], np.ndarray | None]:
    """(verdicts, frames uint8 (T, H, W, 3) with the tracks, events and verdicts drawn on, or None)."""
    from eval.probes.overlay import draw

    observation = observe(frames, expectation)
    verdicts = [PROBES[name](frames, expectation, observation) for name in expectation.probes()]
    return verdicts, draw(frames, observation, verdicts) if draw_evidence else None


__all__ = ["PROBES", "Verdict", "run_probes", "run_probes_with_evidence"]
