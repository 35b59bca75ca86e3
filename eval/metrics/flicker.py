"""Flicker: mean absolute difference of adjacent frames, in 0..255 pixel units. Weight-free.

Counts every change, motion included; it flags noise and popping when motion_magnitude is low.
"""

from __future__ import annotations

import numpy as np

from eval.metrics.base import MetricResult, Unavailable, frames_float


def video_flicker(video: np.ndarray) -> float:
    frames = frames_float(video)  # (T, H, W, 3)
    return float(np.abs(np.diff(frames, axis=0)).mean())


def compute(videos: list[np.ndarray], prompts: list[str], *, extractor=None, reference=None) -> MetricResult:
    if any(len(v) < 2 for v in videos):
        raise Unavailable("not applicable to an image: flicker compares adjacent frames (it needs 2 or more)")
    per_video = [video_flicker(v) for v in videos]
    return MetricResult(float(np.mean(per_video)), per_video, {"extractor": "none (pixels)", "unit": "0..255"})
