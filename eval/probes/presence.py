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
FILL_BALL_MAX, FILL_BOX_MIN = 0.86, 0.91  # by fill alone, fills between ball and box are not judged
# Share of the four corner squares (a quarter of each side) of its box the object fills: a ball leaves its box's
# corners empty (0.19-0.50 on realistic renders, up to 0.58 for one drawn where a box belongs), a box fills them
# (0.56-1.0, 0.88 typical; 0.62 at the least for the world's small boxes through H.264); with its fill, a box needs
# both high, a ball both low, and anything between cannot be told.
CORNER_BOX_MIN, FILL_BOX_WITH_CORNERS = 0.6, 0.84
CORNER_BALL_MAX = 0.55
CORNER = 0.25  # side of a corner square, of the box's side
UNCLEAR = "unclear"  # shape_of: whole and big enough, but between a ball and a box
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
    measured, problems, unclear = {}, [], []
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
        elif track.thing.shape and shape == UNCLEAR:
            unclear.append(f"whether the {track.thing.colour} object is a {track.thing.shape} cannot be told "
                           f"(fill {fill}, between a ball and a box)")
        elif track.thing.shape and shape and shape != track.thing.shape:
            problems.append(f"the {track.thing.colour} object looks like a {shape} (fill {fill}), not a {track.thing.shape}")
    if problems:
        return Verdict(NAME, FAIL, "; ".join(problems), measured)
    if unclear:
        return Verdict(NAME, INCONCLUSIVE, "; ".join(unclear), measured)
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
    of it; a ball fills ~79% and leaves the corners of its box empty, a box fills all of it, corners
    included (and is square: a full, long region is a "rectangle"). Thresholds were set on H.264 round
    trips (python -m eval.probes.validate --mp4 and --style real), whose chroma blur fattens and rounds
    small shapes. Too small gives (None, None): not judged; a fill or corners between ball and box give
    ("unclear", fill): it cannot be told.
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
    corners = corners_of(track, whole)
    if corners is None:  # no mask to read corners from: by fill alone
        box, ball = fill >= FILL_BOX_MIN, fill <= FILL_BALL_MAX
    else:
        box = corners >= CORNER_BOX_MIN and fill >= FILL_BOX_WITH_CORNERS
        ball = corners <= CORNER_BALL_MAX and fill <= FILL_BALL_MAX
    return ("box" if box else "ball" if ball else UNCLEAR), round(fill, 3)


def corners_of(track: Track, whole: np.ndarray) -> float | None:
    """Median over the `whole` frames of the share of its box's four corner squares the object's mask fills;
    None without masks."""
    if track.masks is None:
        return None
    shares = []
    for mask in track.masks[whole]:
        ys, xs = np.nonzero(mask)
        if not len(xs):
            continue
        box = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        k, l = max(1, round(CORNER * box.shape[0])), max(1, round(CORNER * box.shape[1]))
        shares.append(np.mean([box[:k, :l].mean(), box[:k, -l:].mean(), box[-k:, :l].mean(), box[-k:, -l:].mean()]))
    return float(np.median(shares)) if shares else None
