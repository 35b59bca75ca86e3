"""The tracker every probe shares: find the expected objects in any video and follow them, or say
why it cannot tell which region is which.

    python -c "import eval.probes.tracker as t; help(t.observe)"

Colour. Each pixel's hue is named with the grammar's colours over the whole hue circle; hues
between two ranges (red-orange, teal, pink) belong to neither. An object's extent is every pixel
of its hue range (a little wider, for edges) that has some colour and is not black: shading does
not cut it. A region then carries the name only if its lit part is bright and saturated enough
(brown, maroon, skin and beige are not "orange" or "red") and its mean hue is inside the range.

Identification. A region is object-like when it is not too large, sparse or elongated, is convex
(its hull adds little beyond its jagged pixel edge) and has an outline (an edge in the picture all
round it); a region that is not, such as an object merged with background of its hue, is cut along
the picture's edges and its object-like pieces kept. Regions are linked over time into chains
(nearest predicted position after the camera's motion, similar size, closest pairs first). For a
subject the prompt sets moving, a chain that is seen long enough and never moves in the world is
background, when something of its colour moves. Two object-like chains of the object's colour that
are both there from the start, of similar size, cannot be told apart: the track carries that doubt,
and the probes that depend on it say inconclusive. Colourless objects are found by motion, each
moving region its own chain; two or more of them cannot be told apart, the same doubt.

Own-hue backgrounds. A subject the prompt moves that merges with a background of its hue is searched
among its colour's pixels that move. A still object that does is cut out along finer (Canny) outlines
and kept only if it stands out all round; more than one such piece is a doubt. Frames between its
sightings where its colour alone loses it are filled by following its picture (follow.py).

Camera. Dense optical flow (Farneback) of textured, non-object pixels: its median is the pan; a
similarity fitted to it (RANSAC) also takes out zoom and roll where there are any.

Speed. Everything runs on a copy whose longest side is at most WORK_SIDE pixels (the verdicts do
not depend on finer detail); positions, areas and boxes are reported in the video's pixels.
Everything here is weight-free OpenCV and numpy.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from eval.probes.follow import CONTRAST, contrast, follow
from world import PALETTE, Expectation, Thing

WORK_SIDE = 256  # longest side, pixels, of the copy tracking runs on
SAT_MIN, VAL_MIN = 70, 30  # a pixel with less chroma or light has no hue worth naming
NAME_SAT_MIN = 100  # a region's lit part (90th percentile) must be this colourful to carry a name (not skin, beige)
# ... and this bright: dark orange is brown and dark yellow olive, while dark red, green, blue, purple keep their names.
NAME_VAL_MIN = {"red": 100, "orange": 160, "yellow": 150, "green": 90, "blue": 90, "purple": 90}
# OpenCV hue (0-180) each colour's name covers; a hue outside every range is ambiguous.
HUE_RANGES: dict[str, tuple[int, int]] = {
    "red": (173, 185), "orange": (7, 20), "yellow": (23, 35), "green": (40, 86), "blue": (95, 127), "purple": (131, 161),
}
EDGE_MARGIN = 3  # hue units an object's extent may reach past its range (anti-aliased and compressed edges)
COPY_SHARE = 0.3  # a second region this big (relative to the object) counts as another copy
MAX_OBJECT_SHARE = 0.12  # of the frame: a larger region is background, not an object
MIN_OBJECT_SHARE = 0.004  # of the frame: a smaller region is a speck (noise, texture), not an object (the world's
# smallest, a small triangle, is about 0.01; the floor of min_area still counts pieces of objects as copies)
MIN_FILL = 0.3  # area / box: a sparser region is texture, not an object
# Pixels its convex hull adds, per pixel of its outline: a convex shape drawn in pixels adds under half a pixel
# along its outline (its jagged edge), whatever its size; a background patch adds bays and inlets.
MAX_CONCAVITY = 0.6
EDGE_CUT = 150  # Sobel |dx| + |dy| of the sharpest channel: an outline (a step of about 40 levels), not texture or noise
GROW = 2  # pixels a piece is grown back over the outline it was cut along
MAX_SPLIT_SHARE = 0.5  # of the frame: a region larger than this is background through and through, not cut
MIN_OUTLINE = 0.5  # share of the ring around a region that is an edge: an object has an outline, a patch of background not
MAX_ASPECT = 2.2  # long / short side of the box: longer is a strip of background (a smear is ~2)
MAX_GAP = 3  # frames a chain may skip (a blink of the segmentation, a thin occluder)
LINK = 1.5  # a region joins a chain within this many object diameters of where the chain was heading
STILL = 0.5  # a chain that never strays more than this many radii from where it started does not move
SIMILAR = 2.0  # area ratio under which two regions are the same size
START = 2  # frames: chains that begin this close to the first frame were there from the start
STILL_SHARE = 0.5  # of the clip: a chain seen this long without moving is still (background); a shorter one may
# be a moving object seen briefly (coming out from behind a wall)
FIT_ASPECT = 1.3  # long / short side: a region longer than this has no world shape's build (a towel, a strip)
STRADDLE_TALL = 0.85  # of its usual height: a piece of it beside a wall is as tall as it (a half-size copy ~0.7)
STRADDLE_AREA = 1.2  # of its usual area: two pieces of it beside a wall together are no bigger than it
OUTLINED_LASTING = 0.2  # of the clip: pieces cut along finer outlines seen this long are candidates, not specks
CANNY = (40, 90)  # hysteresis thresholds of the finer outlines an object merged with its background is cut along
CAMERA_SIDE = 160  # longest side, pixels, of the copy the camera's motion is read on
ZOOM_NOISE, ROLL_NOISE = 0.002, 0.002  # per frame: less zoom or roll (radians) than this is the fit's noise


@dataclass(frozen=True)
class Track:
    """One expected object through the clip, in the video's pixels."""

    thing: Thing
    present: np.ndarray  # (T,) bool
    centres: np.ndarray  # (T, 2) image pixels (x, y); nan where absent
    areas: np.ndarray  # (T,) pixels of the object's region; 0 where absent
    boxes: np.ndarray  # (T, 4) x0, y0, x1, y1 (inclusive) of that region
    border: np.ndarray  # (T,) bool: the region touches the frame border (it may be partly outside)
    copies: np.ndarray  # (T,) regions of the object's colour at least COPY_SHARE of its usual size
    fill: np.ndarray  # (T,) area / bounding-box area: about 0.79 ball, 1.0 box, 0.5 triangle
    sag: np.ndarray  # (T,) centroid height within the box, 0 top .. 1 bottom: 0.5 ball/box, ~0.65 upward triangle
    doubt: str | None = None  # why the region taken for this object may be another one; None: no doubt
    # The prompt sets this object moving but its region never moves in the world: it may be a still thing of its
    # colour in the background (a towel) rather than the object, or the object failing to move.
    still: bool = False
    # (T,) frames between two sightings where no region was taken for it, but pixels of its kind fill the place it
    # was on its way through (a blink of the segmentation: it merged with something of its colour); None: not looked
    glimpsed: np.ndarray | None = None
    # (T,) bool: its regions are two pieces side by side, each as tall as it and together no bigger: it is seen on
    # both sides of something narrower in front of it (a wall); None: not looked
    straddles: np.ndarray | None = None
    masks: np.ndarray | None = field(default=None, repr=False)  # (T, h, w) bool at the working size

    @property
    def sides(self) -> np.ndarray:
        """(T, 2) width and height of the box in pixels (1 for a one-pixel region; 1 where absent)."""
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

    size: tuple[int, int]  # (height, width) of the video
    camera: np.ndarray  # (T, 2) how far the background has moved in the image since frame 0, pixels
    tracks: tuple[Track, ...]  # one per expected object, in the expectation's order
    strangers: np.ndarray  # (T,) new objects in colours nobody named, away from the border
    scale: float = 1.0  # working size / video size
    # (T, 3, 3) where frame 0's image points are in each frame (the camera's pan, shake, zoom and roll);
    # None: a pure shift by `camera`
    views: np.ndarray | None = field(default=None, repr=False)

    def world_centres(self, index: int) -> np.ndarray:
        """(T, 2) centres of object `index` with the camera motion removed: where they are in frame 0's view."""
        centres = self.tracks[index].centres
        if self.views is None:
            return centres - self.camera
        back = np.linalg.inv(self.views)  # (T, 3, 3)
        return np.einsum("tij,tj->ti", back[:, :2, :2], centres) + back[:, :2, 2]

    def doubts(self, *indices: int) -> str | None:
        """The identification doubts of these tracks (all when none named), joined; None if there are none."""
        chosen = [self.tracks[i] for i in indices] if indices else list(self.tracks)
        found = list(dict.fromkeys(t.doubt for t in chosen if t.doubt))
        return "; ".join(found) or None


@dataclass(frozen=True)
class Region:
    """One connected region of one frame, at the working size."""

    frame: int
    label: int  # its label in the frame's label image
    area: float
    centre: np.ndarray  # (2,) x, y
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 inclusive
    border: bool
    concavity: float = 0.0  # pixels the convex hull adds, per outline pixel
    outline: float = 1.0  # share of the pixels just around it that are edges in the picture

    @property
    def fill(self) -> float:
        x0, y0, x1, y1 = self.box
        return self.area / ((x1 - x0 + 1) * (y1 - y0 + 1))

    @property
    def aspect(self) -> float:
        x0, y0, x1, y1 = self.box
        a, b = x1 - x0 + 1, y1 - y0 + 1
        return max(a, b) / min(a, b)

    @property
    def radius(self) -> float:
        return float(np.sqrt(self.area / np.pi))

    @property
    def sag(self) -> float:
        """Centroid height within the box, 0 top .. 1 bottom (0.5 ball and box, ~0.6 upward triangle)."""
        return float((self.centre[1] - self.box[1]) / max(self.box[3] - self.box[1], 1))


@dataclass
class Chain:
    """Regions of one kind linked over time: one candidate for an object."""

    regions: list[Region]
    medians: dict = field(default_factory=dict, repr=False, compare=False)  # (attribute, regions) -> median

    @property
    def frames(self) -> list[int]:
        return [r.frame for r in self.regions]

    def median(self, attribute: str) -> float:
        key = (attribute, len(self.regions))  # regions are only ever added, so the count dates the value
        if key not in self.medians:
            self.medians[key] = float(statistics.median(getattr(r, attribute) for r in self.regions))
        return self.medians[key]


def min_area(height: int, width: int) -> float:
    """Smallest region worth tracking: a few pixels at 64x64, scaled with the frame."""
    return max(4.0, 0.0015 * height * width)


def observe(frames: np.ndarray, expectation: Expectation) -> Observation:
    """Track every object the expectation names in `frames` (T, H, W, 3) uint8 RGB."""
    frames = _check_frames(frames)
    t, big_h, big_w, _ = frames.shape
    scale = min(1.0, WORK_SIDE / max(big_h, big_w))
    small = _resized(frames, scale)  # (T, h, w, 3)
    _, h, w, _ = small.shape
    hsv = cv2.cvtColor(small.reshape(t * h, w, 3), cv2.COLOR_RGB2HSV).reshape(t, h, w, 3)
    coloured = (hsv[..., 1] >= SAT_MIN) & (hsv[..., 2] >= VAL_MIN)  # (T, h, w)
    camera, views = camera_views(small, _object_sized(coloured & (_named_hue(hsv[..., 0]) >= 0)))
    colours = [th.colour for th in expectation.objects if th.colour is not None]
    edges = np.stack([_edges(frame) for frame in small])  # (T, h, w) outlines, shared by every search below
    masks = {c: _colour_mask(hsv, coloured, c) for c in dict.fromkeys(colours)}  # (T, h, w) each
    found = {c: _chains_of(masks[c], edges, hsv, camera, c) for c in masks}
    motion, moving = None, None  # what moves against the still background, and its chains (when needed)
    taken: list[Chain] = []  # chains already given to a colourless object
    tracks = []
    for index, thing in enumerate(expectation.objects):
        must_move = index == 0 and _subject_moves(expectation)
        if thing.colour is not None:
            labels, chains = found[thing.colour]
            where = masks[thing.colour]
            chosen, doubt = _identify(thing, chains, must_move, camera, (h, w))
            if must_move and not any(_moves(c, camera) for c in chosen):
                # Nothing of its colour found moving: on a background of its own hue the object merges with it.
                # Its pixels of that colour which move against the still background are searched instead.
                motion = _moving_mask(small, camera) if motion is None else motion
                moved = masks[thing.colour] & motion
                again = _chains_of(moved, edges, hsv, camera, thing.colour)
                picked, why = _identify(thing, again[1], must_move, camera, (h, w))
                if any(_moves(c, camera) for c in picked):
                    (labels, chains), chosen, doubt, where = again, picked, why, moved
            if not chosen and not must_move:
                # Nothing of its colour has an object's build: it may sit on a background of its hue, merged with
                # it, and still (a mover there was searched among the moving pixels above). Its colour is cut along
                # finer outlines, and a piece that stands out all round kept.
                again = _outlined(small, masks[thing.colour], hsv, camera, thing.colour)
                picked, why = _identify(thing, again[1], must_move, camera, (h, w))
                # Weaker evidence than a region of its own: with more than one such piece lasting a while, the
                # background's texture makes them too, and which one is the object cannot be told.
                lasting = [c for c in again[1] if len(c.regions) >= max(3, OUTLINED_LASTING * t) and _plausible(c, (h, w))]
                if len(lasting) > 1:
                    why = why or (f"{len(lasting)} {thing.colour} regions stand out from a background of that colour: "
                                  f"which is the {thing.name} is unclear")
                if picked:
                    (labels, chains), chosen, doubt = again, picked, why
        else:
            if moving is None:
                motion = _moving_mask(small, camera) if motion is None else motion
                moving = _chains_of(motion, edges, None, camera, None)
            labels, chains = moving
            where = motion
            chosen, doubt = _identify(thing, [c for c in chains if c not in taken], must_move, camera, (h, w))
            taken += chosen
            doubt = doubt or _colourless_doubt(expectation, thing, chains, camera)
        track = _track(thing, chosen, chains, labels, doubt, camera, (h, w), scale, must_move,
                       small, masks[thing.colour] if thing.colour is not None else None)
        tracks.append(replace(track, glimpsed=_glimpses(track, where, scale)))
    strangers = _strangers(edges, hsv, coloured, colours, tracks, camera, scale)
    if views is not None:
        views = views.copy()
        views[:, :2, 2] /= scale  # the shift, in the video's pixels (scale and rotation do not change)
    return Observation(size=(big_h, big_w), camera=camera / scale, tracks=tuple(tracks), strangers=strangers,
                       scale=scale, views=views)


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames: expected uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    if frames.shape[0] < 1:
        raise ValueError("frames: the video has no frames")
    return frames


def _resized(frames: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return frames
    t, h, w, _ = frames.shape
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])


def _object_sized(mask: np.ndarray) -> np.ndarray:
    """(T, h, w) the mask's regions no larger than an object. On a colourful background most pixels have a
    named hue; leaving all of them out of the camera's flow left nothing to read the pan from (it read 0)."""
    t, h, w = mask.shape
    if mask.sum(axis=(1, 2)).max() <= MAX_OBJECT_SHARE * h * w:
        return mask  # no frame holds more than one object's worth: every region is object-sized
    labels, stats, _ = _components(mask)
    small = stats[:, cv2.CC_STAT_AREA] <= MAX_OBJECT_SHARE * h * w
    small[0] = False  # the label of everything outside the mask
    return small[labels]


def _subject_moves(expectation: Expectation) -> bool:
    """Whether the prompt has the subject move in the world (so a region that never moves is not it)."""
    return bool(expectation.direction or expectation.falls or expectation.strikes or expectation.occluded)


def _gap_table(low: int, high: int) -> np.ndarray:
    """(180,) hue units from each OpenCV hue to the range [low, high) on the hue circle (0 inside)."""
    h = np.arange(180)
    inside = np.mod(h - low, 180) < (high - low)
    return np.where(inside, 0, np.minimum(np.mod(low - h, 180), np.mod(h - (high - 1), 180))).astype(np.uint8)


GAPS = {name: _gap_table(low, high) for name, (low, high) in HUE_RANGES.items()}  # looked up, not computed, per pixel
NAMES = np.full(180, -1, np.int8)  # (180,) index into HUE_RANGES of each hue's name, -1 between names
for _index, _name in enumerate(HUE_RANGES):
    NAMES[GAPS[_name] == 0] = _index


LOOKUPS = {name: np.pad(gaps, (0, 76), constant_values=255) for name, gaps in GAPS.items()}  # (256,) for cv2.LUT


def _hue_gap(hue: np.ndarray, colour: str) -> np.ndarray:
    """Hue units from each OpenCV hue (uint8, 0-179) to `colour`'s range (0 inside), same shape."""
    hue = np.ascontiguousarray(hue, np.uint8)
    return cv2.LUT(hue.reshape(-1, hue.shape[-1] if hue.ndim > 1 else 1), LOOKUPS[colour]).reshape(hue.shape)


def _named_hue(hue: np.ndarray) -> np.ndarray:
    """(...) index into HUE_RANGES of each hue's name, -1 where the hue lies between names."""
    return NAMES[hue]


def _colour_mask(hsv: np.ndarray, coloured: np.ndarray, colour: str) -> np.ndarray:
    """(T, h, w) the extent of everything that may be `colour`: its hue range and a margin."""
    return coloured & (_hue_gap(hsv[..., 0], colour) <= EDGE_MARGIN)


def _chains_of(mask: np.ndarray, edges: np.ndarray, hsv: np.ndarray | None, camera: np.ndarray, colour: str | None,
               split: bool = True, split_share: float = MAX_SPLIT_SHARE) -> tuple[np.ndarray, list[Chain]]:
    """(labels (T, h, w) int32, chains) of the mask's regions; with a colour, only regions that carry its name.
    With `split`, a region too big or too ragged to be an object (an object touching background of its hue)
    is cut along the picture's edges (T, h, w), and the pieces that are object-like are kept."""
    t, h, w = mask.shape
    floor = min_area(h, w)
    labels, stats, frame_of = _components(mask)
    per_frame: list[list[Region]] = []
    big = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= floor)
    big = big[big > 0]
    for i in range(t):
        regions = []
        for k in big[frame_of[big] == i]:
            # The box alone rules out most background (too big, sparse or long) before the costly measures.
            _, _, bw, bh, area = (int(v) for v in stats[k])
            if area <= MAX_OBJECT_SHARE * h * w and area >= MIN_FILL * bw * bh and max(bw, bh) <= MAX_ASPECT * min(bw, bh):
                region = _region(i, labels[i], k, stats[k], edges[i])
                if _object_like(lambda name: getattr(region, name), (h, w)):
                    regions.append(region)
                    continue
            if split and area <= split_share * h * w:
                regions += _split(i, labels[i], k, stats[k], edges[i], floor, (h, w))
        per_frame.append(regions)
    if colour is not None:
        found = [r for regions in per_frame for r in regions]
        named = {id(r) for r, ok in zip(found, _carries_name(hsv, labels, found, colour)) if ok}
        per_frame = [[r for r in regions if id(r) in named] for regions in per_frame]
    return labels, _link(per_frame, camera)


def _outlined(frames: np.ndarray, mask: np.ndarray, hsv: np.ndarray, camera: np.ndarray, colour: str
              ) -> tuple[np.ndarray, list[Chain]]:
    """(labels, chains) of the regions of `mask` (T, h, w) cut along Canny's outlines of any channel of `frames`
    (T, h, w, 3), which follow a step too faint for the Sobel cut; only regions that stand out from the ring around
    them on all four sides (follow.CONTRAST) are kept: a piece of textured background, or of a towel of its colour
    cut along its weave, does not."""
    outlines = np.stack([np.bitwise_or.reduce([cv2.Canny(frame[..., c], *CANNY) for c in range(3)]) > 0
                         for frame in frames])  # (T, h, w)
    labels, chains = _chains_of(mask, outlines, hsv, camera, colour, split_share=1.0)  # however much of the frame
    per_frame: list[list[Region]] = [[] for _ in range(len(frames))]
    for chain in chains:
        for r in chain.regions:
            if contrast(frames[r.frame], labels[r.frame] == r.label, sides=4) >= CONTRAST:
                per_frame[r.frame].append(r)
    return labels, _link(per_frame, camera)


def _components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels (T, h, w) int32, stats (n, 5) with y inside each frame, frame of each label (n,)) of the mask's
    8-connected regions. The frames are labelled in one call, stacked with a blank row between them (one
    call per frame cost more than the labelling itself on small clips); a label is unique in the clip."""
    t, h, w = mask.shape
    stacked = np.zeros((t, h + 1, w), np.uint8)
    stacked[:, :h] = mask
    _, flat, stats, _ = cv2.connectedComponentsWithStats(stacked.reshape(t * (h + 1), w), connectivity=8)
    frame_of = stats[:, cv2.CC_STAT_TOP] // (h + 1)
    stats[:, cv2.CC_STAT_TOP] -= frame_of * (h + 1)
    return np.ascontiguousarray(flat.reshape(t, h + 1, w)[:, :h]), stats, frame_of


def _region(i: int, labels: np.ndarray, k: int, stat, edges: np.ndarray, piece: np.ndarray | None = None) -> Region:
    """Region k of frame i (its pixels in the box `stat` = x, y, w, h[, area]), measured."""
    h, w = labels.shape
    x, y, bw, bh = (int(v) for v in stat[:4])
    piece = labels[y:y + bh, x:x + bw] == k if piece is None else piece
    ys, xs = np.nonzero(piece)
    area = len(xs)
    x0, y0, x1, y1 = x + int(xs.min()), y + int(ys.min()), x + int(xs.max()), y + int(ys.max())
    return Region(i, k, float(area), np.array([x + xs.mean(), y + ys.mean()]), (x0, y0, x1, y1),
                  _at_border((x0, y0, x1, y1), (h, w)), _concavity(piece, area),
                  _outline(piece, edges[y:y + bh, x:x + bw], labels[y:y + bh, x:x + bw]))


def _at_border(box, size: tuple[int, int]) -> bool:
    """Whether a box (x0, y0, x1, y1 inclusive) touches the edge of a frame of `size` (h, w): the object may be
    partly outside."""
    h, w = size
    x0, y0, x1, y1 = box
    return bool(x0 == 0 or y0 == 0 or x1 >= w - 1 or y1 >= h - 1)


def _outline(piece: np.ndarray, edges: np.ndarray, labels: np.ndarray) -> float:
    """Share of the ring of pixels around `piece` (inside its box) that are edges; 1.0 when there is no ring."""
    ring = cv2.dilate(piece.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~piece
    rim = piece & ~cv2.erode(piece.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    around = ring | rim  # the outline's two sides: an edge may fall on either after blur
    if not around.any():
        return 1.0
    near = cv2.dilate(edges.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return float(near[rim].mean()) if rim.any() else 1.0


def _object_like(measure: Callable[[str], float], size: tuple[int, int]) -> bool:
    """Whether what `measure` reads (a region's fields, or a chain's medians of them) has an object's build:
    not too large, sparse or long, convex, outlined."""
    h, w = size
    return (measure("area") <= MAX_OBJECT_SHARE * h * w and measure("fill") >= MIN_FILL
            and measure("aspect") <= MAX_ASPECT and measure("concavity") <= MAX_CONCAVITY
            and measure("outline") >= MIN_OUTLINE)


def _edges(frame: np.ndarray) -> np.ndarray:
    """(h, w) bool: where the picture changes sharply in any channel (an object's outline)."""
    gx = cv2.convertScaleAbs(cv2.Sobel(frame, cv2.CV_16S, 1, 0, ksize=3), alpha=0.5)  # halved: 0..255 fits
    gy = cv2.convertScaleAbs(cv2.Sobel(frame, cv2.CV_16S, 0, 1, ksize=3), alpha=0.5)
    r, g, b = cv2.split(cv2.add(gx, gy))  # |dx| + |dy| per channel, halved, saturating
    return cv2.max(cv2.max(r, g), b) > EDGE_CUT // 2


def _split(i: int, labels: np.ndarray, k: int, stat: np.ndarray, edges: np.ndarray, floor: float,
           size: tuple[int, int]) -> list[Region]:
    """Object-like pieces of region k once its edge pixels are cut, each grown back over the cut (written into
    `labels` under new numbers)."""
    x, y, bw, bh, _ = (int(v) for v in stat)
    inside = labels[y:y + bh, x:x + bw] == k
    count, marks = cv2.connectedComponents((inside & ~edges[y:y + bh, x:x + bw]).astype(np.uint8), connectivity=4)
    if count <= 2:
        return []  # no outline inside it: background
    marks = marks.astype(np.uint16)
    for _ in range(GROW):  # take back the cut outline, neighbour by neighbour
        grown = cv2.dilate(marks, np.ones((3, 3), np.uint8))
        marks = np.where(inside & (marks == 0), grown, marks)
    out = []
    start = int(labels.max()) + 1
    for j in range(1, count):
        piece = marks == j
        if piece.sum() < floor:
            continue
        labels[y:y + bh, x:x + bw][piece] = start + j
        region = _region(i, labels, start + j, stat, edges, piece)
        if _object_like(lambda name: getattr(region, name), size):
            out.append(region)
    return out


def _concavity(piece: np.ndarray, area: float) -> float:
    """Pixels the region's convex hull adds to it, per pixel of its outline (0 for a filled convex shape)."""
    points = cv2.findNonZero(piece.astype(np.uint8))
    hull = np.zeros(piece.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(points), 1)
    rim = piece & ~cv2.erode(piece.astype(np.uint8), np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                             borderValue=0).astype(bool)
    return float(max(int(hull.sum()) - area, 0) / max(int(rim.sum()), 1))


def _carries_name(hsv: np.ndarray, labels: np.ndarray, regions: list[Region], colour: str) -> list[bool]:
    """Whether each region's lit part is bright and colourful enough and its mean hue inside the name's range
    (hsv (T, h, w, 3), labels (T, h, w); all regions of the clip at once: each of their pixels is given the
    region's index in `regions`, a label being unique within its frame)."""
    low, high = HUE_RANGES[colour]
    if not regions:
        return []
    stride = int(labels.max()) + 1
    lookup = np.full(len(labels) * stride, -1, np.int64)
    lookup[[r.frame * stride + r.label for r in regions]] = np.arange(len(regions))
    index = lookup[labels + (np.arange(len(labels)) * stride)[:, None, None]]  # (T, h, w) region index or -1
    inside = index >= 0
    index, hsv = index[inside], hsv[inside]  # (pixels,), (pixels, 3)
    counts = np.bincount(index, minlength=len(regions))  # (n regions,) pixels of each
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    centre = (low + high) / 2
    offset = np.mod(hsv[:, 0].astype(np.float32) - centre + 90, 180) - 90  # hue relative to the range's centre, wrap-safe
    mean_hue = (centre + np.bincount(index, weights=offset, minlength=len(regions)) / counts) % 180
    val = hsv[:, 2][np.lexsort((hsv[:, 2], index))]  # values sorted within each region
    bright = val[starts + (0.9 * (counts - 1)).astype(int)]  # each region's 90th percentile
    lit = hsv[:, 2] >= val[starts + counts // 2][index]  # at least the region's median value
    lit_counts = np.bincount(index[lit], minlength=len(regions))
    lit_starts = np.concatenate([[0], np.cumsum(lit_counts)[:-1]])
    sat = hsv[lit, 1][np.lexsort((hsv[lit, 1], index[lit]))]
    colourful = sat[lit_starts + (0.9 * (lit_counts - 1)).astype(int)]
    named = _hue_gap(np.round(mean_hue).astype(int) % 180, colour) == 0
    return list(named & (bright >= NAME_VAL_MIN[colour]) & (colourful >= NAME_SAT_MIN))


def _link(per_frame: list[list[Region]], camera: np.ndarray) -> list[Chain]:
    """Chains of regions. In each frame the closest (region, chain) pairs are joined first: a region joins a
    chain whose predicted world position is near enough and whose size is similar; the rest start chains."""
    chains: list[Chain] = []
    for i, regions in enumerate(per_frame):
        pairs = []
        for r, region in enumerate(regions):
            here = region.centre - camera[i]
            for c, chain in enumerate(chains):
                last = chain.regions[-1]
                gap = i - last.frame
                if gap < 1 or gap > MAX_GAP or not 1 / 3 <= region.area / last.area <= 3:
                    continue
                velocity = _velocity(chain, camera)
                predicted = last.centre - camera[last.frame] + velocity * gap
                distance = float(np.hypot(*(here - predicted)))
                if distance <= LINK * 2 * max(region.radius, last.radius) + float(np.hypot(*velocity)) * gap:
                    pairs.append((distance, r, c))
        joined_regions, joined_chains = set(), set()
        for _, r, c in sorted(pairs):
            if r not in joined_regions and c not in joined_chains:
                chains[c].regions.append(regions[r])
                joined_regions.add(r)
                joined_chains.add(c)
        chains += [Chain([region]) for r, region in enumerate(regions) if r not in joined_regions]
    return chains


def _velocity(chain: Chain, camera: np.ndarray) -> np.ndarray:
    if len(chain.regions) < 2:
        return np.zeros(2)
    a, b = chain.regions[-2], chain.regions[-1]
    return ((b.centre - camera[b.frame]) - (a.centre - camera[a.frame])) / (b.frame - a.frame)


def _plausible(chain: Chain, size: tuple[int, int]) -> bool:
    """Whether a chain is the size and build of an object rather than a piece of background."""
    h, w = size
    return chain.median("area") >= MIN_OBJECT_SHARE * h * w and _object_like(chain.median, size)


def _moves(chain: Chain, camera: np.ndarray) -> bool:
    """Whether the chain travels in the world (its camera-compensated centre strays from where it began)."""
    world = np.array([r.centre - camera[r.frame] for r in chain.regions])  # (n, 2)
    stray = float(np.hypot(*(world - world[0]).T).max()) if len(world) > 1 else 0.0
    return stray > STILL * max(chain.median("radius"), 2.0)


def _background_still(chain: Chain, camera: np.ndarray) -> bool:
    """A chain seen long enough to know it never moves (a region seen briefly may still be a moving thing)."""
    return len(chain.regions) >= max(3, STILL_SHARE * len(camera)) and not _moves(chain, camera)


def _towel(chain: Chain, camera: np.ndarray) -> bool:
    """Whether the chain never moves and, where wholly in view, is longer than any world shape's box."""
    inside = [r for r in chain.regions if not r.border]
    return bool(inside) and statistics.median(r.aspect for r in inside) > FIT_ASPECT and not _moves(chain, camera)


def _build_rank(chain: Chain, shape: str) -> int:
    """0 when the chain's build (medians over the frames it is wholly in view) could be this world shape, 1 when
    it is near-square as every world shape is (their boxes are 1.0 and 1.15 long per wide) but of another
    shape, 2 otherwise. A ball fills about 0.79 of its box, a box all of it, an upward triangle about half with
    a low centroid. Generous bands: this ranks candidates; presence judges the shape."""
    inside = [r for r in chain.regions if not r.border] or chain.regions
    fill, aspect, sag = (float(statistics.median(getattr(r, a) for r in inside)) for a in ("fill", "aspect", "sag"))
    if aspect > FIT_ASPECT:
        return 2
    if shape == "ball":
        fits = 0.62 <= fill <= 0.9 and sag < 0.58
    elif shape == "box":
        fits = fill >= 0.84
    else:
        fits = fill <= 0.72 or sag >= 0.56
    return 0 if fits else 1


def _identify(thing: Thing, chains: list[Chain], must_move: bool, camera: np.ndarray, size: tuple[int, int]
              ) -> tuple[list[Chain], str | None]:
    """The chains taken for `thing` (one, or several in turn when it is hidden and comes back) and a doubt."""
    candidates = [c for c in chains if _plausible(c, size)]
    if not candidates:
        return [], None
    leaders = candidates  # the chains the object may start as
    if must_move and any(_moves(c, camera) for c in candidates):
        # Something of its colour moves: the subject is one of the movers (a patch of background seen for a
        # while, even one that is not seen long enough to call still, is not), and comes back as any non-still one.
        candidates = [c for c in candidates if not _background_still(c, camera)]
        leaders = [c for c in candidates if _moves(c, camera)]
    elif must_move:
        # Nothing of its colour moves: take the object-like region, which may be the subject failing to move
        # (the track says it never moves; presence does not take it for the subject then), if it has the named
        # shape's build: a still region of another build is background (a towel), and no candidate at all.
        if thing.shape:
            candidates = [c for c in candidates if _build_rank(c, thing.shape) == 0]
            if not candidates:
                return [], None
        candidates = leaders = sorted(candidates, key=lambda c: -len(c.regions))[:1]
    if thing.shape:  # a rectangular towel is not the ball: the chains of the shape's build first, then near-square ones
        best = min(_build_rank(c, thing.shape) for c in leaders)
        leaders = [c for c in leaders if _build_rank(c, thing.shape) == best]
    # The object is what is there from the moment one of its candidates first shows; later ones are copies,
    # pieces, or the object again after an occluder.
    candidates.sort(key=lambda c: (-len(c.regions), -c.median("area")))
    leaders = [c for c in candidates if c in leaders]
    earliest = min(c.frames[0] for c in leaders)
    early = [c for c in leaders if c.frames[0] <= earliest + START]
    first = early[0]
    lasting = 0.5 * len(camera)  # frames: specks of noise come and go, and are no object to mistake it for
    rivals = [c for c in early[1:] if min(len(c.regions), len(first.regions)) >= lasting
              and len(set(c.frames) & set(first.frames)) >= 0.5 * min(len(c.regions), len(first.regions))
              and max(c.median("area"), first.median("area")) <= SIMILAR * min(c.median("area"), first.median("area"))]
    doubt = None
    if rivals:
        what = f"{thing.colour} regions" if thing.colour else "moving regions"
        doubt = f"{len(rivals) + 1} {what} of similar size from the start: which is the {thing.name} is unclear"
    chosen = [first]
    for chain in candidates:  # after an occluder, or a blink: the same object in turn
        if chain is first:
            continue
        if chain in rivals or set(chain.frames) & {f for c in chosen for f in c.frames}:
            continue
        if max(chain.median("area"), first.median("area")) <= SIMILAR * min(chain.median("area"), first.median("area")):
            chosen.append(chain)
    return chosen, doubt


def _colourless_doubt(expectation: Expectation, thing: Thing, chains: list[Chain], camera: np.ndarray) -> str | None:
    """Colourless objects are told apart only by their regions: with two or more of them and fewer moving
    regions, or regions shared, which is which is unknown."""
    colourless = [th for th in expectation.objects if th.colour is None]
    if len(colourless) < 2:
        return None
    movers = [c for c in chains if _moves(c, camera)]
    if len(movers) < len(colourless):
        return f"{len(colourless)} colourless objects but {len(movers)} moving regions: they cannot be told apart"
    return f"{len(colourless)} colourless objects: which moving region is the {thing.name} is unknown"


def _track(thing: Thing, chosen: list[Chain], chains: list[Chain], labels: np.ndarray, doubt: str | None,
           camera: np.ndarray, size: tuple[int, int], scale: float, must_move: bool, frames: np.ndarray,
           extent: np.ndarray | None) -> Track:
    """The object's track from the chains taken for it, and the frames between where it is found by following
    its picture (frames (T, h, w, 3) and its colour's extent (T, h, w) at the working size)."""
    t = labels.shape[0]
    h, w = size
    present = np.zeros(t, bool)
    centres = np.full((t, 2), np.nan)
    areas = np.zeros(t)
    boxes = np.zeros((t, 4))
    border = np.zeros(t, bool)
    fill = np.full(t, np.nan)
    sag = np.full(t, np.nan)
    masks = np.zeros(labels.shape, bool)
    for chain in chosen:
        for r in chain.regions:
            if present[r.frame] and areas[r.frame] >= r.area:
                continue
            x0, y0, x1, y1 = r.box
            present[r.frame], centres[r.frame], areas[r.frame] = True, r.centre, r.area
            boxes[r.frame], border[r.frame] = r.box, r.border
            fill[r.frame] = r.fill
            sag[r.frame] = (r.centre[1] - y0) / max(y1 - y0, 1)
            masks[r.frame] = labels[r.frame] == r.label
    for found in follow(frames, masks, present, extent, camera):
        i, j, (dx, dy) = found.frame, found.source, found.shift
        ys, xs = np.nonzero(masks[j])
        masks[i, ys + dy, xs + dx] = True
        present[i], centres[i], areas[i], fill[i], sag[i] = True, centres[j] + (dx, dy), areas[j], fill[j], sag[j]
        boxes[i] = boxes[j] + (dx, dy, dx, dy)
        border[i] = _at_border(boxes[i], size)
    # Copies: other object-like regions of its colour, not background (a static one, for a moving subject).
    whole = present & ~border
    usual = float(np.median(areas[whole] if whole.any() else areas[present])) if present.any() else 0
    # A still rectangle longer than any world shape (a towel of its colour, seen in pieces) is no copy of it either.
    # Its copies are measured against it, not the frame: half-size pieces of a small object count.
    least = max(min_area(h, w), COPY_SHARE * usual)
    counted = [c for c in chains if c in chosen or (c.median("area") >= least and _object_like(c.median, size)
                                                     and not _towel(c, camera)
                                                     and (not must_move or not _background_still(c, camera)))]
    seen_as: list[list[Region]] = [[] for _ in range(t)]  # each frame's regions big enough to be a copy
    for chain in counted:
        for r in chain.regions:
            if r.area >= least:
                seen_as[r.frame].append(r)
    copies = np.maximum([len(regions) for regions in seen_as], present.astype(int))
    tall = float(np.median(boxes[whole, 3] - boxes[whole, 1] + 1)) if whole.any() else 0.0
    straddles = np.array([_two_sides(regions, usual, tall) for regions in seen_as])
    # Into the video's pixels (a box's inclusive far edge scales from its far side).
    to_video = 1.0 / scale
    boxes = np.where(present[:, None], np.column_stack([boxes[:, :2] * to_video, (boxes[:, 2:] + 1) * to_video - 1]), 0)
    regions = sorted((r for chain in chosen for r in chain.regions), key=lambda r: r.frame)
    still = must_move and bool(regions) and not _moves(Chain(regions), camera)
    return Track(thing, present, (centres + 0.5) * to_video - 0.5 if scale < 1 else centres, areas * to_video**2,
                 boxes, border, copies, fill, sag, doubt, still, straddles=straddles, masks=masks)


def _two_sides(regions: list[Region], usual: float, tall: float) -> bool:
    """Whether these regions of a frame are the object seen on both sides of something narrow in front of it:
    two pieces side by side, each about as tall as the object, together no bigger than it. (A split into two
    whole pieces of half its size makes pieces about 0.7 as tall.)"""
    if len(regions) != 2 or tall <= 0:
        return False
    a, b = sorted(regions, key=lambda r: r.box[0])
    side_by_side = a.box[2] < b.box[0]
    heights = [r.box[3] - r.box[1] + 1 for r in (a, b)]
    rows = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1]) + 1  # rows both pieces span
    return (side_by_side and min(heights) >= STRADDLE_TALL * tall and rows >= STRADDLE_TALL * max(heights)
            and a.area + b.area <= STRADDLE_AREA * usual)


def _glimpses(track: Track, where: np.ndarray, scale: float) -> np.ndarray:
    """(T,) bool: frames inside a gap of at most MAX_GAP frames between two sightings in which the mask its
    regions came from (T, h, w) covers at least half of its smaller neighbouring area in the box that moves
    from one sighting to the other (grown by GROW pixels)."""
    out = np.zeros(len(track.present), bool)
    seen = np.flatnonzero(track.present)
    h, w = where.shape[1:]
    for a, b in zip(seen[:-1], seen[1:]):
        if not 1 < b - a <= MAX_GAP + 1:
            continue
        need = 0.5 * min(track.areas[a], track.areas[b]) * scale**2  # working pixels
        for i in range(a + 1, b):
            u = (i - a) / (b - a)
            x0, y0, x1, y1 = ((1 - u) * track.boxes[a] + u * track.boxes[b]) * scale
            x0, y0 = max(int(x0) - GROW, 0), max(int(y0) - GROW, 0)
            x1, y1 = min(int(np.ceil(x1)) + GROW, w - 1), min(int(np.ceil(y1)) + GROW, h - 1)
            out[i] = where[i, y0:y1 + 1, x0:x1 + 1].sum() >= need
    return out


def _strangers(edges: np.ndarray, hsv: np.ndarray, coloured: np.ndarray, named: list[str], tracks: list[Track],
               camera: np.ndarray, scale: float) -> np.ndarray:
    """(T,) object-like regions in grammar colours nobody named that appear after the first frame inside the
    view, are not a background thing revealed from behind a tracked object, and last."""
    t, h, w = coloured.shape
    counts = np.zeros(t, int)
    reference = min((tr.usual_area * scale**2 for tr in tracks if tr.usual_area > 0), default=min_area(h, w) / COPY_SHARE)
    for colour in HUE_RANGES:
        if colour in named or colour not in PALETTE:
            continue
        mask = _colour_mask(hsv, coloured, colour)
        if mask.sum() < min_area(h, w):
            continue  # none of this colour (the world's own clips hold only the named colours)
        _, chains = _chains_of(mask, edges, hsv, camera, colour, split=False)
        for chain in chains:
            start = chain.regions[0]
            if (start.frame == 0 or start.border or not _plausible(chain, (h, w)) or _towel(chain, camera)
                    or chain.median("area") < COPY_SHARE * reference):
                continue
            if not _moves(chain, camera) and _revealed(start, tracks):
                continue
            for r in chain.regions:
                counts[r.frame] += int(not r.border)
    return counts


def _revealed(region: Region, tracks: list[Track]) -> bool:
    """Whether a tracked object covered this region's place in the frame at some time before it showed."""
    x0, y0, x1, y1 = region.box
    return any(track.masks is not None and track.masks[:region.frame, y0:y1 + 1, x0:x1 + 1].any() for track in tracks)


def camera_motion(frames: np.ndarray, objects: np.ndarray | None = None) -> np.ndarray:
    """(T, 2) cumulative image shift of the background since frame 0, pixels of `frames`."""
    return camera_views(frames, objects)[0]


def camera_views(frames: np.ndarray, objects: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(shift (T, 2), views (T, 3, 3) or None) of the background since frame 0, pixels of `frames`.

    Dense optical flow (Farneback) over pixels with texture that are not objects. Its median is the
    shift; a similarity (shift, zoom, roll) fitted to it with RANSAC is kept where the zoom or roll
    is more than noise (a shaking, zooming camera), else the view is the shift alone. With no
    texture (a plain background) there is no evidence of motion and the shift stays zero. The flow is
    read on a copy at most CAMERA_SIDE pixels long: a camera's motion is the same at any size.
    """
    t, h, w, _ = frames.shape
    shrink = min(1.0, CAMERA_SIDE / max(h, w))
    if shrink < 1.0:
        size = (max(8, round(w * shrink)), max(8, round(h * shrink)))
        small = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])
        near = None if objects is None else np.stack(
            [cv2.resize(o.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0 for o in objects])
        shifts, views = camera_views(small, near)
        if views is not None:
            views = views.copy()
            views[:, :2, 2] /= shrink
        return shifts / shrink, views
    grey = cv2.cvtColor(frames.reshape(t * h, w, 3), cv2.COLOR_RGB2GRAY).reshape(t, h, w)
    steps = np.tile(np.eye(3), (t, 1, 1))  # (T, 3, 3): frame i-1's points -> frame i's
    ys, xs = np.mgrid[:h, :w]
    for i in range(1, t):
        usable = _textured(grey[i - 1])
        if objects is not None:
            near_object = cv2.dilate((objects[i - 1] | objects[i]).astype(np.uint8), np.ones((5, 5), np.uint8))
            usable &= near_object == 0
        if usable.sum() < 0.05 * h * w:
            continue
        flow = cv2.calcOpticalFlowFarneback(grey[i - 1], grey[i], None, 0.5, 2, 9, 3, 5, 1.1, 0)
        steps[i, :2, 2] = np.median(flow[usable], axis=0)
        start = np.ascontiguousarray(np.column_stack([xs[usable], ys[usable]])[::max(1, usable.sum() // 2000)], np.float32)
        moved = np.ascontiguousarray(start + flow[start[:, 1].astype(int), start[:, 0].astype(int)], np.float32)
        fit, _ = cv2.estimateAffinePartial2D(start, moved, method=cv2.RANSAC, ransacReprojThreshold=1.0)
        if fit is not None and (abs(np.hypot(*fit[:, 0]) - 1) > ZOOM_NOISE or abs(fit[1, 0]) > ROLL_NOISE):
            steps[i, :2] = fit
    views = np.tile(np.eye(3), (t, 1, 1))
    for i in range(1, t):
        views[i] = steps[i] @ views[i - 1]
    pure = np.allclose(views[:, :2, :2], np.eye(2))
    return views[:, :2, 2].copy(), None if pure else views


def _textured(grey: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return (gx * gx + gy * gy) > 20.0**2


def _moving_mask(frames: np.ndarray, camera: np.ndarray) -> np.ndarray:
    """(T, H, W) pixels that differ from the camera-aligned median background: the moving things."""
    t, h, w, _ = frames.shape
    aligned = frames.copy()  # (T, H, W, 3) uint8
    for i in np.flatnonzero(camera.any(axis=1)):
        # Undo the camera shift so the background stands still, then take the per-pixel median.
        move = np.float32([[1, 0, -camera[i, 0]], [0, 1, -camera[i, 1]]])
        aligned[i] = cv2.warpAffine(frames[i], move, (w, h), borderMode=cv2.BORDER_REPLICATE)
    background = _temporal_median(aligned)  # (H, W, 3)
    moving = np.empty((t, h, w), bool)
    for i in range(t):
        r, g, b = cv2.split(cv2.absdiff(aligned[i], background))
        moving[i] = cv2.max(cv2.max(r, g), b) > 40
        if camera[i].any():
            back = np.float32([[1, 0, camera[i, 0]], [0, 1, camera[i, 1]]])
            moving[i] = cv2.warpAffine(moving[i].astype(np.uint8), back, (w, h), flags=cv2.INTER_NEAREST) > 0
    return moving


def _temporal_median(frames: np.ndarray) -> np.ndarray:
    """(H, W, C) uint8: the per-pixel median over time of (T, H, W, C) uint8 (rounded half up between the two
    middle values of an even count), with time laid out last so each pixel's values are contiguous."""
    t = len(frames)
    values = np.ascontiguousarray(np.moveaxis(frames, 0, -1))  # (H, W, C, T)
    middle = t // 2
    if t % 2:
        return np.partition(values, middle, axis=-1)[..., middle]
    pair = np.partition(values, (middle - 1, middle), axis=-1)[..., middle - 1:middle + 1].astype(np.uint16)
    return ((pair[..., 0] + pair[..., 1] + 1) // 2).astype(np.uint8)
