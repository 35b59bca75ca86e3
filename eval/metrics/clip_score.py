"""CLIP score: how well the frames match the prompt, per generation.

torchmetrics' `CLIPScore` on a named backbone (transformers `CLIPModel`, ViT-B/32 by default):
100 x max(cosine(image, text), 0) for each frame paired with the prompt, averaged over the
sampled frames. Frame sampling: SAMPLED_FRAMES frames evenly spaced from the first to the last
(all of them for shorter clips); the row records which.
"""

from __future__ import annotations

import numpy as np

from eval.metrics.base import MetricResult, frames_float

SAMPLED_FRAMES = 8


def sampled_indices(count: int, most: int = SAMPLED_FRAMES) -> list[int]:
    """Evenly spaced frame indices, first and last included, at most `most` of them."""
    if count <= most:
        return list(range(count))
    return [round(i * (count - 1) / (most - 1)) for i in range(most)]


def video_score(clip_score_metric, video: np.ndarray, prompt: str) -> float:
    """One video: the mean over its sampled frames of torchmetrics' per-pair score."""
    import torch  # on first use, as in every metric: importing the metrics (the app does) imports no torch

    frames_float(video)  # shape check
    picked = video[sampled_indices(len(video))]  # (K, H, W, 3)
    images = torch.from_numpy(np.ascontiguousarray(picked)).permute(0, 3, 1, 2)  # (K, 3, H, W) uint8
    clip_score_metric.reset()
    clip_score_metric.update(images, [prompt] * len(picked))
    return float(clip_score_metric.compute())


def make_metric(model, processor):
    """torchmetrics' CLIPScore on an already-loaded model (the callable form loads a local folder)."""
    from torchmetrics.multimodal.clip_score import CLIPScore

    from eval.metrics.clip_features import ProjectedFeatures

    return CLIPScore(model_name_or_path=lambda: (ProjectedFeatures(model), processor))


def compute(videos: list[np.ndarray], prompts: list[str], *, extractor=None, reference=None) -> MetricResult:
    """extractor: the loaded 'clip' extractor, whose model is (CLIPModel, CLIPProcessor)."""
    if len(videos) != len(prompts):
        raise ValueError(f"prompts: {len(prompts)} for {len(videos)} videos; give one per video")
    import torch

    metric = make_metric(*extractor.model)
    with torch.no_grad():
        per_video = [video_score(metric, v, p) for v, p in zip(videos, prompts)]
    meta = {"extractor": extractor.name, "weights_sha256": extractor.sha256,
            "frames": f"{SAMPLED_FRAMES} evenly spaced (all if fewer)", "scale": "100 x max(cosine, 0)"}
    return MetricResult(float(np.mean(per_video)), per_video, meta)
