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
import plotly.express as px
import plotly.graph_objects as go

from eval.table import Table


def metric_by_model(wide: pd.DataFrame, metric: str) -> go.Figure:
    """Each generation's value of one metric, a box per model."""
    data = wide.dropna(subset=[metric]) if metric in wide else wide.iloc[0:0].assign(**{metric: []})
    return px.box(data, x="model", y=metric, points="all", hover_data=["id", "prompt", "seed"],
                  title=f"{metric} by model")


def pass_rate_by_category(verdicts: pd.DataFrame) -> go.Figure:
    """Share of pass verdicts per probe, grouped by model, one facet per suite category."""
    if verdicts.empty:
        return pass_rate_figure(verdicts)
    rates = (verdicts.assign(passed=verdicts["status"].eq("pass"), category=verdicts["category"].fillna("app"))
             .groupby(["category", "probe", "model"], as_index=False)
             .agg(pass_rate=("passed", "mean"), n=("passed", "size")))
    return pass_rate_figure(rates)


def pass_rate_figure(rates: pd.DataFrame) -> go.Figure:
    """Rates (category, probe, model, pass_rate, n) as bars, one facet per category."""
    if rates.empty:
        return go.Figure(layout={"title": "probe pass rate (no verdicts yet)"})
    return px.bar(rates, x="probe", y="pass_rate", color="model", barmode="group", facet_col="category",
                  hover_data=["n"], range_y=[0, 1], title="probe pass rate by category and model")


def latency_by_frames(wide: pd.DataFrame) -> go.Figure:
    return px.scatter(wide, x="frames", y="seconds", color="model", hover_data=["id", "steps"],
                      title="generation time (s) against frame count")


def run_history(table: Table, metric: str = "flicker") -> go.Figure:
    """Per run: the mean of a generation metric, in run order, a line per model."""
    from eval.browse import run_means

    return px.line(run_means(table, metric), x="run_id", y="value", color="model", markers=True, hover_data=["suite"],
                   title=f"history of runs: mean {metric}")


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
