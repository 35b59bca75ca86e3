"""The app's handlers called directly: every tab makes real output, bad input is a message naming
the field, Stop ends a generation within two steps, and 1,000 generated requests end in a video
or a clear error.

    .venv/bin/python -m pytest -q tests/test_app_handlers.py
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline.video_io import write_mp4
from ui import extend, image_to_video, probes, shared, text_to_video
from world import parse
from world.render import make_clip

ADV = dict(seed=0, randomize=False, steps=2, guidance=3.0, frames=4, size="64x64", fps=8)


@pytest.fixture()
def app(tmp_path):
    shared.configure(tmp_path / "outputs", tmp_path / "t.db")
    return tmp_path


def run(handler, *args, **kwargs) -> list[tuple]:
    """Every update a generator handler yields (the video first, then the metrics)."""
    return list(handler(*args, progress=None, **kwargs))


def advanced(**changes) -> list:
    values = {**ADV, **changes}
    return [values[k] for k in ("seed", "randomize", "steps", "guidance", "frames", "size", "fps")]


def rows() -> int:
    return len(shared.table().generations())


def world_png(path: Path, prompt: str = "a red ball falls and bounces", mode: str = "RGB", size=(64, 64)) -> str:
    frame = make_clip(parse(prompt).spec, seed=0, frames=1, width=64, height=64).frames[0]
    Image.fromarray(frame).convert(mode).resize(size).save(path)
    return str(path)


def world_mp4(path: Path, frames: int = 8, prompt: str = "a red ball falls and bounces") -> str:
    clip = make_clip(parse(prompt).spec, seed=0, frames=frames, width=64, height=64).frames
    return str(write_mp4(path, clip, fps=8))


# ---------------------------------------------------------------- every tab makes real output


def test_text_to_video_yields_the_video_and_row_then_the_metrics(app):
    first, last = run(text_to_video.t2v, "a red ball passes behind a wall 🎈", "", "tinyworld", *advanced(frames=8))
    video, row, seed, info, metrics, image = last
    assert first[:3] == last[:3] and Path(video).is_file() and seed == 0 and image is None  # a clip, not an image
    assert "computing" in first[4]["value"].iloc[0]
    assert "'🎈'" in info and "was given no direction" in info  # said, not refused
    table = shared.table()
    assert table.generations()["id"].tolist() == [row]
    by_metric = table.metrics().set_index("metric")
    assert by_metric.loc["flicker", "value"] > 0 and by_metric.loc["motion_magnitude", "value"] >= 0
    assert {"presence", "permanence"} <= set(table.verdicts()["probe"])
    assert "probe: presence" in set(metrics["measure"])


def test_a_model_that_makes_sound_plays_it_in_the_app(app, tiny_weights, monkeypatch):
    from pipeline.registry import weights_env_var
    from pipeline.video_io import read_audio

    monkeypatch.setenv(weights_env_var("ltx-2"), str(tiny_weights["ltx-2"]))
    *_, (video, row, _seed, info, _metrics, _image) = run(text_to_video.t2v, "a red ball falls", "", "ltx-2",
                                                  *advanced(frames=17, size="64x64", fps=24))
    sound = read_audio(video)  # the file the gr.Video plays, and the table's copy, is one mp4 with AAC in it
    assert sound is not None and sound.sample_rate == 16000 and sound.channels == 2
    assert "sound: 16000 Hz, 2 channels" in info
    assert Path(shared.table().generations().set_index("id").loc[row, "video_path"]) == Path(video)


def test_randomize_draws_a_seed_and_shows_it(app):
    *_, (video, row, seed, info, _, _image) = run(text_to_video.t2v, "a blue box falls", "", "tinyworld", *advanced(randomize=True))
    assert isinstance(seed, int) and f"seed `{seed}`" in info
    assert shared.table().generations().set_index("id").loc[row, "seed"] == seed


def test_image_to_video_starts_from_the_uploaded_image(app):
    image = world_png(app / "first.png")
    *_, (video, row, *_rest) = run(image_to_video.i2v, image, "a red ball falls and bounces", "", "tinyworld", *advanced())
    assert Path(video).is_file() and shared.table().generations().set_index("id").loc[row, "mode"] == "i2v"


def test_image_to_video_examples_are_world_frames(app):
    examples = image_to_video.example_images()
    assert len(examples) == 3 and all(Path(path).is_file() and parse(prompt) for path, prompt in examples)


def test_extend_forward_and_backward_give_the_new_part_and_the_joined_clip(app):
    clip = world_mp4(app / "clip.mp4", frames=8)
    for direction in ("forward", "backward"):
        *_, last = run(extend.extend, clip, "a red ball falls and bounces", direction, 2, "", "tinyworld",
                       *advanced(frames=6))
        new, row, _seed, _info, _metrics, _image, joined = last
        from pipeline.video_io import read_video

        assert read_video(new)[0].shape[0] == 6 and read_video(joined)[0].shape[0] == 8 + 6 - 2
    assert rows() == 2


def test_take_the_last_result_is_this_sessions_latest_clip(app):
    session = SimpleNamespace(session_hash="abc")
    with pytest.raises(gr.Error, match="video: this session has no result yet"):
        extend.take_last(session)
    *_, (video, *_rest) = run(text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(), request=session)
    assert extend.take_last(session) == video
    with pytest.raises(gr.Error):
        extend.take_last(SimpleNamespace(session_hash="someone else"))


def test_fill_in_from_two_keyframes_and_from_a_clip(app):
    a, b = world_png(app / "a.png"), world_png(app / "b.png", "a red ball moves right", size=(96, 64))
    *_, (video, *_rest) = run(extend.interpolate, a, b, None, "", "a red ball falls and bounces", "", "tinyworld",
                              *advanced(frames=5))
    assert Path(video).is_file()
    clip = world_mp4(app / "clip.mp4", frames=8)
    *_, (video, row, _seed, info, _m, _image) = run(extend.interpolate, None, None, clip, "2-5", "a red ball falls and bounces",
                                            "", "tinyworld", *advanced())
    assert "frames 0, 1, 6, 7 of the 8-frame clip kept" in info
    with pytest.raises(gr.Error, match="frames to regenerate: '9-12' is outside 0-7"):
        run(extend.interpolate, None, None, clip, "9-12", "a red ball falls", "", "tinyworld", *advanced())


def test_probe_shows_evidence_verdicts_and_the_ground_truth(app):
    prompt = probes.suite_prompts("left/right")[0]
    first, last = run(probes.probe, "left/right", prompt, "tinyworld", *advanced(steps=4, frames=16))
    evidence, row, verdicts, truth, truth_verdicts, info = last
    assert Path(evidence).is_file() and Path(truth).is_file()
    assert set(verdicts["verdict"]) <= {"pass", "fail", "inconclusive"} and "left_right" in set(verdicts["probe"])
    assert (truth_verdicts["verdict"] == "pass").all()  # the world's own clip passes its probes
    assert shared.table().verdicts().groupby("generation_id").size()[row] == len(verdicts)


def test_a_probe_prompt_outside_the_grammar_names_the_words(app):
    with pytest.raises(gr.Error, match="prompt: unknown word"):
        run(probes.probe, "physics", "a cat sleeps", "tinyworld", *advanced())


# ---------------------------------------------------------------- bad input: a message naming the field


@pytest.fixture()
def bad_files(app):
    corrupt = app / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    truncated = app / "truncated.png"
    truncated.write_bytes(Path(world_png(app / "whole.png")).read_bytes()[:200])
    not_video = app / "notes.mp4"
    not_video.write_text("hello")
    empty_clip = app / "empty.mp4"
    empty_clip.write_bytes(b"")
    huge = app / "huge.png"
    Image.new("RGB", (9000, 5000)).save(huge)
    return dict(corrupt=str(corrupt), truncated=str(truncated), tiny=world_png(app / "tiny.png", size=(1, 1)),
                huge=str(huge), not_video=str(not_video), empty_clip=str(empty_clip))


@pytest.mark.parametrize(("case", "field"), [
    (lambda f: (text_to_video.t2v, "", "", "tinyworld", *advanced()), "prompt"),
    (lambda f: (text_to_video.t2v, "a red cat jumps", "", "tinyworld", *advanced()), "unknown words: 'cat', 'jumps'"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(steps=1000)), "steps"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(frames=99)), "frames"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(size="65x64")), "size"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(size="big")), "size"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(guidance=-1)), "guidance"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(fps=0)), "fps"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(seed=-5)), "seed"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "ltx-video", *advanced()), "model: ltx-video"),
    (lambda f: (text_to_video.t2v, "a red ball falls", "", "no-such-model", *advanced()), "no-such-model"),
    (lambda f: (image_to_video.i2v, None, "a red ball falls", "", "tinyworld", *advanced()), "image: no image"),
    (lambda f: (image_to_video.i2v, f["corrupt"], "a red ball falls", "", "tinyworld", *advanced()), "image: corrupt.png"),
    (lambda f: (image_to_video.i2v, f["truncated"], "a red ball falls", "", "tinyworld", *advanced()), "image: truncated.png"),
    (lambda f: (image_to_video.i2v, f["tiny"], "a red ball falls", "", "tinyworld", *advanced()), "image: tiny.png is 1x1"),
    (lambda f: (image_to_video.i2v, f["huge"], "a red ball falls", "", "tinyworld", *advanced()), "image: huge.png is 9000x5000"),
    (lambda f: (extend.extend, f["not_video"], "a red ball falls", "forward", 2, "", "tinyworld", *advanced()), "clip: notes.mp4"),
    (lambda f: (extend.extend, f["empty_clip"], "a red ball falls", "forward", 2, "", "tinyworld", *advanced()), "clip: empty.mp4"),
    (lambda f: (extend.extend, None, "a red ball falls", "forward", 2, "", "tinyworld", *advanced()), "clip: no clip"),
    (lambda f: (extend.interpolate, None, None, None, "", "a red ball falls", "", "tinyworld", *advanced()), "first_keyframe / last_keyframe: give both"),
    (lambda f: (probes.probe, "physics", "", "tinyworld", *advanced()), "prompt: empty"),
    (lambda f: (probes.probe, "weather", "a red ball falls", "tinyworld", *advanced()), "category"),
])
def test_bad_input_is_a_message_naming_the_field_and_keeps_every_row(app, bad_files, case, field):
    run(text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(frames=2, steps=1))
    handler, *args = case(bad_files)
    with pytest.raises(gr.Error) as error:
        run(handler, *args)
    assert field in error.value.message
    assert rows() == 1 and shared.table().db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_cmyk_image_is_converted_with_a_note(app):
    image = world_png(app / "cmyk.jpg", mode="CMYK")
    from ui.uploads import load_image

    rgb, notes = load_image(image)
    assert rgb.shape == (64, 64, 3) and rgb.dtype == np.uint8 and "converted from CMYK" in notes[0]
    *_, (video, *_rest) = run(image_to_video.i2v, image, "a red ball falls", "", "tinyworld", *advanced())
    assert Path(video).is_file()


# ---------------------------------------------------------------- Stop


def test_stop_ends_a_generation_within_two_steps_and_the_next_request_runs(app):
    session = SimpleNamespace(session_hash="stopper")
    seen = []

    def progress(value, desc=None):
        seen.append(value[0])
        if value[0] == 3:
            shared.stop(session)

    with pytest.raises(gr.Error, match="stopped after denoising step") as error:
        list(text_to_video.t2v("a red ball falls", "", "tinyworld", *advanced(steps=40, frames=2), request=session,
                               progress=progress))
    stopped_at = int(error.value.message.split("step ")[1].split()[0])
    assert stopped_at <= 3 + 2 and max(seen) <= 3 + 2
    assert rows() == 0  # nothing half written
    *_, (video, *_rest) = run(text_to_video.t2v, "a red ball falls", "", "tinyworld", *advanced(), request=session)
    assert Path(video).is_file() and rows() == 1


# ---------------------------------------------------------------- 1,000 generated requests

PROMPTS = st.one_of(st.sampled_from(["a red ball falls", "一个蓝色的方块落下", "a green ball moves left 🚀"]),
                    st.text(max_size=40), st.just(""), st.sampled_from(["a dog runs", "∑∫≈", "a red ball " * 300]))
FIELDS = dict(
    seed=st.one_of(st.integers(0, 2**40), st.integers(-10, -1), st.none(), st.floats(allow_nan=True)),
    randomize=st.booleans(),
    steps=st.one_of(st.integers(1, 2), st.integers(-3, 0), st.integers(101, 10**6), st.floats(allow_nan=True), st.none()),
    guidance=st.one_of(st.floats(0, 8), st.floats(-5, -0.1), st.floats(31, 1e9), st.just(float("nan")), st.none()),
    frames=st.one_of(st.integers(1, 3), st.integers(-2, 0), st.integers(17, 10**4), st.just(2.5), st.none()),
    size=st.one_of(st.sampled_from(["64x64", "96x64", "64x96"]), st.sampled_from(["0x0", "64x", "x", "1e9x64", "64X64 "]),
                   st.text(max_size=8), st.none()),
    fps=st.one_of(st.floats(1, 60), st.floats(-10, 0), st.floats(121, 1e12), st.just(float("inf")), st.none()),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(prompt=PROMPTS, **FIELDS)
def test_every_generated_request_ends_in_a_video_or_a_clear_error(prompt, seed, randomize, steps, guidance, frames,
                                                                  size, fps):
    try:
        *_, last = run(text_to_video.t2v, prompt, "", "tinyworld", seed, randomize, steps, guidance, frames, size, fps)
    except gr.Error as error:
        message = error.message
        assert message and ":" in message and "Traceback" not in message, message
        return
    video, image = last[0], last[5]
    assert (Path(image).suffix == ".png" and video is None) if frames == 1 else Path(video).is_file()  # one frame: an image


@pytest.fixture(autouse=True, scope="module")
def _outputs_for_hypothesis(tmp_path_factory):
    """The hypothesis test has no function-scoped fixture; it writes here."""
    folder = tmp_path_factory.mktemp("hypothesis")
    shared.configure(folder / "outputs", folder / "t.db")
    yield


def test_threads_share_no_table_connection(app):
    """Handlers run in Gradio's worker threads: each thread gets its own sqlite connection."""
    tables = []
    thread = threading.Thread(target=lambda: tables.append(shared.table()))
    thread.start(), thread.join()
    assert tables[0] is not shared.table()


def test_model_note_shows_the_gpu_memory_beside_the_name_and_an_empty_negative_box_means_the_recommended():
    from pipeline.registry import LTX_NEGATIVE, MODELS
    from ui import widgets

    for name, card in MODELS.items():
        note = shared.model_note(name, "t2v")
        assert note.startswith(f"**{name}**") and f"GPU memory: {card.memory.gpu}" in note
    request = widgets.make_request("t2v", "a cat", "  ", {})
    assert request.negative_prompt is None
    assert request.resolve(MODELS["ltx-video"])[0].negative_prompt == LTX_NEGATIVE
    assert widgets.make_request("t2v", "a cat", "blurry", {}).negative_prompt == "blurry"
