"""Rendering: a simulated scene becomes anti-aliased uint8 frames, plus the ground truth.

    python -c "import world, numpy as np; c = world.make_clip(world.sample_spec(np.random.default_rng(0))); print(c.frames.shape)"

Every layer is drawn for all frames at once with numpy broadcasting over (T, H, W). Coverage
comes from signed distances in pixels (0.5 - distance, clipped), which anti-aliases edges and
handles sub-pixel positions, so slow motions and pans move smoothly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from typing import TYPE_CHECKING

from world.physics import BOX_SCALE, Events, Scene, simulate
from world.spec import SceneSpec

if TYPE_CHECKING:
    from world.look import Look

PLAIN_GREY = 200.0  # background level of a plain scene
TEXTURE_MEAN = 178.0  # mean level of a textured background
FLOOR_GREY = 120.0
WALL_GREY = 92.0
MIN_SIDE, MAX_SIDE, SIDE_STEP = 32, 256, 8
MAX_FRAMES = 64
# The realistic style (world/look.py) also draws real models' sizes and lengths (832x480, 121 frames).
REAL_MAX_SIDE, REAL_MAX_FRAMES = 1280, 129
STYLES = ("world", "real")


@dataclass(frozen=True)
class Truth:
    """Ground truth in pixel units of the rendered frames."""

    centres: np.ndarray  # (T, N, 2) object centres (x, y) in the image, pixels
    visible: np.ndarray  # (T, N) share of each object's area that is visible (not behind the wall or outside the frame)
    radii: np.ndarray  # (N,) size radius, pixels
    events: Events


@dataclass(frozen=True)
class Clip:
    frames: np.ndarray  # (T, H, W, 3) uint8
    truth: Truth
    scene: Scene
    fps: float
    look: "Look | None" = None  # the realistic style's drawing (world/look.py); None: the world's flat style
    masks: np.ndarray | None = None  # (T, N, H, W) bool visible pixels of each object (the realistic style)


def check_size(frames: int, width: int, height: int, style: str = "world") -> None:
    """Reject sizes the world cannot render, naming the field and the allowed values."""
    if style not in STYLES:
        raise ValueError(f"style: expected one of {list(STYLES)}, got {style!r}")
    max_side, max_frames = (MAX_SIDE, MAX_FRAMES) if style == "world" else (REAL_MAX_SIDE, REAL_MAX_FRAMES)
    for field, value in (("width", width), ("height", height)):
        if not (MIN_SIDE <= value <= max_side and value % SIDE_STEP == 0):
            raise ValueError(f"{field}: expected a multiple of {SIDE_STEP} from {MIN_SIDE} to {max_side}, got {value}")
    if not 1 <= frames <= max_frames:
        raise ValueError(f"frames: expected 1 to {max_frames}, got {frames}")


def make_clip(spec: SceneSpec, seed: int = 0, frames: int = 16, width: int = 64, height: int = 64, fps: float = 8.0,
              style: str = "world") -> Clip:
    """Simulate and render one clip; deterministic for (spec, seed, frames, size, fps, style). style "real":
    a look drawn from the seed (world/look.py)."""
    check_size(frames, width, height, style)
    scene = simulate(spec, seed=seed, frames=frames, width=width, height=height, fps=fps)
    if style == "world":
        return render(scene)
    from world.look import sample_look

    return render(scene, sample_look(scene, np.random.default_rng([seed, 7])))


def render(scene: Scene, look: "Look | None" = None) -> Clip:
    """Draw `scene` (possibly with edited bodies, as the probe validation does) and measure what shows;
    with a look, in the realistic style (the same look redraws an edited scene the same way)."""
    if look is not None:
        return _render_real(scene, look)
    s = scene.scale
    px = (np.arange(scene.width) + 0.5) / s  # (W,) view x of pixel centres, world units
    py = (np.arange(scene.height) + 0.5) / s  # (H,)
    world_x = px[None, :] + scene.camera_x[:, None]  # (T, W): the camera moves, the world stays
    image = _background(scene, world_x, py)  # (T, H, W, 3)
    if scene.floor_y is not None:
        cover = np.clip(0.5 - (scene.floor_y - py) * s, 0, 1)[None, :, None, None]  # (1, H, 1, 1)
        image = image * (1 - cover) + FLOOR_GREY * cover
    wall = _wall_cover(scene, world_x, py)  # (T, H, W) or None
    visible = np.zeros((scene.frames, len(scene.bodies)))
    for i, body in enumerate(scene.bodies):
        cover = _shape_cover(body, world_x, py, s) * body.present[:, None, None]  # (T, H, W)
        area = _area_px(body, s)
        shown = cover if wall is None else cover * (1 - wall)
        visible[:, i] = shown.sum(axis=(1, 2)) / area
        image = image * (1 - cover[..., None]) + body.rgb[:, None, None, :] * cover[..., None]
    if wall is not None:
        image = image * (1 - wall[..., None]) + WALL_GREY * wall[..., None]
    frames = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    centres = np.stack(
        [np.stack([(b.x - scene.camera_x) * s, b.y * s], axis=-1) for b in scene.bodies], axis=1
    )  # (T, N, 2)
    truth = Truth(
        centres=centres,
        visible=np.clip(visible, 0, 1),
        radii=np.array([b.radius * s for b in scene.bodies]),
        events=scene.events,
    )
    return Clip(frames=frames, truth=truth, scene=scene, fps=scene.fps)


def _render_real(scene: Scene, look: "Look") -> Clip:
    from world.look import draw

    frames, masks = draw(scene, look)  # (T, H, W, 3), (T, N, H, W)
    s = scene.scale
    areas = np.array([_area_px(b, s) for b in scene.bodies])  # (N,)
    centres = np.stack([np.stack([(b.x - scene.camera_x) * s, b.y * s], axis=-1) for b in scene.bodies], axis=1)
    truth = Truth(centres=centres, visible=np.clip(masks.sum(axis=(2, 3)) / np.maximum(areas, 1), 0, 1),
                  radii=np.array([b.radius * s for b in scene.bodies]), events=scene.events)
    return Clip(frames=frames, truth=truth, scene=scene, fps=scene.fps, look=look, masks=masks)


def _background(scene: Scene, world_x: np.ndarray, py: np.ndarray) -> np.ndarray:
    t, h, w = scene.frames, scene.height, scene.width
    if scene.texture is None:
        return np.full((t, h, w, 3), PLAIN_GREY, np.float32)
    level = np.full((t, h, w), TEXTURE_MEAN, np.float32)
    for kx, ky, phase, amp in scene.texture:
        # sin(a + b) = sin a cos b + cos a sin b keeps the work separable: (T, W) and (H,) factors.
        a = kx * world_x + phase  # (T, W)
        b = ky * py  # (H,)
        level += amp * (np.sin(a)[:, None, :] * np.cos(b)[None, :, None] + np.cos(a)[:, None, :] * np.sin(b)[None, :, None])
    return np.repeat(level[..., None], 3, axis=-1)  # neutral grey: zero saturation, unlike every object


def _wall_cover(scene: Scene, world_x: np.ndarray, py: np.ndarray) -> np.ndarray | None:
    if scene.wall is None:
        return None
    left, right, top = scene.wall
    s = scene.scale
    inside_x = np.minimum(world_x - left, right - world_x) * s  # (T, W) pixels inside the wall's sides
    inside_y = (py - top) * s  # (H,)
    return np.clip(0.5 + np.minimum(inside_x[:, None, :], inside_y[None, :, None]), 0, 1).astype(np.float32)


def _shape_cover(body, world_x: np.ndarray, py: np.ndarray, s: float) -> np.ndarray:
    """Anti-aliased coverage (T, H, W) in [0, 1] of one body."""
    dx = ((world_x - body.x[:, None]) * s)[:, None, :].astype(np.float32)  # (T, 1, W) pixels
    dy = ((py[None, :] - body.y[:, None]) * s)[:, :, None].astype(np.float32)  # (T, H, 1)
    r = np.float32(body.radius * s)
    if body.shape == "ball":
        dist = np.sqrt(dx * dx + dy * dy) - r
    elif body.shape == "box":
        half = r * np.float32(BOX_SCALE)
        dist = np.maximum(np.abs(dx) - half, np.abs(dy) - half)
    else:  # an upward equilateral triangle of half-width r, centred on its bounding box
        height = r * np.float32(np.sqrt(3.0))
        edge = (height * (np.abs(dx) - r) - r * (dy - height / 2)) / (2 * r)
        dist = np.maximum(dy - height / 2, edge)
    return np.clip(0.5 - dist, 0, 1)


def _area_px(body, s: float) -> float:
    r = body.radius * s
    if body.shape == "ball":
        return float(np.pi * r * r)
    if body.shape == "box":
        return float((2 * BOX_SCALE * r) ** 2)
    return float(np.sqrt(3.0) * r * r)  # base 2r, height sqrt(3) r
