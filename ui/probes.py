"""Failure probes: generate a prompt of a probe suite (or your own), and see where the model fails.

The generated clip comes back with the probes' evidence drawn over it (tracks, events, verdicts),
each verdict with its reason and measured numbers; for world prompts the world's own clip of the
same scene and seed is shown beside it, with its verdicts. "Run the whole suite" runs the
category through eval.run.execute, the code behind `python -m eval run`.
"""

from __future__ import annotations

import json
import secrets

import gradio as gr
import pandas as pd

from eval.probes import Verdict, run_probes_with_evidence
from eval.run import execute
from eval.suites import PROBE_SUITES, load_probe_suite
from pipeline.video_io import write_mp4
from ui import shared, video_first, widgets
from world import parse
from world.render import make_clip

CATEGORIES = {"physics": "physics", "left/right": "left_right", "causality": "causality", "object permanence": "permanence"}


def suite_prompts(category: str) -> list[str]:
    return [entry.prompt for entry in load_probe_suite(_suite_path(category))]


def _suite_path(category: str):
    if category not in CATEGORIES:
        raise gr.Error(f"category: {category!r}; choose one of {', '.join(CATEGORIES)}", duration=None)
    return PROBE_SUITES / f"{CATEGORIES[category]}.yaml"


def verdict_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    rows = [{"probe": v.probe, "verdict": v.status, "reason": v.reason,
             "measured": json.dumps(v.measured, ensure_ascii=False, default=str)} for v in verdicts]
    return pd.DataFrame(rows, columns=["probe", "verdict", "reason", "measured"])


def _expectation(category: str, prompt: str):
    """The suite entry's written expectation when the prompt is one of the suite's, else the parser's."""
    for entry in load_probe_suite(_suite_path(category)):
        if entry.prompt == prompt:
            return entry.expectation, entry.id
    expectation = shared.expectation_of(prompt)
    if expectation is None:
        try:
            parse(prompt)
        except ValueError as error:
            raise shared.as_message(ValueError(f"prompt: {error}")) from None
    return expectation, None


def probe(category: str, prompt: str, model: str, seed, randomize: bool, steps, guidance, frames, size, fps,
          request: gr.Request = None, progress=gr.Progress()):
    """-> (evidence video, row id, verdicts, ground-truth evidence video, its verdicts, details)."""
    if not (prompt or "").strip():
        raise gr.Error("prompt: empty; pick one of the suite's prompts or type one", duration=None)
    expectation, item = _expectation(category, prompt)
    fields = widgets.request_fields(seed, randomize, steps, guidance, frames, size, fps)
    result = shared.run_pipeline(model, widgets.make_request("t2v", prompt, "", fields), request, progress)
    path, generation_id = shared.log_generation(result, item=item, category=CATEGORIES.get(category))
    yield str(path), generation_id, verdict_frame([]), None, verdict_frame([]), shared.result_markdown(result, generation_id)
    verdicts, drawn = shared.probe_generation(generation_id, result.frames, expectation)
    shared.score_generation(generation_id, result.frames, prompt)
    evidence = write_mp4(shared.SETTINGS.outputs / f"evidence-{generation_id}.mp4", drawn, fps=result.fps)
    truth_video, truth_verdicts = None, []
    try:
        spec = parse(prompt).spec
    except ValueError:
        spec = None  # a natural prompt: the world has no clip of it
    if spec is not None:
        truth = make_clip(spec, seed=result.seed % 2**31, frames=result.frames.shape[0], width=result.frames.shape[2],
                          height=result.frames.shape[1]).frames
        truth_verdicts, truth_drawn = run_probes_with_evidence(truth, expectation)
        truth_video = str(write_mp4(shared.SETTINGS.outputs / f"truth-{secrets.token_hex(6)}.mp4", truth_drawn,
                                    fps=result.fps))
    yield (str(evidence), generation_id, verdict_frame(verdicts), truth_video, verdict_frame(truth_verdicts),
           shared.result_markdown(result, generation_id))


def run_suite(category: str, model: str, progress=gr.Progress(track_tqdm=True)):
    """The whole category through `python -m eval run`'s code. -> (pass rates, details)."""
    problem = shared.weights_problem(model)
    if problem:
        raise gr.Error(f"model: {problem}", duration=None)
    summary = execute(str(_suite_path(category)), model, 1, {}, db=shared.SETTINGS.db and str(shared.SETTINGS.db),
                      outputs=str(shared.SETTINGS.outputs), progress=True)
    rates = pd.DataFrame([{"probe": name, "pass rate": f"{p['pass_rate']:.0%}", "pass": p["n"] - p["fail"] - p["inconclusive"],
                           "fail": p["fail"], "inconclusive": p["inconclusive"], "of": p["n"]}
                          for name, p in summary["probes"].items()],
                         columns=["probe", "pass rate", "pass", "fail", "inconclusive", "of"])
    lines = [f"**Run {summary['run_id']}**: {summary['generations']} generations of {model} on {category} "
             f"({summary['seconds_per_generation']} s each)"]
    lines += [f"- refused `{e['item']}`: {e['error']}" for e in summary["errors"]]
    return rates, "\n".join(lines)


def create_tab() -> None:
    first = next(iter(CATEGORIES))
    with gr.Row():
        with gr.Column(scale=1):
            category = gr.Radio(list(CATEGORIES), value=first, label="Category")
            prompt = gr.Dropdown(suite_prompts(first), value=suite_prompts(first)[0], label="Prompt",
                                 allow_custom_value=True, info="from prompts/probes, or type your own")
            model, note = widgets.model_picker("t2v")
            adv = widgets.advanced(shared.SETTINGS.default_model)
            go, halt = widgets.buttons()
            suite = gr.Button("Run the whole suite")
        with gr.Column(scale=2):
            with gr.Row():
                evidence = gr.Video(label="Generated, with the probes' evidence", autoplay=True, loop=True,
                                    interactive=False, height=320)
                truth = gr.Video(label="The world's own clip (ground truth)", autoplay=True, loop=True,
                                 interactive=False, height=320)
            row = gr.Textbox(label="Row id in the evaluation table", interactive=False)
            verdict_columns = dict(headers=["probe", "verdict", "reason", "measured"], interactive=False, wrap=True,
                                   column_widths=["17%", "13%", "38%", "32%"])  # the measured numbers wrap, not cut
            verdicts = gr.Dataframe(label="Verdicts on the generated clip", **verdict_columns)
            truth_verdicts = gr.Dataframe(label="Verdicts on the ground truth", **verdict_columns)
            info = gr.Markdown()
            rates = gr.Dataframe(headers=["probe", "pass rate", "pass", "fail", "inconclusive", "of"], label="Suite pass rates",
                                 interactive=False)
            suite_info = gr.Markdown()
    category.change(lambda c: gr.update(choices=suite_prompts(c), value=suite_prompts(c)[0]), category, prompt,
                    api_name=False, queue=False)
    widgets.follow_model(model, note, adv, "t2v")
    video_first.wire([go.click], probe, [category, prompt, model, *adv.inputs()],
                     [evidence, row, verdicts, truth, truth_verdicts, info], row, "probe", busy=verdicts,
                     concurrency_id=widgets.GENERATE_QUEUE)
    suite.click(run_suite, [category, model], [rates, suite_info], api_name="probe_suite",
                concurrency_id=widgets.GENERATE_QUEUE)
    widgets.wire_stop(halt)
