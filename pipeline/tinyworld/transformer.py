"""The diffusion transformer: spacetime patches, self-attention, text cross-attention, adaLN-Zero.

    python -c "from pipeline.tinyworld.transformer import TinyWorldTransformer as T; print(T())"

Input is the noisy latent video with the kept (clean) frames written in and a mask channel
that says which frames those are; output is the rectified-flow velocity (noise - clean).
Positions are fixed sin-cos codes of (frame, row, column) computed for whatever grid arrives,
so any frame count and aspect ratio work. Read like DiT's models.py: embedders, block, model.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from einops import rearrange

# ---------------------------------------------------------------- embedders


def sincos(positions: torch.Tensor, dim: int, period: float = 10000.0) -> torch.Tensor:
    """(N,) float positions -> (N, dim) sin-cos features."""
    freqs = torch.exp(-math.log(period) * torch.arange(dim // 2, dtype=torch.float32, device=positions.device) / (dim // 2))
    angles = positions.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def spacetime_positions(t: int, h: int, w: int, dim: int, first_frame: torch.Tensor | None = None) -> torch.Tensor:
    """(T*h*w, dim) codes: a quarter of the channels for time, the rest split between rows and columns.

    Time counts frames from the clip's first frame. A window that sits elsewhere on its clip's
    timeline (an extension: after the given frames, or before them, at negative times) passes
    `first_frame` (B,), the time of each window's first frame, and gets (B, T*h*w, dim) codes.
    Every training clip starts as its event starts, so time 0 is when the event begins."""
    dt = dim // 4 // 2 * 2
    dy = (dim - dt) // 2 // 2 * 2
    dx = dim - dt - dy
    grid_t, grid_y, grid_x = torch.meshgrid(torch.arange(t), torch.arange(h), torch.arange(w), indexing="ij")
    space = torch.cat([sincos(grid_y.flatten(), dy), sincos(grid_x.flatten(), dx)], dim=-1)  # (N, dim - dt)
    if first_frame is None:
        return torch.cat([sincos(grid_t.flatten(), dt), space], dim=-1)
    times = first_frame.cpu()[:, None] + grid_t.flatten()[None]  # (B, N)
    time_codes = sincos(times.flatten(), dt).view(*times.shape, dt)
    return torch.cat([time_codes, space.expand(len(times), -1, -1)], dim=-1)


class TimestepEmbedder(nn.Module):
    def __init__(self, width: int, freq_dim: int = 256):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        """(B,) flow time in [0, 1] -> (B, width)."""
        return self.mlp(sincos(t * 1000, self.freq_dim))


# ---------------------------------------------------------------- block


class Attention(nn.Module):
    def __init__(self, width: int, heads: int, context_width: int | None = None):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(context_width or width, 2 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, context: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, N, D), context (B, M, Dc), mask (B, M) True where attendable -> (B, N, D)."""
        q = rearrange(self.q(x), "b n (h d) -> b h n d", h=self.heads)
        k, v = rearrange(self.kv(context), "b m (two h d) -> two b h m d", two=2, h=self.heads)
        attn_mask = None if mask is None else mask[:, None, None, :]  # (B, 1, 1, M)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.out(rearrange(y, "b h n d -> b n (h d)"))


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale[:, None]) + shift[:, None]


class Block(nn.Module):
    """Self-attention over all spacetime patches, cross-attention to the caption, MLP; adaLN-Zero."""

    def __init__(self, width: int, heads: int, text_width: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=1e-6)
        self.cross = Attention(width, heads, context_width=text_width)
        self.norm3 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(approximate="tanh"), nn.Linear(4 * width, width))
        self.modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 6 * width))

    def forward(self, x: torch.Tensor, c: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor) -> torch.Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(c).chunk(6, dim=-1)  # each (B, D)
        h = modulate(self.norm1(x), shift1, scale1)
        x = x + gate1[:, None] * self.attn(h, h)
        x = x + self.cross(self.norm2(x), text, text_mask)
        return x + gate2[:, None] * self.mlp(modulate(self.norm3(x), shift2, scale2))


# ---------------------------------------------------------------- model


class TinyWorldTransformer(ModelMixin, ConfigMixin):
    @register_to_config
    def __init__(
        self,
        latent_channels: int = 16,  # channels of the autoencoder's latent
        patch: int = 2,  # spatial patch side in latent pixels; time is patched frame by frame (1)
        width: int = 256,
        depth: int = 6,
        heads: int = 4,
        text_width: int = 128,  # the text encoder's hidden size
    ):
        super().__init__()
        self.patch_embed = nn.Linear((latent_channels + 1) * patch * patch, width)  # +1: the keep-mask channel
        self.time_embed = TimestepEmbedder(width)
        self.text_pool = nn.Linear(text_width, width)
        self.blocks = nn.ModuleList([Block(width, heads, text_width) for _ in range(depth)])
        self.final_norm = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.final_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 2 * width))
        self.final = nn.Linear(width, latent_channels * patch * patch)
        self._zero_init()

    def _zero_init(self) -> None:
        # adaLN-Zero: every block starts as the identity and the output as zero velocity.
        for block in self.blocks:
            nn.init.zeros_(block.modulation[-1].weight)
            nn.init.zeros_(block.modulation[-1].bias)
        for layer in (self.final_modulation[-1], self.final):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, latents: torch.Tensor, keep: torch.Tensor, timestep: torch.Tensor,
                text: torch.Tensor, text_mask: torch.Tensor, first_frame: torch.Tensor | None = None) -> torch.Tensor:
        """Velocity for `latents`.

        latents (B, C, T, h, w) with kept frames clean; keep (B, T) bool; timestep (B,) flow time
        in [0, 1] (1 is pure noise); text (B, L, Dt) with text_mask (B, L); first_frame (B,) int,
        where each window starts on its clip's timeline (None: at 0) -> velocity (B, C, T, h, w).
        """
        b, _, t, h, w = latents.shape
        p = self.config.patch
        mask = keep[:, None, :, None, None].to(latents.dtype).expand(b, 1, t, h, w)
        x = torch.cat([latents, mask], dim=1)  # (B, C+1, T, h, w)
        x = rearrange(x, "b c t (y p) (x q) -> b (t y x) (c p q)", p=p, q=p)
        x = self.patch_embed(x) + spacetime_positions(t, h // p, w // p, self.config.width, first_frame).to(x)  # (B, N, D)
        pooled = (text * text_mask[..., None]).sum(1) / text_mask.sum(1, keepdim=True).clamp(min=1)  # (B, Dt)
        c = self.time_embed(timestep) + self.text_pool(pooled)  # (B, D)
        for block in self.blocks:
            x = block(x, c, text, text_mask)
        shift, scale = self.final_modulation(c).chunk(2, dim=-1)
        x = self.final(modulate(self.final_norm(x), shift, scale))  # (B, N, C*p*p)
        return rearrange(x, "b (t y x) (c p q) -> b c t (y p) (x q)", t=t, y=h // p, x=w // p, p=p, q=p)
