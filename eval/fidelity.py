"""Any model against the world's ground truth on held-out prompts, judged by the probes.

    python -m eval.fidelity --model tinyworld --n 200 --json
    python -m eval.fidelity --model tinyworld --n 40 --steps 8
    python -m eval.fidelity --edits 60                       # the edit check instead (eval/edits.py)

Prompts: subject combinations (colour, shape, event) that tinyworld never saw in training
(pipeline/tinyworld/config.HELD_OUT), as short prompts and parser-accepted paraphrases, half in
English, half in Chinese. For each, the model's text-to-video clip and the world's ground-truth
clip for the same prompt and seed go through the same probes; a probe's rate is the share of
clips whose verdict is pass. Conditioning is measured on ground-truth clips: image-to-video
first-frame PSNR, extension kept-frame PSNR (forward and backward) and the probes on the
extended clip, subject colour drift over three chained extensions, and speed. There the prompt
is the given clip's own detailed caption: a short prompt leaves sizes and the background unsaid,
the parser fills in "medium" and "plain", and a model that follows its text would be told to
contradict the frames it continues. Chains are run on the conditioning prompts whose subject the
world itself keeps in view for all 52 frames (a subject that moves out of the frame has no colour
left to compare); a chain that loses its subject scores the largest drift there is, 255.
`--physics-iq N` adds the Physics-IQ score of N world scenes filmed twice from three views, beside
the take-2 ceiling and a still baseline (eval/physics_iq/world_score.py).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np
from scipy.stats import binomtest

from eval.probes import PROBES, run_probes
from eval.probes.tracker import observe
from eval.probes.verdict import PASS
from pipeline import load
from pipeline.request import GenerationRequest
from pipeline.tinyworld.config import HELD_OUT
from world import PALETTE, ObjectSpec, SceneSpec, detailed_caption, expectation_for, parse, sample_spec, short_prompt
from world.render import make_clip

# Parser-accepted rewrites: a paraphrase is kept only when it parses to the same expectation.
PARAPHRASES = {
    "en": [(" ball", " sphere"), (" box", " cube"), ("moves right", "moves to the right"), ("moves left", "moves leftward"),
           ("falls", "drops"), ("hits", "strikes")],
    "zh": [("向右", "从左向右"), ("向左", "从右向左"), ("方块", "立方体")],
}


def held_out_spec(rng: np.random.Generator, index: int) -> SceneSpec:
    """A scene whose subject is held-out combination index % len(HELD_OUT)."""
    colour, shape, event = HELD_OUT[index % len(HELD_OUT)]
    spec = sample_spec(rng, event=event)
    others = [o for o in spec.objects[1:] if o.colour != colour]
    while len(others) < len(spec.objects) - 1:  # the subject's colour was taken: pick a free one
        free = [c for c in PALETTE if c != colour and c not in {o.colour for o in others}]
        others.append(ObjectSpec(shape=str(rng.choice(["ball", "box", "triangle"])), colour=str(rng.choice(free))))
    subject = ObjectSpec(shape=shape, colour=colour, size=spec.subject.size)
    return replace(spec, objects=(subject, *others))


def prompt_for(spec: SceneSpec, lang: str, paraphrase: bool) -> str:
    text = short_prompt(spec, lang)
    if paraphrase:
        for old, new in PARAPHRASES[lang]:
            candidate = text.replace(old, new)
            if candidate != text and parse(candidate).expectation == expectation_for(spec):
                text = candidate
    return text


def held_out_prompts(n: int, seed: int = 0) -> list[tuple[str, str, SceneSpec]]:
    """n (language, prompt, spec): languages alternate, every other pair is paraphrased."""
    out = []
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        spec = held_out_spec(rng, i // 2)
        lang = "en" if i % 2 == 0 else "zh"
        out.append((lang, prompt_for(spec, lang, paraphrase=(i // 2) % 2 == 1), spec))
    return out


def combination(spec: SceneSpec) -> str:
    """'green triangle fall': the subject's colour, shape and event, the triple HELD_OUT lists."""
    return f"{spec.subject.colour} {spec.subject.shape} {spec.event}"


def pass_counts(verdict_lists: list[list]) -> dict[str, tuple[int, int]]:
    """Per probe: (clips whose verdict is pass, clips that call for the probe)."""
    counts = {}
    for name in PROBES:
        statuses = [v.status for verdicts in verdict_lists for v in verdicts if v.probe == name]
        counts[name] = (sum(s == PASS for s in statuses), len(statuses))
    return counts


def pass_rates(verdict_lists: list[list]) -> dict[str, float | None]:
    """Per probe: share of clips (that call for it) whose verdict is pass."""
    return {name: round(k / n, 4) if n else None for name, (k, n) in pass_counts(verdict_lists).items()}


def wilson_interval(passed: int, n: int) -> list[float] | None:
    """The 95% Wilson interval [low, high] of a pass rate of `passed` out of `n`; None when n is 0."""
    if not n:
        return None
    ci = binomtest(passed, n).proportion_ci(confidence_level=0.95, method="wilson")
    return [round(float(ci.low), 4), round(float(ci.high), 4)]


def pass_intervals(verdict_lists: list[list]) -> dict[str, list[float] | None]:
    """Per probe: the 95% Wilson interval of the pass rate: how far another draw of prompts could
    move it (at 200 clips and 92%, about 4 points either way)."""
    return {name: wilson_interval(k, n) for name, (k, n) in pass_counts(verdict_lists).items()}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255**2 / max(mse, 1e-10))


def subject_colour(frames: np.ndarray, colour: str) -> np.ndarray | None:
    """Mean RGB of pixels near the subject's palette colour, over the clip; None if none are."""
    target = np.array(PALETTE[colour], dtype=np.float64)
    pixels = frames.reshape(-1, 3).astype(np.float64)
    near = np.linalg.norm(pixels - target, axis=1) < 60
    return pixels[near].mean(axis=0) if near.sum() >= 8 else None


def evaluate(model: str, n: int, seed: int = 0, steps: int | None = None, conditioning: int = 20, weights: str | None = None,
             guidance: float | None = None, physics_iq: int = 0) -> dict:
    """The report described in the module docstring; steps and guidance default to the model card's.
    physics_iq: world scenes scored by Physics-IQ (eval/physics_iq/world_score.py); 0 skips it."""
    pipe = load(model, weights=weights)
    sampling = {"steps": steps, "guidance": guidance}  # None: the card's default
    prompts = held_out_prompts(n, seed)
    results: dict = {"n": n, "steps": steps, "guidance": guidance}
    by_lang: dict[str, dict[str, list]] = {"en": {"model": [], "truth": []}, "zh": {"model": [], "truth": []}}
    seconds = []
    for i, (lang, prompt, spec) in enumerate(prompts):
        expectation = expectation_for(spec)
        start = time.perf_counter()
        out = pipe.generate(GenerationRequest(mode="t2v", prompt=prompt, seed=seed + i, **sampling))
        seconds.append(time.perf_counter() - start)
        truth = make_clip(spec, seed=seed + i, frames=len(out.frames), width=out.frames.shape[2], height=out.frames.shape[1])
        by_lang[lang]["model"].append(run_probes(out.frames, expectation))
        by_lang[lang]["truth"].append(run_probes(truth.frames, expectation))
    both = {k: by_lang["en"][k] + by_lang["zh"][k] for k in ("model", "truth")}
    results["model"] = pass_rates(both["model"])
    results["model_ci95"] = pass_intervals(both["model"])
    results["ground_truth"] = pass_rates(both["truth"])
    results["by_language"] = {lang: {"model": pass_rates(v["model"]), "model_ci95": pass_intervals(v["model"]),
                                     "ground_truth": pass_rates(v["truth"])} for lang, v in by_lang.items()}
    results["share_of_ground_truth"] = {
        k: (round(results["model"][k] / results["ground_truth"][k], 4) if results["ground_truth"][k] else None) for k in PROBES}
    if conditioning:
        results.update(conditioning_metrics(pipe, prompts[:conditioning], seed, sampling))
    if physics_iq:
        from eval.physics_iq.world_score import score_world

        results["physics_iq"] = score_world(pipe, physics_iq, seed, steps)
    median = float(np.median(seconds))
    results["seconds_per_clip"] = round(median, 3)
    results["realtime_factor"] = round(len(out.frames) / out.fps / median, 2)
    return results


def conditioning_metrics(pipe, prompts, seed: int, sampling: dict, keep: int = 4) -> dict:
    """Kept-frame PSNR for i2v and extension both ways, the probes on extended clips, colour drift."""
    first, kept, continued = [], {"forward": [], "backward": []}, []
    for i, (lang, prompt, spec) in enumerate(prompts):
        clip = make_clip(spec, seed=seed + i).frames  # (16, 64, 64, 3)
        prompt = detailed_caption(spec, lang)  # what the given frames show, sizes and background included
        request = dict(prompt=prompt, seed=seed + i, **sampling)
        out = pipe.generate(GenerationRequest(mode="i2v", image=clip[0], **request)).frames
        first.append(psnr(out[0], clip[0]))
        # forward: the first half given, its last `keep` frames condition the window that continues it
        fwd = pipe.generate(GenerationRequest(mode="extend", video=clip[:8], keep=keep, **request))
        kept["forward"].append(psnr(fwd.frames[:keep], clip[8 - keep:8]))
        continued.append(run_probes(fwd.joined()[:16], expectation_for(spec)))  # frames 0-7 given, 8-15 new
        # backward: the second half given, its first `keep` frames end the window that leads into it
        back = pipe.generate(GenerationRequest(mode="extend", video=clip[8:], keep=keep, direction="backward", **request))
        kept["backward"].append(psnr(back.frames[-keep:], clip[8:8 + keep]))
        continued.append(run_probes(back.joined()[-16:], expectation_for(spec)))  # frames 0-7 new, 8-15 given
    drift, chained = chain_drifts(pipe, prompts, seed, sampling, keep)
    return {
        "i2v_first_frame_psnr": round(float(np.mean(first)), 2),
        "extend_kept_psnr": round(float(np.mean(kept["forward"] + kept["backward"])), 2),
        "extend_kept_psnr_by_direction": {d: round(float(np.mean(v)), 2) for d, v in kept.items()},
        "extend_probe_pass": pass_rates(continued),
        "extend_probe_ci95": pass_intervals(continued),  # to set against model_ci95: does extension keep the t2v rate?
        "chain3_colour_drift": round(float(np.max(drift)), 2) if drift else None,
        "chain3_chains": len(drift),
        "chain3_lost": sum(d == LOST for d in drift),
        "chain3_drifts": [round(d, 1) for d in drift],  # one per chain, in prompt order
        "chain3_subjects": chained,  # what each chain's subject is and does, to see which scenes break
        **interpolation_metrics(pipe, len(prompts), seed, sampling),
    }


CHAIN_FRAMES = 16 + 3 * 12  # a clip and three forward extensions that keep 4 frames each
LOST = 255.0  # the drift a chain scores when its subject is gone: none of its colour is left


def subject_seen(frames: np.ndarray, spec: SceneSpec) -> bool:
    """Whether the probes' shared tracker finds the subject in at least half of `frames`, and knows it
    for the subject: stray pixels of its colour in a smeared or noisy clip are not the subject."""
    track = observe(frames, expectation_for(spec)).tracks[0]
    return bool(track.present.mean() >= 0.5 and track.doubt is None)


def subject_stays_in_view(spec: SceneSpec, seed: int, frames: int) -> bool:
    """Whether the world's own clip, rendered `frames` long, still shows the subject in its last 12
    frames. A subject that moves out of the frame has no colour left to compare: such scenes are
    not chained."""
    return subject_seen(make_clip(spec, seed=seed, frames=frames).frames[-12:], spec)


def chain_drifts(pipe, prompts, seed: int, sampling: dict, keep: int = 4) -> tuple[list[float], list[str]]:
    """Every prompt whose subject the world keeps in view, chained from its detailed caption ->
    (each chain's drift, each chain's combination), in prompt order."""
    drift, chained = [], []
    for i, (lang, _, spec) in enumerate(prompts):
        if subject_stays_in_view(spec, seed + i, CHAIN_FRAMES):
            drift.append(chain_drift(pipe, detailed_caption(spec, lang), spec, seed + i, sampling, keep))
            chained.append(combination(spec))
    return drift, chained


def chain_drift(pipe, prompt: str, spec: SceneSpec, seed: int, sampling: dict, keep: int) -> float:
    """Largest per-channel change (0-255) of the subject's mean colour after three forward
    extensions; LOST when the subject is not seen at the start or the end (it should be: the
    world keeps it in view, see subject_stays_in_view)."""
    video = pipe.generate(GenerationRequest(mode="t2v", prompt=prompt, seed=seed, **sampling)).frames
    start = subject_colour(video, spec.subject.colour) if subject_seen(video, spec) else None
    for j in range(3):
        video = pipe.generate(GenerationRequest(mode="extend", prompt=prompt, seed=seed + 100 + j, **sampling,
                                                video=video, keep=keep)).joined()
    end = video[-12:]  # the last extension's new frames
    end_colour = subject_colour(end, spec.subject.colour) if subject_seen(end, spec) else None
    return LOST if start is None or end_colour is None else float(np.abs(end_colour - start).max())


def subject_track(frames: np.ndarray, expectation) -> np.ndarray:
    """(T, 2) the subject's centre (x, y) with camera motion removed, from the probes' shared
    tracker; NaN in frames where it is not found."""
    return observe(frames, expectation).world_centres(0)


def interpolation_metrics(pipe, n: int, seed: int, sampling: dict) -> dict:
    """First and last frames of straight-line motions given: keyframe PSNR, and whether the subject
    moves monotonically between them (each step along the motion's axis, allowing 0.5 px jitter)."""
    psnrs, monotonic = [], []
    axis_sign = {"right": (0, 1), "left": (0, -1), "down": (1, 1), "up": (1, -1)}
    for i in range(n):
        rng = np.random.default_rng([seed, 7, i])
        spec = sample_spec(rng, event="move", pan=False)
        clip = make_clip(spec, seed=seed + i).frames
        out = pipe.generate(GenerationRequest(mode="interpolate", prompt=short_prompt(spec, "en"), seed=seed + i,
                                              video=clip[[0, -1]], **sampling)).frames
        psnrs += [psnr(out[0], clip[0]), psnr(out[-1], clip[-1])]
        axis, sign = axis_sign[spec.direction]
        track = subject_track(out, expectation_for(spec))[:, axis]
        steps_along = np.diff(track) * sign
        monotonic.append(bool(np.isfinite(track).all() and (steps_along > -0.5).all()))
    return {"interpolate_keyframe_psnr": round(float(np.mean(psnrs)), 2),
            "interpolate_monotonic": round(float(np.mean(monotonic)), 4)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tinyworld")
    parser.add_argument("--n", type=int, default=200, help="held-out prompts (half English, half Chinese)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, help="denoising steps (default: the model card's)")
    parser.add_argument("--guidance", type=float, help="classifier-free guidance scale (default: the model card's)")
    parser.add_argument("--conditioning", type=int, default=20, help="prompts used for i2v / extension / chaining checks")
    parser.add_argument("--weights", help="a local weights folder overriding the model card's")
    parser.add_argument("--physics-iq", type=int, default=0,
                        help="also score this many world scenes by Physics-IQ, beside the take-2 ceiling (0: skip)")
    parser.add_argument("--edits", type=int, default=0,
                        help="instead: the edit check on this many world scenes at strengths 0.4, 0.6, 0.8 (eval/edits.py)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.edits:
        from eval.edits import evaluate_edits, print_report

        edits = evaluate_edits(load(args.model, weights=args.weights), args.edits, args.seed, steps=args.steps)
        print(json.dumps(edits, indent=1) if args.json else print_report(edits))
        return
    if args.n < 2:
        parser.error(f"--n: expected at least 2 prompts (one per language), got {args.n}")
    extra = {"physics_iq": args.physics_iq} if args.physics_iq else {}
    report = evaluate(args.model, args.n, args.seed, args.steps, args.conditioning, args.weights, args.guidance, **extra)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"{'probe':<12} {'model':>7} {'95% interval':>15} {'truth':>7} {'share':>7}")
    for name in PROBES:
        m, t, s = report["model"][name], report["ground_truth"][name], report["share_of_ground_truth"][name]
        ci = report["model_ci95"][name]
        span = f"{ci[0]:.3f}-{ci[1]:.3f}" if ci else "-"
        print(f"{name:<12} {m if m is not None else '-':>7} {span:>15} {t if t is not None else '-':>7} {s if s is not None else '-':>7}")
    for key in ("i2v_first_frame_psnr", "extend_kept_psnr", "chain3_colour_drift", "chain3_chains", "chain3_lost",
                "realtime_factor", "seconds_per_clip"):
        if key in report:  # --conditioning 0 measures no conditioning
            print(f"{key}: {report[key]}")
    if "physics_iq" in report:
        p = report["physics_iq"]
        print(f"physics_iq: {p['score']} (take-2 ceiling {p['ceiling_take2']}, still baseline {p['still_baseline']}, "
              f"{p['n']} scenes x 3 views, {p['mode']})")


if __name__ == "__main__":
    main()
