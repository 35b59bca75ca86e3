"""The tracker every probe shares: find the expected objects in any video and follow them.

    python -c "import eval.probes.tracker as t; help(t.observe)"

Objects with a named colour are found by colour segmentation in HSV (hue near the palette hue,
saturated, not dark); a colourless subject is found by motion segmentation against a
camera-aligned median background. A global camera motion estimate (median dense optical flow
over textured, non-object pixels) is returned so probes can judge motion in the world, not in
the image. Everything here is weight-free OpenCV and numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from world import PALETTE, Expectation, Thing

SAT_MIN, VAL_MIN = 90, 60  # below these a pixel is background, shadow or an edge blend
HUE_TOL = 6  # OpenCV hue units (of 180); the closest palette hues are 14 apart
PALETTE_HUES = {
    name: int(cv2.cvtColor(np.uint8([[rgb]]), cv2.COLOR_RGB2HSV)[0, 0, 0]) for name, rgb in PALETTE.items()
}
COPY_SHARE = 0.3  # a second blob this big (relative to the object) counts as another copy


@dataclass(frozen=True)
class Track:
    """One expected object through the clip: per frame its largest blob, and how many blobs it has."""

    thing: Thing
    present: np.ndarray  # (T,) bool
    centres: np.ndarray  # (T, 2) image pixels (x, y); nan where absent
    areas: np.ndarray  # (T,) pixels of the largest blob; 0 where absent
    boxes: np.ndarray  # (T, 4) x0, y0, x1, y1 (inclusive) of the largest blob
    border: np.ndarray  # (T,) bool: the blob touches the frame border (it may be partly outside)
    copies: np.ndarray  # (T,) number of blobs at least COPY_SHARE of the object's usual size
    fill: np.ndarray  # (T,) area / bounding-box area: about 0.79 ball, 1.0 box, 0.5 triangle
    sag: np.ndarray  # (T,) centroid height within the box, 0 top .. 1 bottom: 0.5 ball/box, ~0.65 upward triangle

    @property
    def sides(self) -> np.ndarray:
        """(T, 2) width and height of the box in pixels (1 for a one-pixel blob; 1 where absent)."""
        return np.stack([self.boxes[:, 2] - self.boxes[:, 0], self.boxes[:, 3] - self.boxes[:, 1]], axis=1) + 1

    @property
    def usual_area(self) -> float:
        """Median area over frames where the object is wholly in view; 0 if it never is."""
        whole = self.present & ~self.border
        pool = self.areas[whole] if whole.any() else self.areas[self.present]
        return float(np.median(pool)) if len(pool) else 0.0


@dataclass(frozen=True)
class Observation:
    """What the probes measure from one clip."""

    size: tuple[int, int]  # (height, width)
    camera: np.ndarray  # (T, 2) how far the background has moved in the image since frame 0, pixels
    tracks: tuple[Track, ...]  # one per expected object, in the expectation's order
    strangers: np.ndarray  # (T,) saturated blobs in colours no expected object has, away from the border

    def world_centres(self, index: int) -> np.ndarray:
        """(T, 2) centres of object `index` with the camera motion removed."""
        return self.tracks[index].centres - self.camera


def min_area(height: int, width: int) -> float:
    """Smallest blob worth tracking: a few pixels at 64x64, scaled with the frame."""
    return max(4.0, 0.0015 * height * width)


def observe(frames: np.ndarray, expectation: Expectation) -> Observation:
    """Track every object the expectation names in `frames` (T, H, W, 3) uint8 RGB."""
    frames = _check_frames(frames)
    t, h, w, _ = frames.shape
    hsv = cv2.cvtColor(frames.reshape(t * h, w, 3), cv2.COLOR_RGB2HSV).reshape(t, h, w, 3)
    labels = _hue_labels(hsv)  # (T, H, W) palette index, -1 for background
    names = list(PALETTE)
    camera = camera_motion(frames, labels >= 0)
    tracks = []
    for thing in expectation.objects:
        if thing.colour is not None:
            mask = labels == names.index(thing.colour)
        else:
            mask = _moving_mask(frames, camera)
        tracks.append(_track(thing, mask))
    expected = {names.index(th.colour) for th in expectation.objects if th.colour is not None}
    reference = min((tr.usual_area for tr in tracks if tr.usual_area > 0), default=min_area(h, w) / COPY_SHARE)
    unexpected = np.isin(labels, sorted(set(range(len(names))) - expected))
    strangers = _count_interior_blobs(unexpected, COPY_SHARE * reference)
    return Observation(size=(h, w), camera=camera, tracks=tuple(tracks), strangers=strangers)


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames: expected uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    if frames.shape[0] < 1:
        raise ValueError("frames: the video has no frames")
    return frames


def _hue_labels(hsv: np.ndarray) -> np.ndarray:
    hue = hsv[..., 0].astype(np.int16)
    saturated = (hsv[..., 1] >= SAT_MIN) & (hsv[..., 2] >= VAL_MIN)
    labels = np.full(hue.shape, -1, np.int8)
    for index, ref in enumerate(PALETTE_HUES.values()):
        gap = np.abs(hue - ref)
        gap = np.minimum(gap, 180 - gap)  # hue is circular: red sits at both ends
        labels[saturated & (gap <= HUE_TOL)] = index
    return labels


def _blobs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stats (n, 5: x, y, w, h, area) and centroids (n, 2) of the connected parts of one frame."""
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return stats[1:count], centroids[1:count]


def _track(thing: Thing, mask: np.ndarray) -> Track:
    t, h, w = mask.shape
    floor = min_area(h, w)
    present = np.zeros(t, bool)
    centres = np.full((t, 2), np.nan)
    areas = np.zeros(t)
    boxes = np.zeros((t, 4))
    border = np.zeros(t, bool)
    fill = np.full(t, np.nan)
    sag = np.full(t, np.nan)
    all_areas: list[np.ndarray] = []
    for i in range(t):
        stats, centroids = _blobs(mask[i])
        all_areas.append(stats[:, 4] if len(stats) else np.zeros(0))
        if not len(stats) or stats[:, 4].max() < floor:
            continue
        k = int(np.argmax(stats[:, 4]))
        x, y, bw, bh, area = stats[k]
        present[i], centres[i], areas[i] = True, centroids[k], area
        boxes[i] = (x, y, x + bw - 1, y + bh - 1)
        border[i] = x == 0 or y == 0 or x + bw >= w or y + bh >= h
        fill[i] = area / (bw * bh)
        sag[i] = (centroids[k][1] - y) / max(bh - 1, 1)
    whole = present & ~border
    usual = float(np.median(areas[whole] if whole.any() else areas[present])) if present.any() else floor
    copies = np.array([(a >= max(floor, COPY_SHARE * usual)).sum() for a in all_areas])
    return Track(thing, present, centres, areas, boxes, border, copies, fill, sag)


def _count_interior_blobs(mask: np.ndarray, least: float) -> np.ndarray:
    t, h, w = mask.shape
    counts = np.zeros(t, int)
    for i in range(t):
        stats, _ = _blobs(mask[i])
        for x, y, bw, bh, area in stats:
            inside = x > 0 and y > 0 and x + bw < w and y + bh < h
            counts[i] += int(inside and area >= least)
    return counts


def camera_motion(frames: np.ndarray, objects: np.ndarray | None = None) -> np.ndarray:
    """(T, 2) cumulative image shift of the background since frame 0, pixels.

    Median dense optical flow (Farneback) over pixels with texture that are not objects; with no
    texture (a plain background) there is no evidence of motion and the shift stays zero.
    """
    t, h, w, _ = frames.shape
    grey = cv2.cvtColor(frames.reshape(t * h, w, 3), cv2.COLOR_RGB2GRAY).reshape(t, h, w)
    shifts = np.zeros((t, 2))
    for i in range(1, t):
        usable = _textured(grey[i - 1])
        if objects is not None:
            near_object = cv2.dilate((objects[i - 1] | objects[i]).astype(np.uint8), np.ones((5, 5), np.uint8))
            usable &= near_object == 0
        if usable.sum() < 0.05 * h * w:
            continue
        flow = cv2.calcOpticalFlowFarneback(grey[i - 1], grey[i], None, 0.5, 2, 9, 3, 5, 1.1, 0)
        shifts[i] = np.median(flow[usable], axis=0)
    return np.cumsum(shifts, axis=0)


def _textured(grey: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return (gx * gx + gy * gy) > 20.0**2


def _moving_mask(frames: np.ndarray, camera: np.ndarray) -> np.ndarray:
    """(T, H, W) pixels that differ from the camera-aligned median background: the moving things."""
    t, h, w, _ = frames.shape
    aligned = np.empty(frames.shape, np.float32)
    for i in range(t):
        # Undo the camera shift so the background stands still, then take the per-pixel median.
        move = np.float32([[1, 0, -camera[i, 0]], [0, 1, -camera[i, 1]]])
        aligned[i] = cv2.warpAffine(frames[i].astype(np.float32), move, (w, h), borderMode=cv2.BORDER_REPLICATE)
    background = np.median(aligned, axis=0)
    moving = np.abs(aligned - background).max(axis=-1) > 40
    for i in range(t):
        back = np.float32([[1, 0, camera[i, 0]], [0, 1, camera[i, 1]]])
        moving[i] = cv2.warpAffine(moving[i].astype(np.uint8), back, (w, h), flags=cv2.INTER_NEAREST) > 0
    return moving
