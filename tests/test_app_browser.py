"""The app in headless Debian Chromium, as a person uses it: type a prompt and watch the video play;
upload a first frame; extend the last result; run a failure probe; an empty prompt is a message
naming the field. Saves a full-page screenshot of each tab, taken once its results, metrics
included, are on the page: to runs/screenshots/, or to the README's docs/screenshots/ with
SPACETIME_SCREENSHOTS=docs/screenshots (so a test run leaves the repository as it was).

    .venv/bin/python -m pytest -q tests/test_app_browser.py      # about 90 s on a 2-core CPU
    SPACETIME_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest -q tests/test_app_browser.py tests/test_app_browser_review.py

`app.py` runs as a subprocess on a free port with a temporary outputs folder and table. The
browser is /usr/bin/chromium driven through playwright, never `playwright install`; without it
the test fails and says how to install it (apt-get install -y chromium, as .ci/run does). It is
never skipped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from app_server import running_app
from PIL import Image

from world import parse
from world.render import make_clip

ROOT = Path(__file__).resolve().parent.parent
# Where the screenshots go: runs/screenshots (not committed), or the README's docs/screenshots when they
# are to be refreshed: SPACETIME_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest -q tests/test_app_browser*.py
SHOTS = ROOT / os.environ.get("SPACETIME_SCREENSHOTS", "runs/screenshots")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
RESULT_TIMEOUT = 60_000  # ms for one generation (the first also loads the model) and its metrics
PROMPT = "a red ball falls and bounces"
VERDICT = re.compile(r"^\s*(pass|fail)\s*$")  # a probe's verdict cell (the other verdict: inconclusive)

FAILED = ROOT / "runs" / "app_browser_failed.png"  # the page when a wait times out (runs/ is not committed)

# The <video> of each named gr.Video in the visible tab panel, looked up afresh on every poll (Gradio
# re-renders panels; a handle held across that goes stale). Gradio names the player "<label>-player".
# Each must be loaded (readyState >= 2, HAVE_CURRENT_DATA) with a length, and results (autoplay) playing.
VIDEOS = """labels => labels.map(label => {
  const panel = [...document.querySelectorAll('div[role=tabpanel]')].find(p => p.offsetParent !== null);
  const v = panel && panel.querySelector(`[data-testid="${label}-player"] video, video[data-testid="${label}-player"]`);
  return v && {label, readyState: v.readyState, duration: v.duration, time: v.currentTime, paused: v.paused,
               width: v.videoWidth, height: v.videoHeight, src: v.currentSrc};
})"""
READY = f"""([labels, play]) => ({VIDEOS})(labels)
  .every(v => v && v.readyState >= 2 && v.duration > 0 && (!play || v.time > 0))"""
# Whether the metrics were still "computing…" when the next video in the page had its first frame.
WATCH_FIRST_FRAME = """() => { window.__computing_at_first_frame = null;
  document.addEventListener('loadeddata', () => { if (window.__computing_at_first_frame === null)
    window.__computing_at_first_frame = document.body.innerText.includes('computing…'); }, {capture: true, once: true}); }"""


@pytest.fixture(scope="module")
def chromium():
    """The system chromium, checked before the server starts: a missing one fails at once."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium with `apt-get install -y chromium` "
                    "(as .ci/run does); this test drives the system chromium and never downloads one")
    return CHROMIUM


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory):
    """app.py on a free port with its own outputs folder and table: (url, folder)."""
    folder = tmp_path_factory.mktemp("app_browser")
    with running_app(folder) as url:
        yield url, folder


@pytest.fixture(scope="module")
def page(chromium, server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server[0])
            page.get_by_role("tab", name="Text to video").wait_for(timeout=30_000)
            yield page
        finally:
            browser.close()


def open_tab(page, name: str):
    """Click a tab; -> its panel (Gradio keeps visited panels in the page, hidden)."""
    page.get_by_role("tab", name=name).click()
    panel = page.locator("div[role=tabpanel]:visible").first
    panel.get_by_role("button", name="Generate", exact=True).first.wait_for()
    return panel


def wait_playing(page, *labels: str, play: bool = True, size: tuple | None = (64, 64)) -> list[dict]:
    """Wait until each named video in the visible tab loaded, has a length and (play) plays; -> their states.
    size: the frame size each must have (tinyworld's default 64x64), None for any."""
    try:
        page.wait_for_function(READY, arg=[list(labels), play], timeout=RESULT_TIMEOUT)
    except Exception as error:
        state = page.evaluate(VIDEOS, list(labels))
        FAILED.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(FAILED), full_page=True)
        toasts = page.get_by_test_id("toast-text").all_inner_texts()
        raise AssertionError(f"videos {labels} not {'playing' if play else 'loaded'}: {state}; "
                             f"messages: {toasts}; the page: {FAILED}") from error
    states = page.evaluate(VIDEOS, list(labels))
    for v in states:
        assert v["readyState"] >= 2 and v["duration"] > 0, v
        assert size is None or (v["width"], v["height"]) == size, v
    return states


def screenshot(page, name: str) -> None:
    page.mouse.move(0, 0)  # no hover highlight in the picture
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_every_tab_generates_in_the_browser(page, server):
    SHOTS.mkdir(parents=True, exist_ok=True)

    # Text to video: type, Generate, the video plays, the row id is shown, metrics fill in.
    panel = open_tab(page, "Text to video")
    panel.get_by_label("Prompt").first.fill(PROMPT)
    page.evaluate(WATCH_FIRST_FRAME)
    panel.get_by_role("button", name="Generate", exact=True).click()
    wait_playing(page, "Result")
    row = panel.get_by_label("Row id in the evaluation table").first
    assert len(row.input_value()) == 12, row.input_value()  # the table's generation id
    panel.get_by_text("probe: presence").first.wait_for(timeout=RESULT_TIMEOUT)
    assert page.evaluate("window.__computing_at_first_frame") is True  # the video showed before the metrics ran
    screenshot(page, "t2v")

    # Image to video: upload a world frame as the first frame.
    panel = open_tab(page, "Image to video")
    image = server[1] / "first-frame.png"
    frame = make_clip(parse(PROMPT).spec, seed=0, frames=1, width=64, height=64).frames[0]
    Image.fromarray(frame).save(image)
    panel.locator("input[type=file][accept^='image']").first.set_input_files(str(image))
    panel.locator("img[src*='first-frame']").first.wait_for(timeout=30_000)  # the upload is shown
    panel.get_by_label("Prompt").first.fill(PROMPT)
    panel.get_by_role("button", name="Generate", exact=True).click()
    wait_playing(page, "Result")
    assert len(panel.get_by_label("Row id in the evaluation table").first.input_value()) == 12
    panel.get_by_text("probe: presence").first.wait_for(timeout=RESULT_TIMEOUT)
    screenshot(page, "i2v")

    # Extend: take the last result (the i2v clip), Generate; the new part and the joined clip play.
    panel = open_tab(page, "Extend & fill in")
    panel.get_by_role("button", name="Take the last result").click()
    wait_playing(page, "Clip to extend", play=False)  # an input: loaded, not autoplayed
    panel.get_by_label("Prompt").first.fill(PROMPT)
    panel.get_by_role("button", name="Generate", exact=True).first.click()
    new_part, joined = wait_playing(page, "New part", "Joined clip")
    assert joined["duration"] > new_part["duration"], (new_part, joined)  # the clip taken plus the new part
    panel.get_by_text("probe: presence").first.wait_for(timeout=RESULT_TIMEOUT)
    screenshot(page, "extend")

    # Edit: take the last result (the new part), ask for another colour; the source and the edit play side by side.
    panel = open_tab(page, "Edit")
    panel.get_by_role("button", name="Take the last result").click()
    wait_playing(page, "Clip to edit", play=False)
    panel.get_by_label("Prompt: the video you want").first.fill("a blue ball falls and bounces")
    panel.get_by_role("button", name="Generate", exact=True).first.click()
    source, edited = wait_playing(page, "Source (as the model saw it)", "Edited clip")
    assert abs(source["duration"] - edited["duration"]) < 0.2, (source, edited)  # an edit keeps its source's length
    panel.get_by_text("probe: presence").first.wait_for(timeout=RESULT_TIMEOUT)
    screenshot(page, "edit")

    # Failure probes: the default category and prompt; the verdict table says pass or fail.
    panel = open_tab(page, "Failure probes")
    panel.get_by_role("button", name="Generate", exact=True).click()
    wait_playing(page, "Generated, with the probes' evidence", "The world's own clip (ground truth)",
                 size=None)  # upscaled, with the verdicts written under the frame
    for label in ("Verdicts on the generated clip", "Verdicts on the ground truth"):
        cells = panel.get_by_label(label).locator("[data-testid^=cell-]")
        cells.filter(has_text=VERDICT).first.wait_for(timeout=RESULT_TIMEOUT)
        assert any(VERDICT.match(c) for c in cells.all_inner_texts()), cells.all_inner_texts()
    screenshot(page, "probes")


def test_one_frame_shows_as_an_image_and_the_next_clip_as_a_video_again(page):
    panel = open_tab(page, "Text to video")
    panel.get_by_label("Prompt").first.fill(PROMPT)
    panel.get_by_text("Advanced").first.click()
    frames = panel.get_by_label("Frames", exact=True).first
    for count, shown in (("1", "img[src*='.png']"), ("4", "video")):
        frames.click()
        frames.fill(count)
        page.get_by_role("option", name=count, exact=True).click()
        panel.get_by_role("button", name="Generate", exact=True).click()
        panel.locator(shown).first.wait_for(timeout=RESULT_TIMEOUT)
        if count == "1":
            assert panel.locator("video").count() == 0 and "an image, 64x64" in panel.inner_text()
            screenshot(page, "t2i")
        else:
            wait_playing(page, "Result")
            assert panel.locator("img[src*='.png']").count() == 0  # the image is hidden again


def test_an_empty_prompt_shows_a_message_naming_the_field(page):
    panel = open_tab(page, "Text to video")
    panel.get_by_label("Prompt").first.fill("")
    panel.get_by_role("button", name="Generate", exact=True).click()
    toast = page.get_by_test_id("toast-text").filter(has_text="empty").last
    toast.wait_for(timeout=30_000)
    assert "prompt" in toast.inner_text().lower(), toast.inner_text()
