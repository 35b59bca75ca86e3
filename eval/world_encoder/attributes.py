"""An auxiliary training signal: the scene's attributes read back from the video embedding.

    python -c "import numpy as np; from eval.world_encoder.attributes import labels; from world import sample_spec; print(labels([sample_spec(np.random.default_rng(0))]))"

The contrastive loss alone learned direction within an hour on the CPU but left colour and shape
at chance (docs/world_encoder.md): a recoloured twin differs from the true caption in one word,
and that word's gradient is a small share of the loss. Here linear heads on the video embedding
predict, from the ground truth the world knows, what a colour or shape twin changes: which shape
(if any) carries each colour, the subject's size, the event and its direction, the camera pan.
A linear read-out keeps the pressure on the embedding itself, where the captions are matched.
The heads are part of training only: they are not exported with the weights.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from world import PALETTE, SHAPES, SIZES, SceneSpec
from world.spec import DIRECTIONS, EVENTS

COLOURS = tuple(PALETTE)
# name -> (number of labels, classes per label): "shape_of" holds, for each colour, the shape of
# the object of that colour, or "none" (class 0) when no object has it.
HEADS: dict[str, tuple[int, int]] = {
    "shape_of": (len(COLOURS), 1 + len(SHAPES)),
    "subject_colour": (1, len(COLOURS)),
    "subject_size": (1, len(SIZES)),
    "event": (1, len(EVENTS)),
    "direction": (1, 1 + len(DIRECTIONS)),
    "pan": (1, 3),
}


def labels(specs: list[SceneSpec]) -> dict[str, np.ndarray]:
    """Scene specs -> int64 labels by head, each (N, number of labels)."""
    out = {name: np.zeros((len(specs), n), np.int64) for name, (n, _) in HEADS.items()}
    for i, spec in enumerate(specs):
        for o in spec.objects:
            out["shape_of"][i, COLOURS.index(o.colour)] = 1 + SHAPES.index(o.shape)
        out["subject_colour"][i, 0] = COLOURS.index(spec.subject.colour)
        out["subject_size"][i, 0] = list(SIZES).index(spec.subject.size)
        out["event"][i, 0] = EVENTS.index(spec.event)
        out["direction"][i, 0] = 0 if spec.direction is None else 1 + DIRECTIONS.index(spec.direction)
        out["pan"][i, 0] = {None: 0, "left": 1, "right": 2}[spec.pan]
    return out


class AttributeHeads(nn.Module):
    def __init__(self, embed_dim: int):
        super().__init__()
        self.heads = nn.ModuleDict({name: nn.Linear(embed_dim, n * k) for name, (n, k) in HEADS.items()})

    def loss(self, embedding: torch.Tensor, target: dict[str, np.ndarray]) -> torch.Tensor:
        """embedding (B, D) of the true clips, target from labels() -> mean cross-entropy over every label."""
        losses = []
        for name, (n, k) in HEADS.items():
            logits = self.heads[name](embedding).view(-1, n, k)  # (B, n, k)
            losses.append(F.cross_entropy(logits.reshape(-1, k), torch.from_numpy(target[name]).reshape(-1)))
        return torch.stack(losses).mean()
