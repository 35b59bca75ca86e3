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
- MSE, per frame: frames as 0-1 values (uint8 / 255, then float32), the mean squared difference over
  every pixel and all three channels (`mse_per_frame`).

The physical variance is the same four measures between real take 1 and real take 2; the score
divides by it (score.py).
"""

from __future__ import annotations

from dataclasses import dataclass

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


def spatiotemporal_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T,) IoU of each pair of frames of bool masks a, b (T, ...); the longer clip is cut to the shorter."""
    t = min(len(a), len(b))
    a, b = np.broadcast_arrays(a[:t], b[:t])  # one channel against three: as if repeated, as the scorer's are
    a, b = a.reshape(t, -1), b.reshape(t, -1)
    return _iou((a & b).sum(axis=1), (a | b).sum(axis=1))


def spatial_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of the two clips' masks collapsed over time (a pixel that ever moves)."""
    return float(spatiotemporal_iou(a.any(axis=0)[None], b.any(axis=0)[None])[0])


def weighted_mask(masks: np.ndarray) -> np.ndarray:
    """(h, w, C) share of the clip's frames in which each pixel moves."""
    return masks.sum(axis=0, dtype=np.uint16) / len(masks)


def weighted_spatial_iou(a: np.ndarray, b: np.ndarray) -> float:
    """sum(min) / sum(max) of the two clips' weighted masks; 1 when neither clip ever moves."""
    wa, wb = np.broadcast_arrays(weighted_mask(a), weighted_mask(b))  # (h, w, C)
    union = np.maximum(wa, wb).sum()
    return 1.0 if union == 0 else float(np.minimum(wa, wb).sum() / union)


def mse(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(T,) mean squared difference per frame of uint8 (T, h, w, 3) clips, on 0-1 values."""
    if len(x) != len(y) or x.shape != y.shape:
        raise ValueError(f"frames: the two clips must have the same frames and size, got {x.shape} and {y.shape}")
    x32 = (x / 255.0).astype(np.float32)  # the scorer normalises in float64, then compares in float32
    y32 = (y / 255.0).astype(np.float32)
    return np.mean(np.square(x32 - y32).reshape(len(x), -1), axis=1, dtype=np.float64)


def compare(truth_frames: np.ndarray, truth_masks: np.ndarray, frames: np.ndarray, masks: np.ndarray) -> Measures:
    """The four measures of a clip against real take 1 (or of take 2 against take 1: the physical variance)."""
    return Measures(
        spatial_iou=spatial_iou(truth_masks, masks),
        spatiotemporal_iou=spatiotemporal_iou(truth_masks, masks).tolist(),
        weighted_spatial_iou=weighted_spatial_iou(truth_masks, masks),
        mse=mse(truth_frames, frames).tolist(),
    )
