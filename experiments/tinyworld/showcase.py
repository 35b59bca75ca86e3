"""The app's examples as a newcomer clicks them: every showcase prompt (prompts/showcase.yaml, English
and Chinese) at seeds 0-7 with the card's settings, judged by presence. Prints, per prompt, how many
seeds draw its scene; the bar (issue 48) is 7 of 8 for every prompt.

    .venv/bin/python experiments/tinyworld/showcase.py [--weights runs/still3/weights] [--seeds 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.probes import run_probes  # noqa: E402
from eval.probes.verdict import PASS  # noqa: E402
from pipeline import load  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402
from world import parse  # noqa: E402

SHOWCASE = Path(__file__).resolve().parents[2] / "prompts" / "showcase.yaml"
BAR = 7  # seeds of 8 that must pass presence


def showcase_prompts() -> list[str]:
    data = yaml.safe_load(SHOWCASE.read_text(encoding="utf-8"))
    return [p for language in data["prompts"].values() for p in language]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="a tinyworld weights folder (default: the shipped weights)")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pipe = load("tinyworld", weights=args.weights)
    report = {}
    for prompt in showcase_prompts():
        expectation = parse(prompt).expectation
        passed = []
        for seed in range(args.seeds):
            frames = pipe.generate(GenerationRequest(mode="t2v", prompt=prompt, seed=seed)).frames
            verdicts = run_probes(frames, expectation)
            passed.append(any(v.probe == "presence" and v.status == PASS for v in verdicts))
        report[prompt] = {"passed": sum(passed), "failing_seeds": [s for s, ok in enumerate(passed) if not ok]}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for prompt, row in report.items():
        mark = "ok " if row["passed"] >= BAR * args.seeds / 8 else "LOW"
        print(f"{mark} {row['passed']}/{args.seeds}  {prompt}  failing seeds: {row['failing_seeds'] or '-'}")
    print(f"prompts at the bar ({BAR} of 8): {sum(r['passed'] >= BAR * args.seeds / 8 for r in report.values())}"
          f" of {len(report)}")


if __name__ == "__main__":
    main()
