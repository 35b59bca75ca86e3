"""Benchmark: the Fréchet distance on 2,048 x 400 features, ours (eigh) against scipy's sqrtm.

    .venv/bin/python benchmarks/frechet_speed.py
    .venv/bin/python benchmarks/frechet_speed.py --n 2048 --dim 400 --repeats 5

Prints the median seconds of each (covariances computed once, outside the timing) and their
relative difference on the same features.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.metrics.fvd import frechet_distance, frechet_distance_scipy, gaussian  # noqa: E402


def median_seconds(fn, args, repeats: int) -> tuple[float, float]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn(*args)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--dim", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    a = rng.normal(size=(args.n, args.dim))
    b = rng.normal(size=(args.n, args.dim)) @ rng.normal(size=(args.dim, args.dim)) * 0.1 + 0.2
    stats = (*gaussian(a), *gaussian(b))
    ours_s, ours = median_seconds(frechet_distance, stats, args.repeats)
    scipy_s, theirs = median_seconds(frechet_distance_scipy, stats, args.repeats)
    print(f"{args.n} x {args.dim} features, median of {args.repeats}")
    print(f"  frechet_distance (eigh)   {ours_s * 1000:8.1f} ms   value {ours:.6f}")
    print(f"  scipy sqrtm formula       {scipy_s * 1000:8.1f} ms   value {theirs:.6f}")
    print(f"  relative difference       {abs(ours - theirs) / abs(theirs):.2e}")


if __name__ == "__main__":
    main()
