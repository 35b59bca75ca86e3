"""A model's weights fetched from a stand-in Hub on 127.0.0.1 (tests/stand_in.py) into the Hugging
Face cache at the card's revision, as `python -m pipeline fetch` and the app's "Download weights"
button do: its size first, the disk checked, progress, Stop, and the cache found by `locate` after.

    .venv/bin/python -m pytest -q tests/test_fetch_weights.py
"""

from __future__ import annotations

import re
import shutil
import threading
from collections import namedtuple
from pathlib import Path

import pytest

from pipeline.download import DownloadStopped
from pipeline.errors import FetchError
from pipeline.registry import get_card
from pipeline.weights import download_size, fetch, locate
from stand_in import StandIn
from tiny_models import save_tiny

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def tiny_ltx(tmp_path_factory) -> Path:
    return save_tiny("ltx-video", tmp_path_factory.mktemp("hub") / "ltx")


@pytest.fixture()
def hub(tiny_ltx, tmp_path, monkeypatch):
    """A connected machine whose Hub is the stand-in serving a tiny LTX-Video under the card's repo id."""
    import huggingface_hub.constants as constants

    card = get_card("ltx-video")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("SPACETIME_WEIGHTS_LTX_VIDEO", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    with StandIn() as server:
        server.add_repo(card.repo_id, tiny_ltx, COMMIT)
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


def test_the_weights_arrive_in_the_cache_with_progress_and_locate_finds_them(hub, tiny_ltx):
    card = get_card("ltx-video")
    size = download_size(card)
    served = sum(p.stat().st_size for p in tiny_ltx.rglob("*") if p.is_file())
    assert size is not None and 0 < size <= served  # what the card's fetch patterns take
    seen = []
    folder = fetch(card, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (size, size) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    assert folder == locate(card) and folder.name == COMMIT  # the cache at the pinned commit, found again
    assert hub.gets("diffusion_pytorch_model.safetensors") >= 1


def test_stop_ends_the_download_and_the_next_one_completes(hub):
    card = get_card("ltx-video")
    stop = threading.Event()
    with pytest.raises(DownloadStopped, match="stopped after"):
        fetch(card, progress=lambda done, total: stop.set(), stop=stop)
    with pytest.raises(Exception, match="weights"):
        locate(card)
    assert fetch(card) == locate(card)


def test_a_disk_too_small_is_refused_before_any_file(hub, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(FetchError, match=r"not enough disk space: its weights take .*, 1.0 kB free"):
        fetch(get_card("ltx-video"))
    assert not any("/resolve/" in path for _, path, _ in hub.requests())


def test_offline_fetches_nothing(hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FetchError, match="HF_HUB_OFFLINE is set"):
        fetch(get_card("ltx-video"))
    assert download_size(get_card("ltx-video")) is None and hub.requests() == []


# ---------------------------------------------------------------- the app's "Download weights" handler


def test_the_app_offers_the_size_downloads_with_progress_and_the_note_clears(hub):
    from ui import weights_button

    assert "weights can be downloaded" in weights_button.offer("ltx-video") and " kB**" in weights_button.offer("ltx-video")
    assert weights_button.offer("tinyworld") is None  # its weights ship with the repository
    hub.delay["diffusion_pytorch_model.safetensors"] = 0.05  # a few updates of the progress line
    updates = list(weights_button.download("ltx-video", "t2v"))
    lines = [status for status, _, _ in updates]
    assert any(re.search(r"Downloading \*\*ltx-video\*\* weights, \d+ kB: \d+%", line) for line in lines[:-1]), lines
    status, note, row = updates[-1]
    assert "weights downloaded" in status and "⚠️" not in note and row["visible"] is False
    assert weights_button.offer("ltx-video") is None  # nothing left to offer


def test_the_app_stops_a_download_and_the_button_resumes_it(hub):
    from ui import weights_button

    hub.delay["diffusion_pytorch_model.safetensors"] = 0.2
    updates = weights_button.download("ltx-video", "t2v")
    next(updates)  # running
    weights_button.stop(None)
    status = list(updates)[-1][0]
    assert status.startswith("⏹️ Stopped") and "picks up where it stopped" in status
    hub.delay.clear()
    assert "weights downloaded" in list(weights_button.download("ltx-video", "t2v"))[-1][0]


def test_the_app_refuses_offline_and_a_full_disk_with_a_message(hub, monkeypatch):
    import gradio as gr

    from ui import weights_button

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(gr.Error, match="not enough disk space"):
        list(weights_button.download("ltx-video", "t2v"))
    monkeypatch.setenv("SPACETIME_FETCH", "never")
    assert weights_button.offer("ltx-video") is None
    with pytest.raises(gr.Error, match=r"model: ltx-video's weights are not downloaded here \(SPACETIME_FETCH=never\)"):
        list(weights_button.download("ltx-video", "t2v"))
    assert not any("/resolve/" in path for _, path, _ in hub.requests())
