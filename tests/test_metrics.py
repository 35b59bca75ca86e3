"""eval.metrics: the Fréchet distance, CLIP score against torchmetrics, and unavailability.

The CLIP, I3D and AlexNet models here are tiny and random (tests/tiny_extractors.py): their
values are not real scores; the tests check the code paths and the formulas only.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

import tiny_extractors
from eval.metrics import METRICS, Scorer, evaluate
from eval.metrics.clip_features import ProjectedFeatures
from eval.metrics.clip_score import sampled_indices
from eval.metrics.extractors import EXTRACTORS, Loaded
from eval.metrics.fvd import COMPARABLE_PER_SIDE, frechet_distance, frechet_distance_scipy, fvd, gaussian, i3d_input


def test_frechet_of_shifted_unit_gaussians_is_the_squared_shift():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=16) * 0.5
    a = rng.normal(size=(20000, 16))
    b = rng.normal(size=(20000, 16)) + mu
    # tr terms cancel for equal covariances; sampling error at n = 20,000 in 16-d is about 0.01
    assert fvd(a, b) == pytest.approx(float(mu @ mu), abs=0.03)
    assert fvd(a, a[::-1]) == pytest.approx(0.0, abs=1e-6)


def test_frechet_agrees_with_the_scipy_formula_on_400d_features():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(600, 400))
    b = rng.normal(size=(600, 400)) @ rng.normal(size=(400, 400)) * 0.1 + 0.3
    ours = frechet_distance(*gaussian(a), *gaussian(b))
    theirs = frechet_distance_scipy(*gaussian(a), *gaussian(b))
    assert ours == pytest.approx(theirs, rel=1e-6)


def test_fvd_refuses_fewer_than_two_videos_a_side():
    with pytest.raises(ValueError, match="N >= 2"):
        fvd(np.zeros((1, 4)), np.zeros((5, 4)))


def test_i3d_input_is_resized_cropped_and_scaled():
    video = np.zeros((20, 64, 96, 3), np.uint8)
    video[..., 0] = 255
    x = i3d_input(video)
    assert x.shape == (3, 16, 224, 224)
    assert x[0].min() == 1.0 and x[1].max() == -1.0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("extractors")
    clip_folder = tiny_extractors.save_tiny_clip(root / "clip")
    i3d_folder = tiny_extractors.save_tiny_i3d(root / "i3d")
    lpips_folder = tiny_extractors.save_random_alexnet(root / "lpips")
    return {"clip": clip_folder, "i3d": i3d_folder, "lpips": lpips_folder}


def loaded(key: str, folder) -> Loaded:
    extractor = EXTRACTORS[key]
    return Loaded(extractor.name + "[random-test]", "test", extractor.loader(folder))


def test_clip_score_equals_torchmetrics_on_the_same_model_and_frames(tiny):
    from torchmetrics.multimodal.clip_score import CLIPScore

    rng = np.random.default_rng(2)
    video = rng.integers(0, 256, size=(12, 48, 48, 3), dtype=np.uint8)
    prompt = "a red ball falls and bounces"
    extractor = loaded("clip", tiny["clip"])
    ours = evaluate("clip_score", [video], [prompt], extractor=extractor)
    model, processor = extractor.model
    reference = CLIPScore(model_name_or_path=lambda: (ProjectedFeatures(model), processor))
    frames = torch.from_numpy(video[sampled_indices(len(video))]).permute(0, 3, 1, 2)
    expected = float(reference(frames, [prompt] * len(frames)))
    assert ours.value == pytest.approx(expected, abs=1e-4)
    assert ours.meta["frames"].startswith("8 evenly spaced")
    assert sampled_indices(12) == [0, 2, 3, 5, 6, 8, 9, 11]


def test_i3d_fvd_and_lpips_run_through_their_real_call_paths(tiny):
    rng = np.random.default_rng(3)
    videos = [rng.integers(0, 256, size=(16, 64, 64, 3), dtype=np.uint8) for _ in range(3)]
    result = evaluate("fvd", videos, [""] * 3, reference=videos[::-1], extractor=loaded("i3d", tiny["i3d"]))
    assert result.value == pytest.approx(0.0, abs=1e-3)  # the same set in another order
    assert result.meta["n_generated"] == 3 and str(COMPARABLE_PER_SIDE) in result.meta["note"]
    steady = np.repeat(videos[0][:1], 4, axis=0)
    lp = loaded("lpips", tiny["lpips"])
    assert evaluate("lpips_temporal", [steady], [""], extractor=lp).value == pytest.approx(0.0, abs=1e-6)
    assert evaluate("lpips_temporal", [videos[0]], [""], extractor=lp).value > 0


def test_fvd_with_too_few_videos_or_no_reference_is_unavailable_not_a_number(tiny):
    video = np.zeros((16, 64, 64, 3), np.uint8)
    extractor = loaded("i3d", tiny["i3d"])
    one = evaluate("fvd", [video], [""], reference=[video, video], extractor=extractor)
    assert one.value is None and "at least 2 videos a side" in one.unavailable
    none = evaluate("fvd", [video, video], ["", ""], extractor=extractor)
    assert none.value is None and "no reference set" in none.unavailable


def test_missing_weights_are_unavailable_with_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("SPACETIME_EXTRACTORS", str(tmp_path))
    video = np.zeros((4, 32, 32, 3), np.uint8)
    for name in ("clip_score", "lpips_temporal"):
        result = Scorer().score(name, [video], ["a red ball"])
        assert result.value is None and f"python -m eval fetch {METRICS[name].extractor}" in result.unavailable


def test_random_alexnet_under_the_real_name_is_refused(tiny, monkeypatch):
    monkeypatch.setenv("SPACETIME_EXTRACTORS", str(tiny["lpips"].parent))
    extractor = dataclasses.replace(EXTRACTORS["lpips"], folder="lpips")
    with pytest.raises(Exception, match="not the published weights"):
        extractor.load()


def test_weight_free_measures_tell_still_from_moving():
    still = np.full((8, 32, 32, 3), 128, np.uint8)
    moving = still.copy()
    for t in range(8):
        moving[t, 10:20, 2 + 3 * t: 10 + 3 * t] = 255
    assert evaluate("flicker", [still], [""]).value == 0.0
    assert evaluate("flicker", [moving], [""]).value > 1.0
    assert evaluate("motion_magnitude", [still], [""]).value == pytest.approx(0.0, abs=1e-6)
    assert evaluate("motion_magnitude", [moving], [""]).value > 0.1


def test_a_missing_extractor_names_its_folder_without_a_server_path(monkeypatch, tmp_path):
    from eval.metrics import extractors
    from eval.metrics.base import Unavailable

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SPACETIME_EXTRACTORS", str(tmp_path / ".cache" / "x"))
    extractor = next(iter(extractors.EXTRACTORS.values()))
    with pytest.raises(Unavailable) as missing:
        extractor.load()
    assert f"not in the extractor cache (its folder {extractor.folder} lacks" in str(missing.value)
    assert str(tmp_path) not in str(missing.value) and "~/" not in str(missing.value) and ".cache" not in str(missing.value)
