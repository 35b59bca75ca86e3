"""Gravity: a falling object speeds up downward, bounces lower each time, and never sinks or floats.

    python -m eval probe --video clip.mp4 --prompt "a red ball falls and bounces"

The subject's height is followed frame by frame (down is +y). A floor contact is a frame where
it stops going down and starts going up. Before the first contact it must accelerate downward
and never rise; each bounce must peak lower than the one before (a time-reversed video gains
height and fails); after the first contact it must not go deeper than the floor it hit.
"""

from __future__ import annotations

import numpy as np

from eval.probes.tracker import Observation, observe
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS, Verdict
from world import Expectation

NAME = "gravity"
MIN_FRAMES = 5
STILL = 0.3  # px/frame: slower than this is not moving up or down
MIN_ACCEL = 0.15  # px/frame^2 of downward acceleration before the first contact
RISE_TOL = 0.5  # px a falling object may jitter upward before any contact
HEIGHT_TOL = 1.0  # px a bounce may exceed the previous peak (sampling and encoding noise)


def check(frames: np.ndarray, expectation: Expectation, observation: Observation | None = None) -> Verdict:
    obs = observation or observe(frames, expectation)
    track = obs.tracks[0]
    name = track.thing.name
    if track.doubt:
        return Verdict(NAME, INCONCLUSIVE, track.doubt, {})
    seen = np.flatnonzero(track.present)
    if len(seen) < MIN_FRAMES:
        return Verdict(NAME, INCONCLUSIVE, f"{name} seen in {len(seen)} frames; need {MIN_FRAMES}", {})
    t = seen.astype(float)
    y = obs.world_centres(0)[seen, 1]  # (n,) down is +
    contacts = floor_contacts(y)  # indices into y
    first = contacts[0] if contacts else len(y) - 1
    measured: dict = {"contact_frames": [int(seen[k]) for k in contacts]}
    fall_seen = first >= 2  # at least three frames of falling before the first contact

    if fall_seen:
        accel = 2 * np.polyfit(t[: first + 1], y[: first + 1], 2)[0]  # px/frame^2
        measured["accel_px_per_frame2"] = round(float(accel), 3)
        rise = float(-np.min(np.diff(y[: first + 1])))
        if rise > RISE_TOL:
            return _verdict(FAIL, f"{name} rises {rise:.1f} px before touching anything (floats up)", measured)
        if accel < MIN_ACCEL:
            shown = round(accel, 2) + 0.0  # + 0.0 turns a rounded -0.0 into 0.0: never "-0.00"
            return _verdict(FAIL, f"{name} does not speed up downward ({shown:.2f} px/frame^2)", measured)

    if contacts:
        # Peak height of each flight (the drop, then every bounce) above the first contact.
        floor = y[first]
        heights = [floor - y[0]] + [floor - float(np.min(y[a : b + 1])) for a, b in zip(contacts, contacts[1:] + [len(y) - 1])]
        measured["heights_px"] = [round(float(h), 2) for h in heights]
        for k in range(1, len(heights)):
            if heights[k] > heights[k - 1] + HEIGHT_TOL:
                return _verdict(FAIL, f"{name} bounces higher than before ({heights[k - 1]:.1f} -> {heights[k]:.1f} px): energy from nowhere", measured)
        sink = float(np.max(y) - floor_bound(y, contacts))
        measured["sink_px"] = round(sink, 2)
        if sink > HEIGHT_TOL:
            return _verdict(FAIL, f"{name} sinks {sink:.1f} px below the floor it bounced on", measured)

    if not fall_seen:
        return _verdict(INCONCLUSIVE, f"{name} is not seen falling before its first bounce", measured)
    if not contacts:
        return _verdict(PASS, f"{name} falls with downward acceleration {accel:.2f} px/frame^2 (no bounce in the clip)", measured)
    return _verdict(PASS, f"{name} falls ({accel:.2f} px/frame^2) and bounces {len(contacts)}x, each lower", measured)


def floor_bound(y: np.ndarray, contacts: list[int]) -> float:
    """The lowest the floor can be (px, down is +): a sampled contact is at most one frame's travel
    above the true floor, and the tightest such bound over all contacts holds for all of them."""
    speed = np.abs(np.diff(y))
    return float(min(y[k] + max(speed[k - 1], speed[k]) for k in contacts))


def floor_contacts(y: np.ndarray) -> list[int]:
    """Lowest points where the object comes down and goes back up (within two frames each way)."""
    n = len(y)
    out = []
    for k in range(1, n - 1):
        lowest = y[k] >= y[k - 1] and y[k] > y[k + 1]
        came_down = y[k] - y[max(k - 2, 0)] > 2 * STILL
        goes_up = y[k] - y[min(k + 2, n - 1)] > 2 * STILL
        if lowest and came_down and goes_up:
            out.append(k)
    return out


def _verdict(status: str, reason: str, measured: dict) -> Verdict:
    return Verdict(NAME, status, reason, measured)
