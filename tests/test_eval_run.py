"""python -m eval run: offline summary, resume after an interrupt, accelerate launch, run-level FVD."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tiny_extractors
from eval import run as eval_run
from eval.table import Table

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = "a red ball moves right\na blue box falls\n"


@pytest.fixture()
def suite(tmp_path):
    path = tmp_path / "suite.txt"
    path.write_text("# two world prompts\n" + PROMPTS)
    return path


def cli(*args, env=None, launcher=(sys.executable, "-m")):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([*launcher, "eval", "run", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_offline_run_records_weighted_metrics_as_unavailable_and_the_rest_as_numbers(tmp_path, suite):
    out = cli("--suite", str(suite), "--model", "tinyworld", "--seeds", "1", "--db", str(tmp_path / "t.db"),
              "--outputs", str(tmp_path / "videos"), "--json", "--no-progress",
              env={"SPACETIME_EXTRACTORS": str(tmp_path / "empty")})
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["generations"] == 2 and summary["errors"] == []
    for name in ("clip_score", "lpips_temporal", "fvd"):
        assert "python -m eval fetch" in summary["unavailable"][name]
    assert set(summary["metrics"]) == {"flicker", "motion_magnitude"}
    assert summary["metrics"]["flicker"]["mean"] > 0 and summary["metrics"]["flicker"]["n"] == 2
    assert {"presence", "left_right", "gravity"} <= set(summary["probes"])
    table = Table(tmp_path / "t.db")
    assert table.metrics()["value"].isna().sum() == 2 * 2 + 1  # clip + lpips per video, one FVD row
    assert all(Path(p).is_file() for p in table.generations()["video_path"])
    # the same table through report and export
    for command, out_path in (("report", tmp_path / "r.html"), ("export", tmp_path / "t.csv")):
        done = subprocess.run([sys.executable, "-m", "eval", command, "--run", str(summary["run_id"]), "--out", str(out_path),
                               "--db", str(tmp_path / "t.db")], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    html = (tmp_path / "r.html").read_text()
    assert "plotly" in html.lower() and "flicker" in html
    rows = (tmp_path / "t.csv").read_text().splitlines()
    assert len(rows) == 3 and "flicker" in rows[0]


def test_an_interrupted_run_resumes_without_repeating_a_generation(tmp_path, suite, monkeypatch):
    calls = []
    real = eval_run.generate_item

    def interrupt_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(args[3].id)
        return real(*args, **kwargs)

    monkeypatch.setattr(eval_run, "generate_item", interrupt_after_two)
    db = tmp_path / "t.db"
    with pytest.raises(KeyboardInterrupt):
        eval_run.execute(str(suite), "tinyworld", 2, {}, db=str(db), outputs=str(tmp_path), progress=False)
    run_id = int(Table(db).runs()["id"].iloc[-1])
    assert len(Table(db).generations(run_id)) == 2
    monkeypatch.setattr(eval_run, "generate_item", real)
    summary = eval_run.execute(None, None, 1, {}, db=str(db), outputs=str(tmp_path), resume=run_id, progress=False)
    pairs = Table(db).generations(run_id)[["item", "seed"]].apply(tuple, axis=1)
    assert sorted(pairs) == [("line-2", 0), ("line-2", 1), ("line-3", 0), ("line-3", 1)]
    assert summary["generations"] == 4 and summary["finished"]


def test_accelerate_launch_writes_each_prompt_and_seed_exactly_once(tmp_path, suite):
    launcher = (str(Path(sys.executable).parent / "accelerate"), "launch", "--cpu", "--num_processes", "2", "-m")
    out = cli("--suite", str(suite), "--model", "tinyworld", "--seeds", "2", "--db", str(tmp_path / "t.db"),
              "--outputs", str(tmp_path / "videos"), "--json", "--no-progress", launcher=launcher)
    assert out.returncode == 0, out.stderr[-2000:]
    gens = Table(tmp_path / "t.db").generations()
    assert sorted(gens[["item", "seed"]].apply(tuple, axis=1)) == [
        ("line-2", 0), ("line-2", 1), ("line-3", 0), ("line-3", 1)]
    assert gens["run_id"].nunique() == 1 and json.loads(out.stdout)["generations"] == 4


def test_world_prompts_get_a_run_level_fvd_against_ground_truth(tmp_path, suite, monkeypatch):
    """With a tiny random I3D in the cache (values are not real FVDs), the run's FVD row records
    the extractor, both set sizes and the rank-deficiency note."""
    cache = tmp_path / "cache"
    tiny_extractors.save_tiny_i3d(cache / "i3d")
    monkeypatch.setenv("SPACETIME_EXTRACTORS", str(cache))
    summary = eval_run.execute(str(suite), "tinyworld", 2, {}, db=str(tmp_path / "t.db"), outputs=str(tmp_path),
                               progress=False)
    fvd = summary["run_metrics"]["fvd"]
    assert fvd["extractor"] == "i3d-stylegan-v" and fvd["n_generated"] == fvd["n_reference"] == 4
    assert fvd["value"] > 0 and "not comparable" in fvd["note"]


def test_a_suite_that_is_not_a_file_is_a_clear_error(tmp_path):
    out = cli("--suite", str(tmp_path / "nope.yaml"), "--model", "tinyworld", "--db", str(tmp_path / "t.db"))
    assert out.returncode == 2 and "--suite:" in out.stderr and "Traceback" not in out.stderr
