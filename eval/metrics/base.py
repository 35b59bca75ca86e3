"""The one result type and the one signature every metric shares.

    compute(videos, prompts, *, extractor=None, reference=None) -> MetricResult

videos: uint8 (T, H, W, 3) arrays; prompts: one per video; extractor: the loaded feature
extractor the metric names (eval/extractors.py), or None for weight-free metrics; reference: the
other set of videos, for set-level metrics (FVD) only. A metric that cannot be computed raises
Unavailable(reason); `eval.metrics.evaluate` turns that into a row that says why, never a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

GENERATION, RUN = "generation", "run"  # per video, or per evaluation run (a set of videos)


class Unavailable(Exception):
    """The metric cannot give a real value here (weights missing, too few videos, no reference)."""


@dataclass(frozen=True)
class MetricResult:
    value: float | None  # the metric's value; None when unavailable
    per_video: list[float] | None = None  # per-video values, for generation-level metrics
    meta: dict = field(default_factory=dict)  # how it was computed: extractor, hash, sampling, n
    unavailable: str | None = None  # why there is no value (with the fetch command, where one helps)

    def to_dict(self) -> dict:
        return {"value": self.value, "per_video": self.per_video, "meta": self.meta, "unavailable": self.unavailable}


Compute = Callable[..., MetricResult]


@dataclass(frozen=True)
class Metric:
    name: str  # the key in METRICS and in the table, e.g. "clip_score"
    level: str  # GENERATION (one value per video) or RUN (one value per set of videos)
    extractor: str | None  # the extractor it needs (eval/extractors.EXTRACTORS key), None if weight-free
    compute: Compute  # compute(videos, prompts, *, extractor=None, reference=None) -> MetricResult
    what: str  # one line for the README, the dashboard and --help


def frames_float(video: np.ndarray) -> np.ndarray:
    """uint8 (T, H, W, 3) -> float32 (T, H, W, 3) in 0..255, checked."""
    video = np.asarray(video)
    if video.dtype != np.uint8 or video.ndim != 4 or video.shape[-1] != 3:
        raise ValueError(f"video: expected uint8 (T, H, W, 3), got {video.dtype} {video.shape}")
    return video.astype(np.float32)
