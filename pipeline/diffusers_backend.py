"""LTX-Video, LTX-2, Wan 2.1 (with VACE), Wan2.2, HunyuanVideo 1.5, CogVideoX and Lucy Edit through their
diffusers pipelines.

    from pipeline import load
    pipe = load("ltx-video", weights="/data/ltx")     # load() picks this backend from the card

One backend object per loaded card: `from_pretrained` once (safetensors only, no remote code),
with the card's memory options; every other pipeline class the card uses is built on the same
components (no second copy of the weights). `plan(request)` turns a resolved GenerationRequest
into (pipeline, keyword arguments): that is the whole mapping from our modes onto diffusers,
and tests run the same plan with output_type="latent". `generate` runs it.

How each mode maps (see registry.py for which card does what):
    t2v          LTXConditionPipeline or LTX2ConditionPipeline without a condition / WanPipeline /
                 CogVideoXPipeline / HunyuanVideo15Pipeline / WanVACEPipeline without a video
    i2v          LTXConditionPipeline with the image as a condition at frame 0 (LTX-2: latent frame 0),
                 CogVideoXImageToVideoPipeline, WanImageToVideoPipeline (Wan2.2: TI2V-5B with expand_timesteps,
                 I2V-A14B with the image's latent beside the noise) or
                 HunyuanVideo15ImageToVideoPipeline (image=), or VACE with the image as frame 0 and a
                 mask that is black (given) there, white elsewhere
    extend       several frames, never only the last one:
                 LTXConditionPipeline with the kept frames as one video condition, at frame 0
                 (forward; LTX-2 too) or at frames - keep (backward); VACE with the kept frames at the
                 start / end of the control video and masked as given.
                 CogVideoX-5b-I2V, Wan2.2 TI2V-5B and I2V-A14B, HunyuanVideo 1.5: labelled last-frame chaining
                 (image-to-video from the last frame).
    interpolate  LTXConditionPipeline with one image condition per keyframe at its index;
                 VACE with the keyframes at their indices, masked as given.
    edit         WanVideoToVideoPipeline / CogVideoXVideoToVideoPipeline: the source as `video`, `strength`
                 (the last int(strength x steps) steps are run from the source's latents noised to that point);
                 LTXConditionPipeline: `denoise_strength` skips the first steps in the same way, and the whole
                 source is a video condition at frame 0 whose strength, 1 - sigma of the first step left, places
                 its latents at that step's noise level (ltx_edit_condition); LucyEditPipeline: the source as
                 `video`, always denoised from pure noise (its card fixes strength at 1).

Wan2.2 A14B has two experts: WanPipeline / WanImageToVideoPipeline run `transformer` above the card's
boundary_ratio and `transformer_2` below it, with guidance_scale and guidance_scale_2. What the card fixes over
the checkpoint (that boundary, a scheduler class) is set once at load (apply_card_settings); card_arguments
is the part of every call that needs no weights (`benchmarks/real_models_smoke.py --check-settings` prints it).

LTX-2 makes sound with the video: generate returns it in info["audio"] (a Soundtrack at the
vocoder's rate), and the mp4 writers mux it in as AAC.
"""

from __future__ import annotations

import copy
import inspect
import itertools
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import diffusers
from pipeline.errors import BackendError
from pipeline.registry import CHAINED, ModelCard
from pipeline.request import GenerationRequest
from pipeline.video_io import Soundtrack

GREY = (128, 128, 128)  # frames VACE is to generate: mid-grey pixels (zero after [-1, 1] scaling)
# edit: the call argument each pipeline takes the request's strength as (Lucy Edit takes none: always 1)
EDIT_STRENGTH = {"WanVideoToVideoPipeline": "strength", "CogVideoXVideoToVideoPipeline": "strength",
                 "LTXConditionPipeline": "denoise_strength"}
FRAMES_FROM_VIDEO = {"WanVideoToVideoPipeline", "CogVideoXVideoToVideoPipeline"}  # no num_frames: the source's length


@dataclass
class Call:
    pipe: diffusers.DiffusionPipeline  # the pipeline object to call
    kwargs: dict  # its keyword arguments, except output_type and callback_on_step_end


class DiffusersBackend:
    """A loaded diffusers model card. `generate(request, generator, callback) -> (frames, info)`."""

    def __init__(self, card: ModelCard, folder: Path, device: str):
        self.card, self.device, self.notes = card, device, []
        on_gpu = device.startswith("cuda")
        dtype = getattr(torch, card.dtype) if on_gpu else torch.float32
        dtypes = {"default": dtype, "vae": getattr(torch, card.vae_dtype)} if on_gpu and card.vae_dtype else dtype
        if not on_gpu and card.dtype != "float32":
            self.notes.append(f"dtype: float32 on {device} (the card's {card.dtype} is for GPUs)")
        cls = getattr(diffusers, card.load_class)
        base = cls.from_pretrained(folder, dtype=dtypes, use_safetensors=True, trust_remote_code=False)
        apply_card_settings(card, base)
        self._offload = card.memory.cpu_offload and on_gpu
        if card.memory.cpu_offload and not on_gpu:
            self.notes.append(f"cpu offload: not used on {device}")
        if card.memory.vae_tiling:
            base.vae.enable_tiling()
        if card.memory.vae_slicing:
            base.vae.enable_slicing()
        self._pipes = {card.load_class: self._place(base)}

    def _place(self, pipe: diffusers.DiffusionPipeline) -> diffusers.DiffusionPipeline:
        if self._offload:
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.to(self.device)
        pipe.set_progress_bar_config(disable=True)  # progress goes through generate's callback
        return pipe

    def pipeline(self, class_name: str) -> diffusers.DiffusionPipeline:
        """The card's pipeline of this class, sharing the loaded components (built on first use)."""
        if class_name not in self._pipes:
            cls = getattr(diffusers, class_name)
            wanted = set(inspect.signature(cls.__init__).parameters) - {"self"}
            base = self._pipes[self.card.load_class]
            shared = {k: v for k, v in base.components.items() if k in wanted}
            # and the checkpoint's settings (Wan2.2's expand_timesteps: image-to-video breaks without it)
            settings = {k: v for k, v in base.config.items() if k in wanted and k not in base.components}
            # not from_pipe(): it casts the shared modules to float32
            self._pipes[class_name] = self._place(cls(**shared, **settings))
        return self._pipes[class_name]

    # ------------------------------------------------------------------------------------
    # Request -> pipeline call
    # ------------------------------------------------------------------------------------

    def plan(self, r: GenerationRequest, generator: torch.Generator) -> Call:
        """The pipeline and arguments that make r (a resolved request)."""
        cap = self.card.capability(r.mode, r.direction)
        pipe = self.pipeline(cap.pipeline)
        kwargs = dict(card_arguments(self.card, r), generator=generator)
        name = type(pipe).__name__
        if name.startswith("CogVideoX"):  # the text length the transformer was built for (226 for real models)
            kwargs["max_sequence_length"] = pipe.transformer.config.max_text_seq_length
        if r.shift is not None:
            set_shift(pipe, r.shift)
        if name.startswith("HunyuanVideo15"):
            # guidance lives in the pipeline's guider, not in a call argument
            set_guidance(pipe, kwargs.pop("guidance_scale"))

        if r.mode == "t2v":
            pass
        elif r.mode == "edit" and name == "LTXConditionPipeline":
            kwargs["conditions"] = [ltx_edit_condition(pipe, r)]
        elif r.mode == "edit":
            kwargs["video"] = [Image.fromarray(f) for f in r.video]  # (H, W, 3) each: the whole source
        elif name == "WanVACEPipeline":
            kwargs.update(vace_video_and_mask(r))
        elif r.mode == "i2v" and name == "LTXConditionPipeline":
            kwargs["conditions"] = [ltx_condition(image=Image.fromarray(r.image), frame_index=0)]
        elif r.mode == "i2v" and name == "LTX2ConditionPipeline":
            kwargs["conditions"] = [ltx2_condition(frames=Image.fromarray(r.image), index=0)]
        elif r.mode == "extend" and name == "LTX2ConditionPipeline":  # forward only (see the card)
            kwargs["conditions"] = [ltx2_condition(frames=[Image.fromarray(f) for f in kept_frames(r)], index=0)]
        elif r.mode == "i2v":
            kwargs["image"] = Image.fromarray(r.image)
        elif r.mode == "extend" and cap.support == CHAINED:
            kwargs["image"] = Image.fromarray(r.video[-1])  # (H, W, 3): the last frame only
        elif r.mode == "extend":
            kept = kept_frames(r)  # (keep, H, W, 3)
            index = 0 if r.direction == "forward" else r.frames - r.keep
            kwargs["conditions"] = [ltx_condition(video=[Image.fromarray(f) for f in kept], frame_index=index)]
        elif r.mode == "interpolate":
            kwargs["conditions"] = [ltx_condition(image=Image.fromarray(f), frame_index=k)
                                    for f, k in zip(r.video, r.keyframes)]
        return Call(pipe, kwargs)

    def generate(self, r: GenerationRequest, generator: torch.Generator,
                 callback: Callable[[int, int], None]) -> tuple[np.ndarray, dict]:
        """Run r; return uint8 frames (T, H, W, 3) and an info dict: the sound ("audio", a Soundtrack)
        and a note saying so where the model makes one; empty otherwise (no caption)."""
        call = self.plan(r, generator)

        def on_step_end(pipe, i: int, t, tensors: dict) -> dict:
            callback(i + 1, getattr(pipe, "_num_timesteps", None) or r.steps)
            return {}

        if "callback_on_step_end" in inspect.signature(call.pipe.__call__).parameters:
            out = call.pipe(**call.kwargs, output_type="np", callback_on_step_end=on_step_end)
        else:  # HunyuanVideo 1.5 takes no step callback: count its scheduler's steps instead
            with scheduler_steps_reported(call.pipe.scheduler, lambda i: callback(i, r.steps)):
                out = call.pipe(**call.kwargs, output_type="np")
        video = np.asarray(out.frames[0])  # (T, H, W, 3) float in [0, 1]
        if video.ndim != 4 or video.shape[-1] != 3:
            raise BackendError(f"{self.card.name}: {type(call.pipe).__name__} returned frames of shape {video.shape}")
        frames = (video * 255.0).round().clip(0, 255).astype(np.uint8)  # (T, H, W, 3)
        info: dict = {}
        if getattr(out, "audio", None) is not None:
            sound = soundtrack(out.audio, call.pipe.vocoder.config.output_sampling_rate)
            info["audio"] = sound
            info["notes"] = [f"sound: {sound.sample_rate} Hz, {sound.channels} channels, {sound.seconds:.2f} s, "
                             "muxed into the mp4 as AAC"]
        return frames, info


def card_arguments(card: ModelCard, r: GenerationRequest) -> dict:
    """The keyword arguments of r's pipeline call that follow from the card and the resolved request alone,
    without weights: sizes, steps, both guidance scales, the negative prompt and the card's fixed arguments.
    plan() adds the generator, the conditioning and what depends on the loaded model."""
    kwargs = dict(prompt=r.prompt, negative_prompt=r.negative_prompt, height=r.height, width=r.width,
                  num_frames=r.frames, num_inference_steps=r.steps, guidance_scale=r.guidance)
    if card.defaults.guidance_2 is not None:  # the low-noise expert's scale (Wan2.2 A14B)
        kwargs["guidance_scale_2"] = card.defaults.guidance_2
    kwargs.update(copy.deepcopy(card.call_kwargs))  # a copy: a pipeline never changes the card's lists
    pipeline = card.capability(r.mode, r.direction).pipeline
    if pipeline.startswith("LTX"):
        kwargs["frame_rate"] = r.fps  # LTX's positional coordinates are in seconds
    if pipeline == "HunyuanVideo15ImageToVideoPipeline":  # its size comes from the image (already the request's size)
        del kwargs["height"], kwargs["width"]
    if r.mode == "edit" and pipeline in EDIT_STRENGTH:
        kwargs[EDIT_STRENGTH[pipeline]] = r.strength
    if r.mode == "edit" and pipeline in FRAMES_FROM_VIDEO:
        del kwargs["num_frames"]  # the source (already cut to r.frames) sets the length
    return kwargs


def apply_card_settings(card: ModelCard, pipe: diffusers.DiffusionPipeline) -> None:
    """Set what the card fixes over the checkpoint's own files: pipeline settings (Wan2.2 A14B's boundary between
    its experts) and a scheduler class built from the checkpoint's scheduler config (CogVideoX's trailing DDIM/DPM)."""
    if card.pipeline_config:
        if "boundary_ratio" in card.pipeline_config and getattr(pipe, "transformer_2", None) is None:
            raise BackendError(f"{card.name}: the weights have no transformer_2 (the low-noise expert), which "
                               f"{card.name} needs; is the folder another model's?")
        pipe.register_to_config(**card.pipeline_config)
    if card.scheduler:
        scheduler_class = getattr(diffusers, card.scheduler)
        pipe.scheduler = scheduler_class.from_config(pipe.scheduler.config, **card.scheduler_config)


@contextmanager
def scheduler_steps_reported(scheduler, report: Callable[[int], None]):
    """Call report(i) after the scheduler's i-th step (1-based) while inside; each denoising step makes
    exactly one scheduler step, whatever the guidance does. report may raise to stop the run."""
    step, count = scheduler.step, itertools.count(1)

    def counted(*args, **kwargs):
        result = step(*args, **kwargs)
        report(next(count))
        return result

    scheduler.step = counted
    try:
        yield
    finally:
        del scheduler.step  # the class's own method again


def ltx_condition(**fields):
    """An LTXVideoCondition (imported here: only LTX cards need the module)."""
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    return LTXVideoCondition(**fields)


def ltx_edit_sigma(pipe: diffusers.DiffusionPipeline, steps: int, strength: float) -> float:
    """The noise level in [0, 1] of the first step LTXConditionPipeline runs at this denoise_strength, as its
    transformer is told it (timestep / 1000): its linear-quadratic schedule, set on a copy of its scheduler as its
    __call__ sets it, less the first steps - int(steps x strength) steps (its get_timesteps)."""
    from diffusers.pipelines.ltx.pipeline_ltx_condition import linear_quadratic_schedule, retrieve_timesteps

    scheduler = copy.deepcopy(pipe.scheduler)
    timesteps, _ = retrieve_timesteps(scheduler, steps, "cpu", linear_quadratic_schedule(steps) * 1000)
    skipped = steps - min(int(steps * strength), steps)
    return float(timesteps[skipped]) / 1000.0  # the pipeline compares t / 1000 with 1 - a condition's strength


def ltx_edit_condition(pipe: diffusers.DiffusionPipeline, r: GenerationRequest):
    """edit on LTX: the whole source (r.frames frames, 8k+1) as one video condition at frame 0. A condition of
    strength c is lerped into the noise as (1 - c) x noise + c x source latents, and its tokens are denoised only
    at timesteps below (1 - c) x 1000; with c = 1 - sigma of the first step left, the source sits at that step's
    noise level and every step denoises it: the edit diffusers' docs make by passing a video's latents with
    denoise_strength, without encoding the source outside the pipeline."""
    sigma = ltx_edit_sigma(pipe, r.steps, r.strength)
    return ltx_condition(video=[Image.fromarray(f) for f in r.video], frame_index=0, strength=1.0 - sigma)


def ltx2_condition(**fields):
    """An LTX2VideoCondition; `index` is a latent frame index (0 is frame 0)."""
    from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

    return LTX2VideoCondition(**fields)


def soundtrack(audio: torch.Tensor, sample_rate: int) -> Soundtrack:
    """A pipeline's waveform batch (B, C, N) (or (B, N)) -> the first clip's Soundtrack, clipped to [-1, 1]."""
    wave = audio[0].detach().float().cpu().numpy()  # (C, N) or (N,)
    wave = wave[None] if wave.ndim == 1 else wave  # (C, N)
    return Soundtrack(samples=np.clip(wave, -1.0, 1.0).astype(np.float32), sample_rate=int(sample_rate))


def set_guidance(pipe: diffusers.DiffusionPipeline, scale: float) -> None:
    """Give pipe a guider like its own with this classifier-free guidance scale (HunyuanVideo 1.5)."""
    if pipe.guider.config.guidance_scale != scale:
        pipe.guider = pipe.guider.new(guidance_scale=scale)


def set_shift(pipe: diffusers.DiffusionPipeline, shift: float) -> None:
    """Give pipe a scheduler of the same class with this flow shift (Wan's UniPC calls it flow_shift,
    flow-matching Euler shift); the shared scheduler is left as it is for the other pipelines."""
    config = pipe.scheduler.config
    key = "flow_shift" if "flow_shift" in config else "shift"
    if key not in config:
        raise BackendError(f"shift: {type(pipe.scheduler).__name__} has no flow shift to set")
    if config[key] != shift:
        pipe.scheduler = type(pipe.scheduler).from_config(config, **{key: shift})


# ----------------------------------------------------------------------------------------
# Conditioning inputs
# ----------------------------------------------------------------------------------------


def kept_frames(r: GenerationRequest) -> np.ndarray:
    """extend: the input frames kept as conditioning, (keep, H, W, 3): the last ones going forward,
    the first ones going backward."""
    return r.video[-r.keep:] if r.direction == "forward" else r.video[: r.keep]


def given_frames(r: GenerationRequest) -> dict[int, np.ndarray]:
    """Output index -> given frame (H, W, 3), for every mode that conditions on frames."""
    if r.mode == "i2v":
        return {0: r.image}
    if r.mode == "extend":
        start = 0 if r.direction == "forward" else r.frames - r.keep
        return {start + i: f for i, f in enumerate(kept_frames(r))}
    if r.mode == "interpolate":
        return dict(zip(r.keyframes, r.video))
    return {}


def vace_video_and_mask(r: GenerationRequest) -> dict:
    """WanVACEPipeline's control video and mask: given frames where they belong, grey elsewhere;
    the mask is black (0: keep) on given frames and white (255: generate) on the rest."""
    given = given_frames(r)
    grey = Image.new("RGB", (r.width, r.height), GREY)
    black, white = Image.new("L", (r.width, r.height), 0), Image.new("L", (r.width, r.height), 255)
    video = [Image.fromarray(given[i]) if i in given else grey for i in range(r.frames)]
    mask = [black if i in given else white for i in range(r.frames)]
    return {"video": video, "mask": mask}
