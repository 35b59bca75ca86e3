"""Image to video: an uploaded image (or a world frame) is the first frame of the clip."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from pipeline.video_io import write_png_strip
from ui import shared, widgets
from ui.uploads import UploadImage, load_image
from world import parse
from world.render import make_clip

EXAMPLES = {  # first frames of world clips, and the prompt that continues each
    "a red ball falls and bounces": "red-ball-falls.png",
    "a blue box moves right and hits a yellow ball": "blue-box-hits.png",
    "a green triangle moves left": "green-triangle-left.png",
}


def example_images() -> list[list[str]]:
    """[image path, prompt] rows; the images are rendered once into outputs/examples."""
    folder = shared.SETTINGS.outputs / "examples"
    rows = []
    for prompt, name in EXAMPLES.items():
        path = folder / name
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            frames = make_clip(parse(prompt).spec, seed=0, frames=1, width=64, height=64).frames  # (1, 64, 64, 3)
            write_png_strip(path, frames)
        rows.append([str(path), prompt])
    return rows


def i2v(image: str | None, prompt: str, negative_prompt: str, model: str, seed, randomize: bool, steps, guidance,
        frames, size, fps, request: gr.Request = None, progress=gr.Progress()):
    """-> (video path, row id, seed used, details, metrics)."""
    picture, notes = load_image(image, "image")
    fields = widgets.request_fields(seed, randomize, steps, guidance, frames, size, fps)
    for note in notes:
        gr.Info(note)
    yield from shared.generate_and_log(model, widgets.make_request("i2v", prompt, negative_prompt, fields,
                                                                   image=picture), request, progress)


def create_tab() -> None:
    with gr.Row():
        with gr.Column(scale=1):
            image = UploadImage(type="filepath", label="First frame", sources=["upload", "clipboard"], height=240)
            prompt = gr.Textbox(label="Prompt", lines=2, placeholder="what happens next, e.g. a red ball falls and bounces")
            negative = gr.Textbox(label="Negative prompt", placeholder=widgets.NEGATIVE_HINT)
            model, note = widgets.model_picker("i2v")
            adv = widgets.advanced(shared.SETTINGS.default_model)
            go, halt = widgets.buttons()
            gr.Examples(example_images(), [image, prompt], label="Examples: first frames of world clips")
        with gr.Column(scale=1):
            panel = widgets.result_panel()
    widgets.follow_model(model, note, adv, "i2v")
    widgets.wire_generate([go.click], i2v, [image, prompt, negative, model, *adv.inputs()], panel, "i2v")
    widgets.wire_stop(halt)
