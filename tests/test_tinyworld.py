"""tinyworld at toy size: the real classes, every mode, save/load, determinism, training steps.

    .venv/bin/python -m pytest -q tests/test_tinyworld.py
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch

from pipeline import GenerationRequest, load
from pipeline.api import clear_cache
from pipeline.tinyworld.config import HELD_OUT, TrainConfig
from pipeline.tinyworld.export import export
from pipeline.tinyworld.report import write_report
from pipeline.tinyworld.pipeline import TinyWorldPipeline, bf16_is_fast
from pipeline.tinyworld.vae import TinyVideoAutoencoder
from pipeline.tinyworld.data import (RenderedBatches, is_held_out, keep_mask, object_cells, sample_mode, slide_windows,
                                     stream_batches, training_spec, window_offset)
from pipeline.tinyworld.text import tokenize
from pipeline.tinyworld.transformer import spacetime_positions
from pipeline.tinyworld.train import flow_loss, learning_rate, pixel_loss, train
from pipeline.tinyworld.train_decoder import denoise_from, train_decoder
from pipeline.tinyworld.train_vae import reconstruction_loss
from tiny_models import tiny_tinyworld
from world import parse, sample_spec
from world.render import make_clip

PROMPT = "a red ball moves right"


@pytest.fixture(scope="module")
def tokenizer(pipe):
    return pipe.tokenizer


@pytest.fixture(scope="module")
def pipe():
    return tiny_tinyworld()


@pytest.fixture(scope="module")
def folder(pipe, tmp_path_factory):
    path = tmp_path_factory.mktemp("tinyworld")
    pipe.save_pretrained(path, safe_serialization=True)
    return path


def request(mode: str, **kw) -> GenerationRequest:
    return GenerationRequest(**{**dict(mode=mode, prompt=PROMPT, steps=2, frames=6, seed=0), **kw})


def clip(frames: int = 6, width: int = 64, height: int = 64) -> np.ndarray:
    return make_clip(parse(PROMPT).spec, seed=0, frames=frames, width=width, height=height).frames


def generate(folder, req):
    """Through the shared pipeline, as the UI and the CLI call it."""
    return load("tinyworld", weights=folder).generate(req)


def run(folder, req) -> np.ndarray:
    return generate(folder, req).frames


@pytest.mark.parametrize("width,height", [(64, 64), (96, 64), (64, 96)])
def test_text_to_video_shape_and_sizes(folder, width, height):
    frames = run(folder, request("t2v", width=width, height=height))
    assert frames.shape == (6, height, width, 3) and frames.dtype == np.uint8


def test_one_frame_is_an_image(folder):
    assert run(folder, request("t2v", frames=1)).shape == (1, 64, 64, 3)


def test_same_seed_same_frames_other_seed_other_frames(folder):
    a, b, c = (run(folder, request("t2v", seed=seed)) for seed in (3, 3, 4))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_every_mode_has_the_right_length(folder):
    video = clip(10)
    assert run(folder, request("i2v", image=video[0])).shape[0] == 6
    for direction in ("forward", "backward"):
        result = generate(folder, request("extend", video=video, keep=3, direction=direction))
        assert result.frames.shape[0] == 6 and result.joined().shape[0] == 10 - 3 + 6
    assert run(folder, request("interpolate", video=video[[0, -1]])).shape[0] == 6
    assert run(folder, request("interpolate", video=video[:6], keyframes=(0, 2, 5))).shape[0] == 6


def kept_latents(pipe, given: np.ndarray, keep: list[int], frames: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    video = torch.from_numpy(given).permute(0, 3, 1, 2).float() / 127.5 - 1
    out = pipe(parse(PROMPT).caption, num_frames=frames, num_inference_steps=2, video=video, keep=keep,
               generator=torch.Generator().manual_seed(0), output_type="latent").frames  # (1, C, T, h, w)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_is_fast(pipe.device)):  # as the pipeline
        encoded = pipe.vae.encode(video.permute(1, 0, 2, 3)[None]).float()
    return out[:, :, keep], encoded


@pytest.mark.parametrize("keep", [[0], [0, 1, 2], [3, 4, 5], [0, 5], [1, 3]])
def test_kept_frames_come_out_as_given_in_latent_space(pipe, keep):
    video = clip(6)
    out, encoded = kept_latents(pipe, video[keep], keep)
    assert torch.allclose(out, encoded, atol=1e-5)


def test_generated_frames_are_not_the_kept_ones(pipe):
    out = pipe(parse(PROMPT).caption, num_frames=6, num_inference_steps=2, video=torch.zeros(1, 3, 64, 64), keep=[0],
               generator=torch.Generator().manual_seed(0), output_type="latent").frames
    assert not torch.allclose(out[:, :, 1], out[:, :, 0], atol=1e-3)


def test_joined_extension_keeps_the_untouched_input_frames(folder):
    video = clip(8)
    forward = generate(folder, request("extend", video=video, keep=2)).joined()
    assert np.array_equal(forward[:8], video)  # the input, then the 4 new frames
    backward = generate(folder, request("extend", video=video, keep=2, direction="backward")).joined()
    assert np.array_equal(backward[-8:], video)


def test_a_window_is_timed_along_its_clip():
    whole = spacetime_positions(9, 2, 2, 32)  # (9 frames * 2 * 2 patches, 32), frames 0..8
    windows = spacetime_positions(6, 2, 2, 32, torch.tensor([0, 3, -3]))  # (3, 6 * 4, 32)
    assert torch.equal(windows[0], spacetime_positions(6, 2, 2, 32))
    assert torch.allclose(windows[1], whole[3 * 4:])  # frames 3..8
    assert torch.allclose(windows[2, 3 * 4:], whole[:3 * 4])  # frames -3..2: the last three are the clip's first


def test_the_transformer_sees_where_its_window_starts(pipe):
    args = (torch.randn(1, 4, 3, 8, 8), torch.zeros(1, 3, dtype=torch.bool), torch.tensor([0.5]), torch.randn(1, 5, 16),
            torch.ones(1, 5, dtype=torch.bool))
    with torch.no_grad():
        plain, at_0, at_4 = (pipe.transformer(*args, *first) for first in ((), (torch.tensor([0]),), (torch.tensor([4]),)))
    assert torch.equal(plain, at_0)
    assert not torch.allclose(plain, at_4, atol=1e-4)


def test_estimate_time_picks_the_start_the_model_denoises_best(pipe, monkeypatch):
    video = torch.from_numpy(clip(4)).permute(0, 3, 1, 2).float() / 127.5 - 1  # (4, 3, 64, 64)
    first = pipe.estimate_time(PROMPT, video)
    assert 0 <= first <= 12 and pipe.estimate_time(PROMPT, video) == first  # 13 candidate starts; seeded noise
    with pytest.raises(ValueError, match="video: expected 1 to 16 frames to time, got 17"):
        pipe.estimate_time(PROMPT, torch.zeros(17, 3, 64, 64))
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        clean = pipe.vae.encode(video.permute(1, 0, 2, 3)[None]).float()  # (1, C, 4, h, w)

    def exact_at_frame_7(latents, keep, t, text, mask, first_frame):  # the true velocity, for start 7 only
        exact = (latents - clean) / t[:, None, None, None, None]  # noisy = (1 - t) clean + t noise
        return exact if int(first_frame[0]) == 7 else torch.zeros_like(latents)

    monkeypatch.setattr(pipe.transformer, "forward", exact_at_frame_7)
    assert pipe.estimate_time(PROMPT, video) == 7


def test_extension_windows_are_timed_from_the_given_frames_estimated_time(folder, monkeypatch):
    timed = []
    monkeypatch.setattr(TinyWorldPipeline, "estimate_time", lambda self, prompt, video: timed.append(len(video)) or 5)
    video = clip(10)
    forward = generate(folder, request("extend", video=video, keep=3))
    backward = generate(folder, request("extend", video=video, keep=3, direction="backward"))
    assert timed == [8, 8]  # the 8 given frames next to the window are timed
    # forward: frames 2..9 start at 5, so the last 3 (the window's first) start at 5 + 8 - 3;
    # backward: frames 0..7 start at 5, and the 6-frame window ends with frames 0..2 at 5..7
    # frame 10 is later than LATEST_WINDOW_START (6): the forward window is held there, and says so
    assert any("starts at frame 6 " in note for note in forward.notes)
    assert any("would start it at frame 10" in note for note in forward.notes)
    assert "the new window starts at frame 2 of its event, before the given frames' estimated time" in backward.notes
    assert not any("would start it" in note for note in backward.notes)
    assert not any("starts at frame" in note for note in generate(folder, request("t2v")).notes)


def test_a_forward_window_timed_early_enough_is_not_held(folder, monkeypatch):
    monkeypatch.setattr(TinyWorldPipeline, "estimate_time", lambda self, prompt, video: 0)
    notes = generate(folder, request("extend", video=clip(10), keep=3)).notes
    assert "the new window starts at frame 5 of its event, after the given frames' estimated time" in notes
    assert not any("would start it" in note for note in notes)


def test_frames_map_to_the_autoencoders_range_exactly():
    from pipeline.tinyworld.backend import frames_to_tensor

    frames = np.array([0, 255, 51], np.uint8).reshape(1, 1, 3, 1).repeat(3, axis=-1)  # (1, 1, 3, 3)
    x = frames_to_tensor(frames)  # (1, 3, 1, 3)
    assert x.shape == (1, 3, 1, 3) and x[0, 0, 0].tolist() == pytest.approx([-1.0, 1.0, 51 / 127.5 - 1])


def test_a_negative_prompt_is_named_as_unused_and_no_progress_bar_is_printed(folder, capfd):
    clear_cache()  # the backend is built here, where its progress bar is switched off
    pipe = load("tinyworld", weights=folder)
    capfd.readouterr()  # diffusers' loading bar is not the one in question
    result = pipe.generate(request("t2v", negative_prompt="blurry"))
    assert ("tinyworld has no negative prompt: guidance pushes away from the empty caption; negative_prompt was not "
            "used") in result.notes
    assert "it/s" not in capfd.readouterr().err  # the pipeline's own bar is off: callers show progress their way


def test_save_and_load_give_the_same_frames(pipe, folder):
    assert sorted(p.name for p in folder.iterdir()) == ["model_index.json", "scheduler", "text_encoder", "tokenizer", "transformer", "vae"]
    assert list(folder.rglob("*.safetensors")) and not list(folder.rglob("*.bin"))
    clear_cache()
    caption = parse(PROMPT).caption
    direct = pipe(caption, num_frames=6, num_inference_steps=2, generator=torch.Generator().manual_seed(0)).frames[0]
    assert np.array_equal(direct, run(folder, request("t2v")))


def test_prompt_is_expanded_and_unknown_words_are_named(folder):
    result = generate(folder, request("t2v", frames=1))
    assert result.caption == parse(PROMPT).caption and result.caption.startswith("A medium red ball moves")
    with pytest.raises(ValueError, match="zebra"):
        generate(folder, request("t2v", prompt="a zebra moves right"))


@pytest.mark.parametrize("kwargs,message", [
    (dict(num_frames=17), "num_frames: expected 1 to 16, got 17"),
    (dict(num_frames=0), "num_frames: expected 1 to 16, got 0"),
    (dict(height=60), "height: expected a positive multiple of 16, got 60"),
    (dict(width=8), "width: expected a positive multiple of 16, got 8"),
    (dict(video=torch.zeros(1, 3, 64, 64)), "video and keep: give both"),
    (dict(video=torch.zeros(1, 3, 32, 32), keep=[0]), r"video: expected \(1, 3, 64, 64\)"),
    (dict(video=torch.zeros(1, 3, 64, 64), keep=[16]), "keep: expected distinct frame indices in 0..15"),
    (dict(first_frame_time=2.5), "first_frame_time: expected a whole number of frames, got 2.5"),
])
def test_check_inputs_name_the_field(pipe, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pipe(parse(PROMPT).caption, num_inference_steps=1, **kwargs)


def test_tokenizer_covers_both_languages(tokenizer):
    ids, mask = tokenize(tokenizer, [parse("一个红色的球向右移动").caption, "一个红色的球向右移动", ""])
    unk = tokenizer.convert_tokens_to_ids("[UNK]")
    assert not (ids[mask] == unk).any()
    assert mask.sum(1).tolist()[2] == 1  # the empty caption is [BOS] alone


def test_keep_masks_cover_every_mode():
    rng = np.random.default_rng(0)
    masks = [keep_mask(rng, sample_mode(rng, TrainConfig().mask_probs), 16) for _ in range(400)]
    assert any(not m.any() for m in masks)  # t2v
    assert any(m[0] and m.sum() == 1 for m in masks)  # i2v
    assert any(m[-1] and not m[0] for m in masks)  # backward extension
    assert any(m[0] and m[-1] and m.sum() == 2 for m in masks)  # interpolation
    assert all(not m.all() for m in masks)  # always something to generate


def test_only_extension_windows_slide_and_a_held_start_repeats_the_first_frame():
    rng = np.random.default_rng(0)
    assert {window_offset(rng, mode, 8) for mode in ("none", "first", "ends", "random") for _ in range(50)} == {0}
    offsets = {window_offset(rng, mode, 8) for mode in ("first_k", "last_k") for _ in range(400)}
    assert min(offsets) == -8 and max(offsets) == 8 and 0 in offsets
    assert {window_offset(rng, "last_k", 0) for _ in range(50)} == {0}
    x0 = torch.arange(6.0).reshape(1, 1, 6, 1, 1).repeat(3, 2, 1, 1, 1)  # (B=3, C=2, frames 4 + shift 2, 1, 1)
    windows = slide_windows(x0, [0, 2, -2], frames=4)  # (3, 2, 4, 1, 1)
    assert windows[:, 0, :, 0, 0].tolist() == [[0, 1, 2, 3], [2, 3, 4, 5], [0, 0, 0, 1]]


def test_object_cells_mark_the_latent_cells_an_object_touches():
    video = np.full((1, 2, 32, 32, 3), 200, np.uint8)  # (B, T, H, W, 3) plain grey
    video[0, 1, 10:14, 20:24] = (225, 45, 45)  # a red square inside cell (row 1, column 2) of frame 1
    video[0, 1, 16, 0] = (212, 122, 122)  # an anti-aliased edge pixel: red half over grey
    cells = object_cells(torch.from_numpy(video).permute(0, 4, 1, 2, 3), 8)  # (1, 2, 4, 4)
    assert cells.shape == (1, 2, 4, 4)
    assert cells[0, 0].sum() == 0
    assert cells[0, 1].nonzero().tolist() == [[1, 2], [2, 0]]


def test_colour_bled_onto_grey_costs_like_an_object_pixel():
    frames = torch.zeros(1, 3, 1, 8, 8)  # (B, 3, T, H, W): plain grey, no object
    bled, greyer = frames.clone(), frames.clone()
    bled[0, :, 0, 0, 0] = torch.tensor([0.5, 0.5, 0.0])  # a saturated (yellowish) stray pixel
    b = (3**0.5 - 1) / 2  # a neutral error with the same L1 + squared error summed over channels (1.5)
    greyer[0, :, 0, 0, 0] = b
    assert reconstruction_loss(bled, frames) > 5 * reconstruction_loss(greyer, frames)


class ZeroVelocity(torch.nn.Module):
    """A stand-in transformer whose velocity is 0, so the loss is the target's own size."""

    def forward(self, xt, keep, t, text, mask, first_frame):
        return torch.zeros_like(xt)


def test_object_weight_counts_object_cells_more_and_zero_is_the_uniform_loss(tokenizer, pipe):
    x0 = torch.zeros(2, 4, 3, 4, 4)  # (B, C, T, h, w)
    objects = torch.zeros(2, 3, 4, 4)
    x0[:, :, :, 0, 0], objects[:, :, 0, 0] = 20.0, 1  # one object cell per frame, far from the noise's size
    args = (["a red ball"] * 2, pipe.text_encoder, ZeroVelocity(), tokenizer)
    cfg = TrainConfig(text_drop_prob=0.0, mask_probs=(("none", 1.0),))
    uniform = flow_loss(x0, objects, *args, cfg, step=0)  # with 0 velocity, the mean of (noise - x0)^2
    assert abs(float(uniform) - (1 + 400 / 16)) < 3  # noise gives 1 a cell; one cell in 16 adds 20^2
    weighted = flow_loss(x0, objects, *args, replace(cfg, object_loss_weight=4.0), step=0)
    assert float(weighted) > 1.5 * float(uniform)


def test_pixel_loss_decodes_only_generated_frames_at_low_flow_time(pipe):
    x0 = torch.randn(2, pipe.vae.config.latent_channels, 3, 2, 2)  # (B, C, T, h, w)
    predicted = (x0 + 0.5 * torch.randn_like(x0)).requires_grad_()
    keep = torch.tensor([[True, False, False], [False, False, False]])  # clip 0 is given its first frame
    t = torch.tensor([0.2, 0.9])  # clip 1 is too noisy for a shape
    assert pixel_loss(pipe.vae, x0, x0, t, keep, torch.Generator().manual_seed(0), bf16=False).item() == 0
    loss = pixel_loss(pipe.vae, predicted, x0, t, keep, torch.Generator().manual_seed(0), bf16=False)
    loss.backward()
    assert loss.item() > 0
    assert predicted.grad[0, :, 1:].abs().sum() > 0  # clip 0's generated frames
    assert predicted.grad[0, :, 0].abs().sum() == 0  # its kept frame
    assert predicted.grad[1].abs().sum() == 0
    # in the training loss: with a velocity of 0 the prediction is the noisy x_t, so the pixel loss adds to it
    x0, objects = torch.randn(8, pipe.vae.config.latent_channels, 3, 2, 2), torch.zeros(8, 3, 2, 2)
    args = (["a red ball"] * 8, pipe.text_encoder, ZeroVelocity(), pipe.tokenizer)
    cfg = TrainConfig(text_drop_prob=0.0, mask_probs=(("none", 1.0),), bf16=False)
    plain = flow_loss(x0, objects, *args, cfg, step=0, vae=pipe.vae)
    assert flow_loss(x0, objects, *args, replace(cfg, pixel_loss_weight=1.0), step=0, vae=pipe.vae).item() > plain.item()


def test_batches_render_room_to_slide_except_images():
    video, _ = RenderedBatches(TrainConfig(batch_size=1, frames=4, time_shift=3, image_batch_prob=0.0))[0]
    assert video.shape[2] == 7
    image, _ = RenderedBatches(TrainConfig(batch_size=1, frames=4, time_shift=3, image_batch_prob=1.0))[0]
    assert image.shape[2] == 1


def test_pan_share_sets_how_many_scenes_pan_and_none_keeps_the_worlds_stream():
    def pans(share, n=400):
        rng = np.random.default_rng(0)
        return [training_spec(rng, HELD_OUT, share).pan is not None for _ in range(n)]
    assert sum(pans(0.0)) == 0 and sum(pans(1.0)) == 400
    assert 0.2 < np.mean(pans(None)) < 0.3
    assert 0.45 < np.mean(pans(0.6)) < 0.75
    # None draws nothing extra, so a data seed replays the scenes it gave before pan_share existed
    rng_new, rng_old = np.random.default_rng(1), np.random.default_rng(1)
    for _ in range(20):
        old = sample_spec(rng_old)
        while is_held_out(old, HELD_OUT):
            old = sample_spec(rng_old)
        assert training_spec(rng_new, HELD_OUT) == old


def test_rendering_workers_give_the_same_batches_as_rendering_in_the_loop():
    cfg = TrainConfig(batch_size=2, frames=4, data_workers=2)
    loaded = iter(stream_batches(cfg, first=7))  # a resumed run starts the stream mid-way
    for index in (7, 8):
        video, captions = next(loaded)
        expected_video, expected_captions = RenderedBatches(replace(cfg, data_workers=0))[index]
        assert video.dtype == torch.uint8 and torch.equal(video, expected_video)
        assert captions == expected_captions


def test_training_runs_checkpoints_and_resumes(tmp_path):
    cfg = TrainConfig(width=32, depth=1, heads=2, text_width=16, text_depth=1, batch_size=2, frames=4,
                      vae_minutes=0.02, vae_batch_frames=4, checkpoint_minutes=100, time_shift=2,
                      mask_probs=(("first_k", 1.0), ("last_k", 1.0)))  # every window may slide
    logs = []
    train(cfg, minutes=5, out=tmp_path, log=logs.append, max_steps=2)
    first = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"]
    rows = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert first == 2 and all(np.isfinite(r["loss"]) for r in rows)
    train(cfg, minutes=5, out=tmp_path, log=logs.append, max_steps=3)
    assert json.loads(next(line for line in logs if "resumed" in line))["resumed"] == 2
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 3


def test_learning_rate_warms_up_then_holds_or_cools_down_to_zero():
    constant = TrainConfig(lr=1e-3, warmup_steps=10)
    assert learning_rate(constant, 0) == pytest.approx(1e-4) and learning_rate(constant, 5000) == 1e-3
    cooled = replace(constant, lr_decay_until=110)
    assert learning_rate(cooled, 9) == pytest.approx(1e-3)  # end of warm-up: full rate
    assert learning_rate(cooled, 60) == pytest.approx(5e-4)  # halfway down
    assert learning_rate(cooled, 110) == 0 and learning_rate(cooled, 200) == 0  # stays at 0 past the end


def test_export_then_start_a_new_run_from_the_exported_weights(tmp_path):
    cfg = TrainConfig(width=32, depth=1, heads=2, text_width=16, text_depth=1, batch_size=2, frames=4,
                      vae_minutes=0.02, vae_batch_frames=4)
    run, weights, more = tmp_path / "run", tmp_path / "weights", tmp_path / "more"
    train(cfg, minutes=5, out=run, log=lambda _: None, max_steps=2)
    export(run, weights)
    assert json.loads((weights / "train_config.json").read_text())["step"] == 2
    exported = TinyWorldPipeline.from_pretrained(weights).transformer.state_dict()
    shutil.copytree(weights / "vae", more / "vae")
    train(cfg, minutes=5, out=more, log=lambda _: None, max_steps=0, init=weights)
    started = torch.load(more / "checkpoint.pt", weights_only=True)
    assert started["step"] == 0
    for key, value in exported.items():
        assert torch.equal(started["models"][f"transformer.{key}"], value), key
    export(more, weights)  # over the folder it started from: the lineage is read first
    made = json.loads((weights / "train_config.json").read_text())
    assert made["step"] == 0
    assert made["lineage"] == [{"steps": 2, "data_seed": cfg.data_seed, "batch_size": 2, "batch_reuse": cfg.batch_reuse,
                                "device": "cpu"}]


def test_report_has_the_steps_the_loss_curve_and_the_evaluation(tmp_path):
    cfg = TrainConfig(width=32, depth=1, heads=2, text_width=16, text_depth=1, batch_size=2, frames=4,
                      vae_minutes=0.02, vae_batch_frames=4)
    run, weights = tmp_path / "run", tmp_path / "weights"
    train(cfg, minutes=5, out=run, log=lambda _: None, max_steps=25)  # one logged row
    export(run, weights)
    fidelity = tmp_path / "fidelity.json"
    fidelity.write_text(json.dumps({"n": 4, "model": {"presence": 0.25}}))
    text = write_report(run, weights, fidelity).read_text()
    assert "25 transformer steps of 2 clips" in text and "on a 2-core CPU" in text
    assert '"presence": 0.25' in text and (weights / "loss.png").stat().st_size > 1000


def test_decoder_fine_tunes_on_the_transformers_latents_and_leaves_the_encoder(folder, tmp_path):
    pipe = TinyWorldPipeline.from_pretrained(folder)
    clean = torch.randn(2, pipe.vae.config.latent_channels, 3, 8, 8)
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(denoise_from(pipe, clean, ["", ""], 0.0, generator), clean)  # no noise: nothing to undo
    made = denoise_from(pipe, clean, ["", ""], 0.5, generator)
    assert made.shape == clean.shape and not torch.allclose(made, clean)
    train_decoder(folder, tmp_path / "vae", minutes=0.01, clips=2, batch_frames=8, log=lambda _: None)
    tuned = TinyVideoAutoencoder.from_pretrained(tmp_path / "vae").state_dict()
    before = pipe.vae.state_dict()
    assert all(torch.equal(tuned[k], v) for k, v in before.items() if k.startswith("encoder."))
    assert any(not torch.equal(tuned[k], v) for k, v in before.items() if k.startswith("decoder."))


def test_command_line_generates_with_tinyworld(folder, tmp_path):
    from pipeline.__main__ import main
    from pipeline.video_io import read_video

    out = tmp_path / "clip.mp4"
    assert main(["generate", "--model", "tinyworld", "--weights", str(folder), "--mode", "t2v", "--prompt", PROMPT,
                 "--seed", "0", "--frames", "4", "--steps", "2", "--out", str(out)]) == 0
    frames, fps = read_video(out)
    assert frames.shape == (4, 64, 64, 3) and fps == 8.0
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["model"] == "tinyworld" and sidecar["caption"] == parse(PROMPT).caption
    assert main(["generate", "--model", "tinyworld", "--weights", str(folder), "--mode", "extend", "--prompt", PROMPT, "--video", str(out),
                 "--keep", "2", "--frames", "4", "--steps", "2", "--join", "--out", str(tmp_path / "longer.mp4")]) == 0
    assert read_video(tmp_path / "longer.mp4")[0].shape == (6, 64, 64, 3)


def test_each_mode_hands_the_pipeline_its_window_guidance_and_step_callback(folder, monkeypatch):
    """What the backend passes on: the given frames' indices and the window's start time per mode,
    the request's guidance, and the step callback that drives progress bars and Stop."""
    seen = []
    real_call = TinyWorldPipeline.__call__

    def spy(self, *args, **kwargs):
        seen.append(kwargs)
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(TinyWorldPipeline, "__call__", spy)
    monkeypatch.setattr(TinyWorldPipeline, "estimate_time", lambda self, prompt, video: 0)
    steps = []
    pipe = load("tinyworld", weights=folder)
    pipe.generate(request("t2v", guidance=4.5), progress=lambda step, total: steps.append((step, total)))
    pipe.generate(request("i2v", image=clip()[3]))
    pipe.generate(request("interpolate", video=clip()[[0, 5]]))
    pipe.generate(request("extend", video=clip(10), keep=3))
    t2v, i2v, interpolate, extend = seen
    assert t2v["guidance_scale"] == 4.5 and t2v["keep"] is None and t2v["first_frame_time"] == 0
    assert steps == [(1, 2), (2, 2)]  # the request's 2 steps, each reported
    assert i2v["keep"] == [0] and i2v["first_frame_time"] == 0
    assert interpolate["keep"] == [0, 5] and interpolate["first_frame_time"] == 0
    assert extend["keep"] == [0, 1, 2] and extend["first_frame_time"] == 5  # 8 timed frames from 0, the last 3 kept
