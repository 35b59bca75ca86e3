"""Filtered, sorted, paged reads of the evaluation table for the dashboard, in SQL.

    python -c "from eval.browse import Filters, page; from eval.table import Table; print(page(Table(), Filters())[0])"

The dashboard must stay quick at 100,000 generations, so nothing here reads the whole table into
pandas: the filter is one WHERE clause over the indexed generations table, a page is LIMIT /
OFFSET, and the figures read aggregates, or a bounded sample where a figure shows points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from eval.table import Table

PAGE_SIZE = 25
PAGE_METRICS = ("flicker", "motion_magnitude", "clip_score")  # the weight-free and CLIP columns a page shows
SAMPLE = 3000  # generations a point-per-generation figure shows at most (the newest that match)
RATE_WINDOW = 20_000  # generations the pass-rate figure aggregates at most (the newest that match)
# What the table view can sort by: the label shown -> the SQL it sorts on.
SORTS = {
    "newest": "g.created_at DESC", "oldest": "g.created_at ASC", "model": "g.model ASC, g.created_at DESC",
    "slowest": "json_extract(g.timings, '$.total') DESC", "fastest": "json_extract(g.timings, '$.total') ASC",
    "prompt": "g.prompt ASC",
}
STATUSES = ("pass", "fail", "inconclusive")


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows; empty fields do not filter."""
    models: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    suite: str = ""  # a run's suite name, e.g. "physics" or "compare"
    run_id: int | None = None
    probe: str = ""  # only generations with a verdict from this probe ...
    status: str = ""  # ... with this status (pass / fail / inconclusive)
    since: str = ""  # YYYY-MM-DD, inclusive (UTC)
    until: str = ""  # YYYY-MM-DD, inclusive (UTC)
    generation_id: str = ""

    def where(self) -> tuple[str, list]:
        """-> (SQL condition on generations g joined to runs r, its parameters)."""
        parts, params = ["1 = 1"], []
        if self.models:
            parts.append(f"g.model IN ({', '.join('?' * len(self.models))})")
            params += list(self.models)
        if self.modes:
            parts.append(f"g.mode IN ({', '.join('?' * len(self.modes))})")
            params += list(self.modes)
        if self.suite:
            parts.append("r.suite = ?")
            params.append(self.suite)
        if self.run_id is not None:
            parts.append("g.run_id = ?")
            params.append(int(self.run_id))
        if self.generation_id:
            parts.append("g.id = ?")
            params.append(self.generation_id)
        if self.probe or self.status:
            if self.status and self.status not in STATUSES:
                raise ValueError(f"status: {self.status!r} is not one of {list(STATUSES)}")
            condition = " AND ".join(c for c, v in (("v.probe = ?", self.probe), ("v.status = ?", self.status)) if v)
            parts.append(f"EXISTS (SELECT 1 FROM verdicts v WHERE v.generation_id = g.id AND {condition})")
            params += [v for v in (self.probe, self.status) if v]
        for field, day, end in (("since", self.since, False), ("until", self.until, True)):
            if day:
                parts.append("g.created_at < ?" if end else "g.created_at >= ?")
                params.append(_day_start(field, day, next_day=end))
        return " AND ".join(parts), params


def _day_start(field: str, day: str, next_day: bool) -> float:
    try:
        date = dt.date.fromisoformat(day.strip())
    except ValueError:
        raise ValueError(f"{field}: {day!r} is not a date like 2026-12-03") from None
    start = dt.datetime.combine(date + dt.timedelta(days=int(next_day)), dt.time(), tzinfo=dt.timezone.utc)
    return start.timestamp()


FROM = "FROM generations g LEFT JOIN runs r ON r.id = g.run_id"


def count(table: Table, filters: Filters) -> int:
    where, params = filters.where()
    return int(table.db.execute(f"SELECT COUNT(*) {FROM} WHERE {where}", params).fetchone()[0])


def page(table: Table, filters: Filters, sort: str = "newest", number: int = 1, size: int = PAGE_SIZE
         ) -> tuple[pd.DataFrame, int]:
    """-> (one page of matching generations, newest first by default, with their weight-free
    metrics and verdicts; how many match in all)."""
    if sort not in SORTS:
        raise ValueError(f"sort: {sort!r} is not one of {list(SORTS)}")
    total = count(table, filters)
    where, params = filters.where()
    number = max(1, min(int(number), max(1, -(-total // size))))
    cursor = table.db.execute(
        f"SELECT g.id, g.created_at, g.model, g.mode, r.suite, g.run_id, g.prompt, g.seed, g.steps, g.frames,"
        f" json_extract(g.timings, '$.total') AS seconds {FROM} WHERE {where} ORDER BY {SORTS[sort]}"
        f" LIMIT ? OFFSET ?", (*params, size, (number - 1) * size))
    columns = [c[0] for c in cursor.description]
    rows = [dict(zip(columns, values)) for values in cursor.fetchall()]
    # 25 rows: built in plain Python and made a DataFrame once; pandas' per-column work (a pivot,
    # maps, conversions) had cost more than the queries at this size.
    marks = ", ".join("?" * len(rows))
    ids = tuple(row["id"] for row in rows)
    values: dict[str, dict[str, float]] = {}
    for generation_id, metric, value in table.db.execute(
            # (naming the metrics here would lead SQLite to the metric index: every generation's row)
            f"SELECT generation_id, metric, value FROM metrics WHERE generation_id IN ({marks}) AND value IS NOT NULL"
            " ORDER BY generation_id, rowid", ids):
        values.setdefault(generation_id, {})[metric] = value  # the latest value of a metric wins
    verdicts = dict(table.db.execute(
        f"SELECT generation_id, group_concat(probe || ' ' || status, ', ') FROM verdicts"
        f" WHERE generation_id IN ({marks}) GROUP BY generation_id", ids).fetchall())
    shown = [m for m in PAGE_METRICS if any(m in values.get(i, {}) for i in ids)]
    for row in rows:
        row["created_at"] = dt.datetime.fromtimestamp(row["created_at"], dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
        row["seconds"] = None if row["seconds"] is None else round(row["seconds"], 2)
        row.update({m: _round(values.get(row["id"], {}).get(m)) for m in shown})
        row["verdicts"] = verdicts.get(row["id"], "")
    return pd.DataFrame(rows, columns=columns + shown + ["verdicts"]), total


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def metric_sample(table: Table, filters: Filters, metric: str) -> pd.DataFrame:
    """(id, model, prompt, seed, <metric>) for the newest SAMPLE matching generations that have it."""
    where, params = filters.where()
    return table.frame(
        f"SELECT g.id, g.model, g.prompt, g.seed, m.value AS {metric} {FROM} JOIN metrics m ON m.generation_id = g.id"
        # `+m.metric`: look metrics up by generation (metrics_generation), never by name, which
        # would make SQLite walk every row of that metric for each generation
        f" WHERE {where} AND +m.metric = ? AND m.value IS NOT NULL ORDER BY g.created_at DESC LIMIT ?",
        (*params, metric, SAMPLE))


def latency_sample(table: Table, filters: Filters) -> pd.DataFrame:
    """(id, model, frames, steps, seconds) for the newest SAMPLE matching generations."""
    where, params = filters.where()
    return table.frame(f"SELECT g.id, g.model, g.frames, g.steps, json_extract(g.timings, '$.total') AS seconds {FROM}"
                       f" WHERE {where} ORDER BY g.created_at DESC LIMIT ?", (*params, SAMPLE))


def pass_rates(table: Table, filters: Filters) -> pd.DataFrame:
    """(category, probe, model, pass_rate, n) over the newest RATE_WINDOW matching generations (all
    of them below that; the figure's title says which)."""
    where, params = filters.where()
    return table.frame(
        "SELECT COALESCE(g.category, 'app') AS category, v.probe, g.model, AVG(v.status = 'pass') AS pass_rate,"
        " COUNT(*) AS n FROM generations g JOIN verdicts v ON v.generation_id = g.id"
        f" WHERE g.id IN (SELECT g.id {FROM} WHERE {where} ORDER BY g.created_at DESC LIMIT ?)"
        " GROUP BY COALESCE(g.category, 'app'), v.probe, g.model ORDER BY 1, 2, 3", (*params, RATE_WINDOW))


def run_means(table: Table, metric: str) -> pd.DataFrame:
    """(run_id, model, suite, value): per run, the mean of a generation metric, in run order."""
    return table.frame(
        "SELECT m.run_id, r.model, r.suite, AVG(m.value) AS value FROM metrics m JOIN runs r ON r.id = m.run_id"
        " WHERE m.metric = ? AND m.value IS NOT NULL AND m.generation_id IS NOT NULL GROUP BY m.run_id ORDER BY m.run_id",
        (metric,))


def distinct(table: Table, column: str) -> list[str]:
    """The values a filter can offer: models, modes (generations) or suites (runs), sorted."""
    if column == "suite":  # runs: one row per evaluation run, a few hundred
        return [v for (v,) in table.db.execute("SELECT DISTINCT suite FROM runs ORDER BY suite") if v is not None]
    if column not in ("model", "mode"):
        raise ValueError(f"column: {column!r} is not one of model, mode, suite")
    # Each step seeks the next larger value in the column's index: a handful of lookups, where
    # SELECT DISTINCT would read every one of 100,000 index entries.
    return [v for (v,) in table.db.execute(
        f"WITH RECURSIVE next(v) AS (SELECT MIN({column}) FROM generations"
        f" UNION ALL SELECT (SELECT MIN({column}) FROM generations WHERE {column} > next.v) FROM next WHERE next.v IS NOT NULL)"
        " SELECT v FROM next WHERE v IS NOT NULL")]


_RUN_CHOICES: dict[tuple, list[tuple[str, int]]] = {}


def run_choices(table: Table, limit: int = 500) -> list[tuple[str, int]]:
    """(label, run id) for the newest runs, for the run picker."""
    # Counting each run's videos reads every generation's index entry (~100,000 at the dashboard's
    # target size); rows are only ever added, so the answer stands until a generation or run is.
    newest = table.db.execute("SELECT (SELECT MAX(rowid) FROM generations), (SELECT MAX(id) FROM runs)").fetchone()
    key = (str(table.path), limit, *newest)
    if key not in _RUN_CHOICES:
        rows = table.db.execute("SELECT r.id, r.suite, r.model, r.started_at,"
                                " (SELECT COUNT(*) FROM generations g WHERE g.run_id = r.id) FROM runs r ORDER BY r.id DESC LIMIT ?",
                                (limit,)).fetchall()
        _RUN_CHOICES.clear()  # one table at a time in practice; never let the cache grow
        _RUN_CHOICES[key] = [(f"run {i} · {suite} · {model} · {dt.datetime.fromtimestamp(t, dt.timezone.utc):%Y-%m-%d %H:%M}"
                              f" · {n} videos", i) for i, suite, model, t, n in rows]
    return _RUN_CHOICES[key]


def everything(table: Table, filters: Filters) -> pd.DataFrame:
    """Every matching generation, wide (a column per metric and per probe): what a download holds."""
    where, params = filters.where()
    ids = set(table.frame(f"SELECT g.id {FROM} WHERE {where}", tuple(params))["id"])
    wide = table.wide()
    return wide[wide["id"].isin(ids)]
