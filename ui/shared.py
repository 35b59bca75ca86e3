"""What every tab shares: settings, the model list, one Stop flag per session, running a request
through the shared pipeline, logging it to the evaluation table, and errors as messages.

A tab builds a GenerationRequest from its fields and calls `generate_and_log`, a generator that
yields twice: once with the video and its row (written before any metric runs), once with the
metrics and verdicts filled in (ui/video_first.py makes these two events in the page, one for an
API call). A metric that fails is recorded as unavailable with the reason; it never costs the
video or the row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd

from eval.metrics import GENERATION, METRICS, MetricResult, Scorer
from eval.probes import Verdict, run_probes_with_evidence
from eval.table import Table, new_generation_id, save_video
from pipeline import PipelineError, load
from pipeline.registry import MODELS, UNSUPPORTED, get_card
from pipeline.request import GenerationRequest, GenerationResult
from pipeline.weights import locate
from ui.gpu import gpu
from ui.guard import path_free
from world import Expectation, parse

DEFAULT_MODEL = "tinyworld"


@dataclass
class Settings:
    outputs: Path  # videos and uploads live here, and the server serves nothing else
    db: Path | None  # the evaluation table (None: $SPACETIME_DB or runs/spacetime.db)
    default_model: str = DEFAULT_MODEL


SETTINGS = Settings(outputs=Path("outputs"), db=None)
_TABLE: dict[str, Table] = {}
_TABLE_LOCK = threading.Lock()
_SCORER = Scorer()  # extractors load once per process; missing ones are remembered as reasons


def configure(outputs: str | Path, db: str | Path | None = None, default_model: str = DEFAULT_MODEL) -> Settings:
    """Point the tabs at an outputs folder and a table (app.py calls this once, tests per test)."""
    SETTINGS.outputs, SETTINGS.db, SETTINGS.default_model = Path(outputs), Path(db) if db else None, default_model
    SETTINGS.outputs.mkdir(parents=True, exist_ok=True)
    return SETTINGS


def table() -> Table:
    """One connection per table file and thread (sqlite3 connections stay in their thread)."""
    key = f"{SETTINGS.db}:{threading.get_ident()}"
    with _TABLE_LOCK:
        if key not in _TABLE:
            _TABLE[key] = Table(SETTINGS.db)
        return _TABLE[key]


# ---------------------------------------------------------------- models


def weights_problem(model: str) -> str | None:
    """Why a model cannot run here (its weights are missing, with the fetch command), or None."""
    try:
        locate(get_card(model))
    except PipelineError as error:
        return path_free(str(error))  # the page is public: the folder's name, not where the server keeps it
    return None


def task_problem(model: str, mode: str, direction: str = "forward") -> str | None:
    """Why a model cannot do this mode, or None (an unknown model is weights_problem's to name)."""
    if model not in MODELS:
        return None
    capability = get_card(model).capability(mode, direction)
    if capability.support == UNSUPPORTED:
        return f"{model} cannot do {mode}{' ' + direction if mode == 'extend' else ''}: {capability.note or 'not supported'}"
    return None


def model_choices() -> list[str]:
    return list(MODELS)


def model_note(model: str, mode: str) -> str:
    """Markdown under the model dropdown: what the model is, and anything stopping it."""
    card = get_card(model)
    lines = [f"**{card.name}**: {card.description}."]
    if card.memory.gpu:
        lines.append(f"GPU memory: {card.memory.gpu}")
    problem = weights_problem(model) or task_problem(model, mode)
    if problem:
        lines.append(f"⚠️ {problem}")
    return "  \n".join(lines)


def size_choices(model: str) -> list[str]:
    """The card's allowed sizes as 'WxH' strings (free sizes: the default and common ones that fit)."""
    card = get_card(model)
    if card.limits.sizes:
        return [f"{w}x{h}" for w, h in card.limits.sizes]
    d, lim = card.defaults, card.limits
    common = [(d.width, d.height), (512, 512), (768, 512), (512, 768), (832, 480), (480, 832), (1280, 720)]
    ok = [(w, h) for w, h in dict.fromkeys(common)
          if lim.min_size <= min(w, h) and max(w, h) <= lim.max_size and w % lim.size_multiple == 0 and h % lim.size_multiple == 0]
    return [f"{w}x{h}" for w, h in ok]


def frame_choices(model: str) -> list[int]:
    return get_card(model).limits.allowed_frames()


def parse_size(size: str | None) -> tuple[int | None, int | None]:
    if not size:
        return None, None
    try:
        width, height = (int(v) for v in str(size).lower().split("x"))
    except ValueError:
        raise gr.Error(f"size: {size!r} is not WxH, e.g. 64x64") from None
    return width, height


# ---------------------------------------------------------------- stopping


class Stopped(Exception):
    """Raised from the step callback when the session's Stop button was pressed."""


_STOPS: dict[str, threading.Event] = {}
_LAST: dict[str, str] = {}  # session -> the path of its latest result, for "take the last result"


def last_result(request: gr.Request | None = None) -> str:
    """This session's latest generated clip (the Extend tab's "Take the last result")."""
    path = _LAST.get(_session(request))
    if not path:
        raise gr.Error("video: this session has no result yet; generate one in another tab or upload a clip",
                       duration=None)
    return path


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or "no-session"


def stop(request: gr.Request | None = None) -> None:
    """The Stop button: the running generation of this session ends after its current step."""
    _STOPS.setdefault(_session(request), threading.Event()).set()
    gr.Info("Stopping after the current denoising step…")


# ---------------------------------------------------------------- one request, end to end


def as_message(error: BaseException) -> gr.Error:
    """A problem the user can fix, as the message the UI shows (it names the field)."""
    text = str(error).split(". The world understands")[0]  # the grammar list is long; the field and the words matter
    if isinstance(error, KeyError):
        text = str(error.args[0])
    return gr.Error(path_free(text), duration=None)


@gpu  # ZeroGPU: a GPU is attached only while this runs (ui/gpu.py)
def run_pipeline(model: str, request: GenerationRequest, session: gr.Request | None,
                 progress: Callable | None = None) -> GenerationResult:
    """Generate, with progress and Stop. Every user-fixable problem becomes a gr.Error."""
    problem = task_problem(model, request.mode, request.direction) or weights_problem(model)  # what it cannot do at all, first
    if problem:
        raise gr.Error(problem if problem.startswith("model:") else f"model: {problem}", duration=None)
    flag = _STOPS.setdefault(_session(session), threading.Event())
    flag.clear()

    def on_step(step: int, total: int) -> None:
        if flag.is_set():
            raise Stopped(f"stopped after denoising step {step} of {total}; nothing was logged")
        if progress is not None:
            progress((step, total), desc="denoising")

    try:
        return load(model).generate(request, progress=on_step)
    except Stopped as stopped:
        raise gr.Error(str(stopped), duration=None) from None
    except (PipelineError, ValueError, KeyError) as error:
        raise as_message(error) from None
    finally:
        flag.clear()


def log_generation(result: GenerationResult, item: str | None = None, category: str | None = None,
                   run_id: int | None = None, source_id: str | None = None) -> tuple[Path, str]:
    """Write the video, then its row (no metrics yet). -> (video path, generation id).
    source_id: the row an edit started from, when it was one of this app's results."""
    generation_id = new_generation_id()
    path = save_video(result.frames, result.fps, generation_id, SETTINGS.outputs, audio=result.audio)
    table().record(result, path, generation_id=generation_id, item=item, category=category, run_id=run_id,
                   source_id=source_id)
    return path, generation_id


def score_generation(generation_id: str, frames: np.ndarray, prompt: str,
                     progress: Callable | None = None) -> dict[str, MetricResult]:
    """Every per-generation metric, each in the table as soon as it is known; failures become reasons.
    progress (gr.Progress): shows an extractor's first-use download ("Downloading CLIP ViT-B/32, 605 MB")."""
    results = {}
    downloading = None
    if progress is not None:
        def downloading(done: int, total: int | None, what: str) -> None:
            progress(done / total if total else None, desc=what)
    for name, metric in METRICS.items():
        if metric.level != GENERATION:
            continue
        try:
            results[name] = _SCORER.score(name, [frames], [prompt], progress=downloading)
        except Exception as error:  # noqa: BLE001 - a broken metric must not lose the row
            results[name] = MetricResult(None, None, {}, f"failed: {type(error).__name__}: {error}")
        table().add_metrics(generation_id, {name: results[name]})
    return results


def probe_generation(generation_id: str | None, frames: np.ndarray, expectation: Expectation | None
                     ) -> tuple[list[Verdict], np.ndarray | None]:
    """The probes the expectation calls for, in the table; -> (verdicts, frames with the evidence drawn)."""
    if expectation is None:
        return [], None
    verdicts, drawn = run_probes_with_evidence(frames, expectation)
    if generation_id is not None:
        table().add_verdicts(generation_id, verdicts)
    return verdicts, drawn


def expectation_of(prompt: str) -> Expectation | None:
    try:
        return parse(prompt).expectation
    except ValueError:
        return None


def metrics_frame(metrics: dict[str, MetricResult], verdicts: list[Verdict] = ()) -> pd.DataFrame:
    """One row per metric and probe, as the result panel shows them."""
    rows = []
    for name, m in metrics.items():
        value = "unavailable" if m.value is None else f"{m.value:.4g}"
        rows.append({"measure": name, "value": value, "detail": m.unavailable or METRICS[name].what if name in METRICS else ""})
    for v in verdicts:
        rows.append({"measure": f"probe: {v.probe}", "value": v.status, "detail": v.reason})
    return pd.DataFrame(rows, columns=["measure", "value", "detail"])


def result_markdown(result: GenerationResult, generation_id: str) -> str:
    t = result.timings
    count, height, width = result.frames.shape[:3]
    shape = f"an image, {width}x{height}" if count == 1 else f"{count} frames at {width}x{height}, {result.fps:g} fps"
    lines = [f"**Row** `{generation_id}` · model `{result.model}` · seed `{result.seed}` · {shape}",
             f"**Time**: {t['total']:.2f} s (denoise {t['denoise']:.2f} s, decode {t['decode']:.2f} s)"]
    lines.append(f"**Link**: [`?gen={generation_id}`](?gen={generation_id}) opens this row in the dashboard")
    if result.caption and result.caption != result.request.prompt:
        lines.append(f"**Caption the model was given**: {result.caption}")
    for note in result.notes:
        lines.append(f"ℹ️ {note}")
    return "  \n".join(lines)


def generate_and_log(model: str, request: GenerationRequest, session: gr.Request | None,
                     progress: Callable | None = None, extra: Callable[[GenerationResult], tuple] | None = None,
                     source_id: str | None = None) -> Iterator[tuple]:
    """Yields (video, generation id, seed, markdown, metrics frame, image, *extra(result)) twice:
    with the video and row as soon as they are written, then with the metrics and verdicts. A
    one-frame result is an image (a PNG), given as the image and not as the video."""
    result = run_pipeline(model, request, session, progress)
    path, generation_id = log_generation(result, source_id=source_id)
    _LAST[_session(session)] = str(path)
    more = extra(result) if extra else ()
    video, image = shown_as(path)
    pending = pd.DataFrame([{"measure": "metrics", "value": "computing…", "detail": ""}])
    yield video, generation_id, result.seed, result_markdown(result, generation_id), pending, image, *more
    metrics = score_generation(generation_id, result.frames, request.prompt, progress)
    verdicts, _ = probe_generation(generation_id, result.frames, expectation_of(request.prompt))
    yield video, generation_id, result.seed, result_markdown(result, generation_id), metrics_frame(metrics, verdicts), image, *more


def shown_as(path: Path) -> tuple[str | None, str | None]:
    """(the video output, the image output) for a result file: a one-frame result is a PNG, shown as
    an image (widgets.result_panel shows whichever of the two holds something)."""
    return (None, str(path)) if path.suffix == ".png" else (str(path), None)


__all__ = ["SETTINGS", "Stopped", "configure", "generate_and_log", "stop", "table"]
