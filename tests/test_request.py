"""GenerationRequest validation against model cards, the registry, and missing-weights errors (no torch).

    .venv/bin/python -m pytest -q tests/test_request.py
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from pipeline.errors import RequestError, UnknownModelError, WeightsMissingError
from pipeline.registry import MODELS, NATIVE, TASKS, UNSUPPORTED, describe, get_card, weights_env_var
from pipeline.request import GenerationRequest
from pipeline.weights import locate, missing_files

ROOT = Path(__file__).resolve().parent.parent
LTX, TINY = get_card("ltx-video"), get_card("tinyworld")
IMAGE = np.zeros((64, 64, 3), np.uint8)
VIDEO = np.zeros((20, 64, 64, 3), np.uint8)


def ok(mode: str = "t2v", **fields) -> GenerationRequest:
    """A request that resolves on the ltx-video card; tests change one field at a time."""
    base = dict(mode=mode, prompt="a red ball falls", seed=0, frames=17, width=64, height=64)
    if mode == "i2v":
        base["image"] = IMAGE
    if mode in ("extend", "interpolate"):
        base["video"] = VIDEO if mode == "extend" else VIDEO[:3]
    base.update(fields)
    return GenerationRequest(**base)


# Every field of GenerationRequest, each with bad values and the start of the error it must raise.
BAD = {
    "mode": [(ok(mode="x2v"), r"mode: 'x2v' is not a mode; allowed t2v, i2v, extend, interpolate, edit")],
    "prompt": [(ok(prompt=""), r"prompt: '' is empty"), (ok(prompt=None), r"prompt: None is not a string"),
               (ok(prompt="a" * 2001), r"prompt: 2001 characters is too long; allowed up to 2000")],
    "negative_prompt": [(ok(negative_prompt=3), r"negative_prompt: 3 is not a string")],
    "shift": [(ok(shift=3.0), r"shift: ltx-video takes no shift")],  # Wan's range: test_wan_shift_range
    "seed": [(ok(seed=-1), r"seed: -1 is not an int in 0\.\.9223372036854775807"),
             (ok(seed=1.5), r"seed: 1\.5 is not an int"), (ok(seed=True), r"seed: True is not an int"),
             (ok(seed=2**63), r"seed: 9223372036854775808 is not an int")],
    "steps": [(ok(steps=0), r"steps: 0 is not an int in 1\.\.200"), (ok(steps=2.0), r"steps: 2\.0 is not an int"),
              (ok(steps=201), r"steps: 201 is not an int in 1\.\.200")],
    "guidance": [(ok(guidance=-1), r"guidance: -1 is not a number in \[0, 30\]"),
                 (ok(guidance=float("nan")), r"guidance: nan is not a number"),
                 (ok(guidance="3"), r"guidance: '3' is not a number")],
    "frames": [(ok(frames=20), r"frames: 20 is not 8k\+1 for ltx-video; allowed 9, 17, 25, \.\.\. 257$"),
               (ok(frames=265), r"frames: 265 is outside 9\.\.257 for ltx-video"),
               (ok(frames=0), r"frames: 0 is outside 9\.\.257"), (ok(frames="17"), r"frames: '17' is not an int")],
    "width": [(ok(width=100), r"width: 100 is not a multiple of 32 in 32\.\.1280 for ltx-video; nearest allowed 96"),
              (ok(width=0), r"width: 0 is not a positive int"), (ok(width=2048), r"width: 2048 is not a multiple")],
    "height": [(ok(height=50), r"height: 50 is not a multiple of 32 .*nearest allowed 64"),
               (ok(height=64.0), r"height: 64\.0 is not a positive int")],
    "fps": [(ok(fps=0), r"fps: 0 is not a number in \(0, 120\]"), (ok(fps=float("inf")), r"fps: inf is not a number")],
    "image": [(ok(mode="i2v", image=None), r"image: None; mode 'i2v' needs a uint8 \(H, W, 3\) image"),
              (ok(mode="i2v", image=IMAGE.astype(float)), r"image: dtype float64 is not uint8"),
              (ok(mode="i2v", image=IMAGE[None]), r"image: shape \(1, 64, 64, 3\) is not \(H, W, 3\)"),
              (ok(mode="i2v", image=[[0]]), r"image: list is not a numpy array"),
              (ok(image=IMAGE), r"image: given, but mode 't2v' takes no image")],
    "video": [(ok(mode="extend", video=None), r"video: None; mode 'extend' needs the clip to extend"),
              (ok(mode="extend", video=VIDEO[0]), r"video: shape \(64, 64, 3\) is not \(T, H, W, 3\)"),
              (ok(mode="interpolate", video=VIDEO[:0]), r"video: shape \(0, 64, 64, 3\) is not"),
              (ok(mode="i2v", video=VIDEO), r"video: given, but mode 'i2v' takes no video")],
    "direction": [(ok(mode="extend", direction="sideways"), r"direction: 'sideways' is not a direction; allowed forward, backward"),
                  (ok(direction="backward"), r"direction: 'backward' applies only to mode 'extend'")],
    "keep": [(ok(mode="extend", keep=5), r"keep: 5 is not allowed for ltx-video \(8k\+1, .*\); allowed 1, 9$"),
             (ok(mode="extend", keep=17), r"keep: 17 is not allowed .*at most frames - 1 = 16"),
             (ok(mode="extend", keep=0), r"keep: 0 is not allowed"), (ok(keep=9), r"keep: 9 applies only to mode 'extend'")],
    "keyframes": [(ok(mode="interpolate", keyframes=(0, 16)), r"keyframes: 2 indices \(0, 16\) for 3 keyframe images"),
                  (ok(mode="interpolate", keyframes=(0, 8, 8)), r"keyframes: \(0, 8, 8\) are not increasing indices in 0\.\.16"),
                  (ok(mode="interpolate", keyframes=(0, 8, 17)), r"keyframes: \(0, 8, 17\) are not increasing"),
                  (ok(mode="interpolate", keyframes="0,8"), r"keyframes: '0,8' is not a tuple of frame indices"),
                  (ok(mode="interpolate", video=VIDEO[:1]), r"keyframes: None with 1 keyframe image"),
                  (ok(keyframes=(0,)), r"keyframes: \(0,\) applies only to mode 'interpolate'")],
    # edit's own checks need a card that edits: tests/test_edit.py
    "strength": [(ok(strength=0.5), r"strength: 0\.5 applies only to mode 'edit'; this request is 't2v'"),
                 (ok(mode="edit", video=VIDEO, strength=1.5), r"strength: 1\.5 is not a number in \(0, 1\]"),
                 (ok(mode="edit", video=VIDEO, strength=0.01), r"strength: 0\.01 with 40 steps redoes no step")],
}


def test_every_field_is_walked():
    assert set(BAD) == {f.name for f in dataclasses.fields(GenerationRequest)}


@pytest.mark.parametrize("field", list(BAD))
def test_each_bad_field_raises_the_named_error(field):
    for request, message in BAD[field]:
        with pytest.raises(RequestError, match="^" + message) as caught:
            request.resolve(LTX)
        assert isinstance(caught.value, ValueError)  # RequestError is a ValueError
        assert "\n" not in str(caught.value)


def test_wan_shift_range():
    wan = get_card("wan2.1-t2v-1.3b")
    request = GenerationRequest("t2v", "a cat", frames=17, width=832, height=480)
    for bad in (0.0, -1.0, 21.0, float("nan"), "3"):
        with pytest.raises(RequestError, match=r"^shift: .* is not a number"):
            dataclasses.replace(request, shift=bad).resolve(wan)
    assert request.resolve(wan)[0].shift == 8.0 and dataclasses.replace(request, shift=20.0).resolve(wan)[0].shift == 20.0


def test_the_good_base_request_resolves_for_every_mode():
    for mode in ("t2v", "i2v", "extend", "interpolate"):
        resolved, notes = ok(mode).resolve(LTX)
        assert resolved.mode == mode and notes == []


def test_unset_fields_come_from_the_card_and_a_seed_is_drawn():
    resolved, notes = GenerationRequest("t2v", "a red ball").resolve(LTX)
    d = LTX.defaults
    assert (resolved.steps, resolved.guidance, resolved.frames, resolved.width, resolved.height, resolved.fps) == (
        d.steps, d.guidance, d.frames, d.width, d.height, d.fps)
    assert isinstance(resolved.seed, int) and 0 <= resolved.seed < 2**32
    seeds = {GenerationRequest("t2v", "x").resolve(LTX)[0].seed for _ in range(5)}
    assert len(seeds) > 1
    assert notes == []


def test_rounding_happens_only_when_asked_and_always_with_a_note():
    resolved, notes = ok(frames=20, width=100, height=50).resolve(LTX, round_to_allowed=True)
    assert (resolved.frames, resolved.width, resolved.height) == (17, 96, 64)
    assert notes == ["width: 100 rounded to 96 (ltx-video needs a multiple of 32 in 32..1280)",
                     "height: 50 rounded to 64 (ltx-video needs a multiple of 32 in 32..1280)",
                     "frames: 20 rounded to 17 (ltx-video makes 8k+1 frames, 9..257)"]
    assert ok(frames=21).resolve(LTX, round_to_allowed=True)[0].frames == 25  # ties go up
    assert ok(frames=300).resolve(LTX, round_to_allowed=True)[0].frames == 257


def test_uploads_are_fitted_with_a_note():
    clip = np.zeros((20, 90, 160, 3), np.uint8)
    resolved, notes = ok("extend", video=clip).resolve(LTX)
    assert resolved.video.shape == (20, 64, 64, 3) and resolved.keep == 9
    assert notes == ["video: resized 160x90 -> 114x64 (scale 0.711, aspect kept), centre-cropped 50 px of width to 64x64"]


def test_extend_keep_defaults_to_the_card_capped_by_the_clip_and_output():
    assert ok("extend", frames=33).resolve(LTX)[0].keep == 17  # the card's default
    assert ok("extend", frames=33, video=VIDEO[:12]).resolve(LTX)[0].keep == 9  # capped by the clip
    assert ok("extend", frames=9).resolve(LTX)[0].keep == 1  # capped by frames - 1


def test_keyframes_default_to_evenly_spaced_and_fill_in_cuts_a_full_clip():
    assert ok("interpolate").resolve(LTX)[0].keyframes == (0, 8, 16)
    clip = np.arange(17, dtype=np.uint8)[:, None, None, None] * np.ones((17, 64, 64, 3), np.uint8)
    resolved, notes = ok("interpolate", video=clip, keyframes=(0, 4, 16)).resolve(LTX)
    assert resolved.keyframes == (0, 4, 16) and resolved.video[:, 0, 0, 0].tolist() == [0, 4, 16]
    assert notes == ["video: frames 0, 4, 16 of the 17-frame clip kept, the rest filled in"]


def test_unsupported_tasks_name_what_the_card_can_do():
    wan = get_card("wan2.1-t2v-1.3b")
    with pytest.raises(RequestError, match=r"^mode: 'i2v': wan2.1-t2v-1.3b cannot do i2v \(.*\); it can do t2v, edit$"):
        ok("i2v", frames=17).resolve(wan)
    cog = get_card("cogvideox-5b-i2v")
    request = ok("extend", direction="backward", frames=49, width=720, height=480, keep=1)
    with pytest.raises(RequestError, match=r"^direction: 'backward': cogvideox-5b-i2v cannot do extend-backward"):
        request.resolve(cog)
    resolved, notes = dataclasses.replace(request, direction="forward").resolve(cog)
    assert notes[0].startswith("extend-forward: last-frame chaining (no native extension")


def test_tinyworld_card_limits():
    resolved, notes = GenerationRequest("t2v", "a red ball falls").resolve(TINY)
    assert (resolved.frames, resolved.width, resolved.height, resolved.steps, resolved.fps) == (16, 64, 64, 8, 8.0)
    for w, h in ((64, 64), (96, 64), (64, 96)):
        assert GenerationRequest("t2v", "x", width=w, height=h).resolve(TINY)[0].width == w
    with pytest.raises(RequestError, match=r"^width, height: 96x96 is not a size tinyworld makes; allowed 64x64, 96x64, 64x96$"):
        GenerationRequest("t2v", "x", width=96, height=96).resolve(TINY)
    with pytest.raises(RequestError, match=r"^width, height: 96x96"):  # no rounding into a set of sizes
        GenerationRequest("t2v", "x", width=96, height=96).resolve(TINY, round_to_allowed=True)
    with pytest.raises(RequestError, match=r"^frames: 17 is outside 1\.\.16 for tinyworld; allowed 1, 2, 3, \.\.\. 16$"):
        GenerationRequest("t2v", "x", frames=17).resolve(TINY)
    for task in TASKS:
        assert TINY.capabilities[task].support == NATIVE


# ----------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------


def test_registry_names_sources_and_capabilities():
    assert list(MODELS) == ["tinyworld", "ltx-video", "ltx-2", "wan2.1-t2v-1.3b", "wan2.1-vace-1.3b", "wan2.2-ti2v-5b",
                            "wan2.2-t2v-a14b", "wan2.2-i2v-a14b", "hunyuanvideo-1.5-t2v", "hunyuanvideo-1.5-i2v",
                            "cogvideox-2b", "cogvideox-5b-i2v", "lucy-edit"]
    repos = {name: card.repo_id for name, card in MODELS.items()}
    assert repos == {"tinyworld": None, "ltx-video": "Lightricks/LTX-Video-0.9.5", "ltx-2": "Lightricks/LTX-2",
                     "wan2.1-t2v-1.3b": "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
                     "wan2.1-vace-1.3b": "Wan-AI/Wan2.1-VACE-1.3B-diffusers",
                     "wan2.2-ti2v-5b": "Wan-AI/Wan2.2-TI2V-5B-Diffusers",
                     "wan2.2-t2v-a14b": "Wan-AI/Wan2.2-T2V-A14B-Diffusers",
                     "wan2.2-i2v-a14b": "Wan-AI/Wan2.2-I2V-A14B-Diffusers",
                     "hunyuanvideo-1.5-t2v": "hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_t2v",
                     "hunyuanvideo-1.5-i2v": "hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_i2v",
                     "cogvideox-2b": "THUDM/CogVideoX-2b", "cogvideox-5b-i2v": "THUDM/CogVideoX-5b-I2V",
                     "lucy-edit": "decart-ai/Lucy-Edit-Dev"}
    assert TINY.folder == "pipeline/tinyworld/weights"
    ltx = {t: c.pipeline for t, c in LTX.capabilities.items()}
    assert set(ltx) == set(TASKS) and set(ltx.values()) == {"LTXConditionPipeline"}  # 0.9.5's schedule for all, edit too
    assert get_card("wan2.1-vace-1.3b").supported_tasks() == [t for t in TASKS if t != "edit"]  # no strength
    assert get_card("wan2.1-t2v-1.3b").supported_tasks() == ["t2v", "edit"]
    assert get_card("wan2.1-t2v-1.3b").capability("edit").pipeline == "WanVideoToVideoPipeline"
    assert get_card("cogvideox-5b-i2v").supported_tasks() == ["i2v", "extend-forward"]
    assert get_card("cogvideox-2b").supported_tasks() == ["t2v", "edit"]
    assert get_card("cogvideox-2b").capability("edit").pipeline == "CogVideoXVideoToVideoPipeline"
    assert get_card("lucy-edit").supported_tasks() == ["edit"]
    assert get_card("lucy-edit").capability("edit").pipeline == "LucyEditPipeline"
    assert get_card("ltx-2").supported_tasks() == ["t2v", "i2v", "extend-forward"]
    assert get_card("wan2.2-ti2v-5b").supported_tasks() == ["t2v", "i2v", "extend-forward"]
    assert get_card("hunyuanvideo-1.5-t2v").supported_tasks() == ["t2v"]
    assert get_card("hunyuanvideo-1.5-i2v").supported_tasks() == ["i2v", "extend-forward"]
    with pytest.raises(UnknownModelError, match=r"^model: 'sora' is not in the registry; choose one of tinyworld, "):
        get_card("sora")
    assert weights_env_var("wan2.1-vace-1.3b") == "SPACETIME_WEIGHTS_WAN2_1_VACE_1_3B"


@pytest.mark.parametrize("name", list(MODELS))
def test_each_card_resolves_its_own_defaults_for_every_task_it_claims(name):
    card = MODELS[name]
    d = card.defaults
    for task in TASKS:
        mode, _, direction = task.partition("-")
        source = np.zeros((d.frames, d.height, d.width, 3), np.uint8)  # an edit keeps its source's length
        inputs = {"i2v": dict(image=IMAGE), "extend": dict(video=VIDEO, direction=direction),
                  "interpolate": dict(video=VIDEO[:2]), "edit": dict(video=source)}.get(mode, {})
        request = GenerationRequest(mode, "a red ball falls", **inputs)
        if card.capability(mode, direction or "forward").support == UNSUPPORTED:
            with pytest.raises(RequestError):
                request.resolve(card)
            continue
        resolved, _ = request.resolve(card)
        assert (resolved.frames, resolved.width, resolved.height) == (d.frames, d.width, d.height)
    assert card.name in describe(card) and weights_env_var(name) in describe(card)


# ----------------------------------------------------------------------------------------
# Missing weights
# ----------------------------------------------------------------------------------------


def test_missing_weights_name_the_files_the_folder_and_the_fetch_command(tmp_path):
    with pytest.raises(WeightsMissingError, match=r"^ltx-video: no weights folder .*nowhere \(the weights argument\)\. "
                                                  r"Run `python -m pipeline fetch ltx-video` where there is internet"):
        locate(LTX, tmp_path / "nowhere")
    folder = tmp_path / "ltx"
    (folder / "transformer").mkdir(parents=True)
    (folder / "vae").mkdir()
    (folder / "model_index.json").write_text(json.dumps({
        "_class_name": "LTXConditionPipeline", "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
        "text_encoder": ["transformers", "T5EncoderModel"], "tokenizer": ["transformers", "T5TokenizerFast"],
        "transformer": ["diffusers", "LTXVideoTransformer3DModel"], "vae": ["diffusers", "AutoencoderKLLTXVideo"]}))
    (folder / "transformer" / "config.json").write_text("{}")
    (folder / "transformer" / "diffusion_pytorch_model.bin").write_bytes(b"pickle")
    (folder / "vae" / "config.json").write_text("{}")
    (folder / "vae" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    assert missing_files(LTX, folder) == [
        "scheduler/scheduler_config.json", "text_encoder/config.json", "text_encoder/*.safetensors",
        "tokenizer/tokenizer.json",
        "transformer/*.safetensors (found diffusion_pytorch_model.bin: pickles are not loaded, safetensors only)"]
    with pytest.raises(WeightsMissingError, match=r"weights incomplete in .*ltx \(the weights argument\): missing "
                                                  r"scheduler/scheduler_config.json, .*safetensors only\)\. Run `python -m pipeline fetch ltx-video`"):
        locate(LTX, folder)


def test_the_env_var_overrides_the_card(tmp_path, monkeypatch):
    monkeypatch.setenv("SPACETIME_WEIGHTS_LTX_VIDEO", str(tmp_path / "elsewhere"))
    with pytest.raises(WeightsMissingError, match=r"elsewhere \(\$SPACETIME_WEIGHTS_LTX_VIDEO\)"):
        locate(LTX)


def test_fetch_fails_in_one_line_without_a_network(tmp_path):
    """Offline (HF_HUB_OFFLINE) and unreachable Hub alike: exit 2, one line, no Hub stack trace."""
    base = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_ENDPOINT")}
    cases = [({**base, "HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE is set"),
             ({**base, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path)}, "could not fetch Lightricks/LTX-Video-0.9.5@main")]
    for env, expected in cases:
        run = subprocess.run([sys.executable, "-m", "pipeline", "fetch", "ltx-video"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 2, run.stderr
        assert run.stderr.startswith("error: ltx-video: ") and expected in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_importing_the_request_side_of_the_pipeline_imports_no_torch():
    code = ("import sys, pipeline, pipeline.registry, pipeline.request, pipeline.weights, pipeline.errors; "
            "from pipeline import GenerationRequest, MODELS; assert 'torch' not in sys.modules, 'torch imported'")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_weights_hash_covers_weights_configs_and_tokenizer(tmp_path):
    from pipeline.weights import weights_hash

    (tmp_path / "vae").mkdir()
    (tmp_path / "vae" / "diffusion_pytorch_model.safetensors").write_bytes(b"weights")
    (tmp_path / "vae" / "config.json").write_text("{}")
    (tmp_path / "notes.md").write_text("not hashed")
    first = weights_hash(tmp_path)
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 16
    (tmp_path / "notes.md").write_text("changed, still not hashed")
    assert weights_hash(tmp_path) == first
    (tmp_path / "vae" / "config.json").write_text('{"scaling_factor": 2}')
    assert weights_hash(tmp_path) != first


def test_fetch_downloads_the_commit_its_revision_names_and_records_it(tmp_path, monkeypatch):
    """The Hub client faked: fetch resolves the card's revision to a commit, downloads that commit and
    appends repo, revision, commit and weights hash to the record beside the weights."""
    import huggingface_hub

    from pipeline import weights
    from tiny_models import save_tiny

    folder = save_tiny("ltx-video", tmp_path / "ltx")
    commit = "0123456789abcdef0123456789abcdef01234567"
    asked = []
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info",
                        lambda self, repo, revision=None: SimpleNamespace(sha=commit) if revision == "main" else None)
    monkeypatch.setattr(huggingface_hub, "snapshot_download",
                        lambda repo, revision, allow_patterns, local_dir, **_: asked.append((repo, revision)) or str(folder))
    monkeypatch.setattr(weights, "_listed_size", lambda card: 1000)  # the Hub's file listing, for the disk check
    got = weights.fetch(LTX, folder)
    assert got == folder and asked == [("Lightricks/LTX-Video-0.9.5", commit)]
    (entry,) = [json.loads(line) for line in (folder / weights.FETCH_RECORD).read_text().splitlines()]
    assert entry["commit"] == commit and entry["revision"] == "main" and entry["repo_id"] == LTX.repo_id
    assert entry["weights_hash"] == weights.weights_hash(folder)  # the record itself is not hashed


def test_the_real_model_smoke_benchmark_asks_only_what_each_card_allows():
    """benchmarks/real_models_smoke.py runs only on a GPU; its requests are checked here, on the real cards."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("smoke", ROOT / "benchmarks" / "real_models_smoke.py")
    smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smoke)
    for card in MODELS.values():
        if card.backend == "diffusers":
            for task in card.supported_tasks():
                resolved, _ = smoke.request_for(card, task, steps=8).resolve(card)
                assert (resolved.width, resolved.height) == (card.defaults.width, card.defaults.height)
    run = subprocess.run([sys.executable, "benchmarks/real_models_smoke.py"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    assert run.returncode == 0 and run.stdout.startswith("cannot run here: no CUDA GPU"), run.stdout + run.stderr


def test_a_request_summary_is_every_field_with_arrays_as_shapes():
    """The sidecar and the table keep this: every field by name, arrays described, keyframes a list."""
    video = np.zeros((3, 64, 64, 3), np.uint8)
    resolved, _ = ok("interpolate", video=video, keyframes=(0, 8, 16)).resolve(LTX)
    summary = resolved.summary()
    assert summary == {
        "mode": "interpolate", "prompt": "a red ball falls", "negative_prompt": LTX.defaults.negative_prompt,
        "seed": 0, "steps": LTX.defaults.steps, "guidance": LTX.defaults.guidance, "frames": 17, "width": 64,
        "height": 64, "fps": LTX.defaults.fps, "image": None, "video": {"shape": [3, 64, 64, 3], "dtype": "uint8"},
        "direction": "forward", "keep": None, "keyframes": [0, 8, 16], "shift": None, "strength": None}
    assert json.loads(json.dumps(summary)) == summary  # JSON-able as it is
    image = ok("i2v").resolve(LTX)[0].summary()
    assert image["image"] == {"shape": [64, 64, 3], "dtype": "uint8"} and image["video"] is None and image["keyframes"] is None


def test_a_result_summary_is_everything_but_the_frames():
    from pipeline.request import GenerationResult
    from pipeline.video_io import Soundtrack

    request = ok().resolve(LTX)[0]
    result = GenerationResult(frames=np.zeros((17, 64, 64, 3), np.uint8), fps=24.0, request=request, seed=7,
                              timings={"total": 1.23456, "denoise": 1.0}, peak_memory_bytes=1024, model="ltx-video",
                              weights_hash="sha256:abc", notes=["rounded"], caption="a red ball falls, detailed",
                              audio=Soundtrack(np.zeros((2, 8000), np.float32), 16000))
    assert result.summary() == {
        "model": "ltx-video", "weights_hash": "sha256:abc", "seed": 7, "frames_shape": [17, 64, 64, 3], "fps": 24.0,
        "timings": {"total": 1.2346, "denoise": 1.0}, "peak_memory_bytes": 1024, "caption": "a red ball falls, detailed",
        "notes": ["rounded"], "audio": {"codec": "aac", "sample_rate": 16000, "channels": 2, "seconds": 0.5},
        "request": request.summary()}
    silent = dataclasses.replace(result, audio=None).summary()
    assert silent["audio"] is None


KEEP_REFUSALS = [  # (card, request fields, the whole message): the rule, every limit, and the allowed counts
    ("ltx-video", dict(keep=0), "keep: 0 is not allowed for ltx-video (8k+1, at most frames - 1 = 16, at most the "
                                "video's 20 frames); allowed 1, 9"),
    ("ltx-video", dict(keep=True), "keep: True is not allowed for ltx-video (8k+1, at most frames - 1 = 16, at most "
                                   "the video's 20 frames); allowed 1, 9"),
    ("ltx-video", dict(keep=17), "keep: 17 is not allowed for ltx-video (8k+1, at most frames - 1 = 16, at most the "
                                 "video's 20 frames); allowed 1, 9"),
    ("tinyworld", dict(keep=8, frames=8, video=VIDEO[:12]), "keep: 8 is not allowed for tinyworld (any count, at most "
                                                            "frames - 1 = 7, at most the video's 12 frames); allowed "
                                                            "1, 2, 3, 4, 5, 6, 7"),
    ("wan2.2-ti2v-5b", dict(keep=2, frames=121, width=1280, height=704, video=np.zeros((3, 704, 1280, 3), np.uint8)),
     "keep: 2 is not allowed for wan2.2-ti2v-5b (any count, at most frames - 1 = 120, at most the video's 3 frames, "
     "at most 1); allowed 1"),
    ("tinyworld", dict(keep=1, frames=1), "keep: 1 is not allowed for tinyworld (any count, at most frames - 1 = 0, at "
                                          "most the video's 20 frames); allowed none"),
    ("tinyworld", dict(frames=1), "keep: no allowed value for 1 frames and a 20-frame video (tinyworld keeps any count "
                                  "frames, fewer than frames)"),
]


@pytest.mark.parametrize("name,fields,message", KEEP_REFUSALS)
def test_a_keep_the_card_cannot_take_is_refused_with_its_rule_and_limits(name, fields, message):
    with pytest.raises(RequestError) as refused:
        ok("extend", **fields).resolve(get_card(name))
    assert str(refused.value) == message


@pytest.mark.parametrize("name,frames,video,keep", [("ltx-video", 17, 20, 9), ("ltx-video", 17, 3, 1),
                                                    ("ltx-video", 17, 12, 9), ("wan2.2-ti2v-5b", 121, 3, 1)])
def test_the_default_keep_is_the_cards_capped_by_the_clip_and_the_rule(name, frames, video, keep):
    card = get_card(name)
    w, h = (64, 64) if name == "ltx-video" else (1280, 704)
    request = ok("extend", frames=frames, width=w, height=h, video=np.zeros((video, h, w, 3), np.uint8))
    assert request.resolve(card)[0].keep == keep


@pytest.mark.parametrize("fields,message", [
    (dict(mode="interpolate", video=VIDEO[:3], image=IMAGE),
     "image: given, but mode 'interpolate' takes no image; pass keyframes as video (K, H, W, 3)"),
    (dict(mode="extend", image=IMAGE), "image: given, but mode 'extend' takes no image"),
    (dict(mode="interpolate", video=None), "video: None; mode 'interpolate' needs the keyframes as uint8 (T, H, W, 3)"),
    (dict(mode="extend", video=None), "video: None; mode 'extend' needs the clip to extend as uint8 (T, H, W, 3)"),
])
def test_inputs_in_the_wrong_mode_say_what_the_mode_takes(fields, message):
    with pytest.raises(RequestError) as refused:
        ok(**fields).resolve(LTX)
    assert str(refused.value) == message


@pytest.mark.parametrize("fields", [dict(steps=1), dict(steps=200), dict(guidance=0.0), dict(guidance=30.0),
                                    dict(fps=0.5), dict(seed=2**63 - 1), dict(prompt="a" * 2000), dict(width=32),
                                    dict(width=1280)])
def test_each_limit_itself_is_allowed(fields):
    """The ends of each range are inside it (fps is open at 0: its end is tested in BAD)."""
    resolved, _ = ok(**fields).resolve(LTX)
    for name, value in fields.items():
        assert getattr(resolved, name) == value


@pytest.mark.parametrize("width,message", [(1, "nearest allowed 32"), (1300, "nearest allowed 1280")])
def test_a_size_off_the_grid_names_the_nearest_whole_size(width, message):
    with pytest.raises(RequestError) as refused:
        ok(width=width).resolve(LTX)
    assert str(refused.value) == f"width: {width} is not a multiple of 32 in 32..1280 for ltx-video; {message}"


def test_drawn_seeds_span_32_bits():
    seeds = [ok(seed=None).resolve(LTX)[0].seed for _ in range(12)]
    assert all(0 <= s < 2**32 for s in seeds) and max(seeds) >= 2**20  # 12 draws all under 2**20: p = 2**-144


def test_a_resized_image_is_noted():
    resolved, notes = ok("i2v", image=np.zeros((32, 48, 3), np.uint8)).resolve(LTX)
    assert resolved.image.shape == (64, 64, 3)
    assert notes == ["image: resized 48x32 -> 96x64 (scale 2, aspect kept), centre-cropped 32 px of width to 64x64"]


def test_keyframes_fill_every_frame_of_a_full_length_clip_without_a_note():
    clip = np.zeros((17, 64, 64, 3), np.uint8)
    for keyframes in (None, tuple(range(17))):
        resolved, notes = ok("interpolate", video=clip, keyframes=keyframes).resolve(LTX)
        assert resolved.keyframes == tuple(range(17)) and len(resolved.video) == 17 and notes == []


@pytest.mark.parametrize("keyframes", [(1.5, 3, 5), (True, 3, 5), (0, "8", 16), ()])
def test_keyframes_that_are_not_whole_indices_are_refused(keyframes):
    with pytest.raises(RequestError) as refused:
        ok("interpolate", keyframes=keyframes).resolve(LTX)
    assert str(refused.value) == f"keyframes: {keyframes!r} is not a tuple of frame indices"


EXTENSION_REFUSALS = [  # a card that extends, but not backward, names the direction; one that cannot extend, the mode
    ("ltx-2", "backward", "direction: 'backward': ltx-2 cannot do extend-backward (conditions sit on latent frames (0, "
                          "1-8, 9-16, ...), so kept frames cannot end the clip exactly; use ltx-video); it can do t2v, "
                          "i2v, extend-forward"),
    ("cogvideox-2b", "forward", "mode: 'extend': cogvideox-2b cannot do extend-forward (text-to-video only; "
                                "cogvideox-5b-i2v extends by last-frame chaining); it can do t2v, edit"),
    ("wan2.1-t2v-1.3b", "backward", "mode: 'extend': wan2.1-t2v-1.3b cannot do extend-backward (no video "
                                    "conditioning; use wan2.1-vace-1.3b); it can do t2v, edit"),
]


@pytest.mark.parametrize("name,direction,message", EXTENSION_REFUSALS)
def test_an_extension_the_card_cannot_do_names_the_field_to_change(name, direction, message):
    card = get_card(name)
    video = np.zeros((60, card.defaults.height, card.defaults.width, 3), np.uint8)
    with pytest.raises(RequestError) as refused:
        GenerationRequest("extend", "a red ball falls", seed=0, video=video, direction=direction).resolve(card)
    assert str(refused.value) == message


def test_last_frame_chaining_is_noted_with_its_reason():
    card = get_card("cogvideox-5b-i2v")
    video = np.zeros((60, card.defaults.height, card.defaults.width, 3), np.uint8)
    _, notes = GenerationRequest("extend", "a red ball falls", seed=0, video=video).resolve(card)
    assert notes == ["extend-forward: last-frame chaining (no native extension: image-to-video from the last frame "
                     "only; colour and motion drift)"]


def test_a_card_with_few_frame_counts_lists_them_all_without_an_ellipsis():
    card = get_card("cogvideox-5b-i2v")
    with pytest.raises(RequestError) as refused:
        GenerationRequest("i2v", "a red ball falls", seed=0, frames=25, image=np.zeros((480, 720, 3), np.uint8)).resolve(card)
    assert str(refused.value) == "frames: 25 is outside 49..49 for cogvideox-5b-i2v; allowed 49"


def test_more_keyframe_images_than_frames_are_refused_with_the_way_out():
    with pytest.raises(RequestError) as refused:
        ok("interpolate", video=VIDEO).resolve(LTX)  # 20 images, 17 frames
    assert str(refused.value) == "video: 20 keyframes do not fit in 17 frames; pass keyframes to pick some"


def test_a_shift_just_above_zero_is_a_shift():
    card = get_card("wan2.1-t2v-1.3b")
    assert GenerationRequest("t2v", "a red ball falls", seed=0, shift=0.5).resolve(card)[0].shift == 0.5
