"""Editing a clip with words on the diffusers cards (issue 47), on tiny random pipelines of the real classes.

    .venv/bin/python -m pytest -q tests/test_edit_diffusers.py

wan2.1-t2v-1.3b (WanVideoToVideoPipeline), cogvideox-2b (CogVideoXVideoToVideoPipeline) and ltx-video
(LTXConditionPipeline: the source as a condition at frame 0 with denoise_strength) edit at any strength;
lucy-edit (LucyEditPipeline) re-imagines from noise, so its strength is fixed at 1. Every other card says why
it cannot edit. The settings and their sources: docs/real_models.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.api import load
from pipeline.diffusers_backend import ltx_edit_sigma
from pipeline.errors import RequestError
from pipeline.registry import MODELS, UNSUPPORTED
from pipeline.request import GenerationRequest
from test_diffusers_backend import TINY, moving_square, tiny_cards  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("single_thread")
ROOT = Path(__file__).resolve().parent.parent
REAL = dict(MODELS)  # the cards as shipped (tiny_cards swaps sizes in MODELS during a test)
STRENGTH_ARGUMENT = {"wan2.1-t2v-1.3b": ("WanVideoToVideoPipeline", "strength"),
                     "cogvideox-2b": ("CogVideoXVideoToVideoPipeline", "strength"),
                     "ltx-video": ("LTXConditionPipeline", "denoise_strength")}


def edit_request(name: str, seed: int = 0, **over) -> GenerationRequest:
    """An edit of a 48x40 upload as long as the tiny model's clip (so the output keeps its length), 4 steps."""
    size = TINY[name]
    source = moving_square(t=size["frames"], seed=3)  # (T, 48, 40, 3): fitted to the model's size on the way
    fields = dict(mode="edit", prompt="a blue ball falls and bounces", video=source, seed=seed, steps=4,
                  width=size["width"], height=size["height"])
    return GenerationRequest(**{**fields, **over})


def shape_of(name: str) -> tuple[int, int, int, int]:
    size = TINY[name]
    return size["frames"], size["height"], size["width"], 3


@pytest.mark.parametrize("name", list(STRENGTH_ARGUMENT))
def test_an_edit_keeps_the_source_length_and_size_and_its_strength_reaches_the_pipeline(name, tiny_weights,
                                                                                        tiny_cards):
    pipe = load(name, weights=tiny_weights[name])
    steps = []
    result = pipe.generate(edit_request(name, strength=0.5), progress=lambda i, n: steps.append((i, n)))
    assert result.frames.shape == shape_of(name) and result.request.strength == 0.5
    assert steps == [(1, 2), (2, 2)]  # strength 0.5 of 4 steps: the pipeline ran the last 2 only
    assert np.array_equal(pipe.generate(edit_request(name, strength=0.5)).frames, result.frames)  # a seed replays it
    call = pipe.backend.plan(result.request, torch.Generator("cpu").manual_seed(0))
    pipeline, argument = STRENGTH_ARGUMENT[name]
    assert type(call.pipe).__name__ == pipeline and call.kwargs[argument] == 0.5
    if name != "ltx-video":  # the source itself goes in; its length sets the output's (no num_frames argument)
        assert len(call.kwargs["video"]) == TINY[name]["frames"] and "num_frames" not in call.kwargs
        assert np.array_equal(np.asarray(call.kwargs["video"][0]), result.request.video[0])


def test_ltx_edits_with_the_whole_source_as_a_condition_at_the_first_step_noise(tiny_weights, tiny_cards):
    pipe = load("ltx-video", weights=tiny_weights["ltx-video"])
    resolved, _ = edit_request("ltx-video", strength=0.5).resolve(pipe.card)
    call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))
    (condition,) = call.kwargs["conditions"]
    assert condition.frame_index == 0 and len(condition.video) == 17  # every source frame, from frame 0
    assert np.array_equal(np.asarray(condition.video[5]), resolved.video[5])
    assert call.kwargs["denoise_strength"] == 0.5 and call.kwargs["num_frames"] == 17
    # 2 of 4 steps skipped: the condition sits at the noise level of the third timestep of LTX's schedule, which
    # spends its first half between 1 and 0.975 (linear_quadratic_schedule's threshold_noise 0.025)
    timesteps = call.pipe.scheduler.__class__.from_config(call.pipe.scheduler.config)
    from diffusers.pipelines.ltx.pipeline_ltx_condition import linear_quadratic_schedule

    timesteps.set_timesteps(timesteps=linear_quadratic_schedule(4) * 1000)
    sigma = float(timesteps.timesteps[2]) / 1000
    assert sigma == pytest.approx(0.975) and condition.strength == pytest.approx(1.0 - sigma)
    assert ltx_edit_sigma(call.pipe, 4, 1.0) == pytest.approx(1.0)  # strength 1: from pure noise (condition 0)
    # the source is kept where strength is low: the latent result is nearer the source's own latents at 0.25 than at 1
    from test_diffusers_backend import ltx_encode

    with torch.no_grad():
        source = ltx_encode(pipe, resolved.video)  # (1, C, F, h, w), normalised as the pipeline packs them
    distance = {}
    for strength in (0.25, 1.0):
        r, _ = edit_request("ltx-video", strength=strength, steps=8).resolve(pipe.card)
        plan = pipe.backend.plan(r, torch.Generator("cpu").manual_seed(0))
        latents = plan.pipe(**plan.kwargs, output_type="latent").frames  # (1, C, F, h, w)
        distance[strength] = float((latents - source).abs().mean())
    assert distance[0.25] < 0.8 * distance[1.0], distance  # measured 0.73 against 0.99


def test_lucy_edit_only_edits_at_strength_1_and_follows_its_source(tiny_weights, tiny_cards):
    card = REAL["lucy-edit"]
    assert [t for t in card.capabilities if card.capabilities[t].support != UNSUPPORTED] == ["edit"]
    assert card.defaults.strength == 1.0 and card.limits.fixed_strength == 1.0
    pipe = load("lucy-edit", weights=tiny_weights["lucy-edit"])
    steps = []
    result = pipe.generate(edit_request("lucy-edit"), progress=lambda i, n: steps.append((i, n)))
    assert result.frames.shape == shape_of("lucy-edit") and result.request.strength == 1.0
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]  # every step, from noise
    call = pipe.backend.plan(result.request, torch.Generator("cpu").manual_seed(0))
    assert type(call.pipe).__name__ == "LucyEditPipeline" and "strength" not in call.kwargs
    assert len(call.kwargs["video"]) == 9 and call.kwargs["num_frames"] == 9
    other = pipe.generate(edit_request("lucy-edit", video=moving_square(t=9, seed=4)))
    assert not np.array_equal(other.frames, result.frames)  # same seed and prompt, another source: another edit
    with pytest.raises(RequestError, match=r"^strength: 0\.6: lucy-edit edits at strength 1 only \(it re-imagines "):
        pipe.generate(edit_request("lucy-edit", strength=0.6))
    with pytest.raises(RequestError, match=r"^mode: 't2v': lucy-edit cannot do t2v \(an editor only"):
        pipe.generate(GenerationRequest("t2v", "a blue ball", width=64, height=64, frames=9))


@pytest.mark.parametrize("name", [n for n, c in REAL.items() if c.backend == "diffusers"
                                  and c.capability("edit").support == UNSUPPORTED])
def test_a_card_that_cannot_edit_says_why_and_names_one_that_can(name):
    card = REAL[name]
    note = card.capability("edit").note
    assert "use wan2.1-t2v-1.3b, cogvideox-2b, ltx-video or lucy-edit" in note
    source = np.zeros((card.defaults.frames, card.defaults.height, card.defaults.width, 3), np.uint8)
    with pytest.raises(RequestError) as refused:
        GenerationRequest("edit", "a blue ball", video=source).resolve(card)
    assert str(refused.value).startswith(f"mode: 'edit': {name} cannot do edit ({note})")


def test_edit_input_the_card_cannot_take_is_refused_naming_the_field():
    cog, wan = REAL["cogvideox-2b"], REAL["wan2.1-t2v-1.3b"]
    short = np.zeros((20, 480, 720, 3), np.uint8)  # CogVideoX-2b makes 49 frames only
    with pytest.raises(RequestError, match=r"^video: 20 frames is too short for cogvideox-2b to edit; it makes 8k\+1 "
                                           r"frames from 49$"):
        GenerationRequest("edit", "a blue ball", video=short).resolve(cog)
    clip = np.zeros((30, 480, 832, 3), np.uint8)
    resolved, notes = GenerationRequest("edit", "a blue ball", video=clip).resolve(wan)
    assert (resolved.frames, resolved.strength, len(resolved.video)) == (29, 0.7, 29)  # 4k+1 <= 30; the makers'-less 0.7
    assert any("the first 29 of its 30 frames edited" in n for n in notes)
    for strength, message in ((0, r"^strength: 0 is not a number in \(0, 1\]"),
                              (1.5, r"^strength: 1\.5 is not a number in \(0, 1\]")):
        with pytest.raises(RequestError, match=message):
            GenerationRequest("edit", "a blue ball", video=clip, strength=strength).resolve(wan)
    with pytest.raises(RequestError, match=r"^video: None; mode 'edit' needs the clip to edit"):
        GenerationRequest("edit", "a blue ball").resolve(REAL["lucy-edit"])


def test_check_settings_prints_each_editor_call():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from real_models_smoke import call_settings
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    wan = call_settings(REAL["wan2.1-t2v-1.3b"], "edit")
    assert "WanVideoToVideoPipeline(" in wan and "strength=0.7" in wan and "num_frames" not in wan and "shift=8" in wan
    cog = call_settings(REAL["cogvideox-2b"], "edit")
    assert "CogVideoXVideoToVideoPipeline(" in cog and "strength=0.8" in cog and "CogVideoXDDIMScheduler" in cog
    ltx = call_settings(REAL["ltx-video"], "edit")
    assert "denoise_strength=0.4" in ltx and "conditions=[the source at frame 0, strength 1 - sigma" in ltx
    lucy = call_settings(REAL["lucy-edit"], "edit")
    assert "LucyEditPipeline(height=480, width=832, num_frames=81, num_inference_steps=50, guidance_scale=5.0" in lucy
    assert "strength" not in lucy.split(";")[0]


def test_the_cli_edits_with_a_diffusers_card_and_a_card_that_cannot_edit_says_so_before_its_weights(
        tiny_weights, capsys, tmp_path, monkeypatch):
    from pipeline.__main__ import main
    from pipeline.video_io import read_video, write_mp4

    source = write_mp4(tmp_path / "source.mp4", moving_square(t=20, h=64, w=64), fps=24)
    out = tmp_path / "edit.mp4"
    args = ["generate", "--model", "ltx-video", "--weights", str(tiny_weights["ltx-video"]), "--mode", "edit",
            "--video", str(source), "--prompt", "a blue ball falls", "--strength", "0.5", "--size", "64x64",
            "--steps", "4", "--seed", "0", "--out", str(out)]
    assert main(args) == 0
    assert read_video(out)[0].shape == (17, 64, 64, 3)  # 8k+1 <= 20: the first 17 frames, edited
    assert "note: video: the first 17 of its 20 frames edited" in capsys.readouterr().err
    monkeypatch.setenv("SPACETIME_WEIGHTS_HUNYUANVIDEO_1_5_T2V", str(tmp_path / "nowhere"))  # no weights: not asked
    assert main(["generate", "--model", "hunyuanvideo-1.5-t2v", "--mode", "edit", "--video", str(source), "--prompt",
                 "a blue ball falls", "--out", str(tmp_path / "no.mp4")]) == 2
    assert capsys.readouterr().err == ("error: mode: 'edit': hunyuanvideo-1.5-t2v cannot do edit (no video-to-video "
                                       "pipeline for HunyuanVideo 1.5 in diffusers 0.42.1; use wan2.1-t2v-1.3b, "
                                       "cogvideox-2b, ltx-video or lucy-edit); it can do t2v\n")
