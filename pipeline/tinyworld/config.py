"""Training configuration for tinyworld: one frozen dataclass, saved beside the weights.

    python -c "from pipeline.tinyworld.config import TrainConfig; print(TrainConfig())"

Unknown keys are errors (`from_dict`), so a stale config cannot silently train something else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

# Subject (colour, shape, event) combinations never shown in training. The fidelity evaluation
# draws its prompts from these, so a pass there is generalisation, not recall.
HELD_OUT: tuple[tuple[str, str, str], ...] = (
    ("green", "triangle", "fall"),
    ("purple", "box", "move"),
    ("orange", "ball", "hit"),
    ("blue", "triangle", "occlude"),
    ("yellow", "box", "relation"),
    ("red", "triangle", "move"),
    ("blue", "ball", "fall"),
    ("yellow", "ball", "hit"),
)

# (width, height) the model trains on and generates; the first is native.
SIZES: tuple[tuple[int, int], ...] = ((64, 64), (96, 64), (64, 96))


@dataclass(frozen=True)
class TrainConfig:
    data_seed: int = 0  # seeds the clip stream; the same seed replays the same clips
    frames: int = 16  # frames per training clip (8 fps, 2 s)
    batch_size: int = 16  # clips per step; larger is smoother but slower per step on 2 cores
    batch_reuse: int = 2  # steps per rendered+encoded batch (fresh noise each); 1 = every step new clips
    size_weights: tuple[float, ...] = (0.7, 0.15, 0.15)  # how often each of SIZES is drawn per step
    image_batch_prob: float = 0.05  # share of steps trained on single frames (images are one-frame videos)
    zh_caption_prob: float = 0.3  # share of captions given in Chinese; the rest English
    # Share of scenes under a camera pan; None = the world's own (25%), as the shipped weights were trained.
    # Panned scenes are the hard ones: objects move under the camera over a moving textured background.
    pan_share: float | None = None
    # Events drawn by these weights ((event, weight), ...); None = the world's own (world.spec.EVENT_WEIGHTS:
    # "still" 8%), as the shipped weights were trained. A targeted run reweights toward what fails.
    event_weights: tuple[tuple[str, float], ...] | None = None
    # Share of "still" scenes cut to their first object; None = the world's own (1 to 3 objects, a third single).
    # A lone still object is what a new user types first ("a red ball stays still").
    still_single_share: float | None = None
    text_drop_prob: float = 0.1  # captions replaced by the empty one, for classifier-free guidance
    # How latent frames are given clean (mode: probability); see data.keep_mask.
    mask_probs: tuple[tuple[str, float], ...] = (
        ("none", 0.45), ("first", 0.15), ("first_k", 0.12), ("last_k", 0.1), ("ends", 0.1), ("random", 0.08),
    )
    # Frames an extension window may slide along its clip (data.window_offset); 0 = never, as the shipped
    # weights were trained. 8 was tried on this CPU for 1,900 steps without effect (docs/tinyworld.md): a GPU-scale try.
    time_shift: int = 0
    # Extra loss weight on latent cells that show an object (data.object_cells), scaled by 1 - flow time:
    # objects are a few cells of 64, yet their shape is what the probes judge. Near t = 0 the noisy latents
    # already say where objects are, so the weight sharpens them without pulling objects into empty cells.
    # 0 = a uniform loss, as the shipped weights were trained.
    object_loss_weight: float = 0.0
    # Weight of a loss in pixels: the transformer's predicted clean latents (x_t - t v) of up to 64 generated
    # frames at flow time below 0.5 are decoded (frozen decoder, gradients through it) and compared with the
    # decoded true latents by the autoencoder's reconstruction loss. Latent errors that smear or fringe a shape
    # cost what they cost in pixels. 0 = off, as the shipped weights were trained.
    pixel_loss_weight: float = 0.0
    # autoencoder
    vae_minutes: float = 12.0  # training time for the autoencoder before the transformer starts
    vae_lr: float = 1e-3
    vae_batch_frames: int = 16  # single frames per autoencoder step
    # Generated latents are never exact, so the decoder learns from noisy ones too: each frame's latent
    # gets Gaussian noise of a spread drawn uniformly from 0 to this many latent standard deviations.
    vae_latent_noise: float = 0.1
    # transformer
    width: int = 256  # transformer width; cost grows ~quadratically
    depth: int = 6  # transformer blocks
    heads: int = 4
    text_width: int = 128  # text encoder width
    text_depth: int = 2  # text encoder layers
    lr: float = 3e-4  # AdamW learning rate after warm-up
    warmup_steps: int = 200
    # Step at which the learning rate has fallen linearly to 0 after warm-up (a cool-down to end a run on);
    # 0 = constant after warm-up, as the shipped weights were trained. Counted in this run's steps; a 90-minute
    # CPU run that cooled down to 0 was no better (docs/tinyworld.md).
    lr_decay_until: int = 0
    weight_decay: float = 0.01
    ema_decay: float = 0.999  # EMA of transformer and text encoder weights; the EMA is what ships
    checkpoint_minutes: float = 5.0  # how often a resumable checkpoint is written
    threads: int = 2  # torch CPU threads
    bf16: bool = True  # bf16 autocast: ~2x faster than fp32 on a CPU with native bf16, 10x slower without (AVX2 only)
    device: str = "cpu"  # "cuda" trains on a GPU; the shipped model must still run on the CPU
    data_workers: int = 0  # processes rendering clips ahead of the trainer; 0 renders in the training loop
    held_out: tuple[tuple[str, str, str], ...] = HELD_OUT

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"TrainConfig: unknown keys {unknown}; known: {sorted(known)}")
        def tuples(value):
            return tuple(tuples(v) for v in value) if isinstance(value, (list, tuple)) else value
        return cls(**{k: tuples(v) for k, v in data.items()})
