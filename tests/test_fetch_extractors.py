"""Extractors downloaded on first use, against a stand-in for the Hub and the direct URLs on
127.0.0.1 (tests/stand_in.py): no internet. The models served are tiny random ones of the real
classes (tests/tiny_extractors.py), so their scores are not real scores; the digests checked are
the stand-in files' own, passed in where the real extractor pins a published one (AlexNet).

    .venv/bin/python -m pytest -q tests/test_fetch_extractors.py

CI sets HF_HUB_OFFLINE=1 for everything; these tests lift it for themselves (the environment and
huggingface_hub's constant, read once at import) and point HF_ENDPOINT at the stand-in.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import tiny_extractors
from eval.metrics import Scorer
from eval.metrics import extractors as ex
from pipeline.download import file_sha256
from stand_in import StandIn

ROOT = Path(__file__).resolve().parent.parent
ALEX_HOST_PATH = "download.pytorch.org/models/" + ex.ALEXNET_FILE
I3D_HOST_PATH = "www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt"
CLIP_BYTES: list[int] = []  # the served CLIP repo's size, set by the `served` fixture


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> dict[str, Path]:
    """The files the stand-in serves: a tiny CLIP repo, a tiny I3D, a random AlexNet (half precision:
    half the bytes; the loader copies it into float32 layers)."""
    import torchvision

    root = tmp_path_factory.mktemp("served")
    clip = tiny_extractors.save_tiny_clip(root / "clip")
    (clip / ex.SUMS).unlink()  # not a Hub file
    CLIP_BYTES[:] = [sum(f.stat().st_size for f in clip.iterdir())]
    i3d = tiny_extractors.save_tiny_i3d(root / "i3d") / "i3d_torchscript.pt"
    torch.manual_seed(0)
    alex = root / "lpips" / ex.ALEXNET_FILE
    alex.parent.mkdir()
    torch.save({k: v.half() for k, v in torchvision.models.alexnet().state_dict().items()}, alex)
    return {"clip": clip, "i3d": i3d, "lpips": alex}


@pytest.fixture()
def server(served):
    with StandIn() as stand_in:
        stand_in.add_repo(ex.CLIP_REPO, served["clip"], ex.CLIP_REVISION)
        stand_in.add_file(ALEX_HOST_PATH, served["lpips"])
        stand_in.add_file(I3D_HOST_PATH, served["i3d"])
        yield stand_in


@pytest.fixture()
def online(server, served, tmp_path, monkeypatch):
    """A connected machine whose Hub and download hosts are the stand-in; an empty extractor cache;
    the extractors pinned to the stand-in files' digests."""
    import huggingface_hub.constants as hub

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("SPACETIME_FETCH", raising=False)
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hf"))  # nothing preloaded
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("SPACETIME_DOWNLOAD_MIRROR", server.url)
    monkeypatch.setenv("SPACETIME_EXTRACTORS", str(tmp_path / "cache"))
    monkeypatch.setitem(ex.EXTRACTORS, "lpips", dataclasses.replace(
        ex.EXTRACTORS["lpips"], pins={ex.ALEXNET_FILE: file_sha256(served["lpips"])}))
    monkeypatch.setitem(ex.EXTRACTORS, "i3d", dataclasses.replace(
        ex.EXTRACTORS["i3d"], pins={"i3d_torchscript.pt": file_sha256(served["i3d"])}))
    return tmp_path / "cache"


def a_row(scorer: Scorer, reports: list | None = None) -> dict:
    """The weighted measures of one generation (CLIP, LPIPS) and of a run (FVD), as rows record them."""
    rng = np.random.default_rng(0)
    videos = [rng.integers(0, 256, size=(16, 64, 64, 3), dtype=np.uint8) for _ in range(2)]
    progress = (lambda done, total, what: reports.append((done, total, what))) if reports is not None else None
    return {"clip_score": scorer.score("clip_score", videos[:1], ["a red ball falls"], progress=progress),
            "lpips_temporal": scorer.score("lpips_temporal", videos[:1], [""], progress=progress),
            "fvd": scorer.score("fvd", videos, ["", ""], reference=videos[::-1], progress=progress)}


def test_first_use_downloads_each_file_once_and_the_next_row_has_the_values(online, server, served):
    reports = []
    first = a_row(Scorer(), reports)
    for name, result in first.items():
        assert result.value is not None, (name, result.unavailable)
    for file in (*ex.CLIP_FILES, "processor_config.json", "tokenizer.json", ex.ALEXNET_FILE, "i3d_torchscript.pt"):
        assert server.gets(file) == 1, (file, server.requests())
    assert file_sha256(online / "lpips-alex" / ex.ALEXNET_FILE) == file_sha256(served["lpips"])
    assert not list(online.rglob("*.part"))
    whats = {what for _, _, what in reports}
    assert f"Downloading CLIP ViT-B/32, {ex.human_size(CLIP_BYTES[0])}" in whats, whats
    assert any(w.startswith("Downloading LPIPS AlexNet, ") and "MB" in w for w in whats), whats
    assert reports[-1][0] > 0 and all(done <= total for done, total, _ in reports if total)

    before = len(server.requests())
    again = a_row(Scorer())  # a new process's scorer: the cache, no request
    assert len(server.requests()) == before
    assert {k: r.value for k, r in again.items()} == {k: r.value for k, r in first.items()}


def test_a_tampered_file_is_refused_with_a_message_and_leaves_nothing(online, server):
    server.replace["i3d_torchscript.pt"] = b"not the I3D file" * 100
    server.replace["model.safetensors"] = b"\0" * 4096  # the Hub's headers still name the real digest
    row = a_row(Scorer({"lpips": "not served in this test"}))  # AlexNet's 122 MB: the first test fetches it
    for name in ("fvd", "clip_score"):
        assert row[name].value is None and "refused and removed" in row[name].unavailable, row[name]
        assert "sha256" in row[name].unavailable and str(online) not in row[name].unavailable
    assert not (online / "i3d" / "i3d_torchscript.pt").exists()
    assert not (online / "clip-vit-base-patch32" / "model.safetensors").exists()
    assert not list(online.rglob("*.part"))
    assert (online / "clip-vit-base-patch32" / "config.json").is_file()  # the untampered files stay, checked
    assert a_row(Scorer({"lpips": "not served"}))["clip_score"].unavailable == row["clip_score"].unavailable  # still refused


def test_an_interrupted_download_resumes_where_it_stopped(online, server, served):
    size = served["i3d"].stat().st_size
    server.cut_after["i3d_torchscript.pt"] = size // 3
    with pytest.raises(ex.Unavailable, match="the next try resumes"):
        ex.EXTRACTORS["i3d"].load()
    part = online / "i3d" / "i3d_torchscript.pt.part"
    assert not (online / "i3d" / "i3d_torchscript.pt").exists() and 0 < part.stat().st_size < size
    have = part.stat().st_size
    loaded = ex.EXTRACTORS["i3d"].load()
    assert loaded.sha256 == file_sha256(served["i3d"]) and not part.exists()
    gets = [r for r in server.requests() if r[0] == "GET" and r[1].endswith("i3d_torchscript.pt")]
    assert [r[2] for r in gets] == ["", f"bytes={have}-"]  # the second asked only for the rest


def test_a_part_the_server_cannot_continue_starts_again(online, server, served):
    part = online / "i3d" / "i3d_torchscript.pt.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * (served["i3d"].stat().st_size + 10))  # longer than the file: 416, then from 0
    assert ex.EXTRACTORS["i3d"].load().sha256 == file_sha256(served["i3d"])


@pytest.mark.parametrize("setting", [("HF_HUB_OFFLINE", "1"), ("SPACETIME_FETCH", "never")])
def test_offline_or_never_makes_no_request_and_rows_say_unavailable(online, server, monkeypatch, setting):
    monkeypatch.setenv(*setting)
    row = a_row(Scorer())
    assert server.requests() == []
    for result in row.values():
        assert result.value is None and f"not downloaded ({setting[0]}" in result.unavailable
        assert "python -m eval fetch" in result.unavailable


def test_clip_preloaded_in_the_hub_cache_is_used_without_a_request(online, server, tmp_path):
    from huggingface_hub import hf_hub_download

    for name in (*ex.CLIP_FILES, "processor_config.json", "tokenizer.json"):  # what preload_from_hub does at build
        hf_hub_download(ex.CLIP_REPO, name, revision=ex.CLIP_REVISION, endpoint=server.url)
    before = len(server.requests())
    result = Scorer().score("clip_score", [np.zeros((8, 32, 32, 3), np.uint8)], ["a red ball"])
    assert result.value is not None, result.unavailable
    assert len(server.requests()) == before and not (Path(os.environ["SPACETIME_EXTRACTORS"]) / "clip-vit-base-patch32").exists()


def test_the_cli_fetch_shows_a_tqdm_bar_and_records_the_digests(server, served, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HF_ENDPOINT=server.url, SPACETIME_DOWNLOAD_MIRROR=server.url, SPACETIME_FETCH="never",
               SPACETIME_EXTRACTORS=str(tmp_path / "cache"), HF_HOME=str(tmp_path / "hf"))
    done = subprocess.run([sys.executable, "-m", "eval", "fetch", "i3d"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Downloading I3D (StyleGAN-V FVD)" in done.stderr and "100%" in done.stderr
    sums = (tmp_path / "cache" / "i3d" / ex.SUMS).read_text()
    assert sums == f"{file_sha256(served['i3d'])} i3d_torchscript.pt\n"


def test_the_app_shows_the_download_on_the_metrics_progress(online, monkeypatch):
    """ui.shared.score_generation turns a first-use download into gr.Progress calls: the fraction
    and "Downloading CLIP ViT-B/32, <size>"."""
    from ui import shared

    class Table:
        def add_metrics(self, generation_id, metrics):
            pass

    calls = []
    monkeypatch.setattr(shared, "_SCORER", Scorer({"lpips": "not served in this test"}))
    monkeypatch.setattr(shared, "table", Table)
    results = shared.score_generation("row", np.zeros((8, 32, 32, 3), np.uint8), "a red ball",
                                      progress=lambda fraction, desc: calls.append((fraction, desc)))
    assert results["clip_score"].value is not None
    assert {desc for _, desc in calls} == {f"Downloading CLIP ViT-B/32, {ex.human_size(CLIP_BYTES[0])}"}
    assert all(0 <= f <= 1 for f, _ in calls) and calls[-1][0] == 1
