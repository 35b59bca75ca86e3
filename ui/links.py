"""Shareable links: `?run=<id>` opens that evaluation run in the dashboard, `?gen=<id>` that generation.

The first time a page opens the dashboard tab, the dashboard gets fresh filter choices and its first
page, then its figures; a link opens that tab as soon as the page loads, narrowed to what the link
names. A link to something not in the table says so in the dashboard instead of failing the page.

Not at page load: Gradio's page passes every status message (each progress step of a generation,
each answer) to every component an event of the page has filled, copying its value, so a dashboard
filled at load slowed every click in the other tabs, the more so the bigger the table
(docs/benchmarks.md).
"""

from __future__ import annotations

import gradio as gr

from ui import dashboard, shared

# open_link's outputs: the visit count, 4 filter choices, run, generation id, 3 table outputs, 4 shown.
LINK_OUTPUTS = ("visits", "models", "modes", "suite", "runs", "run", "generation", "rows", "status", "page",
                "video", "details", "verdicts", "image")

DASHBOARD_TAB = "dashboard"
# A link's page selects the dashboard tab in the browser as soon as the page loads; selecting it fills
# the dashboard (wire), narrowed to the link.
# The click waits one turn of the event loop, after the page's own load handlers.
SELECT_TAB_JS = f"""() => {{ const asked = new URLSearchParams(window.location.search);
  if (!asked.get('run') && !asked.get('gen')) return;
  setTimeout(() => {{ const tab = document.querySelector('button[role=tab][data-tab-id="{DASHBOARD_TAB}"]');
    if (tab) tab.click(); }}, 0); }}"""


def link_targets(request: gr.Request | None) -> tuple[str, str, str]:
    """-> (run id, generation id, a problem with them or '') from the page's query string."""
    params = dict(request.query_params) if request is not None else {}
    run, gen = (params.get("run") or "").strip(), (params.get("gen") or "").strip()
    table = shared.table()
    if run:
        run_id = dashboard.row_id(run)
        if run_id is None or not table.db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
            return "", gen, f"⚠️ run: `{quoted(run)}` from the link is not a run in the evaluation table"
    if gen and not table.db.execute("SELECT 1 FROM generations WHERE id = ?", (gen,)).fetchone():
        return run, "", f"⚠️ gen: `{quoted(gen)}` from the link is not a generation in the evaluation table"
    return run, gen, ""


def quoted(text: str) -> str:
    """A link's value as the message quotes it: short, and no backtick to break out of the code span."""
    return text[:40].replace("`", "'")


def open_link(visits: int, request: gr.Request = None):
    """The dashboard tab opened: -> (visits + 1, the dashboard's filter choices, run, generation id, its
    rows, the selected generation), all but the count skipped after the first visit, which keeps what
    the user has filtered since; the figures follow in open_figures, so the rows show first."""
    if visits:
        return visits + 1, *(gr.skip(),) * (len(LINK_OUTPUTS) - 1)
    run, gen, problem = link_targets(request)
    view = list(dashboard.refresh_rows([], [], "", run, "", "", "", "", "newest", 1))
    if problem:
        view[1] = f"{problem}  \n{view[1]}"
    # What a link does not change is skipped, not sent again: every output the page must redraw
    # delays the rows a shared link opens on.
    shown = dashboard.show_generation(gen) if gen else (gr.skip(),) * 4  # video, details, verdicts, image
    return (1, *dashboard.filter_choices(), int(run) if run else gr.skip(), gen or gr.skip(), *view, *shown)


def open_figures(visits: int, request: gr.Request = None):
    """-> the dashboard's four figures for the page's link (all generations when there is none), on the
    tab's first visit only."""
    if visits != 1:
        return (gr.skip(),) * 4
    run, _, _ = link_targets(request)
    return dashboard.refresh_figures([], [], "", run, "", "", "", "", "flicker")


def wire(tab: gr.Tab, board: dashboard.Controls) -> None:
    """Fill the dashboard when its tab is first opened (by a person, or by a link's page at load)."""
    visits = gr.State(0)
    outputs = [visits, *board.choices, board.run, board.generation, *board.view.table_outputs(), *board.show]
    assert len(outputs) == len(LINK_OUTPUTS)
    tab.select(open_link, visits, outputs, api_name=False, queue=False).then(
        open_figures, visits, board.view.figure_outputs(), api_name=False)
