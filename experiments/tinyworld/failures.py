"""Experiment: how a model fails eval.fidelity's text-to-video probes, grouped by kind.

    .venv/bin/python experiments/tinyworld/failures.py                         # seeds 0 1 2, 200 prompts each
    .venv/bin/python experiments/tinyworld/failures.py --probe presence --seeds 0 --weights runs/more/weights
    .venv/bin/python experiments/tinyworld/failures.py --probe presence --seeds 0 --save outputs/failures   # and look

The same held-out prompts and seeds as `python -m eval.fidelity --seed S` (model clips only).
For each failing verdict its reason is reduced to a kind (numbers, colours and shapes replaced by
placeholders; "subject" when it names the subject's colour, else "other") and counted, overall
and by held-out combination and camera (failing clips of those judged). The rate per seed shows
how much one seed's 200 prompts can move a rate. The pass rate with the camera still and with it
panning shows how much of the failure comes from scenes that move under the camera. With --save, every
failing clip is also written as a PNG: frames 0, 5, 10 and 15 of the model's clip with the probes'
evidence drawn on (eval/probes/overlay.py), above the world's own clip for the same prompt and seed.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from eval.fidelity import combination, held_out_prompts, wilson_interval  # noqa: E402
from eval.probes.overlay import draw, verdict_panel  # noqa: E402
from eval.probes.tracker import observe  # noqa: E402
from eval.probes import PROBES, run_probes  # noqa: E402
from eval.probes.verdict import FAIL, PASS  # noqa: E402
from pipeline import load  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402
from world import PALETTE, expectation_for  # noqa: E402
from world.render import make_clip  # noqa: E402

SHEET_FRAMES = [0, 5, 10, 15]

WORDS = re.compile(r"\b(" + "|".join(PALETTE) + r")\b|(?<!its )\b(ball|box|triangle)\b|\d+(\.\d+)?")  # "its box": a bounding box


def kind_of(reason: str, subject_colour: str) -> list[str]:
    """'the red object looks like a ball (fill 0.8), not a box; no blue box anywhere' (subject red) ->
    ['subject: the <colour> object looks like a <shape> (fill #), not a <shape>', 'other: no <colour> <shape> anywhere']"""
    placeholder = lambda m: "<colour>" if m.group(1) else "<shape>" if m.group(2) else "#"  # noqa: E731
    parts = [part.strip() for part in reason.split(";")]
    return [("subject: " if re.search(rf"\b{subject_colour}\b", part) else "other: ") + WORDS.sub(placeholder, part)
            for part in parts]


def save_sheet(path: Path, frames: np.ndarray, spec, seed: int, verdicts: list) -> None:
    """A PNG: the model's frames with the evidence drawn on, over the world's clip for the same scene and seed."""
    expectation = expectation_for(spec)
    truth = make_clip(spec, seed=seed, frames=len(frames), width=frames.shape[2], height=frames.shape[1]).frames
    rows = []
    shown = {v.probe for v in verdicts}
    for clip, judged in ((frames, verdicts), (truth, [v for v in run_probes(truth, expectation) if v.probe in shown])):
        pictures = draw(clip, observe(clip, expectation), judged, panel=False)  # (T, 4H, 4W, 3)
        strip = np.concatenate([pictures[i] for i in SHEET_FRAMES], axis=1)
        rows += [strip, verdict_panel(judged, strip.shape[1])]
    sheet = np.concatenate(rows, axis=0)
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tinyworld")
    parser.add_argument("--weights", help="a local weights folder overriding the model card's")
    parser.add_argument("--n", type=int, default=200, help="held-out prompts per seed, as eval.fidelity draws them")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--probe", choices=list(PROBES), help="only this probe's failures (default: every probe)")
    parser.add_argument("--save", type=Path, help="write a PNG of every failing clip into this folder")
    args = parser.parse_args()
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    pipe = load(args.model, weights=args.weights)
    kinds, combos, clips, camera = Counter(), Counter(), Counter(), Counter()
    for seed in args.seeds:
        for i, (lang, prompt, spec) in enumerate(held_out_prompts(args.n, seed)):
            frames = pipe.generate(GenerationRequest(mode="t2v", prompt=prompt, seed=seed + i)).frames
            verdicts = [v for v in run_probes(frames, expectation_for(spec)) if not args.probe or v.probe == args.probe]
            if args.save and any(v.status == FAIL for v in verdicts):  # named by eval.fidelity's --seed and prompt index
                save_sheet(args.save / f"seed{seed}-prompt{i:03d}.png", frames, spec, seed + i, verdicts)
            for verdict in verdicts:
                clips[(seed, verdict.probe, "judged")] += 1
                clips[(seed, verdict.probe, "passed")] += verdict.status == PASS
                shot = "camera pans" if spec.pan else "camera still"
                camera[(verdict.probe, shot, "judged")] += 1
                camera[(verdict.probe, shot, "passed")] += verdict.status == PASS
                combo = (verdict.probe, f"{combination(spec)}, {shot}")
                combos[(*combo, "judged")] += 1
                if verdict.status == FAIL:
                    combos[(*combo, "failed")] += 1
                    kinds.update((verdict.probe, kind) for kind in kind_of(verdict.reason, spec.subject.colour))
    print("pass rate by seed (as eval.fidelity --seed S reports it), then all seeds with its 95% interval:")
    for probe in [args.probe] if args.probe else PROBES:
        rates = [f"seed {s}: {clips[(s, probe, 'passed')] / max(1, clips[(s, probe, 'judged')]):.1%}" for s in args.seeds]
        passed, judged = (sum(clips[(s, probe, key)] for s in args.seeds) for key in ("passed", "judged"))
        if judged:
            low, high = wilson_interval(passed, judged)
            rates.append(f"all: {passed} of {judged}, {passed / judged:.1%} ({low:.1%}-{high:.1%})")
        print(f"  {probe:<11} " + ", ".join(rates))
    print("pass rate by camera, all seeds:")
    for probe in [args.probe] if args.probe else PROBES:
        rates = [f"{shot}: {camera[(probe, shot, 'passed')] / max(1, camera[(probe, shot, 'judged')]):.1%}"
                 f" of {camera[(probe, shot, 'judged')]}" for shot in ("camera still", "camera pans")]
        print(f"  {probe:<11} " + ", ".join(rates))
    print("failures by kind (a clip can fail in several ways):")
    for (probe, kind), count in kinds.most_common():
        print(f"  {count:>4}  {probe:<11} {kind}")
    print("failing clips by held-out subject combination and camera (failing of judged):")
    failed = sorted(((n, key[:2]) for key, n in combos.items() if key[2] == "failed"), reverse=True)
    for count, (probe, combo) in failed:
        print(f"  {count:>4} of {combos[(probe, combo, 'judged')]:<4} {probe:<11} {combo}")


if __name__ == "__main__":
    main()
