"""One decoding pass per video, as the Physics-IQ scorer reads its videos.

Source: `code/calculate_and_write_metrics_to_csv.py` (`load_and_resize_video`, `process_view`) and
`code/binary_mask_generator.py` in google-deepmind/physics-IQ-benchmark. Videos are decoded with
OpenCV (BGR); the frames compared are the first `window` frames (the first 5 s at the chosen fps,
`video_time_selection="first"`), each resized with OpenCV's default bilinear interpolation to a
quarter of the real take-1 video's width and height (integer division). The motion masks of the same
frames are made at the video's own size in the same pass (masks.MotionMasker) and, for leaderboard-
comparable scores, go through the mp4v round trip (masks.roundtrip).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from eval.physics_iq import masks as mk


@dataclass(frozen=True)
class View:
    """What the scorer compares of one video."""

    frames: np.ndarray  # uint8 (T, h, w, 3) BGR at the comparison size
    masks: np.ndarray | None  # bool (T, h, w, C) motion masks at the comparison size, None if not made here
    size: tuple[int, int]  # the video's own (width, height)
    fps: float


def comparison_size(path: str | Path) -> tuple[int, int]:
    """A quarter of the video's (width, height), as the scorer sizes everything after real take 1."""
    width, height = frame_size(path)
    return width // 4, height // 4


def frame_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of the first decoded frame."""
    capture = cv2.VideoCapture(str(path))
    try:
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok:
        raise ValueError(f"{Path(path).name}: no frame could be decoded (not a video OpenCV reads?)")
    return frame.shape[1], frame.shape[0]


def decode(path: str | Path, size: tuple[int, int], window: int, masks: str | None = "mp4v",
           folder: str | Path | None = None) -> View:
    """The first `window` frames of a video at `size`, and (masks "mp4v" or "memory") their motion masks.

    Raises ValueError naming the file when it has fewer than `window` frames."""
    path = Path(path)
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    masker = mk.MotionMasker()
    frames, full_masks, own = [], [], None
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        writer = None
        try:
            while len(frames) < window:
                ok, frame = capture.read()
                if not ok:
                    break
                own = own or (frame.shape[1], frame.shape[0])
                frames.append(mk.resize_to(frame, size))
                if masks is None:
                    continue
                mask = masker(frame)  # at the video's own size, as the scorer makes it
                if masks == "memory":
                    full_masks.append(mask)
                    continue
                if writer is None:
                    writer = mk.MaskWriter(Path(tmp) / "mask.mp4", fps, mask.shape[1], mask.shape[0])
                writer.write(mask)
        finally:
            capture.release()
            if writer is not None:
                writer.close()
        if len(frames) < window:
            raise ValueError(f"{path.name}: has {len(frames)} frames; the window needs {window} "
                             f"(the first {window} frames are compared)")
        if masks == "mp4v":
            made = mk.read_masks(Path(tmp) / "mask.mp4", size, window)
        elif masks == "memory":
            made = mk.in_memory(full_masks, size)
        else:
            made = None
    return View(frames=np.stack(frames), masks=made, size=own, fps=fps)
