"""Benchmark: world FVD (Fréchet distance of world-encoder video embeddings), its floor and its growth.

    .venv/bin/python benchmarks/world_fvd_floor.py                  # 256 clips a side, 16 frames, 64x64
    .venv/bin/python benchmarks/world_fvd_floor.py --clips 128

The suite: `--clips` scenes from world.sample_spec (seed 0) with every horizontal direction and
camera pan made rightward. Rightward, because a distribution distance cannot see a mirror of a
suite that is itself mirror-symmetric (a balanced suite mirrored is the same suite: the balanced
line below shows it); the clip score and the left_right probe are what judge one clip's direction.
Set A renders the suite with seeds 0..N-1, set B with seeds N..2N-1: FVD(A, B) is the floor,
two ground-truth sets of the same prompts. Then B is corrupted step by step, and each ladder must
grow monotonically: noise of rising strength, a rising share of clips mirrored, of frames
shuffled, of clips with the subject deleted, and one cumulative ladder stacking them.
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

from eval.metrics.fvd import fvd  # noqa: E402
from eval.probes.corruptions import removed  # noqa: E402
from eval.world_encoder import load_world_encoder  # noqa: E402
from world import sample_spec  # noqa: E402
from world.render import make_clip  # noqa: E402

SHARES = (0.25, 0.5, 1.0)


def rightward(spec):
    direction = "right" if spec.direction == "left" else spec.direction
    return replace(spec, direction=direction, pan="right" if spec.pan else None)


def noised(frames: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip(frames + rng.normal(0, sigma, frames.shape), 0, 255).astype(np.uint8)


def shuffled(frames: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """A `share` of the frames, chosen at random, permuted among their own positions."""
    chosen = rng.choice(len(frames), size=max(2, int(round(share * len(frames)))), replace=False)
    order = np.arange(len(frames))
    order[chosen] = chosen[rng.permutation(len(chosen))]
    return frames[order]


def by_share(frames: list[np.ndarray], share: float, edit) -> list[np.ndarray]:
    """`edit` applied to the first `share` of the clips (the suite's order is random)."""
    k = int(round(share * len(frames)))
    return [edit(i, f) if i < k else f for i, f in enumerate(frames)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=256, help="clips a side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", type=Path, default=None, help="a weights folder (default: the shipped one)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()

    enc = load_world_encoder(args.weights)
    n = args.clips
    rng = np.random.default_rng(args.seed)
    balanced = [sample_spec(rng) for _ in range(n)]
    specs = [rightward(s) for s in balanced]
    clips_a = [make_clip(s, seed=i, frames=16, width=64, height=64) for i, s in enumerate(specs)]
    clips_b = [make_clip(s, seed=n + i, frames=16, width=64, height=64) for i, s in enumerate(specs)]
    a = enc.embed_videos([c.frames for c in clips_a])
    b_frames = [c.frames for c in clips_b]
    deleted = [removed(c, rng) for c in clips_b]

    def distance(videos: list[np.ndarray]) -> float:
        return fvd(a, enc.embed_videos(videos))

    floor = distance(b_frames)
    print(f"world FVD ({enc.name} {enc.weights_hash}), {n} clips a side, 16 frames, 64x64")
    print(f"floor: ground truth vs ground truth of other seeds, same prompts: {floor:.4f}")
    bal_a = enc.embed_videos([make_clip(s, seed=i).frames for i, s in enumerate(balanced)])
    bal_b = [make_clip(s, seed=n + i).frames for i, s in enumerate(balanced)]
    print(f"(balanced suite: floor {fvd(bal_a, enc.embed_videos(bal_b)):.4f}, every clip mirrored "
          f"{fvd(bal_a, enc.embed_videos([f[:, :, ::-1].copy() for f in bal_b])):.4f}: a symmetric suite hides a mirror)")

    ladders = {
        "noise sigma 4, 8, 16, 32, 64 (of 255)": [
            [noised(f, s, np.random.default_rng([args.seed, i])) for i, f in enumerate(b_frames)] for s in (4, 8, 16, 32, 64)],
        "mirrored, share of clips 25, 50, 100%": [
            by_share(b_frames, s, lambda i, f: f[:, :, ::-1].copy()) for s in SHARES],
        "frames shuffled, share of frames 25, 50, 100%": [
            [shuffled(f, s, np.random.default_rng([args.seed, i])) for i, f in enumerate(b_frames)] for s in SHARES],
        "subject deleted, share of clips 25, 50, 100%": [
            by_share(b_frames, s, lambda i, f: deleted[i]) for s in SHARES],
    }
    noise8 = lambda i, f: noised(f, 8, np.random.default_rng([args.seed, i]))  # noqa: E731
    mirror = lambda i, f: f[:, :, ::-1].copy()  # noqa: E731
    shuffle = lambda i, f: shuffled(f, 0.5, np.random.default_rng([args.seed, i]))  # noqa: E731
    noise32 = lambda i, f: noised(f, 32, np.random.default_rng([args.seed, 7, i]))  # noqa: E731
    # Each step: the clips it starts from (deletion re-renders the scene, so it is a base) and the edits on top.
    steps = [(b_frames, [noise8]), (b_frames, [noise8, mirror]), (b_frames, [noise8, mirror, shuffle]),
             (deleted, [noise8, mirror, shuffle]), (deleted, [noise8, mirror, shuffle, noise32])]
    cumulative = []
    for base, edits in steps:
        videos = list(base)
        for edit in edits:
            videos = [edit(i, f) for i, f in enumerate(videos)]
        cumulative.append(videos)
    ladders["cumulative: noise 8, + mirrored, + half the frames shuffled, + subject deleted, + noise 32"] = cumulative

    all_monotonic = True
    for name, sets in ladders.items():
        values = [floor] + [distance(s) for s in sets]
        monotonic = all(x < y for x, y in zip(values, values[1:]))
        all_monotonic &= monotonic
        print(f"{name}: " + " -> ".join(f"{v:.4f}" for v in values) + f" [{'monotonic' if monotonic else 'NOT MONOTONIC'}]")
    print(f"{'all ladders grow monotonically' if all_monotonic else 'SOME LADDER DOES NOT GROW'} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
