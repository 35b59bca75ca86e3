"""eval.fidelity on a toy tinyworld: held-out prompts, the report's keys, truth against model.

    .venv/bin/python -m pytest -q tests/test_fidelity.py
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from eval.fidelity import (CHAIN_FRAMES, LOST, chain_drift, conditioning_metrics, evaluate, held_out_prompts, main,
                           prompt_for,
                           pass_intervals, pass_rates, psnr, subject_colour, subject_stays_in_view, subject_track)
from eval.probes import PROBES
from eval.probes.verdict import FAIL, PASS, Verdict
from pipeline.tinyworld.config import HELD_OUT
from tiny_models import tiny_tinyworld
from pipeline import GenerationRequest, load
from pipeline.request import GenerationResult
from world import PALETTE, SHAPES, detailed_caption, expectation_for, parse, sample_spec, short_prompt
from world.render import make_clip


def test_prompts_are_held_out_parse_back_and_alternate_languages():
    prompts = held_out_prompts(32)
    assert [lang for lang, _, _ in prompts[:4]] == ["en", "zh", "en", "zh"]
    combos = {(s.subject.colour, s.subject.shape, s.event) for _, _, s in prompts}
    assert combos == set(HELD_OUT)
    for _, prompt, spec in prompts:
        assert parse(prompt).expectation == expectation_for(spec), prompt
    paraphrased = {lang for lang, prompt, spec in prompts if prompt != short_prompt(spec, lang)}
    assert paraphrased == {"en", "zh"}, "some prompts in each language are paraphrases"
    # Each pair (English, Chinese) shares a held-out combination; pairs 1, 3, 5, ... are the paraphrased ones.
    for i, (lang, prompt, spec) in enumerate(prompts):
        assert (spec.subject.colour, spec.subject.shape, spec.event) == HELD_OUT[(i // 2) % len(HELD_OUT)]
        assert prompt == (prompt_for(spec, lang, paraphrase=True) if (i // 2) % 2 else short_prompt(spec, lang))


def test_the_subject_is_seen_when_the_tracker_finds_it_in_half_the_frames():
    from eval.fidelity import subject_seen

    spec = parse("a red ball stays still").spec
    frames = make_clip(spec, seed=0, frames=12).frames.copy()  # (12, 64, 64, 3)
    background = make_clip(spec, seed=0, frames=12).frames[0].copy()
    red = np.linalg.norm(background.astype(float) - PALETTE["red"], axis=-1) < 90
    background[red] = 128  # a frame without the ball
    frames[:6] = background
    assert subject_seen(frames, spec)  # 6 of 12
    frames[6] = background
    assert not subject_seen(frames, spec)  # 5 of 12


def test_a_held_out_scene_keeps_the_drawn_scene_but_its_subject():
    from eval.fidelity import held_out_spec

    sizes, counts = set(), set()
    for i in range(60):
        colour, shape, event = HELD_OUT[i % len(HELD_OUT)]
        drawn = sample_spec(np.random.default_rng(i), event=event)
        spec = held_out_spec(np.random.default_rng(i), i)
        sizes.add(spec.subject.size)
        counts.add(len(spec.objects))
        assert spec.subject.size == drawn.subject.size and len(spec.objects) == len(drawn.objects)
        assert (spec.subject.colour, spec.subject.shape, spec.event) == (colour, shape, event)
        kept = [o for o in drawn.objects[1:] if o.colour != colour]
        assert list(spec.objects[1: 1 + len(kept)]) == kept  # the other objects stay, unless they had its colour
        assert len({o.colour for o in spec.objects}) == len(spec.objects)  # colours stay distinct
        assert all(o.shape in SHAPES for o in spec.objects)
    assert sizes == {"small", "medium", "large"} and counts == {1, 2, 3}


def test_subject_colour_finds_the_subject_and_nothing_else():
    spec = parse("a red ball moves right").spec
    frames = make_clip(spec, seed=0).frames
    assert np.abs(subject_colour(frames, "red") - PALETTE["red"]).max() < 30
    assert subject_colour(frames, "blue") is None


def test_pass_intervals_are_wilson_intervals_of_the_pass_count():
    verdicts = [[Verdict("presence", PASS if i < 184 else FAIL, "", {})] for i in range(200)]  # 92% of 200
    assert pass_rates(verdicts)["presence"] == 0.92
    assert pass_intervals(verdicts)["presence"] == [0.874, 0.9502]  # about 4 points either way
    assert pass_intervals(verdicts)["gravity"] is None  # no clip called for it


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("tinyworld")
    tiny_tinyworld().save_pretrained(path, safe_serialization=True)
    return path


def test_report_on_a_random_model(folder):
    report = evaluate("tinyworld", n=4, steps=2, conditioning=2, weights=str(folder), guidance=2.0)
    assert (report["steps"], report["guidance"]) == (2, 2.0)
    assert set(report["model"]) == set(PROBES) == set(report["ground_truth"])
    assert set(report["by_language"]) == {"en", "zh"}
    # the world's own clips pass their probes; a random model's noise shows no red/blue object
    assert report["ground_truth"]["presence"] == 1.0
    assert report["model"]["presence"] == 0.0
    assert report["share_of_ground_truth"]["presence"] == 0.0
    low, high = report["model_ci95"]["presence"]  # 0 of 4: the interval starts at 0 and is wide
    assert low == 0.0 and 0.4 < high < 0.6
    assert report["by_language"]["en"]["model_ci95"]["presence"][1] > high  # half the clips: a wider interval
    for key in ("i2v_first_frame_psnr", "extend_kept_psnr", "interpolate_keyframe_psnr", "realtime_factor", "seconds_per_clip"):
        assert np.isfinite(report[key]) and report[key] > 0, key
    assert set(report["extend_kept_psnr_by_direction"]) == {"forward", "backward"}
    for probe, rate in report["extend_probe_pass"].items():  # every extended rate comes with its interval
        ci = report["extend_probe_ci95"][probe]
        assert (ci is None) == (rate is None) and (ci is None or ci[0] <= rate <= ci[1]), probe
    assert 0 <= report["interpolate_monotonic"] <= 1
    # both conditioning prompts are falls, which stay in view; a random model's noise holds no subject
    assert report["chain3_chains"] == report["chain3_lost"] == 2
    assert report["chain3_colour_drift"] == LOST and report["chain3_drifts"] == [LOST, LOST]
    assert all(subject.endswith(" fall") for subject in report["chain3_subjects"]) and len(report["chain3_subjects"]) == 2


class GreyModel:
    """Draws nothing: every frame plain grey."""

    def generate(self, request):
        frames = np.full((16 if request.mode == "t2v" else 12, 64, 64, 3), 200, np.uint8)
        given = [] if request.video is None else list(request.video)
        return SimpleNamespace(frames=frames, joined=lambda: np.concatenate([np.stack(given), frames]) if given else frames)


def test_the_table_prints_without_conditioning(folder, capsys):
    main(["--n", "2", "--steps", "1", "--conditioning", "0", "--weights", str(folder)])
    out = capsys.readouterr().out
    assert "95% interval" in out and "seconds_per_clip" in out and "extend_kept_psnr" not in out


def test_a_chain_that_loses_its_subject_scores_the_largest_drift():
    spec = parse("a red ball falls and bounces").spec
    assert chain_drift(GreyModel(), "a red ball falls and bounces", spec, seed=0, sampling={}, keep=4) == LOST == 255


def test_chains_only_where_the_world_keeps_the_subject_in_view():
    assert subject_stays_in_view(parse("a red ball falls and bounces").spec, seed=0, frames=CHAIN_FRAMES)
    assert not subject_stays_in_view(parse("a red ball moves right").spec, seed=0, frames=CHAIN_FRAMES)


def test_conditioning_prompts_describe_the_given_clip(folder, monkeypatch):
    # A short prompt leaves sizes unsaid and its expansion says "medium": extending a small object
    # with it would ask the model to contradict the frames it is given.
    pipe = load("tinyworld", weights=str(folder))
    generate, requests = pipe.generate, []
    monkeypatch.setattr(pipe, "generate", lambda request: requests.append(request) or generate(request))
    [(lang, prompt, spec)] = held_out_prompts(1)
    conditioning_metrics(pipe, [(lang, prompt, spec)], seed=0, sampling={"steps": 1, "guidance": None})
    conditioned = [r for r in requests if r.mode in ("i2v", "extend")]
    assert conditioned and {r.prompt for r in conditioned} == {detailed_caption(spec, lang)} != {prompt}


def test_subject_track_follows_a_moving_ball():
    spec = parse("a red ball moves right").spec
    track = subject_track(make_clip(spec, seed=0).frames, expectation_for(spec))
    assert np.isfinite(track).all() and (np.diff(track[:, 0]) > 0).all()
    assert np.isnan(subject_track(make_clip(spec, seed=0).frames, parse("a blue ball moves right").expectation)).all()


def test_failure_kinds_are_counted_for_a_random_model(folder, monkeypatch, capsys, tmp_path):
    from experiments.tinyworld.failures import kind_of, main

    assert kind_of("the red object looks like a ball (fill 0.8), not a box; no blue box anywhere", "red") == [
        "subject: the <colour> object looks like a <shape> (fill #), not a <shape>", "other: no <colour> <shape> anywhere"]
    assert kind_of("the blue ball is smeared: its box is 1.9x longer than wide", "red") == [
        "other: the <colour> <shape> is smeared: its box is #x longer than wide"]
    # permanence: on a random model's noise, presence is inconclusive (the only region of the colour never moves,
    # where the prompt has the subject move), and permanence fails (what was taken for it vanishes)
    monkeypatch.setattr("sys.argv", ["x", "--weights", str(folder), "--n", "2", "--seeds", "0", "--probe", "permanence",
                                     "--save", str(tmp_path / "failures")])
    main()
    out = capsys.readouterr().out
    sheets = sorted(p.name for p in (tmp_path / "failures").iterdir())
    assert sheets == ["seed0-prompt000.png", "seed0-prompt001.png"]  # both clips fail
    sheet = cv2.imread(str(tmp_path / "failures" / sheets[0]))
    assert sheet.shape[1] == 4 * 4 * 64 and sheet.shape[0] > 2 * 4 * 64  # 4 frames enlarged 4x, model over world
    assert "permanence  seed 0: 0.0%, all: 0 of 2, 0.0% (0.0%-" in out  # noise holds none of the objects asked for
    assert "<colour> <shape>" in out.split("failures by kind")[1]
    # both prompts fail, one under a pan: each line counts failing clips of those judged
    assert "1 of 1    permanence  green triangle fall, camera still" in out
    assert "1 of 1    permanence  green triangle fall, camera pans" in out


def test_chains_benchmark_counts_every_chain_of_a_random_model_as_lost(folder, monkeypatch, capsys):
    from experiments.tinyworld.chains import main

    monkeypatch.setattr("sys.argv", ["x", "--weights", str(folder), "--n", "1", "--latest-start", "0", "12"])
    main()
    out = capsys.readouterr().out
    chains = int(out.split(" chains from 1 prompts")[0].split()[-1])
    assert chains > 0  # the world keeps the first subject in view
    for start in (" 0", "12"):  # noise keeps no subject, whatever the window's start
        assert f"latest start {start}: {chains} lost, {chains} over 8/255, largest kept drift nan" in out


class OraclePipe:
    """Makes nothing: each clip copies its given frames exactly (shift=0) or from `shift` frames further
    into the clip given, grey elsewhere, so the kept-frame PSNRs have a known answer."""

    def __init__(self, shift: int = 0):
        self.shift, self.requests = shift, []

    def generate(self, r: GenerationRequest) -> GenerationResult:
        self.requests.append(r)
        grey = np.full((16, 64, 64, 3), 128, np.uint8)  # (T, H, W, 3)
        if r.mode == "i2v":
            frames = np.concatenate([r.image[None], grey[1:]])
        elif r.mode == "extend" and r.direction == "forward":
            s = self.shift
            frames = np.concatenate([r.video[len(r.video) - r.keep - s: len(r.video) - s], grey[r.keep:]])
        elif r.mode == "extend":
            frames = np.concatenate([grey[r.keep:], r.video[self.shift: self.shift + r.keep]])
        else:
            frames = grey
        return GenerationResult(frames, 8.0, r, 0, {}, 0, "oracle", "sha256:0", [])


@pytest.mark.parametrize("shift", [0, 1])
def test_kept_frame_psnr_compares_the_frames_that_were_given(shift, monkeypatch):
    from eval import fidelity

    chains = []
    monkeypatch.setattr(fidelity, "chain_drifts", lambda *args: chains.append(args[-1]) or ([12.3456, 3.21], ["x", "y"]))
    monkeypatch.setattr(fidelity, "interpolation_metrics", lambda *a, **k: {})
    prompts = held_out_prompts(4, 0)
    pipe = OraclePipe(shift)
    report = conditioning_metrics(pipe, prompts, seed=0, sampling={"steps": 2, "guidance": 1.5})
    cap = round(fidelity.psnr(np.zeros(3), np.zeros(3)), 2)  # identical frames: the 1e-10 MSE floor
    assert report["i2v_first_frame_psnr"] == cap
    assert chains == [4]  # chained with the same kept frames
    assert (report["chain3_colour_drift"], report["chain3_drifts"], report["chain3_chains"], report["chain3_lost"]) == (
        12.35, [12.3, 3.2], 2, 0)
    # per prompt: i2v, forward, backward, each told the given clip's detailed caption, its seed and the sampling
    clips = [make_clip(spec, seed=i).frames for i, (_, _, spec) in enumerate(prompts)]
    asked = [(r.mode, r.direction, r.prompt, r.seed, r.steps, r.guidance, r.keep) for r in pipe.requests]
    assert asked == [(mode, direction, detailed_caption(spec, lang), i, 2, 1.5, keep) for i, (lang, _, spec) in enumerate(prompts)
                     for mode, direction, keep in (("i2v", "forward", None), ("extend", "forward", 4), ("extend", "backward", 4))]
    for i, clip in enumerate(clips):
        image, fwd, back = pipe.requests[3 * i: 3 * i + 3]
        assert np.array_equal(image.image, clip[0]) and np.array_equal(fwd.video, clip[:8]) and np.array_equal(back.video, clip[8:])
    by_direction = report["extend_kept_psnr_by_direction"]
    if shift == 0:
        assert by_direction == {"forward": cap, "backward": cap} and report["extend_kept_psnr"] == cap
        return
    # one frame off: the PSNR of each clip's frames against their neighbours, computed here by hand
    forward = np.mean([fidelity.psnr(c[3:7], c[4:8]) for c in clips])  # given clip[:8], kept its last 4
    backward = np.mean([fidelity.psnr(c[9:13], c[8:12]) for c in clips])  # given clip[8:], kept its first 4
    assert by_direction == {"forward": round(float(forward), 2), "backward": round(float(backward), 2)}
    both = [fidelity.psnr(c[3:7], c[4:8]) for c in clips] + [fidelity.psnr(c[9:13], c[8:12]) for c in clips]
    assert report["extend_kept_psnr"] == round(float(np.mean(both)), 2)
    assert forward < cap - 50 and backward < cap - 50


def test_psnr_of_a_known_error_and_pass_rates_to_four_places():
    assert round(psnr(np.zeros((2, 2)), np.full((2, 2), 10)), 6) == round(10 * np.log10(255**2 / 100), 6)  # MSE 100
    thirds = [[Verdict("presence", PASS if i == 0 else FAIL, "", {})] for i in range(3)]
    assert pass_rates(thirds)["presence"] == 0.3333


class World:
    """Answers text to video and forward extension with the world's own 52-frame clip of the scene, 16
    (then 12 new) frames at a time; each request kept. tint: added to the green of the subject's pixels in
    the last extension's new frames."""

    def __init__(self, spec, seed: int, tint: int = 0, lose: bool = False):
        self.clip = make_clip(spec, seed=seed, frames=CHAIN_FRAMES).frames  # (52, 64, 64, 3)
        self.colour, self.tint, self.lose, self.requests = np.array(PALETTE[spec.subject.colour]), tint, lose, []

    def generate(self, r: GenerationRequest) -> GenerationResult:
        self.requests.append(r)
        if r.mode == "t2v":
            return GenerationResult(self.clip[:16], 8.0, r, r.seed, {}, 0, "world", "sha256:0", [])
        start = len(r.video)  # the new frames continue the world's clip where the given video ends
        new = self.clip[start: start + 12].copy()
        if start + 12 == CHAIN_FRAMES:
            subject = np.linalg.norm(new.astype(float) - self.colour, axis=-1) < 60  # (12, H, W)
            new[subject] = 128 if self.lose else np.clip(new[subject].astype(int) + [0, self.tint, 0], 0, 255)
        return GenerationResult(np.concatenate([r.video[-r.keep:], new]), 8.0, r, r.seed, {}, 0, "world", "sha256:0", [])


def test_a_chain_extends_its_own_clip_three_times_and_compares_the_last_new_frames():
    spec = parse("a red ball falls and bounces").spec
    world = World(spec, seed=3)
    # the world's own clip: the subject's mean colour moves only with its anti-aliased edge
    assert chain_drift(world, "the caption", spec, seed=3, sampling={"steps": 2, "guidance": 1.5}, keep=4) < 1.0
    assert [(r.mode, r.prompt, r.seed, r.steps, r.guidance, r.keep) for r in world.requests] == [
        ("t2v", "the caption", 3, 2, 1.5, None)] + [("extend", "the caption", 103 + j, 2, 1.5, 4) for j in range(3)]
    assert [len(r.video) for r in world.requests[1:]] == [16, 28, 40]  # each extension is given the chain so far
    tinted = chain_drift(World(spec, seed=3, tint=20), "the caption", spec, seed=3, sampling={}, keep=4)
    assert 15 < tinted <= 21  # the last 12 frames' subject, 20 greener (edge pixels blend with the floor)
    assert chain_drift(World(spec, seed=3, lose=True), "the caption", spec, seed=3, sampling={}, keep=4) == LOST


def test_subject_colour_counts_pixels_within_60_of_the_palette_and_needs_8():
    red = np.array(PALETTE["red"])
    frames = np.zeros((1, 4, 8, 3), np.uint8)  # 32 black pixels, far from red
    frames[0, 0, :8] = red
    frames[0, 1, :8] = red - [60, 0, 0]  # exactly 60 away: not counted
    assert subject_colour(frames, "red").tolist() == red.tolist()
    frames[0, 0, 7] = 0  # 7 pixels of the subject's colour are too few to call it seen
    assert subject_colour(frames, "red") is None
    frames[0, 1, 0] = red - [59, 0, 0]  # 59 away: counted, the eighth pixel
    assert np.allclose(subject_colour(frames, "red"), red - [59 / 8, 0, 0])


FAKE_REPORT = {
    "model": {name: 0.5 for name in PROBES}, "ground_truth": {name: 1.0 for name in PROBES},
    "share_of_ground_truth": {name: 0.5 for name in PROBES}, "model_ci95": {name: [0.25, 0.75] for name in PROBES},
    "seconds_per_clip": 1.25, "realtime_factor": 1.6, "i2v_first_frame_psnr": 30.5, "extend_kept_psnr": 28.25,
    "chain3_colour_drift": 12.5, "chain3_chains": 3, "chain3_lost": 1, "interpolate_monotonic": 0.5,
}


def fake_evaluate(monkeypatch, report: dict) -> list:
    """Replace evaluate() in the CLI with one that records its arguments and returns report."""
    from eval import fidelity

    calls = []
    monkeypatch.setattr(fidelity, "evaluate", lambda *args: calls.append(args) or report)
    return calls


def test_the_cli_passes_each_option_to_evaluate_with_its_default(monkeypatch, capsys):
    calls = fake_evaluate(monkeypatch, FAKE_REPORT)
    main([])
    main(["--model", "ltx-video", "--n", "8", "--seed", "3", "--steps", "5", "--conditioning", "2", "--weights", "w",
          "--guidance", "2.5"])
    # (model, n, seed, steps, conditioning, weights, guidance)
    assert calls == [("tinyworld", 200, 0, None, 20, None, None), ("ltx-video", 8, 3, 5, 2, "w", 2.5)]
    with pytest.raises(SystemExit):
        main(["--n", "1"])
    assert "--n: expected at least 2 prompts (one per language), got 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = " " + " ".join(capsys.readouterr().out.split()) + " "
    from eval import fidelity

    for words in (fidelity.__doc__.splitlines()[0], "held-out prompts (half English, half Chinese)",
                  "denoising steps (default: the model card's)", "classifier-free guidance scale (default: the model card's)",
                  "prompts used for i2v / extension / chaining checks", "a local weights folder overriding the model card's"):
        assert f" {words} " in usage  # whole: the words, not the words inside others


def test_the_cli_prints_the_report_as_a_table_or_json(monkeypatch, capsys):
    fake_evaluate(monkeypatch, FAKE_REPORT)
    main(["--json"])
    assert capsys.readouterr().out == json.dumps(FAKE_REPORT, indent=1) + "\n"
    main([])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{'probe':<12} {'model':>7} {'95% interval':>15} {'truth':>7} {'share':>7}"
    assert lines[1] == f"{next(iter(PROBES)):<12} {0.5:>7} {'0.250-0.750':>15} {1.0:>7} {0.5:>7}"
    assert lines[1 + len(PROBES):] == ["i2v_first_frame_psnr: 30.5", "extend_kept_psnr: 28.25", "chain3_colour_drift: 12.5",
                                       "chain3_chains: 3", "chain3_lost: 1", "realtime_factor: 1.6", "seconds_per_clip: 1.25"]
    unmeasured = {**FAKE_REPORT, "model": {name: None for name in PROBES}, "ground_truth": {name: None for name in PROBES},
                  "share_of_ground_truth": {name: None for name in PROBES}, "model_ci95": {name: None for name in PROBES}}
    fake_evaluate(monkeypatch, unmeasured)
    main([])
    assert capsys.readouterr().out.splitlines()[1] == f"{next(iter(PROBES)):<12} {'-':>7} {'-':>15} {'-':>7} {'-':>7}"


class RecordingPipe:
    """A 96x64 grey clip of 12 frames for every request, each request kept."""

    def __init__(self):
        self.requests = []

    def generate(self, r: GenerationRequest) -> GenerationResult:
        self.requests.append(r)
        return GenerationResult(np.full((12, 64, 96, 3), 128, np.uint8), 8.0, r, r.seed, {}, 0, "recording", "sha256:0", [])


def test_evaluate_pairs_each_prompt_with_the_ground_truth_of_its_seed_and_size(monkeypatch):
    from eval import fidelity

    pipe, truths = RecordingPipe(), []
    monkeypatch.setattr(fidelity, "load", lambda model, weights=None: pipe)
    monkeypatch.setattr(fidelity, "make_clip", lambda spec, **kw: truths.append((spec, kw)) or make_clip(spec, **kw))
    # Per prompt the model's clip is judged, then the truth's: the model passes prompt 0 only, the truth prompts 0-2.
    statuses = iter([status for i in range(7) for status in (PASS if i < 1 else FAIL, PASS if i < 3 else FAIL)])
    monkeypatch.setattr(fidelity, "run_probes", lambda frames, expectation: [Verdict("presence", next(statuses), "", {})])
    report = evaluate("tinyworld", n=7, seed=5, steps=3, conditioning=0, guidance=1.5)
    prompts = held_out_prompts(7, 5)
    assert [(r.prompt, r.seed, r.steps, r.guidance, r.mode) for r in pipe.requests] == [
        (prompt, 5 + i, 3, 1.5, "t2v") for i, (_, prompt, _) in enumerate(prompts)]
    assert truths == [(spec, {"seed": 5 + i, "frames": 12, "width": 96, "height": 64}) for i, (_, _, spec) in enumerate(prompts)]
    assert (report["n"], report["model"]["presence"], report["ground_truth"]["presence"]) == (7, 0.1429, 0.4286)
    assert report["share_of_ground_truth"]["presence"] == 0.3334  # 0.1429 / 0.4286, to 4 places
    assert report["share_of_ground_truth"]["gravity"] is None  # no clip called for it
    # 12 frames at 8 fps made in 0.7123 s a clip (a clock that moves 0.7123 s a reading): 2.106x real time
    ticks = iter(np.arange(1000) * 0.7123)
    monkeypatch.setattr(fidelity, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    monkeypatch.setattr(fidelity, "run_probes", lambda frames, expectation: [])
    timed = evaluate("tinyworld", n=2, conditioning=0)
    assert (timed["seconds_per_clip"], timed["realtime_factor"]) == (0.712, 2.11)
    given = []
    monkeypatch.setattr(fidelity, "conditioning_metrics", lambda pipe, prompts, *args: given.append(prompts) or {})
    evaluate("tinyworld", n=22)  # unless told otherwise, conditioning is measured on the first 20 prompts
    assert given == [held_out_prompts(22, 0)[:20]]
    english = report["by_language"]["en"]  # prompts 0, 2, 4, 6: the model passed prompt 0, the truth 0 and 2
    assert (english["model"]["presence"], english["ground_truth"]["presence"]) == (0.25, 0.5)
    assert english["model_ci95"]["presence"] == fidelity.wilson_interval(1, 4)


class Replay:
    """Answers an interpolation request with the world's clip of the same seed (recorded as fidelity makes it),
    played as given, backwards, or frozen on its first frame; each request kept."""

    def __init__(self, monkeypatch, play: str = "forward"):
        from eval import fidelity

        self.clips, self.requests, self.play = {}, [], play
        monkeypatch.setattr(fidelity, "make_clip", lambda spec, seed, **kw: self.clips.setdefault(seed, make_clip(spec, seed, **kw)))

    def generate(self, r: GenerationRequest) -> GenerationResult:
        self.requests.append(r)
        frames = self.clips[r.seed].frames
        play = self.play if self.play != "first backwards" else ("backwards" if len(self.requests) == 1 else "forward")
        frames = {"forward": frames, "backwards": frames[::-1], "frozen": frames[[0] * len(frames)]}[play]
        return GenerationResult(frames, 8.0, r, r.seed, {}, 0, "replay", "sha256:0", [])


def test_interpolation_metrics_on_the_true_clip_and_on_it_played_backwards(monkeypatch):
    from eval import fidelity

    true = Replay(monkeypatch)
    report = fidelity.interpolation_metrics(true, n=9, seed=4, sampling={"steps": 2, "guidance": None})
    cap = round(fidelity.psnr(np.zeros(3), np.zeros(3)), 2)
    assert report == {"interpolate_keyframe_psnr": cap, "interpolate_monotonic": 1.0}
    specs = [sample_spec(np.random.default_rng([4, 7, i]), event="move", pan=False) for i in range(9)]
    assert {s.direction for s in specs} == {"left", "right", "up", "down"}
    assert [(r.mode, r.prompt, r.seed, r.steps) for r in true.requests] == [
        ("interpolate", short_prompt(spec, "en"), 4 + i, 2) for i, spec in enumerate(specs)]
    assert all(np.array_equal(r.video, true.clips[r.seed].frames[[0, -1]]) for r in true.requests)
    one_of_three = fidelity.interpolation_metrics(Replay(monkeypatch, play="first backwards"), n=3, seed=4, sampling={})
    assert one_of_three["interpolate_monotonic"] == 0.6667
    back = Replay(monkeypatch, play="backwards")
    report = fidelity.interpolation_metrics(back, n=9, seed=4, sampling={})
    swapped = np.mean([fidelity.psnr(c.frames[-1], c.frames[0]) for c in back.clips.values()])
    assert report == {"interpolate_keyframe_psnr": round(float(swapped), 2), "interpolate_monotonic": 0.0}
    frozen = Replay(monkeypatch, play="frozen")  # no motion at all is not motion the wrong way
    report = fidelity.interpolation_metrics(frozen, n=3, seed=4, sampling={})
    last = np.mean([fidelity.psnr(c.frames[0], c.frames[-1]) for c in frozen.clips.values()])
    exact_cap = fidelity.psnr(np.zeros(3), np.zeros(3))
    assert report == {"interpolate_keyframe_psnr": round(float((exact_cap + last) / 2), 2), "interpolate_monotonic": 1.0}


def test_chain_drifts_chains_each_scene_the_world_keeps_in_view_from_its_caption(monkeypatch):
    from eval import fidelity

    viewed, chained = [], []
    monkeypatch.setattr(fidelity, "subject_stays_in_view", lambda spec, seed, frames: viewed.append((seed, frames)) or seed != 11)
    monkeypatch.setattr(fidelity, "chain_drift", lambda pipe, prompt, spec, seed, sampling, keep:
                        chained.append((prompt, seed, sampling, keep)) or 1.5)
    prompts = held_out_prompts(3, 0)
    drift, subjects = fidelity.chain_drifts("pipe", prompts, seed=10, sampling={"steps": 2})
    assert viewed == [(10, CHAIN_FRAMES), (11, CHAIN_FRAMES), (12, CHAIN_FRAMES)]
    assert chained == [(detailed_caption(prompts[i][2], prompts[i][0]), 10 + i, {"steps": 2}, 4) for i in (0, 2)]
    assert drift == [1.5, 1.5] and subjects == [fidelity.combination(prompts[i][2]) for i in (0, 2)]


def test_a_chain_whose_subject_the_tracker_never_finds_is_lost_even_with_its_colour_about():
    spec = parse("a red ball falls and bounces").spec
    world = World(spec, seed=3)
    stray = np.full((16, 64, 64, 3), 128, np.uint8)
    stray[0, 0, :10] = PALETTE["red"]  # a few red pixels in one frame: its colour, not a ball anyone sees
    world.clip = np.concatenate([stray, world.clip[16:]])
    assert chain_drift(world, "the caption", spec, seed=3, sampling={}, keep=4) == LOST
