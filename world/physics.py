"""Physics of the procedural world: a spec plus a seed becomes per-frame trajectories and events.

    python -c "import world.physics as p, world; print(p.simulate(world.sample_spec(__import__('numpy').random.default_rng(0)), seed=0).events)"

Units: one world unit is the shorter side of the frame, y points down, and the view's left edge
sits at `camera_x` (world units) so a pan moves the camera, not the world. Time is frame / fps.
Motions are closed-form (constant speed, parabolas between bounces, a 1-D collision with sliding
friction), so any frame count gives the same physics, sampled more or less long.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from world.spec import PALETTE, SIZES, SceneSpec

FLOOR = 0.88  # top of the floor, as a fraction of the frame height (fall scenes only)
WALL_TOP = 0.35  # top of the occluding wall, as a fraction of the frame height
BOX_SCALE = 0.88  # a box's half-side relative to its size radius, so boxes look no bigger than balls


@dataclass(frozen=True)
class Body:
    """One drawn object: its shape and size, and per-frame position, colour and presence."""

    shape: str  # ball | box | triangle
    radius: float  # world units: a ball's radius, a triangle's half-width, a box's half-side / BOX_SCALE
    x: np.ndarray  # (T,) centre, world units
    y: np.ndarray  # (T,) centre, world units, down
    rgb: np.ndarray  # (T, 3) colour per frame (a broken model may recolour an object)
    present: np.ndarray  # (T,) bool: drawn in this frame (a broken model may delete an object)

    @property
    def half_width(self) -> float:
        return self.radius * (BOX_SCALE if self.shape == "box" else 1.0)


@dataclass(frozen=True)
class Events:
    contact_frame: int | None = None  # first frame at or after A touches B (hit scenes)
    contact_time: float | None = None  # seconds
    bounce_frames: tuple[int, ...] = ()  # frames nearest each floor impact (fall scenes)
    hidden_frames: tuple[int, int] | None = None  # first and last frame the subject is fully behind the wall
    reappear_frame: int | None = None  # first frame after that where part of the subject shows again
    pan_px_per_frame: float = 0.0  # how far the camera moves right per frame, in pixels


@dataclass(frozen=True)
class Scene:
    spec: SceneSpec
    seed: int
    width: int
    height: int
    fps: float
    bodies: tuple[Body, ...]  # one per spec object, in spec order
    camera_x: np.ndarray  # (T,) world x of the view's left edge
    texture: np.ndarray | None  # (K, 4) sinusoids (kx, ky, phase, amplitude) for a textured background
    floor_y: float | None  # world y of the floor's top, if there is a floor
    wall: tuple[float, float, float] | None  # (left x, right x, top y) world units, if there is a wall
    events: Events = field(default_factory=Events)

    @property
    def frames(self) -> int:
        return len(self.camera_x)

    @property
    def scale(self) -> float:
        """Pixels per world unit."""
        return float(min(self.width, self.height))

    def with_bodies(self, bodies: tuple[Body, ...]) -> "Scene":
        return replace(self, bodies=bodies)


def simulate(spec: SceneSpec, seed: int = 0, frames: int = 16, width: int = 64, height: int = 64, fps: float = 8.0) -> Scene:
    """Concrete trajectories for `spec`; the same arguments always give the same scene."""
    rng = np.random.default_rng(seed)
    w, h = width / min(width, height), height / min(width, height)  # frame size in world units
    t = np.arange(frames) / fps  # (T,) seconds
    radii = [SIZES[o.size] for o in spec.objects]
    motion = _EVENTS[spec.event](spec, rng, t, w, h, radii)
    xs, ys = motion.xs, motion.ys
    if spec.direction == "left" and spec.event in ("hit", "occlude", "relation", "move"):
        # Every horizontal event is laid out moving right and mirrored; only "move" up/down is not.
        xs = [w - x for x in xs]
        if motion.wall is not None:
            left, right, top = motion.wall
            motion = replace(motion, wall=(w - right, w - left, top))
    pan_speed = {None: 0.0, "right": 1.0, "left": -1.0}[spec.pan] * rng.uniform(0.08, 0.11)
    camera_x = pan_speed * t
    texture = _texture(rng) if spec.background == "textured" else None
    bodies = tuple(
        Body(
            shape=o.shape,
            radius=r,
            x=np.asarray(x, np.float64) * np.ones(frames),
            y=np.asarray(y, np.float64) * np.ones(frames),
            rgb=np.tile(np.array(PALETTE[o.colour], np.float64), (frames, 1)),
            present=np.ones(frames, bool),
        )
        for o, r, x, y in zip(spec.objects, radii, xs, ys)
    )
    scale = min(width, height)
    events = replace(motion.events, pan_px_per_frame=pan_speed * scale / fps)
    if motion.wall is not None:
        events = _occlusion_events(events, bodies[0], motion.wall, frames)
    return Scene(
        spec=spec,
        seed=seed,
        width=width,
        height=height,
        fps=fps,
        bodies=bodies,
        camera_x=camera_x,
        texture=texture,
        floor_y=motion.floor_y,
        wall=motion.wall,
        events=events,
    )


@dataclass(frozen=True)
class _Motion:
    xs: list  # per object: (T,) array or a scalar for a still object
    ys: list
    events: Events = field(default_factory=Events)
    floor_y: float | None = None
    wall: tuple[float, float, float] | None = None


def _extra_in_band(rng: np.random.Generator, w: float, h: float, y_frac: float) -> tuple[float, float]:
    """A still bystander in a horizontal band that the event's motion never enters."""
    return rng.uniform(0.3, 0.7) * w, y_frac * h


def _move(spec, rng, t, w, h, radii) -> _Motion:
    if spec.direction in ("left", "right"):
        speed = rng.uniform(0.22, 0.3)
        x = rng.uniform(0.15, 0.28) * w + speed * t  # laid out moving right, mirrored for left
        y = rng.uniform(0.55, 0.7) * h
        xs, ys = [x], [y]
        if len(radii) > 1:
            ex, ey = _extra_in_band(rng, w, h, 0.2)
            xs.append(ex), ys.append(ey)
        return _Motion(xs, ys)
    speed = rng.uniform(0.18, 0.24) * (1 if spec.direction == "down" else -1)
    start = rng.uniform(0.2, 0.28) if spec.direction == "down" else rng.uniform(0.72, 0.8)
    xs, ys = [rng.uniform(0.2, 0.35) * w], [start * h + speed * t]
    if len(radii) > 1:
        xs.append(rng.uniform(0.68, 0.78) * w), ys.append(rng.uniform(0.35, 0.65) * h)
    return _Motion(xs, ys)


def _fall(spec, rng, t, w, h, radii) -> _Motion:
    floor_y = FLOOR * h
    r = radii[0]
    gravity = rng.uniform(1.8, 2.4)  # world units / s^2
    restitution = rng.uniform(0.55, 0.75)  # < 1: every bounce is lower than the one before
    y0 = rng.uniform(0.12, 0.22) * h + r
    y, impacts = _bouncing(t, y0, floor_y - r, gravity, restitution)
    xs, ys = [rng.uniform(0.22, 0.38) * w], [y]
    if len(radii) > 1:  # a bystander resting on the floor
        xs.append(rng.uniform(0.68, 0.8) * w), ys.append(floor_y - radii[1])
    fps = 1.0 / (t[1] - t[0]) if len(t) > 1 else 8.0
    bounce_frames = tuple(int(round(ti * fps)) for ti in impacts if ti * fps <= len(t) - 0.5)
    return _Motion(xs, ys, Events(bounce_frames=bounce_frames), floor_y=floor_y)


def _bouncing(t: np.ndarray, y0: float, y_rest: float, g: float, e: float) -> tuple[np.ndarray, list[float]]:
    """Height of a body dropped from rest at y0 onto a floor where its centre rests at y_rest."""
    drop = y_rest - y0
    impacts = [np.sqrt(2 * drop / g)]
    speed = np.sqrt(2 * g * drop) * e  # upward speed leaving the floor
    while impacts[-1] < t[-1] and speed > 1e-3:
        impacts.append(impacts[-1] + 2 * speed / g)
        speed *= e
    y = np.where(t < impacts[0], y0 + 0.5 * g * t**2, y_rest)
    speed = np.sqrt(2 * g * drop) * e
    for start, end in zip(impacts[:-1], impacts[1:]):
        s = t - start
        inside = (t >= start) & (t < end)
        y = np.where(inside, y_rest - speed * s + 0.5 * g * s**2, y)
        speed *= e
    return np.minimum(y, y_rest), impacts


def _hit(spec, rng, t, w, h, radii) -> _Motion:
    a, b = _Body1D(radii[0], spec.objects[0].shape), _Body1D(radii[1], spec.objects[1].shape)
    speed = rng.uniform(0.32, 0.42)
    contact_time = rng.uniform(0.5, 0.7)
    xb = rng.uniform(0.52, 0.6) * w
    xa0 = xb - b.half - a.half - speed * contact_time
    if xa0 < a.half + 0.02:  # keep the striker fully in view at the start
        xb += a.half + 0.02 - xa0
        xa0 = a.half + 0.02
    # 1-D collision, masses by area, then both slide to a stop under friction.
    ma, mb, e = a.radius**2, b.radius**2, 0.85
    va = (ma - e * mb) / (ma + mb) * speed
    vb = (1 + e) * ma / (ma + mb) * speed
    # Friction is set by how far B slides (0.2-0.3 units, less if the view ends first), so a
    # heavy B still moves visibly and a light one stays in view.
    room = w - b.half - 0.02 - xb
    friction = vb**2 / (2 * min(rng.uniform(0.2, 0.3), max(room, 0.05)))
    s = np.clip(t - contact_time, 0.0, None)  # time since contact
    xa = np.where(t < contact_time, xa0 + speed * t, xa0 + speed * contact_time + _slide(va, friction, s))
    xbt = xb + _slide(vb, friction, s)
    y = rng.uniform(0.55, 0.7) * h
    xs, ys = [xa, xbt], [y, y]
    if len(radii) > 2:
        ex, ey = _extra_in_band(rng, w, h, 0.2)
        xs.append(ex), ys.append(ey)
    fps = 1.0 / (t[1] - t[0]) if len(t) > 1 else 8.0
    contact_frame = int(np.ceil(contact_time * fps - 1e-9))
    events = Events(contact_frame=contact_frame if contact_frame < len(t) else None, contact_time=contact_time)
    return _Motion(xs, ys, events)


@dataclass(frozen=True)
class _Body1D:
    radius: float
    shape: str

    @property
    def half(self) -> float:
        return self.radius * (BOX_SCALE if self.shape == "box" else 1.0)


def _slide(v0: float, decel: float, s: np.ndarray) -> np.ndarray:
    """Distance covered by a body starting at speed v0 and slowing at `decel` until it stops."""
    stop = abs(v0) / decel
    s = np.minimum(s, stop)
    return np.sign(v0) * (abs(v0) * s - 0.5 * decel * s**2)


def _occlude(spec, rng, t, w, h, radii) -> _Motion:
    r = radii[0]
    half = r * (BOX_SCALE if spec.objects[0].shape == "box" else 1.0)
    wall_width = 2 * half + 0.1  # wider than the subject, so it is fully hidden for a moment
    wall_x = rng.uniform(0.45, 0.55) * w
    speed = rng.uniform(0.38, 0.46)
    cross = min(rng.uniform(0.85, 1.0), (wall_x - half - 0.02) / speed)  # seconds to the wall's centre
    x = wall_x + speed * (t - cross)
    wall = (wall_x - wall_width / 2, wall_x + wall_width / 2, WALL_TOP * h)
    xs, ys = [x], [rng.uniform(0.6, 0.72) * h]
    if len(radii) > 1:  # a bystander above the wall
        xs.append(rng.uniform(0.2, 0.8) * w), ys.append(0.15 * h)
    return _Motion(xs, ys, wall=wall)


def _occlusion_events(events: Events, body: Body, wall: tuple[float, float, float], frames: int) -> Events:
    left, right, _ = wall
    half = body.half_width
    hidden = np.flatnonzero((body.x - half >= left) & (body.x + half <= right))
    if len(hidden) == 0:
        return events
    first, last = int(hidden[0]), int(hidden[-1])
    reappear = last + 1 if last + 1 < frames else None
    return replace(events, hidden_frames=(first, last), reappear_frame=reappear)


def _relation(spec, rng, t, w, h, radii) -> _Motion:
    y = rng.uniform(0.5, 0.7) * h
    xs = [rng.uniform(0.62, 0.8) * w, rng.uniform(0.18, 0.32) * w]  # objects[0] on the right; mirrored for "left"
    ys = [y, y]
    if len(radii) > 2:
        ex, ey = _extra_in_band(rng, w, h, 0.2)
        xs.append(ex), ys.append(ey)
    return _Motion(xs, ys)


def _still(spec, rng, t, w, h, radii) -> _Motion:
    n = len(radii)
    xs = [((i + 0.5) / n + rng.uniform(-0.03, 0.03)) * w for i in range(n)]
    ys = [rng.uniform(0.35, 0.7) * h for _ in range(n)]
    return _Motion(xs, ys)


_EVENTS = {
    "move": _move,
    "fall": _fall,
    "still": _still,
    "hit": _hit,
    "occlude": _occlude,
    "relation": _relation,
}


def _texture(rng: np.random.Generator, components: int = 6) -> np.ndarray:
    """Random grey sinusoids with wavelengths of 0.15-0.4 world units: enough detail to see a pan."""
    k = rng.uniform(16.0, 40.0, components)  # rad per world unit
    angle = rng.uniform(0, np.pi, components)
    return np.stack([k * np.cos(angle), k * np.sin(angle), rng.uniform(0, 2 * np.pi, components), np.full(components, 11.0)], 1)
