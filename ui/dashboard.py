"""Dashboard: the evaluation table filtered, sorted and paged, its figures, downloads, and one row played.

Everything reads the table through eval/browse.py (SQL, paged), so the tab stays quick at 100,000
generations. A link `?run=<id>` opens a run here and `?gen=<id>` one generation (see app.py).
"""

from __future__ import annotations

import json

import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pandas as pd

from eval import browse, dashboard
from eval.probes import PROBES
from ui import shared, widgets
from ui.guard import upload_folder

COLUMNS = ["id", "created_at", "model", "mode", "suite", "run_id", "prompt", "seed", "steps", "frames", "seconds",
           "flicker", "motion_magnitude", "clip_score", "verdicts"]
# Wide enough for each header on one line (the table scrolls sideways); the prompt and verdicts wrap.
COLUMN_WIDTHS = {"id": "120px", "created_at": "150px", "model": "110px", "mode": "60px", "suite": "80px",
                 "run_id": "70px", "prompt": "220px", "seed": "60px", "steps": "60px", "frames": "70px",
                 "seconds": "80px", "flicker": "80px", "motion_magnitude": "150px", "clip_score": "100px",
                 "verdicts": "200px"}
FIGURE_METRICS = ("flicker", "motion_magnitude", "clip_score", "lpips_temporal",
                  # Physics-IQ runs (python -m eval physics-iq): each generation's measures against what really happened
                  "physics_iq_spatiotemporal_iou", "physics_iq_spatial_iou", "physics_iq_weighted_spatial_iou",
                  "physics_iq_mse")
EXPORT_TTL_S = 600  # a download's file is kept this long for the browser to fetch it
MAX_PAGE = 10**9  # a page number past this would overflow SQLite's OFFSET; the last page is shown instead
SQLITE_MAX_INTEGER = 2**63 - 1
NO_SELECTION = "Click a row to play it here."  # the selected-row panel before a row is picked


@dataclass
class View:
    """The dashboard's outputs: the table part (`refresh_rows`) answers first, the figures
    (`refresh_figures`) follow, so a filter shows its rows without waiting on four plots."""
    rows: gr.Dataframe
    status: gr.Markdown
    page: gr.Number
    metric_plot: gr.Plot
    pass_plot: gr.Plot
    latency_plot: gr.Plot
    history_plot: gr.Plot

    def table_outputs(self) -> list:
        return [self.rows, self.status, self.page]

    def figure_outputs(self) -> list:
        return [self.metric_plot, self.pass_plot, self.latency_plot, self.history_plot]


def row_id(text) -> int | None:
    """A run id as typed or linked: ASCII digits within SQLite's INTEGER range, else None. (int() alone
    would read '١' as 1, and a 23-digit number would overflow SQLite.)"""
    text = str(text).strip()
    if not re.fullmatch(r"[0-9]{1,19}", text, flags=re.ASCII) or int(text) > SQLITE_MAX_INTEGER:
        return None
    return int(text)


def filters_from(models, modes, suite, run, probe, status, since, until) -> browse.Filters:
    run_id = None if run in (None, "") else row_id(run)
    if run not in (None, "") and run_id is None:
        raise gr.Error(f"run: {str(run)[:40]!r} is not a run id (a whole number)", duration=None)
    return browse.Filters(models=tuple(models or ()), modes=tuple(modes or ()), suite=suite or "", run_id=run_id,
                          probe=probe or "", status=status or "", since=since or "", until=until or "")


def refresh_rows(models, modes, suite, run, probe, status, since, until, sort, number):
    """-> (page rows, 'n of total', page number) for these filters."""
    filters = filters_from(models, modes, suite, run, probe, status, since, until)
    try:
        rows, total = browse.page(shared.table(), filters, sort or "newest", min(int(number or 1), MAX_PAGE))
    except ValueError as error:
        raise gr.Error(str(error), duration=None) from None
    pages = max(1, -(-total // browse.PAGE_SIZE))
    number = max(1, min(int(number or 1), pages))  # a page past the end shows the last
    status_text = (f"**{total:,}** generations match · page {number} of {pages}"
                   + (f" · run {filters.run_id}: link `?run={filters.run_id}`" if filters.run_id is not None else ""))
    return rows.reindex(columns=COLUMNS), status_text, number


def refresh_figures(models, modes, suite, run, probe, status, since, until, metric):
    """-> the four figures for these filters: metric by model, pass rates, latency, run history."""
    filters = filters_from(models, modes, suite, run, probe, status, since, until)
    try:
        table = shared.table()
        metric = metric or "flicker"
        total = browse.count(table, filters)
        return (dashboard.metric_by_model(browse.metric_sample(table, filters, metric), metric),
                dashboard.pass_rate_figure(browse.pass_rates(table, filters),
                                           f"newest {browse.RATE_WINDOW:,} of {total:,}" if total > browse.RATE_WINDOW else ""),
                dashboard.latency_by_frames(browse.latency_sample(table, filters)),
                dashboard.run_history(table, metric))
    except ValueError as error:
        raise gr.Error(str(error), duration=None) from None


def refresh(models, modes, suite, run, probe, status, since, until, sort, number, metric):
    """-> (page rows, 'n of total', page number, the four figures): both parts at once, for scripts and tests."""
    filters = (models, modes, suite, run, probe, status, since, until)
    return (*refresh_rows(*filters, sort, number), *refresh_figures(*filters, metric))


def show_generation(generation_id: str):
    """-> (its video, its details, its verdicts, its image) for one row of the table: a one-frame
    generation (mode t2i) is a PNG, shown as the image, the video left empty."""
    generation_id = (generation_id or "").strip()
    if not generation_id:
        return None, NO_SELECTION, pd.DataFrame(columns=["probe", "status", "reason"]), None
    table = shared.table()
    found = table.frame("SELECT * FROM generations WHERE id = ?", (generation_id,))
    if found.empty:
        raise gr.Error(f"gen: {generation_id!r} is not in the evaluation table", duration=None)
    g = found.iloc[0]
    verdicts = table.frame("SELECT probe, status, reason FROM verdicts WHERE generation_id = ? ORDER BY id", (generation_id,))
    metrics = table.frame("SELECT metric, value, unavailable FROM metrics WHERE generation_id = ? ORDER BY id", (generation_id,))
    measured = ", ".join(f"{m.metric} {m.value:.4g}" for m in metrics.itertuples() if pd.notna(m.value))
    run = int(g["run_id"]) if pd.notna(g["run_id"]) else "-"  # g["mode"], not g.mode: a Series has a .mode method
    details = (f"**Row** `{g['id']}` · model `{g['model']}` · {g['mode']} · seed `{g['seed']}` · run {run}"
               f"  \n**Prompt**: {g['prompt']}  \n**Metrics**: {measured or 'none yet'}  \n**Link**: `?gen={g['id']}`")
    source = json.loads(g["request"] or "{}").get("source_generation")
    if source:
        details += f"  \n**Edit of** `?gen={source}` (paste the id above to play the source)"
    path = g["video_path"] if Path(g["video_path"]).is_file() else None
    if path is None:
        details += f"  \n⚠️ the video file {Path(g['video_path']).name} is gone; its row and metrics are kept"
    image = path if path and path.endswith(".png") else None
    return (None if image else path), details, verdicts, image


def selected_id(rows: pd.DataFrame, event: gr.SelectData) -> str:
    """The generation id of the clicked row."""
    row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
    return str(rows.iloc[int(row)]["id"]) if rows is not None and len(rows) > int(row) else ""


def download(models, modes, suite, run, probe, status, since, until, kind: str) -> str:
    """What is filtered, as a CSV (formula cells neutralised) or parquet file. Each download gets a folder
    in the server's file cache (so Gradio serves it without a second copy, as an attachment); folders
    older than EXPORT_TTL_S are removed on the next download."""
    filters = filters_from(models, modes, suite, run, probe, status, since, until)
    exports = upload_folder() / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    for old in exports.glob("export-*"):
        if time.time() - old.stat().st_mtime > EXPORT_TTL_S:
            shutil.rmtree(old, ignore_errors=True)
    frame = browse.everything(shared.table(), filters)
    if "video_path" in frame:
        frame["video_path"] = [Path(p).name for p in frame["video_path"]]  # the file, not where the server keeps it
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=exports))
    return str(shared.table().export(folder / f"spacetime-lab.{kind}", frame))


def filter_choices():
    """Current models, modes, suites and runs, for the filter dropdowns (the table grows while the app runs)."""
    table = shared.table()
    return (gr.update(choices=browse.distinct(table, "model")), gr.update(choices=browse.distinct(table, "mode")),
            gr.update(choices=[""] + browse.distinct(table, "suite")),
            gr.update(choices=[("any run", "")] + browse.run_choices(table)))


@dataclass
class Controls:
    filters: list
    sort: gr.Dropdown
    page: gr.Number
    metric: gr.Dropdown
    run: gr.Dropdown
    generation: gr.Textbox
    view: View
    choices: list  # the dropdowns whose choices follow the table
    show: tuple = ()  # (video, details, verdicts, image) of the selected generation


def create_tab() -> Controls:
    with gr.Row():
        models = gr.Dropdown(label="Model", multiselect=True, choices=[], allow_custom_value=True)
        modes = gr.Dropdown(label="Mode", multiselect=True, choices=[], allow_custom_value=True)
        suite = gr.Dropdown(label="Suite", choices=[""], value="", allow_custom_value=True)
        run = gr.Dropdown(label="Run", choices=[("any run", "")], value="", allow_custom_value=True)
    with gr.Row():
        probe = gr.Dropdown(label="Probe", choices=[""] + list(PROBES), value="")
        status = gr.Dropdown(label="Verdict", choices=["", *browse.STATUSES], value="")
        since = gr.Textbox(label="From (YYYY-MM-DD)", placeholder="2026-12-01")
        until = gr.Textbox(label="To (YYYY-MM-DD)", placeholder="2026-12-31")
    with gr.Row():
        sort = gr.Dropdown(label="Sort", choices=list(browse.SORTS), value="newest")
        page = gr.Number(label="Page", value=1, precision=0, minimum=1)
        metric = gr.Dropdown(label="Metric to chart", choices=list(FIGURE_METRICS), value="flicker")
        apply = gr.Button("Apply filters", variant="primary")
    status_line = gr.Markdown()
    # The figures sit in their own inner tab: plotly is mounted only when that tab is first opened
    # (mounting four plots costs about 1.3 s in a software-rendered browser, twice the rest of the
    # tab), so the rows paint first. Their values follow every filter either way.
    with gr.Tabs():
        with gr.Tab("Generations", id="generations"):
            rows = gr.Dataframe(headers=COLUMNS, label="Generations (click a row to play it)", interactive=False,
                                wrap=True, max_height=420, column_widths=[COLUMN_WIDTHS[c] for c in COLUMNS])
            with gr.Row():
                csv = gr.Button("Download CSV of what is filtered")
                parquet = gr.Button("Download parquet of what is filtered")
                file = gr.File(label="Download", interactive=False, visible=False)  # shown once there is a file
            with gr.Row():
                with gr.Column(scale=1):
                    generation = gr.Textbox(label="Generation id", placeholder="click a row, or paste an id")
                    video = gr.Video(label="Selected generation", autoplay=True, loop=True, interactive=False, height=280)
                    image = gr.Image(label="Selected generation (an image)", type="filepath", interactive=False,
                                     height=280, visible=False)
                with gr.Column(scale=1):
                    details = gr.Markdown(NO_SELECTION)  # a page load leaves it as built (ui/links.py)
                    verdicts = gr.Dataframe(headers=["probe", "status", "reason"], label="Its verdicts", interactive=False,
                                            wrap=True)
        with gr.Tab("Figures", id="figures"):
            with gr.Row():
                metric_plot, pass_plot = gr.Plot(label="metric by model"), gr.Plot(label="probe pass rate")
            with gr.Row():
                latency_plot, history_plot = gr.Plot(label="latency"), gr.Plot(label="run history")

    view = View(rows, status_line, page, metric_plot, pass_plot, latency_plot, history_plot)
    controls = Controls([models, modes, suite, run, probe, status, since, until], sort, page, metric, run, generation,
                        view, [models, modes, suite, run], (video, details, verdicts, image))
    first_page = gr.Number(value=1, visible=False)
    figure_inputs = [*controls.filters, metric]
    # The rows skip the queue (queue=False): a read of the table in a few ms should not wait behind
    # the queue's round trips; generations queue, these never hold a model.
    apply.click(refresh_rows, [*controls.filters, sort, first_page], view.table_outputs(), api_name="dashboard",
                queue=False).then(
        refresh_figures, figure_inputs, view.figure_outputs(), api_name="dashboard_figures")
    for change in (sort, run):
        change.input(refresh_rows, [*controls.filters, sort, first_page], view.table_outputs(), api_name=False,
                     queue=False).then(
            refresh_figures, figure_inputs, view.figure_outputs(), api_name=False)
    metric.input(refresh_figures, figure_inputs, view.figure_outputs(), api_name=False)  # the rows do not change
    page.submit(refresh_rows, [*controls.filters, sort, page], view.table_outputs(), api_name=False, queue=False)
    rows.select(selected_id, rows, generation, api_name=False).then(
        show_generation, generation, [video, details, verdicts, image], api_name=False)
    generation.submit(show_generation, generation, [video, details, verdicts, image], api_name="generation")
    widgets.show_image_or_video(image, video)  # an image row shows as one, a clip as a video
    csv.click(lambda *a: gr.File(download(*a, "csv"), visible=True), controls.filters, file, api_name=False)
    parquet.click(lambda *a: gr.File(download(*a, "parquet"), visible=True), controls.filters, file, api_name=False)
    return controls
