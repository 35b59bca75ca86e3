"""Experiment: the probes' ceiling through tinyworld's autoencoder.

    .venv/bin/python experiments/tinyworld/vae_ceiling.py                          # the shipped autoencoder, 80 clips
    .venv/bin/python experiments/tinyworld/vae_ceiling.py --vae runs/more/vae --n 200
    .venv/bin/python experiments/tinyworld/vae_ceiling.py --noise 0 0.1 0.2 0.3
    .venv/bin/python experiments/tinyworld/vae_ceiling.py --n 200 --seeds 0 1 2     # eval.fidelity --seed 0, 1, 2

Ground-truth clips for eval.fidelity's held-out prompts (those of its --seed S: same scenes, same
clip seeds) go through the autoencoder (encode, then decode) and then through the probes.
Whatever fails here, the transformer cannot pass: it only makes latents, and these are the
ground truth's own. Prints each probe's pass rate, presence with the camera still and panning,
and the round trip's PSNR. With --noise, the latents get Gaussian noise of that many latent standard
deviations before decoding (fixed seed): how well the decoder holds shapes when the latents it is
given are not exact, as generated ones never are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.fidelity import held_out_prompts, pass_rates, psnr  # noqa: E402
from eval.probes import run_probes  # noqa: E402
from pipeline.tinyworld.data import to_unit_range  # noqa: E402
from pipeline.tinyworld.vae import TinyVideoAutoencoder  # noqa: E402
from world import expectation_for  # noqa: E402
from world.render import make_clip  # noqa: E402


@torch.no_grad()
def round_trip(vae: TinyVideoAutoencoder, frames: np.ndarray, noise: float = 0.0,
               generator: torch.Generator | None = None) -> np.ndarray:
    """uint8 (T, H, W, 3) -> the same frames after encode, `noise` latent std of Gaussian noise and
    decode, uint8 (T, H, W, 3)."""
    video = to_unit_range(torch.from_numpy(frames).permute(3, 0, 1, 2)[None])  # (1, 3, T, H, W)
    latents = vae.encode(video)  # (1, C, T, H/8, W/8), unit variance
    latents = latents + noise * torch.randn(latents.shape, generator=generator)
    decoded = vae.decode(latents)[0].permute(1, 2, 3, 0)  # (T, H, W, 3)
    return ((decoded.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vae", type=Path, default=Path("pipeline/tinyworld/weights/vae"))
    parser.add_argument("--n", type=int, default=80, help="held-out prompts per seed (those of eval.fidelity)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="eval.fidelity's --seed values")
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0], help="latent noise, in latent standard deviations")
    args = parser.parse_args()
    vae = TinyVideoAutoencoder.from_pretrained(args.vae).eval()
    for seed in args.seeds:
        scenes = [spec for _, _, spec in held_out_prompts(args.n, seed)]
        truths = [make_clip(spec, seed=seed + i).frames for i, spec in enumerate(scenes)]
        for noise in args.noise:
            generator = torch.Generator().manual_seed(0)
            verdicts, psnrs = [], []
            for truth, spec in zip(truths, scenes):
                decoded = round_trip(vae, truth, noise, generator)
                psnrs.append(psnr(decoded, truth))
                verdicts.append(run_probes(decoded, expectation_for(spec)))
            rates = "  ".join(f"{k} {v:.3f}" for k, v in pass_rates(verdicts).items() if v is not None)
            by_camera = "  ".join(
                f"{shot} {pass_rates(chosen)['presence']:.3f} of {len(chosen)}"
                for shot, chosen in (("camera still", [v for v, s in zip(verdicts, scenes) if not s.pan]),
                                     ("camera pans", [v for v, s in zip(verdicts, scenes) if s.pan])) if chosen)
            print(f"{args.vae}: {args.n} ground-truth clips of eval.fidelity --seed {seed} through the autoencoder, "
                  f"latent noise {noise:g}: round trip {np.mean(psnrs):.2f} dB")
            print(f"  probe pass rates: {rates}")
            print(f"  presence by camera: {by_camera}", flush=True)


if __name__ == "__main__":
    main()
