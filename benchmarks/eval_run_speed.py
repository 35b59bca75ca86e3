"""Benchmark: a 100-prompt tinyworld suite end to end (generate, metrics, probes, table).

    .venv/bin/python benchmarks/eval_run_speed.py                 # 100 world prompts, 1 seed
    .venv/bin/python benchmarks/eval_run_speed.py --prompts 20

The suite is the world's short prompts for sampled scenes, English and Chinese alternating,
written to a text file and run through the same `eval.run.execute` as `python -m eval run`, into a
fresh table in a temporary folder, with the card's defaults. Prints the wall time (target: 3
minutes or less on the 2-core machine) and each stage's share. Offline, CLIP, LPIPS and FVD are
unavailable and cost nothing; with their weights cached they are timed too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.run import execute  # noqa: E402
from pipeline import load  # noqa: E402
from world import sample_spec, short_prompt  # noqa: E402

TARGET_S = 180.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100)
    parser.add_argument("--model", default="tinyworld")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    prompts = [short_prompt(sample_spec(rng), "en" if i % 2 == 0 else "zh") for i in range(args.prompts)]
    load_start = time.perf_counter()
    load(args.model)
    load_s = time.perf_counter() - load_start
    with tempfile.TemporaryDirectory() as folder:
        suite = Path(folder) / "suite.txt"
        suite.write_text("\n".join(prompts) + "\n", encoding="utf-8")
        start = time.perf_counter()
        summary = execute(str(suite), args.model, 1, {}, db=str(Path(folder) / "t.db"), outputs=folder, progress=False)
        wall = time.perf_counter() - start
    stages = summary["stage_seconds"]
    print(f"{summary['generations']} generations of {args.prompts} prompts ({len(summary['errors'])} refused), "
          f"model load {load_s:.1f} s (not counted)")
    print(f"wall time {wall:.1f} s (target <= {TARGET_S:.0f} s): {'met' if wall <= TARGET_S else 'NOT met'}")
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<12} {seconds:7.1f} s  {seconds / wall:6.1%}")
    other = wall - sum(stages.values())
    print(f"  {'other':<12} {other:7.1f} s  {other / wall:6.1%}  (suite loading, summary)")


if __name__ == "__main__":
    main()
