"""Motion masks as the Physics-IQ scorer makes them, and the mp4v round trip its scores depend on.

Source (google-deepmind/physics-IQ-benchmark, Apache-2.0): `code/binary_mask_generator.py`,
`generate_mask`. Per frame of a clip, in order:

1. grey (OpenCV's BGR -> grey), then a 5x5 Gaussian blur (sigma from the kernel size);
2. a running-average background, started at the first blurred frame and updated with weight 0.3
   *before* the comparison (`accumulateWeighted`), rounded back to uint8 (`convertScaleAbs`);
3. |frame - background| > 10 -> 255 (`THRESH_BINARY`);
4. an opening, then a closing, both with a 5x5 square of ones.

The first frame's mask is empty: there is no background to compare it with yet.

The scorer writes every mask video to disk with OpenCV's `mp4v` codec (MPEG-4 part 2, lossy) at
an even width and height, and `code/calculate_and_write_metrics_to_csv.py` (`load_and_resize_video`)
reads it back, resizes each frame to a quarter of the real take-1 video's size with OpenCV's default
bilinear interpolation, and keeps pixels above 127. The codec moves mask edges, so leaderboard-
comparable scores need the same round trip (`roundtrip`); `in_memory` skips the codec and is not
leaderboard-comparable.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

BLUR = (5, 5)  # Gaussian kernel, sigma 0: OpenCV derives it from the size
BACKGROUND_WEIGHT = 0.3  # the new frame's share of the running average
THRESHOLD = 10  # grey levels of difference from the background that count as motion
KERNEL = np.ones((5, 5), np.uint8)  # opening then closing
MASK_CODEC = "mp4v"  # the scorer's mask video codec
KEEP_ABOVE = 127  # a decoded, resized mask pixel above this is motion


class MotionMasker:
    """Feed frames in order; each call returns that frame's mask, uint8 (H, W) of 0 or 255."""

    def __init__(self, rgb: bool = False):
        self.to_grey = cv2.COLOR_RGB2GRAY if rgb else cv2.COLOR_BGR2GRAY  # the scorer decodes BGR with OpenCV
        self.background: np.ndarray | None = None  # float64 (H, W) running average

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        grey = cv2.GaussianBlur(cv2.cvtColor(frame, self.to_grey), BLUR, 0)  # (H, W) uint8
        if self.background is None:  # the first frame starts the background; its mask is empty
            self.background = grey.astype(np.float64)
            return np.zeros_like(grey)
        cv2.accumulateWeighted(grey, self.background, BACKGROUND_WEIGHT)  # updated before comparing, as the scorer does
        moving = cv2.absdiff(grey, cv2.convertScaleAbs(self.background))
        _, binary = cv2.threshold(moving, THRESHOLD, 255, cv2.THRESH_BINARY)
        binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, KERNEL)
        return cv2.morphologyEx(binary, cv2.MORPH_CLOSE, KERNEL)


def motion_masks(frames: Iterable[np.ndarray], rgb: bool = False) -> np.ndarray:
    """uint8 (T, H, W) masks (0/255) of a whole clip of (H, W, 3) frames (BGR unless rgb)."""
    masker = MotionMasker(rgb=rgb)
    return np.stack([masker(frame) for frame in frames])


class MaskWriter:
    """Masks written as the scorer writes them: mp4v, grey, width and height cut to even numbers."""

    def __init__(self, path: str | Path, fps: float, width: int, height: int):
        self.width, self.height = width - width % 2, height - height % 2
        fourcc = cv2.VideoWriter_fourcc(*MASK_CODEC)
        self.writer = cv2.VideoWriter(str(path), fourcc, round(fps), (self.width, self.height), isColor=False)
        if not self.writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {MASK_CODEC} video here (is its FFmpeg backend built in?)")

    def write(self, mask: np.ndarray) -> None:
        self.writer.write(np.ascontiguousarray(mask[: self.height, : self.width]))

    def close(self) -> None:
        self.writer.release()


def resize_to(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """OpenCV's default (bilinear) resize to size = (width, height), as the scorer resizes every frame."""
    return image if image.shape[1::-1] == tuple(size) else cv2.resize(image, size)


def binarise(decoded: list[np.ndarray]) -> np.ndarray:
    """Decoded, resized mask frames (h, w, 3) -> bool (T, h, w, C) of pixels above 127. C is 1 where the
    three decoded channels agree everywhere (then every IoU is the same as over three equal channels),
    else 3, as the scorer compares all three."""
    masks = np.stack(decoded) > KEEP_ABOVE  # (T, h, w, 3)
    return masks[..., :1] if (masks[..., :1] == masks).all() else masks


def read_masks(path: str | Path, size: tuple[int, int], frames: int) -> np.ndarray:
    """A mask video read back as the scorer reads it: the first `frames` frames, resized to `size`
    (width, height), above 127 -> bool (T, h, w, C)."""
    capture = cv2.VideoCapture(str(path))
    decoded = []
    try:
        while len(decoded) < frames:
            ok, frame = capture.read()
            if not ok:
                break
            decoded.append(resize_to(frame, size))
    finally:
        capture.release()
    if not decoded:
        raise ValueError(f"{Path(path).name}: no mask frames could be decoded")
    return binarise(decoded)


def roundtrip(masks: Iterable[np.ndarray], fps: float, size: tuple[int, int], frames: int,
              folder: str | Path | None = None) -> np.ndarray:
    """Full-size masks (each (H, W) uint8) -> written with mp4v, read back at `size` -> bool (T, h, w, C)."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / "mask.mp4"
        writer = None
        for mask in masks:
            if writer is None:
                writer = MaskWriter(path, fps, mask.shape[1], mask.shape[0])
            writer.write(mask)
        if writer is None:
            raise ValueError("masks: no frames to write")
        writer.close()
        return read_masks(path, size, frames)


def in_memory(masks: Iterable[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """The same masks without the codec (resized and re-thresholded the same way). Cleaner, but NOT
    leaderboard-comparable: docs/physics_iq.md gives how far it moves a score."""
    return binarise([resize_to(cv2.cvtColor(m, cv2.COLOR_GRAY2BGR), size) for m in masks])
