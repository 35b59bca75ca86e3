"""The page's events show the video first and compute the metrics after (ui/video_first.py): the
first answer writes the video and the row, the chained one fills in the metrics, and a row whose
page never asks still gets them.

    .venv/bin/python -m pytest -q tests/test_app_video_first.py
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from ui import probes, shared, text_to_video, video_first

ADVANCED = [0, False, 2, 3.0, 4, "64x64", 8]  # seed, randomize, steps, guidance, frames, size, fps
PROMPT = "a red ball falls and bounces"


@pytest.fixture()
def app(tmp_path):
    shared.configure(tmp_path / "outputs", tmp_path / "t.db")
    return tmp_path


def scored(row: str) -> set[str]:
    return set(shared.table().metrics().query("generation_id == @row")["metric"])


def test_the_first_answer_has_the_video_and_row_and_the_chained_one_the_metrics(app):
    first = video_first.first_answer(text_to_video.t2v, 1)(PROMPT, "", "tinyworld", *ADVANCED, progress=None)
    video, row, seed, info, pending, image = first
    assert image is None and Path(video).is_file() and Path(video).stem == row and seed == 0 and "computing" in pending["value"].iloc[0]
    assert shared.table().generations()["id"].tolist() == [row] and not scored(row)

    rest = video_first.rest_of(row)
    skipped = gr.skip()
    assert rest[:4] == (skipped,) * 4  # the video, row, seed and details are not sent again
    assert "probe: presence" in set(rest[4]["measure"]) and {"flicker", "motion_magnitude"} <= scored(row)
    assert rest[5] == skipped  # no image (a clip), not sent again
    with pytest.raises(gr.Error, match=f"row {row}: its metrics were already computed"):
        video_first.rest_of(row)


def test_a_probe_sends_its_evidence_clip_and_verdicts_in_the_chained_answer(app):
    first = video_first.first_answer(probes.probe, 1)("physics", PROMPT, "tinyworld", *ADVANCED[:4], 16,
                                                      *ADVANCED[5:], progress=None)
    video, row = first[:2]
    evidence, same_row, verdicts, truth, *_ = video_first.rest_of(row)
    assert Path(evidence).name == f"evidence-{row}.mp4" and evidence != video and Path(truth).is_file()
    assert same_row == gr.skip() and set(verdicts["verdict"]) <= {"pass", "fail", "inconclusive"}


def test_rows_whose_page_never_asked_are_scored_when_too_many_wait(app, monkeypatch):
    monkeypatch.setattr(video_first, "MAX_WAITING", 1)
    answer = video_first.first_answer(text_to_video.t2v, 1)
    gone = answer(PROMPT, "", "tinyworld", *ADVANCED, progress=None)[1]  # its page was closed
    assert not scored(gone)
    waiting = answer(PROMPT, "", "tinyworld", *ADVANCED, progress=None)[1]
    assert "flicker" in scored(gone) and not scored(waiting)
    video_first.rest_of(waiting)
    assert "flicker" in scored(waiting)


def test_a_bad_request_raises_before_anything_waits(app):
    waiting = list(video_first._WAITING)  # other tests' servers may have rows waiting in this process
    with pytest.raises(gr.Error, match="prompt"):
        video_first.first_answer(text_to_video.t2v, 1)("", "", "tinyworld", *ADVANCED, progress=None)
    assert list(video_first._WAITING) == waiting


def test_a_waiting_row_that_fails_to_finish_does_not_cost_the_next_request_its_answer(app, monkeypatch, caplog):
    monkeypatch.setattr(video_first, "MAX_WAITING", 1)
    answer = video_first.first_answer(text_to_video.t2v, 1)
    gone = answer(PROMPT, "", "tinyworld", *ADVANCED, progress=None)[1]

    def broken(*args, **kwargs):
        raise RuntimeError("a probe broke")

    monkeypatch.setattr(shared, "probe_generation", broken)
    video, row, *_ = answer(PROMPT, "", "tinyworld", *ADVANCED, progress=None)
    assert Path(video).is_file() and row != gone
    assert f"finishing the metrics of row {gone}" in caplog.text and "a probe broke" in caplog.text
    assert len(shared.table().generations()) == 2  # both rows kept
