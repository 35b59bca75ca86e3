"""The app on a connected machine, in headless Chromium: a model without weights offers them with
their size, "Download weights" shows the progress, and the model then generates. The Hub is a
stand-in on 127.0.0.1 (tests/stand_in.py) serving a tiny random LTX-Video of the real diffusers
classes under the card's repo id (slowed down so the progress can be watched) and a tiny CLIP
at the pinned commit, which the app fetches on first use, so the row gets a CLIP score (of random
weights: not a real score).

    .venv/bin/python -m pytest -q tests/test_fetch_browser.py      # about 40 s on a 2-core CPU
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from app_server import running_app

import tiny_extractors
from eval.metrics import extractors as ex
from pipeline.registry import get_card
from stand_in import StandIn
from test_app_browser import ARGS, CHROMIUM
from tiny_models import save_tiny

COMMIT = "0123456789abcdef0123456789abcdef01234567"
DOWNLOAD_S = 4.0  # how long the stand-in takes to send the weights: long enough to see the progress
TIMEOUT = 90_000  # ms


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)")
    folder = tmp_path_factory.mktemp("fetch_browser")
    ltx = save_tiny("ltx-video", folder / "hub" / "ltx")
    clip = tiny_extractors.save_tiny_clip(folder / "hub" / "clip")
    (clip / ex.SUMS).unlink()
    with StandIn() as hub:
        hub.add_repo(get_card("ltx-video").repo_id, ltx, COMMIT)
        hub.add_repo(ex.CLIP_REPO, clip, ex.CLIP_REVISION)
        chunks = sum(p.stat().st_size for p in ltx.rglob("*.safetensors")) / (1 << 14)
        for name in ("diffusion_pytorch_model.safetensors", "model.safetensors"):
            hub.delay[name] = DOWNLOAD_S / chunks
        env = {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": hub.url, "SPACETIME_DOWNLOAD_MIRROR": hub.url,
               "HF_HOME": str(folder / "hf"), "SPACETIME_EXTRACTORS": str(folder / "extractors"),
               "SPACETIME_MODEL": "ltx-video", "SPACETIME_WEIGHTS_LTX_VIDEO": ""}
        with running_app(folder, env) as url:
            yield url, hub


def test_download_weights_through_the_button_then_generate(app):
    from playwright.sync_api import expect, sync_playwright

    url, hub = app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            panel = page.locator("div[role=tabpanel]:visible").first
            offer = panel.get_by_text(re.compile(r"ltx-video weights can be downloaded .* \d+ kB"))
            offer.wait_for(timeout=30_000)
            panel.get_by_text("weights incomplete").or_(panel.get_by_text("no weights folder")).first.wait_for()

            panel.get_by_role("button", name="Download weights").click()
            line = panel.get_by_text(re.compile(r"Downloading ltx-video weights, \d+ kB: \d+%"))
            shares = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not panel.get_by_text("weights downloaded").count():
                if line.count():
                    shares.append(int(re.search(r"(\d+)%", line.first.inner_text()).group(1)))
                time.sleep(0.2)
            assert any(0 < s < 100 for s in shares), shares  # the progress was on the page while it ran
            expect(panel.get_by_text(re.compile(r"ltx-video weights downloaded"))).to_be_visible(timeout=30_000)
            expect(panel.get_by_role("button", name="Download weights")).to_be_hidden()
            expect(panel.get_by_text("weights incomplete")).to_have_count(0)
            assert hub.gets("diffusion_pytorch_model.safetensors") == 2  # the transformer's and the VAE's, once each

            panel.get_by_text("Advanced").first.click()
            steps = panel.get_by_label("number input for Steps")
            steps.fill("2")
            steps.press("Enter")
            pick(panel, "Frames", "9")
            pick(panel, "Size (WxH)", "512x512")
            panel.get_by_label("Prompt").first.fill("a red ball falls and bounces")
            panel.get_by_role("button", name="Generate", exact=True).click()
            page.wait_for_function("""() => { const v = [...document.querySelectorAll('div[role=tabpanel] video')]
                .find(v => v.offsetParent !== null); return v && v.readyState >= 2 && v.duration > 0; }""",
                                   timeout=TIMEOUT)
            model_line = panel.get_by_text(re.compile(r"model `?ltx-video`?"))
            expect(model_line.first).to_be_visible()
            panel.get_by_text("probe: presence").first.wait_for(timeout=TIMEOUT)  # the metrics are in
            cells = [c.strip() for c in panel.locator("[data-testid^=cell-]").all_inner_texts()]
            clip = cells[cells.index("clip_score") + 1]
            assert re.fullmatch(r"-?[\d.]+(e-?\d+)?", clip), cells  # a number, from the CLIP fetched on first use
            clip_gets = [path for method, path, _ in hub.requests() if method == "GET" and path.startswith(f"/{ex.CLIP_REPO}/")]
            assert clip_gets.count(f"/{ex.CLIP_REPO}/resolve/{ex.CLIP_REVISION}/model.safetensors") == 1, clip_gets
        finally:
            browser.close()


def pick(panel, label: str, option: str) -> None:
    from playwright.sync_api import expect

    box = panel.get_by_label(label, exact=True).first
    box.click()
    box.fill(option)
    box.page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
    expect(box).to_have_value(option, timeout=10_000)
