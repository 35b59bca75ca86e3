"""Validate the probes on the world's ground truth and on corrupted twins of it.

    python -m eval.probes.validate --n 200 --seed 0
    python -m eval.probes.validate --n 200 --seed 0 --json
    python -m eval.probes.validate --n 200 --seed 0 --mp4     # judge after an H.264 round trip

For each probe: render n ground-truth clips whose prompt calls for it (a third under a camera
pan, half at a non-square size), and a corrupted twin of each, the mistake the probe exists to
catch. A good probe passes the truth, fails the twin and is rarely inconclusive. With --mp4
both are written to H.264 and read back first, as any video that comes from a file is.

Then the edge twins (corruptions.EDGES): for gravity, causality and left/right, n more clips of
the event the rule is about, each with every edge twin of that probe; a twin is judged right when
it gets the verdict it must get (a sink just past the tolerance fails, one just within passes).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.probes import PROBES
from eval.probes import corruptions as c
from eval.probes.tracker import observe
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS
from pipeline.video_io import read_video, write_mp4
from world import expectation_for, sample_spec
from world.render import make_clip


@dataclass(frozen=True)
class Plan:
    events: tuple[str, ...]  # the scene events sampled for this probe, in turn
    corruptions: tuple  # the corruptions applied to the twins, in turn


PLANS = {
    "presence": Plan(("move", "fall", "still", "hit", "occlude", "relation"), (c.removed, c.recoloured, c.reshaped, c.smeared)),
    "left_right": Plan(("move", "hit", "occlude", "relation"), (c.mirrored,)),
    "gravity": Plan(("fall",), (c.time_reversed,)),
    "causality": Plan(("hit",), (c.early_strike,)),
    "permanence": Plan(
        ("occlude", "move", "occlude", "hit", "occlude", "fall"),
        (c.deleted_later, c.recoloured_later, c.duplicated, c.split),
    ),
}
SIZES = ((64, 64), (96, 64), (64, 96), (64, 64))  # (width, height): half the clips are not square


@dataclass(frozen=True)
class Trial:
    pan: bool
    square: bool
    corruption: str
    truth: str  # verdict status on the ground truth
    twin: str  # verdict status on the corrupted twin


def trials(probe: str, n: int, seed: int, mp4: bool = False) -> list[Trial]:
    plan = PLANS[probe]
    check = PROBES[probe]
    prepare = _mp4_round_trip if mp4 else np.asarray
    out = []
    for i in range(n):
        rng = np.random.default_rng([seed, list(PLANS).index(probe), i])
        pan = i % 3 == 0
        spec = sample_spec(rng, event=plan.events[i % len(plan.events)], pan=pan)
        while probe not in expectation_for(spec).probes():  # e.g. a move up for left_right
            spec = sample_spec(rng, event=spec.event, pan=pan)
        width, height = SIZES[i % len(SIZES)]
        clip = make_clip(spec, seed=int(rng.integers(2**31)), width=width, height=height)
        expectation = expectation_for(spec)
        corrupt = plan.corruptions[i % len(plan.corruptions)]
        truth, twin = prepare(clip.frames), prepare(corrupt(clip, rng))
        out.append(
            Trial(
                pan=pan,
                square=width == height,
                corruption=corrupt.__name__,
                truth=check(truth, expectation, observe(truth, expectation)).status,
                twin=check(twin, expectation, observe(twin, expectation)).status,
            )
        )
    return out


EDGE_EVENTS = {"gravity": "fall", "causality": "hit", "left_right": "move"}  # the event each rule is about


@dataclass(frozen=True)
class EdgeTrial:
    pan: bool
    twin: str
    expected: str  # the verdict the twin must get
    got: str  # verdict status on the twin


def edge_trials(probe: str, n: int, seed: int, mp4: bool = False) -> tuple[list[str], list[EdgeTrial]]:
    """The ground truth's verdict on each of n clips of the rule's event, and every edge twin that
    each clip can hold, judged."""
    check = PROBES[probe]
    prepare = _mp4_round_trip if mp4 else np.asarray
    truths, rows = [], []
    for i in range(n):
        rng = np.random.default_rng([seed, 100 + list(PLANS).index(probe), i])
        pan = i % 3 == 0
        spec = sample_spec(rng, event=EDGE_EVENTS[probe], pan=pan)
        while probe not in expectation_for(spec).probes():  # e.g. a move up for left_right
            spec = sample_spec(rng, event=spec.event, pan=pan)
        width, height = SIZES[i % len(SIZES)]
        clip = make_clip(spec, seed=int(rng.integers(2**31)), width=width, height=height)
        expectation = expectation_for(spec)
        truth = prepare(clip.frames)
        truths.append(check(truth, expectation, observe(truth, expectation)).status)
        for twin in c.EDGES[probe]:
            drawn = twin(clip, rng)
            if drawn is None:  # this clip cannot hold that twin (see corruptions.EDGES)
                continue
            frames = prepare(drawn)
            got = check(frames, expectation, observe(frames, expectation)).status
            rows.append(EdgeTrial(pan=pan, twin=twin.__name__, expected=twin.expected, got=got))
    return truths, rows


def summarise_edges(truths: list[str], rows: list[EdgeTrial]) -> dict:
    """The ground truth's pass rate, and per edge twin the verdict it must get and the share of
    clips (that could hold it) where it got it."""
    out = {"gt_pass": sum(t == PASS for t in truths) / max(len(truths), 1), "n_clips": len(truths), "twins": {}}
    for name in dict.fromkeys(r.twin for r in rows):
        mine = [r for r in rows if r.twin == name]
        out["twins"][name] = {"expected": mine[0].expected, "right": sum(r.got == r.expected for r in mine) / len(mine),
                              "n": len(mine)}
    return out


def _mp4_round_trip(frames: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        return read_video(write_mp4(Path(folder) / "clip.mp4", frames, fps=8))[0]


def rates(rows: list[Trial]) -> dict:
    n = max(len(rows), 1)
    return {
        "gt_pass": sum(r.truth == PASS for r in rows) / n,
        "corrupt_fail": sum(r.twin == FAIL for r in rows) / n,
        "gt_inconclusive": sum(r.truth == INCONCLUSIVE for r in rows) / n,
        "n": len(rows),
    }


def summarise(rows: list[Trial]) -> dict:
    out = rates(rows)
    out["pan"] = rates([r for r in rows if r.pan])
    out["non_square"] = rates([r for r in rows if not r.square])
    out["corrupt_fail_by_kind"] = {
        kind: rates([r for r in rows if r.corruption == kind])["corrupt_fail"] for kind in sorted({r.corruption for r in rows})
    }
    return out


def validate(n: int, seed: int, mp4: bool = False) -> dict:
    report = {probe: summarise(trials(probe, n, seed, mp4)) for probe in PLANS}
    for probe in c.EDGES:
        report[probe]["edges"] = summarise_edges(*edge_trials(probe, n, seed, mp4))
    return report


def _table(report: dict) -> str:
    lines = [f"{'probe':<24}{'n':>5}{'gt pass':>10}{'corrupt fail':>14}{'gt inconcl.':>13}"]
    for probe, row in report.items():
        for label, part in ((probe, row), ("  pan", row["pan"]), ("  non-square", row["non_square"])):
            lines.append(
                f"{label:<24}{part['n']:>5}{part['gt_pass']:>10.1%}{part['corrupt_fail']:>14.1%}{part['gt_inconclusive']:>13.1%}"
            )
        for kind, rate in row["corrupt_fail_by_kind"].items():
            lines.append(f"{'  twin: ' + kind:<24}{'':>5}{'':>10}{rate:>14.1%}")
    lines += ["", f"{'edge twin':<34}{'n':>5}{'must':>6}{'judged right':>14}{'gt pass':>10}"]
    for probe, row in report.items():
        if "edges" not in row:
            continue
        edges = row["edges"]
        for name, part in edges["twins"].items():
            lines.append(f"{probe + ': ' + name:<34}{part['n']:>5}{part['expected']:>6}{part['right']:>14.1%}"
                         f"{edges['gt_pass']:>10.1%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="ground-truth clips (and twins) per probe")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print rates as JSON instead of a table")
    parser.add_argument("--mp4", action="store_true", help="judge every clip after an H.264 round trip")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n: expected a positive number of clips, got {args.n}")
    report = validate(args.n, args.seed, args.mp4)
    print(json.dumps(report, indent=2) if args.json else _table(report))


if __name__ == "__main__":
    main()
