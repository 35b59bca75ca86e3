"""The evaluation table: generations, metric values, probe verdicts and evaluation runs, in SQLite.

    from eval.table import Table
    table = Table()                                   # $SPACETIME_DB, else runs/spacetime.db
    gen_id = table.record(result, video_path, metrics={...}, verdicts=[...], run_id=run)
    table.wide()                                      # one row per generation, a column per metric and probe
    table.export("table.csv")                         # or .parquet

Writes: the caller writes the video file first (save_video writes to a temporary name and renames
it into place), then the rows go in one transaction, so a crash leaves either the whole
generation or none of it. WAL mode and a busy timeout let several processes write at once.
The schema has a version (PRAGMA user_version) and MIGRATIONS, applied in order on open.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import sqlite3
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from eval.metrics.base import MetricResult
from eval.probes.verdict import Verdict

DEFAULT_DB = Path("runs") / "spacetime.db"
DEFAULT_OUTPUTS = Path("outputs")

# Each entry takes the schema from version i to i + 1. Never edit a released entry: append one.
MIGRATIONS: list[str] = [
    # 1: the four tables
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, suite TEXT NOT NULL, model TEXT NOT NULL,
        settings TEXT NOT NULL, git_commit TEXT, started_at REAL NOT NULL, finished_at REAL
    );
    CREATE TABLE generations (
        id TEXT PRIMARY KEY, run_id INTEGER REFERENCES runs(id), created_at REAL NOT NULL,
        model TEXT NOT NULL, weights_hash TEXT, mode TEXT NOT NULL, prompt TEXT NOT NULL, seed INTEGER NOT NULL,
        steps INTEGER, guidance REAL, frames INTEGER, width INTEGER, height INTEGER, fps REAL,
        caption TEXT, video_path TEXT NOT NULL, request TEXT NOT NULL, timings TEXT NOT NULL,
        peak_memory_bytes INTEGER, notes TEXT NOT NULL
    );
    CREATE TABLE metrics (
        id INTEGER PRIMARY KEY AUTOINCREMENT, generation_id TEXT REFERENCES generations(id),
        run_id INTEGER REFERENCES runs(id), metric TEXT NOT NULL, extractor TEXT NOT NULL,
        value REAL, unavailable TEXT, meta TEXT NOT NULL, created_at REAL NOT NULL
    );
    CREATE TABLE verdicts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, generation_id TEXT NOT NULL REFERENCES generations(id),
        probe TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, measured TEXT NOT NULL
    );
    """,
    # 2: where a generation came from in its suite (resume skips what is done), the run's
    #    category, and the indexes the dashboard filters on
    """
    ALTER TABLE generations ADD COLUMN item TEXT;
    ALTER TABLE generations ADD COLUMN category TEXT;
    CREATE INDEX generations_run ON generations(run_id, item, seed);
    CREATE INDEX generations_model ON generations(model, created_at);
    CREATE INDEX metrics_generation ON metrics(generation_id);
    CREATE INDEX metrics_run ON metrics(run_id);
    CREATE INDEX verdicts_generation ON verdicts(generation_id);
    """,
    # 3: what the dashboard reads at 100,000 generations from indexes alone: the newest first, the
    #    mode filter, a run's mean of a metric, and verdicts by generation
    """
    CREATE INDEX generations_created ON generations(created_at);
    CREATE INDEX generations_mode ON generations(mode, created_at);
    CREATE INDEX metrics_metric_run ON metrics(metric, run_id, value, generation_id);
    CREATE INDEX verdicts_generation_status ON verdicts(generation_id, probe, status);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
# What a spreadsheet may run as a formula at the start of a cell or of a line in it (after blanks):
# the ASCII signs, their full-width forms (which some spreadsheets fold to ASCII), a tab and a CR.
FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r")


def default_db() -> Path:
    return Path(os.environ.get("SPACETIME_DB", DEFAULT_DB))


def default_outputs() -> Path:
    return Path(os.environ.get("SPACETIME_OUTPUTS", DEFAULT_OUTPUTS))


def new_generation_id() -> str:
    """12 hex digits: the row id and the video's file name, chosen before either is written."""
    return secrets.token_hex(6)


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=lambda v: v.item() if hasattr(v, "item") else str(v))


class Table:
    """One SQLite file. Safe to open from several processes; each instance holds one connection."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_db()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=60000")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------ schema

    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Apply every migration past the file's version, each in its own transaction."""
        self.db.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it done
        try:
            version = self.version()
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"{self.path}: schema version {version} is newer than this code's {SCHEMA_VERSION}")
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ writes

    def start_run(self, suite: str, model: str, settings: dict) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (suite, model, settings, git_commit, started_at) VALUES (?, ?, ?, ?, ?)",
            (suite, model, _json(settings), git_commit(), time.time()))
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, metrics: dict[str, MetricResult] | None = None) -> None:
        """Mark the run finished and store its run-level metrics (FVD), in one transaction."""
        with self._transaction():
            for name, result in (metrics or {}).items():
                self._insert_metric(None, run_id, name, result)
            self.db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (time.time(), run_id))

    def record(self, result, video_path: str | os.PathLike, *, generation_id: str | None = None,
               metrics: dict[str, MetricResult] | None = None, verdicts: Iterable[Verdict] = (),
               run_id: int | None = None, item: str | None = None, category: str | None = None,
               source_id: str | None = None) -> str:
        """One generation (a pipeline GenerationResult whose video is already on disk) with its
        metrics and verdicts, in one transaction. Returns the generation id. source_id: the generation
        an edit started from, kept in the row's request as "source_generation"."""
        if not Path(video_path).is_file():
            raise FileNotFoundError(f"video_path: {video_path} does not exist; write the video before its row")
        generation_id = generation_id or new_generation_id()
        r = result.request
        with self._transaction():
            self.db.execute(
                "INSERT INTO generations (id, run_id, created_at, model, weights_hash, mode, prompt, seed, steps, guidance,"
                " frames, width, height, fps, caption, video_path, request, timings, peak_memory_bytes, notes, item, category)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (generation_id, run_id, time.time(), result.model, result.weights_hash, logged_mode(r, result.frames), r.prompt, result.seed,
                 r.steps, r.guidance, int(result.frames.shape[0]), int(result.frames.shape[2]),
                 int(result.frames.shape[1]), result.fps, result.caption, str(video_path),
                 _json({**r.summary(), **({"source_generation": source_id} if source_id else {})}),
                 _json(result.timings), result.peak_memory_bytes, _json(result.notes), item, category))
            for name, metric in (metrics or {}).items():
                self._insert_metric(generation_id, run_id, name, metric)
            for verdict in verdicts:
                self._insert_verdict(generation_id, verdict)
        return generation_id

    def add_metrics(self, generation_id: str, metrics: dict[str, MetricResult]) -> None:
        """Metrics that finished after their generation was recorded (the app fills them in)."""
        run_id = self.db.execute("SELECT run_id FROM generations WHERE id = ?", (generation_id,)).fetchone()
        if run_id is None:
            raise KeyError(f"generation_id: {generation_id!r} is not in {self.path}")
        with self._transaction():
            for name, metric in metrics.items():
                self._insert_metric(generation_id, run_id[0], name, metric)

    def add_verdicts(self, generation_id: str, verdicts: Iterable[Verdict]) -> None:
        with self._transaction():
            for verdict in verdicts:
                self._insert_verdict(generation_id, verdict)

    def _insert_metric(self, generation_id, run_id, name: str, metric: MetricResult) -> None:
        extractor = metric.meta.get("extractor", "none")
        self.db.execute(
            "INSERT INTO metrics (generation_id, run_id, metric, extractor, value, unavailable, meta, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (generation_id, run_id, name, extractor, metric.value, metric.unavailable, _json(metric.meta), time.time()))

    def _insert_verdict(self, generation_id: str, verdict: Verdict) -> None:
        self.db.execute("INSERT INTO verdicts (generation_id, probe, status, reason, measured) VALUES (?, ?, ?, ?, ?)",
                        (generation_id, verdict.probe, verdict.status, verdict.reason, _json(verdict.measured)))

    def _transaction(self):
        return _Transaction(self.db)

    # ------------------------------------------------------------ reads (pandas)

    def frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        return pd.read_sql_query(sql, self.db, params=params)

    def runs(self) -> pd.DataFrame:
        return self.frame("SELECT * FROM runs ORDER BY id")

    def generations(self, run_id: int | None = None) -> pd.DataFrame:
        if run_id is None:
            return self.frame("SELECT * FROM generations ORDER BY created_at")
        return self.frame("SELECT * FROM generations WHERE run_id = ? ORDER BY created_at", (run_id,))

    def metrics(self, run_id: int | None = None) -> pd.DataFrame:
        if run_id is None:
            return self.frame("SELECT * FROM metrics ORDER BY id")
        return self.frame("SELECT * FROM metrics WHERE run_id = ? ORDER BY id", (run_id,))

    def verdicts(self, run_id: int | None = None) -> pd.DataFrame:
        sql = "SELECT v.*, g.model, g.run_id, g.category FROM verdicts v JOIN generations g ON g.id = v.generation_id"
        if run_id is None:
            return self.frame(sql + " ORDER BY v.id")
        return self.frame(sql + " WHERE g.run_id = ? ORDER BY v.id", (run_id,))

    def done_items(self, run_id: int) -> set[tuple[str, int]]:
        """(item, seed) pairs the run has already recorded: what --resume skips."""
        rows = self.db.execute("SELECT item, seed FROM generations WHERE run_id = ?", (run_id,)).fetchall()
        return {(item, seed) for item, seed in rows}

    def wide(self, run_id: int | None = None) -> pd.DataFrame:
        """One row per generation: its fields, a column per metric value and one per probe status."""
        gens = self.generations(run_id)
        columns = ["id", "run_id", "created_at", "model", "mode", "category", "item", "prompt", "seed", "steps",
                   "guidance", "frames", "width", "height", "caption", "video_path"]
        out = gens[columns].copy()
        out["seconds"] = [json.loads(t).get("total") for t in gens["timings"]]
        metrics = self.metrics(run_id)
        metrics = metrics[metrics["generation_id"].notna()]
        if len(metrics):
            values = metrics.pivot_table(index="generation_id", columns="metric", values="value", aggfunc="last")
            out = out.join(values, on="id")
        verdicts = self.verdicts(run_id)
        if len(verdicts):
            statuses = verdicts.pivot_table(index="generation_id", columns="probe", values="status", aggfunc="last")
            out = out.join(statuses.add_prefix("probe:"), on="id")
        return out

    def export(self, path: str | os.PathLike, frame: pd.DataFrame | None = None) -> Path:
        """CSV or parquet (by suffix) of `frame` (default: wide()). Text cells that a spreadsheet
        would run as a formula (= + - @, a tab or a carriage return first) get a leading quote."""
        path = Path(path)
        frame = self.wide() if frame is None else frame
        if path.suffix == ".csv":
            # Every text cell quoted, so a CR or LF inside one stays inside its record for every reader.
            neutralised(frame).to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)
        elif path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            raise ValueError(f"path: {path.name!r} must end in .csv or .parquet")
        return path


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot start a spreadsheet formula: a line (the cell's first, or one after a
    line break) that starts with a formula sign, after any blanks, gets a leading quote."""
    def line(text: str) -> str:
        return "'" + text if text.lstrip(" \u3000\u00a0").startswith(FORMULA_START) else text

    def cell(value):
        if not isinstance(value, str):
            return value
        lines = re.split(r"(\r\n|\r|\n)", value)  # the breaks kept, at odd positions
        value = "".join(part if i % 2 else line(part) for i, part in enumerate(lines))
        return "'" + value if value.startswith(("\r", "\n")) else value  # a cell opening on a line break

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(cell)
    return out


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (the connection is in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


def save_video(frames: np.ndarray, fps: float, generation_id: str, outputs: str | os.PathLike | None = None,
               audio=None) -> Path:
    """Write outputs/<generation_id>.mp4 atomically (temporary name, then rename): a file with the
    final name is always whole. audio: the model's Soundtrack (muxed as AAC), or None. One frame is
    an image: outputs/<generation_id>.png."""
    from pipeline.video_io import write_mp4, write_png_strip

    folder = Path(outputs) if outputs else default_outputs()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".png" if len(frames) == 1 else ".mp4"
    final = folder / f"{generation_id}{suffix}"
    partial = folder / f".{generation_id}.partial{suffix}"
    if suffix == ".png":
        write_png_strip(partial, frames)
    else:
        write_mp4(partial, frames, fps=fps, audio=audio)
    os.replace(partial, final)
    return final


def logged_mode(request, frames: np.ndarray) -> str:
    """The mode a row is logged with: a one-frame text-to-video request made an image, `t2i`."""
    return "t2i" if request.mode == "t2v" and len(frames) == 1 else request.mode
