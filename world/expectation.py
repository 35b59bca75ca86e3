"""Expected outcomes: what a correct video of a prompt must show, in terms the probes can check.

    python -c "import world; print(world.parse('a red ball moves right').expectation.probes())"

An `Expectation` is model-agnostic: it names objects by colour and shape (either may be left
open for prompts outside the world) and states the motion facts the failure probes test.
World prompts get one from `expectation_for(spec)`; natural prompts for real models write one
out in YAML (see prompts/probes/), read with `Expectation.from_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from world.spec import DIRECTIONS, HORIZONTAL, PALETTE, SHAPES, SceneSpec


@dataclass(frozen=True)
class Thing:
    colour: str | None  # a PALETTE colour, or None to find it by motion instead of colour
    shape: str | None = None  # one of SHAPES, or None when any shape will do

    def __post_init__(self) -> None:
        if self.colour is not None and self.colour not in PALETTE:
            raise ValueError(f"colour: expected one of {list(PALETTE)} or null, got {self.colour!r}")
        if self.shape is not None and self.shape not in SHAPES:
            raise ValueError(f"shape: expected one of {list(SHAPES)} or null, got {self.shape!r}")

    @property
    def name(self) -> str:
        noun = self.shape or "object"
        return f"{self.colour} {noun}" if self.colour else f"moving {noun}"


@dataclass(frozen=True)
class Expectation:
    objects: tuple[Thing, ...]  # everything that should be in the scene; objects[0] is the subject
    direction: str | None = None  # where the subject travels in the world (camera motion removed)
    relation: str | None = None  # "left"/"right": objects[0] rests on that side of objects[1]
    falls: bool = False  # the subject falls under gravity and bounces, each bounce lower
    strikes: bool = False  # objects[0] hits objects[1], which starts moving only after contact
    occluded: bool = False  # the subject passes behind something and comes back out unchanged
    camera: str | None = None  # the camera pan the prompt asks for; probes compensate any pan

    def __post_init__(self) -> None:
        if not self.objects:
            raise ValueError("objects: an expectation names at least one object")
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise ValueError(f"direction: expected one of {list(DIRECTIONS)} or null, got {self.direction!r}")
        if self.relation is not None and self.relation not in HORIZONTAL:
            raise ValueError(f"relation: expected one of {list(HORIZONTAL)} or null, got {self.relation!r}")
        if (self.relation or self.strikes) and len(self.objects) < 2:
            raise ValueError("objects: a relation or a strike needs two objects")
        if self.camera is not None and self.camera not in HORIZONTAL:
            raise ValueError(f"camera: expected one of {list(HORIZONTAL)} or null, got {self.camera!r}")

    @property
    def subject(self) -> Thing:
        return self.objects[0]

    def probes(self) -> tuple[str, ...]:
        """The probes this expectation calls for, in the order they are reported."""
        names = ["presence"]
        if self.direction in HORIZONTAL or self.relation is not None:
            names.append("left_right")
        if self.falls:
            names.append("gravity")
        if self.strikes:
            names.append("causality")
        names.append("permanence")
        return tuple(names)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["objects"] = [asdict(t) for t in self.objects]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Expectation":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"expectation: unknown keys {sorted(unknown)}; allowed: {sorted(known)}")
        if "objects" not in data:
            raise ValueError("expectation: 'objects' is required (a list of {colour, shape})")
        objects = []
        for item in data["objects"]:
            extra = set(item) - {"colour", "shape"}
            if extra:
                raise ValueError(f"expectation.objects: unknown keys {sorted(extra)}; allowed: ['colour', 'shape']")
            objects.append(Thing(colour=item.get("colour"), shape=item.get("shape")))
        return cls(**{**data, "objects": tuple(objects)})


def expectation_for(spec: SceneSpec) -> Expectation:
    """The outcome a correct video of `spec` shows."""
    things = tuple(Thing(colour=o.colour, shape=o.shape) for o in spec.objects)
    event = spec.event
    return Expectation(
        objects=things,
        direction=spec.direction if event in ("move", "hit", "occlude") else None,
        relation=spec.direction if event == "relation" else None,
        falls=event == "fall",
        strikes=event == "hit",
        occluded=event == "occlude",
        camera=spec.pan,
    )
