"""TinyWorldPipeline: text (and optional kept frames) -> video, in diffusers' order.

    python -c "from pipeline.tinyworld.pipeline import TinyWorldPipeline as P; p = P.from_pretrained('pipeline/tinyworld/weights'); print(p('A red ball falls under gravity and bounces on the floor, each bounce lower than the last. The background is plain light grey. The camera is static.').frames.shape)"

check inputs -> encode prompt -> prepare latents (noise, with kept frames written in) ->
numbered Euler steps of rectified flow with classifier-free guidance and a step callback ->
decode. Kept frames are re-written clean before every step, so they come out as given (up to
the autoencoder's round trip). Editing (`source`, `strength`) is video-to-video as rectified flow
does it: the source's latents are carried to the noise level of the last int(strength * steps)
steps (x = sigma * noise + (1 - sigma) * source) and only those steps run, with the new caption;
the same generator replays the same edit. The prompt is taken as is: prompt expansion (short prompt ->
detailed caption) happens in backend.py, which uses world's parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from diffusers import DiffusionPipeline, FlowMatchEulerDiscreteScheduler
from diffusers.utils import BaseOutput
from transformers import PreTrainedTokenizerFast

from pipeline.tinyworld.text import TinyTextEncoder, tokenize
from pipeline.tinyworld.transformer import TinyWorldTransformer
from pipeline.tinyworld.vae import TinyVideoAutoencoder

MAX_FRAMES = 16  # the longest window the transformer was trained on; longer videos come by extension
ESTIMATE_FLOW_TIMES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # noise levels estimate_time averages its loss over


def bf16_is_fast(device: torch.device, asked: bool | None = None) -> bool:
    """Whether to run under bf16 autocast: `asked` when given, else where bf16 is native. A CPU
    without AVX512-BF16 or AMX (an AVX2-only EPYC, say) emulates it: 10x slower than fp32 there
    (7.9 s against 0.76 s for one 8-step clip), where a CPU with it is ~2x faster than fp32."""
    if asked is not None:
        return asked
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


@dataclass
class TinyWorldPipelineOutput(BaseOutput):
    frames: np.ndarray | torch.Tensor  # uint8 (B, T, H, W, 3) for "np"; latents (B, C, T, h, w) for "latent"


class TinyWorldPipeline(DiffusionPipeline):
    """Components: vae (TinyVideoAutoencoder), text_encoder (TinyTextEncoder), tokenizer
    (PreTrainedTokenizerFast, word level), transformer (TinyWorldTransformer), scheduler
    (FlowMatchEulerDiscreteScheduler)."""

    model_cpu_offload_seq = "text_encoder->transformer->vae"

    def __init__(self, vae: TinyVideoAutoencoder, text_encoder: TinyTextEncoder, tokenizer: PreTrainedTokenizerFast,
                 transformer: TinyWorldTransformer, scheduler: FlowMatchEulerDiscreteScheduler):
        super().__init__()
        self.register_modules(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, transformer=transformer, scheduler=scheduler)

    def check_inputs(self, prompt: str, num_frames: int, height: int, width: int, video: torch.Tensor | None,
                     keep: list[int] | None, first_frame_time: int = 0) -> None:
        factor = self.vae.spatial_factor * self.transformer.config.patch
        if not isinstance(prompt, str):
            raise ValueError(f"prompt: expected a string, got {type(prompt).__name__}")
        if not 1 <= num_frames <= MAX_FRAMES:
            raise ValueError(f"num_frames: expected 1 to {MAX_FRAMES}, got {num_frames}")
        for name, value in (("height", height), ("width", width)):
            if value % factor or value < factor:
                raise ValueError(f"{name}: expected a positive multiple of {factor}, got {value}")
        if not isinstance(first_frame_time, int) or isinstance(first_frame_time, bool):
            raise ValueError(f"first_frame_time: expected a whole number of frames, got {first_frame_time!r}")
        if (video is None) != (keep is None):
            raise ValueError("video and keep: give both (frames and where they go) or neither")
        if video is not None:
            if video.ndim != 4 or video.shape[0] != len(keep) or video.shape[1] != 3 or tuple(video.shape[2:]) != (height, width):
                raise ValueError(f"video: expected ({len(keep)}, 3, {height}, {width}) frames in [-1, 1], got {tuple(video.shape)}")
            if len(set(keep)) != len(keep) or not all(0 <= k < num_frames for k in keep):
                raise ValueError(f"keep: expected distinct frame indices in 0..{num_frames - 1}, got {keep}")

    def check_edit(self, source: torch.Tensor | None, strength: float, num_frames: int, height: int, width: int,
                   steps: int) -> None:
        if source is None:
            return
        if source.ndim != 4 or tuple(source.shape) != (num_frames, 3, height, width):
            raise ValueError(f"source: expected ({num_frames}, 3, {height}, {width}) frames in [-1, 1], got {tuple(source.shape)}")
        if not 0 < strength <= 1 or int(strength * steps) < 1:
            raise ValueError(f"strength: expected a value in (0, 1] that redoes at least one of {steps} steps, got {strength}")

    def encode_prompt(self, prompt: str, guidance_scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        """-> text states (1 or 2, L, Dt) and mask; with guidance the empty caption comes first."""
        texts = ["", prompt] if guidance_scale > 1 else [prompt]
        ids, mask = tokenize(self.tokenizer, texts)
        return self.text_encoder(ids.to(self.device), mask.to(self.device)), mask.to(self.device)

    def prepare_latents(self, num_frames: int, height: int, width: int, generator: torch.Generator | None,
                        latents: torch.Tensor | None) -> torch.Tensor:
        f = self.vae.spatial_factor
        shape = (1, self.vae.config.latent_channels, num_frames, height // f, width // f)
        if latents is not None:
            if tuple(latents.shape) != shape:
                raise ValueError(f"latents: expected shape {shape}, got {tuple(latents.shape)}")
            return latents.to(self.device)
        return torch.randn(shape, generator=generator, device="cpu").to(self.device)

    @torch.no_grad()
    def estimate_time(self, prompt: str, video: torch.Tensor, bf16: bool | None = None) -> int:
        """When, on its event's timeline, does `video` (K, 3, H, W) in [-1, 1] start? -> a frame time
        in 0 .. MAX_FRAMES - K.

        The model learned time from clips that start as their event starts, so it denoises frames
        best at the times they happened: a bounce is likelier at frame 10 than at frame 1. Each
        candidate start gets the flow-matching loss of the frames placed there (the same noise and
        flow times ESTIMATE_FLOW_TIMES for every candidate), and the lowest loss wins. The noise is
        seeded, so the same frames and prompt always give the same time."""
        if not 1 <= len(video) <= MAX_FRAMES:
            raise ValueError(f"video: expected 1 to {MAX_FRAMES} frames to time, got {len(video)}")
        candidates = list(range(MAX_FRAMES - len(video) + 1))
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=bf16_is_fast(self.device, bf16))
        with autocast:
            text, text_mask = self.encode_prompt(prompt, 1.0)  # (1, L, Dt), conditioned only
            clean = self.vae.encode(video.to(self.device).permute(1, 0, 2, 3)[None]).float()  # (1, C, K, h, w)
        t = torch.tensor(ESTIMATE_FLOW_TIMES, device=self.device)  # (J,)
        noise = torch.randn((len(t), *clean.shape[1:]), generator=torch.Generator().manual_seed(0)).to(self.device)
        noisy = (1 - t[:, None, None, None, None]) * clean + t[:, None, None, None, None] * noise  # (J, C, K, h, w)
        losses = []
        for start in candidates:  # one batch of J per candidate keeps memory flat
            first_frame = torch.full((len(t),), start, dtype=torch.long)
            with autocast:
                velocity = self.transformer(noisy, torch.zeros(len(t), len(video), dtype=torch.bool, device=self.device), t,
                                            text.expand(len(t), -1, -1), text_mask.expand(len(t), -1), first_frame).float()
            losses.append(float((velocity - (noise - clean)).pow(2).mean()))
        return candidates[int(np.argmin(losses))]

    @torch.no_grad()
    def __call__(
        self,
        prompt: str,
        num_frames: int = 16,
        height: int = 64,
        width: int = 64,
        num_inference_steps: int = 16,
        guidance_scale: float = 3.0,
        video: torch.Tensor | None = None,  # (K, 3, H, W) in [-1, 1]: frames to keep
        keep: list[int] | None = None,  # where each of `video`'s frames goes in the output
        first_frame_time: int = 0,  # the output's first frame on its event's timeline (0: the event starts with it)
        source: torch.Tensor | None = None,  # (T, 3, H, W) in [-1, 1]: a clip to edit (T = num_frames)
        strength: float = 1.0,  # edit: share of the steps redone from the source, in (0, 1]
        generator: torch.Generator | None = None,
        latents: torch.Tensor | None = None,
        output_type: str = "np",
        callback_on_step_end: Callable[[int, int], None] | None = None,
        bf16: bool | None = None,  # bf16 autocast; None: where the hardware computes bf16 natively
    ) -> TinyWorldPipelineOutput:
        # 1. check inputs
        self.check_inputs(prompt, num_frames, height, width, video, keep, first_frame_time)
        self.check_edit(source, strength, num_frames, height, width, num_inference_steps)
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=bf16_is_fast(self.device, bf16))
        # 2. encode prompt
        with autocast:
            text, text_mask = self.encode_prompt(prompt, guidance_scale)
        # 3. prepare latents; kept frames are encoded and written in clean
        latents = self.prepare_latents(num_frames, height, width, generator, latents)  # (1, C, T, h, w)
        kept = torch.zeros(1, num_frames, dtype=torch.bool, device=self.device)
        clean = torch.zeros_like(latents)
        if video is not None:
            with autocast:
                encoded = self.vae.encode(video.to(self.device).permute(1, 0, 2, 3)[None]).float()  # (1, C, K, h, w)
            clean[:, :, keep] = encoded
            kept[:, keep] = True
        kept_5d = kept[:, None, :, None, None]
        latents = torch.where(kept_5d, clean, latents)
        # 4. denoise: Euler steps of rectified flow (an edit starts from its source, partway down)
        self.scheduler.set_timesteps(num_inference_steps, device=self.device)
        timesteps = self.scheduler.timesteps
        if source is not None:
            start = num_inference_steps - int(strength * num_inference_steps)
            timesteps = timesteps[start:]
            self.scheduler.set_begin_index(start)
            with autocast:
                source_latents = self.vae.encode(source.to(self.device).permute(1, 0, 2, 3)[None]).float()  # (1, C, T, h, w)
            latents = self.scheduler.scale_noise(source_latents, timesteps[:1], latents)
        batch = text.shape[0]
        first_frame = torch.full((batch,), first_frame_time, dtype=torch.long)  # the window's place on the timeline
        for i, t in enumerate(self.progress_bar(timesteps)):
            flow_time = (t / self.scheduler.config.num_train_timesteps).expand(batch)
            with autocast:
                velocity = self.transformer(latents.expand(batch, -1, -1, -1, -1), kept.expand(batch, -1),
                                            flow_time, text, text_mask, first_frame).float()
            if batch == 2:  # classifier-free guidance: move away from the unconditioned velocity
                uncond, cond = velocity.chunk(2)
                velocity = uncond + guidance_scale * (cond - uncond)
            latents = self.scheduler.step(velocity, t, latents, return_dict=False)[0]
            latents = torch.where(kept_5d, clean, latents)
            if callback_on_step_end is not None:
                callback_on_step_end(i + 1, len(timesteps))
        # 5. decode
        if output_type == "latent":
            return TinyWorldPipelineOutput(frames=latents)
        with autocast:
            decoded = self.vae.decode(latents).float()  # (1, 3, T, H, W)
        frames = ((decoded.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 4, 1)  # (1, T, H, W, 3)
        return TinyWorldPipelineOutput(frames=frames.cpu().numpy())
