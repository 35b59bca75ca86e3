"""Permanence: objects neither vanish, multiply, split, change size nor appear from nowhere.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves right behind a wall"

An object may leave through the frame's edge. Only where the prompt says it passes behind
something may it go out of sight inside the frame, and then it must come back the same size
(its colour is how it is found, so a recoloured object counts as vanished). A second blob of
an object's colour (a copy or a split) or a blob in a colour nobody named, lasting two frames
or more, fails.
"""

from __future__ import annotations

import numpy as np

from eval.probes.tracker import Observation, Track, observe
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS, Verdict, runs
from world import Expectation

NAME = "permanence"
PERSIST = 2  # frames an anomaly must last (one-frame blips are encoding noise)
SIZE_RATIO = 1.6  # largest / smallest whole-view area an object may have
EXTENT_RATIO = 1.3  # how much an occluded object's extent may differ when it comes back


def check(frames: np.ndarray, expectation: Expectation, observation: Observation | None = None) -> Verdict:
    obs = observation or observe(frames, expectation)
    if obs.doubts():
        return Verdict(NAME, INCONCLUSIVE, obs.doubts(), {})
    if not obs.tracks[0].present.any():
        return Verdict(NAME, INCONCLUSIVE, f"{obs.tracks[0].thing.name} never seen", {})
    measured: dict = {}
    for index, track in enumerate(obs.tracks):
        if not track.present.any():  # a named object that never shows is presence's failure, not a change over time
            measured.setdefault("never_seen", []).append(track.thing.name)
            continue
        behind = expectation.occluded and index == 0  # the prompt has it pass behind something
        problem = _copies(track, occluded=behind) or _gaps(track, occluder=behind, measured=measured)
        problem = problem or _size(track, occluded=behind)
        if problem:
            measured["object"] = track.thing.name
            return Verdict(NAME, FAIL, problem, measured)
    extra = [r for r in runs(obs.strangers > obs.strangers[0]) if r[1] - r[0] + 1 >= PERSIST]
    if extra:
        measured["stranger_frames"] = list(extra[0])
        return Verdict(NAME, FAIL, f"an object nobody named appears from nowhere at frame {extra[0][0]}", measured)
    return Verdict(NAME, PASS, "every object keeps its colour, size and count", measured)


def _copies(track: Track, occluded: bool) -> str | None:
    extra = track.copies >= 2
    if occluded and track.straddles is not None:  # seen on both sides of the wall it passes behind: one object
        extra &= ~track.straddles
    many = [r for r in runs(extra) if r[1] - r[0] + 1 >= PERSIST]
    if many:
        first, last = many[0]
        n = int(track.copies[first : last + 1].max())
        return f"{track.thing.name} multiplies or splits: {n} pieces in frames {first}-{last}"
    return None


def _gaps(track: Track, occluder: bool, measured: dict) -> str | None:
    """Times the object is out of sight although it was last seen inside the frame."""
    seen = np.flatnonzero(track.present)
    first, last = seen[0], seen[-1]
    name = track.thing.name
    # A frame where no region was taken for it but its colour fills the place it was passing is not a vanishing.
    there = track.present if track.glimpsed is None else track.present | track.glimpsed
    hidden = [r for r in runs(~there[first : last + 1])]
    gone_at_end = last < len(track.present) - 1 and not track.border[last]
    for start, end in hidden:
        before = first + start - 1
        if not track.border[before] and not occluder:
            return f"{name} vanishes at frame {first + start} and comes back at frame {first + end + 1}"
    if occluder:
        measured["hidden"] = [[int(first + s), int(first + e)] for s, e in hidden]
        if gone_at_end:
            return f"{name} goes out of sight at frame {last + 1} and never comes back"
        if not hidden:
            return None  # never fully hidden: nothing to check beyond size
        return None
    if gone_at_end:
        return f"{name} vanishes at frame {last + 1} inside the view"
    return None


def _size(track: Track, occluded: bool) -> str | None:
    whole = track.present & ~track.border & (track.copies <= 1)
    if whole.sum() < 2:
        return None
    name = track.thing.name
    if occluded:
        # Partly hidden frames are narrower by design; the longer side of the box is not, so
        # compare the largest extent seen before and after the object was out of sight.
        gone = np.flatnonzero(~track.present)
        if not len(gone):
            return None
        extent = track.sides.max(axis=1)
        before, after = extent[: gone[0]][track.present[: gone[0]]], extent[gone[-1] + 1 :]
        if len(before) and len(after):
            ratio = after.max() / before.max()
            if not 1 / EXTENT_RATIO <= ratio <= EXTENT_RATIO:
                return f"{name} comes back at {ratio:.0%} of its size"
        return None
    areas = track.areas[whole]
    if areas.max() > SIZE_RATIO * areas.min():
        return f"{name} changes size ({areas.min():.0f} -> {areas.max():.0f} px)"
    return None
