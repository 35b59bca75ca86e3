"""Which frames condition each mode, what joined() returns, and that a drawn seed replays: pinned at
the boundary, on the shipped tinyworld weights (a random model would not reproduce its given frames).

    .venv/bin/python -m pytest -q tests/test_mode_wiring.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline import GenerationRequest, load
from pipeline.request import GenerationResult
from pipeline.video_io import read_video
from world import parse
from world.render import make_clip

pytestmark = pytest.mark.usefixtures("single_thread")

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "a red ball moves from left to right"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


# ----------------------------------------------------------------------------------------
# joined(): the input once, the new frames on the side they were made
# ----------------------------------------------------------------------------------------


def numbered(count: int, start: int) -> np.ndarray:
    """Frames whose every pixel is their number, so a wrong slice shows: uint8 (count, 2, 2, 3)."""
    return np.stack([np.full((2, 2, 3), start + i, np.uint8) for i in range(count)])


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_joined_attaches_the_new_frames_on_their_side_and_the_input_once(direction):
    video, keep = numbered(5, 0), 2  # input frames 0..4
    frames = numbered(6, 100)  # output 100..105: the `keep` given ones first (forward) or last (backward)
    request = GenerationRequest("extend", "x", video=video, direction=direction, keep=keep)
    result = GenerationResult(frames, 8.0, request, 0, {}, 0, "tinyworld", "sha256:0", [])
    got = result.joined()[:, 0, 0, 0].tolist()
    if direction == "forward":
        assert got == [0, 1, 2, 3, 4, 102, 103, 104, 105]  # input, then the output after its kept frames
    else:
        assert got == [100, 101, 102, 103, 0, 1, 2, 3, 4]  # the output before its kept frames, then the input
    assert GenerationResult(frames, 8.0, GenerationRequest("t2v", "x"), 0, {}, 0, "t", "h", []).joined() is frames


# ----------------------------------------------------------------------------------------
# Extension conditions on the end it continues from
# ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tinyworld():
    return load("tinyworld")


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_tinyworld_extension_keeps_the_frames_at_the_end_it_continues(tinyworld, direction):
    clip = make_clip(parse(PROMPT).spec, seed=0, frames=16).frames  # (16, 64, 64, 3): the ball crosses the frame
    keep = 4
    out = tinyworld.generate(GenerationRequest("extend", PROMPT, video=clip, direction=direction, keep=keep,
                                               frames=12, seed=0)).frames
    given = out[:keep] if direction == "forward" else out[-keep:]
    right = clip[-keep:] if direction == "forward" else clip[:keep]
    wrong = clip[:keep] if direction == "forward" else clip[-keep:]
    assert psnr(given, right) > 28, psnr(given, right)  # the kept frames, through the autoencoder
    assert psnr(given, right) > psnr(given, wrong) + 5, (psnr(given, right), psnr(given, wrong))


def test_tinyworld_image_to_video_starts_from_the_image(tinyworld):
    clip = make_clip(parse(PROMPT).spec, seed=0, frames=16).frames
    out = tinyworld.generate(GenerationRequest("i2v", PROMPT, image=clip[10], seed=0)).frames
    assert psnr(out[0], clip[10]) > 28 and psnr(out[0], clip[10]) > psnr(out[0], clip[0]) + 5


# ----------------------------------------------------------------------------------------
# A seed drawn at random is the seed that made the noise
# ----------------------------------------------------------------------------------------


def test_a_drawn_seed_replays_the_same_video_through_the_api(tinyworld):
    first = tinyworld.generate(GenerationRequest("t2v", PROMPT, steps=4))
    again = tinyworld.generate(GenerationRequest("t2v", PROMPT, steps=4, seed=first.seed))
    assert first.request.seed == first.seed
    assert np.array_equal(first.frames, again.frames)
    other = tinyworld.generate(GenerationRequest("t2v", PROMPT, steps=4, seed=(first.seed + 1) % 2**32))
    assert not np.array_equal(first.frames, other.frames)


def test_a_drawn_seed_replays_the_same_video_through_the_cli(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    base = [sys.executable, "-m", "pipeline", "generate", "--model", "tinyworld", "--prompt", PROMPT, "--steps", "4"]
    drawn = subprocess.run([*base, "--out", str(tmp_path / "a.mp4")], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert drawn.returncode == 0, drawn.stderr
    seed = json.loads((tmp_path / "a.json").read_text())["seed"]
    assert f"seed {seed}," in drawn.stdout
    replay = subprocess.run([*base, "--seed", str(seed), "--out", str(tmp_path / "b.mp4")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert replay.returncode == 0, replay.stderr
    assert np.array_equal(read_video(tmp_path / "a.mp4")[0], read_video(tmp_path / "b.mp4")[0])


# ----------------------------------------------------------------------------------------
# load(): the weights asked for, one pipeline per (card, folder, device), what it records
# ----------------------------------------------------------------------------------------


def test_load_uses_the_weights_folder_it_is_given(tmp_path):
    from pipeline.errors import WeightsMissingError

    with pytest.raises(WeightsMissingError) as missing:
        load("tinyworld", weights=tmp_path)  # an empty folder: nothing to load, and the error says where
    assert str(tmp_path) in str(missing.value)


def test_load_keeps_one_pipeline_per_card_folder_and_device(tinyworld, tmp_path):
    import shutil

    from pipeline.weights import weights_hash

    assert load("tinyworld") is tinyworld and load("tinyworld", device="cpu") is tinyworld
    copy = shutil.copytree(tinyworld.folder, tmp_path / "copy")
    other = load("tinyworld", weights=copy)
    assert other is not tinyworld and other.folder == copy
    assert tinyworld.weights_hash == weights_hash(tinyworld.folder) and tinyworld.weights_hash.startswith("sha256:")
    assert 0 < other.load_seconds < 120
    result = other.generate(GenerationRequest("t2v", PROMPT, steps=2, frames=4, seed=0))
    assert result.weights_hash == tinyworld.weights_hash and result.model == "tinyworld"


def test_generate_reports_each_step_rounds_only_when_asked_and_measures_memory(tinyworld):
    from pipeline.errors import RequestError

    steps = []
    result = tinyworld.generate(GenerationRequest("t2v", PROMPT, steps=3, frames=4, seed=0),
                                progress=lambda step, total: steps.append((step, total)))
    assert steps == [(1, 3), (2, 3), (3, 3)]
    assert 100 * 2**20 < result.peak_memory_bytes < 64 * 2**30  # this process's peak RSS, in bytes
    odd = GenerationRequest("t2v", PROMPT, steps=2, frames=17, seed=0)  # tinyworld makes 1..16 frames
    with pytest.raises(RequestError, match="frames: 17"):
        tinyworld.generate(odd)
    rounded = tinyworld.generate(odd, round_to_allowed=True)
    assert len(rounded.frames) == 16 and any(note.startswith("frames: 17 rounded to 16") for note in rounded.notes)


# ----------------------------------------------------------------------------------------
# The pipeline around any backend: which backend a card loads, what generate() checks and records
# ----------------------------------------------------------------------------------------


class FakeBackend:
    """Takes 0.05 s before its steps and 0.1 s after the last one; returns `frames` (or the request's shape)."""

    notes = ["loaded with a note"]

    def __init__(self, frames: np.ndarray | None = None):
        self.frames = frames

    def generate(self, request, generator, callback):
        import time

        time.sleep(0.05)
        for step in range(request.steps):
            callback(step + 1, request.steps)
        time.sleep(0.1)
        frames = np.zeros((request.frames, request.height, request.width, 3), np.uint8) if self.frames is None else self.frames
        return frames, {"notes": ["from the backend"], "caption": "the caption", "audio": "a sound"}


def fake_pipeline(monkeypatch, backend: FakeBackend, device: str = "cpu"):
    from pipeline import api
    from pipeline.registry import get_card

    monkeypatch.setattr(api, "_load_backend", lambda card, folder, device: backend)
    return api.VideoPipeline(get_card("tinyworld"), Path("/weights"), device)


def test_each_card_loads_through_its_own_backend(monkeypatch, tmp_path):
    import dataclasses

    import pipeline.diffusers_backend as diffusers_backend
    from pipeline import api
    from pipeline.errors import BackendError
    from pipeline.registry import get_card

    made = []
    monkeypatch.setattr(diffusers_backend, "DiffusersBackend", lambda *args: made.append(args) or "a diffusers backend")
    card = get_card("ltx-video")
    assert api._load_backend(card, tmp_path, "cpu") == "a diffusers backend" and made == [(card, tmp_path, "cpu")]
    with pytest.raises(BackendError, match="ltx-video: unknown backend 'onnx'"):
        api._load_backend(dataclasses.replace(card, backend="onnx"), tmp_path, "cpu")
    assert api.default_device() == "cpu"  # this machine has no GPU


def test_generate_times_each_stage_and_keeps_every_note(monkeypatch):
    pipe = fake_pipeline(monkeypatch, FakeBackend())
    assert repr(pipe) == "VideoPipeline('tinyworld', folder='/weights', device='cpu')"
    result = pipe.generate(GenerationRequest("t2v", PROMPT, steps=2, frames=4, seed=0, width=64, height=64), round_to_allowed=True)
    t = result.timings
    assert t["denoise"] >= 0.05 and t["decode"] >= 0.1 and t["validate"] < 0.05
    assert t["total"] == pytest.approx(t["validate"] + t["denoise"] + t["decode"], abs=1e-3)
    assert result.notes[0] == "loaded with a note" and result.notes[-1] == "from the backend"
    assert (result.caption, result.audio, result.fps, result.seed) == ("the caption", "a sound", result.request.fps, 0)


def test_generate_refuses_frames_of_the_wrong_shape_or_type(monkeypatch):
    from pipeline.errors import BackendError

    request = GenerationRequest("t2v", PROMPT, steps=1, frames=4, seed=0, width=64, height=64)
    short = fake_pipeline(monkeypatch, FakeBackend(np.zeros((3, 64, 64, 3), np.uint8)))
    with pytest.raises(BackendError, match=r"tinyworld: the backend returned uint8 \(3, 64, 64, 3\); expected uint8 \(4, 64, 64, 3\)"):
        short.generate(request)
    floats = fake_pipeline(monkeypatch, FakeBackend(np.zeros((4, 64, 64, 3), np.float32)))
    with pytest.raises(BackendError, match="returned float32"):
        floats.generate(request)


SMALL = GenerationRequest("t2v", PROMPT, steps=1, frames=4, seed=1234, width=64, height=64)


def test_a_gpu_is_the_default_device_where_there_is_one(monkeypatch):
    from pipeline import api

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert api.default_device() == "cuda"


def test_the_tinyworld_card_loads_its_backend_on_the_pipelines_device(monkeypatch, tmp_path):
    import pipeline.tinyworld.backend as tinyworld_backend
    from pipeline import api
    from pipeline.registry import get_card

    made = []
    monkeypatch.setattr(tinyworld_backend, "load_tinyworld", lambda *args: made.append(args) or FakeBackend())
    monkeypatch.setattr(api, "weights_hash", lambda folder: "a hash")
    pipe = api.VideoPipeline(get_card("tinyworld"), tmp_path, "cuda:1")
    assert made == [(tmp_path, "cuda:1")] and pipe.load_notes == ["loaded with a note"]


class SeedRecorder(FakeBackend):
    def generate(self, request, generator, callback):
        self.generator = (generator.initial_seed(), generator.device.type)
        return super().generate(request, generator, callback)


def test_the_backend_draws_its_noise_from_a_cpu_generator_seeded_with_the_request(monkeypatch):
    backend = SeedRecorder()
    fake_pipeline(monkeypatch, backend).generate(SMALL)
    assert backend.generator == (1234, "cpu")


def test_on_a_gpu_the_peak_memory_is_the_devices_during_this_call(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", lambda device: calls.append(("reset", device)))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device: calls.append(("peak", device)) or 123_456_789)
    result = fake_pipeline(monkeypatch, FakeBackend(), device="cuda:1").generate(SMALL)
    assert result.peak_memory_bytes == 123_456_789 and calls == [("reset", "cuda:1"), ("peak", "cuda:1")]


def test_on_a_cpu_the_peak_memory_is_the_processes_peak_resident_set_in_bytes(monkeypatch):
    from types import SimpleNamespace

    from pipeline import api

    monkeypatch.setattr(api.resource, "getrusage", lambda who: SimpleNamespace(ru_maxrss=1000))  # Linux: KiB
    assert fake_pipeline(monkeypatch, FakeBackend()).generate(SMALL).peak_memory_bytes == 1_024_000


def test_a_backend_that_returns_no_array_is_refused_with_its_type(monkeypatch):
    from pipeline.errors import BackendError

    with pytest.raises(BackendError) as refused:
        fake_pipeline(monkeypatch, FakeBackend([[0, 0, 0]])).generate(SMALL)
    assert str(refused.value) == "tinyworld: the backend returned ? list; expected uint8 (4, 64, 64, 3)"


class QuietBackend(FakeBackend):
    notes = []

    def generate(self, request, generator, callback):
        frames, _ = super().generate(request, generator, callback)
        return frames, {}


def test_a_backend_may_return_no_notes_caption_or_sound(monkeypatch):
    result = fake_pipeline(monkeypatch, QuietBackend()).generate(SMALL)
    assert (result.notes, result.caption, result.audio, result.frames.shape) == ([], None, None, (4, 64, 64, 3))
