"""Model cards: name -> backend, where the weights come from, capabilities per mode, defaults, limits.

    python -m pipeline --list                     # prints this registry with capabilities

    from pipeline.registry import MODELS, get_card
    card = get_card("ltx-video"); card.capability("extend", "backward").pipeline   # 'LTXConditionPipeline'

MODELS is a plain dict, reused for CLI choices and UI dropdowns. Cards are frozen dataclasses;
GenerationRequest.resolve(card) fills a request's unset fields from `card.defaults` and checks
it against `card.limits`. Pipeline classes are named by their diffusers class name (a string,
so that reading the registry imports neither torch nor diffusers; grep finds the class all the
same); pipeline/diffusers_backend.py looks them up in `diffusers`.

Weights: a Hub repo id + revision (downloaded by `python -m pipeline fetch NAME`, never by
loading), or a folder in this repository. Any card can be pointed at a local folder instead:
`load(name, weights=DIR)`, `--weights DIR`, or the environment variable
`SPACETIME_WEIGHTS_<NAME>` (see `weights_env_var`; e.g. SPACETIME_WEIGHTS_LTX_VIDEO=/data/ltx).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from pipeline.errors import UnknownModelError

# ----------------------------------------------------------------------------------------
# Vocabulary
# ----------------------------------------------------------------------------------------

MODES = ("t2v", "i2v", "extend", "interpolate", "edit")
DIRECTIONS = ("forward", "backward")
# A task is a mode, with extension split by direction: models differ in which way they extend.
TASKS = ("t2v", "i2v", "extend-forward", "extend-backward", "interpolate", "edit")

NATIVE = "native"  # the model does it itself, conditioning on every given frame
CHAINED = "last-frame chaining"  # a labelled fallback: image-to-video from one frame (drifts)
UNSUPPORTED = "unsupported"


def task_of(mode: str, direction: str = "forward") -> str:
    """('extend', 'backward') -> 'extend-backward'; other modes are their own task."""
    return f"extend-{direction}" if mode == "extend" else mode


@dataclass(frozen=True)
class Capability:
    support: str  # NATIVE, CHAINED or UNSUPPORTED
    pipeline: str = ""  # the diffusers class that runs it ("" for tinyworld and unsupported tasks)
    note: str = ""  # how it is done, or why not; shown in --list, the UI and (for CHAINED) result notes


@dataclass(frozen=True)
class Defaults:
    steps: int  # denoising steps; more is slower and usually cleaner
    guidance: float  # classifier-free guidance scale; 1 or less turns guidance off
    frames: int  # frames generated (including kept conditioning frames)
    width: int  # pixels
    height: int  # pixels
    fps: float  # playback rate written to the mp4 (LTX also conditions on it)
    keep: int  # extension: frames of the input kept as conditioning (capped by the input's length)
    strength: float = 0.6  # edit: how much of the source is re-imagined, in (0, 1] (1: only its length and size kept)
    negative_prompt: str = ""  # used when a request gives none (None); "" in a request means none at all
    # the second expert's guidance scale (Wan2.2 A14B: the low-noise transformer's; `guidance` is the
    # high-noise one's); None: a one-transformer model. Fixed by the card: a request sets `guidance` only.
    guidance_2: float | None = None
    # Flow-matching shift by resolution: ((shortest side at least, shift), ...), the last rule that holds wins;
    # () = the scheduler's own. A request's `shift` overrides it.
    shift_by_size: tuple[tuple[int, float], ...] = ()
    source: str = ""  # where these defaults come from (the makers' card, diffusers' docs, our measurements)

    def shift_for(self, width: int, height: int) -> float | None:
        """The recommended shift at this size, or None where the card has no rule."""
        chosen = None
        for shortest, shift in self.shift_by_size:
            if min(width, height) >= shortest:
                chosen = shift
        return chosen


@dataclass(frozen=True)
class Limits:
    frame_step: int  # frames must be frame_step * k + frame_offset: 8k+1 for LTX (its VAE's 8x time compression)
    frame_offset: int
    min_frames: int
    max_frames: int
    size_multiple: int  # width and height must be multiples of this (VAE compression x patch size)
    min_size: int  # smallest width / height
    max_size: int  # largest width / height
    sizes: tuple[tuple[int, int], ...] = ()  # if set, the only (width, height) pairs allowed
    keep_step: int = 1  # extension: keep must be keep_step * k + 1 (1: any count)
    max_keep: int | None = None  # extension: the most frames it can condition on (None: frames - 1)
    max_steps: int = 200  # upper bound on denoising steps
    # edit: the one strength the model edits at (Lucy Edit re-imagines every step from noise beside the source: 1);
    # None: any strength in (0, 1]
    fixed_strength: float | None = None

    def frame_rule(self) -> str:
        """'8k+1' / 'any count'."""
        if self.frame_step == 1:
            return "any count"
        return f"{self.frame_step}k+{self.frame_offset}" if self.frame_offset else f"a multiple of {self.frame_step}"

    def allowed_frames(self) -> list[int]:
        return [n for n in range(self.min_frames, self.max_frames + 1) if n % self.frame_step == self.frame_offset % self.frame_step]


@dataclass(frozen=True)
class Memory:
    cpu_offload: bool = False  # enable_model_cpu_offload() on GPU: slower, much less GPU memory (skipped on CPU)
    vae_tiling: bool = False  # decode/encode in spatial tiles: lower peak memory at large sizes
    vae_slicing: bool = False  # decode a batch one video at a time
    gpu: str = ""  # the GPU memory it needs, as its makers (or the weights' size) state it; shown in --list and the app


@dataclass(frozen=True)
class ModelCard:
    name: str  # the registry key; also the CLI's --model value
    backend: str  # "tinyworld" (pipeline/tinyworld) or "diffusers" (pipeline/diffusers_backend.py)
    description: str  # one line for --list and the UI
    repo_id: str | None  # Hugging Face Hub repo the weights come from (None: shipped in this repo)
    revision: str  # Hub revision (branch, tag or commit) fetched and loaded
    folder: str | None  # weights folder relative to the repository root (tinyworld), else None
    dtype: str  # torch dtype of the weights on GPU; on CPU everything runs in float32
    vae_dtype: str | None  # a different dtype for the VAE on GPU (Wan's VAE wants float32), or None
    load_class: str  # the diffusers class used for from_pretrained; others share its components
    capabilities: dict[str, Capability]  # task -> how (see TASKS)
    defaults: Defaults
    limits: Limits
    memory: Memory = field(default_factory=Memory)
    call_kwargs: dict = field(default_factory=dict)  # fixed extra arguments for every pipeline call
    # A diffusers scheduler class used instead of the checkpoint's, built from the checkpoint's scheduler config
    # with scheduler_config over it ("" keeps the checkpoint's own scheduler).
    scheduler: str = ""
    scheduler_config: dict = field(default_factory=dict)
    # Pipeline settings fixed over the checkpoint's model_index.json (Wan2.2 A14B's boundary_ratio between its experts)
    pipeline_config: dict = field(default_factory=dict)
    fetch_patterns: tuple[str, ...] = ()  # files `fetch` downloads (fnmatch patterns; see DIFFUSERS_FILES)

    def capability(self, mode: str, direction: str = "forward") -> Capability:
        return self.capabilities.get(task_of(mode, direction), Capability(UNSUPPORTED))

    def supported_tasks(self) -> list[str]:
        return [t for t in TASKS if self.capabilities.get(t, Capability(UNSUPPORTED)).support != UNSUPPORTED]


# Hub files `fetch` downloads for a diffusers-format repo: the component folders' configs,
# safetensors weights (with shard indices) and tokenizer files (vocabularies, merges, chat templates
# for Qwen2.5-VL's tokenizer); never .bin/.pt pickles, and never
# the multi-gigabyte single-file checkpoints some repos keep at their root (no "/" in the name).
DIFFUSERS_FILES = ("model_index.json", "*/*.json", "*/*.safetensors", "tokenizer*/*.model", "tokenizer*/*.txt",
                   "tokenizer*/*.jinja")


# Recommended negative prompts, as their makers give them.
LTX_NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"
# LTX-2.0's, from Lightricks' constants of the 2.0 release (it names sound defects too; see docs/real_models.md).
LTX2_NEGATIVE = (
    "blurry, out of focus, overexposed, underexposed, low contrast, washed out colors, excessive noise, "
    "grainy texture, poor lighting, flickering, motion blur, distorted proportions, unnatural skin tones, "
    "deformed facial features, asymmetrical face, missing facial features, extra limbs, disfigured hands, "
    "wrong hand count, artifacts around text, inconsistent perspective, camera shake, incorrect depth of "
    "field, background too sharp, background clutter, distracting reflections, harsh shadows, inconsistent "
    "lighting direction, color banding, cartoonish rendering, 3D CGI look, unrealistic materials, uncanny "
    "valley effect, incorrect ethnicity, wrong gender, exaggerated expressions, wrong gaze direction, "
    "mismatched lip sync, silent or muted audio, distorted voice, robotic voice, echo, background noise, "
    "off-sync audio, incorrect dialogue, added dialogue, repetitive speech, jittery movement, awkward "
    "pauses, incorrect timing, unnatural transitions, inconsistent framing, tilted camera, flat lighting, "
    "inconsistent tone, cinematic oversaturation, stylized filters, or AI artifacts.")
WAN_NEGATIVE = ("色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量，JPEG压缩残留，"
                "丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，"
                "静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走")


# Cards whose weights diffusers 0.42.1 has no video-to-video pipeline for: say why, and which cards can.
_EDITORS = "use wan2.1-t2v-1.3b, cogvideox-2b, ltx-video or lucy-edit"


def _native(pipeline: str, note: str = "") -> Capability:
    return Capability(NATIVE, pipeline, note)


def _unsupported(note: str) -> Capability:
    return Capability(UNSUPPORTED, "", note)


# ----------------------------------------------------------------------------------------
# The cards
# ----------------------------------------------------------------------------------------

MODELS: dict[str, ModelCard] = {}


def _register(card: ModelCard) -> None:
    MODELS[card.name] = card


_register(ModelCard(
    name="tinyworld",
    backend="tinyworld",
    description="the embedded model, trained here on the procedural world (CPU, offline)",
    repo_id=None, revision="", folder="pipeline/tinyworld/weights",
    dtype="float32", vae_dtype=None, load_class="",
    capabilities={
        "t2v": _native("", "text to video"),
        "i2v": _native("", "first latent frame given clean"),
        "extend-forward": _native("", "the last `keep` frames given clean at the start"),
        "extend-backward": _native("", "the first `keep` frames given clean at the end"),
        "interpolate": _native("", "keyframes given clean at their indices; the rest filled in"),
        "edit": _native("", "the source's latents noised to `strength`, then denoised with the new caption"),
    },
    # 8 steps: the step count that meets real time (factor >= 4); 16 and 32 gain a few points of presence (docs/tinyworld.md)
    # strength 0.8: three edits in four take and keep the motion, against one in three at 0.6 (docs/tinyworld.md, "Editing")
    defaults=Defaults(steps=8, guidance=3.0, frames=16, width=64, height=64, fps=8.0, keep=4, strength=0.8),
    limits=Limits(frame_step=1, frame_offset=0, min_frames=1, max_frames=16, size_multiple=32,
                  min_size=64, max_size=96, sizes=((64, 64), (96, 64), (64, 96)), max_steps=100),
    memory=Memory(gpu="none: runs on the CPU (~0.7 GB of memory with the app)"),
))

_register(ModelCard(
    name="ltx-video",
    backend="diffusers",
    description="Lightricks LTX-Video 0.9.5 (2B DiT): text, image, extension both ways, keyframes",
    # The diffusers-format repo that LTXConditionPipeline's documentation uses. (Lightricks/LTX-Video's
    # root holds an older diffusers export beside 6-28 GB single-file checkpoints.)
    repo_id="Lightricks/LTX-Video-0.9.5", revision="main", folder=None,
    dtype="bfloat16", vae_dtype=None, load_class="LTXConditionPipeline",
    capabilities={
        # Text and image go through the condition pipeline too: it uses 0.9.5's linear-quadratic schedule, where
        # LTXPipeline's own sigmas (no shift) give poor 0.9.5 videos (diffusers issues #11143, #11147).
        "t2v": _native("LTXConditionPipeline", "no condition; the checkpoint's linear-quadratic schedule"),
        "i2v": _native("LTXConditionPipeline", "the image as a condition at frame 0"),
        "extend-forward": _native("LTXConditionPipeline", "the last `keep` frames as a video condition at frame 0"),
        "extend-backward": _native("LTXConditionPipeline", "the first `keep` frames as a video condition at the end"),
        "interpolate": _native("LTXConditionPipeline", "each keyframe an image condition at its frame index"),
        # denoise_strength skips the first steps; the source, a condition of strength 1 - sigma at frame 0, puts its
        # latents at the noise level sigma of the first step left (see diffusers_backend.ltx_edit_condition)
        "edit": _native("LTXConditionPipeline", "the whole source as a video condition at frame 0, noised to where "
                                                "denoise_strength starts"),
    },
    # edit strength 0.4: its linear-quadratic schedule spends the first half of the steps between noise 1 and 0.975,
    # so any strength from 0.5 re-noises the source almost fully
    defaults=Defaults(steps=40, guidance=3.0, frames=161, width=768, height=512, fps=24.0, keep=17, strength=0.4,
                      negative_prompt=LTX_NEGATIVE,
                      source="negative prompt: diffusers' LTX-Video examples; size, frames, fps: Lightricks' card; "
                             "edit strength 0.4: diffusers' LTX docs re-denoise a video at denoise_strength 0.4"),
    # 8k+1 frames and multiples of 32 follow from the VAE (8x time, 32x space compression).
    limits=Limits(frame_step=8, frame_offset=1, min_frames=9, max_frames=257, size_multiple=32,
                  min_size=32, max_size=1280, keep_step=8),
    memory=Memory(cpu_offload=False, vae_tiling=True, vae_slicing=True,
                  gpu="not stated by its makers for diffusers; bf16 weights: 2B transformer ~4 GB + T5-XXL encoder "
                      "~9.5 GB, so a 24 GB GPU holds it whole (VAE tiling keeps decoding small)"),
    # the timestep-conditioned VAE of 0.9.1+ decodes best with a little noise (diffusers' example);
    # 256 text tokens, as LTX encodes them (LTXPipeline's default of 128 cuts long prompts)
    call_kwargs={"decode_timestep": 0.05, "decode_noise_scale": 0.025, "max_sequence_length": 256},
    fetch_patterns=DIFFUSERS_FILES,
))

_register(ModelCard(
    name="ltx-2",
    backend="diffusers",
    description="Lightricks LTX-2 (19B DiT): video with sound; text, image, extension forward",
    repo_id="Lightricks/LTX-2", revision="main", folder=None,
    dtype="bfloat16", vae_dtype=None, load_class="LTX2ConditionPipeline",
    capabilities={
        "t2v": _native("LTX2ConditionPipeline", "no condition; sound made with the video"),
        "i2v": _native("LTX2ConditionPipeline", "the image as a condition at latent frame 0 (re-encoded as H.264 CRF 33, "
                                                "as LTX-2 was trained)"),
        "extend-forward": _native("LTX2ConditionPipeline", "the last `keep` frames as a video condition at latent frame 0"),
        # LTX-2 places a condition by latent index (frame 0, then 8-frame steps from frame 1), so kept frames can
        # start a clip but not end one exactly, and keyframes land on latent frames, not on the frames asked for.
        "extend-backward": _unsupported("conditions sit on latent frames (0, 1-8, 9-16, ...), so kept frames cannot "
                                        "end the clip exactly; use ltx-video"),
        "interpolate": _unsupported("keyframes snap to latent frames 8 apart, not to the frames asked for; "
                                    "use ltx-video"),
        "edit": _unsupported("LTX2ConditionPipeline has no denoise strength in diffusers 0.42.1; " + _EDITORS),
    },
    # LTX-2.0's own settings (Lightricks' PipelineParams for 2.0). diffusers' call defaults are LTX-2.3's
    # (30 steps, STG on block 28, cross timestep on), which this card overrides.
    defaults=Defaults(steps=40, guidance=3.0, frames=121, width=768, height=512, fps=24.0, keep=17,
                      negative_prompt=LTX2_NEGATIVE,
                      source="Lightricks' LTX-2.0 parameters (Lightricks/LTX-2 ltx_pipelines/utils/constants.py): "
                             "768x512, 121 frames at 24 fps, 40 steps, video guidance 3 with STG 1 on block 29, "
                             "rescale 0.7, modality 3, audio guidance 7; cross timestep off (diffusers: the 2.0 "
                             "behaviour); the makers' negative prompt"),
    # 8k+1 frames, multiples of 32: its VAE (8x time, 32x space); up to 20 s at 24 fps (the pipeline's max_seconds)
    limits=Limits(frame_step=8, frame_offset=1, min_frames=9, max_frames=481, size_multiple=32,
                  min_size=64, max_size=1920, keep_step=8),
    memory=Memory(cpu_offload=True, vae_tiling=True, vae_slicing=False,
                  gpu="bf16 weights: 19B transformer ~38 GB + Gemma 3 12B text encoder ~24 GB; with model CPU offload "
                      "(this card, as diffusers' examples) a GPU of 48 GB or more; a 24 GB GPU needs FP8 weights, "
                      "which this card does not load"),
    call_kwargs={"stg_scale": 1.0, "spatio_temporal_guidance_blocks": [29], "guidance_rescale": 0.7,
                 "modality_scale": 3.0, "audio_guidance_scale": 7.0, "audio_stg_scale": 1.0,
                 "audio_guidance_rescale": 0.7, "audio_modality_scale": 3.0, "use_cross_timestep": False},
    fetch_patterns=DIFFUSERS_FILES,
))

# The 1.3B models are made for 480p: their makers support 832x480 and 480x832 (720p "less stable").
_WAN_LIMITS = Limits(frame_step=4, frame_offset=1, min_frames=5, max_frames=81, size_multiple=16,
                     min_size=480, max_size=832, sizes=((832, 480), (480, 832)))
# Shift and guidance as the makers' scripts set them (Wan-Video/Wan2.1), not diffusers' examples (shift 3.0 at
# 480p, which the makers use for image-to-video only): text-to-video 1.3B shift 8 (8-12) with guidance 6, VACE 16.
_WAN_T2V_DEFAULTS = Defaults(steps=50, guidance=6.0, frames=81, width=832, height=480, fps=16.0, keep=17, strength=0.7,
                             negative_prompt=WAN_NEGATIVE, shift_by_size=((0, 8.0),),
                             source="Wan2.1's README for T2V-1.3B (Wan-Video/Wan2.1): 832x480, shift 8 (8-12), "
                                    "guidance 6; generate.py: 50 steps, 81 frames; Wan's negative prompt; edit "
                                    "strength 0.7: diffusers' WanVideoToVideoPipeline example (Wan's makers give none)")
_WAN_VACE_DEFAULTS = Defaults(steps=50, guidance=5.0, frames=81, width=832, height=480, fps=16.0, keep=17,
                              negative_prompt=WAN_NEGATIVE, shift_by_size=((0, 16.0),),
                              source="Wan2.1's generate.py for vace-1.3B (Wan-Video/Wan2.1): shift 16, guidance 5, "
                                     "50 steps, 81 frames at 832x480; Wan's negative prompt")
_WAN_GPU = "8.19 GB at 480p on an RTX 4090 with offloading (the makers' card); a 24 GB GPU runs it without"

_register(ModelCard(
    name="wan2.1-t2v-1.3b",
    backend="diffusers",
    description="Wan 2.1 text-to-video 1.3B",
    repo_id="Wan-AI/Wan2.1-T2V-1.3B-Diffusers", revision="main", folder=None,
    dtype="bfloat16", vae_dtype="float32", load_class="WanPipeline",
    capabilities={
        "t2v": _native("WanPipeline"),
        "i2v": _unsupported("Wan 2.1's image-to-video is 14B only; use wan2.1-vace-1.3b"),
        "extend-forward": _unsupported("no video conditioning; use wan2.1-vace-1.3b"),
        "extend-backward": _unsupported("no video conditioning; use wan2.1-vace-1.3b"),
        "interpolate": _unsupported("no video conditioning; use wan2.1-vace-1.3b"),
        "edit": _native("WanVideoToVideoPipeline", "the source's latents noised to `strength`, then denoised with the "
                                                   "prompt (its length and size are the source's)"),
    },
    defaults=_WAN_T2V_DEFAULTS, limits=_WAN_LIMITS,
    memory=Memory(cpu_offload=False, vae_tiling=True, vae_slicing=True, gpu=_WAN_GPU),
    fetch_patterns=DIFFUSERS_FILES,
))

_register(ModelCard(
    name="wan2.1-vace-1.3b",
    backend="diffusers",
    description="Wan 2.1 VACE 1.3B: every mode through one masked video-conditioning model",
    repo_id="Wan-AI/Wan2.1-VACE-1.3B-diffusers", revision="main", folder=None,
    dtype="bfloat16", vae_dtype="float32", load_class="WanVACEPipeline",
    capabilities={
        "t2v": _native("WanVACEPipeline", "no conditioning video"),
        "i2v": _native("WanVACEPipeline", "the image as frame 0 of the video, masked as given"),
        "extend-forward": _native("WanVACEPipeline", "the last `keep` frames at the start, masked as given"),
        "extend-backward": _native("WanVACEPipeline", "the first `keep` frames at the end, masked as given"),
        "interpolate": _native("WanVACEPipeline", "keyframes at their indices, masked as given"),
        "edit": _unsupported("VACE edits from control videos (depth, pose, masks) that this app does not make, and "
                             "takes no strength; " + _EDITORS),
    },
    defaults=_WAN_VACE_DEFAULTS, limits=_WAN_LIMITS,
    memory=Memory(cpu_offload=False, vae_tiling=True, vae_slicing=True,
                  gpu="not stated by its makers; its base, wan2.1-t2v-1.3b: " + _WAN_GPU),
    fetch_patterns=DIFFUSERS_FILES,
))

# Wan2.2 TI2V-5B: one dense model for text and image; its VAE compresses 16x in space (x2 patches: sizes
# are multiples of 32) and 4x in time. Image-to-video holds the image as latent frame 0 through denoising
# (expand_timesteps in the checkpoint's config), so no image encoder.
_register(ModelCard(
    name="wan2.2-ti2v-5b",
    backend="diffusers",
    description="Wan 2.2 TI2V 5B: text and image to 720p video, fits a 24 GB GPU",
    repo_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers", revision="main", folder=None,
    dtype="bfloat16", vae_dtype="float32", load_class="WanPipeline",
    capabilities={
        "t2v": _native("WanPipeline"),
        "i2v": _native("WanImageToVideoPipeline", "the image as latent frame 0, held through denoising"),
        "extend-forward": Capability(CHAINED, "WanImageToVideoPipeline",
                                     "no video conditioning: image-to-video from the last frame only; "
                                     "colour and motion drift"),
        "extend-backward": _unsupported("image-to-video can only continue forward from a frame; use wan2.1-vace-1.3b"),
        "interpolate": _unsupported("no keyframe conditioning; use wan2.1-vace-1.3b"),
        "edit": _unsupported("WanVideoToVideoPipeline (diffusers 0.42.1) takes Wan 2.1's 8x VAE, not Wan2.2's 16x one; "
                             "lucy-edit is an editor built on this model; " + _EDITORS),
    },
    defaults=Defaults(steps=50, guidance=5.0, frames=121, width=1280, height=704, fps=24.0, keep=1,
                      negative_prompt=WAN_NEGATIVE, shift_by_size=((0, 5.0),),
                      source="Wan2.2's ti2v-5B config (Wan-Video/Wan2.2): 1280x704 or 704x1280, 121 frames at "
                             "24 fps, 50 steps, guidance 5, shift 5, Wan's negative prompt"),
    limits=Limits(frame_step=4, frame_offset=1, min_frames=5, max_frames=121, size_multiple=32,
                  min_size=704, max_size=1280, sizes=((1280, 704), (704, 1280)), max_keep=1),
    memory=Memory(cpu_offload=True, vae_tiling=True, vae_slicing=True,
                  gpu="5B transformer ~10 GB + UMT5-XXL ~11 GB in bf16; its makers run 720p on one 24 GB GPU "
                      "(RTX 4090) with offloading, as this card does"),
    fetch_patterns=DIFFUSERS_FILES,
))

# Wan2.2 A14B: two 14B experts (27B in all, 14B active per step), a high-noise transformer for the early steps and
# a low-noise transformer_2 after the boundary (boundary_ratio x 1000 timesteps), each with its own guidance
# scale. The Wan 2.1 VAE (8x space, 4x time). Settings: the makers' wan/configs (Wan-Video/Wan2.2).
_WAN22_A14B_LIMITS = Limits(frame_step=4, frame_offset=1, min_frames=5, max_frames=81, size_multiple=16,
                            min_size=480, max_size=1280, sizes=((1280, 720), (720, 1280), (832, 480), (480, 832)))
_WAN22_A14B_GPU = ("two 14B experts ~28 GB each + UMT5-XXL ~11 GB in bf16; its makers run 720p on one GPU with at "
                   "least 80 GB with their model offloading; this card offloads each model to the CPU while "
                   "another runs, so one expert is on the GPU at a time")

_register(ModelCard(
    name="wan2.2-t2v-a14b",
    backend="diffusers",
    description="Wan 2.2 T2V A14B: text to 720p or 480p video by two 14B experts (high noise, then low noise)",
    repo_id="Wan-AI/Wan2.2-T2V-A14B-Diffusers", revision="main", folder=None,
    dtype="bfloat16", vae_dtype="float32", load_class="WanPipeline",
    capabilities={
        "t2v": _native("WanPipeline", "transformer for the high-noise steps, transformer_2 after the boundary"),
        "i2v": _unsupported("text-to-video only; use wan2.2-i2v-a14b"),
        "extend-forward": _unsupported("no video conditioning; wan2.2-i2v-a14b chains from the last frame"),
        "extend-backward": _unsupported("no video conditioning; use wan2.1-vace-1.3b"),
        "interpolate": _unsupported("no keyframe conditioning; use wan2.1-vace-1.3b"),
        "edit": _unsupported("WanVideoToVideoPipeline (diffusers 0.42.1) runs one transformer, not two experts; "
                             + _EDITORS),
    },
    defaults=Defaults(steps=40, guidance=4.0, guidance_2=3.0, frames=81, width=1280, height=720, fps=16.0, keep=1,
                      negative_prompt=WAN_NEGATIVE, shift_by_size=((0, 12.0),),
                      source="Wan2.2's t2v-A14B config (Wan-Video/Wan2.2 wan/configs/wan_t2v_A14B.py): 40 steps, "
                             "shift 12, boundary 0.875, guidance 4 high noise / 3 low noise; 81 frames at 16 fps "
                             "and Wan's negative prompt (shared_config.py); 1280x720 (generate.py)"),
    limits=_WAN22_A14B_LIMITS,
    memory=Memory(cpu_offload=True, vae_tiling=True, vae_slicing=True, gpu=_WAN22_A14B_GPU),
    pipeline_config={"boundary_ratio": 0.875},
    fetch_patterns=DIFFUSERS_FILES,
))

_register(ModelCard(
    name="wan2.2-i2v-a14b",
    backend="diffusers",
    description="Wan 2.2 I2V A14B: an image to 720p or 480p video by two 14B experts (extension as labelled "
                "last-frame chaining)",
    repo_id="Wan-AI/Wan2.2-I2V-A14B-Diffusers", revision="main", folder=None,
    dtype="bfloat16", vae_dtype="float32", load_class="WanImageToVideoPipeline",
    capabilities={
        "t2v": _unsupported("image-to-video only (needs an image); use wan2.2-t2v-a14b"),
        "i2v": _native("WanImageToVideoPipeline", "the image's latent and a mask beside the noise; no image encoder"),
        "extend-forward": Capability(CHAINED, "WanImageToVideoPipeline",
                                     "no video conditioning: image-to-video from the last frame only; "
                                     "colour and motion drift"),
        "extend-backward": _unsupported("image-to-video can only continue forward from a frame; use wan2.1-vace-1.3b"),
        "interpolate": _unsupported("no keyframe conditioning; use wan2.1-vace-1.3b"),
        "edit": _unsupported("no video-to-video pipeline for image-to-video weights in diffusers 0.42.1; " + _EDITORS),
    },
    defaults=Defaults(steps=40, guidance=3.5, guidance_2=3.5, frames=81, width=1280, height=720, fps=16.0, keep=1,
                      negative_prompt=WAN_NEGATIVE, shift_by_size=((0, 5.0),),
                      source="Wan2.2's i2v-A14B config (Wan-Video/Wan2.2 wan/configs/wan_i2v_A14B.py): 40 steps, "
                             "shift 5, boundary 0.9, guidance 3.5 for both experts; 81 frames at 16 fps and Wan's "
                             "negative prompt (shared_config.py); 1280x720 (generate.py)"),
    limits=dataclasses.replace(_WAN22_A14B_LIMITS, max_keep=1),
    memory=Memory(cpu_offload=True, vae_tiling=True, vae_slicing=True, gpu=_WAN22_A14B_GPU),
    pipeline_config={"boundary_ratio": 0.9},
    fetch_patterns=DIFFUSERS_FILES,
))

# HunyuanVideo 1.5 (8.3B): text-to-video and image-to-video are two checkpoints (their transformers
# differ), so two cards. 480p sizes are buckets of about 640x640 pixels by aspect ratio; image-to-video
# picks the bucket from the image itself, so its sizes are the buckets that map to themselves.
_HUNYUAN15_LIMITS = dict(frame_step=4, frame_offset=1, min_frames=5, max_frames=121, size_multiple=16,
                         min_size=480, max_size=848)
_HUNYUAN15_SOURCE = ("HunyuanVideo 1.5's 480p settings (Tencent-Hunyuan/HunyuanVideo-1.5 hyvideo/commons/__init__.py "
                     "PIPELINE_CONFIGS and README): 848x480 at 16:9, 121 frames at 24 fps, 50 steps, guidance 6, "
                     "flow shift 5 (its makers use 7 to 9 at 720p and for the step-distilled model)")
_HUNYUAN15_GPU = ("8.3B transformer ~17 GB + Qwen2.5-VL 7B text encoder ~15 GB in bf16; its makers state 14 GB "
                  "at the least with model offloading, which this card uses")

_register(ModelCard(
    name="hunyuanvideo-1.5-t2v",
    backend="diffusers",
    description="HunyuanVideo 1.5 text-to-video, 480p",
    repo_id="hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_t2v", revision="main", folder=None,
    dtype="bfloat16", vae_dtype=None, load_class="HunyuanVideo15Pipeline",
    capabilities={
        "t2v": _native("HunyuanVideo15Pipeline"),
        "i2v": _unsupported("image-to-video is its own checkpoint; use hunyuanvideo-1.5-i2v"),
        "extend-forward": _unsupported("no video conditioning; hunyuanvideo-1.5-i2v chains from the last frame"),
        "extend-backward": _unsupported("no video conditioning; use wan2.1-vace-1.3b"),
        "interpolate": _unsupported("no keyframe conditioning; use wan2.1-vace-1.3b"),
        "edit": _unsupported("no video-to-video pipeline for HunyuanVideo 1.5 in diffusers 0.42.1; " + _EDITORS),
    },
    defaults=Defaults(steps=50, guidance=6.0, frames=121, width=848, height=480, fps=24.0, keep=1,
                      shift_by_size=((0, 5.0),), source=_HUNYUAN15_SOURCE),
    limits=Limits(sizes=((848, 480), (480, 848), (640, 640)), **_HUNYUAN15_LIMITS),
    memory=Memory(cpu_offload=True, vae_tiling=True, gpu=_HUNYUAN15_GPU),
    fetch_patterns=DIFFUSERS_FILES,
))

_register(ModelCard(
    name="hunyuanvideo-1.5-i2v",
    backend="diffusers",
    description="HunyuanVideo 1.5 image-to-video, 480p (extension as labelled last-frame chaining)",
    repo_id="hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_i2v", revision="main", folder=None,
    dtype="bfloat16", vae_dtype=None, load_class="HunyuanVideo15ImageToVideoPipeline",
    capabilities={
        "t2v": _unsupported("image-to-video only (needs an image); use hunyuanvideo-1.5-t2v"),
        "i2v": _native("HunyuanVideo15ImageToVideoPipeline", "the image as the first latent frame, and its "
                                                              "SigLIP features"),
        "extend-forward": Capability(CHAINED, "HunyuanVideo15ImageToVideoPipeline",
                                     "no video conditioning: image-to-video from the last frame only; "
                                     "colour and motion drift"),
        "extend-backward": _unsupported("image-to-video can only continue forward from a frame"),
        "interpolate": _unsupported("no keyframe conditioning"),
        "edit": _unsupported("no video-to-video pipeline for HunyuanVideo 1.5 in diffusers 0.42.1; " + _EDITORS),
    },
    defaults=Defaults(steps=50, guidance=6.0, frames=121, width=848, height=480, fps=24.0, keep=1,
                      shift_by_size=((0, 5.0),), source=_HUNYUAN15_SOURCE),
    # 480x832, not 480x848: the pipeline buckets a 480x848 image to 480x832
    limits=Limits(sizes=((848, 480), (480, 832), (640, 640)), max_keep=1, **_HUNYUAN15_LIMITS),
    memory=Memory(cpu_offload=True, vae_tiling=True, gpu=_HUNYUAN15_GPU),
    fetch_patterns=DIFFUSERS_FILES,
))

# CogVideoX 1.0: 8k+1 frames up to 49. The VAE decodes latents two at a time, so 4k+1 counts
# with k odd come back as 4k+4 frames; 8k+1 is what it returns as asked.
_register(ModelCard(
    name="cogvideox-2b",
    backend="diffusers",
    description="CogVideoX 2B text-to-video",
    repo_id="THUDM/CogVideoX-2b", revision="main", folder=None,
    dtype="float16", vae_dtype=None, load_class="CogVideoXPipeline",
    capabilities={
        "t2v": _native("CogVideoXPipeline"),
        "i2v": _unsupported("text-to-video only; use cogvideox-5b-i2v"),
        "extend-forward": _unsupported("text-to-video only; cogvideox-5b-i2v extends by last-frame chaining"),
        "extend-backward": _unsupported("text-to-video only"),
        "interpolate": _unsupported("text-to-video only"),
        "edit": _native("CogVideoXVideoToVideoPipeline", "the source's latents noised to `strength`, then denoised "
                                                         "with the prompt"),
    },
    defaults=Defaults(steps=50, guidance=6.0, frames=49, width=720, height=480, fps=8.0, keep=1, strength=0.8,
                      source="the makers' card and cli_demo.py (zai-org/CogVideo): 720x480 only, 49 frames at "
                             "8 fps, 50 steps, guidance 6; CogVideoXDDIMScheduler with trailing timesteps, no "
                             "dynamic CFG (recommended for 2B); edit: cli_demo.py's v2v with the pipeline's "
                             "strength 0.8"),
    # its makers: 720x480 and no other resolution, and 49 frames (6 s at 8 fps), the length it was trained on:
    # the pipeline takes 9..49, but the makers give 49 only
    limits=Limits(frame_step=8, frame_offset=1, min_frames=49, max_frames=49, size_multiple=16,
                  min_size=480, max_size=720, sizes=((720, 480),)),
    memory=Memory(cpu_offload=False, vae_tiling=True, vae_slicing=True,
                  gpu="about 19 GB to decode 49 frames at 720x480 without offloading (diffusers' docs); "
                      "from 4 GB with sequential CPU offload and VAE slicing and tiling (the makers' card)"),
    scheduler="CogVideoXDDIMScheduler", scheduler_config={"timestep_spacing": "trailing"},
    fetch_patterns=DIFFUSERS_FILES,
))

_register(ModelCard(
    name="cogvideox-5b-i2v",
    backend="diffusers",
    description="CogVideoX 5B image-to-video (extension only as labelled last-frame chaining)",
    repo_id="THUDM/CogVideoX-5b-I2V", revision="main", folder=None,
    dtype="bfloat16", vae_dtype=None, load_class="CogVideoXImageToVideoPipeline",
    capabilities={
        "t2v": _unsupported("image-to-video only (needs an image); use cogvideox-2b"),
        "i2v": _native("CogVideoXImageToVideoPipeline"),
        "extend-forward": Capability(CHAINED, "CogVideoXImageToVideoPipeline",
                                     "no native extension: image-to-video from the last frame only; "
                                     "colour and motion drift"),
        "extend-backward": _unsupported("image-to-video can only continue forward from a frame"),
        "interpolate": _unsupported("no keyframe conditioning"),
        "edit": _unsupported("CogVideoXVideoToVideoPipeline takes text-to-video weights; this transformer also wants "
                             "the image's latents; " + _EDITORS),
    },
    defaults=Defaults(steps=50, guidance=6.0, frames=49, width=720, height=480, fps=8.0, keep=1,
                      source="the makers' card and cli_demo.py (zai-org/CogVideo): 720x480 and 49 frames only, "
                             "8 fps, 50 steps, guidance 6; CogVideoXDPMScheduler with trailing timesteps and "
                             "dynamic CFG (as diffusers' example)"),
    # Learned positional embeddings for 720x480 and 49 frames: at other frame counts diffusers swaps in
    # computed sin-cos ones and the video degrades without an error, so 49 is the only count.
    limits=Limits(frame_step=8, frame_offset=1, min_frames=49, max_frames=49, size_multiple=16,
                  min_size=480, max_size=720, sizes=((720, 480),), max_keep=1),
    memory=Memory(cpu_offload=True, vae_tiling=True, vae_slicing=True,
                  gpu="from 5 GB in bf16 with sequential CPU offload and VAE slicing and tiling, about 3x that "
                      "without (the makers' card); this card uses model CPU offload"),
    # the checkpoint ships a DDIM scheduler; its makers run the 5B models with DPM and dynamic CFG
    scheduler="CogVideoXDPMScheduler", scheduler_config={"timestep_spacing": "trailing"},
    call_kwargs={"use_dynamic_cfg": True},
    fetch_patterns=DIFFUSERS_FILES,
))


# Lucy Edit Dev (Decart): Wan2.2 TI2V-5B's stack (its 16x/4x VAE, a 5B DiT) trained to edit: the source's latents
# go beside the noise, channel-wise, and every step starts from pure noise, so it takes no strength.
_register(ModelCard(
    name="lucy-edit",
    backend="diffusers",
    description="Decart Lucy Edit Dev (5B, on Wan2.2 5B): edits a clip by instruction, keeping its motion",
    repo_id="decart-ai/Lucy-Edit-Dev", revision="main", folder=None,
    dtype="bfloat16", vae_dtype="float32", load_class="LucyEditPipeline",
    capabilities={
        "t2v": _unsupported("an editor only: it needs a source clip; use mode edit"),
        "i2v": _unsupported("an editor only: it needs a source clip; use mode edit"),
        "extend-forward": _unsupported("an editor only: its output is as long as its source"),
        "extend-backward": _unsupported("an editor only: its output is as long as its source"),
        "interpolate": _unsupported("an editor only: it needs a whole source clip"),
        "edit": _native("LucyEditPipeline", "the source's latents beside the noise; always re-imagined from noise "
                                            "(strength fixed at 1), motion and composition from the source"),
    },
    defaults=Defaults(steps=50, guidance=5.0, frames=81, width=832, height=480, fps=24.0, keep=1, strength=1.0,
                      source="diffusers' LucyEditPipeline example and call defaults (pipeline_lucy_edit.py, which "
                             "Decart contributed): 81 frames at 832x480, guidance 5, 50 steps, an empty negative "
                             "prompt, written at 24 fps; no strength (it denoises from pure noise)"),
    # 4k+1 frames (Wan2.2's 4x temporal VAE) up to the 81 of the example; 832x480, the size the makers show
    limits=Limits(frame_step=4, frame_offset=1, min_frames=5, max_frames=81, size_multiple=32, min_size=480,
                  max_size=832, sizes=((832, 480),), fixed_strength=1.0),
    memory=Memory(cpu_offload=True, vae_tiling=True, vae_slicing=True,
                  gpu="not stated by its makers; 5B transformer ~10 GB + UMT5-XXL ~11 GB in bf16 and its 2.8 GB "
                      "float32 VAE (Wan2.2 TI2V-5B's stack, which runs on a 24 GB GPU with offloading, as here)"),
    fetch_patterns=DIFFUSERS_FILES,
))

# ----------------------------------------------------------------------------------------
# Lookups
# ----------------------------------------------------------------------------------------


def get_card(name: str) -> ModelCard:
    """The card called name; UnknownModelError lists the names there are."""
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise UnknownModelError(f"model: {name!r} is not in the registry; choose one of {', '.join(MODELS)}") from None


def weights_env_var(name: str) -> str:
    """The environment variable that points a card at a local folder: 'ltx-video' -> SPACETIME_WEIGHTS_LTX_VIDEO."""
    return "SPACETIME_WEIGHTS_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _frames_shown(lim: Limits) -> str:
    allowed = lim.allowed_frames()
    return ", ".join(map(str, allowed)) if len(allowed) <= 8 else f"{allowed[0]}, {allowed[1]}, ... {allowed[-1]}"


def describe(card: ModelCard) -> str:
    """A few lines for --list: name, source, defaults, limits and what each task does."""
    d, lim = card.defaults, card.limits
    source = f"{card.repo_id}@{card.revision}" if card.repo_id else card.folder
    sizes = (", ".join(f"{w}x{h}" for w, h in lim.sizes) if lim.sizes
             else f"multiples of {lim.size_multiple}, {lim.min_size}..{lim.max_size}")
    lines = [
        f"{card.name}  [{card.backend}]  {card.description}",
        f"  weights: {source}  (override: --weights DIR or {weights_env_var(card.name)})",
        f"  defaults: {d.width}x{d.height}, {d.frames} frames @ {d.fps:g} fps, {d.steps} steps, guidance {d.guidance:g}"
        + (f" (transformer_2: {d.guidance_2:g})" if d.guidance_2 is not None else ""),
        f"  limits: frames {lim.frame_rule()} in {lim.min_frames}..{lim.max_frames} ({_frames_shown(lim)}); sizes {sizes}",
    ]
    if d.negative_prompt:
        lines.append(f"  negative prompt (default): {d.negative_prompt}")
    if card.capabilities.get("edit", Capability(UNSUPPORTED)).support != UNSUPPORTED:
        fixed_strength = lim.fixed_strength
        lines.append(f"  edit strength: fixed at {fixed_strength:g}" if fixed_strength is not None
                     else f"  edit strength (default): {d.strength:g}, any in (0, 1]")
    if d.shift_by_size:
        rules = ", ".join(f"{shift:g} from {side}p" if side else f"{shift:g}" for side, shift in d.shift_by_size)
        lines.append(f"  shift (default, by shortest side): {rules}")
    fixed = [f"scheduler {card.scheduler}" + "".join(f", {k}={v!r}" for k, v in card.scheduler_config.items())
             ] if card.scheduler else []
    fixed += [f"{k}={v!r}" for k, v in {**card.pipeline_config, **card.call_kwargs}.items()]
    if fixed:
        lines.append(f"  fixed settings: {'; '.join(fixed)}")
    if d.source:
        lines.append(f"  defaults from: {d.source}")
    if card.memory.gpu:
        offload = "model CPU offload" if card.memory.cpu_offload else "no offload"
        tricks = [t for t, on in (("VAE tiling", card.memory.vae_tiling), ("VAE slicing", card.memory.vae_slicing)) if on]
        lines.append(f"  GPU memory: {card.memory.gpu}  [{', '.join([offload, *tricks])}]")
    for task in TASKS:
        cap = card.capabilities.get(task, Capability(UNSUPPORTED))
        how = " ".join(x for x in (cap.pipeline, f"({cap.note})" if cap.note else "") if x)
        lines.append(f"  {task:<16} {cap.support:<20} {how}".rstrip())
    return "\n".join(lines)
