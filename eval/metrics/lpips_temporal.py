"""Temporal LPIPS: mean perceptual distance (lpips package, AlexNet) between adjacent frames.

Low means frames change little from one to the next: steady, but a video that does not move
scores best, so read it beside motion_magnitude.
"""

from __future__ import annotations

import numpy as np

from eval.metrics.base import MetricResult, Unavailable, frames_float


def video_lpips(model, video: np.ndarray) -> float:
    import torch  # on first use, as in every metric: importing the metrics (the app does) imports no torch

    frames = torch.from_numpy(frames_float(video) / 127.5 - 1.0).permute(0, 3, 1, 2)  # (T, 3, H, W) in [-1, 1]
    with torch.no_grad():
        return float(model(frames[:-1], frames[1:]).mean())  # (T-1, 1, 1, 1) -> scalar


def compute(videos: list[np.ndarray], prompts: list[str], *, extractor=None, reference=None) -> MetricResult:
    if any(len(v) < 2 for v in videos):
        raise Unavailable("not applicable to an image: temporal LPIPS compares adjacent frames (it needs 2 or more)")
    per_video = [video_lpips(extractor.model, v) for v in videos]
    meta = {"extractor": extractor.name, "weights_sha256": extractor.sha256, "pairs": "adjacent frames"}
    return MetricResult(float(np.mean(per_video)), per_video, meta)
