"""One clip cut in two: a model's continuation of the first part against what really happened next.

What the app's Extend tab shows ("Score against what really happened"): the four Physics-IQ measures
(measures.py) of the continuation against the clip's own frames after the cut, and the two clips'
motion side by side. There is one take, so there is no physical variance and no score, and the
masks stay in memory at the continuation's size: the measures read as the benchmark's do, but they
are not leaderboard figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from eval.metrics.base import MetricResult
from eval.physics_iq.masks import motion_masks
from eval.physics_iq.measures import Measures, compare, counts

GAP = 4  # pixels between the two pictures


@dataclass(frozen=True)
class AgainstReality:
    measures: Measures
    frames: int  # frames compared (the shorter of the two parts)
    picture: np.ndarray  # uint8 (h, 2w + GAP, 3): how often each pixel moved, reality left, continuation right

    def metrics(self) -> dict[str, MetricResult]:
        """The four measures as table rows (the same names as a Physics-IQ run's)."""
        meta = {"extractor": "none", "frames": self.frames, "against": "the uploaded clip after the cut (one take)"}
        return {f"physics_iq_{name}": MetricResult(float(value), meta=meta) for name, value in self.measures.summary().items()}


def against_reality(truth: np.ndarray, continuation: np.ndarray) -> AgainstReality:
    """truth: uint8 (T, H, W, 3) RGB, what happened after the cut; continuation: uint8 (T', h, w, 3) RGB, the
    model's new frames. Compared over the shorter length at the continuation's size (truth resized bilinearly)."""
    n = min(len(truth), len(continuation))
    if n < 2:
        raise ValueError(f"cut: {n} frame(s) to compare after the cut; leave at least 2")
    height, width = continuation.shape[1:3]
    real = np.stack([cv2.resize(f, (width, height)) for f in truth[:n]])  # (n, h, w, 3)
    made = continuation[:n]
    real_masks, made_masks = (motion_masks(v, rgb=True)[..., None] > 0 for v in (real, made))  # (n, h, w, 1)
    measures = compare(real, real_masks, made, made_masks)
    heat = [(255 * counts(m)[..., 0] / n).astype(np.uint8) for m in (real_masks, made_masks)]  # (h, w) each
    picture = np.concatenate([heat[0], np.full((height, GAP), 128, np.uint8), heat[1]], axis=1)
    return AgainstReality(measures, n, cv2.applyColorMap(picture, cv2.COLORMAP_INFERNO)[..., ::-1].copy())
