"""Shareable links: `?run=<id>` opens that evaluation run in the dashboard, `?gen=<id>` that generation.

On every page load the dashboard gets fresh filter choices and its first page, then its figures; a link also
switches to the dashboard tab (in the browser at once, and in the answer) and narrows it to what the
link names. A link to something not in the table says so in the dashboard instead of failing the page.
"""

from __future__ import annotations

import gradio as gr

from ui import dashboard, shared

DASHBOARD_TAB = "dashboard"
# A link's page selects the dashboard tab in the browser as soon as the page loads, so the tab is
# drawn while the server reads the rows (open_link selects it too, for clients without a browser).
# The click waits one turn of the event loop: the rows' request goes out first.
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
        if not run.isdigit() or not table.db.execute("SELECT 1 FROM runs WHERE id = ?", (int(run),)).fetchone():
            return "", gen, f"⚠️ run: `{run}` from the link is not a run in the evaluation table"
    if gen and not table.db.execute("SELECT 1 FROM generations WHERE id = ?", (gen,)).fetchone():
        return run, "", f"⚠️ gen: `{gen}` from the link is not a generation in the evaluation table"
    return run, gen, ""


def open_link(request: gr.Request = None):
    """-> (tab selection, the dashboard's filter choices, run, generation id, its rows, the selected
    generation); the figures follow in open_figures, so the rows show first."""
    run, gen, problem = link_targets(request)
    view = list(dashboard.refresh_rows([], [], "", run, "", "", "", "", "newest", 1))
    if problem:
        view[1] = f"{problem}  \n{view[1]}"
    # What a link does not change is skipped, not sent again: every output the page must redraw
    # delays the rows a shared link opens on.
    shown = dashboard.show_generation(gen) if gen else (gr.skip(),) * 3
    tab = gr.Tabs(selected=DASHBOARD_TAB) if run or gen or problem else gr.skip()
    return (tab, *dashboard.filter_choices(), int(run) if run else gr.skip(), gen or gr.skip(), *view, *shown)


def open_figures(request: gr.Request = None):
    """-> the dashboard's four figures for the page's link (all generations when there is none)."""
    run, _, _ = link_targets(request)
    return dashboard.refresh_figures([], [], "", run, "", "", "", "", "flicker")
