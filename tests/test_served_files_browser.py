"""No file the server hands back runs script in the app's origin (SECURITY.md): an SVG and an HTML
file, each carrying script, are uploaded through Gradio's upload route (as the page does) and opened
in headless Debian Chromium from the app's own page: as a page of their own, in a frame, as an
image and as an object. No dialog opens and the file's script writes nothing to the console.
A file an image field refuses is gone at once.

    .venv/bin/python -m pytest -q tests/test_served_files_browser.py
"""

from __future__ import annotations

import httpx
import pytest
from app_server import running_app
from gradio_client import Client, handle_file
from test_app_browser import ARGS, CHROMIUM

MARK = "spacetime-script-ran"
SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="alert('{MARK}')">
<script>console.log('{MARK}'); alert('{MARK}');</script><rect width="64" height="64" fill="red"/></svg>"""
HTML = f"""<!doctype html><html><body onload="alert('{MARK}')"><script>console.log('{MARK}');
alert('{MARK}'); document.title = '{MARK}';</script><img src=x onerror="console.log('{MARK}')"></body></html>"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, as .ci/run does)")
    folder = tmp_path_factory.mktemp("served")
    with running_app(folder) as url:
        yield url.rstrip("/"), folder


def upload(url: str, name: str, text: str) -> str:
    """POST the file to Gradio's upload route -> the URL the server serves it at."""
    answer = httpx.post(f"{url}/gradio_api/upload", files=[("files", (name, text.encode()))])
    assert answer.status_code == 200, answer.text
    return f"{url}/gradio_api/file={answer.json()[0]}"


def test_uploaded_svg_and_html_run_no_script_in_the_apps_origin(server):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    url, _ = server
    served = [upload(url, "evil.svg", SVG), upload(url, "evil.html", HTML)]
    for link in served:
        answer = httpx.get(link)
        assert answer.status_code == 200 and answer.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in answer.headers["content-security-policy"]
        assert answer.headers["content-disposition"].startswith("attachment")
    seen: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.on("console", lambda message: seen.append(f"console: {message.text}"))
        page.goto(url + "/")
        page.wait_for_selector("button[role=tab]")
        for link in served:
            page.evaluate("""link => { for (const [tag, attr] of [['iframe', 'src'], ['img', 'src'], ['object', 'data'],
                                                                    ['embed', 'src']]) {
                const node = document.createElement(tag); node[attr] = link; document.body.appendChild(node); } }""",
                          link)
        page.wait_for_timeout(1500)
        for link in served:  # opened as a page of its own: a download, never a document
            opened = context.new_page()
            opened.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"), dialog.dismiss()))
            opened.on("console", lambda message: seen.append(f"console: {message.text}"))
            try:
                opened.goto(link)
            except PlaywrightError as error:
                assert "Download is starting" in str(error) or "ERR_ABORTED" in str(error), error
            opened.wait_for_timeout(500)
            assert MARK not in opened.title()
        browser.close()
    assert not [s for s in seen if MARK in s or s.startswith("dialog")], seen


def test_a_refused_upload_is_deleted_and_not_served(server, tmp_path):
    url, folder = server
    svg = tmp_path / "picture.svg"
    svg.write_text(SVG)
    client = Client(url + "/", verbose=False, download_files=str(tmp_path / "downloads"))
    with pytest.raises(Exception, match="image: picture.svg is not a PNG, JPEG or WebP image"):
        client.predict(handle_file(str(svg)), "a red ball falls", "", "tinyworld", "0", False, 1, 3.0, 4, "64x64", 8,
                       api_name="/i2v")
    assert not list((folder / "outputs" / "uploads").rglob("picture.svg"))
