"""Presence: every named object is in the video, in its named colour and shape.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves right"

Catches a subject that never appears, comes out in another colour, has the wrong shape
(judged by how much of its bounding box it fills and how low its centroid sits) or is smeared
into a streak (its box much longer than wide; every world shape fits a near-square box).
A split object is permanence's to catch: it counts pieces through time.
"""

from __future__ import annotations

import numpy as np

from eval.probes.tracker import Observation, Track, observe
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS, Verdict
from world import Expectation

NAME = "presence"
MIN_SEEN = 0.5  # share of frames an object must be seen in (it may pass behind things or leave)
MIN_EXTENT = 8  # px: smaller objects are seen but their shape is not judged
SAG_TRIANGLE = 0.575  # centroid this low in the box: an upward triangle ...
FILL_TRIANGLE = 0.68  # ... and so is a mask this sparse (a blurred small triangle loses its tip)
FILL_BALL_MAX, FILL_BOX_MIN = 0.86, 0.91  # fills between ball and box are not judged
ASPECT_MAX = 1.6  # long / short side of the box: balls and boxes ~1.0, triangles ~1.15, a smear ~2
# A full box longer than this per wide is a rectangle, not the world's square box (true boxes on realistic renders,
# blurred, sheared by H.264: at most 1.17; a towel prop of the box's hue: 1.35 and up)
RECTANGLE_ASPECT = 1.3


def check(frames: np.ndarray, expectation: Expectation, observation: Observation | None = None) -> Verdict:
    obs = observation or observe(frames, expectation)
    if obs.doubts():
        return Verdict(NAME, INCONCLUSIVE, obs.doubts(), {})
    for track in obs.tracks:
        if track.still:  # a towel of its colour is not the ball the prompt sets moving; nor is it proof of none
            return Verdict(NAME, INCONCLUSIVE, f"the only {track.thing.colour or 'moving'} object-like region never "
                           f"moves, though the prompt has the {track.thing.name} move: it may be background", {})
    measured, problems = {}, []
    for track in obs.tracks:
        seen = float(track.present.mean())
        shape, fill = shape_of(track)
        aspect = aspect_of(track)
        measured[track.thing.name] = {"seen": round(seen, 3), "shape": shape, "fill": fill, "aspect": aspect}
        if seen == 0:
            problems.append(f"no {track.thing.name} anywhere")
        elif seen < MIN_SEEN:
            problems.append(f"{track.thing.name} seen in only {seen:.0%} of frames")
        elif aspect is not None and aspect > ASPECT_MAX:
            problems.append(f"the {track.thing.name} is smeared: its box is {aspect:.1f}x longer than wide")
        elif track.thing.shape and shape and shape != track.thing.shape:
            problems.append(f"the {track.thing.colour} object looks like a {shape} (fill {fill}), not a {track.thing.shape}")
    if problems:
        return Verdict(NAME, FAIL, "; ".join(problems), measured)
    names = ", ".join(t.thing.name for t in obs.tracks)
    return Verdict(NAME, PASS, f"{names} present", measured)


def whole_frames(track: Track) -> np.ndarray:
    """(T,) bool: frames where the object is inside the frame, not half hidden (nor a piece of itself: it is
    as large as it gets), and big enough to judge its shape. Another region of its colour elsewhere (a towel
    behind a ball) does not stop its shape being judged."""
    whole = track.present & ~track.border
    if not whole.any():
        return whole
    whole &= track.areas >= 0.8 * track.areas[whole].max()  # not half hidden behind something
    return whole & (track.sides.min(axis=1) >= MIN_EXTENT)


def aspect_of(track: Track) -> float | None:
    """Median long / short side of the object's box over its whole frames; None if there are none."""
    whole = whole_frames(track)
    if not whole.any():
        return None
    sides = track.sides[whole]
    return round(float(np.median(sides.max(axis=1) / sides.min(axis=1))), 2)


def shape_of(track: Track) -> tuple[str | None, float | None]:
    """The shape the object's mask looks like, from frames where it is whole and big enough.

    An upward triangle has its centroid low in its box (sag ~0.65 against 0.5) and fills ~55%
    of it; a ball fills ~79%, a box all of it (and is square: a full, long region is a "rectangle"). Thresholds were set on H.264 round trips
    (python -m eval.probes.validate --mp4), whose chroma blur fattens and rounds small shapes. Too small, or a fill
    between ball and box, gives None: no judgement rather than a guess.
    """
    whole = whole_frames(track)
    if not whole.any():
        return None, None
    fill = float(np.median(track.fill[whole]))
    sides = track.sides[whole]
    if fill >= FILL_BOX_MIN and float(np.median(sides.max(axis=1) / sides.min(axis=1))) > RECTANGLE_ASPECT:
        return "rectangle", round(fill, 3)  # a towel or a sign: no world shape (a box is square)
    if float(np.median(track.sag[whole])) > SAG_TRIANGLE or fill < FILL_TRIANGLE:
        return "triangle", round(fill, 3)
    if FILL_BALL_MAX < fill < FILL_BOX_MIN:
        return None, round(fill, 3)
    return ("box" if fill >= FILL_BOX_MIN else "ball"), round(fill, 3)
