"""Motion magnitude: mean optical-flow speed (OpenCV Farneback), pixels per frame. Weight-free.

Consistency scores reward videos that do not move; this says how much they do.
"""

from __future__ import annotations

import cv2
import numpy as np

from eval.metrics.base import MetricResult, Unavailable, frames_float

FARNEBACK = dict(pyr_scale=0.5, levels=3, winsize=9, iterations=3, poly_n=5, poly_sigma=1.1, flags=0)


def video_motion(video: np.ndarray) -> float:
    frames_float(video)  # shape check
    grey = [cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in video]
    speeds = []
    for a, b in zip(grey, grey[1:]):
        flow = cv2.calcOpticalFlowFarneback(a, b, None, **FARNEBACK)  # (H, W, 2)
        speeds.append(float(np.linalg.norm(flow, axis=2).mean()))
    return float(np.mean(speeds))


def compute(videos: list[np.ndarray], prompts: list[str], *, extractor=None, reference=None) -> MetricResult:
    if any(len(v) < 2 for v in videos):
        raise Unavailable("not applicable to an image: motion magnitude measures flow between frames (it needs 2 or more)")
    per_video = [video_motion(v) for v in videos]
    return MetricResult(float(np.mean(per_video)), per_video,
                        {"extractor": "none (OpenCV Farneback flow)", "unit": "pixels per frame"})
