"""Compare: one prompt and seed on 2 to 4 models or settings side by side, logged as one evaluation run."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from pipeline.registry import get_card
from pipeline.request import GenerationRequest
from ui import shared, widgets

SLOTS = 4
SLOT_FIELDS = ("use", "model", "steps", "guidance")  # each slot's inputs, in order
SUMMARY_HEADERS = ["slot", "model", "steps", "guidance"]  # the side-by-side table before the first comparison
# What each slot starts as: the card's defaults, then fewer and more steps, then stronger guidance.
STARTS = ((True, 8, 3.0), (True, 16, 3.0), (False, 4, 3.0), (False, 8, 6.0))


@dataclass
class Slot:
    use: gr.Checkbox
    model: gr.Dropdown
    steps: gr.Slider
    guidance: gr.Slider
    video: gr.Video
    info: gr.Markdown


def slot_settings(values: list) -> list[dict]:
    """Flat (use, model, steps, guidance) x SLOTS -> the settings of each slot in use, checked."""
    chosen = []
    for i in range(SLOTS):
        use, model, steps, guidance = values[4 * i: 4 * i + 4]
        if use:
            if model not in shared.model_choices():
                raise gr.Error(f"slot {i + 1} model: {model!r} is not one of {shared.model_choices()}", duration=None)
            chosen.append({"slot": i + 1, "model": model, "steps": int(steps), "guidance": float(guidance)})
    if not 2 <= len(chosen) <= SLOTS:
        raise gr.Error(f"slots: tick 2 to {SLOTS} slots to compare, got {len(chosen)}", duration=None)
    return chosen


def slot_markdown(setting: dict, generation_id: str, metrics: dict, verdicts: list) -> str:
    values = ", ".join(f"{name} {m.value:.4g}" for name, m in metrics.items() if m.value is not None)
    missing = ", ".join(name for name, m in metrics.items() if m.value is None)
    lines = [f"**{setting['model']}** · {setting['steps']} steps · guidance {setting['guidance']:g} · row `{generation_id}`",
             f"**Metrics**: {values or 'none'}" + (f" (unavailable here: {missing})" if missing else "")]
    lines += [f"**{v.probe}**: {v.status}: {v.reason}" for v in verdicts]
    return "  \n".join(lines)


def shared_shape(frames, size) -> dict:
    """The frames and size every slot uses; blank: each model's own default (the pipeline checks each model's rules)."""
    fields = {}
    if frames not in (None, ""):
        fields["frames"] = widgets.whole_number(frames, "frames")
    if (size or "").strip():
        fields["width"], fields["height"] = shared.parse_size(size.strip())
    return fields


def compare(prompt: str, seed, frames, size, *values, request: gr.Request = None, progress=gr.Progress()):
    """Yields (the run's line, the side-by-side rows, then video and markdown per slot) after each slot."""
    if not (prompt or "").strip():
        raise gr.Error("prompt: empty; type what the videos should show", duration=None)
    seed = widgets.seed_value(seed)
    if seed is None:
        raise gr.Error("seed: empty; every slot uses one seed, so give a whole number", duration=None)
    chosen = slot_settings(list(values))
    shape = shared_shape(frames, size)
    table = shared.table()
    run_id = table.start_run("compare", ",".join(dict.fromkeys(s["model"] for s in chosen)),
                             {"prompt": prompt, "seed": seed, **shape, "slots": chosen})
    shown: list = [None, ""] * SLOTS
    summary = []
    for setting in chosen:
        slot = setting["slot"]
        card = get_card(setting["model"])
        req = GenerationRequest("t2v", prompt, seed=seed, steps=min(setting["steps"], card.limits.max_steps),
                                guidance=setting["guidance"], **shape)
        try:
            result = shared.run_pipeline(setting["model"], req, request, progress)
        except gr.Error as error:  # one slot that cannot run does not cost the others
            shown[2 * slot - 1] = f"⚠️ slot {slot}: {error.message}"
            summary.append({"slot": slot, **setting, "row": "", "error": str(error.message)})
            yield *run_markdown(run_id, summary), *shown
            continue
        path, generation_id = shared.log_generation(result, item=f"slot {slot}", category="compare", run_id=run_id)
        metrics = shared.score_generation(generation_id, result.frames, prompt)
        verdicts, _ = shared.probe_generation(generation_id, result.frames, shared.expectation_of(prompt))
        shown[2 * slot - 2], shown[2 * slot - 1] = str(path), slot_markdown(setting, generation_id, metrics, verdicts)
        summary.append({"slot": slot, **setting, "row": generation_id, "seconds": round(result.timings["total"], 2),
                        **{k: m.value for k, m in metrics.items() if m.value is not None},
                        **{f"probe:{v.probe}": v.status for v in verdicts}})
        yield *run_markdown(run_id, summary), *shown
    table.finish_run(run_id)
    yield *run_markdown(run_id, summary, done=True), *shown


def with_named_slots(handler):
    """`handler` with each slot's fields as named parameters (slot_2_guidance, ...) instead of *values, so
    "Use via API" and gradio_client name every one of them; its keyword-only parameters (request, progress)
    become positional, where Gradio looks for the parameters it fills in itself."""
    params = list(inspect.signature(handler).parameters.values())
    plain = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    extra = [p.replace(kind=p.POSITIONAL_OR_KEYWORD) for p in params if p.kind is p.KEYWORD_ONLY]
    slots = [inspect.Parameter(f"slot_{i + 1}_{field}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
             for i in range(SLOTS) for field in SLOT_FIELDS]
    signature = inspect.Signature(plain + slots + extra)

    @functools.wraps(handler)
    def named(*args, **kwargs):
        given = signature.bind(*args, **kwargs).arguments
        values = [given[p.name] for p in plain + slots]
        yield from handler(*values, **{p.name: given[p.name] for p in extra if p.name in given})

    named.__signature__ = signature
    return named


def run_markdown(run_id: int, summary: list[dict], done: bool = False) -> tuple[str, pd.DataFrame]:
    """-> (the run's line with its link, one row per slot: settings, metrics, verdicts)."""
    head = (f"**Run {run_id}** ({'done' if done else 'running'}) · link [`?run={run_id}`](?run={run_id}) opens it in the "
            "dashboard")
    frame = pd.DataFrame(summary).fillna("") if summary else pd.DataFrame(columns=SUMMARY_HEADERS)
    return head, frame.round(4)


def create_tab() -> None:
    with gr.Row():
        prompt = gr.Textbox(label="Prompt", lines=2, value="a red ball falls and bounces", scale=3)
        seed = widgets.seed_box(scale=1)
        frames = gr.Textbox(label="Frames (every slot)", placeholder="blank: each model's default", scale=1)
        size = gr.Textbox(label="Size WxH (every slot)", placeholder="blank: each model's default", scale=1)
        go = gr.Button("Compare", variant="primary", scale=1)
    slots = []
    with gr.Row():
        for i, (use, steps, guidance) in enumerate(STARTS):
            with gr.Column(min_width=220):
                slot_use = gr.Checkbox(use, label=f"Slot {i + 1}")
                model = gr.Dropdown(shared.model_choices(), value=shared.SETTINGS.default_model, label="Model")
                slot_steps = gr.Slider(1, 64, steps, step=1, label="Steps")
                slot_guidance = gr.Slider(0, 30, guidance, step=0.5, label="Guidance")
                video = gr.Video(label=f"Slot {i + 1}", autoplay=True, loop=True, interactive=False, height=220)
                info = gr.Markdown()
                slots.append(Slot(slot_use, model, slot_steps, slot_guidance, video, info))
    run_info = gr.Markdown()
    summary = gr.Dataframe(pd.DataFrame(columns=SUMMARY_HEADERS), label="Side by side (one row per slot)",
                           interactive=False, wrap=True)
    inputs = [prompt, seed, frames, size] + [c for s in slots for c in (s.use, s.model, s.steps, s.guidance)]
    outputs = [run_info, summary] + [c for s in slots for c in (s.video, s.info)]
    go.click(with_named_slots(compare), inputs, outputs, api_name="compare", concurrency_id=widgets.GENERATE_QUEUE)
