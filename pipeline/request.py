"""GenerationRequest / GenerationResult, and the validation that stands between a request and a model.

    from pipeline.request import GenerationRequest
    from pipeline.registry import get_card
    request, notes = GenerationRequest("t2v", "a red ball falls").resolve(get_card("ltx-video"))

A request names what to make; fields left None are filled from the model card's defaults by
`resolve(card)`, which also checks every field against the card and raises RequestError (a
ValueError) naming the field, the bad value and what is allowed:

    frames: 20 is not 8k+1 for ltx-video; allowed 9, 17, 25, ... 257

Nothing is corrected silently. With `round_to_allowed=True`, frame counts and sizes that break
a rule are rounded to the nearest allowed value and a note says so; uploaded images and clips
are always fitted to the model's size (video_io.fit_frames: cover, then centre crop) with a note.
The notes travel into GenerationResult.notes.

Modes and the fields they use:
    t2v          prompt
    i2v          prompt, image (H, W, 3): the first frame
    extend       prompt, video (T, H, W, 3), direction, keep: the output's first `keep` frames
                 (forward) or last `keep` frames (backward) are the input's last / first `keep`
                 frames; the rest is new. `result.joined()` returns input + new frames.
    interpolate  prompt, video (K, H, W, 3) of keyframes, keyframes: their K output indices
                 (default: evenly spaced from the first to the last frame); the rest is filled in.
                 Or fill-in: video is a full clip of `frames` frames and keyframes the indices of
                 the frames to keep (resolve cuts the clip down to them).
    edit         prompt (the wanted result), video (T, H, W, 3): the source, strength in (0, 1]: how
                 much of it is re-imagined. The result keeps the source's length (frames left unset;
                 a source longer than the card makes is cut to its first frames, with a note).
A request for one frame (mode t2v, frames 1) is an image: the table logs it as mode `t2i`.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import RequestError
from pipeline.registry import CHAINED, DIRECTIONS, MODES, UNSUPPORTED, task_of
from pipeline.video_io import Soundtrack, fit_frames

if TYPE_CHECKING:
    from pipeline.registry import ModelCard

MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed takes any int64
MAX_PROMPT_CHARS = 2000
MAX_GUIDANCE = 30.0
MAX_FPS = 120.0
MAX_SHIFT = 20.0  # a generous bound: Wan's makers use 3 and 5


@dataclass(frozen=True)
class GenerationRequest:
    mode: str  # "t2v" | "i2v" | "extend" | "interpolate" | "edit"
    prompt: str
    negative_prompt: str | None = None  # None: the card's recommended one; "" for none at all
    seed: int | None = None  # None: drawn at random by resolve(), and reported
    steps: int | None = None  # None fields: the card's defaults
    guidance: float | None = None
    frames: int | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    image: np.ndarray | None = field(default=None, repr=False, compare=False)  # uint8 (H, W, 3), i2v
    video: np.ndarray | None = field(default=None, repr=False, compare=False)  # uint8 (T, H, W, 3), extend / interpolate / edit
    direction: str = "forward"  # extend: "forward" (continue after) or "backward" (lead up to)
    keep: int | None = None  # extend: frames of the input kept as conditioning
    keyframes: tuple[int, ...] | None = None  # interpolate: output index of each frame of `video`
    shift: float | None = None  # flow-matching shift; None: the card's rule for the size (cards without one: the scheduler's)
    strength: float | None = None  # edit: share of the denoising redone from the source, in (0, 1]; None: the card's

    def resolve(self, card: ModelCard, *, round_to_allowed: bool = False) -> tuple[GenerationRequest, list[str]]:
        """Fill unset fields from card.defaults and check every field against the card.

        Returns (the resolved request, notes about anything changed). Raises RequestError.
        """
        notes: list[str] = []
        fix = round_to_allowed
        _check_mode(self, card, notes)
        prompt = _check_text("prompt", self.prompt, required=True)
        d, lim = card.defaults, card.limits
        negative = _check_text("negative_prompt", _default(self.negative_prompt, d.negative_prompt), required=False)
        seed = _check_seed(self.seed)
        steps = _check_int("steps", _default(self.steps, d.steps), 1, lim.max_steps)
        guidance = _check_float("guidance", _default(self.guidance, d.guidance), 0.0, MAX_GUIDANCE)
        fps = _check_float("fps", _default(self.fps, d.fps), 0.0, MAX_FPS, low_open=True)
        width, height = _check_size(card, _default(self.width, d.width), _default(self.height, d.height), fix, notes)
        frames = (_edit_frames(self, card, notes) if self.mode == "edit"
                  else _check_frames(card, _default(self.frames, d.frames), fix, notes))
        shift = _check_shift(card, self.shift, width, height)
        image = _check_image(self, width, height, notes)
        video = _check_video(self, width, height, notes, frames)
        strength = _check_strength(self, card, steps)
        keep = _check_keep(self, card, frames, video)
        keyframes, video = _check_keyframes(self, frames, video, notes)
        resolved = dataclasses.replace(
            self, prompt=prompt, negative_prompt=negative, seed=seed, steps=steps, guidance=guidance,
            frames=frames, width=width, height=height, fps=fps, image=image, video=video, keep=keep,
            keyframes=keyframes, shift=shift, strength=strength)
        return resolved, notes

    def summary(self) -> dict:
        """JSON-able fields; arrays are described by their shape (for sidecars and the table)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name in ("image", "video"):
            array = out[name]
            out[name] = None if array is None else {"shape": list(np.shape(array)), "dtype": str(np.asarray(array).dtype)}
        if out["keyframes"] is not None:
            out["keyframes"] = list(out["keyframes"])
        return out


@dataclass(frozen=True, eq=False)
class GenerationResult:
    frames: np.ndarray  # uint8 (T, H, W, 3) RGB
    fps: float
    request: GenerationRequest  # resolved: every field filled and checked
    seed: int  # the seed used (drawn at random when the request had none)
    timings: dict[str, float]  # stage -> seconds (see VideoPipeline.generate)
    peak_memory_bytes: int  # see VideoPipeline.generate
    model: str  # the model card's name
    weights_hash: str  # "sha256:..." over the weight and config files that were loaded
    notes: list[str]  # everything rounded, resized or substituted on the way, in order
    caption: str | None = None  # the expanded prompt the model actually saw, if it expands prompts
    audio: Soundtrack | None = None  # the sound the model made with the video (LTX-2), else None

    def joined(self) -> np.ndarray:
        """For extend: the input clip with the new frames attached (the kept frames once); else frames."""
        r = self.request
        if r.mode != "extend":
            return self.frames
        if r.direction == "forward":
            return np.concatenate([r.video, self.frames[r.keep:]])  # (T_in + frames - keep, H, W, 3)
        return np.concatenate([self.frames[: len(self.frames) - r.keep], r.video])

    def summary(self) -> dict:
        """JSON-able: everything but the frames (the JSON sidecar written beside an mp4)."""
        return {
            "model": self.model, "weights_hash": self.weights_hash, "seed": self.seed,
            "frames_shape": list(self.frames.shape), "fps": self.fps,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "peak_memory_bytes": self.peak_memory_bytes, "caption": self.caption, "notes": list(self.notes),
            "audio": self.audio.summary() if self.audio is not None else None,
            "request": self.request.summary(),
        }


# ----------------------------------------------------------------------------------------
# Field checks: each raises RequestError("<field>: <value> ...; allowed ...")
# ----------------------------------------------------------------------------------------


def _default(value, default):
    return default if value is None else value


def _check_mode(r: GenerationRequest, card: ModelCard, notes: list[str]) -> None:
    if r.mode not in MODES:
        raise RequestError(f"mode: {r.mode!r} is not a mode; allowed {', '.join(MODES)}")
    if r.direction not in DIRECTIONS:
        raise RequestError(f"direction: {r.direction!r} is not a direction; allowed {', '.join(DIRECTIONS)}")
    if r.mode != "extend" and r.direction != "forward":
        raise RequestError(f"direction: {r.direction!r} applies only to mode 'extend'; this request is {r.mode!r}")
    cap = card.capability(r.mode, r.direction)
    if cap.support == UNSUPPORTED:
        what = task_of(r.mode, r.direction)
        field_name = "direction" if r.mode == "extend" and card.capability("extend", "forward").support != UNSUPPORTED else "mode"
        value = r.direction if field_name == "direction" else r.mode
        why = f" ({cap.note})" if cap.note else ""
        raise RequestError(f"{field_name}: {value!r}: {card.name} cannot do {what}{why}; it can do "
                           f"{', '.join(card.supported_tasks())}")
    if cap.support == CHAINED:
        notes.append(f"{task_of(r.mode, r.direction)}: {CHAINED} ({cap.note})")


def _check_text(name: str, value, *, required: bool) -> str:
    if not isinstance(value, str):
        raise RequestError(f"{name}: {value!r} is not a string")
    if required and not value.strip():
        raise RequestError(f"{name}: {value!r} is empty; describe the video to make")
    if len(value) > MAX_PROMPT_CHARS:
        raise RequestError(f"{name}: {len(value)} characters is too long; allowed up to {MAX_PROMPT_CHARS}")
    return value


def _check_shift(card: ModelCard, shift, width: int, height: int) -> float | None:
    if shift is None:
        return card.defaults.shift_for(width, height)
    if not card.defaults.shift_by_size:
        raise RequestError(f"shift: {card.name} takes no shift (its scheduler has its own schedule); leave it unset")
    return _check_float("shift", shift, 0.0, MAX_SHIFT, low_open=True)


def _check_seed(seed) -> int:
    if seed is None:
        return secrets.randbelow(2**32)  # short enough to read back and type in again
    if isinstance(seed, bool) or not isinstance(seed, Integral) or not 0 <= seed <= MAX_SEED:
        raise RequestError(f"seed: {seed!r} is not an int in 0..{MAX_SEED} (or None to draw one)")
    return int(seed)


def _check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
        raise RequestError(f"{name}: {value!r} is not an int in {low}..{high}")
    return int(value)


def _check_float(name: str, value, low: float, high: float, *, low_open: bool = False) -> float:
    ok = (not isinstance(value, bool) and isinstance(value, Real) and math.isfinite(value)
          and (value > low if low_open else value >= low) and value <= high)
    if not ok:
        bracket = "(" if low_open else "["
        raise RequestError(f"{name}: {value!r} is not a number in {bracket}{low:g}, {high:g}]")
    return float(value)


def _check_size(card: ModelCard, width, height, fix: bool, notes: list[str]) -> tuple[int, int]:
    lim = card.limits
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise RequestError(f"{name}: {value!r} is not a positive int")
    width, height = int(width), int(height)
    if lim.sizes:
        if (width, height) not in lim.sizes:
            allowed = ", ".join(f"{w}x{h}" for w, h in lim.sizes)
            raise RequestError(f"width, height: {width}x{height} is not a size {card.name} makes; allowed {allowed}")
        return width, height
    out = []
    for name, value in (("width", width), ("height", height)):
        m = lim.size_multiple
        nearest = min(max(m * round(value / m), lim.min_size), lim.max_size // m * m)
        if value % m or not lim.min_size <= value <= lim.max_size:
            rule = f"a multiple of {m} in {lim.min_size}..{lim.max_size}"
            if not fix:
                raise RequestError(f"{name}: {value} is not {rule} for {card.name}; nearest allowed {nearest}")
            notes.append(f"{name}: {value} rounded to {nearest} ({card.name} needs {rule})")
            value = nearest
        out.append(value)
    return out[0], out[1]


def _check_frames(card: ModelCard, frames, fix: bool, notes: list[str]) -> int:
    lim = card.limits
    if isinstance(frames, bool) or not isinstance(frames, Integral):
        raise RequestError(f"frames: {frames!r} is not an int")
    frames = int(frames)
    allowed = lim.allowed_frames()
    if frames in allowed:
        return frames
    shown = ", ".join(map(str, allowed[:3])) + (f", ... {allowed[-1]}" if len(allowed) > 3 else "")
    nearest = min(allowed, key=lambda n: (abs(n - frames), -n))  # ties go up
    problem = (f"is not {lim.frame_rule()}" if lim.min_frames <= frames <= lim.max_frames
               else f"is outside {lim.min_frames}..{lim.max_frames}")
    if not fix:
        raise RequestError(f"frames: {frames} {problem} for {card.name}; allowed {shown}")
    notes.append(f"frames: {frames} rounded to {nearest} ({card.name} makes {lim.frame_rule()} frames, "
                 f"{lim.min_frames}..{lim.max_frames})")
    return nearest


def _check_array(name: str, value, ndim: int, shape_text: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        raise RequestError(f"{name}: {type(value).__name__} is not a numpy array; expected uint8 {shape_text}")
    if value.dtype != np.uint8:
        raise RequestError(f"{name}: dtype {value.dtype} is not uint8; expected uint8 {shape_text}")
    if value.ndim != ndim or value.shape[-1] != 3 or min(value.shape) < 1:
        raise RequestError(f"{name}: shape {value.shape} is not {shape_text}")
    return value


def _check_image(r: GenerationRequest, width: int, height: int, notes: list[str]) -> np.ndarray | None:
    if r.mode != "i2v":
        if r.image is not None:
            raise RequestError(f"image: given, but mode {r.mode!r} takes no image"
                               + ("; pass keyframes as video (K, H, W, 3)" if r.mode == "interpolate" else ""))
        return None
    if r.image is None:
        raise RequestError("image: None; mode 'i2v' needs a uint8 (H, W, 3) image")
    image = _check_array("image", r.image, 3, "(H, W, 3)")
    fitted, note = fit_frames(image[None], width, height)  # (1, height, width, 3)
    if note:
        notes.append(f"image: {note}")
    return fitted[0]


def _check_video(r: GenerationRequest, width: int, height: int, notes: list[str], frames: int) -> np.ndarray | None:
    if r.mode not in ("extend", "interpolate", "edit"):
        if r.video is not None:
            raise RequestError(f"video: given, but mode {r.mode!r} takes no video")
        return None
    if r.video is None:
        what = {"extend": "the clip to extend", "interpolate": "the keyframes", "edit": "the clip to edit"}[r.mode]
        raise RequestError(f"video: None; mode {r.mode!r} needs {what} as uint8 (T, H, W, 3)")
    video = _check_array("video", r.video, 4, "(T, H, W, 3)")
    if r.mode == "edit":
        video = video[:frames]  # _edit_frames chose the length (and noted a cut)
    fitted, note = fit_frames(video, width, height)
    if note:
        notes.append(f"video: {note}")
    return fitted


def _edit_frames(r: GenerationRequest, card: ModelCard, notes: list[str]) -> int:
    """An edit keeps its source's length: the longest length the card makes that is no longer than the
    source (frames must be left unset, or be that length)."""
    if r.video is None:
        raise RequestError("video: None; mode 'edit' needs the clip to edit as uint8 (T, H, W, 3)")
    count = len(_check_array("video", r.video, 4, "(T, H, W, 3)"))
    fitting = [n for n in card.limits.allowed_frames() if n <= count]
    if not fitting:
        raise RequestError(f"video: {count} frames is too short for {card.name} to edit; it makes "
                           f"{card.limits.frame_rule()} frames from {card.limits.min_frames}")
    frames = fitting[-1]
    if r.frames is not None and r.frames != frames:
        raise RequestError(f"frames: {r.frames!r}; an edit keeps its source's length ({frames} frames here); leave frames unset")
    if frames < count:
        notes.append(f"video: the first {frames} of its {count} frames edited ({card.name} makes "
                     f"{card.limits.frame_rule()} frames, at most {card.limits.max_frames})")
    return frames


def _check_strength(r: GenerationRequest, card: ModelCard, steps: int) -> float | None:
    if r.mode != "edit":
        if r.strength is not None:
            raise RequestError(f"strength: {r.strength!r} applies only to mode 'edit'; this request is {r.mode!r}")
        return None
    strength = _check_float("strength", _default(r.strength, card.defaults.strength), 0.0, 1.0, low_open=True)
    fixed = card.limits.fixed_strength
    if fixed is not None and strength != fixed:  # a model that always re-imagines from noise (Lucy Edit)
        raise RequestError(f"strength: {strength:g}: {card.name} edits at strength {fixed:g} only (it re-imagines "
                           f"the clip from noise beside the source); leave strength unset or {fixed:g}")
    if int(strength * steps) < 1:  # the model redoes int(strength * steps) of the steps, as diffusers' video-to-video does
        raise RequestError(f"strength: {strength:g} with {steps} steps redoes no step; allowed "
                           f"{1 / steps:g} to 1 at {steps} steps (or more steps)")
    return strength


def _check_keep(r: GenerationRequest, card: ModelCard, frames: int, video: np.ndarray | None) -> int | None:
    if r.mode != "extend":
        if r.keep is not None:
            raise RequestError(f"keep: {r.keep!r} applies only to mode 'extend'; this request is {r.mode!r}")
        return None
    lim = card.limits
    most = min(frames - 1, len(video), lim.max_keep or frames)  # leave at least one new frame
    allowed = [k for k in range(1, most + 1) if (k - 1) % lim.keep_step == 0]
    rule = "any count" if lim.keep_step == 1 else f"{lim.keep_step}k+1"
    if r.keep is None:  # the card's default, capped by the clip and the output length
        if not allowed:
            raise RequestError(f"keep: no allowed value for {frames} frames and a {len(video)}-frame video "
                               f"({card.name} keeps {rule} frames, fewer than frames)")
        return max(k for k in allowed if k <= max(card.defaults.keep, allowed[0]))
    if isinstance(r.keep, bool) or not isinstance(r.keep, Integral) or r.keep not in allowed:
        limits = f"at most frames - 1 = {frames - 1}, at most the video's {len(video)} frames"
        if lim.max_keep:
            limits += f", at most {lim.max_keep}"
        raise RequestError(f"keep: {r.keep!r} is not allowed for {card.name} ({rule}, {limits}); "
                           f"allowed {', '.join(map(str, allowed)) or 'none'}")
    return int(r.keep)


def _check_keyframes(r: GenerationRequest, frames: int, video: np.ndarray | None,
                     notes: list[str]) -> tuple[tuple[int, ...] | None, np.ndarray | None]:
    """-> (keyframes, video): one output index per keyframe image. A full-length clip (frames
    frames) with fewer keyframe indices means "keep these frames, fill in the rest"; it is cut
    down to those frames, with a note."""
    if r.mode != "interpolate":
        if r.keyframes is not None:
            raise RequestError(f"keyframes: {r.keyframes!r} applies only to mode 'interpolate'; this request is {r.mode!r}")
        return None, video
    count = len(video)
    if r.keyframes is None:
        if count < 2:
            raise RequestError(f"keyframes: None with {count} keyframe image; give 2 or more images, or their indices")
        if count > frames:
            raise RequestError(f"video: {count} keyframes do not fit in {frames} frames; pass keyframes to pick some")
        return tuple(round(i * (frames - 1) / (count - 1)) for i in range(count)), video
    keys = r.keyframes
    if (not isinstance(keys, (tuple, list)) or not keys
            or any(isinstance(k, bool) or not isinstance(k, Integral) for k in keys)):
        raise RequestError(f"keyframes: {keys!r} is not a tuple of frame indices")
    keys = tuple(int(k) for k in keys)
    if any(not 0 <= k < frames for k in keys) or any(a >= b for a, b in zip(keys, keys[1:])):
        raise RequestError(f"keyframes: {keys} are not increasing indices in 0..{frames - 1}")
    if count == frames and len(keys) < count:  # fill in: keep these frames of a full-length clip
        notes.append(f"video: frames {', '.join(map(str, keys))} of the {count}-frame clip kept, the rest filled in")
        return keys, video[list(keys)]
    if len(keys) != count:
        raise RequestError(f"keyframes: {len(keys)} indices {keys} for {count} keyframe images; give one per "
                           f"image (or a {frames}-frame clip to keep those frames of)")
    return keys, video
