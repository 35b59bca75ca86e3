"""Plotly figures from the evaluation table, and a self-contained HTML report of runs.

    python -m eval report --run 3 --out report.html
    python -m eval report --run 3 --run 4 --out compare.html

Every figure reads only the table (eval/table.py): metric by model, probe pass rate by category
and model, latency against frame count, and the history of runs.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from eval.table import Table


# Figures are built with plotly.graph_objects, not plotly.express: express costs ~0.3 s a figure in
# setup alone, and the dashboard draws four of them on every page load.


def metric_by_model(wide: pd.DataFrame, metric: str) -> go.Figure:
    """Each generation's value of one metric, a box per model (with its points)."""
    data = wide.dropna(subset=[metric]) if metric in wide else wide.iloc[0:0].assign(**{metric: []})
    figure = go.Figure(layout={"title": f"{metric} by model", "xaxis_title": "model", "yaxis_title": metric})
    for model, rows in data.groupby("model", sort=True):
        figure.add_trace(go.Box(x=rows["model"], y=rows[metric], name=model, boxpoints="all", jitter=0.4,
                                customdata=rows[["id", "prompt", "seed"]].to_numpy(),
                                hovertemplate="%{customdata[0]} · seed %{customdata[2]}<br>%{customdata[1]}<br>%{y}"))
    return figure


def pass_rate_by_category(verdicts: pd.DataFrame) -> go.Figure:
    """Share of pass verdicts per probe, grouped by model, one facet per suite category."""
    if verdicts.empty:
        return pass_rate_figure(verdicts)
    rates = (verdicts.assign(passed=verdicts["status"].eq("pass"), category=verdicts["category"].fillna("app"))
             .groupby(["category", "probe", "model"], as_index=False)
             .agg(pass_rate=("passed", "mean"), n=("passed", "size")))
    return pass_rate_figure(rates)


def pass_rate_figure(rates: pd.DataFrame, over: str = "") -> go.Figure:
    """Rates (category, probe, model, pass_rate, n) as grouped bars; the x axis is category / probe.
    over: which generations they cover, when not all (said in the title)."""
    title = "probe pass rate by category and model" + (f" ({over})" if over else "")
    figure = go.Figure(layout={"title": title if len(rates) else "probe pass rate (no verdicts yet)", "barmode": "group",
                               "yaxis": {"range": [0, 1], "title": "pass rate"}})
    for model, rows in rates.groupby("model", sort=True):
        # Each bar is labelled: a 0% bar has no height, and without its label the chart reads as empty.
        figure.add_trace(go.Bar(x=[rows["category"], rows["probe"]], y=rows["pass_rate"], name=model,
                                text=[f"{rate:.0%}" for rate in rows["pass_rate"]], textposition="outside",
                                cliponaxis=False, customdata=rows["n"], hovertemplate="%{x}: %{y:.1%} of %{customdata}"))
    return figure


def latency_by_frames(wide: pd.DataFrame) -> go.Figure:
    figure = go.Figure(layout={"title": "generation time (s) against frame count", "xaxis_title": "frames",
                               "yaxis_title": "seconds"})
    for model, rows in wide.groupby("model", sort=True):
        figure.add_trace(go.Scatter(x=rows["frames"], y=rows["seconds"], mode="markers", name=model,
                                    customdata=rows[["id", "steps"]].to_numpy(),
                                    hovertemplate="%{customdata[0]} · %{customdata[1]} steps: %{y:.2f} s"))
    return figure


def run_history(table: Table, metric: str = "flicker") -> go.Figure:
    """Per run: the mean of a generation metric, in run order, a line per model."""
    from eval.browse import run_means

    means = run_means(table, metric)
    figure = go.Figure(layout={"title": f"history of runs: mean {metric}", "xaxis_title": "run", "yaxis_title": metric})
    for model, rows in means.groupby("model", sort=True):
        figure.add_trace(go.Scatter(x=rows["run_id"], y=rows["value"], mode="lines+markers", name=model,
                                    customdata=rows["suite"], hovertemplate="run %{x} (%{customdata}): %{y:.4g}"))
    return figure


def report(table: Table, run_ids: list[int], out: str | Path) -> Path:
    """One HTML file (plotly inlined, no network needed) comparing the given runs."""
    from eval.run import summary

    known = set(table.runs()["id"])
    missing = [r for r in run_ids if r not in known]
    if missing:
        raise ValueError(f"--run: {missing} not in {table.path}; runs there: {sorted(known)}")
    wide = pd.concat([table.wide(r) for r in run_ids])
    verdicts = pd.concat([table.verdicts(r) for r in run_ids])
    wide["model"] = wide["model"] + " (run " + wide["run_id"].astype(str) + ")"
    verdicts["model"] = verdicts["model"] + " (run " + verdicts["run_id"].astype(str) + ")"
    figures = [pass_rate_by_category(verdicts)]
    figures += [metric_by_model(wide, m) for m in ("flicker", "motion_magnitude", "clip_score", "lpips_temporal")
                if m in wide and wide[m].notna().any()]
    figures.append(latency_by_frames(wide))
    parts = [f"<h1>Spacetime Lab: run{'s' if len(run_ids) > 1 else ''} {', '.join(map(str, run_ids))}</h1>"]
    for run_id in run_ids:
        parts.append(f"<h2>run {run_id}</h2><pre>{html.escape(json.dumps(summary(table, run_id), indent=2, ensure_ascii=False))}</pre>")
    for index, figure in enumerate(figures):
        parts.append(figure.to_html(full_html=False, include_plotlyjs="inline" if index == 0 else False))
    out = Path(out)
    out.write_text("<!doctype html><meta charset='utf-8'><title>Spacetime Lab report</title>" + "".join(parts),
                   encoding="utf-8")
    return out
