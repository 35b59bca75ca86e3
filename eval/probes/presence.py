"""Presence: every named object is in the video, in its named colour and shape.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves right"

Catches a subject that never appears, comes out in another colour, or has the wrong shape
(judged by how much of its bounding box it fills: ball ~0.79, box ~1.0, triangle ~0.5).
"""

from __future__ import annotations

import numpy as np

from eval.probes.tracker import Observation, Track, observe
from eval.probes.verdict import FAIL, PASS, Verdict
from world import Expectation

NAME = "presence"
MIN_SEEN = 0.5  # share of frames an object must be seen in (it may pass behind things or leave)
FILL_TRIANGLE, FILL_BOX = 0.64, 0.9  # fill below: triangle; above: box; between: ball


def check(frames: np.ndarray, expectation: Expectation, observation: Observation | None = None) -> Verdict:
    obs = observation or observe(frames, expectation)
    measured, problems = {}, []
    for track in obs.tracks:
        seen = float(track.present.mean())
        shape, fill = shape_of(track)
        measured[track.thing.name] = {"seen": round(seen, 3), "shape": shape, "fill": fill}
        if seen == 0:
            problems.append(f"no {track.thing.name} anywhere")
        elif seen < MIN_SEEN:
            problems.append(f"{track.thing.name} seen in only {seen:.0%} of frames")
        elif track.thing.shape and shape and shape != track.thing.shape:
            problems.append(f"the {track.thing.colour} object looks like a {shape} (fill {fill}), not a {track.thing.shape}")
    if problems:
        return Verdict(NAME, FAIL, "; ".join(problems), measured)
    names = ", ".join(t.thing.name for t in obs.tracks)
    return Verdict(NAME, PASS, f"{names} present", measured)


def shape_of(track: Track) -> tuple[str | None, float | None]:
    """The shape the object's mask looks like, from frames where it is whole; None if never whole."""
    whole = track.present & ~track.border & (track.copies <= 1)
    if not whole.any():
        return None, None
    whole &= track.areas >= 0.8 * track.areas[whole].max()  # not half hidden behind something
    fill = float(np.median(track.fill[whole]))
    shape = "triangle" if fill < FILL_TRIANGLE else "box" if fill > FILL_BOX else "ball"
    return shape, round(fill, 3)
