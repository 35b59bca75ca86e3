"""The coverage grid: every event x shape x colour the world knows, in English and Chinese, judged by the probes.

    python -m eval.coverage --model tinyworld                    # 6 events x 3 shapes x 6 colours x 2 languages x 2 seeds
    python -m eval.coverage --model tinyworld --seeds 0 1 2 --json
    python -m eval.coverage --model tinyworld --weights runs/still/weights

eval.fidelity draws its prompts from the held-out combinations, so a whole event type can fail
without it showing there. Here each cell is the plainest scene of its kind: the subject of that
colour and shape doing the event, with as few other objects as the event allows (one for "hit"
and "relation", none otherwise), no camera pan, prompted with the world's short prompt. The
model's clip and the world's own clip for the same prompt and seed go through the same probes.
Reported: the presence rate (and each probe's) per event, per shape and per language, and every
prompt whose model clip fails presence.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

import numpy as np

from eval.fidelity import pass_rates
from eval.probes import run_probes
from eval.probes.verdict import PASS
from pipeline import load
from pipeline.request import GenerationRequest
from world import PALETTE, ObjectSpec, SceneSpec, expectation_for, sample_spec, short_prompt
from world.render import make_clip
from world.spec import EVENT_OBJECTS, EVENTS, SHAPES

LANGUAGES = ("en", "zh")


def cell_spec(event: str, shape: str, colour: str) -> SceneSpec:
    """The plainest scene of `event` whose subject is a `colour` `shape`: as few objects as the
    event allows, no pan; the rest (size, direction, the other object) drawn from a seed fixed by
    the cell, so the grid is the same on every run."""
    rng = np.random.default_rng([EVENTS.index(event), SHAPES.index(shape), list(PALETTE).index(colour)])
    spec = sample_spec(rng, event=event, pan=False)
    count = EVENT_OBJECTS[event][0]
    free = [c for c in PALETTE if c != colour]
    others = tuple(replace(o, colour=free[i % len(free)]) for i, o in enumerate(spec.objects[1:count]))
    subject = ObjectSpec(shape=shape, colour=colour, size=spec.subject.size)
    return replace(spec, objects=(subject, *others), background="plain")


def grid_cells() -> list[tuple[str, str, str]]:
    """(event, shape, colour) for every combination, in a fixed order."""
    return [(e, s, c) for e in EVENTS for s in SHAPES for c in PALETTE]


def rate(passed: list[bool]) -> float | None:
    return round(sum(passed) / len(passed), 4) if passed else None


def coverage(model: str, seeds: tuple[int, ...] = (0, 1), weights: str | None = None, steps: int | None = None,
             guidance: float | None = None, languages: tuple[str, ...] = LANGUAGES) -> dict:
    """The report in the module docstring; steps and guidance default to the model card's."""
    pipe = load(model, weights=weights)
    rows = []
    cells = grid_cells()
    for index, (event, shape, colour) in enumerate(cells):
        if index % len(PALETTE) == 0:
            print(f"coverage: {event} {shape} ({index}/{len(cells)} cells)", file=sys.stderr, flush=True)
        spec = cell_spec(event, shape, colour)
        expectation = expectation_for(spec)
        for lang in languages:
            prompt = short_prompt(spec, lang)
            for seed in seeds:
                out = pipe.generate(GenerationRequest(mode="t2v", prompt=prompt, seed=seed, steps=steps, guidance=guidance))
                truth = make_clip(spec, seed=seed, frames=len(out.frames), width=out.frames.shape[2],
                                  height=out.frames.shape[1])
                model_verdicts = run_probes(out.frames, expectation)
                rows.append({"event": event, "shape": shape, "colour": colour, "lang": lang, "seed": seed,
                             "prompt": prompt, "verdicts": model_verdicts,
                             "truth_verdicts": run_probes(truth.frames, expectation)})
    return summarise(rows, model, weights, seeds)


def present(verdicts: list) -> bool:
    return any(v.probe == "presence" and v.status == PASS for v in verdicts)


def summarise(rows: list[dict], model: str, weights: str | None, seeds: tuple[int, ...]) -> dict:
    def group(key: str) -> dict:
        values = dict.fromkeys(r[key] for r in rows)
        return {value: {"presence": rate([present(r["verdicts"]) for r in rows if r[key] == value]),
                        "probes": pass_rates([r["verdicts"] for r in rows if r[key] == value]),
                        "clips": sum(r[key] == value for r in rows)} for value in values}

    by_event_lang = {f"{e} {lang}": rate([present(r["verdicts"]) for r in rows if r["event"] == e and r["lang"] == lang])
                     for e in dict.fromkeys(r["event"] for r in rows) for lang in dict.fromkeys(r["lang"] for r in rows)}
    return {
        "model": model, "weights": weights, "seeds": list(seeds), "clips": len(rows),
        "presence": rate([present(r["verdicts"]) for r in rows]),
        "ground_truth_presence": rate([present(r["truth_verdicts"]) for r in rows]),
        "by_event": group("event"), "by_shape": group("shape"), "by_language": group("lang"),
        "presence_by_event_and_language": by_event_lang,
        "lowest_event_presence": min(v for v in by_event_lang.values() if v is not None),
        "ground_truth_by_event": {e: pass_rates([r["truth_verdicts"] for r in rows if r["event"] == e])
                                  for e in dict.fromkeys(r["event"] for r in rows)},
        "failing": [f"{r['prompt']} (seed {r['seed']})" for r in rows if not present(r["verdicts"])],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tinyworld")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="seeds per prompt (2 or more)")
    parser.add_argument("--weights", help="a local weights folder overriding the model card's")
    parser.add_argument("--steps", type=int, help="denoising steps (default: the model card's)")
    parser.add_argument("--guidance", type=float, help="classifier-free guidance (default: the model card's)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if len(set(args.seeds)) < 2:
        parser.error(f"--seeds: expected 2 or more different seeds, got {args.seeds}")
    report = coverage(args.model, tuple(args.seeds), args.weights, args.steps, args.guidance)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    print(f"{report['clips']} clips; presence {report['presence']:.1%} (ground truth {report['ground_truth_presence']:.1%})")
    print(f"{'event':<10} {'en':>7} {'zh':>7}   probes (both languages)")
    for event, values in report["by_event"].items():
        en, zh = (report["presence_by_event_and_language"].get(f"{event} {lang}") for lang in LANGUAGES)
        probes = ", ".join(f"{k} {v:.0%}" for k, v in values["probes"].items() if v is not None)
        print(f"{event:<10} {en:>7.1%} {zh:>7.1%}   {probes}")
    for shape, values in report["by_shape"].items():
        print(f"shape {shape:<9} presence {values['presence']:.1%} of {values['clips']}")
    print(f"{len(report['failing'])} clips fail presence:")
    for line in report["failing"]:
        print(f"  {line}")


if __name__ == "__main__":
    main()
