"""Training and evaluation data for the world encoder: scenes, their one-thing-different twins, batches.

    python -c "import numpy as np; from eval.world_encoder.data import twins, held_out_spec; s = held_out_spec(np.random.default_rng(0)); print(s); print(twins(s, np.random.default_rng(0)))"

A twin of a scene differs from it in one thing only (the direction mirrored, the subject's
colour, shape or size, ...): its caption is a hard negative for the scene's clip. Video-side
hard negatives are edits of the clip that its caption no longer describes: played backwards,
mirrored, the struck object setting off before the contact, the subject vanishing
(eval.probes.corruptions). Scenes whose subject is a held-out (colour, shape, event) of
pipeline.tinyworld.config.HELD_OUT are never trained on, nor are twins that are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from eval.probes import corruptions
from pipeline.tinyworld.config import HELD_OUT
from world import PALETTE, SHAPES, SIZES, SceneSpec, detailed_caption, sample_spec, short_prompt
from world.render import make_clip

FLIP = {"left": "right", "right": "left", "up": "down", "down": "up"}
MOVING_EVENTS = ("move", "fall", "hit", "occlude")  # a clip of these played backwards is another event
WORLD_SIZES = ((64, 64), (96, 64), (64, 96))  # (width, height) the world renders and the models generate


def is_held_out(spec: SceneSpec) -> bool:
    return (spec.subject.colour, spec.subject.shape, spec.event) in HELD_OUT


def training_spec(rng: np.random.Generator) -> SceneSpec:
    while True:
        spec = sample_spec(rng)
        if not is_held_out(spec):
            return spec


def held_out_spec(rng: np.random.Generator) -> SceneSpec:
    """A scene whose subject is one of HELD_OUT, drawn uniformly over the triples."""
    colour, shape, event = HELD_OUT[int(rng.integers(len(HELD_OUT)))]
    while True:  # rejection keeps sample_spec's own distribution of everything else (~18 tries)
        spec = sample_spec(rng, event=event)
        if spec.subject.colour == colour and spec.subject.shape == shape:
            return spec


def _with_object(spec: SceneSpec, index: int, **change) -> SceneSpec:
    objects = list(spec.objects)
    objects[index] = replace(objects[index], **change)
    return replace(spec, objects=tuple(objects))


def twins(spec: SceneSpec, rng: np.random.Generator) -> dict[str, SceneSpec]:
    """The scene's one-thing-different twins, by name; only those the scene allows."""
    out: dict[str, SceneSpec] = {}
    if spec.direction is not None:
        out["mirror"] = replace(spec, direction=FLIP[spec.direction])
    if spec.pan is not None:
        out["pan"] = replace(spec, pan=FLIP[spec.pan])
    used = {o.colour for o in spec.objects}
    free = sorted(set(PALETTE) - used)
    for index, prefix in ((0, ""), (1, "other_")):
        if index >= len(spec.objects):
            break
        o = spec.objects[index]
        out[prefix + "colour"] = _with_object(spec, index, colour=str(rng.choice(free)))
        out[prefix + "shape"] = _with_object(spec, index, shape=str(rng.choice([s for s in SHAPES if s != o.shape])))
        if index == 0:
            out["size"] = _with_object(spec, 0, size=str(rng.choice([s for s in SIZES if s != o.size])))
    # Roles swapped ("B hits A" for "A hits B"). A still scene's caption says nothing of its order.
    if len(spec.objects) > 1 and spec.event != "still":
        a, b = spec.objects[:2]
        out["swap"] = replace(spec, objects=(b, a) + spec.objects[2:])
    if spec.pan is None:  # a pan needs the textured background, so only static scenes flip it
        out["background"] = replace(spec, background="plain" if spec.background == "textured" else "textured")
    return out


def write(spec: SceneSpec, lang: str, short: bool) -> str:
    return short_prompt(spec, lang) if short else detailed_caption(spec, lang)


def text_key(spec: SceneSpec, short: bool) -> str:
    """What a text asserts, language aside: a clip of spec S matches a text of key k when text_key(S, short) == k."""
    return ("short:" + short_prompt(spec, "en")) if short else ("detailed:" + detailed_caption(spec, "en"))


def video_negatives(clip, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Edits of a clip (T, H, W, 3) that its own caption no longer describes, by name."""
    spec = clip.scene.spec
    out = {}
    if spec.event in MOVING_EVENTS or spec.pan is not None:
        out["reversed"] = corruptions.time_reversed(clip, rng)
    if spec.direction in ("left", "right") or spec.pan is not None:
        out["mirrored"] = corruptions.mirrored(clip, rng)
    if spec.event == "hit" and clip.truth.events.contact_frame is not None:
        out["no_contact"] = corruptions.early_strike(clip, rng)
    out["vanishes"] = corruptions.deleted_later(clip, rng)
    return out


@dataclass(frozen=True)
class BatchConfig:
    batch_size: int = 48  # true (clip, caption) pairs per step
    frames: int = 16  # frames of a clip, except in short-clip batches
    short_clip_prob: float = 0.1  # share of batches whose clips have 1-15 frames, so any T is seen
    size_weights: tuple[float, ...] = (0.7, 0.15, 0.15)  # how often each of WORLD_SIZES is drawn per batch
    zh_prob: float = 0.5  # share of texts in Chinese (each clip's twins share its language)
    short_prob: float = 0.2  # share of texts written as short prompts (world.short_prompt), twins alike
    text_negatives: int = 5  # twin captions per clip (the mirrored one always, when there is one)
    video_negative_prob: float = 0.75  # share of clips that bring one edited clip as a video-side negative


@dataclass(frozen=True)
class Batch:
    videos: np.ndarray  # (B + V, T, H, W, 3) uint8: the B true clips first, then V edited clips
    texts: list[str]  # B true texts first, then the twins' texts
    video_text_ok: np.ndarray  # (B, len(texts)) bool: true clip i is also described by text j (duplicates)
    text_video_ok: np.ndarray  # (B, B + V) bool: true text i also describes clip j
    specs: tuple[SceneSpec, ...] = ()  # the B true clips' scenes (their attributes are a training signal)


def make_batch(rng: np.random.Generator, cfg: BatchConfig, spec_fn=training_spec) -> Batch:
    width, height = WORLD_SIZES[int(rng.choice(len(WORLD_SIZES), p=np.array(cfg.size_weights) / sum(cfg.size_weights)))]
    frames = int(rng.integers(1, cfg.frames)) if rng.random() < cfg.short_clip_prob else cfg.frames
    specs = [spec_fn(rng) for _ in range(cfg.batch_size)]
    clips = [make_clip(s, seed=int(rng.integers(2**31)), frames=frames, width=width, height=height) for s in specs]
    styles = [("zh" if rng.random() < cfg.zh_prob else "en", bool(rng.random() < cfg.short_prob)) for _ in specs]
    texts = [write(s, lang, short) for s, (lang, short) in zip(specs, styles)]
    keys = [text_key(s, short) for s, (_, short) in zip(specs, styles)]
    shorts = [short for _, short in styles]
    for spec, (lang, short) in zip(specs, styles):
        named = {k: t for k, t in twins(spec, rng).items() if not is_held_out(t)}
        chosen = [k for k in ("mirror",) if k in named]
        rest = [k for k in named if k not in chosen]
        chosen += list(rng.choice(rest, size=min(len(rest), cfg.text_negatives - len(chosen)), replace=False))
        for k in chosen:
            texts.append(write(named[k], lang, short))
            keys.append(text_key(named[k], short))
            shorts.append(short)
    edited = []
    if frames >= 4:  # fewer frames hardly show an event to reverse or break
        for clip in clips:
            if rng.random() < cfg.video_negative_prob:
                options = video_negatives(clip, rng)
                edited.append(options[str(rng.choice(sorted(options)))])
    b = len(specs)
    video_text_ok = np.array([[text_key(s, short) == k for k, short in zip(keys, shorts)] for s in specs])
    text_video_ok = np.zeros((b, b + len(edited)), bool)
    text_video_ok[:, :b] = video_text_ok[:, :b].T  # text i describes clip j iff clip j's spec matches text i's key
    return Batch(np.stack([c.frames for c in clips] + edited), texts, video_text_ok, text_video_ok, tuple(specs))
