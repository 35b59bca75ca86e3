"""Train tinyworld (on the CPU, or a GPU) from the procedural world: autoencoder first, then text encoder + DiT.

    python -m pipeline.tinyworld.train --minutes 120 --out runs/tinyworld          # train or resume
    nohup python -u -m pipeline.tinyworld.train --minutes 120 --out runs/tinyworld > runs/tinyworld/train.log 2>&1 &
    python -m pipeline.tinyworld.export --run runs/tinyworld --out pipeline/tinyworld/weights
    # go on from the committed weights in a new run (fresh optimiser), e.g. in a later session:
    mkdir -p runs/more && cp -r pipeline/tinyworld/weights/vae runs/more/vae
    echo '{"data_seed": 5}' > runs/more/seed.json    # a seed the shipped weights' lineage has not used (0-4 have been)
    python -m pipeline.tinyworld.train --minutes 120 --out runs/more --init pipeline/tinyworld/weights --config runs/more/seed.json
    # on a GPU, clips rendered in 15 processes: the fourth run's config (data seed 3, 20 minutes on one H100,
    # ~9 steps/s of 256 clips, ~160x the 2-core CPU's clips/s); experiments/tinyworld/train_throughput.py picks batch_reuse
    mkdir -p runs/gpu && cp -r pipeline/tinyworld/weights/vae runs/gpu/vae
    echo '{"data_seed": 5, "batch_size": 256, "batch_reuse": 2, "lr": 4e-4, "warmup_steps": 500, "ema_decay": 0.9995,
           "checkpoint_minutes": 2, "device": "cuda", "data_workers": 15, "threads": 4}' > runs/gpu/seed.json
    python -m pipeline.tinyworld.train --minutes 20 --out runs/gpu --init pipeline/tinyworld/weights --config runs/gpu/seed.json
    # adding "time_shift": 8 (sliding extension windows) renders 24 frames a clip, not 16: re-check batch_reuse

Clips are rendered on the fly from a seeded stream (step s always sees the same clips; with
`data_workers` they are rendered ahead in other processes, and `device: "cuda"` trains on a GPU), with
the held-out subject combinations of config.HELD_OUT never shown; each rendered batch serves
`batch_reuse` steps, each with fresh noise, flow times, keep-masks and caption dropout. Each clip gets a keep-mask
(see data.keep_mask) so one set of weights learns every mode; with `time_shift`, extension windows
also slide along their clips (data.window_offset), since an extension's given frames need not start its event,
and are timed where they sit (the transformer's first_frame), as the pipeline times extension windows.
Rectified flow: x_t = (1 - t) x0 + t noise with logit-normal t, the model predicts noise - x0,
loss only on frames that are not kept. A resumable checkpoint (weights, EMA, optimiser, step) is written every few
minutes; `--minutes` is the total budget of this invocation.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from pipeline.tinyworld.config import TrainConfig
from pipeline.tinyworld.data import (keep_mask, object_cells, sample_mode, slide_windows, stream_batches, to_unit_range,
                                     window_offset)
from pipeline.tinyworld.text import TinyTextEncoder, build_tokenizer, tokenize
from pipeline.tinyworld.train_vae import reconstruction_loss, train_vae
from pipeline.tinyworld.transformer import TinyWorldTransformer
from pipeline.tinyworld.vae import TinyVideoAutoencoder

PIXEL_T_MAX, PIXEL_FRAMES = 0.5, 64  # the pixel loss: flow times low enough for a shape, frames per step


def build_models(cfg: TrainConfig, vocab_size: int) -> tuple[TinyTextEncoder, TinyWorldTransformer]:
    text_encoder = TinyTextEncoder(vocab_size=vocab_size, width=cfg.text_width, depth=cfg.text_depth, heads=cfg.heads)
    transformer = TinyWorldTransformer(width=cfg.width, depth=cfg.depth, heads=cfg.heads, text_width=cfg.text_width)
    return text_encoder, transformer


@torch.no_grad()
def encode(vae, video: torch.Tensor, cfg: TrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 video (B, 3, T, H, W) -> (clean latents (B, C, T, h, w) float32, object cells (B, T, h, w)),
    both on cfg.device."""
    video = video.to(cfg.device, non_blocking=True)
    with torch.autocast(cfg.device, dtype=torch.bfloat16, enabled=cfg.bf16):
        latents = vae.encode(to_unit_range(video)).float()
    return latents, object_cells(video, vae.spatial_factor)


def flow_loss(x0: torch.Tensor, objects: torch.Tensor, captions: list[str], text_encoder, transformer, tokenizer,
              cfg: TrainConfig, step: int, vae: TinyVideoAutoencoder | None = None) -> torch.Tensor:
    """Clean latents x0 (B, C, T + shift, h, w) and their object cells (B, T + shift, h, w) -> the masked
    rectified-flow loss, with this step's own caption dropout, modes, keep-masks, windows, noise and flow
    times (so a reused batch is a new problem); plus cfg.pixel_loss_weight times the pixel loss (needs vae)."""
    rng = np.random.default_rng([cfg.data_seed, 3, step])
    frames = min(cfg.frames, x0.shape[2])  # an image batch is one frame
    captions = ["" if rng.random() < cfg.text_drop_prob else c for c in captions]
    modes = [sample_mode(rng, cfg.mask_probs) for _ in captions]
    keep = torch.from_numpy(np.stack([keep_mask(rng, mode, frames) for mode in modes]))  # (B, T)
    shift = x0.shape[2] - frames
    offsets = [window_offset(rng, mode, shift) for mode in modes]
    # the object cells ride along as one more channel, so they slide with their latents
    windows = slide_windows(torch.cat([x0, objects[:, None]], dim=1), offsets, frames)
    x0, objects = windows[:, :-1], windows[:, -1]  # (B, C, T, h, w), (B, T, h, w)
    first_frame = torch.tensor(offsets)  # each window's time on its clip's timeline, as extension gives it
    ids, mask = tokenize(tokenizer, captions)
    keep, ids, mask = (v.to(x0.device, non_blocking=True) for v in (keep, ids, mask))
    gen = torch.Generator(x0.device).manual_seed(int(rng.integers(2**31)))  # on the training device: CPU noise would stall a GPU
    noise = torch.randn(x0.shape, generator=gen, device=x0.device)
    t = torch.sigmoid(torch.randn(x0.shape[0], generator=gen, device=x0.device))  # logit-normal flow time, (B,)
    tb = t[:, None, None, None, None]
    kept = keep[:, None, :, None, None]
    xt = torch.where(kept, x0, (1 - tb) * x0 + tb * noise)
    with torch.autocast(x0.device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
        velocity = transformer(xt, keep, t, text_encoder(ids, mask), mask, first_frame).float()
    err = (velocity - (noise - x0)).pow(2).mean(dim=1)  # (B, T, h, w)
    weight = 1 + cfg.object_loss_weight * (1 - t)[:, None, None, None] * objects  # (B, T, h, w)
    weight = weight * (~keep).float()[:, :, None, None]  # kept frames are given, not learned
    loss = (err * weight).sum() / weight.sum().clamp(min=1)
    if cfg.pixel_loss_weight:
        if vae is None:
            raise ValueError("flow_loss: pixel_loss_weight > 0 needs the autoencoder (vae=...) to decode with")
        predicted = xt - tb * velocity  # the transformer's clean latents: x_t - t (noise - x0) = x0
        loss = loss + cfg.pixel_loss_weight * pixel_loss(vae, predicted, x0, t, keep, gen, cfg.bf16)
    return loss


def pixel_loss(vae: TinyVideoAutoencoder, predicted: torch.Tensor, x0: torch.Tensor, t: torch.Tensor,
               keep: torch.Tensor, gen: torch.Generator, bf16: bool) -> torch.Tensor:
    """Predicted and true clean latents (B, C, T, h, w) -> reconstruction_loss between their decodings, over
    up to PIXEL_FRAMES generated (not kept) frames of clips at flow time t (B,) below PIXEL_T_MAX; 0 if none.
    Above that time the prediction is a blurred mean, and no decoder can make it a shape."""
    chosen = ((~keep) & (t < PIXEL_T_MAX)[:, None]).nonzero()  # (N, 2): clip, frame
    if len(chosen) == 0:
        return predicted.sum() * 0
    chosen = chosen[torch.randperm(len(chosen), generator=gen, device=chosen.device)[:PIXEL_FRAMES]]

    def as_video(latents: torch.Tensor) -> torch.Tensor:  # (B, C, T, h, w) -> the chosen frames (1, C, N, h, w)
        return latents[chosen[:, 0], :, chosen[:, 1]].transpose(0, 1)[None]

    with torch.autocast(x0.device.type, dtype=torch.bfloat16, enabled=bf16):
        decoded = vae.decode(as_video(predicted))  # (1, 3, N, H, W)
        with torch.no_grad():
            target = vae.decode(as_video(x0))
    return reconstruction_loss(decoded.float(), target.float())


def learning_rate(cfg: TrainConfig, step: int) -> float:
    """The learning rate at `step`: a linear warm-up, then constant, or with `lr_decay_until` a linear fall to 0."""
    warm = min(1.0, (step + 1) / cfg.warmup_steps)
    if not cfg.lr_decay_until:
        return cfg.lr * warm
    cool = (cfg.lr_decay_until - step) / max(1, cfg.lr_decay_until - cfg.warmup_steps)  # 1 at the end of warm-up
    return cfg.lr * warm * min(1.0, max(0.0, cool))


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    torch._foreach_lerp_(list(ema.parameters()), list(model.parameters()), 1 - decay)  # one fused op, not one per tensor


def build_optimiser(models: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(models.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.99),
                             fused=cfg.device == "cuda")


def optimiser_step(loss: torch.Tensor, models: torch.nn.Module, ema: torch.nn.Module, opt: torch.optim.Optimizer,
                   ema_decay: float) -> None:
    """One update from `loss`: gradients clipped to norm 1, the optimiser steps, the EMA follows."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(models.parameters(), 1.0)
    opt.step()
    update_ema(ema, models, ema_decay)


def save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: an interrupted save never leaves a half-written checkpoint


def initial_weights(init: Path) -> dict[str, torch.Tensor]:
    """Text encoder and transformer weights to start from: a run's checkpoint.pt (its EMA) or an
    exported weights folder (pipeline/tinyworld/weights), as one state dict for the ModuleDict."""
    if init.is_file():
        return torch.load(init, weights_only=True, map_location="cpu")["ema"]
    state = {}
    for name, cls in (("text_encoder", TinyTextEncoder), ("transformer", TinyWorldTransformer)):
        state.update({f"{name}.{k}": v for k, v in cls.from_pretrained(init / name).state_dict().items()})
    return state


def initialised_from(run: Path) -> Path | None:
    """The checkpoint or weights folder a run started from (`--init`), if any."""
    path = run / "init.json"
    return Path(json.loads(path.read_text())["initialised_from"]) if path.exists() else None


def train(cfg: TrainConfig, minutes: float, out: Path, log=print, max_steps: int | None = None,
          init: Path | None = None) -> None:
    """Train (or resume) for `minutes` of wall time, or until the checkpoint reaches `max_steps`.

    A run folder with checkpoint.pt resumes. Otherwise `init` (a checkpoint.pt or an exported
    weights folder) gives the starting weights; the autoencoder is out/vae, trained first if missing.
    """
    out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    torch.set_num_threads(cfg.threads)
    torch.backends.cuda.matmul.allow_tf32 = True  # only matters on a GPU: the fp32 parts (EMA, optimiser) in TF32
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=1))
    tokenizer = build_tokenizer()
    tokenizer.save_pretrained(out / "tokenizer")
    if not (out / "vae" / "config.json").exists():
        train_vae(cfg, cfg.vae_minutes, out / "vae", log)
    vae = TinyVideoAutoencoder.from_pretrained(out / "vae").eval().requires_grad_(False).to(cfg.device)
    text_encoder, transformer = build_models(cfg, len(tokenizer))
    models = torch.nn.ModuleDict({"text_encoder": text_encoder, "transformer": transformer}).to(cfg.device)
    ema = copy.deepcopy(models).requires_grad_(False)
    opt = build_optimiser(models, cfg)
    step = 0
    ckpt = out / "checkpoint.pt"
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=True, map_location=cfg.device)
        models.load_state_dict(state["models"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        log(json.dumps({"resumed": step}))
    elif init is not None:  # weights only: a fresh optimiser and a fresh data stream from step 0
        models.load_state_dict(initial_weights(init))
        ema.load_state_dict(models.state_dict())
        (out / "init.json").write_text(json.dumps({"initialised_from": str(init)}))  # export reads the lineage from it
        log(json.dumps({"initialised_from": str(init)}))
    log_file = (out / "train_log.jsonl").open("a")
    last_ckpt, window_start, window_steps, losses, batch = time.time(), time.time(), 0, [], None
    batches = iter(stream_batches(cfg, step // cfg.batch_reuse))
    while time.time() - start < minutes * 60 and (max_steps is None or step < max_steps):
        for group in opt.param_groups:
            group["lr"] = learning_rate(cfg, step)
        if batch is None or step % cfg.batch_reuse == 0:  # rendering + encoding is ~40% of a step: reuse it
            video, captions = next(batches)
            batch = *encode(vae, video, cfg), captions
        loss = flow_loss(*batch, text_encoder, transformer, tokenizer, cfg, step, vae)
        optimiser_step(loss, models, ema, opt, min(cfg.ema_decay, (1 + step) / (10 + step)))
        step += 1
        window_steps += 1
        losses.append(loss.detach())  # read back every 25 steps, so a GPU is not made to wait each step
        if step % 25 == 0:
            elapsed = time.time() - window_start
            row = {"step": step, "loss": round(torch.stack(losses).mean().item(), 5), "steps_per_s": round(window_steps / elapsed, 3),
                   "clips_per_s": round(window_steps * cfg.batch_size / elapsed, 1), "minutes": round((time.time() - start) / 60, 2)}
            log(json.dumps(row))
            log_file.write(json.dumps(row) + "\n")
            log_file.flush()
            window_start, window_steps, losses = time.time(), 0, []
        if time.time() - last_ckpt > cfg.checkpoint_minutes * 60:
            save_checkpoint(ckpt, {"models": models.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step})
            last_ckpt = time.time()
    save_checkpoint(ckpt, {"models": models.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step})
    log(json.dumps({"done": step}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, required=True, help="wall-clock budget of this invocation")
    parser.add_argument("--out", type=Path, required=True, help="run folder: checkpoints, logs, the autoencoder")
    parser.add_argument("--steps", type=int, help="stop when the run reaches this many transformer steps")
    parser.add_argument("--init", type=Path, help="start from these weights: a checkpoint.pt or an exported weights folder")
    parser.add_argument("--config", type=Path, help="JSON of TrainConfig fields to change (unknown keys are errors)")
    args = parser.parse_args(argv)
    cfg = TrainConfig.from_dict(json.loads(args.config.read_text())) if args.config else TrainConfig()
    if (args.out / "config.json").exists():  # resuming: the run's own config wins, so a resume trains the same thing
        cfg = TrainConfig.from_dict(json.loads((args.out / "config.json").read_text()))
    train(cfg, args.minutes, args.out, max_steps=args.steps, init=args.init)


if __name__ == "__main__":
    main()
