"""The Extend tab's "Score against what really happened" (ui/extend.py, eval/physics_iq/reality.py)."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pytest

from eval.physics_iq.reality import GAP, against_reality
from pipeline.video_io import write_mp4
from ui import extend, shared
from world import parse
from world.render import make_clip

PROMPT = "a red ball falls and bounces"
pytestmark = pytest.mark.usefixtures("single_thread")


def clip(frames=20) -> np.ndarray:
    return make_clip(parse(PROMPT).spec, seed=0, frames=frames, width=64, height=64).frames  # (T, 64, 64, 3)


def test_a_continuation_identical_to_reality_measures_perfect_and_a_still_one_does_not():
    truth = clip()[8:]
    same = against_reality(truth, truth.copy())
    assert same.measures.spatial_iou == 1.0 and same.measures.weighted_spatial_iou == 1.0
    assert same.measures.spatiotemporal_iou == [1.0] * 12 and max(same.measures.mse) == 0.0
    assert same.picture.shape == (64, 2 * 64 + GAP, 3) and same.picture.dtype == np.uint8
    still = against_reality(truth, np.repeat(truth[:1], 12, axis=0))
    # nothing moves in the still one: every frame where reality moves scores 0, the others (both empty) 1
    assert still.measures.spatial_iou == 0.0 and still.measures.weighted_spatial_iou == 0.0
    assert still.measures.spatiotemporal_iou.count(0.0) >= 8 and set(still.measures.spatiotemporal_iou) == {0.0, 1.0}
    assert set(still.metrics()) == {"physics_iq_spatial_iou", "physics_iq_spatiotemporal_iou",
                                    "physics_iq_weighted_spatial_iou", "physics_iq_mse"}
    with pytest.raises(ValueError, match="cut: 1 frame"):
        against_reality(truth[:1], truth)


def test_the_handler_continues_before_the_cut_scores_after_it_and_logs_the_measures(tmp_path):
    shared.configure(tmp_path / "outputs", tmp_path / "t.db")
    path = str(write_mp4(tmp_path / "clip.mp4", clip(), fps=8))
    video, row, measures, picture = extend.score_against_reality(path, 8, PROMPT, "tinyworld", "0", progress=None)
    assert list(measures["measure"]) == ["spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "mse",
                                         "frames compared"]
    assert measures["value"].iloc[-1] == 12  # tinyworld's 16 frames less the 4 it keeps; the clip has 12 after the cut
    logged = shared.table().metrics()
    assert set(logged[logged["generation_id"] == row]["metric"]) >= {"physics_iq_spatial_iou", "physics_iq_mse"}
    assert video.endswith(".mp4") and picture.endswith(".png")
    for bad in (0, 19, "x"):
        with pytest.raises(gr.Error, match="cut"):
            extend.score_against_reality(path, bad, PROMPT, "tinyworld", "0", progress=None)


def test_the_app_names_the_event_for_scripts(tmp_path):
    import app

    demo = app.build_demo(tmp_path / "outputs", tmp_path / "t.db")
    names = {getattr(fn, "api_name", None) for fn in demo.fns.values()}
    assert "physics_iq" in names
