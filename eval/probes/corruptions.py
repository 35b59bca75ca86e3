"""Corrupted twins of ground-truth clips: the mistakes a broken video model makes.

    python -m eval.probes.validate --n 200 --seed 0

Each corruption takes a rendered world clip and returns new frames (T, H, W, 3) uint8, either
by editing the frames (mirror, time reversal) or by editing the scene's bodies and rendering
again, so the twin is as clean as the original except for the one mistake.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from world import PALETTE
from world.physics import Body
from world.render import Clip, render


def mirrored(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """Left and right swapped."""
    return clip.frames[:, :, ::-1].copy()


def time_reversed(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """Played backwards: a falling ball rises and gains height at every bounce."""
    return clip.frames[::-1].copy()


def early_strike(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The struck object sets off 3-5 frames before the striker reaches it."""
    scene = clip.scene
    lead = rng.uniform(0.375, 0.625) * scene.fps  # frames
    struck = scene.bodies[1]
    t = np.arange(scene.frames)
    x = np.interp(t + lead, t, struck.x)  # the same path, earlier; it rests at the end as before
    return _draw(clip, 1, replace(struck, x=x))


def removed(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The subject is missing altogether."""
    subject = clip.scene.bodies[0]
    return _draw(clip, 0, replace(subject, present=np.zeros_like(subject.present)))


def recoloured(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The subject has another colour throughout."""
    return _draw(clip, 0, _recolour(clip, rng, start=0))


def reshaped(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The subject has another shape throughout: a ball for a box and back, a triangle becomes either."""
    subject = clip.scene.bodies[0]
    other = {"ball": "box", "box": "ball", "triangle": str(rng.choice(["ball", "box"]))}[subject.shape]
    return _draw(clip, 0, replace(subject, shape=other))


def deleted_later(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The subject is gone from the moment it should come out from behind the wall (or mid-clip)."""
    subject = clip.scene.bodies[0]
    present = subject.present.copy()
    present[_change_frame(clip) :] = False
    return _draw(clip, 0, replace(subject, present=present))


def recoloured_later(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The subject comes back from behind the wall (or carries on mid-clip) in another colour."""
    return _draw(clip, 0, _recolour(clip, rng, start=_change_frame(clip)))


def duplicated(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """A second copy of the subject appears and moves alongside it."""
    scene = clip.scene
    subject = scene.bodies[0]
    start = _change_frame(clip)
    dx, dy = _free_offset(clip, 2.6 * subject.radius)
    present = subject.present.copy()
    present[:start] = False
    copy = replace(subject, x=subject.x + dx, y=subject.y + dy, present=present)
    return render(scene.with_bodies(scene.bodies + (copy,))).frames


def split(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The subject breaks into two half-size pieces that travel side by side."""
    scene = clip.scene
    subject = scene.bodies[0]
    start = _change_frame(clip)
    dx, dy = _free_offset(clip, 1.0 * subject.radius)
    before = subject.present.copy()
    before[start:] = False
    after = subject.present.copy()
    after[:start] = False
    half = subject.radius / np.sqrt(2.0)
    pieces = tuple(
        replace(subject, radius=half, x=subject.x + sign * dx, y=subject.y + sign * dy, present=after) for sign in (-1, 1)
    )
    return render(scene.with_bodies((replace(subject, present=before),) + scene.bodies[1:] + pieces)).frames


def smeared(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """The subject is streaked along its motion (sideways if it does not move) to about twice its
    length, kept inside the frame: what an undertrained model draws for a moving object."""
    scene = clip.scene
    subject = scene.bodies[0]
    dx, dy = np.ptp(subject.x), np.ptp(subject.y)
    norm = np.hypot(dx, dy)
    ux, uy = (dx / norm, dy / norm) if norm > 1e-6 else (1.0, 0.0)
    r = subject.radius
    w, h = scene.width / scene.scale, scene.height / scene.scale

    def margin(offsets: np.ndarray) -> float:  # closest approach of any copy to a frame edge
        x = (subject.x - scene.camera_x)[:, None] + offsets * ux
        y = subject.y[:, None] + offsets * uy
        return float(min(np.min(x - r), np.min(w - x - r), np.min(y - r), np.min(h - y - r)))

    offsets = max((np.linspace(-r, r, 5), np.linspace(0, 2 * r, 5), np.linspace(-2 * r, 0, 5)), key=margin)
    streak = tuple(replace(subject, x=subject.x + s * ux, y=subject.y + s * uy) for s in offsets)
    return render(scene.with_bodies(streak + scene.bodies[1:])).frames


def _draw(clip: Clip, index: int, body: Body) -> np.ndarray:
    bodies = list(clip.scene.bodies)
    bodies[index] = body
    return render(clip.scene.with_bodies(tuple(bodies))).frames


def _change_frame(clip: Clip) -> int:
    """Where a later corruption starts: as the subject leaves the wall, else half way."""
    events = clip.truth.events
    if events.reappear_frame is not None:
        return events.reappear_frame
    return clip.scene.frames // 2


def _recolour(clip: Clip, rng: np.random.Generator, start: int) -> Body:
    used = {o.colour for o in clip.scene.spec.objects}
    colour = str(rng.choice(sorted(set(PALETTE) - used)))
    subject = clip.scene.bodies[0]
    rgb = subject.rgb.copy()
    rgb[start:] = PALETTE[colour]
    return replace(subject, rgb=rgb)


def _free_offset(clip: Clip, distance: float) -> tuple[float, float]:
    """An offset, across the subject's motion, that keeps copies in view and off other objects."""
    scene = clip.scene
    subject = scene.bodies[0]
    w = scene.width / scene.scale
    h = scene.height / scene.scale
    moving_sideways = np.ptp(subject.x) >= np.ptp(subject.y)
    candidates = [(0.0, -distance), (0.0, distance)] if moving_sideways else [(-distance, 0.0), (distance, 0.0)]

    def room(offset: tuple[float, float]) -> float:
        x = subject.x + offset[0] - scene.camera_x
        y = subject.y + offset[1]
        r = subject.radius
        margin = min(np.min(x - r), np.min(w - x - r), np.min(y - r), np.min(h - y - r))
        for other in scene.bodies[1:]:
            gap = np.hypot(other.x - subject.x - offset[0], other.y - y) - other.radius - r
            margin = min(margin, float(np.min(gap)))
        return margin

    return max(candidates, key=room)
