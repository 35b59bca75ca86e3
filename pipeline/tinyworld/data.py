"""The training stream: world clips, captions and keep-masks, generated on the fly and seeded.

    python -c "import numpy as np; from pipeline.tinyworld.data import clip_batch; print(clip_batch(np.random.default_rng(0), 2, 16, 64, 64, ())[0].shape)"
"""

from __future__ import annotations

import numpy as np
import torch

from world import detailed_caption, sample_spec
from world.render import make_clip


def is_held_out(spec, held_out) -> bool:
    subject = spec.subject
    return (subject.colour, subject.shape, spec.event) in set(map(tuple, held_out))


def training_spec(rng: np.random.Generator, held_out):
    """A random scene whose subject combination is not held out."""
    while True:
        spec = sample_spec(rng)
        if not is_held_out(spec, held_out):
            return spec


def clip_batch(rng: np.random.Generator, batch: int, frames: int, width: int, height: int, held_out,
               zh_prob: float = 0.3) -> tuple[torch.Tensor, list[str]]:
    """Render `batch` clips -> (video (B, 3, T, H, W) in [-1, 1], captions)."""
    videos, captions = [], []
    for _ in range(batch):
        spec = training_spec(rng, held_out)
        clip = make_clip(spec, seed=int(rng.integers(2**31)), frames=frames, width=width, height=height)
        videos.append(clip.frames)
        captions.append(detailed_caption(spec, "zh" if rng.random() < zh_prob else "en"))
    video = torch.from_numpy(np.stack(videos)).permute(0, 4, 1, 2, 3)  # (B, 3, T, H, W) uint8
    return video.float() / 127.5 - 1, captions


def sample_keep_mask(rng: np.random.Generator, frames: int, mask_probs) -> np.ndarray:
    """Which latent frames are given clean: (T,) bool. One model learns every mode from these.

    none: text-to-video; first: image-to-video; first_k / last_k: extension forward / backward;
    ends: interpolation between keyframes; random: filling in arbitrary missing frames.
    """
    names = [n for n, _ in mask_probs]
    p = np.array([w for _, w in mask_probs], dtype=float)
    mode = names[rng.choice(len(names), p=p / p.sum())]
    keep = np.zeros(frames, dtype=bool)
    if frames == 1 or mode == "none":
        return keep
    k = int(rng.integers(1, max(2, frames // 2) + 1))  # 1 .. T/2 kept frames
    if mode == "first":
        keep[0] = True
    elif mode == "first_k":
        keep[:k] = True
    elif mode == "last_k":
        keep[-k:] = True
    elif mode == "ends":
        keep[0] = keep[-1] = True
    else:
        keep[rng.random(frames) < rng.uniform(0.1, 0.6)] = True
        keep[rng.integers(frames)] = False  # at least one frame to generate
    return keep
