"""Fréchet Video Distance: per evaluation run, never per video.

    python benchmarks/frechet_speed.py          # this formula against scipy's sqrtm, 2,048 x 400

FVD is the Fréchet distance between Gaussians fitted to two sets of video features (here I3D's
400-d logits, the StyleGAN-V protocol). The I3D file is the TorchScript model StyleGAN-V's FVD
loads, called as documented there: `model(x, rescale=False, resize=False, return_features=True)`
with x float32 (B, 3, T, 224, 224) in [-1, 1]. Clips are resized as that protocol does: each frame's
shorter side to 224 (bilinear), then a centre crop of 224x224. I3D's temporal kernels and pooling
need at least MIN_FRAMES frames; longer clips use their first MAX_FRAMES (FVD_16).
"""

from __future__ import annotations

import cv2
import numpy as np

from eval.metrics.base import MetricResult, Unavailable

MIN_FRAMES, MAX_FRAMES = 10, 16
SIDE = 224
MIN_PER_SIDE = 2  # a covariance needs two samples
COMPARABLE_PER_SIDE = 256  # below this a 400-d covariance is rank-deficient
RESIZE_POLICY = f"shorter side to {SIDE} (bilinear), centre crop {SIDE}x{SIDE}, [-1, 1]"


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^1/2), in float64.

    tr((S1 S2)^1/2) is the sum of square roots of the eigenvalues of S1^1/2 S2 S1^1/2, a symmetric
    positive semi-definite matrix: an eigen-decomposition is stable where sqrtm of the
    non-symmetric product can return complex noise.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    values, vectors = np.linalg.eigh((sigma1 + sigma1.T) / 2)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T  # S1^1/2
    middle = root1 @ sigma2 @ root1
    eigen = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_root = np.sqrt(np.clip(eigen, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_root)


def frechet_distance_scipy(mu1, sigma1, mu2, sigma2) -> float:
    """The textbook formula with scipy's sqrtm (real part): the reference the fast one is checked against."""
    from scipy.linalg import sqrtm

    covmean = sqrtm(np.asarray(sigma1, np.float64) @ np.asarray(sigma2, np.float64)).real
    diff = np.asarray(mu1, np.float64) - np.asarray(mu2, np.float64)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def gaussian(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) -> mean (D,), covariance (D, D), float64."""
    features = np.asarray(features, np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def fvd(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between two feature sets (N, D) and (M, D); N and M at least 2."""
    for name, f in (("features_a", features_a), ("features_b", features_b)):
        if np.ndim(f) != 2 or len(f) < MIN_PER_SIDE:
            raise ValueError(f"{name}: expected (N, D) with N >= {MIN_PER_SIDE}, got shape {np.shape(f)}")
    return frechet_distance(*gaussian(features_a), *gaussian(features_b))


def i3d_input(video: np.ndarray) -> np.ndarray:
    """uint8 (T, H, W, 3) -> float32 (3, T', 224, 224) in [-1, 1], T' = min(T, MAX_FRAMES)."""
    if len(video) < MIN_FRAMES:
        raise Unavailable(f"I3D needs at least {MIN_FRAMES} frames a clip; got {len(video)}")
    frames = []
    for frame in video[:MAX_FRAMES]:
        h, w = frame.shape[:2]
        scale = SIDE / min(h, w)
        nh, nw = max(SIDE, round(h * scale)), max(SIDE, round(w * scale))
        big = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
        top, left = (nh - SIDE) // 2, (nw - SIDE) // 2
        frames.append(big[top:top + SIDE, left:left + SIDE])
    clip = np.stack(frames).astype(np.float32) / 127.5 - 1.0  # (T', 224, 224, 3)
    return clip.transpose(3, 0, 1, 2)  # (3, T', 224, 224)


def i3d_features(model, videos: list[np.ndarray], batch: int = 4) -> np.ndarray:
    """(N, 400) I3D logits for uint8 clips, through StyleGAN-V's documented call."""
    import torch  # on first use, as in every metric: importing the metrics (the app does) imports no torch

    out = []
    with torch.no_grad():
        for i in range(0, len(videos), batch):
            x = torch.from_numpy(np.stack([i3d_input(v) for v in videos[i:i + batch]]))  # (B, 3, T', 224, 224)
            out.append(model(x, rescale=False, resize=False, return_features=True).double().numpy())
    return np.concatenate(out)


def set_meta(videos: list[np.ndarray], reference: list[np.ndarray]) -> dict:
    """What every FVD row records about its two sets, and whether it compares with published FVDs."""
    meta = {"n_generated": len(videos), "n_reference": len(reference),
            "frames": min(min(len(v) for v in videos), MAX_FRAMES),
            "resolution": f"{videos[0].shape[2]}x{videos[0].shape[1]}"}
    if min(len(videos), len(reference)) < COMPARABLE_PER_SIDE:
        meta["note"] = (f"fewer than {COMPARABLE_PER_SIDE} videos a side: the covariance is rank-deficient and "
                        "the value is not comparable with published FVDs")
    return meta


def check_sets(videos: list, reference: list | None) -> list:
    if reference is None:
        raise Unavailable("no reference set (FVD compares two sets of videos; world prompts use the world's clips)")
    for name, side in (("generated", videos), ("reference", reference)):
        if len(side) < MIN_PER_SIDE:
            raise Unavailable(f"FVD needs at least {MIN_PER_SIDE} videos a side; the {name} set has {len(side)}")
    return reference


def compute(videos: list[np.ndarray], prompts: list[str], *, extractor=None, reference=None) -> MetricResult:
    """I3D FVD of `videos` against `reference` (extractor: the loaded 'i3d' extractor)."""
    reference = check_sets(videos, reference)
    features = i3d_features(extractor.model, videos)
    reference_features = i3d_features(extractor.model, reference)
    meta = {"extractor": extractor.name, "weights_sha256": extractor.sha256, "resize": RESIZE_POLICY,
            "feature": "I3D logits (400-d)", **set_meta(videos, reference)}
    return MetricResult(fvd(features, reference_features), None, meta)
