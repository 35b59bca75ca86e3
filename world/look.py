"""The realistic style: the world's scenes drawn the way a camera, or a real video model, shows them,
with the ground truth kept exact, for validating the probes outside the world's flat colours.

    python -m world render --style real --prompt "a red ball falls and bounces" --size 832x480 --frames 49 --fps 16 --out c.mp4

One `Look` per clip, drawn at random (domain randomisation) and applied to a simulated Scene:
- a photo-like background (smooth colour fields and texture, sometimes colourful), which the camera
  pan moves like the world's own; sometimes a floor seen in perspective (receding tiles);
- static props, some in the subject's own hue (a red towel behind a red ball), some in other colours;
- objects in colours jittered within what a person still calls that colour, shaded from a light
  direction (soft or hard), with a drop shadow, and blurred along their motion;
- camera shake, a slow zoom and a small roll; sensor noise. (H.264 compression is applied by
  whoever writes the clip to a file: the world imports no video codec.)
Every frame's visible mask of each object is kept (after the wall, later objects and the camera),
so a tracker's identification can be scored by IoU, not only its verdicts.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import cv2
import numpy as np

from world.physics import Scene
from world.spec import PALETTE

# How far each palette colour may wander and still be called by its name (hue in degrees of 360,
# saturation and value as factors): a person calls all of these "red", "orange", ...
HUE_JITTER = {"red": 6.0, "orange": 5.0, "yellow": 5.0, "green": 14.0, "blue": 10.0, "purple": 8.0}
SAT_RANGE = (0.72, 1.0)
VAL_RANGE = (0.8, 1.05)
SHADOW_DARKEN = (0.25, 0.5)  # share of light a drop shadow takes from what it falls on


@dataclass(frozen=True)
class Prop:
    """A static thing in the background: a rectangle in world units, one colour, textured."""

    x0: float
    y0: float
    x1: float
    y1: float
    rgb: tuple[float, float, float]
    same_hue_as: int | None  # index of the object whose hue it shares, or None


@dataclass(frozen=True)
class Look:
    seed: int  # every random detail below (noise, shake, background pixels) is drawn from it
    background: str  # "photo" (muted colour fields) or "colourful" (saturated patches and texture)
    floor: bool  # the floor (when the scene has one) drawn as receding tiles
    props: tuple[Prop, ...]
    # Every palette colour, jittered once per clip: a body shows the one its (per-frame) colour names, so a
    # corrupted twin that recolours, copies or splits an object draws it in this clip's colours too.
    palette: tuple[tuple[str, tuple[float, float, float]], ...]
    light: float  # radians: the direction the light comes from (0: from the left, pi/2: from above)
    hardness: float  # 0 soft .. 1 hard: how dark the far side of an object gets
    shadow: tuple[float, float, float]  # drop shadow offset (x, y) in world units, and its darkness
    blur: bool  # motion blur (three sub-frame positions averaged)
    shake_px: float  # camera shake, standard deviation in pixels
    zoom: float  # scale at the last frame (1.0 at the first)
    roll_deg: float  # rotation at the last frame
    noise: float  # sensor noise, standard deviation in levels of 255


def jittered(colour: str, rng: np.random.Generator) -> tuple[float, float, float]:
    """The palette colour moved within its name's range."""
    r, g, b = (v / 255 for v in PALETTE[colour])
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    h = (h + rng.uniform(-1, 1) * HUE_JITTER[colour] / 360) % 1.0
    s = min(1.0, s * rng.uniform(*SAT_RANGE))
    v = min(1.0, v * rng.uniform(*VAL_RANGE))
    return tuple(float(c * 255) for c in colorsys.hsv_to_rgb(h, s, v))


def sample_look(scene: Scene, rng: np.random.Generator, same_hue_prop: float = 0.35) -> Look:
    """A random look for `scene`. same_hue_prop: chance of a static prop in the subject's hue."""
    colours = [_colour_name(body.rgb[0]) for body in scene.bodies]
    w, h = scene.width / scene.scale, scene.height / scene.scale
    props = []
    if colours[0] is not None and rng.random() < same_hue_prop:
        props.append(_prop(rng, w, h, jittered(colours[0], rng), 0))  # its own jitter: a near, not equal, hue
    for _ in range(rng.integers(0, 3)):
        free = [c for c in PALETTE if c not in colours]
        props.append(_prop(rng, w, h, jittered(str(rng.choice(free)), rng), None))
    return Look(
        seed=int(rng.integers(2**31)),
        background=str(rng.choice(["photo", "photo", "colourful"])),
        floor=bool(rng.random() < 0.6),
        props=tuple(props),
        palette=tuple((name, jittered(name, rng)) for name in PALETTE),
        light=float(rng.uniform(0.15, 0.85) * np.pi),
        hardness=float(rng.uniform(0, 1)),
        shadow=(float(rng.uniform(-0.04, 0.04)), float(rng.uniform(0.01, 0.05)), float(rng.uniform(*SHADOW_DARKEN))),
        blur=bool(rng.random() < 0.5),
        # A hand-held camera's jitter, scaled with the frame: 0.2-0.8 px at 64 px, 1.5-6 px at 480.
        shake_px=float(rng.choice([0.0, rng.uniform(0.2, 0.8)])) * scene.scale / 64,
        zoom=float(rng.choice([1.0, rng.uniform(1.02, 1.08)])),
        roll_deg=float(rng.choice([0.0, rng.uniform(-1.5, 1.5)])),
        noise=float(rng.uniform(1.0, 4.0)),
    )


def draw(scene: Scene, look: Look) -> tuple[np.ndarray, np.ndarray]:
    """-> (frames (T, H, W, 3) uint8, visible masks (T, N, H, W) bool), one frame at a time."""
    from world.render import _shape_cover, _wall_cover  # the world's own geometry

    t, h, w, n = scene.frames, scene.height, scene.width, len(scene.bodies)
    s = scene.scale
    rng = np.random.default_rng(look.seed)
    pan_px = np.abs(scene.camera_x).max() * s
    backdrop = _backdrop(look, rng, h, w + int(np.ceil(pan_px)) + 2, scene)  # (H, W + pan, 3) float32, world-fixed
    px = (np.arange(w) + 0.5) / s
    py = (np.arange(h) + 0.5) / s
    frames = np.empty((t, h, w, 3), np.uint8)
    masks = np.zeros((t, n, h, w), bool)
    offsets = (-1 / 3, 0.0, 1 / 3) if look.blur else (0.0,)
    shake = rng.normal(0, look.shake_px, (t, 2))
    for i in range(t):
        world_x = (px + scene.camera_x[i])[None, :]  # (1, W)
        left = (scene.camera_x[i] - scene.camera_x.min()) * s
        image = _shifted(backdrop, left, w)  # (H, W, 3)
        wall = _wall_cover(_frame_scene(scene, i), world_x, py)
        wall = None if wall is None else wall[0]
        covers = [_cover(scene, body, i, world_x, py, s, offsets) for body in scene.bodies]  # each (H, W)
        for cover in covers:  # drop shadows first: they fall on the background only
            dx, dy, dark = look.shadow
            shadow = cv2.GaussianBlur(_shift(cover, dx * s, dy * s), (0, 0), max(1.0, 0.01 * s))
            image *= (1 - dark * shadow)[..., None]
        drawn = np.zeros((n, h, w), np.float32)
        for k, (body, cover) in enumerate(zip(scene.bodies, covers)):
            shade = _shading(body, i, world_x, py, s, look)  # (H, W) factor
            colour = _seen_colour(look, body.rgb[i])[None, None, :] * shade[..., None]
            image = image * (1 - cover[..., None]) + colour * cover[..., None]
            drawn[:k] *= 1 - cover  # a later object hides an earlier one
            drawn[k] = cover
        if wall is not None:
            image = image * (1 - wall[..., None]) + np.float32([88, 84, 80]) * wall[..., None]
            drawn *= 1 - wall
        move = _camera(look, i, t, shake[i], w, h)
        image = cv2.warpAffine(image, move, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        image += rng.normal(0, look.noise, image.shape).astype(np.float32)
        frames[i] = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        for k in range(n):
            masks[i, k] = cv2.warpAffine(drawn[k], move, (w, h), flags=cv2.INTER_LINEAR) > 0.5
    return frames, masks


def _seen_colour(look: Look, rgb: np.ndarray) -> np.ndarray:
    """This clip's version of a body's colour: its palette colour jittered, or the colour itself."""
    name = _colour_name(rgb)
    return np.asarray(dict(look.palette)[name] if name else rgb, np.float32)


def _colour_name(rgb: np.ndarray) -> str | None:
    for name, value in PALETTE.items():
        if np.allclose(rgb, value):
            return name
    return None


def _prop(rng: np.random.Generator, w: float, h: float, rgb, same: int | None) -> Prop:
    pw, ph = rng.uniform(0.15, 0.4) * w, rng.uniform(0.1, 0.3) * h
    x0, y0 = rng.uniform(0, w - pw), rng.uniform(0.1 * h, h - ph)
    return Prop(float(x0), float(y0), float(x0 + pw), float(y0 + ph), tuple(float(c) for c in rgb), same)


def _backdrop(look: Look, rng: np.random.Generator, h: int, w: int, scene: Scene) -> np.ndarray:
    """The world-fixed background, wide enough for the pan: colour fields, texture, floor, props."""
    s = scene.scale
    if look.background == "photo":
        base = rng.uniform(60, 200, 3) * rng.uniform(0.7, 1.0)
        spread = 45.0
    else:
        base = rng.uniform(40, 220, 3)
        spread = 110.0
    coarse = rng.normal(0, 1, (4, max(2, w * 4 // max(h, 1)), 3)).astype(np.float32)
    fields = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC) * spread * 0.5  # smooth colour fields
    fine = rng.normal(0, 1, (max(2, h // 6), max(2, w // 6))).astype(np.float32)
    texture = cv2.resize(fine, (w, h), interpolation=cv2.INTER_CUBIC)[..., None] * rng.uniform(6, 22)
    image = np.clip(base[None, None, :] + fields + texture, 0, 255).astype(np.float32)
    if scene.floor_y is not None:
        top = int(round(scene.floor_y * s))
        image[top:] = _floor(rng, h - top, w, look.floor) if top < h else image[top:]
    for prop in look.props:
        x0, x1 = int(prop.x0 * s), int(prop.x1 * s)
        y0, y1 = int(prop.y0 * s), int(prop.y1 * s)
        weave = 1 + 0.08 * np.sin(np.arange(x1 - x0) * 1.3)[None, :, None]  # a cloth's weave
        image[y0:y1, x0:x1] = np.asarray(prop.rgb, np.float32) * weave
    return image


def _floor(rng: np.random.Generator, rows: int, w: int, tiles: bool) -> np.ndarray:
    """Ground seen in perspective: a gradient, and tiles whose lines converge toward the horizon."""
    colour = rng.uniform(90, 170, 3).astype(np.float32)
    depth = np.linspace(0.7, 1.1, max(rows, 1), dtype=np.float32)[:, None, None]  # nearer is lighter
    floor = np.broadcast_to(colour * depth, (rows, w, 3)).copy()
    if tiles and rows > 2:
        y = np.arange(rows, dtype=np.float32)[:, None] + 1
        x = np.arange(w, dtype=np.float32)[None, :] - w / 2
        lines = (np.abs(np.sin(x / (4 + y) * 2.0)) < 0.08) | (np.abs(np.sin(np.log(y) * 6)) < 0.08)
        floor[lines] *= 0.8
    return floor


def _frame_scene(scene: Scene, i: int) -> Scene:
    from dataclasses import replace

    return replace(scene, camera_x=scene.camera_x[i:i + 1], bodies=())


def _cover(scene: Scene, body, i: int, world_x, py, s: float, offsets) -> np.ndarray:
    """(H, W) coverage of `body` at frame i, averaged over sub-frame positions (motion blur)."""
    from dataclasses import replace

    from world.render import _shape_cover

    if not body.present[i]:
        return np.zeros((len(py), world_x.shape[1]), np.float32)
    j = min(i + 1, scene.frames - 1)
    k = max(i - 1, 0)
    total = 0.0
    for o in offsets:
        other = j if o > 0 else k
        x = body.x[i] + abs(o) * (body.x[other] - body.x[i])
        y = body.y[i] + abs(o) * (body.y[other] - body.y[i])
        moment = replace(body, x=np.array([x]), y=np.array([y]))
        total = total + _shape_cover(moment, world_x, py, s)[0]
    return (total / len(offsets)).astype(np.float32)


def _shading(body, i: int, world_x, py, s: float, look: Look) -> np.ndarray:
    """(H, W) brightness factor on the object: lit side about 1.05, far side down to 1 - 0.75 * hardness."""
    dx = (world_x[0][None, :] - body.x[i]) * s  # (1, W) pixels from the centre
    dy = (py[:, None] - body.y[i]) * s  # (H, 1)
    r = max(body.radius * s, 1.0)
    lx, ly = -np.cos(look.light), -np.sin(look.light)  # unit vector toward the light (image y down)
    if body.shape == "ball":
        nz = np.sqrt(np.clip(1 - (dx * dx + dy * dy) / (r * r), 0, 1))
        lambert = np.clip((dx * lx + dy * ly) / r * 0.8 + nz * 0.6, 0, 1)
    else:
        lambert = np.clip(0.5 + 0.5 * (dx * lx + dy * ly) / r, 0, 1)
    low = 1 - 0.75 * look.hardness
    return (low + (1.05 - low) * lambert).astype(np.float32)


def _shift(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    move = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, move, (image.shape[1], image.shape[0]), flags=cv2.INTER_LINEAR)


def _shifted(backdrop: np.ndarray, left: float, w: int) -> np.ndarray:
    """The view of the world-fixed backdrop whose left edge is `left` pixels in (sub-pixel)."""
    move = np.float32([[1, 0, -left], [0, 1, 0]])
    return cv2.warpAffine(backdrop, move, (w, backdrop.shape[0]), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _camera(look: Look, i: int, t: int, shake: np.ndarray, w: int, h: int) -> np.ndarray:
    """The 2x3 affine of frame i: zoom and roll growing over the clip about the centre, plus shake."""
    progress = i / max(t - 1, 1)
    scale = 1 + (look.zoom - 1) * progress
    move = cv2.getRotationMatrix2D((w / 2, h / 2), look.roll_deg * progress, scale)
    move[:, 2] += shake
    return move.astype(np.float32)
