"""Export a training run as a diffusers pipeline folder: EMA weights, safetensors, no optimiser.

    python -m pipeline.tinyworld.export --run runs/tinyworld --out pipeline/tinyworld/weights

Writes model_index.json with one subfolder per component (vae, text_encoder, tokenizer,
transformer, scheduler), plus train_config.json (the resolved TrainConfig, with its data seed),
the step the weights come from and their lineage: the runs before this one, when the run was
started with `train --init` from an exported folder, so the folder says how it was made.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from diffusers import FlowMatchEulerDiscreteScheduler
from transformers import PreTrainedTokenizerFast

from pipeline.tinyworld.config import TrainConfig
from pipeline.tinyworld.pipeline import TinyWorldPipeline
from pipeline.tinyworld.train import build_models, initialised_from
from pipeline.tinyworld.vae import TinyVideoAutoencoder

SCHEDULER = dict(num_train_timesteps=1000, shift=1.0)  # flow time t = sigma, linear from 1 to 0


def pipeline_from_run(run: Path) -> tuple[TinyWorldPipeline, int]:
    """The run's EMA weights as a pipeline; the autoencoder from vae_decoder/ (a decoder fine-tuned on the
    same frozen encoder, by `train_vae --decoder-only` or `train_decoder`) where there is one, else vae/."""
    cfg = TrainConfig.from_dict(json.loads((run / "config.json").read_text()))
    tokenizer = PreTrainedTokenizerFast.from_pretrained(run / "tokenizer")
    text_encoder, transformer = build_models(cfg, len(tokenizer))
    state = torch.load(run / "checkpoint.pt", weights_only=True, map_location="cpu")  # it may come from a GPU
    ema = state["ema"]
    text_encoder.load_state_dict({k.removeprefix("text_encoder."): v for k, v in ema.items() if k.startswith("text_encoder.")})
    transformer.load_state_dict({k.removeprefix("transformer."): v for k, v in ema.items() if k.startswith("transformer.")})
    pipe = TinyWorldPipeline(
        vae=TinyVideoAutoencoder.from_pretrained(run / "vae_decoder" if (run / "vae_decoder").exists() else run / "vae"),
        text_encoder=text_encoder.eval(),
        tokenizer=tokenizer,
        transformer=transformer.eval(),
        scheduler=FlowMatchEulerDiscreteScheduler(**SCHEDULER),
    )
    return pipe, state["step"]


def lineage(run: Path) -> list[dict]:
    """The earlier runs these weights descend from, oldest first (read before `out` is overwritten,
    which may be the very folder the run started from)."""
    start = initialised_from(run)
    parent = start / "train_config.json" if start is not None else None
    if parent is None or not parent.exists():  # a fresh run, or one started from a checkpoint.pt
        return []
    made = json.loads(parent.read_text())
    cfg = made["config"]
    return made.get("lineage", []) + [{"steps": made["step"], "data_seed": cfg["data_seed"], "batch_size": cfg["batch_size"],
                                       "batch_reuse": cfg.get("batch_reuse", 1), "device": cfg.get("device", "cpu")}]


def export(run: Path, out: Path) -> Path:
    pipe, step = pipeline_from_run(run)
    history = lineage(run)
    pipe.save_pretrained(out, safe_serialization=True)
    cfg = json.loads((run / "config.json").read_text())
    (out / "train_config.json").write_text(json.dumps({"step": step, "config": cfg, "lineage": history}, indent=1))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(export(args.run, args.out))


if __name__ == "__main__":
    main()
