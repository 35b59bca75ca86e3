"""The review side of the app in headless Debian Chromium: a 2-model compare, the dashboard filtered
by model with a plot and a row, and a `?run=<id>` link opened from a fresh page. Saves compare.png,
dashboard.png and dashboard-figures.png where test_app_browser puts its screenshots (runs/screenshots,
or the README's docs/screenshots with SPACETIME_SCREENSHOTS=docs/screenshots).

    .venv/bin/python -m pytest -q tests/test_app_browser_review.py

The second model is a tiny random LTX-Video of the real diffusers classes (tests/tiny_models.py),
given to the app through SPACETIME_WEIGHTS_LTX_VIDEO, so both slots really generate offline.
"""

from __future__ import annotations

import re

import pytest
from app_server import running_app
from test_app_browser import ARGS, CHROMIUM, screenshot, wait_playing
from tiny_models import save_tiny

TIMEOUT = 90_000  # ms: a compare generates twice and scores both


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)")
    folder = tmp_path_factory.mktemp("review")
    ltx = save_tiny("ltx-video", folder / "tiny-ltx")
    with running_app(folder, {"SPACETIME_WEIGHTS_LTX_VIDEO": str(ltx)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def visible_panel(page):
    return page.locator("div[role=tabpanel]:visible").first


def pick(panel, label: str, option: str, index: int = 0) -> None:
    """Choose `option` in the `index`-th single-choice dropdown labelled `label` of the panel: type to
    filter the list, click the option once it shows (Enter could race the filter and keep the old
    value), and check the box took it."""
    from playwright.sync_api import expect

    box = panel.get_by_label(label, exact=True).nth(index)
    box.click()
    box.fill(option)
    box.page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
    expect(box).to_have_value(option, timeout=10_000)


def add_filter(panel, label: str, value: str) -> None:
    """Add `value` to the multiselect filter labelled `label` (it takes custom values, so Enter adds
    exactly what was typed), and check its token shows."""
    from playwright.sync_api import expect

    box = panel.get_by_label(label, exact=True)
    box.click()
    box.fill(value)
    box.press("Enter")
    expect(panel.locator(".token").filter(has_text=value).first).to_be_visible(timeout=10_000)


def test_compare_then_dashboard_then_a_run_link(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_role("tab", name="Compare").click()
    panel = visible_panel(page)
    # Before any comparison the side-by-side table shows its real headers, not placeholders ("1", "2", "3").
    headers = [h.strip() for h in panel.get_by_label("Side by side (one row per slot)").locator("th").all_inner_texts()]
    assert headers[:2] == ["slot", "model"] and not {"1", "2", "3"} & set(headers), headers
    screenshot(page, "compare-before")
    pick(panel, "Model", "ltx-video", index=1)  # slot 2: the tiny LTX-Video; slot 1 stays tinyworld
    panel.get_by_label("Frames (every slot)").fill("9")
    panel.get_by_label("Size WxH (every slot)").fill("64x64")
    panel.get_by_role("button", name="Compare", exact=True).click()
    done = panel.get_by_text(re.compile(r"Run \d+ \(done\)"))
    done.wait_for(timeout=TIMEOUT)
    run_id = int(re.search(r"Run (\d+)", done.inner_text()).group(1))
    wait_playing(page, "Slot 1", "Slot 2", size=(64, 64))
    cells = panel.get_by_label("Side by side (one row per slot)").locator("[data-testid^=cell-]").all_inner_texts()
    assert "tinyworld" in cells and "ltx-video" in cells, cells
    screenshot(page, "compare")

    # Dashboard: filter by model; a plot and the row show.
    page.get_by_role("tab", name="Dashboard").click()
    panel = visible_panel(page)
    add_filter(panel, "Model", "ltx-video")
    panel.get_by_role("button", name="Apply filters").click()
    panel.get_by_text(re.compile(r"\b1 generations match")).wait_for(timeout=30_000)
    rows = panel.get_by_label("Generations (click a row to play it)").locator("[data-testid^=cell-]")
    assert "ltx-video" in rows.all_inner_texts() and "tinyworld" not in rows.all_inner_texts()
    rows.filter(has_text="ltx-video").first.click()  # a row plays with its verdicts
    wait_playing(page, "Selected generation", size=(64, 64))
    screenshot(page, "dashboard")
    panel.get_by_role("tab", name="Figures").click()  # the plots, for the filtered model only
    page.wait_for_function("() => { const g = document.querySelector('.js-plotly-plot'); "
                           "return g && g.data && g.data.length && g.data.every(t => t.name === 'ltx-video'); }",
                           timeout=30_000)
    assert panel.locator(".js-plotly-plot").count() == 4
    screenshot(page, "dashboard-figures")

    # A run link from a fresh page opens that run in the dashboard.
    fresh = browser.new_page(viewport={"width": 1400, "height": 1000})
    fresh.goto(f"{server}?run={run_id}")
    panel = visible_panel(fresh)
    panel.get_by_text(re.compile(rf"\b2 generations match .*run {run_id}")).wait_for(timeout=30_000)
    assert fresh.get_by_role("tab", name="Dashboard").get_attribute("aria-selected") == "true"
    texts = panel.get_by_label("Generations (click a row to play it)").locator("[data-testid^=cell-]").all_inner_texts()
    assert {"tinyworld", "ltx-video"} <= set(texts), texts

    # The link's page selects the dashboard in the browser, without waiting for the server's answer
    # (ui/links.py: the tab is drawn while the rows are read).
    from playwright.sync_api import expect

    held = browser.new_page(viewport={"width": 1400, "height": 1000})
    held.route("**/gradio_api/run/predict*", lambda route: None)  # the page-load event is never answered
    held.goto(f"{server}?run={run_id}")
    expect(held.get_by_role("tab", name="Dashboard")).to_have_attribute("aria-selected", "true", timeout=30_000)
    assert "generations match" not in held.locator("body").inner_text()  # the rows are still being read
    held.close()
