"""Corrupted twins of ground-truth clips: the mistakes a broken video model makes.

    python -m eval.probes.validate --n 200 --seed 0

Each corruption takes a rendered world clip and returns new frames (T, H, W, 3) uint8, either
by editing the frames (mirror, time reversal) or by editing the scene's bodies and rendering
again, so the twin is as clean as the original except for the one mistake.

Edge twins (the last section) sit just either side of one rule's threshold: a sink just past the
floor tolerance and one just within it, the struck object setting off one frame before contact
and one frame after, travel just under and just over the minimum, a camera pan that alone would
flip the verdict. Each carries the verdict it must get (`expected`: FAIL or PASS), so a probe
whose threshold moves, or whose check is gone, gets them wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from eval.probes import causality, gravity, left_right
from eval.probes.verdict import FAIL, PASS
from world import PALETTE, expectation_for
from world.physics import Body, _texture
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


def absent_beside_same_hue(clip: Clip, rng: np.random.Generator) -> np.ndarray:
    """A negative for the realistic style: the subject is missing and a static prop in its hue (a red towel
    for a red ball) is in the background. A probe that takes the prop for the subject passes it wrongly."""
    from world.look import Prop, jittered

    subject = clip.scene.bodies[0]
    name = next((n for n, rgb in PALETTE.items() if np.allclose(subject.rgb[0], rgb)), None)
    look = clip.look
    if look is not None and name is not None and not any(p.same_hue_as == 0 for p in look.props):
        w, h = clip.scene.width / clip.scene.scale, clip.scene.height / clip.scene.scale
        pw, ph = rng.uniform(0.3, 0.45) * w, rng.uniform(0.08, 0.14) * h  # a towel: long and low
        x0, y0 = rng.uniform(0, w - pw), rng.uniform(0.4 * h, h - ph)
        look = replace(look, props=look.props + (Prop(x0, y0, x0 + pw, y0 + ph, jittered(name, rng), 0),))
    gone = replace(subject, present=np.zeros_like(subject.present))
    return render(clip.scene.with_bodies((gone,) + clip.scene.bodies[1:]), look).frames


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
    return render(scene.with_bodies(scene.bodies + (copy,)), clip.look).frames


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
    return render(scene.with_bodies((replace(subject, present=before),) + scene.bodies[1:] + pieces), clip.look).frames


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
    return render(scene.with_bodies(streak + scene.bodies[1:]), clip.look).frames


def _draw(clip: Clip, index: int, body: Body) -> np.ndarray:
    bodies = list(clip.scene.bodies)
    bodies[index] = body
    return render(clip.scene.with_bodies(tuple(bodies)), clip.look).frames


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


# ----------------------------------------------------------------------------------------
# Edge twins: just either side of one rule's threshold
# ----------------------------------------------------------------------------------------


def _expect(status: str) -> Callable:
    def mark(twin: Callable) -> Callable:
        twin.expected = status
        return twin

    return mark


SINK_MARGIN = 1.0  # px either side of gravity's floor tolerance: the tracker's error on a sink (5-95%: -0.6..+1.0 px)
TRAVEL_MARGIN = 0.25  # share of left_right's minimum travel either side of it (0.0375 W and 0.0625 W)
CLEAR_STEP = 2.5  # px: the struck object's first step, well past causality's 1 px onset


@_expect(FAIL)
def sunk_past_tolerance(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """After its bounces, the ball ends just deeper than the floor tolerance below the floor it hit."""
    return _sunk(clip, gravity.HEIGHT_TOL + SINK_MARGIN)


@_expect(PASS)
def sunk_within_tolerance(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """The same, just within the tolerance: sampling noise, not sinking."""
    return _sunk(clip, gravity.HEIGHT_TOL - SINK_MARGIN)


def _sunk(clip: Clip, depth_px: float) -> np.ndarray | None:
    """The last frame lowered to depth_px past the floor bound that the probe's rule gives for the
    true track (its contacts kept); None where that cannot be drawn: the contacts would change, or
    the ball would leave the frame."""
    scene = clip.scene
    body = scene.bodies[0]
    y = body.y * scene.scale  # (T,) true centres, px, down is +
    contacts = gravity.floor_contacts(y)
    if not contacts:
        return None
    sunk = y.copy()
    sunk[-1] = gravity.floor_bound(y, contacts) + depth_px
    bottom = sunk[-1] + body.radius * scene.scale  # px: the lowest the shape reaches
    if gravity.floor_contacts(sunk) != contacts or bottom > scene.height - 1:
        return None
    return _draw(clip, 0, replace(body, y=sunk / scene.scale))


@_expect(FAIL)
def struck_a_frame_early(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """The struck object sets off one frame before the striker reaches it."""
    return _struck(clip, onset_after_contact=-1)


@_expect(PASS)
def struck_a_frame_late(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """It sets off one frame after contact, as a heavy object pushed from rest may."""
    return _struck(clip, onset_after_contact=1)


def _struck(clip: Clip, onset_after_contact: int) -> np.ndarray | None:
    """The hit rebuilt frame by frame: the striker well clear of the struck object until the
    contact frame, touching it there; the struck object at rest until its onset, then a clear first
    step and its own slide."""
    scene = clip.scene
    a, b = scene.bodies[0], scene.bodies[1]
    contact = scene.events.contact_frame
    s, t_last = scene.scale, scene.frames - 1
    if contact is None or not 2 <= contact + onset_after_contact < t_last:
        return None
    way = float(np.sign(b.x[-1] - b.x[0]) or 1.0)  # the direction b is pushed
    touch = a.half_width + b.half_width  # centre distance at contact, world units
    # comfortably more than causality's touching gap (half the striker's 90th-percentile step + 1.5 px)
    step = float(np.percentile(np.abs(np.diff(a.x)), 90)) * s
    clear = (0.5 * step + 1.5 + 3.0) / s

    onset = contact + onset_after_contact
    slide = np.abs(b.x - b.x[0])  # (T,) how far b has gone, as simulated
    xb = np.full(scene.frames, b.x[0])
    for i in range(onset, scene.frames):
        xb[i] = b.x[0] + way * max(slide[min(contact + 1 + i - onset, t_last)], CLEAR_STEP / s)
    xa = a.x.copy()
    xa[:contact] = np.where(way > 0, np.minimum(xa[:contact], xb[:contact] - touch - clear),
                            np.maximum(xa[:contact], xb[:contact] + touch + clear))
    xa[contact] = xb[contact] - way * touch
    after = xa[contact] + (a.x[contact:] - a.x[contact])  # its own rebound or follow-through
    xa[contact:] = np.where(way > 0, np.minimum(after, xb[contact:] - touch), np.maximum(after, xb[contact:] + touch))
    bodies = (replace(a, x=xa), replace(b, x=xb)) + scene.bodies[2:]
    return render(scene.with_bodies(bodies), clip.look).frames


@_expect(FAIL)
def travel_under_minimum(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """The subject drifts the named way, but a quarter less than the probe's minimum travel."""
    return _travel(clip, (1 - TRAVEL_MARGIN) * left_right.MIN_TRAVEL)


@_expect(PASS)
def travel_over_minimum(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """The subject moves the named way a quarter more than the minimum."""
    return _travel(clip, (1 + TRAVEL_MARGIN) * left_right.MIN_TRAVEL)


@_expect(FAIL)
def pan_fakes_motion(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """The subject stands still; the camera pans so that on screen it goes the named way (0.15 W)."""
    return _travel(clip, 0.0, camera_share=-0.15, rng=rng)


@_expect(PASS)
def pan_hides_motion(clip: Clip, rng: np.random.Generator) -> np.ndarray | None:
    """The subject goes the named way (0.1 W) while the camera pans twice as far the same way, so
    on screen it goes the other way."""
    return _travel(clip, 0.1, camera_share=0.2, rng=rng)


def _travel(clip: Clip, share: float, camera_share: float = 0.0, rng: np.random.Generator | None = None) -> np.ndarray | None:
    """The subject moving steadily the named way by share * width (world), the camera panning the
    same way by camera_share * width (negative: the other way); a pan gets a textured background
    if the scene has none, so the pan can be seen. With no camera_share the camera stands still,
    whatever the clip did: the travel twins test the minimum, the pan twins the pan (estimating a
    pan moves a travel by about a quarter of the minimum, which would blur the edge)."""
    scene = clip.scene
    way = {"right": 1.0, "left": -1.0}.get(expectation_for(scene.spec).direction)
    if way is None:
        return None
    width = scene.width / scene.scale  # world units
    ramp = np.linspace(0.0, 1.0, scene.frames)  # (T,)
    subject = scene.bodies[0]
    x = subject.x[0] + way * share * width * ramp
    if camera_share:
        texture = scene.texture if scene.texture is not None else _texture(rng)
        scene = replace(scene, camera_x=scene.camera_x[0] + way * camera_share * width * ramp, texture=texture)
    else:
        scene = replace(scene, camera_x=np.full_like(scene.camera_x, scene.camera_x[0]))
    return render(scene.with_bodies((replace(subject, x=x),) + scene.bodies[1:]), clip.look).frames


EDGES = {  # probe -> its edge twins
    "gravity": (sunk_past_tolerance, sunk_within_tolerance),
    "causality": (struck_a_frame_early, struck_a_frame_late),
    "left_right": (travel_under_minimum, travel_over_minimum, pan_fakes_motion, pan_hides_motion),
}
