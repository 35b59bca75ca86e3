"""Text to video: a prompt (English or Chinese) becomes a clip, logged with its metrics."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import yaml

from ui import shared, widgets

SHOWCASE = Path(__file__).resolve().parent.parent / "prompts" / "showcase.yaml"


def showcase_prompts() -> list[str]:
    """English then Chinese examples from prompts/showcase.yaml."""
    data = yaml.safe_load(SHOWCASE.read_text(encoding="utf-8"))["prompts"]
    return [p for lang in ("en", "zh") for p in data[lang]]


def t2v(prompt: str, negative_prompt: str, model: str, seed, randomize: bool, steps, guidance, frames, size, fps,
        request: gr.Request = None, progress=gr.Progress()):
    """-> (video path, row id, seed used, details, metrics); yields the video before the metrics."""
    fields = widgets.request_fields(seed, randomize, steps, guidance, frames, size, fps)
    yield from shared.generate_and_log(model, widgets.make_request("t2v", prompt, negative_prompt, fields),
                                       request, progress)


def create_tab() -> None:
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(label="Prompt", lines=2, placeholder="a red ball falls and bounces  ·  红色的球落下并弹起")
            negative = gr.Textbox(label="Negative prompt", placeholder=widgets.NEGATIVE_HINT)
            model, note = widgets.model_picker("t2v")
            adv = widgets.advanced(shared.SETTINGS.default_model)
            go, halt = widgets.buttons()
            gr.Examples([[p] for p in showcase_prompts()], [prompt], label="Examples (prompts/showcase.yaml)")
        with gr.Column(scale=1):
            panel = widgets.result_panel()
    widgets.follow_model(model, note, adv, "t2v")
    inputs = [prompt, negative, model, *adv.inputs()]
    widgets.wire_generate([go.click, prompt.submit], t2v, inputs, panel, "t2v")
    widgets.wire_stop(halt)
