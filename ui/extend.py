"""Extend a clip forward or backward in time, and fill in frames between keyframes.

Extend: the clip's last (forward) or first (backward) `keep` frames condition the new window;
the tab shows the new window and the joined clip. Fill in: two keyframe images, or a clip with
the frames to regenerate named, and the model draws the frames in between. Score against what
really happened: a clip cut in two, the model continues the first part, and its continuation is
measured against the second as Physics-IQ measures it (eval/physics_iq/reality.py).
"""

from __future__ import annotations

import secrets

import gradio as gr
import numpy as np
import pandas as pd
from PIL import Image

from eval.physics_iq.generate import continuation
from eval.physics_iq.reality import against_reality
from pipeline.request import GenerationRequest
from pipeline.video_io import fit_frames, write_mp4
from ui import shared, widgets
from ui.uploads import UploadImage, load_clip, load_image


def extend(clip: str | None, prompt: str, direction: str, keep, negative_prompt: str, model: str, seed, randomize: bool,
           steps, guidance, frames, size, fps, request: gr.Request = None, progress=gr.Progress()):
    """-> (new part path, row id, seed used, details, metrics, joined clip path)."""
    video = load_clip(clip, "clip")
    if direction not in ("forward", "backward"):
        raise gr.Error(f"direction: {direction!r}; choose forward or backward", duration=None)
    fields = widgets.request_fields(seed, randomize, steps, guidance, frames, size, fps)
    keep = widgets.whole_number(keep, "keep")
    req = widgets.make_request("extend", prompt, negative_prompt, fields, video=video, direction=direction, keep=keep)
    yield from shared.generate_and_log(model, req, request, progress, extra=lambda result: (_joined(result),))


def _joined(result) -> str:
    path = shared.SETTINGS.outputs / f"joined-{secrets.token_hex(6)}.mp4"
    return str(write_mp4(path, result.joined(), fps=result.fps))


def regenerate_indices(text: str, frames: int) -> set[int]:
    """'4-11' or '2, 5, 7-9' -> frame indices; raises gr.Error naming the field."""
    chosen: set[int] = set()
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        try:
            low, _, high = part.partition("-")
            a, b = int(low), int(high or low)
        except ValueError:
            raise gr.Error(f"frames to regenerate: {part!r} is not a frame number or a range like 4-11",
                           duration=None) from None
        if not 0 <= a <= b < frames:
            raise gr.Error(f"frames to regenerate: {part!r} is outside 0-{frames - 1} (the clip has {frames} frames)",
                           duration=None)
        chosen.update(range(a, b + 1))
    if not chosen:
        raise gr.Error("frames to regenerate: empty; name frames like 4-11", duration=None)
    if len(chosen) >= frames:
        raise gr.Error("frames to regenerate: every frame; keep at least one", duration=None)
    return chosen


def interpolate(first_keyframe: str | None, last_keyframe: str | None, clip: str | None, regenerate: str, prompt: str,
                negative_prompt: str, model: str, seed, randomize: bool, steps, guidance, frames, size, fps,
                request: gr.Request = None, progress=gr.Progress()):
    """Two keyframes (first and last), or a clip with frames to regenerate. -> (video, row, seed, details, metrics)."""
    fields = widgets.request_fields(seed, randomize, steps, guidance, frames, size, fps)
    if clip:
        video = load_clip(clip, "clip")
        regen = regenerate_indices(regenerate, len(video))
        keyframes = tuple(i for i in range(len(video)) if i not in regen)
        fields["frames"] = len(video)
    elif first_keyframe and last_keyframe:
        (a, _), (b, _) = load_image(first_keyframe, "first_keyframe"), load_image(last_keyframe, "last_keyframe")
        if a.shape != b.shape:
            b = fit_frames(b[None], a.shape[1], a.shape[0])[0][0]  # the pipeline fits both to the model's size
        video, keyframes = np.stack([a, b]), None  # (2, H, W, 3): the ends of the clip
    else:
        raise gr.Error("first_keyframe / last_keyframe: give both images, or a clip with frames to regenerate",
                       duration=None)
    req = widgets.make_request("interpolate", prompt, negative_prompt, fields, video=video, keyframes=keyframes)
    yield from shared.generate_and_log(model, req, request, progress)


def score_against_reality(clip: str | None, cut, prompt: str, model: str, seed, request: gr.Request = None,
                          progress=gr.Progress()):
    """The model continues the clip's frames before `cut`; its new frames are compared with the clip's own
    frames from `cut` on. -> (continuation video, row id, the four measures, the two clips' motion)."""
    video = load_clip(clip, "clip")
    cut = widgets.whole_number(cut, "cut")
    if cut is None or not 1 <= cut <= len(video) - 2:
        raise gr.Error(f"cut: {cut} must leave at least 1 frame before it and 2 after it "
                       f"(the clip has {len(video)} frames: 1 to {len(video) - 2})", duration=None)
    req = GenerationRequest("extend", prompt or "", video=video[:cut], seed=widgets.seed_value(seed))
    result = shared.run_pipeline(model, req, request, progress)
    path, generation_id = shared.log_generation(result, category="physics-iq")
    try:
        compared = against_reality(video[cut:], continuation(result, len(video) - cut))
    except ValueError as error:
        raise gr.Error(str(error), duration=None) from None
    shared.table().add_metrics(generation_id, compared.metrics())
    picture = shared.SETTINGS.outputs / f"motion-{generation_id}.png"
    Image.fromarray(compared.picture).save(picture)
    rows = [{"measure": k, "value": round(v, 4)} for k, v in compared.measures.summary().items()]
    rows.append({"measure": "frames compared", "value": compared.frames})
    return str(path), generation_id, pd.DataFrame(rows), str(picture)


def take_last(request: gr.Request = None) -> str:
    return shared.last_result(request)


def create_tab() -> None:
    gr.Markdown("### Extend in time")
    with gr.Row():
        with gr.Column(scale=1):
            clip = gr.Video(label="Clip to extend", sources=["upload"], format=None, include_audio=True, height=240)
            take = gr.Button("Take the last result", size="sm")
            prompt = gr.Textbox(label="Prompt", lines=2, placeholder="the same scene's prompt, e.g. a red ball falls and bounces")
            with gr.Row():
                direction = gr.Radio(["forward", "backward"], value="forward", label="Direction",
                                     info="forward continues after the clip; backward leads up to it")
                keep = gr.Slider(1, 15, 4, step=1, label="Frames to keep", info="of the clip, as conditioning")
            negative = gr.Textbox(label="Negative prompt", placeholder=widgets.NEGATIVE_HINT)
            model, note = widgets.model_picker("extend")
            adv = widgets.advanced(shared.SETTINGS.default_model)
            go, halt = widgets.buttons()
        with gr.Column(scale=1):
            panel = widgets.result_panel("New part")
            joined = gr.Video(label="Joined clip", autoplay=True, loop=True, interactive=False, height=240)
    widgets.follow_model(model, note, adv, "extend")
    take.click(take_last, None, clip, api_name=False, queue=False)
    widgets.wire_generate([go.click], extend, [clip, prompt, direction, keep, negative, model, *adv.inputs()], panel,
                          "extend", more=[joined])
    widgets.wire_stop(halt)

    gr.Markdown("### Fill in between keyframes")
    with gr.Row():
        with gr.Column(scale=1):
            with gr.Row():
                first = UploadImage(type="filepath", label="First keyframe", height=180)
                last = UploadImage(type="filepath", label="Last keyframe", height=180)
            gr.Markdown("or a clip, naming the frames to regenerate:")
            fill_clip = gr.Video(label="Clip", sources=["upload"], format=None, include_audio=True, height=180)
            regenerate = gr.Textbox(label="Frames to regenerate", placeholder="e.g. 4-11 or 2, 5, 7-9 (0 is the first)")
            fill_prompt = gr.Textbox(label="Prompt", lines=2)
            fill_negative = gr.Textbox(label="Negative prompt", placeholder=widgets.NEGATIVE_HINT)
            fill_model, fill_note = widgets.model_picker("interpolate")
            fill_adv = widgets.advanced(shared.SETTINGS.default_model)
            fill_go, fill_halt = widgets.buttons()
        with gr.Column(scale=1):
            fill_panel = widgets.result_panel("Filled in")
    widgets.follow_model(fill_model, fill_note, fill_adv, "interpolate")
    widgets.wire_generate([fill_go.click], interpolate, [first, last, fill_clip, regenerate, fill_prompt, fill_negative,
                                                       fill_model, *fill_adv.inputs()], fill_panel, "interpolate")
    widgets.wire_stop(fill_halt)

    gr.Markdown("### Score against what really happened\n"
                "Upload a clip and pick the cut: the model continues the part before it, and its continuation is "
                "measured against what the clip shows after it, with Physics-IQ's four measures (one take, so no "
                "score: these are not leaderboard figures; `python -m eval physics-iq` runs the benchmark).")
    with gr.Row():
        with gr.Column(scale=1):
            real_clip = gr.Video(label="Clip", sources=["upload"], format=None, include_audio=False, height=180)
            cut = gr.Number(label="Cut", value=8, precision=0, info="the first frame after the cut (0 is the first)")
            real_prompt = gr.Textbox(label="Prompt", lines=2, placeholder="what the clip shows")
            real_model, real_note = widgets.model_picker("extend")
            real_seed = widgets.seed_box()
            score_go = gr.Button("Continue and score", variant="primary")
        with gr.Column(scale=1):
            made = gr.Video(label="Continuation", autoplay=True, loop=True, interactive=False, height=180)
            made_row = gr.Textbox(label="Row", interactive=False)
            measures = gr.Dataframe(headers=["measure", "value"], label="Against what really happened", interactive=False)
            motion = gr.Image(label="How often each pixel moved: what really happened (left), the continuation (right)",
                              interactive=False, height=180)
    real_model.change(lambda name: shared.model_note(name, "extend"), real_model, real_note, api_name=False, queue=False)
    score_go.click(score_against_reality, [real_clip, cut, real_prompt, real_model, real_seed],
                   [made, made_row, measures, motion], api_name="physics_iq", concurrency_id=widgets.GENERATE_QUEUE)
