"""Real model cards as a GPU user meets them (issue 46): every tokenizer loads, each card makes the call its
makers give, and Wan2.2 A14B's two experts run through the CLI and the app.

    .venv/bin/python -m pytest -q tests/test_real_model_cards.py

The settings and where each comes from: docs/real_models.md. Tiny random pipelines of the real classes
(tests/tiny_models.py) stand in for the weights; `tiny_cards` (tests/test_diffusers_backend.py) shrinks the
cards' fixed sizes to theirs.
"""

from __future__ import annotations

import io
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline import registry
from pipeline.api import clear_cache, load
from pipeline.errors import RequestError, WeightsMissingError
from pipeline.registry import LTX2_NEGATIVE, MODELS, WAN_NEGATIVE
from pipeline.request import GenerationRequest
from pipeline.weights import locate
from test_diffusers_backend import request_for, scheduler_shift, tiny_cards  # noqa: F401  (a fixture)
from tiny_models import WORDS

pytestmark = pytest.mark.usefixtures("single_thread")
ROOT = Path(__file__).resolve().parent.parent
REAL = dict(MODELS)  # the cards as shipped (tiny_cards swaps sizes in MODELS during a test)


def plan(name: str, task: str, tiny_weights, **over):
    """The call the card's pipeline receives for a tiny request at the card's own defaults otherwise."""
    pipe = load(name, weights=tiny_weights[name])
    resolved, _ = request_for(name, task, **over).resolve(pipe.card)
    return resolved, pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))


# ----------------------------------------------------------------------------------------
# Tokenizers: the slow SentencePiece format loads, and a folder that cannot load is refused at the check
# ----------------------------------------------------------------------------------------


def slow_t5_tokenizer(folder: Path) -> Path:
    """A T5 tokenizer in the slow format only: spiece.model trained here over WORDS, no tokenizer.json."""
    import sentencepiece

    model = io.BytesIO()
    sentences = [" ".join(WORDS[i:] + WORDS[:i]) for i in range(len(WORDS))] * 4
    # T5's fixed ids: <pad> 0, </s> 1, <unk> 2; no <s>. At most ~50 pieces: within the tiny encoder's vocabulary.
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences), model_writer=model, vocab_size=50, hard_vocab_limit=False,
        model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0,
        minloglevel=2)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "spiece.model").write_bytes(model.getvalue())
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "T5Tokenizer", "extra_ids": 0}))
    return folder


@pytest.fixture()
def slow_cogvideox(tiny_weights, tmp_path) -> Path:
    """The tiny CogVideoX-2b folder with its tokenizer replaced by the slow format, as THUDM's repos ship it."""
    folder = Path(shutil.copytree(tiny_weights["cogvideox-2b"], tmp_path / "cogvideox-2b"))
    slow_t5_tokenizer(folder / "tokenizer")
    return folder


def test_a_slow_format_t5_tokenizer_loads_a_card(slow_cogvideox, tiny_cards):
    import sentencepiece

    assert not (slow_cogvideox / "tokenizer" / "tokenizer.json").exists()
    pipe = load("cogvideox-2b", weights=slow_cogvideox)
    tokenizer = pipe.backend.pipeline("CogVideoXPipeline").tokenizer
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(slow_cogvideox / "tokenizer" / "spiece.model"))
    text = "a red ball falls and bounces"
    assert tokenizer(text, add_special_tokens=False).input_ids == pieces.encode(text)  # the model trained above
    result = pipe.generate(request_for("cogvideox-2b", "t2v", prompt=text))
    assert result.frames.shape == (9, 16, 16, 3)


def test_a_tokenizer_without_a_vocabulary_is_refused_at_the_check(slow_cogvideox):
    (slow_cogvideox / "tokenizer" / "spiece.model").unlink()  # tokenizer_config.json alone: it "loads" empty
    with pytest.raises(WeightsMissingError) as refused:
        locate(MODELS["cogvideox-2b"], slow_cogvideox)
    message = str(refused.value)
    assert message.startswith("cogvideox-2b: tokenizer/ (T5Tokenizer) cannot load: it has no vocabulary")
    assert "the folder holds tokenizer_config.json" in message and "in the weights folder 'cogvideox-2b'" in message
    assert str(slow_cogvideox.parent) not in message and len(message.splitlines()) == 1  # no server path


def test_a_slow_tokenizer_without_its_packages_is_refused_naming_them(slow_cogvideox):
    # what a machine without sentencepiece and protobuf meets: transformers falls through to tiktoken
    script = ("import sys\n"
              "for m in ('sentencepiece', 'google', 'google.protobuf'): sys.modules[m] = None\n"
              "from pipeline.registry import get_card\nfrom pipeline.weights import locate\n"
              f"locate(get_card('cogvideox-2b'), {str(slow_cogvideox)!r})\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 1
    assert ("WeightsMissingError: cogvideox-2b: tokenizer/ (T5Tokenizer) cannot load: spiece.model without "
            "tokenizer.json needs the sentencepiece and protobuf packages to be read (pip install -r "
            "requirements.txt) (in the weights folder 'cogvideox-2b'") in run.stderr


def test_every_tiny_card_folder_passes_the_tokenizer_check(tiny_weights):
    for name, folder in tiny_weights.items():
        assert locate(MODELS[name], folder) == folder


# ----------------------------------------------------------------------------------------
# Each card's call, as its makers give it (docs/real_models.md cites each source)
# ----------------------------------------------------------------------------------------


def test_ltx2_runs_as_ltx_2_0(tiny_weights, tiny_cards):
    card = REAL["ltx-2"]
    assert (card.defaults.steps, card.defaults.guidance, card.defaults.negative_prompt) == (40, 3.0, LTX2_NEGATIVE)
    assert "silent or muted audio" in LTX2_NEGATIVE  # the makers' negative prompt names sound defects
    _, call = plan("ltx-2", "t2v", tiny_weights, steps=None)
    expected = dict(num_inference_steps=40, guidance_scale=3.0, stg_scale=1.0, spatio_temporal_guidance_blocks=[29],
                    use_cross_timestep=False, guidance_rescale=0.7, modality_scale=3.0, audio_guidance_scale=7.0,
                    negative_prompt=LTX2_NEGATIVE)
    assert {k: call.kwargs[k] for k in expected} == expected
    # and the transformer receives them: every forward gets cross timestep off, the guided one STG on block 29
    seen = []
    hook = call.pipe.transformer.register_forward_pre_hook(lambda m, a, kw: seen.append(kw), with_kwargs=True)
    try:
        call.pipe(**{**call.kwargs, "num_inference_steps": 2}, output_type="latent")
    finally:
        hook.remove()
    assert seen and all(kw["use_cross_timestep"] is False for kw in seen)
    assert [29] in [kw["spatio_temporal_guidance_blocks"] for kw in seen]


@pytest.mark.parametrize("name,steps,guidance,shift", [("wan2.1-t2v-1.3b", 50, 6.0, 8.0),
                                                        ("wan2.1-vace-1.3b", 50, 5.0, 16.0)])
def test_wan21_uses_its_makers_shift_and_guidance(name, steps, guidance, shift, tiny_weights, tiny_cards):
    resolved, call = plan(name, "t2v", tiny_weights, steps=None)
    assert (call.kwargs["num_inference_steps"], call.kwargs["guidance_scale"], resolved.shift) == (steps, guidance, shift)
    assert scheduler_shift(call.pipe) == shift and call.kwargs["negative_prompt"] == WAN_NEGATIVE
    _, override = plan(name, "t2v", tiny_weights, shift=10.0)  # the makers' 8-12 range for text-to-video
    assert scheduler_shift(override.pipe) == 10.0


def test_cogvideox_5b_i2v_uses_trailing_dpm_with_dynamic_cfg(tiny_weights, tiny_cards):
    _, call = plan("cogvideox-5b-i2v", "i2v", tiny_weights, steps=None)
    scheduler = call.pipe.scheduler
    assert type(scheduler).__name__ == "CogVideoXDPMScheduler" and scheduler.config.timestep_spacing == "trailing"
    assert call.kwargs["use_dynamic_cfg"] is True
    assert (call.kwargs["num_inference_steps"], call.kwargs["guidance_scale"]) == (50, 6.0)
    frames = load("cogvideox-5b-i2v", weights=tiny_weights["cogvideox-5b-i2v"]).generate(
        request_for("cogvideox-5b-i2v", "i2v")).frames
    assert frames.shape == (9, 16, 16, 3)  # the DPM scheduler and dynamic CFG run together


def test_cogvideox_2b_uses_trailing_ddim_and_makes_49_frames(tiny_weights, tiny_cards):
    _, call = plan("cogvideox-2b", "t2v", tiny_weights, steps=None)
    assert type(call.pipe.scheduler).__name__ == "CogVideoXDDIMScheduler"
    assert call.pipe.scheduler.config.timestep_spacing == "trailing" and "use_dynamic_cfg" not in call.kwargs
    assert (call.kwargs["num_inference_steps"], call.kwargs["guidance_scale"]) == (50, 6.0)
    with pytest.raises(RequestError, match=r"^frames: 25 .*cogvideox-2b; allowed 49$"):
        GenerationRequest("t2v", "a cat", frames=25).resolve(REAL["cogvideox-2b"])


@pytest.mark.parametrize("name,task", [("hunyuanvideo-1.5-t2v", "t2v"), ("hunyuanvideo-1.5-i2v", "i2v")])
def test_hunyuan15_flow_shift_is_5_at_480p_and_settable(name, task, tiny_weights, tiny_cards):
    resolved, call = plan(name, task, tiny_weights)
    assert resolved.shift == 5.0 == scheduler_shift(call.pipe) and call.pipe.guider.config.guidance_scale == 6.0
    resolved, call = plan(name, task, tiny_weights, shift=7.0)  # the makers' 720p image-to-video value
    assert scheduler_shift(call.pipe) == 7.0
    call.pipe(**call.kwargs, output_type="latent")
    sigma = float(call.pipe.scheduler.sigmas[1])  # 2 steps: the second sigma, 0.5 before the shift
    assert abs(sigma - 7.0 * 0.5 / (1 + 6.0 * 0.5)) < 1e-4


# ----------------------------------------------------------------------------------------
# Wan2.2 A14B: two experts, a boundary, two guidance scales
# ----------------------------------------------------------------------------------------

A14B = {"wan2.2-t2v-a14b": ("t2v", 4.0, 3.0, 12.0, 0.875), "wan2.2-i2v-a14b": ("i2v", 3.5, 3.5, 5.0, 0.9)}


@pytest.mark.parametrize("name", list(A14B))
def test_a14b_cards_state_the_makers_settings(name):
    task, high, low, shift, boundary = A14B[name]
    card = REAL[name]
    d = card.defaults
    assert (d.steps, d.guidance, d.guidance_2, d.frames, d.fps, d.width, d.height) == (40, high, low, 81, 16.0, 1280, 720)
    assert d.shift_for(1280, 720) == d.shift_for(832, 480) == shift and card.pipeline_config == {"boundary_ratio": boundary}
    assert card.limits.sizes == ((1280, 720), (720, 1280), (832, 480), (480, 832))
    assert card.memory.cpu_offload and "80 GB" in card.memory.gpu  # one expert on the GPU at a time
    assert card.supported_tasks() == (["t2v"] if task == "t2v" else ["i2v", "extend-forward"])


@pytest.mark.parametrize("name", list(A14B))
def test_a14b_runs_the_high_noise_expert_then_the_low_noise_one(name, tiny_weights, tiny_cards):
    task, high, low, shift, boundary = A14B[name]
    resolved, call = plan(name, task, tiny_weights, steps=6)
    assert (call.kwargs["guidance_scale"], call.kwargs["guidance_scale_2"]) == (high, low)
    assert call.pipe.config.boundary_ratio == boundary and scheduler_shift(call.pipe) == shift == resolved.shift
    timesteps = {"transformer": [], "transformer_2": []}
    hooks = [getattr(call.pipe, part).register_forward_pre_hook(
        lambda m, a, kw, part=part: timesteps[part].append(float(kw["timestep"].flatten()[0])), with_kwargs=True)
        for part in timesteps]
    try:
        call.pipe(**call.kwargs, output_type="latent")
    finally:
        for hook in hooks:
            hook.remove()
    # 6 steps at shift 12 (or 5): the first ones above the boundary go to the high-noise expert, the rest below it
    assert timesteps["transformer"] and timesteps["transformer_2"]
    assert min(timesteps["transformer"]) >= boundary * 1000 > max(timesteps["transformer_2"])


def test_a14b_folder_without_its_second_expert_is_refused(tiny_weights, tmp_path):
    folder = Path(shutil.copytree(tiny_weights["wan2.2-ti2v-5b"], tmp_path / "five-b"))  # one transformer only
    with pytest.raises(Exception, match=r"^wan2.2-t2v-a14b: the weights have no transformer_2 \(the low-noise expert\)"):
        load("wan2.2-t2v-a14b", weights=folder)


@pytest.mark.parametrize("name", list(A14B))
def test_a14b_generates_through_the_cli(name, tiny_weights, tiny_cards, tmp_path):
    from pipeline.__main__ import main
    from pipeline.video_io import read_video, write_png_strip

    task = A14B[name][0]
    args = ["generate", "--model", name, "--weights", str(tiny_weights[name]), "--mode", task, "--prompt",
            "a red ball falls", "--seed", "3", "--frames", "9", "--size", "16x16", "--steps", "2",
            "--out", str(tmp_path / "clip.mp4")]
    if task == "i2v":
        write_png_strip(tmp_path / "first.png", np.full((1, 16, 16, 3), 200, np.uint8))
        args += ["--image", str(tmp_path / "first.png")]
    assert main(args) == 0
    frames, fps = read_video(tmp_path / "clip.mp4")
    sidecar = json.loads((tmp_path / "clip.json").read_text())
    assert frames.shape == (9, 16, 16, 3) and fps == 16.0
    assert sidecar["model"] == name and sidecar["request"]["shift"] == A14B[name][3]
    assert sidecar["request"]["guidance"] == A14B[name][1]


@pytest.mark.parametrize("name", list(A14B))
def test_a14b_generates_from_the_apps_model_picker(name, tiny_weights, tiny_cards, tmp_path, monkeypatch):
    from PIL import Image

    from ui import image_to_video, shared, text_to_video

    shared.configure(tmp_path / "outputs", tmp_path / "t.db")
    monkeypatch.setenv(registry.weights_env_var(name), str(tiny_weights[name]))
    task = A14B[name][0]
    assert name in shared.model_choices() and shared.size_choices(name) == ["16x16"]
    note = shared.model_note(name, task)
    assert "GPU memory: two 14B experts" in note and "⚠️" not in note
    advanced = [0, False, 2, None, 9, "16x16", 16]  # seed, randomize, steps, guidance (the card's), frames, size, fps
    if task == "t2v":
        updates = list(text_to_video.t2v("a red ball falls", "", name, *advanced, progress=None))
    else:
        Image.fromarray(np.full((16, 16, 3), 200, np.uint8)).save(tmp_path / "first.png")
        updates = list(image_to_video.i2v(str(tmp_path / "first.png"), "a red ball falls", "", name, *advanced,
                                          progress=None))
    video, row = updates[-1][:2]
    video = video["value"] if isinstance(video, dict) else video  # the player's update, or its path
    assert Path(video).is_file()
    logged = shared.table().generations().set_index("id").loc[row]
    assert logged["model"] == name and logged["mode"] == task
    clear_cache()


def test_list_shows_the_a14b_cards_with_their_memory(capsys):
    from pipeline.__main__ import main

    assert main(["--list"]) == 0
    text = capsys.readouterr().out
    for name in A14B:
        block = text.split(f"\n{name}  [diffusers]")[1].split("\n\n")[0]
        assert "GPU memory: two 14B experts" in block and "[model CPU offload, VAE tiling, VAE slicing]" in block
        assert "(transformer_2: " in block and "boundary_ratio=" in block


def test_check_settings_prints_every_cards_call_without_weights(monkeypatch, capsys):
    smoke = runpy.run_path(str(ROOT / "benchmarks" / "real_models_smoke.py"))  # its functions; main() not run
    monkeypatch.setattr(sys, "argv", ["real_models_smoke.py", "--check-settings"])
    assert smoke["main"]() == 0
    lines = capsys.readouterr().out.splitlines()
    for name, card in MODELS.items():
        if card.backend == "diffusers":
            assert sum(line.startswith(f"{name} ") for line in lines) == len(card.supported_tasks()), name
    ltx2 = next(line for line in lines if line.startswith("ltx-2 "))
    assert "num_inference_steps=40" in ltx2 and "spatio_temporal_guidance_blocks=[29]" in ltx2
    assert "use_cross_timestep=False" in ltx2
    a14b = next(line for line in lines if line.startswith("wan2.2-t2v-a14b "))
    assert "guidance_scale=4.0, guidance_scale_2=3.0" in a14b and "boundary_ratio=0.875" in a14b and "shift=12" in a14b
    cog = next(line for line in lines if line.startswith("cogvideox-5b-i2v "))
    assert "use_dynamic_cfg=True" in cog and "CogVideoXDPMScheduler timestep_spacing='trailing'" in cog
