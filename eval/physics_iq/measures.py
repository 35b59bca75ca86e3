"""The four Physics-IQ measures of one view: a continuation (or take 2) against real take 1.

Source: `process_view` and its helpers in `code/calculate_and_write_metrics_to_csv.py` of
google-deepmind/physics-IQ-benchmark (Apache-2.0). Masks are bool (T, h, w, C) at the comparison
size (masks.py); frames uint8 (T, h, w, 3).

- spatiotemporal IoU, per frame: |A and B| / |A or B|; a frame where both masks are empty counts 1
  (`spatiotemporal_iou_per_frame`). Frames are paired in order and the longer clip is cut (zip).
- spatial IoU: each clip's masks OR-ed over time into one mask, then the same IoU (empty: 1)
  (`spatial_binary_masks`).
- weighted spatial IoU: each clip's masks summed over time and divided by its frame count (how often
  each pixel moves), then sum(min) / sum(max) over pixels; 1 where neither ever moves
  (`weighted_spatial_mask`, `compute_weighted_spatial_iou`).
- MSE, per frame: frames as 0-1 values (uint8 / 255), the mean squared difference over every pixel
  and all three channels (`mse_per_frame`).

The physical variance is the same four measures between real take 1 and real take 2; the score
divides by it (score.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Measures:
    spatial_iou: float
    spatiotemporal_iou: list[float]  # one per frame
    weighted_spatial_iou: float
    mse: list[float]  # one per frame, on 0-1 values

    def to_dict(self) -> dict:
        return {"spatial_iou": self.spatial_iou, "spatiotemporal_iou": self.spatiotemporal_iou,
                "weighted_spatial_iou": self.weighted_spatial_iou, "mse": self.mse}

    def summary(self) -> dict:
        """The per-frame lists as their means: what a row of the table holds."""
        return {"spatial_iou": self.spatial_iou, "spatiotemporal_iou": float(np.mean(self.spatiotemporal_iou)),
                "weighted_spatial_iou": self.weighted_spatial_iou, "mse": float(np.mean(self.mse))}


def _iou(intersection: np.ndarray, union: np.ndarray) -> np.ndarray:
    """Elementwise intersection / union, 1 where the union is 0 (both masks empty)."""
    return np.where(union == 0, 1.0, intersection / np.maximum(union, 1))


def _planes(masks: np.ndarray) -> np.ndarray:
    """bool (T, h, w, C) -> uint8 (T, h, w * C) views that OpenCV counts a frame at a time."""
    return masks.view(np.uint8).reshape(len(masks), masks.shape[1], -1)


def spatiotemporal_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T,) IoU of each pair of frames of bool masks a, b (T, h, w, C); the longer clip is cut to the shorter."""
    t = min(len(a), len(b))
    if a.shape[1:] != b.shape[1:]:  # one channel against three: as if repeated, as the scorer's are
        a, b = (np.ascontiguousarray(m) for m in np.broadcast_arrays(a[:t], b[:t]))
    pa, pb = _planes(np.ascontiguousarray(a[:t])), _planes(np.ascontiguousarray(b[:t]))
    # OpenCV counts a frame's set pixels with SIMD, about ten times faster than numpy's sum over a bool axis
    inter = np.array([cv2.countNonZero(cv2.bitwise_and(x, y)) for x, y in zip(pa, pb)], np.float64)
    union = np.array([cv2.countNonZero(cv2.bitwise_or(x, y)) for x, y in zip(pa, pb)], np.float64)
    return _iou(inter, union)


def counts(masks: np.ndarray) -> np.ndarray:
    """uint16 (h, w, C): in how many frames each pixel moves. Spatial and weighted spatial IoU both
    come from it, so a clip compared twice (take 1) is counted once."""
    return masks.sum(axis=0, dtype=np.uint16)


def spatial_iou(a: np.ndarray, b: np.ndarray, a_counts: np.ndarray | None = None,
                b_counts: np.ndarray | None = None) -> float:
    """IoU of the two clips' masks collapsed over time (a pixel that ever moves)."""
    ca = counts(a) if a_counts is None else a_counts
    cb = counts(b) if b_counts is None else b_counts
    return float(spatiotemporal_iou((ca > 0)[None], (cb > 0)[None])[0])


def weighted_mask(masks: np.ndarray) -> np.ndarray:
    """(h, w, C) share of the clip's frames in which each pixel moves."""
    return counts(masks) / len(masks)


def weighted_spatial_iou(a: np.ndarray, b: np.ndarray, a_counts: np.ndarray | None = None,
                         b_counts: np.ndarray | None = None) -> float:
    """sum(min) / sum(max) of the two clips' weighted masks; 1 when neither clip ever moves."""
    wa = (counts(a) if a_counts is None else a_counts) / len(a)  # (h, w, C) float64
    wb = (counts(b) if b_counts is None else b_counts) / len(b)
    wa, wb = np.broadcast_arrays(wa, wb)
    union = np.maximum(wa, wb).sum()
    return 1.0 if union == 0 else float(np.minimum(wa, wb).sum() / union)


def mse(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(T,) mean squared difference per frame of uint8 (T, h, w, 3) clips, on 0-1 values.

    Summed exactly from the integer differences (OpenCV's L2SQR norm); the scorer's float32
    arithmetic differs from this by under 1e-6 of the value, far below its 4-decimal rounding."""
    if len(x) != len(y) or x.shape != y.shape:
        raise ValueError(f"frames: the two clips must have the same frames and size, got {x.shape} and {y.shape}")
    sums = np.array([cv2.norm(a, b, cv2.NORM_L2SQR) for a, b in zip(x, y)], np.float64)
    return sums / (x[0].size * 255.0**2)


def compare(truth_frames: np.ndarray, truth_masks: np.ndarray, frames: np.ndarray, masks: np.ndarray,
            truth_counts: np.ndarray | None = None) -> Measures:
    """The four measures of a clip against real take 1 (or of take 2 against take 1: the physical
    variance). truth_counts: counts(truth_masks), when take 1 is compared more than once."""
    truth_counts = counts(truth_masks) if truth_counts is None else truth_counts
    own = counts(masks)
    return Measures(
        spatial_iou=spatial_iou(truth_masks, masks, truth_counts, own),
        spatiotemporal_iou=spatiotemporal_iou(truth_masks, masks).tolist(),
        weighted_spatial_iou=weighted_spatial_iou(truth_masks, masks, truth_counts, own),
        mse=mse(truth_frames, frames).tolist(),
    )
