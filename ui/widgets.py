"""Components several tabs build the same way: the model picker, the Advanced accordion, the result panel.

Choices come from the model card (sizes, frame counts, step limits), never free numbers, and
follow the model dropdown when it changes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import gradio as gr

from pipeline.registry import get_card
from pipeline.request import MAX_SEED, GenerationRequest
from ui import shared, video_first, weights_button

GENERATE_QUEUE = "generate"  # one concurrency group: every generating event shares the loaded model


@dataclass
class Advanced:
    seed: gr.Textbox
    randomize: gr.Checkbox
    steps: gr.Slider
    guidance: gr.Slider
    frames: gr.Dropdown
    size: gr.Dropdown
    fps: gr.Slider

    def inputs(self) -> list:
        return [self.seed, self.randomize, self.steps, self.guidance, self.frames, self.size, self.fps]


def model_picker(mode: str) -> tuple[gr.Dropdown, gr.Markdown]:
    model = gr.Dropdown(shared.model_choices(), value=shared.SETTINGS.default_model, label="Model",
                        info="models without weights on this machine say why, with the fetch command "
                             "(or a Download weights button where there is internet)")
    note = gr.Markdown(shared.model_note(shared.SETTINGS.default_model, mode))
    weights_button.attach(model, note, mode)  # where the network is allowed: "Download weights" (size, progress, Stop)
    return model, note


def advanced(model_name: str, frames: bool = True) -> Advanced:
    card = get_card(model_name)
    d = card.defaults
    with gr.Accordion("Advanced", open=False):
        with gr.Row():
            seed = seed_box()
            randomize = gr.Checkbox(False, label="Randomize seed", info="the seed used is shown with the result")
        with gr.Row():
            steps = gr.Slider(1, card.limits.max_steps, d.steps, step=1, label="Steps")
            guidance = gr.Slider(0, 30, d.guidance, step=0.5, label="Guidance", info="1 or less: no guidance")
        with gr.Row():
            frame_count = gr.Dropdown(shared.frame_choices(model_name), value=d.frames, label="Frames", visible=frames)
            size = gr.Dropdown(shared.size_choices(model_name), value=f"{d.width}x{d.height}", label="Size (WxH)")
            fps = gr.Slider(1, 60, d.fps, step=1, label="fps")
    return Advanced(seed, randomize, steps, guidance, frame_count, size, fps)


def follow_model(model: gr.Dropdown, note: gr.Markdown, adv: Advanced, mode: str) -> None:
    """When the model changes: its note, and its allowed values and defaults in Advanced."""

    def update(name: str):
        card = get_card(name)
        d = card.defaults
        return (shared.model_note(name, mode), gr.update(maximum=card.limits.max_steps, value=d.steps),
                gr.update(value=d.guidance), gr.update(choices=shared.frame_choices(name), value=d.frames),
                gr.update(choices=shared.size_choices(name), value=f"{d.width}x{d.height}"), gr.update(value=d.fps))

    model.change(update, model, [note, adv.steps, adv.guidance, adv.frames, adv.size, adv.fps], api_name=False,
                 queue=False)


def seed_box(**options) -> gr.Textbox:
    """The seed as text: a browser's number field holds doubles, which cannot carry every seed up to 2**63-1
    (9007199254740993 would become ...992), so the digits go to the server as typed."""
    return gr.Textbox("0", label="Seed", max_lines=1, placeholder=f"a whole number, 0 to {MAX_SEED}", **options)


def request_fields(seed, randomize, steps, guidance, frames, size, fps) -> dict:
    """The Advanced values as GenerationRequest keyword arguments (checked by the pipeline)."""
    width, height = shared.parse_size(size)
    return dict(seed=None if randomize else seed_value(seed), steps=whole_number(steps, "steps"),
                guidance=guidance, frames=whole_number(frames, "frames"), width=width, height=height, fps=fps)


def seed_value(value, field: str = "seed") -> int | None:
    """The seed field -> an exact int (its range is the pipeline's check), or None (empty: draw one).
    Digits are read as digits, never through a float."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"[0-9]+", text, flags=re.ASCII):
        return int(text)
    raise gr.Error(f"{field}: {str(value)[:40]!r} is not a whole number in 0..{MAX_SEED}", duration=None)


def whole_number(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"{field}: {value!r} is not a number", duration=None) from None
    if not math.isfinite(number) or number != int(number):
        raise gr.Error(f"{field}: {value!r} is not a whole number", duration=None)
    return int(number)


@dataclass
class ResultPanel:
    video: gr.Video
    row: gr.Textbox
    seed: gr.Textbox
    info: gr.Markdown
    metrics: gr.Dataframe
    image: gr.Image  # a one-frame result is an image: shown here instead of the video
    beside: gr.Video | None = None  # a second clip played beside the result (the Edit tab's source); not an output

    def outputs(self) -> list:
        return [self.video, self.row, self.seed, self.info, self.metrics, self.image]


def result_panel(label: str = "Result", beside: str | None = None) -> ResultPanel:
    """beside: the label of a clip shown to the left of the result, in the same row."""
    other = None
    with gr.Row():
        if beside:
            other = gr.Video(label=beside, autoplay=True, loop=True, interactive=False, height=320)
        video = gr.Video(label=label, autoplay=True, loop=True, interactive=False, height=320)
    image = gr.Image(label=f"{label} (one frame: an image)", type="filepath", format="png", interactive=False,
                     height=320, visible=False)
    with gr.Row():
        row = gr.Textbox(label="Row id in the evaluation table", interactive=False)
        seed = gr.Textbox(label="Seed used", interactive=False)
    info = gr.Markdown()
    metrics = gr.Dataframe(headers=["measure", "value", "detail"], label="Metrics and probe verdicts",
                           interactive=False, wrap=True, column_widths=["30%", "22%", "48%"])  # detail wraps, not cut
    return ResultPanel(video, row, seed, info, metrics, image, other)


def wire_generate(triggers: list, handler, inputs: list, panel: ResultPanel, api_name: str, more: list = ()) -> None:
    """A generating handler behind its triggers and its api_name: the video first, the metrics after
    (ui/video_first.py). more: outputs after the panel's, as the handler returns them."""
    video_first.wire(triggers, handler, inputs, [*panel.outputs(), *more], panel.row, api_name, busy=panel.metrics,
                     concurrency_id=GENERATE_QUEUE)
    show_image_or_video(panel.image, panel.video)


def show_image_or_video(image: gr.Image, video: gr.Video) -> None:
    """One of the two holds a result: a one-frame result shows as the image, a clip as the video."""
    image.change(lambda shown: (gr.update(visible=shown is not None), gr.update(visible=shown is None)), image,
                 [image, video], api_name=False, queue=False)


def buttons() -> tuple[gr.Button, gr.Button]:
    with gr.Row():
        go = gr.Button("Generate", variant="primary")
        halt = gr.Button("Stop", variant="stop")
    return go, halt


def wire_stop(halt: gr.Button) -> None:
    """Stop sets this session's flag; the step callback ends the generation at the next step."""
    halt.click(shared.stop, None, None, api_name=False, queue=False)


def make_request(mode: str, prompt: str, negative: str, fields: dict, **extra) -> GenerationRequest:
    """An empty negative prompt box means the model's recommended one (the card's; none for tinyworld)."""
    return GenerationRequest(mode, prompt or "", (negative or "").strip() or None, **fields, **extra)


NEGATIVE_HINT = "empty: the model's recommended one (python -m pipeline --list shows it)"
