"""Scene specs: what a clip of the procedural world shows, before any numbers are chosen.

    python -c "import world, numpy as np; print(world.sample_spec(np.random.default_rng(0)))"

A `SceneSpec` is the semantic content of a clip (which objects, which event, which background,
which camera). `world.physics.simulate` turns a spec plus a seed into concrete trajectories;
`world.captions` writes it as prompts; `world.parser` reads prompts back into specs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# RGB colours, chosen far apart in hue (OpenCV hue 0, 14, 28, 64, 113, 138 of 180) and saturated,
# so that colour segmentation separates them even at anti-aliased edges over a grey background.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (225, 45, 45),
    "orange": (245, 130, 20),
    "yellow": (240, 225, 40),
    "green": (50, 185, 70),
    "blue": (50, 90, 235),
    "purple": (155, 70, 215),
}
SHAPES = ("ball", "box", "triangle")
# Object radius as a fraction of the shorter frame side ("one world unit").
SIZES: dict[str, float] = {"small": 0.075, "medium": 0.1, "large": 0.13}
BACKGROUNDS = ("plain", "textured")
DIRECTIONS = ("left", "right", "up", "down")
HORIZONTAL = ("left", "right")

# The event a scene shows. The subject is always objects[0].
#   move      the subject moves in `direction` at constant speed
#   fall      the subject falls from rest, bounces on the floor, each bounce lower
#   still     every object stays where it is
#   hit       objects[0] moves in `direction` (left/right) and hits objects[1], which rests
#             until contact and then moves on
#   occlude   the subject moves left/right, passes behind a wall and comes out the other side
#   relation  objects[0] rests to the `direction` (left/right) of objects[1]
EVENTS = ("move", "fall", "still", "hit", "occlude", "relation")
# How many objects each event needs (the rest of the 1-3 objects stay still).
EVENT_OBJECTS: dict[str, tuple[int, int]] = {
    "move": (1, 2),
    "fall": (1, 2),
    "still": (1, 3),
    "hit": (2, 3),
    "occlude": (1, 2),
    "relation": (2, 3),
}
EVENT_DIRECTIONS: dict[str, tuple[str, ...]] = {
    "move": DIRECTIONS,
    "fall": (),
    "still": (),
    "hit": HORIZONTAL,
    "occlude": HORIZONTAL,
    "relation": HORIZONTAL,
}


@dataclass(frozen=True)
class ObjectSpec:
    shape: str  # one of SHAPES
    colour: str  # a key of PALETTE
    size: str = "medium"  # a key of SIZES

    def __post_init__(self) -> None:
        _check_choice("shape", self.shape, SHAPES)
        _check_choice("colour", self.colour, tuple(PALETTE))
        _check_choice("size", self.size, tuple(SIZES))

    @property
    def name(self) -> str:
        """'red ball': how captions and verdicts name the object."""
        return f"{self.colour} {self.shape}"


@dataclass(frozen=True)
class SceneSpec:
    objects: tuple[ObjectSpec, ...]  # 1-3 objects in distinct colours; objects[0] is the subject
    event: str  # one of EVENTS
    direction: str | None = None  # left/right/up/down where the event has one, else None
    background: str = "plain"  # plain grey or a textured grey (needed for a visible camera pan)
    pan: str | None = None  # None for a static camera, or "left"/"right"

    def __post_init__(self) -> None:
        _check_choice("event", self.event, EVENTS)
        low, high = EVENT_OBJECTS[self.event]
        if not low <= len(self.objects) <= high:
            raise ValueError(
                f"objects: a '{self.event}' scene has {low}-{high} objects, got {len(self.objects)}"
            )
        colours = [o.colour for o in self.objects]
        if len(set(colours)) != len(colours):
            raise ValueError(f"objects: colours must differ so each object can be told apart, got {colours}")
        allowed = EVENT_DIRECTIONS[self.event]
        if allowed and self.direction not in allowed:
            raise ValueError(f"direction: a '{self.event}' scene moves one of {list(allowed)}, got {self.direction!r}")
        if not allowed and self.direction is not None:
            raise ValueError(f"direction: a '{self.event}' scene has no direction, got {self.direction!r}")
        _check_choice("background", self.background, BACKGROUNDS)
        if self.pan is not None:
            _check_choice("pan", self.pan, HORIZONTAL)
            if self.background != "textured":
                raise ValueError("pan: a camera pan needs background='textured' to be visible")

    @property
    def subject(self) -> ObjectSpec:
        return self.objects[0]


def _check_choice(field: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{field}: expected one of {list(allowed)}, got {value!r}")


# How often each event is sampled. Interactions are oversampled: they are the hardest to learn.
EVENT_WEIGHTS: dict[str, float] = {
    "move": 0.24,
    "fall": 0.16,
    "still": 0.08,
    "hit": 0.2,
    "occlude": 0.16,
    "relation": 0.16,
}


def sample_spec(rng: np.random.Generator, event: str | None = None, pan: bool | None = None) -> SceneSpec:
    """Draw a random scene. `event` fixes the event; `pan` forces (True) or forbids (False) a pan."""
    if event is None:
        names = list(EVENT_WEIGHTS)
        weights = np.array([EVENT_WEIGHTS[n] for n in names])
        event = names[rng.choice(len(names), p=weights / weights.sum())]
    _check_choice("event", event, EVENTS)
    low, high = EVENT_OBJECTS[event]
    count = int(rng.integers(low, high + 1))
    colours = rng.choice(list(PALETTE), size=count, replace=False)
    objects = tuple(
        ObjectSpec(shape=str(rng.choice(SHAPES)), colour=str(c), size=str(rng.choice(list(SIZES))))
        for c in colours
    )
    directions = EVENT_DIRECTIONS[event]
    direction = str(rng.choice(directions)) if directions else None
    if pan is None:
        pan = bool(rng.random() < 0.25)
    background = "textured" if pan or rng.random() < 0.4 else "plain"
    return SceneSpec(
        objects=objects,
        event=event,
        direction=direction,
        background=background,
        pan=str(rng.choice(HORIZONTAL)) if pan else None,
    )
