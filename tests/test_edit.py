"""Editing a video with words (mode `edit`) and making an image (one frame, logged as `t2i`), on tinyworld:
the request's checks, the same seed replaying the same edit, the app's Edit tab and the CLI.

    .venv/bin/python -m pytest -q tests/test_edit.py
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest

from pipeline import load
from pipeline.errors import RequestError
from pipeline.registry import get_card
from pipeline.request import GenerationRequest
from pipeline.video_io import read_video, write_mp4
from ui import edit, shared, text_to_video
from world import parse
from world.render import make_clip

ROOT = Path(__file__).resolve().parent.parent
TINY = get_card("tinyworld")
SOURCE_PROMPT, EDITED_PROMPT = "a red ball falls and bounces", "a blue ball falls and bounces"


def world_clip(frames: int = 8, prompt: str = SOURCE_PROMPT) -> np.ndarray:
    return make_clip(parse(prompt).spec, seed=0, frames=frames, width=64, height=64).frames  # (T, 64, 64, 3)


def edit_request(**changes) -> GenerationRequest:
    return GenerationRequest(**{"mode": "edit", "prompt": EDITED_PROMPT, "video": world_clip(), "seed": 0,
                                "steps": 4, **changes})


# ---------------------------------------------------------------- the request


@pytest.mark.parametrize("changes, message", [
    (dict(video=None), r"video: None; mode 'edit' needs the clip to edit"),
    (dict(strength=0.0), r"strength: 0\.0 is not a number in \(0, 1\]"),
    (dict(strength=1.5), r"strength: 1\.5 is not a number in \(0, 1\]"),
    (dict(strength=float("nan")), r"strength: nan is not a number"),
    (dict(strength=0.2), r"strength: 0\.2 with 4 steps redoes no step; allowed 0\.25 to 1 at 4 steps"),
    (dict(frames=4), r"frames: 4; an edit keeps its source's length \(8 frames here\)"),
    (dict(video=world_clip()[0]), r"video: shape \(64, 64, 3\) is not \(T, H, W, 3\)"),
])
def test_bad_edit_requests_name_the_field(changes, message):
    with pytest.raises(RequestError, match="^" + message):
        edit_request(**changes).resolve(TINY)


def test_an_edit_keeps_its_sources_length_and_a_longer_source_is_cut_with_a_note():
    resolved, notes = edit_request().resolve(TINY)
    assert (resolved.frames, resolved.strength) == (8, TINY.defaults.strength) and notes == []
    resolved, notes = edit_request(video=world_clip(frames=20)).resolve(TINY)
    assert resolved.frames == 16 and resolved.video.shape == (16, 64, 64, 3)
    assert notes == ["video: the first 16 of its 20 frames edited (tinyworld makes any count frames, at most 16)"]


def test_a_card_that_cannot_edit_says_so():
    with pytest.raises(RequestError, match=r"^mode: 'edit': hunyuanvideo-1\.5-t2v cannot do edit \(no video-to-video "
                                           r"pipeline .*; use wan2\.1-t2v-1\.3b, cogvideox-2b, ltx-video or lucy-edit\); "
                                           r"it can do t2v$"):
        edit_request().resolve(get_card("hunyuanvideo-1.5-t2v"))


# ---------------------------------------------------------------- the model


def test_the_same_seed_replays_the_same_edit_and_strength_changes_it():
    pipe = load("tinyworld")
    first = pipe.generate(edit_request(strength=0.5))
    again = pipe.generate(edit_request(strength=0.5))
    stronger = pipe.generate(edit_request(strength=1.0))
    assert first.frames.shape == (8, 64, 64, 3) and np.array_equal(first.frames, again.frames)
    assert not np.array_equal(first.frames, stronger.frames)
    # a weak edit stays nearer its source than a full one (which keeps only the length)
    source = world_clip().astype(float)
    assert np.abs(first.frames - source).mean() < np.abs(stronger.frames - source).mean()


def test_the_edit_steps_are_the_strength_share_of_the_steps():
    steps = []
    load("tinyworld").generate(edit_request(strength=0.5, steps=8), progress=lambda step, total: steps.append(total))
    assert set(steps) == {4}


# ---------------------------------------------------------------- the app


@pytest.fixture()
def app(tmp_path):
    shared.configure(tmp_path / "outputs", tmp_path / "t.db")
    return tmp_path


ADVANCED = ["0", False, 4, 3.0, None, "64x64", 8]  # seed, randomize, steps, guidance, frames (unused), size, fps


def test_the_edit_tab_edits_the_last_result_and_logs_its_source(app):
    session = SimpleNamespace(session_hash="edit-test")
    *_, (source, source_row, *_rest) = text_to_video.t2v(SOURCE_PROMPT, "", "tinyworld", *ADVANCED[:4], 8,
                                                         *ADVANCED[5:], request=session, progress=None)
    clip = shared.last_result(session)
    answers = list(edit.edit(clip, EDITED_PROMPT, 0.6, "", "tinyworld", *ADVANCED, request=session, progress=None))
    video, row, seed, info, metrics, image, shown_source, check = answers[-1]
    assert check.startswith(f"**Edit check** (source: {SOURCE_PROMPT})") and "took: " in check and "kept: " in check
    assert Path(video).is_file() and image is None and read_video(video)[0].shape[0] == 8
    assert read_video(shown_source)[0].shape == (8, 64, 64, 3)  # the source as the model saw it, beside the edit
    generations = shared.table().generations().set_index("id")
    assert generations.loc[row, "mode"] == "edit"
    assert json.loads(generations.loc[row, "request"])["source_generation"] == source_row
    assert "probe: presence" in set(metrics["measure"])  # judged against the new prompt


def test_the_edit_tab_refuses_bad_input_naming_the_field(app):
    clip = str(write_mp4(app / "clip.mp4", world_clip(), fps=8))
    with pytest.raises(gr.Error, match="clip: no clip"):
        list(edit.edit(None, EDITED_PROMPT, 0.6, "", "tinyworld", *ADVANCED, progress=None))
    for strength, message in ((0, r"strength: 0\.0 is not a number in \(0, 1\]"), (1.5, r"strength: 1\.5 is not"),
                              ("much", r"strength: 'much' is not a number")):
        with pytest.raises(gr.Error, match=message):
            list(edit.edit(clip, EDITED_PROMPT, strength, "", "tinyworld", *ADVANCED, progress=None))
    with pytest.raises(gr.Error, match="hunyuanvideo-1.5-t2v cannot do edit"):
        list(edit.edit(clip, EDITED_PROMPT, 0.6, "", "hunyuanvideo-1.5-t2v", *ADVANCED, progress=None))
    assert shared.table().generations().empty  # nothing half-logged


def test_one_frame_is_an_image_logged_as_t2i_with_motion_metrics_not_applicable(app):
    *_, (video, row, _seed, _info, metrics, image) = text_to_video.t2v(
        SOURCE_PROMPT, "", "tinyworld", "0", False, 4, 3.0, 1, "64x64", 8, progress=None)
    assert video is None and image.endswith(".png") and read_video(image)[0].shape == (1, 64, 64, 3)
    table = shared.table()
    assert table.generations().set_index("id").loc[row, "mode"] == "t2i"
    flicker = table.metrics().set_index("metric").loc["flicker"]
    assert flicker["value"] is None and flicker["unavailable"].startswith("not applicable to an image")  # not 0


# ---------------------------------------------------------------- the CLI


def cli(*arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    return subprocess.run([sys.executable, "-m", "pipeline", "generate", "--model", "tinyworld", *arguments], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_cli_edits_a_clip_and_writes_one_frame_as_a_png(tmp_path):
    source = write_mp4(tmp_path / "src.mp4", world_clip(), fps=8)
    done = cli("--mode", "edit", "--video", str(source), "--prompt", EDITED_PROMPT, "--strength", "0.6", "--seed", "0",
               "--steps", "4", "--out", str(tmp_path / "edited.mp4"))
    assert done.returncode == 0, done.stderr
    frames, fps = read_video(tmp_path / "edited.mp4")
    assert frames.shape == (8, 64, 64, 3) and fps == 8
    assert json.loads((tmp_path / "edited.json").read_text())["request"]["strength"] == 0.6
    bad = cli("--mode", "edit", "--video", str(source), "--prompt", EDITED_PROMPT, "--strength", "1.5",
              "--out", str(tmp_path / "bad.mp4"))
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("error: strength: 1.5 is not a number")
    image = cli("--prompt", SOURCE_PROMPT, "--frames", "1", "--seed", "0", "--steps", "4", "--out", str(tmp_path / "one.mp4"))
    assert image.returncode == 0, image.stderr
    assert read_video(tmp_path / "one.png")[0].shape == (1, 64, 64, 3) and not (tmp_path / "one.mp4").exists()
    assert "one frame: written as an image" in image.stderr


# ---------------------------------------------------------------- the world's edit check


def test_the_edit_check_knows_a_perfect_edit_and_an_edit_that_did_nothing():
    from eval.edits import KINDS, edit_cases, edit_took, path_kept

    cases = edit_cases(9, seed=0)
    assert [c.kind for c in cases] == list(KINDS) * 3
    for case in cases:
        assert case.edited.objects[1:] == case.source.objects[1:] and case.edited.subject != case.source.subject
        source = make_clip(case.source, seed=case.seed, frames=16).frames
        truth = make_clip(case.edited, seed=case.seed, frames=16).frames
        if not presence_passes(truth, case):
            continue  # the world's own clip hides its subject (behind an occluder): nothing to judge by
        assert edit_took(truth, truth, source, case) and path_kept(truth, truth, case), case  # the true edit
        assert not edit_took(source, truth, source, case), case  # the source, unedited


def presence_passes(clip, case) -> bool:
    from eval.probes.presence import check
    from world import expectation_for

    return check(clip, expectation_for(case.edited)).status == "pass"


def test_the_edit_check_reports_every_kind_and_strength():
    from eval.edits import evaluate_edits

    report = evaluate_edits(load("tinyworld"), 3, seed=0, strengths=(0.5, 1.0), steps=4)
    assert report["cases"] == 3 and set(report["by_kind"]) == {"colour", "shape", "size"}
    for rates in report["by_strength"].values():
        assert rates["n"] == 3 and 0 <= rates["took_and_kept"] <= min(rates["took"], rates["kept"]) <= 1
        assert 0 < rates["psnr_truth"] < 99


def test_an_edit_suite_runs_through_eval_run(tmp_path):
    from eval.run import execute
    from eval.table import Table

    suite = tmp_path / "edits.yaml"
    suite.write_text("edits:\n  - id: recolour\n    source: a red ball falls and bounces\n"
                     "    prompt: a blue ball falls and bounces\n    strength: 0.5\n", encoding="utf-8")
    result = execute(str(suite), "tinyworld", 1, {"steps": 4}, db=str(tmp_path / "t.db"), outputs=str(tmp_path / "out"))
    rows = Table(tmp_path / "t.db").generations()
    assert len(rows) == 1 and rows["mode"].iloc[0] == "edit" and rows["frames"].iloc[0] == 16
    assert json.loads(rows["request"].iloc[0])["strength"] == 0.5 and "presence" in result["probes"]
    suite.write_text("edits:\n  - id: bad\n    source: a red ball falls\n    prompt: a blue ball falls\n    strength: 1.5\n")
    with pytest.raises(ValueError, match=r"edits\.yaml: edit bad: strength must be a number in \(0, 1\], got 1\.5"):
        execute(str(suite), "tinyworld", 1, {}, db=str(tmp_path / "t.db"))


def test_the_dashboard_shows_an_image_row_as_an_image_and_an_edit_with_its_source(app):
    from ui import dashboard

    session = SimpleNamespace(session_hash="dashboard")
    *_, (_video, image_row, *_rest) = text_to_video.t2v(SOURCE_PROMPT, "", "tinyworld", "0", False, 4, 3.0, 1, "64x64", 8,
                                                        request=session, progress=None)
    video, details, _verdicts, image = dashboard.show_generation(image_row)
    assert video is None and image.endswith(f"{image_row}.png") and "t2i" in details
    *_, (_video, clip_row, *_rest) = text_to_video.t2v(SOURCE_PROMPT, "", "tinyworld", "0", False, 4, 3.0, 8, "64x64", 8,
                                                       request=session, progress=None)
    *_, (_video, edit_row, *_rest) = edit.edit(shared.last_result(session), EDITED_PROMPT, 0.5, "", "tinyworld", *ADVANCED,
                                               request=session, progress=None)
    video, details, _verdicts, image = dashboard.show_generation(edit_row)
    assert video.endswith(f"{edit_row}.mp4") and image is None and f"**Edit of** `?gen={clip_row}`" in details


def test_the_apps_edit_check_passes_the_true_edit_and_fails_the_unedited_source():
    from eval.edits import edit_check

    source, truth = world_clip(16), world_clip(16, EDITED_PROMPT)
    took, kept = edit_check(truth, source, SOURCE_PROMPT, EDITED_PROMPT)
    assert took.startswith("took: yes") and kept.startswith("kept: yes"), (took, kept)
    assert edit_check(source, source, SOURCE_PROMPT, EDITED_PROMPT)[0].startswith("took: no")
    assert edit_check(truth, source, "a dog runs on a beach", EDITED_PROMPT) == []  # outside the world: no check


def test_the_strength_slider_follows_the_model_and_locks_where_a_card_edits_at_one_strength():
    assert edit.strength_for("tinyworld")["value"] == get_card("tinyworld").defaults.strength
    assert edit.strength_for("tinyworld")["interactive"] is True
    lucy = edit.strength_for("lucy-edit")
    assert lucy["value"] == 1.0 and lucy["interactive"] is False and "strength 1 only" in lucy["info"]
