"""The dashboard and compare tabs' handlers and the links, on a table of real tinyworld generations.

    .venv/bin/python -m pytest -q tests/test_dashboard.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd
import pytest

from eval import browse
from eval.table import Table
from ui import compare, dashboard, links, shared, text_to_video

ADV = [0, False, 2, 3.0, 4, "64x64", 8]  # seed, randomize, steps, guidance, frames, size, fps
NO_FILTER = ([], [], "", "", "", "", "", "")  # models, modes, suite, run, probe, status, since, until


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """Three text-to-video rows and one 2-slot compare run -> (folder, t2v row ids, compare run id)."""
    folder = tmp_path_factory.mktemp("dashboard")
    shared.configure(folder / "outputs", folder / "t.db")
    ids = []
    for prompt in ("a red ball falls and bounces", "a blue box moves right", "a green ball stays still"):
        *_, last = text_to_video.t2v(prompt, "", "tinyworld", *ADV, progress=None)
        ids.append(last[1])
    slots = [True, "tinyworld", 2, 3.0, True, "tinyworld", 3, 1.0, False, "tinyworld", 2, 3.0, False, "tinyworld", 2, 3.0]
    *_, last = compare.compare("a red ball falls and bounces", 1, "4", "64x64", *slots, progress=None)
    run_id = int(last[0].split("**Run ")[1].split("**")[0])
    return folder, ids, run_id


@pytest.fixture()
def table(filled) -> Table:
    shared.configure(filled[0] / "outputs", filled[0] / "t.db")
    return shared.table()


def test_compare_logs_one_run_with_a_row_per_slot(filled, table):
    _, _, run_id = filled
    gens = table.generations(run_id)
    assert len(gens) == 2 and set(gens["category"]) == {"compare"} and list(gens["steps"]) == [2, 3]
    assert table.runs().set_index("id").loc[run_id, "suite"] == "compare"
    assert table.runs().set_index("id").loc[run_id, "finished_at"] > 0
    assert set(table.verdicts(run_id)["probe"]) >= {"presence"}


@pytest.mark.parametrize("slots, message", [
    ([True, "tinyworld", 2, 3.0] + [False, "tinyworld", 2, 3.0] * 3, "slots: tick 2 to 4"),
    ([True, "tinyworld", 2, 3.0, True, "no-such-model", 2, 3.0] + [False, "tinyworld", 2, 3.0] * 2, "slot 2 model"),
])
def test_compare_names_the_bad_field(filled, table, slots, message):
    before = len(table.generations())
    with pytest.raises(gr.Error, match=message):
        list(compare.compare("a red ball falls", 0, "", "", *slots, progress=None))
    with pytest.raises(gr.Error, match="size"):
        list(compare.compare("a red ball falls", 0, "", "big", *([True, "tinyworld", 2, 3.0] * 4), progress=None))
    assert len(table.generations()) == before


def test_filters_sort_and_page(filled, table):
    _, ids, run_id = filled
    rows, total = browse.page(table, browse.Filters(), size=2)
    assert total == 5 and len(rows) == 2
    second, _ = browse.page(table, browse.Filters(), number=2, size=2)
    assert not set(rows["id"]) & set(second["id"])
    assert browse.count(table, browse.Filters(run_id=run_id)) == 2
    assert browse.count(table, browse.Filters(models=("tinyworld",), modes=("t2v",))) == 5
    assert browse.count(table, browse.Filters(models=("ltx-video",))) == 0
    assert browse.count(table, browse.Filters(suite="compare")) == 2
    oldest, _ = browse.page(table, browse.Filters(), sort="oldest", size=1)
    assert oldest["id"].iloc[0] == ids[0]
    today = dt.datetime.now(dt.timezone.utc).date()
    assert browse.count(table, browse.Filters(since=str(today), until=str(today))) == 5
    assert browse.count(table, browse.Filters(until=str(today - dt.timedelta(days=1)))) == 0
    passed = browse.count(table, browse.Filters(probe="presence", status="pass"))
    failed = browse.count(table, browse.Filters(probe="presence", status="fail"))
    inconclusive = browse.count(table, browse.Filters(probe="presence", status="inconclusive"))
    assert passed + failed + inconclusive == 5
    assert "presence" in rows["verdicts"].iloc[0] and rows["flicker"].notna().all()


@pytest.mark.parametrize("change, message", [
    ({"since": "yesterday"}, "since: 'yesterday' is not a date"),
    ({"status": "maybe"}, "status: 'maybe'"),
])
def test_bad_filters_are_named(table, change, message):
    with pytest.raises(ValueError, match=message):
        browse.count(table, browse.Filters(**change))
    values = dict(zip(("models", "modes", "suite", "run", "probe", "status", "since", "until"), NO_FILTER))
    values.update(change)
    with pytest.raises(gr.Error, match=message.split(":")[0]):
        dashboard.refresh(*values.values(), "newest", 1, "flicker")


def test_refresh_gives_rows_and_four_figures(filled, table):
    _, _, run_id = filled
    rows, status, number, *figures = dashboard.refresh(["tinyworld"], [], "", run_id, "", "", "", "", "newest", 1, "flicker")
    assert len(rows) == 2 and list(rows.columns) == dashboard.COLUMNS and "**2** generations" in status
    assert f"?run={run_id}" in status and number == 1
    box, bars, latency, history = figures
    assert len(box.data) == 1 and sum(len(d.y) for d in box.data) == 2  # one box, both rows' flicker
    assert {d.name for d in bars.data} == {"tinyworld"} and len(latency.data[0].x) == 2
    assert run_id in set(history.data[0].x)


def test_a_clicked_row_plays_with_its_verdicts(filled, table):
    _, ids, _ = filled
    rows, *_ = dashboard.refresh(*NO_FILTER, "oldest", 1, "flicker")
    clicked = dashboard.selected_id(rows, SimpleNamespace(index=[0, 3]))
    assert clicked == ids[0]
    video, details, verdicts, image = dashboard.show_generation(clicked)
    assert image is None  # a clip, not an image
    assert Path(video).is_file() and f"?gen={clicked}" in details and "presence" in set(verdicts["probe"])
    assert "· t2v ·" in details and "model `tinyworld`" in details
    with pytest.raises(gr.Error, match="gen: 'nope' is not in"):
        dashboard.show_generation("nope")


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_download_holds_what_is_filtered(filled, table, kind):
    _, _, run_id = filled
    path = dashboard.download([], [], "", run_id, "", "", "", "", kind)
    frame = pd.read_csv(path) if kind == "csv" else pd.read_parquet(path)
    assert len(frame) == 2 and set(frame["run_id"]) == {run_id}


def test_a_download_sweeps_exports_older_than_their_time(filled, table):
    import os
    import time

    old = Path(dashboard.download(*NO_FILTER, "csv"))
    stale = time.time() - dashboard.EXPORT_TTL_S - 1
    os.utime(old.parent, (stale, stale))
    new = Path(dashboard.download(*NO_FILTER, "csv"))
    assert new.is_file() and not old.parent.exists()
    assert "video_path" not in pd.read_csv(new) or not pd.read_csv(new)["video_path"].str.contains("/").any()


def request(query: dict) -> SimpleNamespace:
    return SimpleNamespace(query_params=query)


def test_run_and_generation_links_open_the_dashboard(filled, table):
    _, ids, run_id = filled
    out = links.open_link(0, request({"run": str(run_id)}))  # visits, 4 filter choices, run, gen, 3 table outputs, 4 shown
    assert len(out) == len(links.LINK_OUTPUTS)
    visits, run, gen, rows, status = out[0], out[5], out[6], out[7], out[8]
    assert visits == 1 and run == run_id and len(rows) == 2 and f"run {run_id}" in status
    out = links.open_link(0, request({"gen": ids[1]}))
    assert out[6] == ids[1]
    video, details, image = out[-4], out[-3], out[-1]
    assert Path(video).is_file() and ids[1] in details and image is None
    plain = links.open_link(0, request({}))
    assert len(plain[7]) == 5  # no link: the table's first page, and nothing else is sent again
    assert plain[5] == plain[6] == plain[-1] == plain[-2] == plain[-3] == plain[-4] == gr.skip()
    # The figures follow the rows, narrowed to the link's run: its models only.
    figures = links.open_figures(1, request({"run": str(run_id)}))
    everyone = links.open_figures(1, request({}))
    assert len(figures) == 4 and all(hasattr(f, "to_plotly_json") for f in figures)
    points = lambda figure: sum(len(trace.x) for trace in figure.data)  # latency: a point per generation
    assert points(figures[2]) == 2 and points(everyone[2]) == 5  # the run's two slots; all five rows


def test_the_dashboard_is_filled_on_its_first_visit_only(filled, table):
    """Coming back to the tab keeps what the user filtered since: nothing but the count is sent again."""
    _, _, run_id = filled
    again = links.open_link(1, request({"run": str(run_id)}))
    assert again[0] == 2 and all(value == gr.skip() for value in again[1:])
    assert links.open_figures(2, request({})) == (gr.skip(),) * 4


@pytest.mark.parametrize("query, message", [
    ({"run": "999"}, "run: `999`"), ({"run": "x;DROP"}, "run: `x;DROP`"), ({"gen": "nope"}, "gen: `nope`"),
    # Past SQLite's INTEGER range, digits str.isdigit takes but int() refuses or misreads, a sign.
    ({"run": "9" * 23}, f"run: `{'9' * 23}`"), ({"run": "²"}, "run: `²`"), ({"run": "١"}, "run: `١`"),
    ({"run": "-1"}, "run: `-1`"), ({"run": str(2**63)}, f"run: `{2**63}`")])
def test_a_link_to_nothing_says_so(filled, table, query, message):
    out = links.open_link(0, request(query))
    assert message in out[8] and len(out[7]) == 5


# These add rows: they run last, so the counts above hold.


def test_compare_shows_each_slot_and_the_run_link(filled):
    slots = [True, "tinyworld", 2, 3.0, True, "tinyworld", 2, 6.0] + [False, "tinyworld", 2, 3.0] * 2
    *_, last = compare.compare("a blue box falls", 0, "", "64x64", *slots, progress=None)
    info, frame, video1, text1, video2, text2, video3, text3 = last[:8]
    assert "?run=" in info and "done" in info
    assert list(frame["slot"]) == [1, 2] and list(frame["guidance"]) == [3.0, 6.0]
    assert Path(video1).is_file() and Path(video2).is_file() and video3 is None and text3 == ""
    assert "guidance 6" in text2 and "presence" in text2


def test_every_result_shows_its_link(filled, table):
    *_, (video, row, seed, info, metrics, image) = text_to_video.t2v("a red ball falls", "", "tinyworld", *ADV, progress=None)
    assert f"?gen={row}" in info


@pytest.fixture()
def synthetic(tmp_path) -> tuple[Table, int]:
    """40 generations over 4 models, 3 modes and 200 runs, written through SQL (benchmarks/dashboard_speed.py)."""
    from benchmarks.dashboard_speed import fill

    last_run = fill(tmp_path / "t.db", tmp_path / "outputs", rows=40)
    return Table(tmp_path / "t.db"), last_run


def test_filter_choices_are_each_value_once_and_run_counts_follow_new_rows(synthetic):
    table, last_run = synthetic
    assert browse.distinct(table, "model") == sorted({"tinyworld", "ltx-video", "wan2.1-t2v-1.3b", "cogvideox-2b"})
    assert browse.distinct(table, "mode") == ["extend", "i2v", "t2v"]
    assert browse.distinct(table, "suite") == [f"suite-{i}" for i in range(5)]
    with pytest.raises(ValueError, match="column: 'prompt'"):
        browse.distinct(table, "prompt")
    label = dict((i, text) for text, i in browse.run_choices(table))[last_run]
    assert label.endswith(" · 0 videos")  # 40 rows over 200 runs: the last runs have none
    table.db.execute("UPDATE generations SET run_id = ? WHERE id = (SELECT MIN(id) FROM generations)", (last_run,))
    assert dict((i, t) for t, i in browse.run_choices(table))[last_run].endswith(" · 0 videos")  # no row added: kept
    columns = [c[1] for c in table.db.execute("PRAGMA table_info(generations)")]
    copied = ", ".join({"id": "'added'", "mode": "'v2v'"}.get(c, c) for c in columns)
    table.db.execute(f"INSERT INTO generations ({', '.join(columns)}) SELECT {copied} FROM generations WHERE run_id = ?",
                     (last_run,))
    assert dict((i, t) for t, i in browse.run_choices(table))[last_run].endswith(" · 2 videos")
    assert "v2v" in browse.distinct(table, "mode")


def test_a_page_shows_the_latest_value_of_each_metric_and_every_verdict(synthetic):
    table, _ = synthetic
    rows, total = browse.page(table, browse.Filters(), sort="oldest", size=3)
    first = rows.iloc[0]
    assert total == 40 and list(rows["id"]) == ["000000000000", "000000000001", "000000000002"]
    assert list(rows.columns) == ["id", "created_at", "model", "mode", "suite", "run_id", "prompt", "seed", "steps", "frames",
                                  "seconds", "flicker", "motion_magnitude", "verdicts"]  # no clip_score in this table
    assert sorted(v.split()[0] for v in first["verdicts"].split(", ")) == ["gravity", "presence"]
    table.db.execute("INSERT INTO metrics (generation_id, run_id, metric, extractor, value, meta, created_at)"
                     " VALUES ('000000000000', NULL, 'flicker', 'none', 1.234567, '{}', 0)")
    again, _ = browse.page(table, browse.Filters(), sort="oldest", size=3)
    assert again.iloc[0]["flicker"] == 1.2346 and again.iloc[1]["flicker"] == rows.iloc[1]["flicker"]
    assert dt.datetime.strptime(first["created_at"], "%Y-%m-%d %H:%M")


def test_a_pass_rate_of_nothing_is_a_labelled_bar_not_an_empty_chart():
    """Every verdict failed or was inconclusive: the bars have no height, so each carries its rate as a label."""
    import pandas as pd

    from eval.dashboard import pass_rate_figure

    rates = pd.DataFrame({"category": ["physics", "physics"], "probe": ["gravity", "presence"], "model": ["m", "m"],
                          "pass_rate": [0.0, 0.5], "n": [4, 4]})
    bar = pass_rate_figure(rates).data[0]
    assert list(bar.y) == [0.0, 0.5] and list(bar.text) == ["0%", "50%"] and bar.textposition == "outside"
