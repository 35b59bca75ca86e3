"""Edit a video with words: a source clip and a prompt describing the wanted result.

The strength says how much of the source is re-imagined: low keeps its look and motion and changes
little, 1 keeps only its length and size. The source (as the model saw it: fitted to its size) and
the edit play side by side; the row records which generation the source was, when it was one.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import gradio as gr

from pipeline.registry import get_card
from pipeline.video_io import write_mp4
from ui import shared, widgets
from ui.uploads import load_clip

GENERATION_FILE = re.compile(r"[0-9a-f]{12}")  # outputs/<row id>.mp4: a result taken from this app
STRENGTH_INFO = "how much of the source is re-imagined: low keeps more, 1 keeps only its length"


def edit(clip: str | None, prompt: str, strength, negative_prompt: str, model: str, seed, randomize: bool, steps,
         guidance, frames, size, fps, request: gr.Request = None, progress=gr.Progress()):
    """-> (edit path, row id, seed used, details, metrics, image, source as the model saw it, the edit check)."""
    video = load_clip(clip, "clip")
    fields = widgets.request_fields(seed, randomize, steps, guidance, frames, size, fps)
    fields["frames"] = None  # an edit keeps its source's length
    req = widgets.make_request("edit", prompt, negative_prompt, fields, video=video,
                               strength=_strength(strength))
    source_id = source_generation(clip)
    source_prompt = _prompt_of(source_id)
    yield from shared.generate_and_log(model, req, request, progress, source_id=source_id,
                                       extra=lambda result: (_source(result), _check(result, source_prompt)))


def strength_for(model: str):
    """The strength slider for a model: its card's default, locked where the card edits at one strength only."""
    card = get_card(model)
    fixed = card.limits.fixed_strength
    return gr.update(value=fixed if fixed is not None else card.defaults.strength, interactive=fixed is None,
                     info=f"{model} edits at strength {fixed:g} only" if fixed is not None else STRENGTH_INFO)


def _strength(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise gr.Error(f"strength: {value!r} is not a number; allowed (0, 1]", duration=None) from None


def source_generation(clip: str | None) -> str | None:
    """The row id of a source that is one of this app's results (its file is named by the id), else None."""
    stem = Path(clip or "").stem
    if not GENERATION_FILE.fullmatch(stem):
        return None
    return stem if not shared.table().frame("SELECT id FROM generations WHERE id = ?", (stem,)).empty else None


def _prompt_of(source_id: str | None) -> str | None:
    if source_id is None:
        return None
    return str(shared.table().frame("SELECT prompt FROM generations WHERE id = ?", (source_id,)).iloc[0]["prompt"])


def _check(result, source_prompt: str | None) -> str:
    """The world's edit check, where the source is a result of this app with a world prompt."""
    from eval.edits import edit_check

    if source_prompt is None:
        return "**Edit check**: for a source generated here from a world prompt (take the last result)"
    lines = edit_check(result.frames, result.request.video, source_prompt, result.request.prompt)
    if not lines:
        return "**Edit check**: both prompts must be world prompts"
    return "  \n".join([f"**Edit check** (source: {source_prompt})", *lines])


def _source(result) -> str:
    path = shared.SETTINGS.outputs / f"source-{secrets.token_hex(6)}.mp4"
    return str(write_mp4(path, result.request.video, fps=result.fps))


def create_tab() -> None:
    with gr.Row():
        with gr.Column(scale=1):
            clip = gr.Video(label="Clip to edit", sources=["upload"], format=None, include_audio=True, height=240)
            take = gr.Button("Take the last result", size="sm")
            prompt = gr.Textbox(label="Prompt: the video you want", lines=2,
                                placeholder="a blue ball falls and bounces (the source: a red ball falls and bounces)")
            strength = gr.Slider(0.05, 1.0, get_card(shared.SETTINGS.default_model).defaults.strength, step=0.05,
                                 label="Strength", info=STRENGTH_INFO)
            negative = gr.Textbox(label="Negative prompt", placeholder=widgets.NEGATIVE_HINT)
            model, note = widgets.model_picker("edit")
            adv = widgets.advanced(shared.SETTINGS.default_model, frames=False)
            go, halt = widgets.buttons()
        with gr.Column(scale=1):
            panel = widgets.result_panel("Edited clip", beside="Source (as the model saw it)")
            check = gr.Markdown()
    widgets.follow_model(model, note, adv, "edit")
    model.change(strength_for, model, strength, api_name=False, queue=False)
    take.click(shared.last_result, None, clip, api_name=False, queue=False)
    widgets.wire_generate([go.click], edit, [clip, prompt, strength, negative, model, *adv.inputs()], panel, "edit",
                          more=[panel.beside, check])
    widgets.wire_stop(halt)
