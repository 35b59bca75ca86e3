"""Validate the probes on the world's ground truth and on corrupted twins of it.

    python -m eval.probes.validate --n 200 --seed 0
    python -m eval.probes.validate --n 200 --seed 0 --json
    python -m eval.probes.validate --n 200 --seed 0 --mp4     # judge after an H.264 round trip
    python -m eval.probes.validate --n 200 --style real        # realistic renders (world/look.py), always via H.264

For each probe: render n ground-truth clips whose prompt calls for it (a third under a camera
pan, half at a non-square size), and a corrupted twin of each, the mistake the probe exists to
catch. A good probe passes the truth, fails the twin and is rarely inconclusive. With --mp4
both are written to H.264 and read back first, as any video that comes from a file is.

With --style real the clips are drawn in the realistic style (photo-like and colourful backgrounds,
props in the subject's hue, shading, shadows, blur, shake, noise, sizes up to 832x480 and 49 frames)
and always go through H.264. Reported besides: wrong passes (a twin or a negative that passes), the
negative "the named object absent with a same-hue prop present" for presence, and how well the
tracker identified the subject (mask IoU against the true visible mask).

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

import cv2
import numpy as np

from eval.probes import PROBES
from eval.probes import corruptions as c
from eval.probes.tracker import observe
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS
from pipeline.video_io import read_video, write_mp4
from world import expectation_for, sample_spec, short_prompt
from world.render import STYLES, make_clip


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
# The realistic style's (width, height, frames, fps): mostly small for speed, one in eight at a real model's size.
REAL_SIZES = ((128, 128, 16, 8), (160, 96, 24, 12), (96, 160, 24, 12), (224, 128, 32, 16), (128, 128, 24, 12),
              (160, 96, 16, 8), (96, 160, 32, 16), (832, 480, 49, 16))


@dataclass(frozen=True)
class Trial:
    pan: bool
    square: bool
    corruption: str
    truth: str  # verdict status on the ground truth
    twin: str  # verdict status on the corrupted twin
    negative: str | None = None  # presence, realistic style: the subject absent, a same-hue prop present
    iou: float | None = None  # realistic style: the subject's identified mask against its true mask


def trials(probe: str, n: int, seed: int, mp4: bool = False, style: str = "world", dump: Path | None = None
           ) -> list[Trial]:
    """n ground-truth clips for `probe` with their twins (and, realistic, the absent-subject negative), judged.
    With `dump`, each wrong verdict's clip is written there as a PNG strip with the evidence drawn on."""
    plan = PLANS[probe]
    check = PROBES[probe]
    real = style == "real"
    out = []
    for i in range(n):
        rng = np.random.default_rng([seed, list(PLANS).index(probe), i])
        pan = i % 3 == 0
        spec = sample_spec(rng, event=plan.events[i % len(plan.events)], pan=pan)
        while probe not in expectation_for(spec).probes():  # e.g. a move up for left_right
            spec = sample_spec(rng, event=spec.event, pan=pan)
        width, height, frames, fps = REAL_SIZES[i % len(REAL_SIZES)] if real else (*SIZES[i % len(SIZES)], 16, 8.0)
        clip = make_clip(spec, seed=int(rng.integers(2**31)), frames=frames, width=width, height=height, fps=fps,
                         style=style)
        prepare = (lambda f: _mp4_round_trip(f, fps)) if (mp4 or real) else np.asarray
        expectation = expectation_for(spec)
        corrupt = plan.corruptions[i % len(plan.corruptions)]
        truth, twin = prepare(clip.frames), prepare(corrupt(clip, rng))
        seen, seen_twin = observe(truth, expectation), observe(twin, expectation)
        judged = {"truth": check(truth, expectation, seen), "twin": check(twin, expectation, seen_twin)}
        negative = None
        if real and probe == "presence":
            absent = prepare(c.absent_beside_same_hue(clip, rng))
            seen_absent = observe(absent, expectation)
            judged["negative"] = check(absent, expectation, seen_absent)
            negative = judged["negative"].status
        if dump is not None:
            views = {"truth": (truth, seen), "twin": (twin, seen_twin)}
            if negative is not None:
                views["negative"] = (absent, seen_absent)
            for role, verdict in judged.items():
                if verdict.status != (PASS if role == "truth" else FAIL):
                    name = f"{probe}-{i:03d}-{role}-{corrupt.__name__ if role == 'twin' else role}-{verdict.status}"
                    _dump_strip(dump / f"{name}.png", *views[role], verdict, short_prompt(spec))
        out.append(
            Trial(
                pan=pan,
                square=width == height,
                corruption=corrupt.__name__,
                truth=judged["truth"].status,
                twin=judged["twin"].status,
                negative=negative,
                iou=identification_iou(seen, clip.masks[:, 0]) if clip.masks is not None else None,
            )
        )
    return out


def _dump_strip(path: Path, frames: np.ndarray, observation, verdict, prompt: str, shown: int = 8) -> None:
    """Write up to `shown` evenly spaced frames side by side, the tracks drawn on, with the prompt and verdict
    under them, as one PNG (for looking at why a clip was judged wrong)."""
    from eval.probes.overlay import draw, verdict_panel

    picks = np.unique(np.linspace(0, len(frames) - 1, shown).round().astype(int))
    drawn = draw(frames, observation, [verdict], panel=False)
    strip = np.concatenate([np.pad(drawn[i], ((0, 0), (0, 2), (0, 0))) for i in picks], axis=1)
    strip = cv2.resize(strip, (min(strip.shape[1], 2400), round(strip.shape[0] * min(1, 2400 / strip.shape[1]))))
    text = verdict_panel([verdict], strip.shape[1])
    cv2.putText(text, prompt, (4, text.shape[0] - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (220, 220, 220), 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = np.concatenate([strip, np.pad(text, ((0, 10), (0, 0), (0, 0)), constant_values=24)], axis=0)
    cv2.imwrite(str(path), cv2.cvtColor(out, cv2.COLOR_RGB2BGR))


def identification_iou(observation, truth_masks: np.ndarray) -> float | None:
    """Intersection over union, over the whole clip, of the pixels the tracker took for the subject and
    the subject's true visible pixels (at the tracker's working resolution); None if neither has any."""
    found = observation.tracks[0].masks  # (T, h, w) bool
    if found is None:
        return None
    h, w = found.shape[1:]
    true = np.stack([cv2.resize(m.astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA) > 0 for m in truth_masks])
    union = (found | true).sum()
    return float((found & true).sum() / union) if union else None


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


def _mp4_round_trip(frames: np.ndarray, fps: float = 8.0) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        return read_video(write_mp4(Path(folder) / "clip.mp4", frames, fps=fps))[0]


def rates(rows: list[Trial]) -> dict:
    n = max(len(rows), 1)
    return {
        "gt_pass": sum(r.truth == PASS for r in rows) / n,
        "corrupt_fail": sum(r.twin == FAIL for r in rows) / n,
        "gt_inconclusive": sum(r.truth == INCONCLUSIVE for r in rows) / n,
        "wrong_pass": sum(r.twin == PASS for r in rows) / n,  # a twin is wrong by construction
        "n": len(rows),
    }


def summarise(rows: list[Trial]) -> dict:
    out = rates(rows)
    out["pan"] = rates([r for r in rows if r.pan])
    out["non_square"] = rates([r for r in rows if not r.square])
    kinds = sorted({r.corruption for r in rows})
    out["corrupt_fail_by_kind"] = {kind: rates([r for r in rows if r.corruption == kind])["corrupt_fail"] for kind in kinds}
    out["wrong_pass_by_kind"] = {kind: rates([r for r in rows if r.corruption == kind])["wrong_pass"] for kind in kinds}
    negatives = [r.negative for r in rows if r.negative is not None]
    if negatives:
        out["wrong_pass_by_kind"]["absent_beside_same_hue"] = sum(v == PASS for v in negatives) / len(negatives)
    ious = [r.iou for r in rows if r.iou is not None]
    if ious:
        out["identification_iou"] = {"median": float(np.median(ious)), "mean": float(np.mean(ious)), "n": len(ious)}
    return out


def validate(n: int, seed: int, mp4: bool = False, style: str = "world", dump: Path | None = None,
             probes: tuple[str, ...] | None = None) -> dict:
    report = {probe: summarise(trials(probe, n, seed, mp4, style, dump)) for probe in (probes or PLANS)}
    if style == "world":  # the edge twins sit at a rule's threshold in the world's own clips
        for probe in c.EDGES:
            if probe in report:
                report[probe]["edges"] = summarise_edges(*edge_trials(probe, n, seed, mp4))
    return report


def _table(report: dict) -> str:
    lines = [f"{'probe':<30}{'n':>5}{'gt pass':>10}{'corrupt fail':>14}{'gt inconcl.':>13}{'wrong pass':>12}"]
    for probe, row in report.items():
        for label, part in ((probe, row), ("  pan", row["pan"]), ("  non-square", row["non_square"])):
            lines.append(f"{label:<30}{part['n']:>5}{part['gt_pass']:>10.1%}{part['corrupt_fail']:>14.1%}"
                         f"{part['gt_inconclusive']:>13.1%}{part['wrong_pass']:>12.1%}")
        for kind, rate in row["corrupt_fail_by_kind"].items():
            lines.append(f"{'  twin: ' + kind:<30}{'':>5}{'':>10}{rate:>14.1%}{'':>13}{row['wrong_pass_by_kind'][kind]:>12.1%}")
        if "absent_beside_same_hue" in row["wrong_pass_by_kind"]:
            rate = row["wrong_pass_by_kind"]["absent_beside_same_hue"]
            lines.append(f"{'  negative: absent, same hue':<30}{'':>5}{'':>10}{'':>14}{'':>13}{rate:>12.1%}")
        if "identification_iou" in row:
            lines.append(f"{'  identification IoU':<30}{row['identification_iou']['median']:>15.3f} median"
                         f" (mean {row['identification_iou']['mean']:.3f})")
    if not any("edges" in row for row in report.values()):
        return "\n".join(lines)
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
    parser.add_argument("--style", choices=STYLES, default="world",
                        help="world: the world's flat colours; real: realistic renders (always via H.264)")
    parser.add_argument("--dump", type=Path, default=None,
                        help="folder (e.g. under runs/) for a PNG strip of every clip judged wrongly, with the reason")
    parser.add_argument("--probe", choices=list(PLANS), action="append", default=None,
                        help="validate only this probe (repeatable); every probe when left out")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n: expected a positive number of clips, got {args.n}")
    report = validate(args.n, args.seed, args.mp4, args.style, args.dump, tuple(args.probe) if args.probe else None)
    print(json.dumps(report, indent=2) if args.json else _table(report))


if __name__ == "__main__":
    main()
