"""Left/right: the subject travels the named way, or rests on the named side of another object.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves from right to left"

Motion is measured in the world: the camera's own pan is subtracted, so an object that stays
put while the camera pans does not count as moving. A mirrored video fails.
"""

from __future__ import annotations

import numpy as np

from eval.probes.tracker import Observation, observe
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS, Verdict
from world import Expectation

NAME = "left_right"
MIN_TRAVEL = 0.05  # of the frame width: less than this is not a motion
MIN_SPAN = 0.25  # the subject must be seen over at least this share of the clip
AGREE = 0.8  # share of frames in which a relation must hold


def check(frames: np.ndarray, expectation: Expectation, observation: Observation | None = None) -> Verdict:
    obs = observation or observe(frames, expectation)
    if expectation.relation is not None:
        return _relation(obs, expectation)
    if expectation.direction not in ("left", "right"):
        return Verdict(NAME, INCONCLUSIVE, "the prompt names no left/right motion or relation", {})
    return _travel(obs, expectation)


def _travel(obs: Observation, expectation: Expectation) -> Verdict:
    if obs.doubts(0):
        return Verdict(NAME, INCONCLUSIVE, obs.doubts(0), {})
    track = obs.tracks[0]
    seen = np.flatnonzero(track.present)
    name = track.thing.name
    if len(seen) < 2 or (seen[-1] - seen[0]) < MIN_SPAN * (len(track.present) - 1):
        return Verdict(NAME, INCONCLUSIVE, f"{name} not seen long enough to measure its motion", {"frames_seen": int(len(seen))})
    x = obs.world_centres(0)[seen, 0]  # camera-compensated
    # How far it got from where it started: a striker that recoils still went the named way.
    travel = float(x[np.argmax(np.abs(x - x[0]))] - x[0])
    width = obs.size[1]
    measured = {
        "travel_px": round(travel, 2),
        "travel_share": round(travel / width, 3),
        "camera_px": round(float(obs.camera[-1, 0] - obs.camera[0, 0]), 2),
        "expected": expectation.direction,
    }
    went = "right" if travel > 0 else "left"
    if abs(travel) < MIN_TRAVEL * width:
        return Verdict(NAME, FAIL, f"{name} barely moves ({travel:+.1f} px); expected {expectation.direction}", measured)
    if went != expectation.direction:
        return Verdict(NAME, FAIL, f"{name} moves {went} ({travel:+.1f} px, camera removed); expected {expectation.direction}", measured)
    return Verdict(NAME, PASS, f"{name} moves {went} {abs(travel):.1f} px (camera removed)", measured)


def _relation(obs: Observation, expectation: Expectation) -> Verdict:
    a, b = obs.tracks[0], obs.tracks[1]
    if obs.doubts(0, 1):
        return Verdict(NAME, INCONCLUSIVE, obs.doubts(0, 1), {})
    both = a.present & b.present
    if not both.any():
        return Verdict(NAME, INCONCLUSIVE, f"{a.thing.name} and {b.thing.name} never seen together", {})
    offset = a.centres[both, 0] - b.centres[both, 0]  # (n,) + means a is right of b
    if not np.any(offset):  # one region taken for both: no side at all
        return Verdict(NAME, INCONCLUSIVE, f"{a.thing.name} and {b.thing.name} were found as one region: "
                       "no side to judge", {"offset_px": 0.0})
    side = np.where(offset > 0, "right", np.where(offset < 0, "left", "level"))
    agree = float((side == expectation.relation).mean())
    median = float(np.median(offset))
    measured = {"offset_px": round(median, 2), "agree": round(agree, 3), "expected": expectation.relation}
    where = "right" if median > 0 else "left"
    if agree < AGREE:
        return Verdict(
            NAME, FAIL, f"{a.thing.name} is to the {where} of {b.thing.name} ({median:+.1f} px); expected {expectation.relation}", measured
        )
    return Verdict(NAME, PASS, f"{a.thing.name} is to the {where} of {b.thing.name} ({median:+.1f} px)", measured)
