"""Benchmark: the world encoder's bar, caption retrieval on held-out clips in English and Chinese.

    .venv/bin/python benchmarks/world_encoder_bar.py                    # 256 clips, seed 0, shipped weights
    .venv/bin/python benchmarks/world_encoder_bar.py --weights runs/world_encoder/weights

Clips of held-out scenes (subject (colour, shape, event) in pipeline.tinyworld.config.HELD_OUT,
never trained on), 16 frames at 64x64. For each clip, 32 candidate captions: its own, all its
one-thing-different twins (eval.world_encoder.data.twins) and other clips' captions.
Bar (issue 25): top-1 >= 90% and the own caption above its direction-mirrored twin on >= 97% of
the clips with a direction, in each language. Also printed: each twin kind's win rate, and the
mirror rate for expanded short prompts (world.parse(prompt).caption), as the metrics call it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.world_encoder import load_world_encoder  # noqa: E402
from eval.world_encoder.data import FLIP  # noqa: E402
from eval.world_encoder.evaluate import held_out_clips, retrieval  # noqa: E402
from world import parse, short_prompt  # noqa: E402

TOP1_BAR, MIRROR_BAR = 0.90, 0.97


def expanded_mirror_rate(enc, clips) -> tuple[float, int]:
    """Own expanded short prompt over the mirrored one's, as clip_score_world sees prompts."""
    wins = []
    for clip in clips:
        spec = clip.scene.spec
        if spec.direction is None:
            continue
        own = parse(short_prompt(spec)).caption
        other = parse(short_prompt(replace(spec, direction=FLIP[spec.direction]))).caption
        wins.append(enc.score(clip.frames, own) > enc.score(clip.frames, other))
    return float(np.mean(wins)), len(wins)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", type=Path, default=None, help="a weights folder (default: the shipped one)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    enc = load_world_encoder(args.weights)
    start = time.perf_counter()
    clips = held_out_clips(args.clips, args.seed)
    print(f"{enc.name} {enc.weights_hash}: {len(clips)} held-out clips (16 frames, 64x64), seed {args.seed}")
    met = True
    for lang in ("en", "zh"):
        r = retrieval(enc, seed=args.seed, lang=lang, clips=clips)
        ok_top1, ok_mirror = r["top1"] >= TOP1_BAR, r["mirror"] >= MIRROR_BAR
        met &= ok_top1 and ok_mirror
        print(f"{lang}: top-1 among 32 captions {r['top1']:.1%} [{'ok' if ok_top1 else 'MISS'}: >= {TOP1_BAR:.0%}]; "
              f"own caption over its mirrored twin {r['mirror']:.1%} of {r['mirror_clips']} clips "
              f"[{'ok' if ok_mirror else 'MISS'}: >= {MIRROR_BAR:.0%}]")
        beats = ", ".join(f"{k.removeprefix('beats_')} {v:.0%}" for k, v in r.items() if k.startswith("beats_"))
        print(f"    own caption over twin: {beats}")
    rate, n = expanded_mirror_rate(enc, clips)
    print(f"expanded short prompts (world.parse(prompt).caption, en): own over mirrored {rate:.1%} of {n} clips")
    print(f"bar {'MET' if met else 'NOT MET'} ({time.perf_counter() - start:.0f} s)")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
