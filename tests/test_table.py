"""eval.table: atomic rows under SIGKILL, concurrent writers, migration, safe CSV export."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eval.metrics.base import MetricResult
from eval.probes.verdict import Verdict
from eval.table import FORMULA_START, MIGRATIONS, SCHEMA_VERSION, Table, save_video
from pipeline.request import GenerationRequest

ROOT = Path(__file__).resolve().parent.parent

# A writer process: records generations with metrics and verdicts as fast as it can, forever.
WRITER = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
    from test_table import fake_result, record_one
    from eval.table import Table
    table, tag, count = Table(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for i in range(count):
        record_one(table, f"{{tag}}-{{i}}", sys.argv[4])
        print(i, flush=True)
""")


def fake_result(prompt: str = "a red ball falls"):
    """A GenerationResult without a model: the table only reads its fields."""
    from pipeline.request import GenerationResult

    request = GenerationRequest("t2v", prompt, seed=0, steps=2, guidance=1.0, frames=2, width=8, height=8, fps=8.0)
    return GenerationResult(frames=np.zeros((2, 8, 8, 3), np.uint8), fps=8.0, request=request, seed=0,
                            timings={"total": 0.1}, peak_memory_bytes=1, model="fake", weights_hash="sha256:0",
                            notes=[])


def record_one(table: Table, item: str, folder: str) -> str:
    video = Path(folder) / f"{item}.mp4"
    video.write_bytes(b"not decoded here")
    metrics = {f"m{k}": MetricResult(float(k), [float(k)], {"extractor": "none"}) for k in range(5)}
    verdicts = [Verdict("presence", "pass", "seen", {"k": 1}), Verdict("gravity", "fail", "floats", {})]
    return table.record(fake_result(item), video, metrics=metrics, verdicts=verdicts, item=item)


def writer(db: Path, tag: str, count: int, folder: Path) -> subprocess.Popen:
    script = WRITER.format(root=str(ROOT), tests=str(ROOT / "tests"))
    return subprocess.Popen([sys.executable, "-c", script, str(db), tag, str(count), str(folder)],
                            stdout=subprocess.PIPE, text=True)


def test_sigkill_mid_run_leaves_only_whole_generations(tmp_path):
    db = tmp_path / "t.db"
    Table(db).close()
    process = writer(db, "k", 100000, tmp_path)
    for _ in range(30):  # let it commit some rows
        process.stdout.readline()
    time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    generations = connection.execute("SELECT id FROM generations").fetchall()
    assert len(generations) >= 30
    per_generation = connection.execute(
        "SELECT g.id, (SELECT COUNT(*) FROM metrics m WHERE m.generation_id = g.id),"
        " (SELECT COUNT(*) FROM verdicts v WHERE v.generation_id = g.id) FROM generations g").fetchall()
    assert {(m, v) for _, m, v in per_generation} == {(5, 2)}  # every row whole, none partial
    orphans = connection.execute("SELECT COUNT(*) FROM metrics WHERE generation_id NOT IN (SELECT id FROM generations)")
    assert orphans.fetchone()[0] == 0


def test_two_processes_writing_at_once_lose_no_row(tmp_path):
    db = tmp_path / "t.db"
    Table(db).close()
    processes = [writer(db, tag, 40, tmp_path) for tag in ("a", "b")]
    for process in processes:
        process.communicate(timeout=120)
        assert process.returncode == 0
    items = set(Table(db).generations()["item"])
    assert items == {f"{tag}-{i}" for tag in ("a", "b") for i in range(40)}


def test_an_old_database_is_migrated_and_keeps_its_rows(tmp_path):
    db = tmp_path / "old.db"
    old = sqlite3.connect(db, isolation_level=None)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            old.execute(statement)
    old.execute("PRAGMA user_version = 1")
    old.execute("INSERT INTO generations (id, created_at, model, mode, prompt, seed, video_path, request, timings, notes)"
                " VALUES ('abc', 1.0, 'tinyworld', 't2v', 'a red ball', 3, 'x.mp4', '{}', '{\"total\": 1}', '[]')")
    old.close()
    table = Table(db)
    assert table.version() == SCHEMA_VERSION
    row = table.generations().iloc[0]
    assert (row["id"], row["seed"], row["item"]) == ("abc", 3, None)


def test_a_newer_database_is_refused(tmp_path):
    db = tmp_path / "new.db"
    Table(db).db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        Table(db)


def test_csv_export_opens_formulas_as_text(tmp_path):
    table = Table(tmp_path / "t.db")
    evil = '=HYPERLINK("http://x")'
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    table.record(fake_result(evil), video)
    table.record(fake_result("-1+2"), video)
    out = table.export(tmp_path / "t.csv")
    text = out.read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    prompts = set(pd.read_csv(out)["prompt"])
    assert prompts == {"'" + evil, "'-1+2"}
    parquet = table.export(tmp_path / "t.parquet")
    assert set(pd.read_parquet(parquet)["prompt"]) == {evil, "-1+2"}  # parquet keeps values as they are


# Prompts a hostile client can log (the grammar drops symbols, so each runs) and suite names (category).
HOSTILE_CELLS = ["a red ball falls\r=red ball", "a red ball falls\n+cmd", "a\r\n@SUM(A1)", " =a red ball falls",
                 "\t=1+1", "\u3000-2", "\uff1dHYPERLINK(1)", "\uff0b1", "\uff0d1", "\uff20A1", "\r=y", "\n\n-x",
                 "plain, with \"quotes\"", "a\rb\rc"]


def starts_a_formula(text: str) -> bool:
    """Whether a spreadsheet could read `text` (or a line in it) as a formula."""
    return any(line.lstrip().startswith(FORMULA_START) for line in re.split(r"\r\n|\r|\n", text))


def test_csv_export_keeps_one_record_per_row_and_no_formula_starts(tmp_path):
    import csv

    table = Table(tmp_path / "t.db")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    for text in HOSTILE_CELLS:
        table.record(fake_result(text), video, category=text)
    out = table.export(tmp_path / "t.csv")
    with out.open(newline="") as file:
        records = list(csv.DictReader(file))
    frame = pd.read_csv(out, keep_default_na=False)
    assert len(records) == len(frame) == len(HOSTILE_CELLS)
    for cells in [*([r["prompt"], r["category"]] for r in records), *frame[["prompt", "category"]].values.tolist()]:
        for cell in cells:
            assert not starts_a_formula(cell), repr(cell)
    # Nothing but the quote is added: each prompt reads back as written once the added quotes are taken out.
    assert sorted(r["prompt"].replace("'", "") for r in records) == sorted(t.replace("'", "") for t in HOSTILE_CELLS)


def test_a_write_that_fails_halfway_leaves_no_row(tmp_path, monkeypatch):
    table = Table(tmp_path / "t.db")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")

    def fail(*args):
        raise OSError("the disk filled up between the row and its metrics")

    monkeypatch.setattr(table, "_insert_metric", fail)
    with pytest.raises(OSError, match="disk filled up"):
        table.record(fake_result(), video, metrics={"flicker": MetricResult(0.1, [0.1], {})},
                     verdicts=[Verdict("presence", "pass", "seen", {})])
    assert len(table.generations()) == 0 and len(table.verdicts()) == 0
    assert table.db.execute("SELECT COUNT(*) FROM generations").fetchone() == (0,)
    assert not table.db.in_transaction  # rolled back, not left open for the next write to commit


def test_a_row_needs_its_video_first(tmp_path):
    table = Table(tmp_path / "t.db")
    with pytest.raises(FileNotFoundError, match="write the video before its row"):
        table.record(fake_result(), tmp_path / "missing.mp4")
    assert len(table.generations()) == 0


def test_save_video_writes_the_final_name_whole(tmp_path):
    frames = np.zeros((3, 16, 16, 3), np.uint8)
    path = save_video(frames, 8.0, "abc123", tmp_path)
    assert path == tmp_path / "abc123.mp4" and path.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["abc123.mp4"]


def test_wide_has_a_column_per_metric_and_probe(tmp_path):
    table = Table(tmp_path / "t.db")
    record_one(table, "one", str(tmp_path))
    wide = table.wide()
    assert list(wide[["m3", "probe:gravity", "probe:presence"]].iloc[0]) == [3.0, "fail", "pass"]
