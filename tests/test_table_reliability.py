"""The evaluation table survives what happens to real files: an old schema is migrated on open
(its rows kept), a newer one is refused, and an app server killed with SIGKILL mid-generation
leaves a sound file whose every row has its video.

    .venv/bin/python -m pytest -q tests/test_table_reliability.py
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from eval.metrics import GENERATION, METRICS
from eval.table import MIGRATIONS, SCHEMA_VERSION, Table
from pipeline.video_io import read_video

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "a red ball falls and bounces"
ADV = [0, False, 2, 3.0, 4, "64x64", 8]  # seed, randomize, steps, guidance, frames, size, fps (test_app_client.py)


# ---------------------------------------------------------------- migrations


def version_1_file(path: Path) -> Path:
    """A table as the first release wrote it: MIGRATIONS[0] only, one run, one generation with a
    metric and a verdict, in the old shape (no item or category columns)."""
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO runs (id, suite, model, settings, started_at) VALUES (1, 'physics', 'tinyworld', '{}', 1.0)")
    db.execute(
        "INSERT INTO generations (id, run_id, created_at, model, mode, prompt, seed, steps, frames, width, height,"
        " fps, video_path, request, timings, notes) VALUES ('abc123abc123', 1, 2.0, 'tinyworld', 't2v', ?, 7, 2, 4,"
        " 64, 64, 8.0, 'outputs/abc123abc123.mp4', '{}', ?, '[]')", (PROMPT, json.dumps({"total": 1.5})))
    db.execute("INSERT INTO metrics (generation_id, run_id, metric, extractor, value, meta, created_at)"
               " VALUES ('abc123abc123', 1, 'motion', 'none', 0.25, '{}', 3.0)")
    db.execute("INSERT INTO verdicts (generation_id, probe, status, reason, measured)"
               " VALUES ('abc123abc123', 'gravity', 'pass', 'falls', '{}')")
    db.commit()
    db.close()
    return path


def test_a_version_1_file_migrates_and_keeps_its_rows(tmp_path):
    assert SCHEMA_VERSION > 1  # there is a migration past version 1 to exercise
    table = Table(version_1_file(tmp_path / "v1.db"))
    assert table.version() == SCHEMA_VERSION
    row = table.generations().set_index("id").loc["abc123abc123"]
    assert row["prompt"] == PROMPT and row["seed"] == 7 and row["item"] is None and row["category"] is None
    wide = table.wide().set_index("id")
    assert wide.loc["abc123abc123", "motion"] == 0.25 and wide.loc["abc123abc123", "probe:gravity"] == "pass"
    assert wide.loc["abc123abc123", "seconds"] == 1.5
    assert table.done_items(1) == {(None, 7)}  # the new columns and their index work on old rows
    table.close()
    assert Table(tmp_path / "v1.db").version() == SCHEMA_VERSION  # opening again migrates nothing


def test_an_empty_version_0_file_gets_the_whole_schema(tmp_path):
    (tmp_path / "v0.db").touch()
    table = Table(tmp_path / "v0.db")
    assert table.version() == SCHEMA_VERSION and table.generations().empty
    assert {"item", "category"} <= set(table.generations().columns)


def test_a_newer_file_is_refused_and_left_as_it_was(tmp_path):
    path = version_1_file(tmp_path / "future.db")
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError, match=f"schema version {SCHEMA_VERSION + 1} is newer than this code's {SCHEMA_VERSION}"):
        Table(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert db.execute("SELECT count(*) FROM generations").fetchone()[0] == 1
    db.close()


# ---------------------------------------------------------------- SIGKILL mid-generation


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(server: subprocess.Popen, url: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"app.py exited with {server.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"app.py did not serve {url} in {timeout} s")


def test_sigkill_mid_generation_leaves_every_row_whole(tmp_path):
    from gradio_client import Client
    from gradio_client.utils import Status

    outputs, db = tmp_path / "outputs", tmp_path / "t.db"
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # tiny tensors: a second thread only adds barriers
    # Its own session, so the kill reaches the server and anything it started, and nothing else.
    log = tmp_path / "app.log"  # a file, not a pipe nobody drains (a full pipe would block the server)
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--outputs", str(outputs), "--db", str(db)],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(server, url, log)
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        _video, first, *_ = client.predict(PROMPT, "", "tinyworld", *ADV, api_name="/t2v")  # video, row, metrics
        # A longer second job, killed while it runs.
        job = client.submit(PROMPT, "", "tinyworld", 1, False, 100, 3.0, 16, "64x64", 8, api_name="/t2v")
        deadline = time.monotonic() + 30
        while job.status().code not in (Status.PROCESSING, Status.PROGRESS):
            assert time.monotonic() < deadline, f"the second job never started: {job.status()}"
            time.sleep(0.02)
        time.sleep(0.3)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert server.returncode == -signal.SIGKILL
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    table = Table(db)
    assert table.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert table.db.execute("PRAGMA foreign_key_check").fetchall() == []  # no metric or verdict without its row
    generations = table.generations().set_index("id")
    assert first in generations.index and generations.loc[first, "seed"] == 0
    metrics = table.metrics()
    expected = {name for name, metric in METRICS.items() if metric.level == GENERATION}
    assert set(metrics.loc[metrics["generation_id"] == first, "metric"]) == expected
    # The table's invariant (video first, then its rows in one transaction): every row has its whole video.
    for gen_id, row in generations.iterrows():
        frames = read_video(row["video_path"])[0]
        assert len(frames) == row["frames"], gen_id
    # The second job was killed inside its 100 denoising steps: nothing of it was logged.
    assert (generations["seed"] == 1).sum() == 0
