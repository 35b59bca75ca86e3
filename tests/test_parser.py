"""Tests for the caption grammar: captions (en, zh), the lexicon and the prompt parser.

    .venv/bin/python -m pytest -q tests/test_parser.py
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import world
from world import (
    ObjectSpec,
    ParsedPrompt,
    SceneSpec,
    detailed_caption,
    expectation_for,
    parse,
    sample_spec,
    short_prompt,
)
from world.lexicon import LEXICON
from world.spec import EVENTS, PALETTE, SHAPES, SIZES

SPECS = [sample_spec(np.random.default_rng(seed)) for seed in range(1000)]


def _spec(*objects: tuple[str, str], event: str, direction: str | None = None, pan: str | None = None) -> SceneSpec:
    return SceneSpec(
        objects=tuple(ObjectSpec(shape=shape, colour=colour) for colour, shape in objects),
        event=event,
        direction=direction,
        background="textured" if pan else "plain",
        pan=pan,
    )


# ---------------------------------------------------------------- (a) round trips


def test_sampled_specs_cover_the_grammar() -> None:
    # The round trips below only mean something if the samples exercise every case.
    assert {s.event for s in SPECS} == set(EVENTS)
    assert {o.shape for s in SPECS for o in s.objects} == set(SHAPES)
    assert {o.size for s in SPECS for o in s.objects} == set(SIZES)
    assert {s.pan for s in SPECS} == {None, "left", "right"}
    assert {len(s.objects) for s in SPECS} == {1, 2, 3}
    assert {s.direction for s in SPECS if s.event == "move"} == {"left", "right", "up", "down"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_short_prompt_gives_back_the_expectation(lang: str) -> None:
    for spec in SPECS:
        parsed = parse(short_prompt(spec, lang))
        assert parsed.expectation == expectation_for(spec), short_prompt(spec, lang)
        assert parsed.language == lang


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_detailed_caption_gives_back_the_whole_spec(lang: str) -> None:
    for spec in SPECS:
        parsed = parse(detailed_caption(spec, lang))
        assert parsed.spec == spec, detailed_caption(spec, lang)
        assert parsed.expectation == expectation_for(spec)
        assert parsed.caption == detailed_caption(spec, "en")


def test_short_prompt_drops_what_the_expectation_ignores() -> None:
    # The short prompt leaves sizes and background out, so they come back as the defaults.
    spec = SceneSpec(
        objects=(ObjectSpec("ball", "red", "large"), ObjectSpec("box", "blue", "small")),
        event="hit",
        direction="left",
        background="textured",
    )
    parsed = parse(short_prompt(spec))
    assert parsed.spec.objects == (ObjectSpec("ball", "red"), ObjectSpec("box", "blue"))
    assert parsed.spec.background == "plain"
    assert parsed.expectation == expectation_for(spec)


@pytest.mark.parametrize(
    ("spec", "en", "zh"),
    [
        (_spec(("red", "ball"), event="move", direction="right"), "a red ball moves right", "红色的球向右移动"),
        (_spec(("red", "ball"), event="fall"), "a red ball falls and bounces", "红色的球落下并弹起"),
        (_spec(("red", "ball"), event="still"), "a red ball stays still", "红色的球静止不动"),
        (
            _spec(("red", "ball"), ("blue", "box"), event="hit", direction="right"),
            "a red ball moves right and hits a blue box",
            "红色的球向右移动并撞上蓝色的方块",
        ),
        (
            _spec(("red", "ball"), event="occlude", direction="right"),
            "a red ball moves right behind a wall",
            "红色的球向右移动并从墙后穿过",
        ),
        (
            _spec(("red", "ball"), ("blue", "box"), event="relation", direction="left"),
            "a red ball to the left of a blue box",
            "红色的球在蓝色的方块的左边",
        ),
        (
            _spec(("orange", "ball"), ("green", "triangle"), event="move", direction="up", pan="left"),
            "an orange ball moves up, and a green triangle stays still, the camera pans left",
            "橙色的球向上移动，绿色的三角形静止不动，镜头向左平移",
        ),
        (
            _spec(("red", "ball"), ("blue", "box"), ("green", "triangle"), event="still"),
            "a red ball, a blue box and a green triangle stay still",
            "红色的球、蓝色的方块和绿色的三角形静止不动",
        ),
    ],
)
def test_canonical_short_prompts(spec: SceneSpec, en: str, zh: str) -> None:
    assert short_prompt(spec, "en") == en
    assert short_prompt(spec, "zh") == zh
    assert parse(en).spec == spec
    assert parse(zh).spec == spec


def test_detailed_caption_names_sizes_background_and_camera() -> None:
    spec = SceneSpec(
        objects=(ObjectSpec("triangle", "purple", "small"), ObjectSpec("ball", "yellow", "large")),
        event="relation",
        direction="right",
        background="textured",
        pan="right",
    )
    en = detailed_caption(spec)
    assert en == (
        "A small purple triangle rests to the right of a large yellow ball. "
        "The background is textured light grey. The camera pans to the right."
    )
    zh = detailed_caption(spec, "zh")
    assert zh == "一个小的紫色三角形静止在一个大的黄色球的右边。背景是浅灰色的纹理背景。镜头向右平移。"


def test_unknown_language_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"lang: expected one of \['en', 'zh'\], got 'fr'"):
        short_prompt(SPECS[0], "fr")


# ---------------------------------------------------------------- (b) variants


@pytest.mark.parametrize(
    ("canonical", "variants"),
    [
        (
            "a red ball moves left",
            [
                "a red ball moves to the left",
                "a red ball moves leftward",
                "a red ball slides leftwards",
                "a red ball travels from right to left",
                "A red ball is moving to the left.",
                "红色的球向左移动",
                "红色的球从右向左移动",
                "红色的圆球往左滑动",
            ],
        ),
        (
            "a red ball moves right and hits a blue box",
            [
                "a red ball moves right and hits a blue cube",
                "a red sphere moves to the right and strikes a blue square",
                "a red ball moves from left to right and bumps into a blue block",
                "a blue box stays still. the red ball moves right and hits the blue box",
                "红色的球向右移动并撞上蓝色的方块",
                "红球从左向右滑动，撞到蓝色的立方体",
            ],
        ),
        (
            "a red ball falls and bounces",
            ["a red ball falls", "a red sphere drops", "a red ball falls down", "红色的球落下", "红色的球掉落并弹起"],
        ),
        (
            "a red ball moves right behind a wall",
            ["a red ball passes behind a wall from left to right", "红色的球从左向右移动，从墙后面穿过"],
        ),
        (
            "a red ball to the left of a blue box",
            ["a red sphere is left of a blue cube", "红色的球在蓝色的方块的左侧", "红球位于蓝色立方体左边"],
        ),
        (
            "a red ball stays still, the camera pans left",
            [
                "a red ball does not move, the camera pans to the left",
                "the camera is panning leftward and a red ball rests",
                "红色的球静止不动，镜头向左平移",
            ],
        ),
        (
            "a red ball moves up, the camera is static",
            ["a red ball moves upward", "a red ball goes straight up", "红色的球向上移动，镜头固定不动"],
        ),
    ],
)
def test_variants_parse_to_the_same_expectation(canonical: str, variants: list[str]) -> None:
    expected = parse(canonical).expectation
    for variant in variants:
        assert parse(variant).expectation == expected, variant


def test_defaults() -> None:
    # Sizes default to medium, the background to plain (textured once the camera pans).
    assert parse("a ball moves right").spec == _spec(("red", "ball"), event="move", direction="right")
    assert parse("a red ball moves right, the camera pans left").spec.background == "textured"
    # A colourless object takes the first colour nobody else has: red is taken, so orange.
    parsed = parse("a ball moves right and hits a red box")
    assert [o.colour for o in parsed.spec.objects] == ["orange", "red"]
    assert parse("a tiny red ball moves right").spec.subject.size == "small"
    assert parse("一个大的红色球向右移动").spec.subject.size == "large"


def test_subject_and_target_come_first_whatever_the_mention_order() -> None:
    parsed = parse("a green triangle stays still, the camera pans right, and a red ball moves left and hits a blue box")
    assert [o.name for o in parsed.spec.objects] == ["red ball", "blue box", "green triangle"]
    assert parsed.spec.event == "hit" and parsed.spec.direction == "left" and parsed.spec.pan == "right"


def test_language_is_detected_and_caption_is_english() -> None:
    parsed = parse("红色的球向右移动")
    assert isinstance(parsed, ParsedPrompt)
    assert parsed.language == "zh"
    assert parsed.caption == (
        "A medium red ball moves steadily to the right across the frame. "
        "The background is plain light grey. The camera is static."
    )


def test_full_width_punctuation_and_case() -> None:
    assert parse("A RED Ball moves RIGHT!!").spec == parse("a red ball moves right").spec
    assert parse("红色的球向右移动。 镜头向左平移！").spec.pan == "left"


# ---------------------------------------------------------------- (c) unknown words


def test_unknown_english_words_are_named_and_the_grammar_listed() -> None:
    with pytest.raises(ValueError) as err:
        parse("a red dog jumps over a blue box")
    message = str(err.value)
    assert message.startswith("unknown words: 'dog', 'jumps', 'over'.")
    for listed in ("colours red, orange, yellow, green, blue, purple", "shapes ball (sphere), box (cube", "sizes small"):
        assert listed in message
    for part in ("motions", "directions left, right, up, down", "camera", "background plain, textured"):
        assert part in message
    assert "'red'" not in message  # known words are not reported


def test_unknown_chinese_characters_are_named() -> None:
    with pytest.raises(ValueError, match=r"unknown word: '狗'\. The world understands colours 红色"):
        parse("红色的狗向右移动")
    with pytest.raises(ValueError, match=r"unknown word: 'ball'"):
        parse("红色的ball向右移动")


# ---------------------------------------------------------------- (d) conflicts


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("a red ball moves right and falls", r"the red ball is given two events \('moves', 'falls'\)"),
        ("a red ball moves right and a blue box falls", r"two events: the red ball 'moves' and the blue box 'falls'"),
        ("a red ball hits", r"'hits' has no object after it"),
        ("a red ball to the left of", r"'to the left of' has no object after it"),
        ("a red ball moves right and hits the red ball", r"'hits' needs another object"),
        ("a red ball falls to the left", r"'falls' takes no direction, got 'to the left'"),
        ("a red ball moves up and hits a blue box", r"'hits' goes left or right, got 'up'"),
        ("a red ball moves down behind a wall", r"'behind a wall' goes left or right, got 'down'"),
        ("a red ball moves left and right", r"two directions: 'left' and 'right'"),
        ("a red ball stays still to the right", r"'stays still' takes no direction"),
        ("a red ball to the left of a blue box moves right", r"given two events"),
        ("a red ball moves right and a red box stays still", r"two objects share the colour red"),
        ("a red ball, a blue box, a green ball and a yellow box stay still", r"at most 3 objects"),
        ("a red ball moves right, a blue box and a green triangle stay still", r"'move' scene shows 1-2 objects, got 3"),
        ("a small large red ball moves right", r"one object cannot be both 'small' and 'large'"),
        ("a small red ball moves right and a large red ball stays still", r"cannot be both 'small' and 'large'"),
        ("a red moves right", r"'red' is not followed by a shape"),
        ("a red ball moves right, the camera pans up", r"the camera pans left or right, got 'up'"),
        ("a red ball moves right, the camera pans", r"'pans' needs a side"),
        ("a red ball moves right, the camera falls", r"the camera .* cannot 'falls'"),
        ("a red ball pans left", r"'pans' is what the camera does"),
        ("a red ball moves right on a plain background, the camera pans left", r"needs a textured background"),
        ("a red ball moves right on a plain textured background", r"background cannot be both 'plain' and 'textured background'"),
        ("moves right", r"'moves' comes before any object"),
        ("the camera pans left", r"no object named"),
        ("", r"empty prompt"),
        ("红色的球左边是蓝色的方块", r"'左边' needs the object it is next to first"),
        ("红色的球在蓝色的方块", r"with no side"),
        ("红色的球向右落下", r"'落下' takes no direction, got '向右'"),
    ],
)
def test_conflicts_raise_clear_errors(prompt: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(prompt)


# ---------------------------------------------------------------- lexicon, exports, speed


def test_lexicon_is_consistent_with_the_spec() -> None:
    for lang, kinds in LEXICON.items():
        assert set(kinds["colour"].values()) == set(PALETTE), lang
        assert set(kinds["shape"].values()) == set(SHAPES), lang
        assert set(kinds["size"].values()) == set(SIZES), lang
        assert set(kinds["motion"].values()) == {"move", "fall", "still", "hit", "occlude"}, lang
        assert set(kinds["direction"].values()) == {"left", "right", "up", "down"}, lang
        assert set(kinds["relation"].values()) == {"left", "right"}, lang
        surfaces = [s for forms in kinds.values() for s in forms]
        assert len(surfaces) == len(set(surfaces)), f"{lang}: a form listed under two kinds"
        assert all(s == s.lower().strip() and "  " not in s for s in surfaces), lang


def test_world_exports_the_parser() -> None:
    assert world.parse is parse and world.ParsedPrompt is ParsedPrompt
    assert world.short_prompt is short_prompt and world.detailed_caption is detailed_caption
    for name in ("parse", "ParsedPrompt", "short_prompt", "detailed_caption"):
        assert name in world.__all__


def test_parse_is_fast() -> None:
    prompts = [short_prompt(s, "en" if i % 2 else "zh") for i, s in enumerate(SPECS)]
    start = time.perf_counter()
    for prompt in prompts:
        parse(prompt)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"1,000 parses took {elapsed:.2f} s"


@pytest.mark.parametrize(("prompt", "direction", "note"), [
    ("a red ball moves", "right", "'moves' was given no direction: it goes right"),
    ("a red ball passes behind a wall", "right", "'passes behind a wall' was given no direction"),
    ("a green ball hits a yellow ball", "right", "'hits' was given no direction"),
])
def test_a_missing_direction_is_completed_with_a_note(prompt, direction, note):
    parsed = parse(prompt)
    assert parsed.spec.direction == direction
    assert any(note in n for n in parsed.notes)


def test_symbols_and_emoji_are_left_out_and_named():
    parsed = parse("a red ball 🎈 falls ™")
    assert parsed.spec == parse("a red ball falls").spec  # ™ is not read as 'tm'
    assert parsed.notes and "'🎈'" in parsed.notes[0] and "'™'" in parsed.notes[0]
    assert parse("a red ball falls.").notes == ()
