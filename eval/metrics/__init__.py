"""Metrics: one file per metric, one signature, and the plain dict the CLI, the table and the app read.

    from eval.metrics import METRICS, evaluate
    evaluate("flicker", [frames], ["a red ball falls"])           # -> MetricResult
    evaluate("fvd", videos, prompts, reference=world_clips)       # per evaluation run only

`evaluate` loads the extractor the metric names from the local cache (downloading it on first use
where the network is allowed, eval/metrics/extractors.py); when it is unavailable (or the
set is too small, or there is no reference) the result has value None and `unavailable` says why,
with the fetch command. It never returns a number from weights that are not there.
"""

from __future__ import annotations

import numpy as np

from eval.metrics.extractors import EXTRACTORS
from eval.metrics import clip_score, flicker, fvd, lpips_temporal, motion_magnitude
from eval.metrics.base import GENERATION, RUN, Metric, MetricResult, Unavailable

METRICS: dict[str, Metric] = {
    "clip_score": Metric("clip_score", GENERATION, "clip", clip_score.compute,
                         "text-frame similarity, 100 x max(cosine, 0), CLIP ViT-B/32 (torchmetrics CLIPScore)"),
    "lpips_temporal": Metric("lpips_temporal", GENERATION, "lpips", lpips_temporal.compute,
                             "mean LPIPS (AlexNet) between adjacent frames: lower is steadier"),
    "flicker": Metric("flicker", GENERATION, None, flicker.compute,
                      "mean absolute difference of adjacent frames, 0..255"),
    "motion_magnitude": Metric("motion_magnitude", GENERATION, None, motion_magnitude.compute,
                               "mean optical-flow speed, pixels per frame (Farneback)"),
    "fvd": Metric("fvd", RUN, "i3d", fvd.compute,
                  "Fréchet Video Distance, I3D (StyleGAN-V protocol), per evaluation run: lower is closer"),
}


def extractor_name(metric: Metric) -> str:
    return EXTRACTORS[metric.extractor].name if metric.extractor else "none"


def evaluate(name: str, videos: list[np.ndarray], prompts: list[str], reference: list[np.ndarray] | None = None,
             extractor=None) -> MetricResult:
    """One metric over videos; unavailability becomes a result that says why. extractor: a
    Loaded to use instead of the cache's (tests pass tiny random models here)."""
    metric = METRICS[name]
    try:
        if metric.extractor and extractor is None:
            extractor = EXTRACTORS[metric.extractor].load()
        return metric.compute(videos, prompts, extractor=extractor, reference=reference)
    except Unavailable as why:
        return MetricResult(None, None, {"extractor": extractor.name if extractor else extractor_name(metric)}, str(why))


__all__ = ["GENERATION", "METRICS", "RUN", "Metric", "MetricResult", "Scorer", "Unavailable", "evaluate"]


class Scorer:
    """Loads each extractor once (a load hashes its weights file) and scores with it."""

    def __init__(self, extractors: dict | None = None):
        self.loaded: dict[str, object] = dict(extractors or {})  # key -> Loaded, or the Unavailable reason

    def extractor(self, key: str, progress=None):
        """The Loaded extractor, or why it is unavailable. progress: told how a first-use download goes
        (extractors.Report; None: a tqdm bar on stderr)."""
        if key not in self.loaded:
            try:
                self.loaded[key] = EXTRACTORS[key].load(progress)
            except Unavailable as why:
                self.loaded[key] = str(why)
        return self.loaded[key]

    def score(self, name: str, videos: list[np.ndarray], prompts: list[str],
              reference: list[np.ndarray] | None = None, progress=None) -> MetricResult:
        metric = METRICS[name]
        loaded = self.extractor(metric.extractor, progress) if metric.extractor else None
        if isinstance(loaded, str):
            return MetricResult(None, None, {"extractor": extractor_name(metric)}, loaded)
        return evaluate(name, videos, prompts, reference=reference, extractor=loaded)
