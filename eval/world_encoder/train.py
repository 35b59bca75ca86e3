"""Train the world encoder contrastively on clips streamed from world/, with hard negatives.

    python -m eval.world_encoder.train --minutes 60 --out runs/world_encoder
    python -m eval.world_encoder.train --minutes 90 --out runs/world_encoder --export   # resume, then ship

Resumable: DIR/checkpoint.pt holds the model, the optimiser and the step; the clip stream is
seeded by (data_seed, step), so a resumed run sees the clips it would have seen. DIR/log.jsonl
gets the loss every few steps and the held-out retrieval every `eval_minutes`. At the end the
weights are exported to DIR/weights (and to eval/world_encoder/weights with --export).

Loss: symmetric InfoNCE. Each true clip's softmax runs over every text in the batch, the other
clips' captions and all the twins' captions (one-thing-different hard negatives); each true
caption's softmax runs over every clip, the true ones and the edited ones (reversed, mirrored,
no contact, vanishing). Texts or clips that also match (duplicate scenes) are left out.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from eval.world_encoder.attributes import AttributeHeads, labels
from eval.world_encoder.data import BatchConfig, make_batch
from eval.world_encoder.model import EncoderConfig, WorldEncoder, preprocess
from eval.world_encoder.text import build_tokenizer, load_tokenizer, tokenize

WEIGHTS = Path(__file__).resolve().parent / "weights"


@dataclass(frozen=True)
class TrainConfig:
    data_seed: int = 0  # seeds the clip stream together with the step
    batch: BatchConfig = field(default_factory=BatchConfig)
    encoder: dict = field(default_factory=dict)  # EncoderConfig fields to change from their defaults
    lr: float = 1e-3  # AdamW peak learning rate
    warmup_steps: int = 100  # linear warm-up, then a cosine over the run's minutes
    min_lr_fraction: float = 0.05  # the cosine ends at this share of lr
    weight_decay: float = 0.05  # not applied to the temperature
    bf16: bool = False  # bf16 autocast: measured 5x slower than fp32 on this 2-core CPU (22 s vs 4 s a step); for GPUs
    threads: int = 1  # torch threads; the machine's other core belongs to someone else
    log_every: int = 10  # steps between loss lines in log.jsonl
    checkpoint_minutes: float = 5.0  # how often checkpoint.pt is rewritten
    eval_minutes: float = 10.0  # how often the held-out retrieval is measured and logged
    eval_clips: int = 96  # held-out clips in that measurement (fewer than the benchmark: it is a trend)
    # Weight of the attribute read-out loss (eval.world_encoder.attributes) beside the contrastive
    # loss; 0 trains on the contrastive loss alone, as the first run did.
    attribute_weight: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        if set(data) - known:
            raise ValueError(f"TrainConfig: unknown keys {sorted(set(data) - known)}")
        data = dict(data)
        if "batch" in data:
            data["batch"] = BatchConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in data["batch"].items()})
        return cls(**data)


def contrastive_loss(logits: torch.Tensor, video_text_ok: torch.Tensor, text_video_ok: torch.Tensor) -> torch.Tensor:
    """logits (B + V, B + K): clips by texts, the B true pairs on the leading diagonal."""
    b = video_text_ok.shape[0]
    eye = torch.eye(b, dtype=torch.bool)
    target = torch.arange(b)
    v2t_mask = video_text_ok.clone()
    v2t_mask[:, :b] &= ~eye  # other texts that also describe clip i are neither right nor wrong
    t2v_mask = text_video_ok.clone()
    t2v_mask[:, :b] &= ~eye
    v2t = logits[:b].masked_fill(v2t_mask, float("-inf"))  # (B, B + K)
    t2v = logits[:, :b].T.masked_fill(t2v_mask, float("-inf"))  # (B, B + V)
    return (F.cross_entropy(v2t, target) + F.cross_entropy(t2v, target)) / 2


def lr_at(cfg: TrainConfig, step: int, progress: float) -> float:
    """Warm-up by steps, then a cosine by the share of the run's minutes spent."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return cfg.lr * (cfg.min_lr_fraction + (1 - cfg.min_lr_fraction) * cosine)


def build(cfg: TrainConfig, out: Path) -> tuple[WorldEncoder, object]:
    """The model and tokenizer of the run in `out` (the tokenizer is built once and kept there)."""
    tok_path = out / "tokenizer.json"
    if tok_path.exists():
        tok = load_tokenizer(tok_path)
    else:
        tok = build_tokenizer()
        tok.save(str(tok_path))
    enc_cfg = EncoderConfig(vocab_size=tok.get_vocab_size(), **cfg.encoder)
    return WorldEncoder(enc_cfg), tok


def text_in_buckets(model: WorldEncoder, tok, texts: list[str], buckets: int = 3) -> torch.Tensor:
    """Text embeddings (N, D), unnormalised, the texts run in groups of similar length: short prompts
    and English captions are padded to their own length, not to the longest Chinese caption's."""
    lengths = np.array([sum(e.attention_mask) for e in tok.encode_batch(texts)])
    order = np.argsort(lengths, kind="stable")
    parts, index = [], []
    for chunk in np.array_split(order, buckets):
        if len(chunk):
            ids, mask = tokenize(tok, [texts[i] for i in chunk])
            parts.append(model.text(ids, mask))
            index.append(chunk)
    out = torch.cat(parts)
    return out[torch.from_numpy(np.argsort(np.concatenate(index)))]  # back in the texts' order


def train_step(model: WorldEncoder, heads: AttributeHeads, tok, batch, cfg: TrainConfig) -> tuple[torch.Tensor, float, float]:
    """-> (loss of one batch, the share of true clips whose own text ranks first among all texts,
    the attribute loss alone)."""
    x = preprocess(batch.videos, model.cfg)  # (B + V, T, 3, S, S)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
        v = model.video(x)
        t = text_in_buckets(model, tok, batch.texts)
    v, t = F.normalize(v.float(), dim=-1), F.normalize(t.float(), dim=-1)
    logits = model.scale() * v @ t.T  # (B + V, B + K)
    vt_ok, tv_ok = torch.from_numpy(batch.video_text_ok), torch.from_numpy(batch.text_video_ok)
    loss = contrastive_loss(logits, vt_ok, tv_ok)
    b = vt_ok.shape[0]
    attribute_loss = heads.loss(v[:b], labels(list(batch.specs)))  # the true clips only: an edit changes its scene
    loss = loss + cfg.attribute_weight * attribute_loss
    with torch.no_grad():
        v2t = logits[:b].masked_fill(vt_ok & ~torch.eye(b, logits.shape[1], dtype=torch.bool), float("-inf"))
        accuracy = float((v2t.argmax(dim=1) == torch.arange(b)).float().mean())
    return loss, accuracy, float(attribute_loss.detach())


def export(model: WorldEncoder, tok, cfg: TrainConfig, state: dict, folder: Path) -> Path:
    """safetensors + config.json (encoder and training config, data seed, steps, minutes) + tokenizer.json."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"))
    made = {"encoder": model.cfg.to_dict(), "train": cfg.to_dict(), "data_seed": cfg.data_seed,
            "steps": state["step"], "train_minutes": round(state["minutes"], 1)}
    (folder / "config.json").write_text(json.dumps(made, indent=1))
    tok.save(str(folder / "tokenizer.json"))
    return folder


def train(out: Path, minutes: float, cfg: TrainConfig | None = None, export_to: Path | None = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoint.pt"
    if ckpt_path.exists():  # resuming: the run's own config wins over the default
        saved = torch.load(ckpt_path, weights_only=False)
        cfg = TrainConfig.from_dict(saved["config"])
    cfg = cfg or TrainConfig()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.data_seed)
    model, tok = build(cfg, out)
    heads = AttributeHeads(model.cfg.embed_dim)  # trained beside the model, not exported with it
    params = list(model.named_parameters()) + list(heads.named_parameters())
    decay = [p for n, p in params if p.ndim >= 2]
    other = [p for n, p in params if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay}, {"params": other, "weight_decay": 0.0}],
                            lr=cfg.lr, betas=(0.9, 0.98))
    state = {"step": 0, "minutes": 0.0}
    if ckpt_path.exists():
        model.load_state_dict(saved["model"])
        heads.load_state_dict(saved["heads"])
        opt.load_state_dict(saved["optimizer"])
        state = saved["state"]
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=1))
    log = (out / "log.jsonl").open("a")

    def save() -> None:
        torch.save({"model": model.state_dict(), "heads": heads.state_dict(), "optimizer": opt.state_dict(), "state": state, "config": cfg.to_dict()},
                   out / "checkpoint.tmp")
        (out / "checkpoint.tmp").replace(ckpt_path)  # atomic: a crash mid-write keeps the last checkpoint

    last_ckpt = last_eval = state["minutes"]
    losses, accs, attribute_losses = [], [], []
    while state["minutes"] < minutes:
        start = time.perf_counter()
        rng = np.random.default_rng([cfg.data_seed, state["step"]])
        batch = make_batch(rng, cfg.batch)
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, state["step"], state["minutes"] / minutes)
        loss, acc, attribute_loss = train_step(model, heads, tok, batch, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        state["minutes"] += (time.perf_counter() - start) / 60
        losses.append(float(loss.detach())), accs.append(acc), attribute_losses.append(attribute_loss)
        if state["step"] % cfg.log_every == 0:
            log.write(json.dumps({"step": state["step"], "minutes": round(state["minutes"], 2), "loss": round(np.mean(losses), 4),
                                  "attribute_loss": round(np.mean(attribute_losses), 4),
                                  "batch_top1": round(np.mean(accs), 3), "scale": round(float(model.scale().detach()), 2),
                                  "lr": opt.param_groups[0]["lr"], "texts": len(batch.texts), "clips": len(batch.videos)}) + "\n")
            log.flush()
            losses, accs, attribute_losses = [], [], []
        if state["minutes"] - last_ckpt >= cfg.checkpoint_minutes:
            save()
            last_ckpt = state["minutes"]
        if cfg.eval_minutes and state["minutes"] - last_eval >= cfg.eval_minutes:
            log.write(json.dumps({"step": state["step"], "minutes": round(state["minutes"], 2), **quick_eval(model, tok, cfg)}) + "\n")
            log.flush()
            last_eval = state["minutes"]
    save()
    log.write(json.dumps({"step": state["step"], "minutes": round(state["minutes"], 2), "final": True, **quick_eval(model, tok, cfg)}) + "\n")
    log.close()
    export(model, tok, cfg, state, out / "weights")
    if export_to is not None:
        export_to.mkdir(parents=True, exist_ok=True)
        for name in ("model.safetensors", "config.json", "tokenizer.json"):
            shutil.copy2(out / "weights" / name, export_to / name)
    return state


def quick_eval(model: WorldEncoder, tok, cfg: TrainConfig) -> dict:
    """Held-out retrieval on a few clips (the benchmark measures more), the model put back in training mode."""
    from eval.world_encoder.evaluate import retrieval
    from eval.world_encoder.score import WorldEncoderScorer

    model.eval()
    scorer = WorldEncoderScorer(model, tok, weights_hash="sha256:training")
    result = {lang: retrieval(scorer, n=cfg.eval_clips, seed=1, lang=lang) for lang in ("en", "zh")}
    model.train()
    return {f"{lang}_{k}": round(v, 3) for lang, r in result.items() for k, v in r.items() if isinstance(v, float)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, required=True, help="total training minutes of the run (a resumed run goes on to this)")
    parser.add_argument("--out", type=Path, required=True, help="run folder (under runs/, which git ignores)")
    parser.add_argument("--export", action="store_true", help=f"also copy the final weights into {WEIGHTS}")
    parser.add_argument("--batch-size", type=int, default=None, help="true pairs per step (a new run only)")
    parser.add_argument("--toy", action="store_true", help="a toy-size model and batch, to check that the script runs")
    args = parser.parse_args(argv)
    cfg = TrainConfig()
    if args.toy:
        cfg = TrainConfig(batch=BatchConfig(batch_size=4, frames=8), eval_clips=8, log_every=1,
                          encoder=dict(size=32, stem=(8, 8, 8), frame_width=32, video_layers=1, text_width=32, text_layers=1, embed_dim=16))
    if args.batch_size:
        cfg = TrainConfig(**{**cfg.__dict__, "batch": BatchConfig(**{**cfg.batch.__dict__, "batch_size": args.batch_size})})
    state = train(args.out, args.minutes, cfg, WEIGHTS if args.export else None)
    print(json.dumps(state))


if __name__ == "__main__":
    main()
