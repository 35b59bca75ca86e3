"""The app in headless Debian Chromium: type, generate, watch it play; upload an image; extend the
result; run a probe; a bad prompt names the field. Saves a screenshot of each tab to
docs/screenshots/ (the README shows them).

    .venv/bin/python -m pytest -q tests/test_app_browser.py

Drives /usr/bin/chromium through playwright, never `playwright install`; without chromium the
test fails and says how to install it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from world import parse
from world.render import make_clip

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PLAYING = """n => [...document.querySelectorAll('video')].filter(v => v.offsetParent !== null)
  .filter(v => v.readyState >= 2 && v.duration > 0).length >= n"""  # visible videos that loaded and have a length


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    server = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--outputs", str(folder / "outputs"),
                               "--db", str(folder / "t.db")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    address = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(address, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("app.py did not answer within 90 s")
    yield address, folder
    server.kill()
    server.wait()


@pytest.fixture(scope="module")
def page(url):
    if not CHROMIUM.is_file():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium (as .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url[0])
        page.wait_for_selector("textarea")
        yield page
        browser.close()


def tab(page, name: str):
    page.get_by_role("tab", name=name).click()
    return page.locator("div[role=tabpanel]:visible").first


def wait_playing(page, count: int = 1, timeout: float = 60_000) -> None:
    try:
        page.wait_for_function(PLAYING, arg=count, timeout=timeout)
    except Exception:
        page.screenshot(path=str(SHOTS / "failed.png"), full_page=True)  # what the page showed; not committed
        raise


def test_every_tab_generates_in_the_browser(page, url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel = tab(page, "Text to video")
    panel.get_by_label("Prompt").first.fill("a red ball falls and bounces")
    panel.get_by_role("button", name="Generate", exact=True).click()
    wait_playing(page)
    page.get_by_text("probe: presence").first.wait_for(timeout=60_000)  # the metrics filled in after the video
    row = panel.get_by_label("Row id in the evaluation table").input_value()
    assert len(row) == 12
    page.screenshot(path=str(SHOTS / "t2v.png"), full_page=True)

    panel = tab(page, "Image to video")
    image = url[1] / "first.png"
    Image.fromarray(make_clip(parse("a blue box falls").spec, seed=0, frames=1, width=64, height=64).frames[0]).save(image)
    panel.locator("input[type=file]").first.set_input_files(str(image))
    panel.get_by_label("Prompt").first.fill("a blue box falls")
    panel.get_by_role("button", name="Generate", exact=True).click()
    wait_playing(page)
    page.wait_for_timeout(3000)
    page.screenshot(path=str(SHOTS / "i2v.png"), full_page=True)

    panel = tab(page, "Extend & fill in")
    panel.get_by_role("button", name="Take the last result").click()
    panel.get_by_label("Prompt").first.fill("a blue box falls")
    panel.get_by_role("button", name="Generate", exact=True).first.click()
    wait_playing(page, 3)  # the clip taken, the new part and the joined clip
    page.wait_for_timeout(3000)
    page.screenshot(path=str(SHOTS / "extend.png"), full_page=True)

    panel = tab(page, "Failure probes")
    panel.get_by_role("button", name="Generate", exact=True).click()
    wait_playing(page, 2)  # the clip with its evidence, and the world's own clip
    panel.get_by_text("gravity").first.wait_for(timeout=60_000)  # a verdict row of the physics suite's probe
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "probes.png"), full_page=True)


def test_an_empty_prompt_shows_a_message_naming_the_field(page):
    panel = tab(page, "Text to video")
    panel.get_by_label("Prompt").first.fill("")
    panel.get_by_role("button", name="Generate", exact=True).click()
    toast = page.get_by_text("prompt:", exact=False).last
    toast.wait_for(timeout=30_000)
    assert "prompt" in toast.inner_text()
