"""Following an object through frames where its colour alone does not single it out.

    python -c "import eval.probes.follow as f; help(f.follow)"

On a background of its own hue an object's region merges with the background and the tracker loses
it for a few frames, though a person still sees it: its outline and its own shade are there. From
the nearest frame where it was found, its picture (the pixels of its region) is looked for where it
should be next (its last position moved on by its last velocity and the camera), and taken as the
object only if three things hold at the best match: the pixels look like it (a recoloured object
does not), they stand out from what is just around them (an object deleted over a background of
its hue leaves no outline), and they are of its colour. A frame with no such match (behind a wall,
gone) stays a frame without it; following stops after a few such frames or at the frame's edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

APPEAR = 24.0  # mean |difference| (levels, per channel) between its picture and the match: the same object
CONTRAST = 20.0  # levels: its rim differs from the ring just outside it at least this much, on three sides
MIN_COLOUR = 0.6  # share of the match's pixels in the object's colour extent
WHOLE = 0.7  # share of its usual area a sighting must have to be followed from (a piece of it is not)
MISSES = 4  # frames without a match after which following stops (it is hidden, or gone)
RING = 2  # pixels: the width of the ring around the object its contrast is read against


@dataclass(frozen=True)
class Found:
    """Where the object was found by following, at the working size."""

    frame: int
    shift: tuple[int, int]  # (dx, dy) of the source frame's region to where it is in this frame
    source: int  # the frame whose region was followed


def follow(frames: np.ndarray, masks: np.ndarray, seen: np.ndarray, colour: np.ndarray | None,
           camera: np.ndarray) -> list[Found]:
    """Frames (T, h, w, 3) uint8, the object's region in each frame it was found (T, h, w) bool, `seen` (T,),
    its colour's extent (T, h, w) bool (None: colourless, not followed) and the camera's shift (T, 2): the
    frames where it is found by following, before its first sighting, between sightings and after its last."""
    sightings = np.flatnonzero(seen)
    if colour is None or not len(sightings):
        return []
    areas = masks.sum(axis=(1, 2))  # (T,)
    whole = np.flatnonzero(seen & (areas >= WHOLE * areas[seen].max()))  # sightings of all of it, not a piece
    found = _gap(frames, masks, seen, colour, camera, int(whole[0]), int(sightings[0]) - 1, -1)  # before the first
    gaps = list(sightings[:-1][np.diff(sightings) > 1] + 1)  # the first frame of each gap between sightings ...
    if sightings[-1] + 1 < len(seen):
        gaps.append(sightings[-1] + 1)  # ... and after the last
    for gap in gaps:
        before = whole[whole < gap]
        if len(before):
            found += _gap(frames, masks, seen, colour, camera, int(before[-1]), int(gap), 1)
    return sorted(found, key=lambda f: f.frame)


def _gap(frames: np.ndarray, masks: np.ndarray, seen: np.ndarray, colour: np.ndarray, camera: np.ndarray,
         source: int, start: int, step: int) -> list[Found]:
    """Follow the region of frame `source` in direction `step`, looking for it from frame `start` on until the
    next sighting, MISSES frames without a match, or the frame's edge."""
    t, h, w, _ = frames.shape
    ys, xs = np.nonzero(masks[source])
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max(), ys.max()
    shape = masks[source, y0:y1 + 1, x0:x1 + 1]  # (bh, bw) its pixels in its box
    picture = frames[source, y0:y1 + 1, x0:x1 + 1]  # (bh, bw, 3)
    if contrast(frames[source], masks[source]) < CONTRAST:
        return []  # it does not stand out where it was found: a match could not be told from background
    velocity = _velocity(masks, seen, camera, source, step)  # (2,) world pixels per frame, in the pass's direction
    position = np.array([x0, y0], float) - camera[source]  # its box's corner in the world
    out, misses, i = [], 0, source + step
    weights = shape.astype(np.uint8)
    while 0 <= i < t and misses < MISSES:
        position = position + velocity
        if (i - start) * step < 0:  # a sighting of a piece of it, between the source and the gap
            i += step
            continue
        if seen[i]:
            break
        corner = position + camera[i]
        margin = int(np.ceil(3 + 0.5 * np.hypot(*velocity) + 0.25 * max(shape.shape)))
        wx0, wy0 = int(np.floor(corner[0])) - margin, int(np.floor(corner[1])) - margin
        wx1, wy1 = wx0 + shape.shape[1] + 2 * margin, wy0 + shape.shape[0] + 2 * margin
        if wx0 < 0 or wy0 < 0 or wx1 > w or wy1 > h:
            break  # at the frame's edge: leaving it is not for following to judge
        window = frames[i, wy0:wy1, wx0:wx1]
        scores = cv2.matchTemplate(window, picture, cv2.TM_SQDIFF, mask=np.repeat(weights[..., None], 3, axis=2))
        dy, dx = np.unravel_index(int(np.argmin(scores)), scores.shape)
        mx, my = wx0 + dx, wy0 + dy  # the match's box corner in frame i
        placed = np.zeros((h, w), bool)
        placed[my:my + shape.shape[0], mx:mx + shape.shape[1]] = shape
        patch = frames[i, my:my + shape.shape[0], mx:mx + shape.shape[1]]
        alike = float(np.abs(patch[shape].astype(np.float32) - picture[shape]).mean()) <= APPEAR
        if alike and contrast(frames[i], placed) >= CONTRAST and colour[i][placed].mean() >= MIN_COLOUR:
            out.append(Found(i, (int(mx - x0), int(my - y0)), source))
            position = np.array([mx, my], float) - camera[i]
            misses = 0
        else:
            misses += 1
        i += step
    return out


def _velocity(masks: np.ndarray, seen: np.ndarray, camera: np.ndarray, source: int, step: int) -> np.ndarray:
    """(2,) the object's world motion per frame in direction `step`, from the nearest sighting on the other side
    of `source` (0 when there is none)."""
    others = np.flatnonzero(seen)
    others = others[others < source] if step == 1 else others[others > source]
    if not len(others):
        return np.zeros(2)
    j = int(others[-1] if step == 1 else others[0])
    return ((_centre(masks[source]) - camera[source]) - (_centre(masks[j]) - camera[j])) / abs(source - j)


def _centre(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()])


def contrast(frame: np.ndarray, mask: np.ndarray, sides: int = 3) -> float:
    """How much the object stands out all round: for each side (above, below, left, right of its centre), the
    largest per-channel difference (levels) between the mean colour of its rim there and of the ring of RING
    pixels just outside it there; the `sides`-th largest of the four. (Three: an object shaded dark on one side
    may melt into a dark background there, while the edge or corner of a patch of its colour stands out on two
    sides at most.)"""
    kernel = np.ones((2 * RING + 1, 2 * RING + 1), np.uint8)
    region = mask.astype(np.uint8)
    ring = (cv2.dilate(region, kernel) > 0) & ~mask
    rim = mask & ~(cv2.erode(region, kernel) > 0)
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return 0.0
    rows, cols = np.mgrid[:mask.shape[0], :mask.shape[1]]
    dy, dx = rows - ys.mean(), cols - xs.mean()
    contrasts = []
    for side in (dy < -np.abs(dx), dy > np.abs(dx), dx < -np.abs(dy), dx > np.abs(dy)):  # above, below, left, right
        inner, outer = rim & side, ring & side
        if inner.any() and outer.any():  # (no ring beyond the frame's edge)
            contrasts.append(float(np.abs(frame[inner].mean(axis=0) - frame[outer].mean(axis=0)).max()))
    return sorted(contrasts, reverse=True)[sides - 1] if len(contrasts) >= sides else 0.0
