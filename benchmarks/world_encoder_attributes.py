"""Benchmark: what a training run's video embedding already knows, read out by its attribute heads.

    .venv/bin/python benchmarks/world_encoder_attributes.py --run runs/world_encoder_attr

Loads DIR/checkpoint.pt (the model and the attribute heads of eval.world_encoder.attributes, which
only training keeps) and renders 96 clips of training scenes and 96 of held-out scenes (16 frames,
64x64, seed 123). For each head, prints the share of clips whose attribute it reads out right, beside
the share the most common class alone would get: a head at its majority share has learned nothing
the embedding could give it. A contrastive miss (a twin beaten at chance) traces to the video side
when the attribute itself is not in the embedding.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.world_encoder.attributes import HEADS, AttributeHeads, labels  # noqa: E402
from eval.world_encoder.data import held_out_spec, training_spec  # noqa: E402
from eval.world_encoder.model import preprocess  # noqa: E402
from eval.world_encoder.train import TrainConfig, build  # noqa: E402
from world.render import make_clip  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a training run's folder (with checkpoint.pt)")
    parser.add_argument("--clips", type=int, default=96, help="clips per set")
    args = parser.parse_args()
    torch.set_num_threads(1)
    saved = torch.load(args.run / "checkpoint.pt", weights_only=False)
    model, _ = build(TrainConfig.from_dict(saved["config"]), args.run)
    model.load_state_dict(saved["model"])
    heads = AttributeHeads(model.cfg.embed_dim)
    heads.load_state_dict(saved["heads"])
    model.eval()
    print(f"{args.run}: step {saved['state']['step']}, {saved['state']['minutes']:.1f} training minutes")
    for name, draw in (("training scenes", training_spec), ("held-out scenes", held_out_spec)):
        rng = np.random.default_rng(123)
        specs = [draw(rng) for _ in range(args.clips)]
        clips = np.stack([make_clip(s, seed=i, frames=16).frames for i, s in enumerate(specs)])  # (N, 16, 64, 64, 3)
        with torch.no_grad():
            embedding = model.video(preprocess(clips, model.cfg))  # (N, D)
        truth = labels(specs)
        for head, (n, k) in HEADS.items():
            read = heads.heads[head](embedding).view(-1, n, k).argmax(-1).numpy()  # (N, n)
            majority = max(float(np.mean(truth[head] == c)) for c in range(k))
            print(f"  {name}: {head:<15} read right {np.mean(read == truth[head]):.1%}  (majority class alone {majority:.1%})")


if __name__ == "__main__":
    main()
