"""Score a folder of continuations against the benchmark's real videos: one view, then a whole set.

Source: `process_videos` / `process_view` in `code/calculate_and_write_metrics_to_csv.py` of
google-deepmind/physics-IQ-benchmark. The comparison size is a quarter of real take 1's; the window
is the first 5 s at the chosen fps (`consider_frames = fps * 5`) of every video; the real masks are
the benchmark's own (video-masks/real) where present, else made from the testing videos the same way
as the model's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from eval.physics_iq.dataset import Layout, Scenario
from eval.physics_iq.masks import read_masks
from eval.physics_iq.measures import compare, counts
from eval.physics_iq.score import VIEWS, ViewResult
from eval.physics_iq.video import View, comparison_size, decode

SECONDS = 5  # the evaluation window: the first 5 s after the switch frame
MASK_MODES = ("mp4v", "memory")  # mp4v: leaderboard-comparable; memory: cleaner, not comparable


def window_frames(fps: int, seconds: float = SECONDS) -> int:
    """Frames compared: the scorer's `fps * 5`; other lengths are for other sets, not the leaderboard."""
    return int(round(fps * seconds))


class RealTakes:
    """Real take 1 and take 2 of one scenario view, decoded once: what every continuation is compared with."""

    def __init__(self, layout: Layout, s: Scenario, view: str, window: int, masks: str = "mp4v"):
        self.take1_path = layout.require(layout.testing(s, view, "take-1"), f"the take-1 testing video of {s.name} ({view})")
        take2_path = layout.require(layout.testing(s, view, "take-2"), f"the take-2 testing video of {s.name} ({view})")
        self.size = comparison_size(self.take1_path)
        self.window, self.masks = window, masks
        self.take1 = self._real(layout, s, view, "take-1", self.take1_path)
        self.take2 = self._real(layout, s, view, "take-2", take2_path)
        self.take1_counts = counts(self.take1.masks)  # shared by the variance and every continuation
        self.variance = compare(self.take1.frames, self.take1.masks, self.take2.frames, self.take2.masks, self.take1_counts)

    def _real(self, layout: Layout, s: Scenario, view: str, take: str, path: Path) -> View:
        given = layout.real_mask(s, view, take)
        if self.masks == "mp4v" and given.is_file():  # the benchmark's own mask video, read as the scorer reads it
            video = decode(path, self.size, self.window, masks=None)
            return View(video.frames, read_masks(given, self.size, self.window), video.size, video.fps)
        return decode(path, self.size, self.window, masks=self.masks)

    def score(self, generated: str | Path) -> "tuple[View, object]":
        """Decode a continuation and compare it with take 1 -> (its View, its Measures)."""
        video = decode(generated, self.size, self.window, masks=self.masks)
        return video, compare(self.take1.frames, self.take1.masks, video.frames, video.masks, self.take1_counts)


def score_view(layout: Layout, s: Scenario, view: str, generated: str | Path, window: int,
               masks: str = "mp4v") -> ViewResult:
    real = RealTakes(layout, s, view, window, masks)
    _, measures = real.score(generated)
    return ViewResult(s.name, view, s.category, measures, real.variance)


def score_folder(layout: Layout, scenarios: list[Scenario], find: Callable[[Scenario, str], Path], window: int,
                 masks: str = "mp4v", progress: bool = True) -> list[ViewResult]:
    """Every view of every scenario, the continuation found by find(scenario, view). Every file is
    checked before any is decoded, so a missing one fails at once with its name."""
    jobs = []
    for s in scenarios:
        for view in VIEWS:
            layout.require(layout.testing(s, view, "take-1"), f"the take-1 testing video of {s.name} ({view})")
            layout.require(layout.testing(s, view, "take-2"), f"the take-2 testing video of {s.name} ({view})")
            jobs.append((s, view, find(s, view)))
    return [score_view(layout, s, view, path, window, masks)
            for s, view, path in tqdm(jobs, desc="physics-iq", unit="view", disable=not progress)]
