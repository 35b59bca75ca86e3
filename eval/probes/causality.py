"""Causality: the struck object starts moving only after the striker reaches it, and it does move.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves right and hits a blue box"

Contact is the first frame where the gap between the two objects' boxes is within one frame of
the striker's travel. The struck object's onset is the first frame its camera-compensated
position has left its starting place. Onset before contact, no contact, or no motion fail.
"""

from __future__ import annotations

import numpy as np

from eval.probes.tracker import Observation, observe
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS, Verdict
from world import Expectation

NAME = "causality"
MIN_SEEN = 0.5  # both objects must be seen in this share of frames
ONSET = 0.015  # of the frame width (at least 1 px): moving this far from its start counts as moving
MIN_PUSH = 0.05  # of the frame width: how far the struck object must go after contact


def check(frames: np.ndarray, expectation: Expectation, observation: Observation | None = None) -> Verdict:
    obs = observation or observe(frames, expectation)
    if len(obs.tracks) < 2:
        return Verdict(NAME, INCONCLUSIVE, "the prompt names no struck object", {})
    a, b = obs.tracks[0], obs.tracks[1]
    if obs.doubts(0, 1):
        return Verdict(NAME, INCONCLUSIVE, obs.doubts(0, 1), {})
    if min(a.present.mean(), b.present.mean()) < MIN_SEEN:
        return Verdict(NAME, INCONCLUSIVE, f"{a.thing.name} or {b.thing.name} seen too little to judge", {})
    width = obs.size[1]
    both = np.flatnonzero(a.present & b.present)
    # Horizontal gap between the boxes (x0, y0, x1, y1), whichever side the striker comes from.
    gap = np.maximum(b.boxes[both, 0] - a.boxes[both, 2], a.boxes[both, 0] - b.boxes[both, 2]) - 1
    xa = obs.world_centres(0)[:, 0]
    # Frames sample the motion: of the two frames around the touch, one is within about half
    # of the striker's top per-frame step of it.
    step = np.nanpercentile(np.abs(np.diff(xa[a.present])), 90) if a.present.sum() > 1 else 0.0
    touching = both[gap <= 0.5 * step + 1.5]
    contact = int(touching[0]) if len(touching) else None

    xb = obs.world_centres(1)[:, 0]
    seen_b = np.flatnonzero(b.present)
    start = float(np.median(xb[seen_b[:2]]))
    moved = np.abs(xb[seen_b] - start) > max(1.0, ONSET * width)
    onset = int(seen_b[np.argmax(moved)]) if moved.any() else None
    push = float(np.nanmax(np.abs(xb[seen_b] - start)))
    measured = {
        "contact_frame": contact,
        "onset_frame": onset,
        "closest_gap_px": round(float(gap.min()), 2) if len(gap) else None,
        "push_px": round(push, 2),
    }
    names = f"{a.thing.name} and {b.thing.name}"
    if contact is None:
        if onset is not None:
            return Verdict(NAME, FAIL, f"{b.thing.name} moves (frame {onset}) though {a.thing.name} never reaches it", measured)
        return Verdict(NAME, FAIL, f"{names} never touch", measured)
    if onset is not None and onset < contact:
        return Verdict(NAME, FAIL, f"{b.thing.name} moves at frame {onset}, before {a.thing.name} reaches it at frame {contact}", measured)
    if onset is None or push < MIN_PUSH * width:
        return Verdict(NAME, FAIL, f"{a.thing.name} reaches {b.thing.name} at frame {contact} but it does not move", measured)
    return Verdict(NAME, PASS, f"contact at frame {contact}, {b.thing.name} moves from frame {onset} ({push:.1f} px)", measured)
