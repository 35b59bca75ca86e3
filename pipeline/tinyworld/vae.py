"""The video autoencoder: 8x spatial compression, frame by frame (an image is a one-frame video).

    python -c "from pipeline.tinyworld.vae import TinyVideoAutoencoder as A; print(A())"

Frames are coded independently, so any frame count works and a kept frame is a kept latent
frame: conditioning on frame k of a video means fixing latent frame k. Time is modelled by the
transformer, not here. The world's frames are flat colours on grey, so a small convolutional
coder reaches > 30 dB; `latent_scale` brings latents to unit variance for rectified flow.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from einops import rearrange


class ResBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(8, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(h)))


class TinyVideoAutoencoder(ModelMixin, ConfigMixin):
    @register_to_config
    def __init__(
        self,
        latent_channels: int = 16,  # channels per latent pixel; 16 x 8 x 8 per 64x64 frame is 12x compression
        widths: tuple[int, int, int] = (64, 96, 128),  # channels at 1/2, 1/4 and 1/8 resolution
        latent_shift: float = 0.0,  # subtracted from raw latents before scaling (set after training)
        latent_scale: float = 1.0,  # raw latents are divided by this to reach unit variance (set after training)
    ):
        super().__init__()
        w1, w2, w3 = widths
        # Pixel unshuffle first: the 2x2 neighbourhood becomes channels, so no conv runs at full size.
        self.encoder = nn.Sequential(
            nn.PixelUnshuffle(2), nn.Conv2d(12, w1, 3, padding=1), ResBlock(w1),
            nn.Conv2d(w1, w2, 3, stride=2, padding=1), ResBlock(w2),
            nn.Conv2d(w2, w3, 3, stride=2, padding=1), ResBlock(w3),
            nn.GroupNorm(8, w3), nn.SiLU(), nn.Conv2d(w3, latent_channels, 3, padding=1),
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(latent_channels, w3, 3, padding=1), ResBlock(w3), ResBlock(w3),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(w3, w2, 3, padding=1), ResBlock(w2),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(w2, w1, 3, padding=1), ResBlock(w1),
            nn.GroupNorm(8, w1), nn.SiLU(), nn.Conv2d(w1, 12, 3, padding=1), nn.PixelShuffle(2),
        )

    spatial_factor = 8  # pixels per latent pixel along each side

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """(B, 3, T, H, W) in [-1, 1] -> normalised latents (B, C, T, H/8, W/8)."""
        b = video.shape[0]
        frames = rearrange(video, "b c t h w -> (b t) c h w")
        raw = self.encoder(frames)  # (B*T, C, h, w)
        latents = (raw - self.config.latent_shift) / self.config.latent_scale
        return rearrange(latents, "(b t) c h w -> b c t h w", b=b)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Normalised latents (B, C, T, h, w) -> video (B, 3, T, 8h, 8w), roughly in [-1, 1]."""
        b = latents.shape[0]
        raw = rearrange(latents, "b c t h w -> (b t) c h w") * self.config.latent_scale + self.config.latent_shift
        return rearrange(self.decoder(raw), "(b t) c h w -> b c t h w", b=b)
