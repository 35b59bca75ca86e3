"""The procedural physics world: scene specs, physics, rendering, captions and a prompt parser.

    python -m world render --prompt "a red ball falls and bounces" --seed 0 --frames 16 --size 64x64 --out clip.mp4

It imports neither `pipeline` nor `eval`: it is the ground truth both of them build on.
"""

from world.captions import detailed_caption, short_prompt
from world.expectation import Expectation, Thing, expectation_for
from world.parser import ParsedPrompt, parse
from world.spec import PALETTE, SHAPES, SIZES, ObjectSpec, SceneSpec, sample_spec

__all__ = [
    "PALETTE",
    "SHAPES",
    "SIZES",
    "Expectation",
    "ObjectSpec",
    "ParsedPrompt",
    "SceneSpec",
    "Thing",
    "detailed_caption",
    "expectation_for",
    "parse",
    "sample_spec",
    "short_prompt",
]
