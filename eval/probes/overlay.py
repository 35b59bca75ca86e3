"""Draw the evidence onto the video: tracks, boxes, events and the verdicts.

    python -m eval probe --video clip.mp4 --prompt "a red ball falls and bounces" --overlay evidence.mp4

Frames are enlarged (nearest neighbour, so pixels stay honest) to leave room for readable text;
a panel under the picture lists each verdict, coloured by status.
"""

from __future__ import annotations

import cv2
import numpy as np

from eval.probes.tracker import Observation
from eval.probes.verdict import FAIL, PASS, Verdict
from world import PALETTE

STATUS_RGB = {PASS: (40, 170, 60), FAIL: (210, 40, 40)}
OTHER_RGB = (150, 150, 150)
LINE_HEIGHT = 14


def draw(frames: np.ndarray, observation: Observation, verdicts: list[Verdict], scale: int = 4,
         panel: bool = True) -> np.ndarray:
    """(T, H*scale + panel, W*scale, 3) uint8 frames with the evidence drawn on; panel=False leaves the
    verdicts' text off (the picture alone, H*scale high)."""
    t, h, w, _ = frames.shape
    out = np.repeat(np.repeat(frames, scale, axis=1), scale, axis=2)
    if panel:
        text = verdict_panel(verdicts, w * scale)  # the same under every frame
        out = np.concatenate([out, np.broadcast_to(text, (t, *text.shape))], axis=1)
    events = _event_frames(verdicts)
    for i in range(t):
        image = np.ascontiguousarray(out[i])
        for track in observation.tracks:
            colour = PALETTE.get(track.thing.colour, (255, 255, 255)) if track.thing.colour else (255, 255, 255)
            history = track.centres[: i + 1][track.present[: i + 1]] * scale
            if len(history) > 1:
                cv2.polylines(image, [history.astype(np.int32).reshape(-1, 1, 2)], False, colour, 1, cv2.LINE_AA)
            if track.present[i]:
                x0, y0, x1, y1 = (track.boxes[i] * scale).astype(int)
                cv2.rectangle(image, (x0 - 1, y0 - 1), (x1 + scale, y1 + scale), (255, 255, 255), 1)
        for label, frame in events:
            if frame == i:
                cv2.putText(image, label, (4, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
        out[i] = image
    return out


def verdict_panel(verdicts: list[Verdict], width: int) -> np.ndarray:
    """(rows, width, 3) uint8: one line per verdict, coloured by its status, on a dark ground."""
    panel = np.full((LINE_HEIGHT * len(verdicts) + 6, width, 3), 24, np.uint8)
    for row, verdict in enumerate(verdicts):
        text = f"{verdict.probe}: {verdict.status.upper()}  {verdict.reason}"
        cv2.putText(panel, text, (4, 14 + row * LINE_HEIGHT), cv2.FONT_HERSHEY_SIMPLEX, 0.33,
                    STATUS_RGB.get(verdict.status, OTHER_RGB), 1, cv2.LINE_AA)
    return panel


def _event_frames(verdicts: list[Verdict]) -> list[tuple[str, int]]:
    """(label, frame) for the events the probes measured: contact, onset, bounces."""
    out = []
    for verdict in verdicts:
        m = verdict.measured
        if m.get("contact_frame") is not None:
            out.append(("contact", m["contact_frame"]))
        if m.get("onset_frame") is not None:
            out.append(("struck object moves", m["onset_frame"]))
        out.extend(("bounce", f) for f in m.get("contact_frames", []))
        out.extend(("out of sight", first) for first, _ in m.get("hidden", []))
    return out
