"""python -m eval physics-iq on a small set laid out as the benchmark's, made from world clips.

The expected values come from a reference written here straight from the published scorer's
definitions (google-deepmind/physics-IQ-benchmark: mask videos written with mp4v and read back,
frame loops, the per-scenario CSV and calculate_iq_score's aggregation), not from eval.physics_iq.
The set is rendered at 30 fps, 158 frames a clip (8 before the cut, the 5-s window of 150 after it).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from eval.physics_iq.world_set import WorldSet, build
from pipeline.video_io import read_video, write_mp4

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ["perspective-left", "perspective-center", "perspective-right"]
FPS, WINDOW = 30, 150
SIZES = WorldSet(conditioning=8, window=WINDOW, size=128, fps=FPS)


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """DIR with physics-IQ-benchmark/ and descriptions.csv (2 scenes), and a model folder whose videos are
    take 1 a frame late, a little brighter, at another size, named as generated_video_name."""
    data = build(tmp_path_factory.mktemp("data"), n=2, seed=3, sizes=SIZES)
    model = data / "model"
    model.mkdir()
    descriptions = pd.read_csv(data / "descriptions.csv")
    testing = data / "physics-IQ-benchmark" / "split-videos" / "testing" / f"{FPS}FPS"
    for row in descriptions[descriptions["scenario"].str.contains("take-1")].itertuples():
        frames, _ = read_video(testing / row.scenario.replace("_", f"_testing-videos_{FPS}FPS_", 1))
        late = np.concatenate([frames[1:], frames[-1:]])  # (T, H, W, 3): one frame behind reality
        brighter = np.clip(late.astype(int) + 12, 0, 255).astype(np.uint8)
        write_mp4(model / row.generated_video_name, np.stack([cv2.resize(f, (96, 96)) for f in brighter]), FPS)
    return data, model


def cli(*args):
    return subprocess.run([sys.executable, "-m", "eval", "physics-iq", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------- the reference, from the scorer's definitions

def ref_write_masks(video: Path, out: Path) -> None:
    cap = cv2.VideoCapture(str(video))
    width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), round(cap.get(cv2.CAP_PROP_FPS)),
                             (width - width % 2, height - height % 2), isColor=False)
    ok, frame = cap.read()
    background = cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (5, 5), 0).astype("float")
    writer.write(np.zeros(frame.shape[:2], np.uint8))
    kernel = np.ones((5, 5), np.uint8)
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        grey = cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        cv2.accumulateWeighted(grey, background, 0.3)
        _, binary = cv2.threshold(cv2.absdiff(grey, cv2.convertScaleAbs(background)), 10, 255, cv2.THRESH_BINARY)
        writer.write(cv2.morphologyEx(cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel))
    cap.release()
    writer.release()


def ref_load(path: Path, size, normalize=True) -> list:
    cap, frames = cv2.VideoCapture(str(path)), []
    while len(frames) < WINDOW:
        ok, frame = cap.read()
        if not ok:
            break
        frame = cv2.resize(frame, size)
        frames.append(frame / 255.0 if normalize else frame)
    cap.release()
    return frames


def ref_iou_list(a, b) -> list:
    out = []
    for x, y in zip(a, b):
        union = np.logical_or(x, y).sum()
        out.append(1.0 if union == 0 else np.logical_and(x, y).sum() / union)
    return out


def ref_weighted(a, b) -> float:
    wa, wb = np.sum(a, axis=0, dtype=np.uint16) / len(a), np.sum(b, axis=0, dtype=np.uint16) / len(b)
    union = np.maximum(wa, wb)
    return 1.0 if union.sum() == 0 else np.minimum(wa, wb)[union > 0].sum() / union[union > 0].sum()


def ref_mse(a, b) -> list:
    return [np.mean((x.astype(np.float32) - y.astype(np.float32)) ** 2) for x, y in zip(a, b)]


def reference(data: Path, model: Path, tmp: Path) -> tuple[dict, float]:
    """({(scenario, view): {measure: value}}, final score), as the published scorer computes them."""
    testing = data / "physics-IQ-benchmark" / "split-videos" / "testing" / f"{FPS}FPS"
    rows, per_view = {}, {}
    for path in sorted(testing.glob("*.mp4")):
        file_id, _, _, view, take, scenario = path.name.split("_")
        rows.setdefault(scenario, {})[(view, take)] = path
    descriptions = pd.read_csv(data / "descriptions.csv")
    generated = {r.scenario.split("_")[-1] + r.scenario.split("_")[1]: model / r.generated_video_name
                 for r in descriptions.itertuples() if "take-1" in r.scenario}
    csv_rows = []
    for scenario, files in rows.items():
        row = {"scenario": scenario}
        for view in VIEWS:
            paths = {"v1": files[(view, "take-1")], "v2": files[(view, "take-2")], "gen": generated[scenario + view]}
            first = cv2.VideoCapture(str(paths["v1"])).read()[1]
            size = (first.shape[1] // 4, first.shape[0] // 4)
            frames, masks = {}, {}
            for key, path in paths.items():
                ref_write_masks(path, tmp / f"{key}.mp4")
                frames[key] = ref_load(path, size)
                masks[key] = [(m > 127).astype(np.uint8) for m in ref_load(tmp / f"{key}.mp4", size, normalize=False)]
            spatial = {k: (np.max(masks[k], axis=0) > 0).astype(np.uint8) * 255 for k in masks}
            row[f"v1_mse_{view}"] = [float(v) for v in ref_mse(frames["v1"], frames["gen"])]
            row[f"spatiotemporal_iou_v1_{view}"] = [float(v) for v in ref_iou_list(masks["v1"], masks["gen"])]
            row[f"spatial_iou_v1_{view}"] = ref_iou_list([spatial["v1"]], [spatial["gen"]])[0]
            row[f"weighted_spatial_iou_v1_{view}"] = ref_weighted(masks["v1"], masks["gen"])
            row[f"variance_mse_{view}"] = [float(v) for v in ref_mse(frames["v1"], frames["v2"])]
            row[f"variance_spatiotemporal_iou_{view}"] = [float(v) for v in ref_iou_list(masks["v1"], masks["v2"])]
            row[f"variance_spatial_{view}"] = ref_iou_list([spatial["v1"]], [spatial["v2"]])[0]
            row[f"variance_weighted_spatial_{view}"] = ref_weighted(masks["v1"], masks["v2"])
            per_view[(scenario.removesuffix(".mp4"), view)] = {
                "spatial_iou": row[f"spatial_iou_v1_{view}"], "weighted_spatial_iou": row[f"weighted_spatial_iou_v1_{view}"],
                "spatiotemporal_iou": np.mean(row[f"spatiotemporal_iou_v1_{view}"]), "mse": np.mean(row[f"v1_mse_{view}"])}
        csv_rows.append(row)
    pd.DataFrame(csv_rows).to_csv(tmp / "model.csv", index=False)
    return per_view, reference_score(tmp / "model.csv")


def reference_score(csv: Path) -> float:
    """calculate_iq_score's aggregation of the per-scenario CSV."""
    df = pd.read_csv(csv)
    parse = lambda text: [round(float(x), 4) for x in re.findall(r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?", text)]
    for column in df.columns:
        if column.startswith(("v1_mse", "spatiotemporal_iou_v1", "variance_mse", "variance_spatiotemporal")):
            df[column] = df[column].apply(parse)
    per_scenario = lambda prefix: df.apply(lambda r: np.mean(np.concatenate([r[f"{prefix}_{v}"] for v in VIEWS])), axis=1).mean()
    mse, st = per_scenario("v1_mse"), per_scenario("spatiotemporal_iou_v1")
    sp = df[[f"spatial_iou_v1_{v}" for v in VIEWS]].mean().mean()
    wsp = df[[f"weighted_spatial_iou_v1_{v}" for v in VIEWS]].mean().mean()
    var_mse = round(np.mean([df[f"variance_mse_{v}"].explode().mean() for v in VIEWS]), 4)
    var_st = round(np.mean([df[f"variance_spatiotemporal_iou_{v}"].explode().mean() for v in VIEWS]), 4)
    var_sp = round(np.mean([df[f"variance_spatial_{v}"].mean() for v in VIEWS]), 5)
    var_wsp = round(np.mean([df[f"variance_weighted_spatial_{v}"].mean() for v in VIEWS]), 4)
    score = ((st / var_st + sp / var_sp + wsp / var_wsp) / 3 - (mse - var_mse)) * 100
    return round(max(min(score, 100.0), 0.0), 2)


# ---------------------------------------------------------------- the tests

def test_generated_folder_json_matches_the_published_scorers_definitions(bench, tmp_path):
    data, model = bench
    out = cli("--data", data, "--generated", model, "--fps", FPS, "--json", "--no-progress")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    per_view, score = reference(data, model, tmp_path)
    assert result["protocol"].startswith("leaderboard") and result["window"] == WINDOW
    assert result["scenarios"] == 2 and result["views"] == 6
    for entry in result["per_scenario"]:
        for view, measures in entry["views"].items():
            for name, value in per_view[(entry["scenario"], view)].items():
                assert measures["model"][name] == pytest.approx(value, abs=1e-4), (entry["scenario"], view, name)
    assert result["score"] == pytest.approx(score, abs=1e-4)
    assert 0 < result["score"] < 100  # a late, brighter copy: neither perfect nor nothing
    assert set(result["by_view"]) == set(VIEWS) and set(result["by_category"]) == {"move", "fall"}


def test_descriptions_elsewhere_a_subset_and_in_memory_masks(bench, tmp_path):
    data, model = bench
    moved = tmp_path / "elsewhere.csv"
    moved.write_text((data / "descriptions.csv").read_text())
    out = cli("--data", data, "--descriptions", moved, "--generated", model, "--fps", FPS, "--json", "--no-progress",
              "--scenarios", "world-001-fall", "--masks", "memory")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["scenarios"] == 1 and list(result["by_category"]) == ["fall"]
    assert "NOT leaderboard-comparable" in result["protocol"]


def test_missing_or_misnamed_files_get_one_message_naming_the_file(bench, tmp_path):
    data, model = bench
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in model.glob("*.mp4"):
        (broken / path.name).write_bytes(path.read_bytes())
    victim = sorted(broken.glob("*.mp4"))[0]
    victim.rename(broken / "left-view.mp4")  # misnamed: no ID prefix
    out = cli("--data", data, "--generated", broken, "--fps", FPS, "--json", "--no-progress")
    assert out.returncode == 2
    assert f"broken/{victim.name} is missing" in out.stderr and "generated_video_name" in out.stderr
    assert str(tmp_path) not in out.stderr and out.stderr.count("\n") == 1
    out = cli("--data", data, "--generated", model, "--fps", 16, "--json", "--no-progress")  # a frame rate not there
    assert out.returncode == 2 and "physics-IQ-benchmark/split-videos/testing/16FPS/0001_testing-videos_16FPS" in out.stderr
    assert "does not exist" in out.stderr and str(data) not in out.stderr
    out = cli("--data", tmp_path, "--generated", model, "--fps", FPS)
    assert out.returncode == 2 and "descriptions.csv: not found" in out.stderr


def test_another_window_is_scored_and_labelled_not_the_benchmarks(bench):
    data, model = bench
    out = cli("--data", data, "--generated", model, "--fps", FPS, "--seconds", 2, "--scenarios", "world-000-move",
              "--json", "--no-progress")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["window"] == 60 and "a 60-frame window, not the benchmark's 5 s" in result["protocol"]
    out = cli("--data", data, "--generated", model, "--fps", FPS, "--seconds", 0)
    assert out.returncode == 2 and "--seconds: expected a window of 2 frames or more" in out.stderr
