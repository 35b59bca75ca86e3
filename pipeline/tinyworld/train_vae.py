"""Phase 1 of training: the autoencoder, on single world frames; `train.py` runs it first.

    python -m pipeline.tinyworld.train_vae --minutes 8 --out runs/tinyworld/vae
    python -m pipeline.tinyworld.train_vae --minutes 30 --out runs/tinyworld/vae --decoder-only
    python -m pipeline.tinyworld.train_vae --minutes 12 --out runs/tinyworld2/vae --init runs/tinyworld/vae
    python -m pipeline.tinyworld.train_vae --minutes 3 --out runs/gpu/vae --decoder-only --config gpu_vae.json   # e.g. {"device": "cuda", "data_workers": 15, "vae_batch_frames": 512}

--decoder-only goes on training the decoder of the autoencoder in --out with its encoder frozen:
the latents do not change, so a transformer trained on them stays valid while the pixels it
decodes to get sharper.

Logs loss and PSNR; at the end measures the latent mean and spread so the transformer sees
unit-variance latents, and saves with `save_pretrained` (safetensors).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange

from pipeline.tinyworld.config import SIZES, TrainConfig
from pipeline.tinyworld.data import clip_batch, object_pixels, stream_batches, to_unit_range
from pipeline.tinyworld.vae import TinyVideoAutoencoder


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB between videos in [-1, 1], measured on the 0-255 scale."""
    mse = F.mse_loss((a.clamp(-1, 1) + 1) * 127.5, (b.clamp(-1, 1) + 1) * 127.5).item()
    return 10 * np.log10(255**2 / max(mse, 1e-10))


def reconstruction_loss(recon: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    """L1 + MSE, with object pixels weighted 11x: objects are a few percent of the frame, yet their
    colour is what the probes and captions name (red must not drift to orange). An object pixel is
    saturated in the frame or in the reconstruction: a fringe of colour bled onto the grey around an
    object widens its bounding box, and a box with a ragged fringe reads as a ball to the probes."""
    objects = object_pixels(frames) | object_pixels(recon.detach())  # (B, 1, T, H, W)
    weight = 1 + 10 * objects.float()
    err = (recon - frames).abs() + (recon - frames).pow(2)
    return (err * weight).sum() / (weight.sum() * frames.shape[1])


def set_cosine_lr(opt: torch.optim.Optimizer, lr: float, progress: float) -> None:
    """Cosine decay from lr at progress 0 to 0 at progress 1 (and after): the last minutes polish edges."""
    for group in opt.param_groups:
        group["lr"] = lr * 0.5 * (1 + np.cos(np.pi * min(progress, 1.0)))


def train_vae(cfg: TrainConfig, minutes: float, out: Path, log=print, decoder_only: bool = False,
              init: Path | None = None) -> TinyVideoAutoencoder:
    """Train for `minutes` and save to `out`. decoder_only: go on from the autoencoder in `out` with its
    encoder frozen. init: start from another autoencoder's weights and train all of it."""
    torch.manual_seed(cfg.data_seed)
    phase = 3 if decoder_only else 4 if init else 1
    rng = np.random.default_rng([cfg.data_seed, phase])
    if decoder_only or init:
        vae = TinyVideoAutoencoder.from_pretrained(out if decoder_only else init)
    else:
        vae = TinyVideoAutoencoder()
    vae.to(cfg.device)
    vae.encoder.requires_grad_(not decoder_only)
    lr = cfg.vae_lr / 2 if decoder_only or init else cfg.vae_lr  # going on from weights: a gentler start
    opt = torch.optim.AdamW([p for p in vae.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    clips_per_step = max(1, cfg.vae_batch_frames // cfg.frames)
    # Frames come from the training stream's renderer (in cfg.data_workers processes), every held-out
    # combination included: the autoencoder learns pixels, not the captions' combinations. Its own data
    # seed keeps it apart from the transformer's stream.
    stream = replace(cfg, batch_size=clips_per_step, image_batch_prob=0.0, time_shift=0, held_out=(),
                     data_seed=cfg.data_seed * 10 + phase)
    batches = iter(stream_batches(stream, 0))
    start, step = time.time(), 0
    last_save = start
    while time.time() - start < minutes * 60:
        video = to_unit_range(next(batches)[0].to(cfg.device))
        frames = rearrange(video, "b c t h w -> 1 c (b t) h w")  # every frame on its own: (1, 3, B*T, H, W)
        set_cosine_lr(opt, lr, (time.time() - start) / (minutes * 60))
        with torch.autocast(cfg.device, dtype=torch.bfloat16, enabled=cfg.bf16):
            latents = vae.encode(frames)
            spread = cfg.vae_latent_noise * torch.rand(1, 1, latents.shape[2], 1, 1, device=latents.device)  # per frame
            recon = vae.decode(latents + torch.randn_like(latents) * spread * latents.detach().std())
        loss = reconstruction_loss(recon.float(), frames)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            log(json.dumps({"phase": "vae", "step": step, "loss": round(loss.item(), 5),
                            "psnr": round(psnr(recon.float(), frames), 2), "minutes": round((time.time() - start) / 60, 2)}))
        if decoder_only and time.time() - last_save > cfg.checkpoint_minutes * 60:
            vae.save_pretrained(out)  # the encoder is frozen, so every save is usable as it stands
            last_save = time.time()
    vae.cpu()
    if not decoder_only:  # a frozen encoder keeps its latent statistics
        _set_latent_stats(vae, rng, cfg)
    vae.save_pretrained(out)
    return vae


@torch.no_grad()
def _set_latent_stats(vae: TinyVideoAutoencoder, rng: np.random.Generator, cfg: TrainConfig) -> None:
    video, _ = clip_batch(rng, 32, cfg.frames, 64, 64, held_out=())
    vae.register_to_config(latent_shift=0.0, latent_scale=1.0)
    raw = vae.encode(video)
    vae.register_to_config(latent_shift=round(raw.mean().item(), 5), latent_scale=round(raw.std().item(), 5))


@torch.no_grad()
def measure_psnr(vae: TinyVideoAutoencoder, seed: int = 123, clips: int = 16) -> dict[str, float]:
    """Round-trip PSNR (dB) on fresh clips at every size: the ceiling for kept-frame PSNR."""
    rng = np.random.default_rng(seed)
    out = {}
    for width, height in SIZES:
        video, _ = clip_batch(rng, clips, 16, width, height, held_out=())
        out[f"{width}x{height}"] = round(psnr(vae.decode(vae.encode(video)), video), 2)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=TrainConfig.vae_minutes)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--decoder-only", action="store_true", help="fine-tune the decoder of the autoencoder in --out")
    parser.add_argument("--init", type=Path, help="start from this autoencoder's weights (all of it trains)")
    parser.add_argument("--threads", type=int, default=TrainConfig.threads)
    parser.add_argument("--config", type=Path, help="JSON of TrainConfig fields to change, e.g. device, data_workers, vae_batch_frames")
    args = parser.parse_args(argv)
    cfg = TrainConfig.from_dict(json.loads(args.config.read_text())) if args.config else TrainConfig()
    torch.set_num_threads(args.threads)
    vae = train_vae(cfg, args.minutes, args.out, decoder_only=args.decoder_only, init=args.init)
    print(json.dumps({"psnr": measure_psnr(vae), "latent_shift": vae.config.latent_shift, "latent_scale": vae.config.latent_scale}))


if __name__ == "__main__":
    main()
