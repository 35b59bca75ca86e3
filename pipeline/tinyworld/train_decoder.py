"""Fine-tune the decoder on the transformer's own latents, so what it makes decodes as crisp shapes.

    python -m pipeline.tinyworld.train_decoder --weights pipeline/tinyworld/weights --out runs/dec/vae --minutes 12
    python -m pipeline.tinyworld.train_decoder --weights runs/gpu/weights --out runs/gpu/vae_decoder --device cuda --clips 6144

The transformer's latents are never the encoder's: a box it makes may decode with rounded
corners. Pairs with a known answer come from partly noising the latents of a rendered clip and
letting the transformer denoise them (its caption, guidance 3, Euler steps from flow time t down
to 0, t drawn from [T_LOW, T_HIGH]): the layout stays the clip's, the fine detail is the
transformer's. The decoder then learns to turn those latents into the rendered frames; half of
every batch is the clips' exact latents, so the round trip keeps its quality. The encoder is not
touched, so the transformer stays valid. Clips never use a held-out combination. Writes the
autoencoder to --out; `export` takes it from a run's vae_decoder/ folder.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from einops import rearrange

from pipeline.tinyworld.config import HELD_OUT
from pipeline.tinyworld.data import clip_batch
from pipeline.tinyworld.pipeline import TinyWorldPipeline
from pipeline.tinyworld.text import tokenize
from pipeline.tinyworld.train_vae import measure_psnr, psnr, reconstruction_loss, set_cosine_lr

T_LOW, T_HIGH = 0.25, 0.6  # flow times the pairs start from: enough noise for the transformer's detail, little enough to keep the layout
GUIDANCE = 3.0


@torch.no_grad()
def denoise_from(pipe: TinyWorldPipeline, clean: torch.Tensor, captions: list[str], t0: float,
                 generator: torch.Generator) -> torch.Tensor:
    """Noise latents (B, C, T, h, w) to flow time t0, then Euler-step them back to 0 with the transformer."""
    batch, frames, device = clean.shape[0], clean.shape[2], clean.device
    ids, mask = (v.to(device) for v in tokenize(pipe.tokenizer, [""] * batch + captions))
    with torch.autocast(device.type, dtype=torch.bfloat16):
        text = pipe.text_encoder(ids, mask)  # (2B, L, Dt): unconditioned first
    times = np.linspace(t0, 0.0, max(2, round(8 * t0)) + 1)  # the card's 8 steps over the whole range, pro rata
    latents = (1 - t0) * clean + t0 * torch.randn(clean.shape, generator=generator, device=device)
    kept = torch.zeros(2 * batch, frames, dtype=torch.bool, device=device)
    for t, t_next in zip(times[:-1], times[1:]):
        with torch.autocast(device.type, dtype=torch.bfloat16):
            velocity = pipe.transformer(latents.repeat(2, 1, 1, 1, 1), kept, torch.full((2 * batch,), float(t), device=device),
                                        text, mask).float()
        uncond, cond = velocity.chunk(2)
        latents = latents + (t_next - t) * (uncond + GUIDANCE * (cond - uncond))
    return latents


@torch.no_grad()
def make_pairs(pipe: TinyWorldPipeline, clips: int, seed: int, batch: int = 32) -> tuple[torch.Tensor, ...]:
    """-> (frames (N, 3, H, W) in [-1, 1], exact latents (N, C, h, w), transformer latents (N, C, h, w)),
    one row per frame of `clips` rendered 16-frame 64x64 clips, on the pipeline's device."""
    device = pipe.vae.device
    rng, generator = np.random.default_rng([seed, 5]), torch.Generator(device).manual_seed(seed)
    frames, exact, made = [], [], []
    for first in range(0, clips, batch):
        video, captions = clip_batch(rng, min(batch, clips - first), 16, 64, 64, held_out=HELD_OUT)  # (B, 3, T, H, W)
        video = video.to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16):
            clean = pipe.vae.encode(video).float()  # (B, C, T, h, w)
        t0 = float(rng.uniform(T_LOW, T_HIGH))
        frames.append(rearrange(video, "b c t h w -> (b t) c h w"))
        exact.append(rearrange(clean, "b c t h w -> (b t) c h w"))
        made.append(rearrange(denoise_from(pipe, clean, captions, t0, generator), "b c t h w -> (b t) c h w"))
    return torch.cat(frames), torch.cat(exact), torch.cat(made)


def train_decoder(weights: Path, out: Path, minutes: float, clips: int = 1536, seed: int = 0, lr: float = 2e-4,
                  batch_frames: int = 64, device: str = "cpu", log=print) -> None:
    torch.manual_seed(seed)
    pipe = TinyWorldPipeline.from_pretrained(weights).to(device)
    start = time.time()
    frames, exact, made = make_pairs(pipe, clips, seed)
    with torch.no_grad():  # how far the transformer's latents decode from the frames before fine-tuning
        before = psnr(pipe.vae.decode(made[:256, :, None]), frames[:256, :, None])
    log(json.dumps({"pairs": len(frames), "minutes": round((time.time() - start) / 60, 2), "made_psnr": round(before, 2)}))
    vae = pipe.vae.train()
    vae.encoder.requires_grad_(False)
    opt = torch.optim.AdamW(vae.decoder.parameters(), lr=lr, weight_decay=0.0)
    rng, step, start = np.random.default_rng([seed, 6]), 0, time.time()
    half = batch_frames // 2
    while step == 0 or time.time() - start < minutes * 60:
        set_cosine_lr(opt, lr, (time.time() - start) / (minutes * 60))
        rows = torch.from_numpy(rng.choice(len(frames), batch_frames, replace=False)).to(device)
        latents = torch.cat([made[rows[:half]], exact[rows[half:]]])[None].transpose(1, 2)  # (1, C, F, h, w)
        target = frames[rows][None].transpose(1, 2)  # (1, 3, F, H, W)
        with torch.autocast(device, dtype=torch.bfloat16):
            recon = vae.decode(latents)
        loss = reconstruction_loss(recon.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            log(json.dumps({"phase": "decoder", "step": step, "loss": round(loss.item(), 5),
                            "made_psnr": round(psnr(recon[:, :, :half].float(), target[:, :, :half]), 2),
                            "exact_psnr": round(psnr(recon[:, :, half:].float(), target[:, :, half:]), 2),
                            "minutes": round((time.time() - start) / 60, 2)}))
    vae.eval().cpu().save_pretrained(out)
    log(json.dumps({"psnr": measure_psnr(vae)}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, required=True, help="a tinyworld pipeline folder (its decoder is the start)")
    parser.add_argument("--out", type=Path, required=True, help="where the fine-tuned autoencoder is saved")
    parser.add_argument("--minutes", type=float, default=12.0, help="training time after the pairs are made")
    parser.add_argument("--clips", type=int, default=1536, help="rendered clips turned into pairs (16 frames each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cuda on a GPU (the decoder still ships for the CPU)")
    parser.add_argument("--batch-frames", type=int, default=64, help="frames per decoder step (half transformer latents)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    train_decoder(args.weights, args.out, args.minutes, args.clips, args.seed, batch_frames=args.batch_frames,
                  device=args.device)


if __name__ == "__main__":
    main()
