"""The world as a Physics-IQ set, and generation through the shared pipeline logged to the table."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.__main__ import main as eval_main
from eval.physics_iq import generate, world_set
from eval.table import Table
from world import physics
from world.render import render

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("single_thread")


def fall_scene(seed=5):
    spec = world_set.scene_spec(1)  # index 1: a fall
    assert spec.event == "fall"
    return physics.simulate(spec, seed=seed, frames=20, width=128, height=128, fps=8)


def test_take_two_is_the_same_fall_with_a_sub_pixel_start_and_2_percent_restitution():
    scene = fall_scene()
    assert np.array_equal(world_set._fall_trajectory(scene, 1.0, 0.0), scene.bodies[0].y)  # unperturbed: the same fall
    two = world_set.take_two(scene, np.random.default_rng(0))
    dx = two.bodies[0].x - scene.bodies[0].x
    assert np.allclose(dx, dx[0]) and 0 < abs(dx[0]) * scene.scale <= 0.5  # under half a pixel, all along
    assert abs(two.bodies[0].y[0] - scene.bodies[0].y[0]) * scene.scale <= 0.5
    # restitution: sampled densely, the first bounce's height grows by (1.02)^2 with 2% more restitution
    dense = physics.simulate(scene.spec, seed=5, frames=64, width=128, height=128, fps=32)
    bounce = lambda y: y.max() - y[np.argmax(y) + 1 :].min()  # how high it comes back up after the first impact
    ratio = bounce(world_set._fall_trajectory(dense, 1.02, 0.0)) / bounce(dense.bodies[0].y)
    assert ratio == pytest.approx(1.02**2, abs=0.01)
    one, other = render(scene).frames, render(two).frames
    assert 0 < np.abs(one.astype(int) - other).mean() < 2  # barely different pictures


def test_views_see_the_same_take_from_shifted_cameras():
    views = world_set.views(fall_scene())
    assert list(views) == list(world_set.VIEW_SHIFT)
    left, centre = views["perspective-left"], views["perspective-center"]
    assert left.shape == centre.shape and not np.array_equal(left, centre)


def test_frames_and_keep_follow_the_card():
    from pipeline.registry import get_card

    card = get_card("tinyworld")
    assert generate.frames_for(card, 12) == 12 and generate.keep_for(card, 8) == 4
    with pytest.raises(ValueError, match="--fps: the window needs 150 frames from tinyworld"):
        generate.frames_for(card, 150)


def test_world_run_logs_every_generation_scores_beside_the_ceiling_and_resumes(tmp_path, monkeypatch, capsys):
    data, db = tmp_path / "set", tmp_path / "t.db"
    common = ["physics-iq", "--world", "--n", "1", "--data", str(data), "--db", str(db), "--outputs",
              str(tmp_path / "videos"), "--json", "--no-progress"]
    real, calls = generate.continuation, []

    def interrupt_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(generate, "continuation", interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
        eval_main(common)
    run_id = int(Table(db).runs()["id"].iloc[-1])
    assert len(Table(db).generations(run_id)) == 2
    monkeypatch.setattr(generate, "continuation", real)
    assert eval_main([*common, "--resume", str(run_id)]) == 0
    resumed = json.loads(capsys.readouterr().out)
    table = Table(db)
    gens = table.generations(run_id)
    assert sorted(gens["item"]) == sorted(f"world-000-move/perspective-{v}" for v in ("left", "center", "right"))
    metrics = table.metrics(run_id)
    per_generation = metrics[metrics["generation_id"].notna()].groupby("generation_id")["metric"].apply(set)
    assert all(m == {"physics_iq_spatial_iou", "physics_iq_spatiotemporal_iou", "physics_iq_weighted_spatial_iou",
                     "physics_iq_mse"} for m in per_generation)
    run_score = metrics[metrics["metric"] == "physics_iq_score"]
    assert len(run_score) == 1 and run_score["value"].iloc[0] == resumed["score"]
    assert table.runs().set_index("id").loc[run_id, "suite"] == "physics-iq:world"
    assert resumed["ceiling_take2"] == 100.0 and 0 <= resumed["score"] <= 100
    assert resumed["still_baseline"] < resumed["ceiling_take2"]
    assert all(Path(p).is_file() for p in gens["video_path"]) and set(gens["frames"]) == {12}
    # the dashboard charts the run: its history of runs and metric-by-model figures read these rows
    from eval.dashboard import metric_by_model, run_history

    history = run_history(table, "physics_iq_spatiotemporal_iou")
    assert list(history.data[0].x) == [run_id] and 0 <= history.data[0].y[0] <= 1
    assert len(metric_by_model(table.wide(run_id), "physics_iq_mse").data[0].y) == 3
    # a fresh run of the same set without the interruption gives the same score: resuming loses nothing
    assert eval_main(common) == 0
    assert json.loads(capsys.readouterr().out)["score"] == resumed["score"]


@pytest.mark.slow
def test_accelerate_launch_splits_the_views_into_one_run(tmp_path):
    launcher = [str(Path(sys.executable).parent / "accelerate"), "launch", "--cpu", "--num_processes", "2", "-m"]
    out = subprocess.run([*launcher, "eval", "physics-iq", "--world", "--n", "1", "--data", str(tmp_path / "set"),
                          "--db", str(tmp_path / "t.db"), "--outputs", str(tmp_path / "v"), "--json", "--no-progress"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    gens = Table(tmp_path / "t.db").generations()
    assert len(gens) == 3 and gens["item"].nunique() == 3 and gens["run_id"].nunique() == 1
    assert json.loads(out.stdout)["views"] == 3


def test_score_world_is_what_fidelity_reports(monkeypatch, capsys):
    from eval import fidelity
    from eval.physics_iq.world_score import score_world
    from eval.probes import PROBES
    from pipeline import load

    out = score_world(load("tinyworld"), n=1, steps=1)
    assert out["ceiling_take2"] == 100.0 and 0 <= out["score"] <= 100 and out["n"] == 1
    assert set(out["measures"]) == {"spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "mse"}
    calls = []
    fake = {"model": dict.fromkeys(PROBES, 0.5), "ground_truth": dict.fromkeys(PROBES, 1.0),
            "share_of_ground_truth": dict.fromkeys(PROBES, 0.5), "model_ci95": dict.fromkeys(PROBES, [0.2, 0.8]),
            "physics_iq": out}
    monkeypatch.setattr(fidelity, "evaluate", lambda *args, **kwargs: calls.append(kwargs) or fake)
    fidelity.main(["--physics-iq", "1"])
    assert calls == [{"physics_iq": 1}]
    assert f"physics_iq: {out['score']} (take-2 ceiling 100.0, still baseline {out['still_baseline']}" in capsys.readouterr().out
