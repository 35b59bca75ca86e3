"""The adapter between transformers' CLIPModel and torchmetrics' CLIPScore (eval/metrics/clip_score.py
imports it when a score is computed, so importing the metrics imports no torch)."""

from __future__ import annotations

import torch


class ProjectedFeatures(torch.nn.Module):
    """transformers 5 returns the projected embedding as `.pooler_output` of an output object;
    torchmetrics 1.9 expects the tensor itself. This passes the tensor through, nothing else."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def get_image_features(self, *args, **kwargs) -> torch.Tensor:
        out = self.model.get_image_features(*args, **kwargs)
        return out if isinstance(out, torch.Tensor) else out.pooler_output  # (N, projection_dim)

    def get_text_features(self, *args, **kwargs) -> torch.Tensor:
        out = self.model.get_text_features(*args, **kwargs)
        return out if isinstance(out, torch.Tensor) else out.pooler_output  # (N, projection_dim)

    @property
    def config(self):
        return self.model.config
