"""The diffusers backend on tiny random pipelines of the real classes, loaded through the registry.

    .venv/bin/python -m pytest -q tests/test_diffusers_backend.py

Every diffusers card runs every task it claims, at toy size, from a folder saved with
save_pretrained and loaded with load(name, weights=folder): outputs have the requested shape and
depend on the seed alone; extension keeps its conditioning frames (compared in latent space,
output_type="latent", on the very call the wrapper makes).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import diffusers
from pipeline import registry
from pipeline.api import clear_cache, load
from pipeline.diffusers_backend import given_frames, kept_frames
from pipeline.errors import RequestError
from pipeline.registry import MODELS, UNSUPPORTED
from pipeline.request import GenerationRequest

pytestmark = pytest.mark.usefixtures("single_thread")

# Toy sizes each tiny model runs at (tiny_models.py keeps the real VAEs' compression ratios).
TINY = {
    "ltx-video": dict(width=64, height=64, frames=17, keep=9),
    "ltx-2": dict(width=64, height=64, frames=17, keep=9),
    "wan2.1-t2v-1.3b": dict(width=16, height=16, frames=9),
    "wan2.1-vace-1.3b": dict(width=16, height=16, frames=9, keep=5),
    "wan2.2-ti2v-5b": dict(width=64, height=64, frames=9, keep=1),
    "wan2.2-t2v-a14b": dict(width=16, height=16, frames=9),
    "wan2.2-i2v-a14b": dict(width=16, height=16, frames=9, keep=1),
    "hunyuanvideo-1.5-t2v": dict(width=64, height=64, frames=9),
    "hunyuanvideo-1.5-i2v": dict(width=64, height=64, frames=9, keep=1),
    "cogvideox-2b": dict(width=16, height=16, frames=9),
    "cogvideox-5b-i2v": dict(width=16, height=16, frames=9, keep=1),
    "lucy-edit": dict(width=64, height=64, frames=9),
}
CASES = [(name, task) for name, card in MODELS.items() if card.backend == "diffusers"
         for task in card.supported_tasks()]


def moving_square(t: int = 20, h: int = 48, w: int = 40, seed: int = 0) -> np.ndarray:
    """An upload: a coloured square crossing a textured background, uint8 (T, H, W, 3); not the model's size."""
    rng = np.random.default_rng(seed)
    frames = np.repeat(rng.integers(0, 256, (1, h, w, 3), dtype=np.uint8), t, axis=0)  # (T, H, W, 3)
    for i in range(t):
        x = (2 * i) % (w - 10)
        frames[i, 10:20, x : x + 10] = rng.integers(0, 256, 3, dtype=np.uint8)
    return frames


def request_for(name: str, task: str, seed: int = 0, **over) -> GenerationRequest:
    size = dict(TINY[name])
    keep = size.pop("keep", None)
    mode, _, direction = task.partition("-")
    clip = moving_square()
    fields = dict(mode=mode, prompt="a red ball falls and bounces", seed=seed, steps=2, **size)
    if mode == "i2v":
        fields["image"] = clip[0]
    if mode == "extend":
        fields.update(video=clip, direction=direction, keep=keep)
    if mode == "interpolate":
        fields["video"] = clip[[0, 10, -1]]  # three keyframes, spread evenly by default
    if mode == "edit":  # a source as long as the output (an edit keeps its length), re-imagined fully: every step runs
        fields.update(video=clip[: size["frames"]], strength=1.0)
    fields.update(over)
    return GenerationRequest(**fields)


def tiny_card(card: registry.ModelCard, **limits) -> registry.ModelCard:
    """card with the tiny model's size (TINY) and frame counts (from 9) where its real limits are
    fixed by learned positional embeddings or by its makers (720x480 and 49 frames for CogVideoX-5b-I2V,
    832x480 for Wan 1.3B, 1280x704 for Wan2.2, 480p buckets for HunyuanVideo 1.5): the tiny models
    cannot run at those sizes on a CPU test."""
    if not card.limits.sizes or card.backend != "diffusers":
        return card
    size = TINY[card.name]["width"], TINY[card.name]["height"]
    fields = dict(sizes=(size,), min_size=min(size), min_frames=min(card.limits.min_frames, 9), **limits)
    return dataclasses.replace(card, limits=dataclasses.replace(card.limits, **fields))


@pytest.fixture()
def tiny_cards(monkeypatch):
    """The real cards, with sizes and frame counts the tiny models run at (see tiny_card)."""
    for name, card in list(MODELS.items()):
        monkeypatch.setitem(registry.MODELS, name, tiny_card(card))
    yield
    clear_cache()


# ----------------------------------------------------------------------------------------
# Every task each card claims
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,task", CASES, ids=[f"{n}:{t}" for n, t in CASES])
def test_every_claimed_task_runs_with_shape_and_seed_determinism(name, task, tiny_weights, tiny_cards):
    pipe = load(name, weights=tiny_weights[name])
    steps = []
    first = pipe.generate(request_for(name, task, seed=1), progress=lambda i, n: steps.append((i, n)))
    again = pipe.generate(request_for(name, task, seed=1))
    other = pipe.generate(request_for(name, task, seed=2))

    size = TINY[name]
    assert first.frames.dtype == np.uint8
    assert first.frames.shape == (size["frames"], size["height"], size["width"], 3)
    assert np.array_equal(first.frames, again.frames), "same seed, different video"
    assert not np.array_equal(first.frames, other.frames), "different seeds, same video"
    assert steps == [(1, 2), (2, 2)]
    assert (first.seed, other.seed, first.model) == (1, 2, name)
    assert first.weights_hash.startswith("sha256:") and first.weights_hash == other.weights_hash
    assert set(first.timings) == {"validate", "denoise", "decode", "total"}
    assert first.request.frames == size["frames"] and first.request.steps == 2
    if task != "t2v":  # the upload (48x40) was fitted to the model's size, and it says so
        assert any("resized 40x48" in note for note in first.notes), first.notes
    chained = MODELS[name].capabilities[task].support == registry.CHAINED
    assert any("last-frame chaining" in note for note in first.notes) == chained


def test_unclaimed_tasks_are_refused_before_the_model_runs(tiny_weights, tiny_cards):
    pipe = load("wan2.1-t2v-1.3b", weights=tiny_weights["wan2.1-t2v-1.3b"])
    for task in ("i2v", "extend-forward", "interpolate"):
        assert MODELS["wan2.1-t2v-1.3b"].capabilities[task].support == UNSUPPORTED
        request = request_for("ltx-video", task, width=16, height=16, frames=9, keep=5 if "extend" in task else None)
        with pytest.raises(RequestError, match=r"^mode: .* wan2.1-t2v-1.3b cannot do .*use wan2.1-vace-1.3b"):
            pipe.generate(request)
    cog = load("cogvideox-5b-i2v", weights=tiny_weights["cogvideox-5b-i2v"])
    with pytest.raises(RequestError, match=r"^direction: 'backward'"):
        cog.generate(request_for("cogvideox-5b-i2v", "extend-backward"))


def test_load_is_cached_and_the_env_var_points_at_the_same_folder(tiny_weights, tiny_cards, monkeypatch):
    folder = tiny_weights["ltx-video"]
    pipe = load("ltx-video", weights=folder)
    assert load("ltx-video", weights=folder) is pipe
    monkeypatch.setenv(registry.weights_env_var("ltx-video"), str(folder))
    assert registry.weights_env_var("ltx-video") == "SPACETIME_WEIGHTS_LTX_VIDEO"
    assert load("ltx-video") is pipe  # same card, folder and device: the cached pipeline


def test_card_classes_are_real_diffusers_classes():
    for card in MODELS.values():
        if card.backend != "diffusers":
            continue
        assert issubclass(getattr(diffusers, card.load_class), diffusers.DiffusionPipeline)
        for cap in card.capabilities.values():
            assert (cap.support == UNSUPPORTED) == (cap.pipeline == ""), (card.name, cap)
            if cap.pipeline:
                assert issubclass(getattr(diffusers, cap.pipeline), diffusers.DiffusionPipeline)


# ----------------------------------------------------------------------------------------
# Conditioning survives: latents of the kept frames
# ----------------------------------------------------------------------------------------


def run_plan_latents(pipe, request: GenerationRequest) -> torch.Tensor:
    """The exact call generate() makes for request, but returning latents (B, C, F, h, w)."""
    resolved, _ = request.resolve(pipe.card)
    call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(resolved.seed))
    return call.pipe(**call.kwargs, output_type="latent").frames


def ltx_encode(pipe, frames: np.ndarray) -> torch.Tensor:
    """LTX's normalised latents of uint8 frames (T, H, W, 3): (1, C, 1 + (T - 1) // 8, h, w)."""
    ltx = pipe.backend.pipeline("LTXConditionPipeline")
    video = torch.from_numpy(frames).permute(3, 0, 1, 2)[None].float() / 127.5 - 1.0  # (1, 3, T, H, W)
    latents = ltx.vae.encode(video).latent_dist.mode()
    return ltx._normalize_latents(latents, ltx.vae.latents_mean, ltx.vae.latents_std)


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_ltx_extension_keeps_the_conditioning_latents(direction, tiny_weights, tiny_cards):
    pipe = load("ltx-video", weights=tiny_weights["ltx-video"])
    # 25 frames = 4 latent frames; keep 17 frames = 3 latent frames. 40 steps, as in real use: LTX
    # re-noises hard conditions every step by image_cond_noise_scale (0.15) * t^2, and only with
    # many steps is the last t small (0.09; with 2 steps it is 0.975).
    request = request_for("ltx-video", f"extend-{direction}", frames=25, keep=17, steps=40)
    resolved, _ = request.resolve(pipe.card)
    kept = resolved.video[-17:] if direction == "forward" else resolved.video[:17]
    assert np.array_equal(kept_frames(resolved), kept)
    condition = ltx_encode(pipe, kept)  # (1, 8, 3, 2, 2)
    out = run_plan_latents(pipe, request)  # (1, 8, 4, 2, 2)
    other = run_plan_latents(pipe, dataclasses.replace(request, video=moving_square(seed=7)))  # other kept frames
    # forward: the video condition at frame 0 fills latent frames 0..2; backward: at frame 8, its
    # first two latent frames become extra tokens and its third is latent frame 3
    at, part = (slice(0, 3), slice(0, 3)) if direction == "forward" else (slice(3, 4), slice(2, 3))
    error = (out[:, :, at] - condition[:, :, part]).abs().max().item()
    baseline = (other[:, :, at] - condition[:, :, part]).abs().max().item()
    assert error < 0.02 and error < 0.05 * baseline, (error, baseline)


def test_ltx_interpolation_keeps_the_first_keyframe_latent(tiny_weights, tiny_cards):
    pipe = load("ltx-video", weights=tiny_weights["ltx-video"])
    request = request_for("ltx-video", "interpolate", frames=25, steps=40)  # see the extension test
    resolved, _ = request.resolve(pipe.card)
    assert resolved.keyframes == (0, 12, 24)
    reference = ltx_encode(pipe, resolved.video[:1])  # (1, 8, 1, 2, 2): keyframe 0 sits in latent frame 0
    out = run_plan_latents(pipe, request)
    other = run_plan_latents(pipe, dataclasses.replace(request, seed=5))
    assert (out[:, :, :1] - reference).abs().max() < 0.02
    assert (other[:, :, :1] - reference).abs().max() < 0.02
    assert (out[:, :, 1:] - other[:, :, 1:]).abs().max() > 0.2  # the rest is generated, seed-dependent


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_vace_extension_conditions_on_every_kept_frame(direction, tiny_weights, tiny_cards, monkeypatch):
    pipe = load("wan2.1-vace-1.3b", weights=tiny_weights["wan2.1-vace-1.3b"])
    vace = pipe.backend.pipeline("WanVACEPipeline")
    request = request_for("wan2.1-vace-1.3b", f"extend-{direction}", frames=17, keep=9)
    resolved, _ = request.resolve(pipe.card)

    # 1. The control video and mask hold the kept frames exactly where they belong.
    call = pipe.backend.plan(resolved, torch.Generator().manual_seed(0))
    video = np.stack([np.asarray(f) for f in call.kwargs["video"]])  # (17, 16, 16, 3)
    mask = np.stack([np.asarray(m) for m in call.kwargs["mask"]])  # (17, 16, 16): 0 given, 255 generate
    at = slice(0, 9) if direction == "forward" else slice(8, 17)
    expected_input = resolved.video[-9:] if direction == "forward" else resolved.video[:9]
    assert np.array_equal(video[at], expected_input)
    assert (mask[at] == 0).all() and (np.delete(mask, np.r_[at], axis=0) == 255).all()
    assert set(given_frames(resolved)) == set(range(17)[at])

    # 2. In latent space: the control latents' "inactive" half is the VAE encoding of those frames.
    captured = {}
    original = vace.prepare_video_latents

    def capture(*args, **kwargs):
        captured["latents"] = original(*args, **kwargs)  # (1, 32, 5, 2, 2): inactive 16 + reactive 16
        return captured["latents"]

    monkeypatch.setattr(vace, "prepare_video_latents", capture)
    out = run_plan_latents(pipe, request)  # (1, 16, 5, 2, 2)
    if direction == "forward":  # causal VAE: the first 3 latent frames see only frames 0..8
        kept = torch.from_numpy(expected_input).permute(3, 0, 1, 2)[None].float() / 127.5 - 1.0
        encoded = vace.vae.encode(kept).latent_dist.mode()  # (1, 16, 3, 2, 2)
        mean = torch.tensor(vace.vae.config.latents_mean).view(1, -1, 1, 1, 1)
        std = torch.tensor(vace.vae.config.latents_std).view(1, -1, 1, 1, 1)
        reference = (encoded - mean) / std
        assert (captured["latents"][:, :16, :3] - reference).abs().max() < 1e-4

    # 3. And the kept frames reach the output: same seed, other kept frames, other latents. (A
    # random VACE branch moves the output only a little, but a run is bit-for-bit repeatable, so
    # any difference at all is the conditioning's.)
    assert torch.equal(out, run_plan_latents(pipe, request))
    out_changed = run_plan_latents(pipe, dataclasses.replace(request, video=moving_square(seed=7)))
    assert (out - out_changed).abs().max() > 0


def test_cogvideox_extension_is_labelled_last_frame_chaining(tiny_weights, tiny_cards):
    pipe = load("cogvideox-5b-i2v", weights=tiny_weights["cogvideox-5b-i2v"])
    request = request_for("cogvideox-5b-i2v", "extend-forward")
    resolved, notes = request.resolve(pipe.card)
    call = pipe.backend.plan(resolved, torch.Generator().manual_seed(0))
    assert np.array_equal(np.asarray(call.kwargs["image"]), resolved.video[-1])  # the last frame, alone
    assert any(note.startswith("extend-forward: last-frame chaining") for note in notes)
    with pytest.raises(RequestError, match=r"^keep: 2 is not allowed for cogvideox-5b-i2v .*allowed 1$"):
        request_for("cogvideox-5b-i2v", "extend-forward", keep=2).resolve(pipe.card)


# ----------------------------------------------------------------------------------------
# What real weights need: schedules, text length, negative prompts, shift, fixed sizes
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["t2v", "i2v"])
def test_ltx_text_and_image_use_the_condition_pipeline_and_its_schedule(task, tiny_weights, tiny_cards):
    from diffusers.pipelines.ltx.pipeline_ltx_condition import linear_quadratic_schedule

    pipe = load("ltx-video", weights=tiny_weights["ltx-video"])
    resolved, _ = request_for("ltx-video", task, steps=6).resolve(pipe.card)
    call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))
    assert type(call.pipe).__name__ == "LTXConditionPipeline"
    if task == "i2v":
        (condition,) = call.kwargs["conditions"]
        assert condition.frame_index == 0 and condition.image is not None
    else:
        assert "conditions" not in call.kwargs and "image" not in call.kwargs
    call.pipe(**call.kwargs, output_type="latent")
    # the checkpoint's linear-quadratic schedule, not LTXPipeline's np.linspace(1, 1/N, N)
    expected = torch.as_tensor(linear_quadratic_schedule(6)) * 1000
    assert torch.allclose(call.pipe.scheduler.timesteps.float().cpu(), expected.float(), atol=1e-3)
    assert not torch.allclose(call.pipe.scheduler.timesteps.float().cpu(), torch.linspace(1000, 1000 / 6, 6), atol=1)


@pytest.mark.parametrize("task", ["i2v", "extend-forward"])
def test_ltx2_conditions_start_at_latent_frame_0(task, tiny_weights, tiny_cards):
    pipe = load("ltx-2", weights=tiny_weights["ltx-2"])
    resolved, _ = request_for("ltx-2", task).resolve(pipe.card)
    call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))
    assert type(call.pipe).__name__ == "LTX2ConditionPipeline" and call.kwargs["frame_rate"] == 24.0
    (condition,) = call.kwargs["conditions"]
    given = [condition.frames] if task == "i2v" else condition.frames
    expected = [resolved.image] if task == "i2v" else kept_frames(resolved)  # the last 9 frames going forward
    assert condition.index == 0 and len(given) == len(expected)
    assert all(np.array_equal(np.asarray(g), e) for g, e in zip(given, expected))
    for task in ("extend-backward", "interpolate"):  # latent-frame placement cannot put them where asked
        assert MODELS["ltx-2"].capabilities[task].support == UNSUPPORTED


def test_ltx2_result_carries_its_sound(tiny_weights, tiny_cards):
    result = load("ltx-2", weights=tiny_weights["ltx-2"]).generate(request_for("ltx-2", "t2v"))
    sound = result.audio  # the vocoder's waveform: 16 kHz stereo for the tiny model (24 kHz for LTX-2)
    assert sound.sample_rate == 16000 and sound.channels == 2 and sound.samples.dtype == np.float32
    assert abs(sound.seconds - 17 / 24) < 0.1 and np.abs(sound.samples).max() <= 1.0
    assert result.summary()["audio"] == sound.summary()
    assert any(n.startswith("sound: 16000 Hz, 2 channels") and n.endswith("muxed into the mp4 as AAC")
               for n in result.notes)
    silent = load("ltx-video", weights=tiny_weights["ltx-video"]).generate(request_for("ltx-video", "t2v"))
    assert silent.audio is None and silent.summary()["audio"] is None


def test_ltx_encodes_256_text_tokens(tiny_weights, tiny_cards):
    pipe = load("ltx-video", weights=tiny_weights["ltx-video"])
    encoder = pipe.backend.pipeline("LTXConditionPipeline").text_encoder
    lengths = []
    hook = encoder.register_forward_pre_hook(lambda module, args: lengths.append(args[0].shape[-1]))
    try:
        pipe.generate(request_for("ltx-video", "t2v", prompt="a red ball " * 100))  # ~300 tokens
    finally:
        hook.remove()
    assert lengths and set(lengths) == {256}, lengths  # prompt and negative prompt, each 256 tokens


@pytest.mark.parametrize("name", ["ltx-video", "ltx-2", "wan2.1-t2v-1.3b", "wan2.1-vace-1.3b", "wan2.2-ti2v-5b",
                                  "wan2.2-t2v-a14b"])
def test_recommended_negative_prompt_is_the_default_and_a_request_overrides_it(name, tiny_weights, tiny_cards):
    pipe = load(name, weights=tiny_weights[name])
    recommended = MODELS[name].defaults.negative_prompt
    assert recommended and recommended in registry.describe(MODELS[name])
    for given, used in ((None, recommended), ("", ""), ("static, blurry", "static, blurry")):
        resolved, _ = request_for(name, "t2v", negative_prompt=given).resolve(pipe.card)
        call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))
        assert call.kwargs["negative_prompt"] == used
    assert MODELS["cogvideox-2b"].defaults.negative_prompt == ""  # its makers give none


def scheduler_shift(pipe) -> float:
    config = pipe.scheduler.config
    return config["flow_shift"] if "flow_shift" in config else config["shift"]


@pytest.mark.parametrize("name", ["wan2.1-t2v-1.3b", "wan2.1-vace-1.3b"])
def test_wan_shift_follows_the_resolution_rule(name, tiny_weights, monkeypatch):
    card = MODELS[name]
    # the makers' one shift at the 1.3B models' 480p (8 for text-to-video, 16 for VACE; tests/test_real_model_cards.py)
    assert card.defaults.shift_for(832, 480) == card.defaults.shift_for(480, 832) in (8.0, 16.0)
    # the rule machinery, with a two-size rule: the tiny model at 16x16 and 32x32 stands for 480p and 720p
    defaults = dataclasses.replace(card.defaults, shift_by_size=((0, 3.0), (32, 5.0)))
    limits = dataclasses.replace(card.limits, sizes=((16, 16), (32, 32)), min_size=16)
    monkeypatch.setitem(registry.MODELS, name, dataclasses.replace(card, defaults=defaults, limits=limits))
    try:
        pipe = load(name, weights=tiny_weights[name])
        for size, shift, expected in ((16, None, 3.0), (32, None, 5.0), (16, 7.0, 7.0)):
            resolved, _ = request_for(name, "t2v", width=size, height=size, shift=shift).resolve(pipe.card)
            assert resolved.shift == expected
            call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))
            assert scheduler_shift(call.pipe) == expected
        frames = pipe.generate(request_for(name, "t2v", width=32, height=32)).frames
        assert frames.shape[1:3] == (32, 32)
    finally:
        clear_cache()


def test_a_shift_for_a_model_without_one_is_refused():
    with pytest.raises(RequestError, match=r"^shift: ltx-video takes no shift"):
        GenerationRequest("t2v", "a red ball", shift=3.0).resolve(MODELS["ltx-video"])


def test_fixed_sizes_and_frame_counts_are_refused_with_the_allowed_values():
    with pytest.raises(RequestError, match=r"^frames: 25 .*cogvideox-5b-i2v; allowed 49$"):
        GenerationRequest("i2v", "a cat", frames=25, image=moving_square()[0]).resolve(MODELS["cogvideox-5b-i2v"])
    with pytest.raises(RequestError, match=r"^width, height: 512x512 is not a size cogvideox-2b makes; allowed 720x480$"):
        GenerationRequest("t2v", "a cat", width=512, height=512).resolve(MODELS["cogvideox-2b"])
    with pytest.raises(RequestError, match=r"^width, height: 1280x720 is not a size wan2.1-t2v-1.3b makes; allowed 832x480, 480x832$"):
        GenerationRequest("t2v", "a cat", width=1280, height=720).resolve(MODELS["wan2.1-t2v-1.3b"])
    resolved, notes = GenerationRequest("i2v", "a cat", frames=25, image=moving_square()[0]).resolve(
        MODELS["cogvideox-5b-i2v"], round_to_allowed=True)
    assert resolved.frames == 49 and any("rounded to 49" in n for n in notes)


def test_every_card_states_its_memory_and_the_defaults_source():
    for card in MODELS.values():
        assert card.memory.gpu, card.name
        text = registry.describe(card)
        assert f"GPU memory: {card.memory.gpu}" in text
        assert ", ".join(map(str, card.limits.allowed_frames()))[:20].split(",")[0] in text
        if card.backend == "diffusers":
            assert card.defaults.source and card.defaults.source in text


# ----------------------------------------------------------------------------------------
# Wan2.2 TI2V-5B and HunyuanVideo 1.5
# ----------------------------------------------------------------------------------------


def test_wan22_image_to_video_holds_the_image_as_latent_frame_0(tiny_weights, tiny_cards):
    pipe = load("wan2.2-ti2v-5b", weights=tiny_weights["wan2.2-ti2v-5b"])
    resolved, _ = request_for("wan2.2-ti2v-5b", "i2v").resolve(pipe.card)
    call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))
    # the image pipeline carries the checkpoint's expand_timesteps (without it, 48 + 48 channels reach
    # a 48-channel transformer), and no image encoder is needed
    assert type(call.pipe).__name__ == "WanImageToVideoPipeline" and call.pipe.config.expand_timesteps
    assert np.array_equal(np.asarray(call.kwargs["image"]), resolved.image)
    assert scheduler_shift(call.pipe) == 5.0 == resolved.shift  # the makers' shift for this model
    assert call.kwargs["negative_prompt"] == registry.WAN_NEGATIVE
    out = call.pipe(**call.kwargs, output_type="latent").frames  # (1, 48, 3, 4, 4)
    vae = call.pipe.vae
    image = torch.from_numpy(resolved.image).permute(2, 0, 1)[None, :, None].float() / 127.5 - 1.0  # (1, 3, 1, H, W)
    encoded = vae.encode(image).latent_dist.mode()  # (1, 48, 1, 4, 4); the tiny VAE's mean 0, std 1
    assert (out[:, :, :1] - encoded).abs().max() < 1e-4
    other = run_plan_latents(pipe, dataclasses.replace(request_for("wan2.2-ti2v-5b", "i2v"), seed=5))
    assert (out[:, :, 1:] - other[:, :, 1:]).abs().max() > 0.1  # the rest is generated, seed-dependent


def test_hunyuan15_guidance_goes_through_its_guider(tiny_weights, tiny_cards):
    for name, task in (("hunyuanvideo-1.5-t2v", "t2v"), ("hunyuanvideo-1.5-i2v", "i2v")):
        pipe = load(name, weights=tiny_weights[name])
        for guidance in (None, 3.5):
            resolved, _ = request_for(name, task, guidance=guidance).resolve(pipe.card)
            call = pipe.backend.plan(resolved, torch.Generator("cpu").manual_seed(0))
            assert "guidance_scale" not in call.kwargs  # the pipeline takes none: it would be an error
            assert call.pipe.guider.config.guidance_scale == (guidance or 6.0) == resolved.guidance
        # image-to-video takes its size from the image, which the request fitted to its size
        assert ("height" in call.kwargs) == (task == "t2v")
    low = load("hunyuanvideo-1.5-t2v", weights=tiny_weights["hunyuanvideo-1.5-t2v"])
    frames = [low.generate(request_for("hunyuanvideo-1.5-t2v", "t2v", guidance=g)).frames for g in (1.5, 9.0)]
    assert not np.array_equal(*frames)  # the scale reaches the denoiser


def test_hunyuan15_sizes_are_its_480p_buckets():
    from diffusers.pipelines.hunyuan_video1_5.image_processor import HunyuanVideo15ImageProcessor

    buckets = HunyuanVideo15ImageProcessor(vae_scale_factor=16)  # the real VAE's 16x; 480p: target size 640
    t2v, i2v = MODELS["hunyuanvideo-1.5-t2v"].limits.sizes, MODELS["hunyuanvideo-1.5-i2v"].limits.sizes
    # text-to-video: the makers' size for each aspect ratio (16:9, 9:16, 1:1)
    for (w, h), (aw, ah) in zip(t2v, ((16, 9), (9, 16), (1, 1))):
        assert buckets.calculate_default_height_width(ah, aw, 640) == (h, w)
    # image-to-video: an image of each allowed size comes back at that size (480x848 would become 480x832)
    for w, h in i2v:
        assert buckets.calculate_default_height_width(h, w, 640) == (h, w)
    assert buckets.calculate_default_height_width(848, 480, 640) == (832, 480)
