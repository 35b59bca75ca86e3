"""The mp4 that `python -m pipeline generate` writes plays in headless Chromium.

    .venv/bin/python -m pytest -q tests/test_mp4_browser.py

Drives Debian's chromium (apt-get install -y chromium; .ci/run does this) through playwright,
never `playwright install`. The page is served from a localhost HTTP server, as a browser would
see a Space. Without chromium the test fails and says how to install it; it is never skipped.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PAGE = """<!doctype html><meta charset="utf-8">
<video id="v" src="clip.mp4" muted playsinline preload="auto"></video>
<script>
  const v = document.getElementById("v");
  const done = r => { if (window.report === undefined) window.report = r; };
  v.addEventListener("error", () => done({error: v.error ? v.error.code : -1, message: v.error && v.error.message}));
  v.addEventListener("ended", () => done({error: null, duration: v.duration, width: v.videoWidth,
                                          height: v.videoHeight, played: v.currentTime}));
  v.addEventListener("loadeddata", () => v.play().catch(e => done({error: "play: " + e})));
</script>"""


@pytest.fixture()
def served(ltx_cli_clip):
    """http://127.0.0.1:PORT/ serving index.html and the CLI's clip.mp4."""
    folder = ltx_cli_clip[0].parent
    (folder / "index.html").write_text(PAGE)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_generated_mp4_plays_in_headless_chromium(served):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (as .ci/run does); "
                    "this test drives the system chromium and never downloads one")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.goto(served + "index.html")
            page.wait_for_function("window.report !== undefined", timeout=30_000)
            report = page.evaluate("window.report")
        finally:
            browser.close()
    assert report["error"] is None, report
    assert abs(report["duration"] - 9 / 24) < 0.05, report  # 9 frames at 24 fps
    assert (report["width"], report["height"]) == (64, 64)
    assert report["played"] > 0.3, report  # it played through to the end
