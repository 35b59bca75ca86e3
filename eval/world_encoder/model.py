"""The world encoder: a small video tower and a text tower meeting in one L2-normalised space.

    python -c "from eval.world_encoder.model import EncoderConfig, WorldEncoder; print(WorldEncoder(EncoderConfig(vocab_size=64)))"

Video tower, spatiotemporal so that it sees motion and its direction:
    uint8 (T, H, W, 3) -> T subsampled evenly to at most max_frames (8) -> resized to size x size
    (48x48, area filter; 96x64 and 64x96 are stretched, not padded, so every pixel of the scene
    is kept) -> per frame: RGB plus its difference from the previous frame (the sign of that
    difference is where motion, and its direction, shows) -> strided 2D convs to a 6x6 grid
    -> a temporal conv and a spatial conv on that grid -> each
    frame's grid flattened (so position, hence left/right, survives) to one token -> a
    transformer over the frame tokens, with time positions, read out at a [CLS] token.
Text tower: a word-level tokenizer (eval.world_encoder.text) -> a small transformer, read out
at the [BOS] token. Both project to `embed_dim` and are L2-normalised; a learned temperature
scales their cosines in the contrastive loss.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange


@dataclass(frozen=True)
class EncoderConfig:
    vocab_size: int  # the tokenizer's vocabulary size
    # Every frame is resized to size x size: 48 keeps a small object 3.6 px in radius, its shape
    # legible, at half the cost of 64 (the per-frame convs are most of the training time).
    size: int = 48
    # Frames the video tower sees; longer clips are subsampled evenly (16 frames at 8 fps -> every
    # other frame). Motion is still a few pixels a frame, and the tower costs half.
    max_frames: int = 8
    stem: tuple[int, ...] = (24, 48, 64)  # channels of the strided per-frame convs: 48 -> 24 -> 12 -> 6
    frame_width: int = 192  # width of a frame token and of the temporal transformer
    video_layers: int = 2  # temporal transformer layers
    heads: int = 4  # attention heads in both towers
    text_width: int = 128  # width of a text token
    text_layers: int = 2  # text transformer layers
    max_tokens: int = 96  # the longest Chinese detailed caption is ~80 characters plus [BOS]
    embed_dim: int = 128  # the shared embedding's dimension
    init_temperature: float = 0.07  # softmax temperature at the start (CLIP's value)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "EncoderConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:  # a stale config must not silently build something else
            raise ValueError(f"EncoderConfig: unknown keys {unknown}; known: {sorted(known)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def preprocess(videos: np.ndarray, cfg: EncoderConfig) -> torch.Tensor:
    """uint8 (N, T, H, W, 3) -> float (N, T', 3, size, size) in [-1, 1], T' = min(T, max_frames)."""
    if videos.ndim != 5 or videos.shape[-1] != 3 or videos.dtype != np.uint8 or videos.shape[1] < 1:
        raise ValueError(f"videos: expected uint8 (N, T, H, W, 3), got {videos.dtype} {tuple(videos.shape)}")
    n, t = videos.shape[:2]
    if t > cfg.max_frames:  # even subsampling keeps the whole event, at a lower frame rate
        videos = videos[:, np.linspace(0, t - 1, cfg.max_frames).round().astype(int)]
    x = torch.from_numpy(np.ascontiguousarray(videos))
    x = rearrange(x, "n t h w c -> (n t) c h w").float()
    if x.shape[-2:] != (cfg.size, cfg.size):
        x = F.interpolate(x, size=(cfg.size, cfg.size), mode="area")
    return rearrange(x / 127.5 - 1, "(n t) c h w -> n t c h w", n=n)  # (N, T', 3, S, S)


class VideoTower(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        chans = (6,) + cfg.stem  # RGB and its temporal difference
        convs = []
        for i, (cin, cout) in enumerate(zip(chans[:-1], chans[1:])):
            kernel = 4 if i == 0 else 3  # an even first kernel with stride 2 sees every pixel once per tap pair
            convs += [nn.Conv2d(cin, cout, kernel, stride=2, padding=1), nn.GELU()]
        self.stem = nn.Sequential(*convs)
        c = cfg.stem[-1]
        grid = cfg.size // 2 ** len(cfg.stem)
        # Motion at feature level: each grid cell mixes with itself one frame before and after.
        self.temporal = nn.Conv3d(c, c, (3, 1, 1), padding=(1, 0, 0))
        self.spatial = nn.Conv2d(c, c, 3, padding=1)
        self.to_token = nn.Linear(c * grid * grid, cfg.frame_width)
        self.cls = nn.Parameter(torch.zeros(1, 1, cfg.frame_width))
        self.time = nn.Parameter(torch.randn(1, cfg.max_frames + 1, cfg.frame_width) * 0.02)
        layer = nn.TransformerEncoderLayer(cfg.frame_width, cfg.heads, 4 * cfg.frame_width, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, cfg.video_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.frame_width)
        self.project = nn.Linear(cfg.frame_width, cfg.embed_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, 3, S, S) in [-1, 1] -> unnormalised embeddings (B, D)."""
        b, t = x.shape[:2]
        diff = torch.cat([torch.zeros_like(x[:, :1]), x[:, 1:] - x[:, :-1]], dim=1)  # (B, T, 3, S, S)
        h = self.stem(rearrange(torch.cat([x, diff], dim=2), "b t c h w -> (b t) c h w"))  # (BT, C, g, g)
        h3 = rearrange(h, "(b t) c h w -> b c t h w", b=b)
        h = h + rearrange(self.temporal(F.gelu(h3)), "b c t h w -> (b t) c h w")
        h = h + self.spatial(F.gelu(h))  # (BT, C, g, g)
        tokens = self.to_token(rearrange(h, "(b t) c h w -> b t (c h w)", b=b))  # (B, T, W)
        tokens = torch.cat([self.cls.expand(b, -1, -1), tokens], dim=1) + self.time[:, : t + 1]  # (B, 1 + T, W)
        return self.project(self.norm(self.layers(tokens)[:, 0]))  # (B, D)


class TextTower(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab_size, cfg.text_width)
        self.position = nn.Parameter(torch.randn(1, cfg.max_tokens, cfg.text_width) * 0.02)
        layer = nn.TransformerEncoderLayer(cfg.text_width, cfg.heads, 4 * cfg.text_width, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, cfg.text_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.text_width)
        self.project = nn.Linear(cfg.text_width, cfg.embed_dim, bias=False)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """ids, mask (B, L) (mask True at real tokens; ids[:, 0] is [BOS]) -> unnormalised (B, D)."""
        h = self.embed(ids) + self.position[:, : ids.shape[1]]  # (B, L, W)
        h = self.layers(h, src_key_padding_mask=~mask)
        return self.project(self.norm(h[:, 0]))  # (B, D)


class WorldEncoder(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        if cfg.size % 2 ** len(cfg.stem):
            raise ValueError(f"size: {cfg.size} must be divisible by 2**{len(cfg.stem)} (one halving per stem conv)")
        self.cfg = cfg
        self.video = VideoTower(cfg)
        self.text = TextTower(cfg)
        self.log_scale = nn.Parameter(torch.tensor(float(np.log(1 / cfg.init_temperature))))

    def encode_video(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, S, S) -> L2-normalised (B, D)."""
        return F.normalize(self.video(x), dim=-1)

    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, L) ids and mask -> L2-normalised (B, D)."""
        return F.normalize(self.text(ids, mask), dim=-1)

    def scale(self) -> torch.Tensor:
        """exp(log_scale), capped at 100 as CLIP does, so the softmax cannot become a hard max."""
        return self.log_scale.clamp(max=float(np.log(100.0))).exp()
