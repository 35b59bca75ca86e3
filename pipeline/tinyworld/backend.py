"""tinyworld behind the shared pipeline: a resolved GenerationRequest -> frames.

    python -m pipeline generate --model tinyworld --mode t2v --prompt "a red ball falls and bounces" --seed 0 --out clip.mp4

Every mode is one call of the same weights with different kept frames:
  t2v          nothing kept
  i2v          the image kept as frame 0
  extend       forward: the video's last `keep` frames are kept as the window's first frames;
               backward: its first `keep` frames as the window's last frames. Several frames
               condition, not one. The window is returned; GenerationResult.joined() adds the rest.
  interpolate  keyframes kept where `keyframes` puts them (default: first and last frame)
  edit         nothing kept: the source is re-noised to `strength` and denoised with the new caption
An extension's window keeps its place in time. The model learned time from clips that start as
their event starts, so a window timed from 0 wherever it sits restarts the event (given a fall
mid-drop, it drops again). The model first estimates where the given frames next to the window
sit on their event's timeline (TinyWorldPipeline.estimate_time), and the window is timed from
there: after them going forward, before them (at negative times, before the event) going back.
A forward window starts no later than frame LATEST_WINDOW_START, so its new frames stay near the
times the model was trained on (see the constant).
The prompt is expanded by world's parser to the detailed caption the model was trained on;
words outside the grammar raise the parser's ValueError, which names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import torch

from pipeline.tinyworld.pipeline import TinyWorldPipeline
from world import parse

TIMING_FRAMES = 8  # given frames the model times: enough motion to place, and room for 9 candidate starts in 16
# The shipped weights were trained on frames 0-15 of each event only (training config time_shift 0).
# Eight given frames from late in an event are timed as frames 8-15, which would start the next
# window at 12 and draw frames 16-27: times the model never saw, where an object at rest gets
# smeared, one chained extension after another. An event that late looks the same at frame 6 as at 12, so a later
# window is held at 6 (frames 6-21). Chosen with experiments/tinyworld/chains.py on eval.fidelity's
# --seed 1 chains; weights trained with time_shift may take a later start.
LATEST_WINDOW_START = 6


def load_tinyworld(folder: Path, device: str = "cpu") -> "TinyWorldBackend":
    return TinyWorldBackend(TinyWorldPipeline.from_pretrained(folder).to(device))


def frames_to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 (K, H, W, 3) -> (K, 3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1


class TinyWorldBackend:
    def __init__(self, pipe: TinyWorldPipeline, latest_window_start: int = LATEST_WINDOW_START):
        self.pipe = pipe
        self.latest_window_start = latest_window_start  # for forward extension windows, see LATEST_WINDOW_START
        self.pipe.set_progress_bar_config(disable=True)

    def generate(self, request, generator: torch.Generator, callback: Callable[[int, int], None] | None = None
                 ) -> tuple[np.ndarray, dict]:
        """-> (uint8 frames (T, H, W, 3), {"caption", "notes"})."""
        parsed = parse(request.prompt)
        caption, notes = parsed.caption, list(parsed.notes)
        if request.negative_prompt:
            notes.append("tinyworld has no negative prompt: guidance pushes away from the empty caption; negative_prompt was not used")
        given, keep, first_frame_time, timed_at = self._window(request, caption)
        if request.mode == "extend":
            side = "after" if request.direction == "forward" else "before"
            starts = f"the new window starts at frame {first_frame_time} of its event"
            notes.append(f"{starts}, {side} the given frames' estimated time" if timed_at == first_frame_time else
                         f"{starts}: the given frames' estimated time would start it at frame {timed_at}, past the "
                         f"frames the model was trained on")
        out = self.pipe(
            caption,
            num_frames=request.frames,
            height=request.height,
            width=request.width,
            num_inference_steps=request.steps,
            guidance_scale=request.guidance,
            video=None if given is None else frames_to_tensor(given),
            keep=keep,
            first_frame_time=first_frame_time,
            source=frames_to_tensor(request.video) if request.mode == "edit" else None,
            strength=request.strength if request.mode == "edit" else 1.0,
            generator=generator,
            callback_on_step_end=callback,
        )
        return out.frames[0], {"caption": caption, "notes": notes}  # (T, H, W, 3)

    def _window(self, request, caption: str) -> tuple[np.ndarray | None, list[int] | None, int, int]:
        """The frames given clean, their indices in the generated window, the time of the window's
        first frame on its event's timeline (0: the event starts with the window), and the time the
        given frames alone would give it (later, when held at latest_window_start)."""
        t = request.frames
        if request.mode in ("t2v", "edit"):  # an edit's source is not kept: it is re-noised (see pipeline.py)
            return None, None, 0, 0
        if request.mode == "i2v":
            return request.image[None], [0], 0, 0
        video = request.video
        if request.mode != "extend":
            return video, list(request.keyframes), 0, 0  # interpolate / fill in: resolve() gives one index per frame
        k, n = request.keep, min(len(video), TIMING_FRAMES)
        if request.direction == "forward":
            last_start = self.pipe.estimate_time(caption, frames_to_tensor(video[-n:]))  # the video's last n frames
            timed_at = last_start + n - k
            return video[-k:], list(range(k)), min(timed_at, self.latest_window_start), timed_at
        first_start = self.pipe.estimate_time(caption, frames_to_tensor(video[:n]))  # its first n frames
        timed_at = first_start + k - t
        return video[:k], list(range(t - k, t)), timed_at, timed_at
