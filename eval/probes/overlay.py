"""Draw the evidence onto the video: tracks, boxes, events and the verdicts.

    python -m eval probe --video clip.mp4 --prompt "a red ball falls and bounces" --overlay evidence.mp4

Small frames are enlarged (nearest neighbour, so pixels stay honest) to leave room for readable text,
and large ones shrunk, so the picture's longest side is at most MAX_SIDE pixels (a 49-frame 832x480
clip is drawn at its own size, not 4x); a panel under the picture lists each verdict, coloured by status.
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
MAX_SIDE = 1024  # longest side of the drawn picture, pixels
MAX_ENLARGE = 4  # small frames are enlarged at most this much


def drawing_scale(height: int, width: int) -> float:
    """How much the picture is enlarged (a whole number up to MAX_ENLARGE) or shrunk to fit MAX_SIDE."""
    longest = max(height, width)
    return float(min(MAX_ENLARGE, MAX_SIDE // longest)) if longest <= MAX_SIDE else MAX_SIDE / longest


def draw(frames: np.ndarray, observation: Observation, verdicts: list[Verdict], scale: float | None = None,
         panel: bool = True) -> np.ndarray:
    """(T, H*scale + panel, W*scale, 3) uint8 frames with the evidence drawn on (scale: drawing_scale when
    None); panel=False leaves the verdicts' text off (the picture alone, H*scale high)."""
    t, h, w, _ = frames.shape
    scale = drawing_scale(h, w) if scale is None else scale
    if scale >= 1:
        step = int(scale)
        out = np.repeat(np.repeat(frames, step, axis=1), step, axis=2)
    else:
        size = (round(w * scale), round(h * scale))
        out = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])
    if panel:
        text = verdict_panel(verdicts, out.shape[2])  # the same under every frame
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
                pad = max(int(scale), 1)
                cv2.rectangle(image, (x0 - 1, y0 - 1), (x1 + pad, y1 + pad), (255, 255, 255), 1)
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
