"""A scenario view's continuation through the shared pipeline, as the benchmark asks models for one.

i2v: the switch frame (switch-frames/*.jpg) is the first frame; the first `window` frames of the
output are scored (the README: "the 5 seconds generated right after the switch frame").
v2v: the conditioning clip is extended forward; only the new frames are scored (the README: "not
the 3s conditioning video, only the model-generated 5 seconds").
The prompt is the scenario view's description from descriptions.csv; every card takes text.
"""

from __future__ import annotations

import cv2
import numpy as np

from eval.physics_iq.dataset import Layout, Scenario
from pipeline.registry import ModelCard
from pipeline.request import GenerationRequest, GenerationResult
from pipeline.video_io import read_video

MODES = ("i2v", "v2v")


def frames_for(card: ModelCard, needed: int) -> int:
    """The card's smallest allowed frame count that holds `needed` frames."""
    allowed = [n for n in card.limits.allowed_frames() if n >= needed]
    if not allowed:
        raise ValueError(f"--fps: the window needs {needed} frames from {card.name}, which makes at most "
                         f"{card.limits.max_frames}; choose a lower --fps")
    return allowed[0]


def keep_for(card: ModelCard, given: int) -> int:
    """Frames of the conditioning clip the model keeps: the card's default, capped by the clip, on its step."""
    step = card.limits.keep_step
    most = min(card.defaults.keep, given, card.limits.max_keep or given)
    return max(k for k in range(1, max(most, 1) + 1) if (k - 1) % step == 0)


def request_for(card: ModelCard, layout: Layout, s: Scenario, view: str, mode: str, window: int, fps: int,
                seed: int, steps: int | None = None) -> GenerationRequest:
    """The GenerationRequest that continues one scenario view (files checked, named if missing)."""
    prompt = s.descriptions.get(view) or s.description
    if mode == "i2v":
        path = layout.require(layout.switch_frame(s, view), f"the switch frame of {s.name} ({view})")
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{layout.relative(path)}: not an image OpenCV reads")
        return GenerationRequest("i2v", prompt, image=cv2.cvtColor(image, cv2.COLOR_BGR2RGB), seed=seed, steps=steps,
                                 frames=frames_for(card, window), fps=float(fps))
    if mode != "v2v":
        raise ValueError(f"--mode: expected one of {list(MODES)}, got {mode!r}")
    path = layout.require(layout.conditioning(s, view), f"the take-1 conditioning video of {s.name} ({view})")
    video, _ = read_video(path)  # (T, H, W, 3) RGB
    keep = keep_for(card, len(video))
    return GenerationRequest("extend", prompt, video=video, keep=keep, seed=seed, steps=steps,
                             frames=frames_for(card, keep + window), fps=float(fps))


def continuation(result: GenerationResult, window: int) -> np.ndarray:
    """uint8 (window, H, W, 3): what is scored of a result (the new frames of an extension)."""
    r = result.request
    new = result.frames[r.keep:] if r.mode == "extend" else result.frames
    return new[:window]
