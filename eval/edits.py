"""The world's edit check: did an edit do what was asked, and keep the rest?

    python -m eval.fidelity --edits 60                     # tinyworld at strengths 0.4, 0.6 and 0.8
    python -m eval.fidelity --edits 60 --model tinyworld --json

An attribute edit of one named object has a true answer in the world: "a red ball falls and
bounces" edited to "a blue ball falls and bounces" is the world's own clip of the edited scene
with the same seed (the same physics, the subject recoloured). For each case a world scene is
rendered (the source), its subject's colour, shape or size is changed (the kinds take turns), and
the model edits the source with the edited scene's detailed caption at each strength. Measured:

- took: the probes' presence passes for the edited caption, and the old attribute is gone (the
  presence check of the source's caption does not pass; for size, which presence does not judge,
  the subject's area is nearer the true edited clip's than the source's);
- kept: every object's path stays within KEPT_PX of its path in the true edited clip (the median
  distance between their centres over the frames where both are seen), so the motion and the
  other objects survived the edit; that path is the source's, except that a resized object rests
  higher or lower by the change of its radius; an object not seen in both is not kept;
- PSNR of the edit against the true edited clip, and against the source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from eval.fidelity import psnr
from eval.probes.presence import check as presence
from eval.probes.tracker import Observation, observe
from eval.probes.verdict import PASS
from pipeline.request import GenerationRequest
from world import PALETTE, SHAPES, SceneSpec, detailed_caption, expectation_for, sample_spec
from world.render import make_clip

KINDS = ("colour", "shape", "size")
STRENGTHS = (0.4, 0.6, 0.8)
KEPT_PX = 3.0  # at 64x64: an object's path this close to its source path counts as kept


@dataclass(frozen=True)
class EditCase:
    kind: str  # colour | shape | size
    source: SceneSpec
    edited: SceneSpec  # the source with its subject's `kind` changed
    seed: int  # the world's seed for both clips, and the model's


def edited_spec(spec: SceneSpec, kind: str, rng: np.random.Generator) -> SceneSpec:
    """The scene with its subject's colour (to one no object has), shape or size changed."""
    subject = spec.subject
    if kind == "colour":
        taken = {o.colour for o in spec.objects}
        subject = replace(subject, colour=str(rng.choice([c for c in PALETTE if c not in taken])))
    elif kind == "shape":
        subject = replace(subject, shape=str(rng.choice([s for s in SHAPES if s != subject.shape])))
    elif kind == "size":  # the largest change there is: small <-> large, medium to either
        other = {"small": "large", "large": "small"}.get(subject.size) or str(rng.choice(["small", "large"]))
        subject = replace(subject, size=other)
    else:
        raise ValueError(f"kind: {kind!r}; allowed {', '.join(KINDS)}")
    return replace(spec, objects=(subject, *spec.objects[1:]))


def edit_cases(n: int, seed: int = 0) -> list[EditCase]:
    """n cases, the kinds taking turns, each scene drawn from the world's own distribution."""
    cases = []
    for i in range(n):
        rng = np.random.default_rng([seed, 47, i])
        spec = sample_spec(rng)
        kind = KINDS[i % len(KINDS)]
        cases.append(EditCase(kind, spec, edited_spec(spec, kind, rng), seed + i))
    return cases


def path_distances(now: Observation, then: Observation) -> list[float]:
    """Per object, the median distance (px) between its centres in two observations over the frames where
    both see it; inf where they never both do."""
    distances = []
    for a, b in zip(now.tracks, then.tracks):
        both = a.present & b.present
        distances.append(float(np.median(np.linalg.norm(a.centres[both] - b.centres[both], axis=1))) if both.any()
                         else np.inf)
    return distances


def path_kept(edit: np.ndarray, truth: np.ndarray, case: EditCase) -> bool:
    """Every object's centre path in the edit within KEPT_PX of its path in the true edited clip."""
    expectation = expectation_for(case.edited)
    return max(path_distances(observe(edit, expectation), observe(truth, expectation))) <= KEPT_PX


def edit_took(edit: np.ndarray, truth: np.ndarray, source: np.ndarray, case: EditCase) -> bool:
    """The edited caption's presence passes and the old attribute is gone."""
    if presence(edit, expectation_for(case.edited)).status != PASS:
        return False
    if case.kind != "size":
        return presence(edit, expectation_for(case.source)).status != PASS
    area = [observe(clip, expectation_for(spec)).tracks[0].usual_area
            for clip, spec in ((edit, case.edited), (truth, case.edited), (source, case.source))]
    if min(area) <= 0:
        return False
    return abs(np.log(area[0] / area[1])) < abs(np.log(area[0] / area[2]))


def evaluate_edits(pipe, n: int, seed: int = 0, strengths: tuple[float, ...] = STRENGTHS,
                   steps: int | None = None) -> dict:
    """-> {"cases": n, "by_strength": {s: {...}}, "by_kind": {kind: {s: {...}}}}: rates of took and
    kept (and both), mean PSNR against the true edited clip and against the source."""
    rows = []
    for case in edit_cases(n, seed):
        width, height = pipe.card.defaults.width, pipe.card.defaults.height
        frames = pipe.card.defaults.frames
        source = make_clip(case.source, seed=case.seed, frames=frames, width=width, height=height).frames
        truth = make_clip(case.edited, seed=case.seed, frames=frames, width=width, height=height).frames
        for strength in strengths:
            out = pipe.generate(GenerationRequest("edit", detailed_caption(case.edited), video=source, seed=case.seed,
                                                  strength=strength, steps=steps)).frames
            took, kept = edit_took(out, truth, source, case), path_kept(out, truth, case)
            rows.append({"kind": case.kind, "strength": strength, "took": took, "kept": kept,
                         "psnr_truth": psnr(out, truth), "psnr_source": psnr(out, source)})
    return {"cases": n, "seed": seed, "model": pipe.card.name, "kept_px": KEPT_PX,
            "by_strength": {str(s): _rates([r for r in rows if r["strength"] == s]) for s in strengths},
            "by_kind": {k: {str(s): _rates([r for r in rows if r["kind"] == k and r["strength"] == s]) for s in strengths}
                        for k in KINDS}}


def _rates(rows: list[dict]) -> dict:
    if not rows:
        return {"n": 0}
    mean = lambda key: round(float(np.mean([r[key] for r in rows])), 4)
    return {"n": len(rows), "took": mean("took"), "kept": mean("kept"),
            "took_and_kept": round(float(np.mean([r["took"] and r["kept"] for r in rows])), 4),
            "psnr_truth": round(float(np.mean([r["psnr_truth"] for r in rows])), 2),
            "psnr_source": round(float(np.mean([r["psnr_source"] for r in rows])), 2)}


def print_report(report: dict) -> str:
    lines = [f"edits: {report['model']}, {report['cases']} cases (colour, shape, size in turn), seed {report['seed']}; "
             f"kept = every object's path within {report['kept_px']:g} px of the true edited clip's",
             f"{'kind':<8} {'strength':>8} {'n':>4} {'took':>6} {'kept':>6} {'both':>6} {'PSNR truth':>11} {'PSNR source':>12}"]
    for kind, by_strength in [("all", report["by_strength"]), *report["by_kind"].items()]:
        for strength, r in by_strength.items():
            lines.append(f"{kind:<8} {strength:>8} {r['n']:>4} {r['took']:>6.0%} {r['kept']:>6.0%} {r['took_and_kept']:>6.0%} "
                         f"{r['psnr_truth']:>11.2f} {r['psnr_source']:>12.2f}")
    return "\n".join(lines)


def edit_check(edit: np.ndarray, source: np.ndarray, source_prompt: str, edited_prompt: str) -> list[str]:
    """The check for one edit made in the app, when both prompts are world prompts: lines saying whether
    it took (the edited prompt's presence passes, the source prompt's does not) and whether every
    object's path stayed within KEPT_PX of the source's. [] when either prompt is outside the world."""
    from world import parse

    try:
        before, after = parse(source_prompt).expectation, parse(edited_prompt).expectation
    except ValueError:
        return []
    new, old = presence(edit, after), presence(edit, before)
    took = new.status == PASS and old.status != PASS
    lines = [f"took: {'yes' if took else 'no'} (the edited prompt's presence: {new.status}, {new.reason}; "
             f"the source prompt's: {old.status})"]
    now, then = observe(edit, after), observe(source, before)
    if len(now.tracks) != len(then.tracks):
        return lines + ["kept: not judged (the two prompts name different numbers of objects)"]
    moved = path_distances(now, then)
    kept = max(moved) <= KEPT_PX * max(edit.shape[1:3]) / 64  # KEPT_PX is at 64x64
    shown = ", ".join("not seen in both" if np.isinf(m) else f"{m:.1f} px" for m in moved)
    return lines + [f"kept: {'yes' if kept else 'no'} (each object's path from the source's, median: {shown})"]
