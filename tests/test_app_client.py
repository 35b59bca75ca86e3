"""gradio_client drives every api_name of a launched app, and eight jobs at once are answered in
queue order with eight rows logged.

    .venv/bin/python -m pytest -q tests/test_app_client.py
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.utils import Status
from PIL import Image

from pipeline.video_io import read_video, write_mp4
from world import parse
from world.render import make_clip

PROMPT = "a red ball falls and bounces"
ADV = [0, False, 2, 3.0, 4, "64x64", 8]  # seed, randomize, steps, guidance, frames, size, fps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import app

    folder = tmp_path_factory.mktemp("app")
    demo = app.build_demo(folder / "outputs", folder / "t.db")
    port = free_port()
    app.serve(demo, folder / "outputs", server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
              quiet=True)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=str(folder / "downloads"))
    yield client, folder
    demo.close()


@pytest.fixture(scope="module")
def media(server):
    _, folder = server
    clip = make_clip(parse(PROMPT).spec, seed=0, frames=8, width=64, height=64).frames
    png = folder / "first.png"
    Image.fromarray(clip[0]).save(png)
    return {"png": str(png), "mp4": str(write_mp4(folder / "clip.mp4", clip, fps=8))}


def joined(job, timeout: float = 30.0) -> int | None:
    """Wait until the job is in the server's queue (or running); -> its queue position then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job.status()
        if status.code not in (Status.STARTING, Status.JOINING_QUEUE):
            return status.rank
        time.sleep(0.02)
    raise AssertionError(f"job did not join the queue in {timeout} s: {job.status()}")


def rows(folder: Path):
    from eval.table import Table

    return Table(folder / "t.db").generations()


def metrics(folder: Path):
    from eval.table import Table

    return Table(folder / "t.db").metrics()


def video_of(output) -> str:
    return output["video"] if isinstance(output, dict) else output


def test_every_api_name_answers_with_a_video_and_its_row(server, media):
    client, folder = server
    endpoints = {e for e in client.view_api(print_info=False, return_format="dict")["named_endpoints"]}
    assert {"/t2v", "/i2v", "/extend", "/interpolate", "/edit", "/probe", "/probe_suite"} <= endpoints
    video, row, seed, *_ = client.predict(PROMPT, "", "tinyworld", *ADV, api_name="/t2v")
    outputs = {"t2v": (video, row)}
    assert "flicker" in set(metrics(folder).query("generation_id == @row")["metric"])  # a script gets whole rows
    video, row, *_ = client.predict(handle_file(media["png"]), PROMPT, "", "tinyworld", *ADV, api_name="/i2v")
    outputs["i2v"] = (video, row)
    new, row, _seed, _info, _metrics, _image, joined = client.predict(
        handle_file(media["mp4"]), PROMPT, "forward", 2, "", "tinyworld", *ADV, api_name="/extend")
    outputs["extend"] = (new, row)
    assert len(read_video(video_of(joined))[0]) == 8 + 4 - 2
    video, row, *_ = client.predict(handle_file(media["png"]), handle_file(media["png"]), None, "", PROMPT, "",
                                    "tinyworld", *ADV, api_name="/interpolate")
    outputs["interpolate"] = (video, row)
    video, row, _seed, _info, _metrics, image, source, _check = client.predict(
        handle_file(media["mp4"]), "a blue ball falls and bounces", 0.5, "", "tinyworld", *ADV, api_name="/edit")
    outputs["edit"] = (video, row)
    assert image is None and len(read_video(video_of(video))[0]) == len(read_video(video_of(source))[0]) == 8
    evidence, row, verdicts, truth, truth_verdicts, _info = client.predict(
        "physics", PROMPT, "tinyworld", *ADV[:4], 16, *ADV[5:], api_name="/probe")
    outputs["probe"] = (evidence, row)
    assert {r[1] for r in verdicts["data"]} <= {"pass", "fail", "inconclusive"} and video_of(truth)
    logged = rows(folder).set_index("id")
    for name, (video, row) in outputs.items():
        assert Path(video_of(video)).is_file(), name
        assert row in logged.index, name
    assert logged.loc[outputs["i2v"][1], "mode"] == "i2v" and logged.loc[outputs["extend"][1], "mode"] == "extend"
    assert logged.loc[outputs["edit"][1], "mode"] == "edit"
    rates, info = client.predict("physics", "tinyworld", api_name="/probe_suite")
    assert "gravity" in {r[0] for r in rates["data"]} and "Run " in info


def test_eight_jobs_at_once_are_answered_in_queue_order(server):
    client, folder = server
    before = len(rows(folder))
    jobs, ranks = [], []
    # Each job joins the queue before the next is sent, so "queue order" is defined; each is long enough
    # (4 steps, 8 frames) that later ones join while an earlier one runs: an idle queue starts a job at once.
    for seed in range(8):
        jobs.append(client.submit(PROMPT, "", "tinyworld", seed, False, 4, 3.0, 8, "64x64", 8, api_name="/t2v"))
        ranks.append(joined(jobs[-1]))
    assert max(r for r in ranks if r is not None) >= 1  # later jobs were told their place in the queue
    results = [job.result(timeout=300) for job in jobs]
    assert [r[2] for r in results] == [str(s) for s in range(8)]  # each answer is its own request's seed, as digits
    new = rows(folder).iloc[before:].sort_values("created_at")
    assert len(new) == 8 and new["seed"].tolist() == list(range(8))  # run one at a time, in the order queued


def test_the_queue_looks_for_work_often_when_idle_and_slowly_while_a_job_runs(tmp_path):
    """app.py paces Gradio's queue poll through the attribute its loop reads: it must still be Gradio's
    own, or the pacing would silently do nothing after an upgrade."""
    import inspect

    import gradio as gr
    from gradio.queueing import Queue

    import app

    gradios_own = vars(gr.Blocks().queue()._queue)["sleep_when_free"]
    assert gradios_own < app.BUSY_POLL_S and "asyncio.sleep(self.sleep_when_free)" in inspect.getsource(Queue.start_processing)
    queue = app.build_demo(tmp_path / "outputs", tmp_path / "t.db")._queue
    assert isinstance(queue, Queue) and queue.sleep_when_free == gradios_own  # nothing running: a click starts at once
    queue.active_jobs = [None, ["an event"]]  # the slots of a started queue, one of them working
    assert queue.sleep_when_free == app.BUSY_POLL_S  # a job running: the model's thread keeps the interpreter
    queue.active_jobs = [None, None]
    assert queue.sleep_when_free == gradios_own


def test_every_api_parameter_has_a_name_a_script_can_read(server):
    client, _ = server
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    unnamed = [(api, p["parameter_name"]) for api, info in endpoints.items() for p in info["parameters"]
               if p["parameter_name"].startswith("param_")]
    assert not unnamed
    names = [p["parameter_name"] for p in endpoints["/compare"]["parameters"]]
    assert names[:6] == ["prompt", "seed", "frames", "size", "slot_1_use", "slot_1_model"] and "slot_3_guidance" in names
    slots = [True, "tinyworld", 2, 3.0, True, "tinyworld", 2, 6.0] + [False, "tinyworld", 2, 3.0] * 2
    run, table, *_ = client.predict(PROMPT, "0", "4", "64x64", *slots, api_name="/compare")
    assert "(done)" in run and [row[0] for row in table["data"]] == [1, 2]  # both slots, through the named signature


def test_no_table_shows_placeholder_headers_before_it_is_filled(tmp_path):
    """A Dataframe built without headers shows "1", "2", "3" until its first answer: every one names its columns."""
    import gradio as gr

    import app

    demo = app.build_demo(tmp_path / "outputs", tmp_path / "t.db")
    tables = [block for block in demo.blocks.values() if isinstance(block, gr.Dataframe)]
    assert tables
    for table in tables:
        headers = table.value["headers"] if isinstance(table.value, dict) else list(table.value.columns)
        assert headers and not {"1", "2", "3"} & {str(h) for h in headers}, (table.label, headers)



def test_edit_refuses_bad_input_through_the_api_naming_the_field(server, media):
    client, folder = server
    before = len(rows(folder))
    clip = handle_file(media["mp4"])
    cases = [((None, "a blue ball falls", 0.5), "clip: no clip"),
             ((clip, "a blue ball falls", 0), r"strength: 0 is outside 0\.05\.\.1"),  # the slider's own range
             ((clip, "a blue ball falls", 1.5), r"strength: 1\.5 is outside 0\.05\.\.1"),
             ((clip, "a blue ball falls", 0.5, "", "hunyuanvideo-1.5-t2v"), "hunyuanvideo-1.5-t2v cannot do edit")]
    for given, message in cases:
        arguments = [*given, *["", "tinyworld"][len(given) - 3:], *ADV]
        with pytest.raises(Exception, match=message):
            client.predict(*arguments, api_name="/edit")
    assert len(rows(folder)) == before  # nothing logged, and the app still answers:
    assert client.predict(PROMPT, "", "tinyworld", *ADV, api_name="/t2v")[1]
