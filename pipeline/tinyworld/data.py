"""The training stream: world clips, captions and keep-masks, generated on the fly and seeded.

    python -c "import numpy as np; from pipeline.tinyworld.data import clip_batch; print(clip_batch(np.random.default_rng(0), 2, 16, 64, 64, ())[0].shape)"
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from pipeline.tinyworld.config import SIZES, TrainConfig
from world import detailed_caption, sample_spec
from world.render import make_clip


def is_held_out(spec, held_out) -> bool:
    subject = spec.subject
    return (subject.colour, subject.shape, spec.event) in set(map(tuple, held_out))


def training_spec(rng: np.random.Generator, held_out, pan_share: float | None = None,
                  event_weights=None, still_single_share: float | None = None):
    """A random scene whose subject combination is not held out; `pan_share` of them under a camera
    pan, events drawn by `event_weights` ((event, weight), ...) and `still_single_share` of "still"
    scenes with one object only (None for each: the world's own, as sample_spec draws it)."""
    while True:
        pan = None if pan_share is None else bool(rng.random() < pan_share)
        event = None
        if event_weights is not None:
            names, weights = zip(*event_weights)
            event = str(names[rng.choice(len(names), p=np.array(weights) / sum(weights))])
        spec = sample_spec(rng, event=event, pan=pan)
        if spec.event == "still" and still_single_share is not None and rng.random() < still_single_share:
            spec = replace(spec, objects=spec.objects[:1])
        if not is_held_out(spec, held_out):
            return spec


def render_clips(rng: np.random.Generator, batch: int, frames: int, width: int, height: int, held_out,
                 zh_prob: float = 0.3, pan_share: float | None = None, event_weights=None,
                 still_single_share: float | None = None) -> tuple[torch.Tensor, list[str]]:
    """Render `batch` clips -> (video (B, 3, T, H, W) uint8, captions); uint8 is 4x cheaper to pass between processes."""
    videos, captions = [], []
    for _ in range(batch):
        spec = training_spec(rng, held_out, pan_share, event_weights, still_single_share)
        clip = make_clip(spec, seed=int(rng.integers(2**31)), frames=frames, width=width, height=height)
        videos.append(clip.frames)
        captions.append(detailed_caption(spec, "zh" if rng.random() < zh_prob else "en"))
    return torch.from_numpy(np.stack(videos)).permute(0, 4, 1, 2, 3), captions  # (B, 3, T, H, W) uint8


def to_unit_range(video: torch.Tensor) -> torch.Tensor:
    """uint8 video -> float in [-1, 1], the autoencoder's input range."""
    return video.float() / 127.5 - 1


def object_pixels(frames: torch.Tensor) -> torch.Tensor:
    """Frames (B, 3, ...) in [-1, 1] -> (B, 1, ...) bool: saturated pixels. Every background, floor
    and wall of the world is neutral grey (saturation 0) and every object a saturated colour, so
    this is the objects, anti-aliased edges included."""
    return frames.amax(dim=1, keepdim=True) - frames.amin(dim=1, keepdim=True) > 0.3


def object_cells(video: torch.Tensor, factor: int) -> torch.Tensor:
    """uint8 video (B, 3, T, H, W) -> (B, T, H/factor, W/factor) float: 1 where a latent cell
    (factor x factor pixels) touches an object, else 0."""
    objects = object_pixels(to_unit_range(video))[:, 0].float()  # (B, T, H, W)
    return torch.nn.functional.max_pool2d(objects.flatten(0, 1), factor).unflatten(0, objects.shape[:2])


def clip_batch(rng: np.random.Generator, batch: int, frames: int, width: int, height: int, held_out,
               zh_prob: float = 0.3) -> tuple[torch.Tensor, list[str]]:
    """Render `batch` clips -> (video (B, 3, T, H, W) in [-1, 1], captions)."""
    video, captions = render_clips(rng, batch, frames, width, height, held_out, zh_prob)
    return to_unit_range(video), captions


def sample_mode(rng: np.random.Generator, mask_probs) -> str:
    """A training mode drawn from cfg.mask_probs ((name, weight), ...)."""
    names = [n for n, _ in mask_probs]
    p = np.array([w for _, w in mask_probs], dtype=float)
    return names[rng.choice(len(names), p=p / p.sum())]


def keep_mask(rng: np.random.Generator, mode: str, frames: int) -> np.ndarray:
    """Which latent frames `mode` gives clean: (T,) bool. One model learns every mode from these.

    none: text-to-video; first: image-to-video; first_k / last_k: extension forward / backward;
    ends: interpolation between keyframes; random: filling in arbitrary missing frames.
    """
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


def window_offset(rng: np.random.Generator, mode: str, time_shift: int) -> int:
    """Frames an extension's training window slides along its clip, uniform in -time_shift ..
    time_shift: > 0 starts later (into the frames rendered past cfg.frames), < 0 earlier (the
    clip's first frame held that long before anything moves). Every clip starts as its event
    starts, but an extension's window need not; the trainer times each window at its offset, as
    the pipeline times extension windows, so the model learns times other than 0..frames-1.
    Other modes never slide."""
    if mode not in ("first_k", "last_k") or time_shift == 0:
        return 0
    return int(rng.integers(-time_shift, time_shift + 1))


def slide_windows(x0: torch.Tensor, offsets: list[int], frames: int) -> torch.Tensor:
    """Latents of clips rendered `shift` frames long past `frames` (B, C, frames + shift, h, w) ->
    each clip's window at its offset (B, C, frames, h, w). The autoencoder codes frames one by
    one, so a held first frame is its latent frame repeated."""
    shift = x0.shape[2] - frames
    held = x0[:, :, :1].expand(-1, -1, shift, -1, -1)
    timeline = torch.cat([held, x0], dim=2)  # (B, C, frames + 2 shift, h, w); the clip starts at `shift`
    return torch.stack([timeline[b, :, shift + o: shift + o + frames] for b, o in enumerate(offsets)])


class RenderedBatches(torch.utils.data.Dataset):
    """Batch `index` of the seeded stream, rendered on the CPU -> (video (B, 3, T, H, W) uint8, captions),
    T = cfg.frames + cfg.time_shift (1 for an image batch).

    The same index always gives the same clips, whichever process renders it, so DataLoader
    workers (cfg.data_workers) change the speed of training and nothing else.
    """

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg

    def __len__(self) -> int:
        return 2**40  # a stream: the sampler decides where it starts

    def __getitem__(self, index: int) -> tuple[torch.Tensor, list[str]]:
        cfg = self.cfg
        rng = np.random.default_rng([cfg.data_seed, 2, index])
        width, height = SIZES[int(rng.choice(len(SIZES), p=np.array(cfg.size_weights) / sum(cfg.size_weights)))]
        frames = 1 if rng.random() < cfg.image_batch_prob else cfg.frames + cfg.time_shift  # room to slide windows
        return render_clips(rng, cfg.batch_size, frames, width, height, cfg.held_out, cfg.zh_caption_prob, cfg.pan_share,
                            cfg.event_weights, cfg.still_single_share)


def stream_batches(cfg: TrainConfig, first: int) -> torch.utils.data.DataLoader:
    """Rendered batches first, first + 1, ... (workers render ahead when cfg.data_workers > 0)."""
    batches = RenderedBatches(cfg)
    return torch.utils.data.DataLoader(
        batches, batch_size=None, sampler=range(first, len(batches)),
        num_workers=cfg.data_workers, prefetch_factor=4 if cfg.data_workers else None,
        persistent_workers=cfg.data_workers > 0)
