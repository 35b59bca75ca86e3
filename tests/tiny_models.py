"""Tiny random pipelines of the real diffusers classes, built from configs, for tests and benchmarks.

    from tiny_models import save_tiny
    folder = save_tiny("ltx-video", tmp_path / "ltx")      # then pipeline.load("ltx-video", weights=folder)

Each builder mirrors the toy configs of diffusers' own fast tests (tests/pipelines/ltx/test_ltx.py,
tests/pipelines/ltx2/test_ltx2.py, tests/pipelines/wan/test_wan_vace.py,
tests/pipelines/wan/test_wan_22_image_to_video.py, tests/pipelines/wan/test_wan_22.py (two experts),
tests/pipelines/hunyuan_video1_5/test_hunyuan_1_5.py,
tests/pipelines/cogvideo/test_cogvideox_image2video.py; Lucy Edit: the Wan2.2 parts with twice the input channels):
one or two layers, 8-to-32 channels, 2 denoising steps. Two differences on purpose:

- The VAEs keep the real models' compression (LTX 32x spatial / 8x temporal, Wan 2.1 and CogVideoX
  8x / 4x, Wan2.2 and HunyuanVideo 1.5 16x / 4x), so the real model cards' size and frame rules (8k+1, 4k+1, multiples of 32 or 16)
  hold for the tiny models too and the same validation code runs on both.
- Nothing is downloaded: the tokenizers are T5 / Gemma Unigram tokenizers (the `tokenizers`
  library) built here over a few dozen words, a byte-level Qwen2 tokenizer with Qwen's chat
  template, and ByT5 (which needs no files); the text encoders are random T5 / UMT5 / Gemma 3 /
  Qwen2.5-VL encoders built from a config (diffusers' tests fetch tiny ones from the Hub).
- LTX-2's vocoder upsamples its 16 kHz mel frames (hop 160) by 160, so the tiny model's sound
  is real 16 kHz audio as long as the video, like the real model's (24 kHz there).

Every weight is drawn under torch.manual_seed, so a builder returns the same model every time.
"""

from __future__ import annotations

import string
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers

import pipeline  # noqa: F401  (installs the torchvision CPU shim before transformers imports it)
import torch
from diffusers import (
    AutoencoderKLCogVideoX,
    AutoencoderKLHunyuanVideo15,
    AutoencoderKLLTXVideo,
    AutoencoderKLWan,
    CogVideoXImageToVideoPipeline,
    CogVideoXPipeline,
    CogVideoXTransformer3DModel,
    DDIMScheduler,
    AutoencoderKLLTX2Audio,
    AutoencoderKLLTX2Video,
    FlowMatchEulerDiscreteScheduler,
    HunyuanVideo15ImageToVideoPipeline,
    HunyuanVideo15Pipeline,
    HunyuanVideo15Transformer3DModel,
    LTX2ConditionPipeline,
    LTX2VideoTransformer3DModel,
    LTXConditionPipeline,
    LTXVideoTransformer3DModel,
    LucyEditPipeline,
    UniPCMultistepScheduler,
    WanImageToVideoPipeline,
    WanPipeline,
    WanTransformer3DModel,
    WanVACEPipeline,
    WanVACETransformer3DModel,
)
from diffusers.guiders import ClassifierFreeGuidance
from diffusers.pipelines.ltx2 import LTX2TextConnectors
from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
from transformers import (
    ByT5Tokenizer,
    Gemma3Config,
    Gemma3ForConditionalGeneration,
    GemmaTokenizerFast,
    Qwen2_5_VLTextConfig,
    Qwen2_5_VLTextModel,
    Qwen2Tokenizer,
    SiglipImageProcessor,
    SiglipVisionConfig,
    SiglipVisionModel,
    T5Config,
    T5EncoderModel,
    T5TokenizerFast,
    UMT5Config,
    UMT5EncoderModel,
)

TEXT_DIM = 32  # width of the tiny text encoders; every tiny transformer's caption/text dim matches it
WORDS = ("a red green blue yellow ball cube falls bounces rolls left right into the wall floor "
         "dance monkey camera pans slowly over an of and on with").split()


# ----------------------------------------------------------------------------------------
# Text: a local tokenizer and random encoders
# ----------------------------------------------------------------------------------------


def tiny_tokenizer() -> T5TokenizerFast:
    """A T5 Unigram tokenizer over WORDS plus single letters (so no word is ever <unk>-only)."""
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]  # T5's fixed ids 0, 1, 2
    vocab += [("\u2581" + w, -1.0) for w in WORDS] + [(c, -5.0) for c in string.ascii_lowercase]
    return T5TokenizerFast(vocab=vocab, extra_ids=0)


def tiny_gemma_tokenizer() -> GemmaTokenizerFast:
    """A Gemma-style Unigram tokenizer (<pad> <eos> <bos> <unk>) over WORDS plus single letters."""
    vocab = [("<pad>", 0.0), ("<eos>", 0.0), ("<bos>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    vocab += [("\u2581" + w, -1.0) for w in WORDS] + [(c, -5.0) for c in string.ascii_lowercase]
    model = Tokenizer(models.Unigram(vocab, unk_id=3))
    model.pre_tokenizer, model.decoder = pre_tokenizers.Metaspace(), decoders.Metaspace()
    return GemmaTokenizerFast(tokenizer_object=model, pad_token="<pad>", eos_token="<eos>", bos_token="<bos>",
                              unk_token="<unk>")


def tiny_gemma3(vocab_size: int) -> Gemma3ForConditionalGeneration:
    """A random Gemma 3 (text width 32, 2 layers, a one-layer vision tower it never uses here)."""
    torch.manual_seed(0)
    image_token = vocab_size - 1  # no image tokens are ever given; any id will do
    config = Gemma3Config(
        text_config=dict(vocab_size=vocab_size, hidden_size=TEXT_DIM, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=1, head_dim=8, max_position_embeddings=2048,
                         sliding_window=64),
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                           image_size=28, patch_size=14),
        mm_tokens_per_image=4, boi_token_index=image_token, eoi_token_index=image_token, image_token_index=image_token)
    return Gemma3ForConditionalGeneration(config).eval()


# Qwen's chat template, reduced to what HunyuanVideo 1.5 sends (a system and a user message as text).
QWEN_CHAT = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
             "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def tiny_qwen_tokenizer() -> Qwen2Tokenizer:
    """A byte-level Qwen2 tokenizer with no merges (every byte a token) and Qwen's special tokens."""
    vocab = {c: i for i, c in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}  # the 256 byte symbols
    for special in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[special] = len(vocab)
    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = QWEN_CHAT
    return tokenizer


def tiny_qwen25_vl(vocab_size: int, end_of_text: int) -> Qwen2_5_VLTextModel:
    """A random Qwen2.5-VL text model, width 16, 2 layers (HunyuanVideo 1.5 reads its second-to-last-but-one layer)."""
    torch.manual_seed(0)
    config = Qwen2_5_VLTextConfig(hidden_size=16, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2,
                                  num_key_value_heads=2, vocab_size=vocab_size, bos_token_id=end_of_text,
                                  eos_token_id=end_of_text, rope_theta=1e6,
                                  rope_scaling={"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"})
    return Qwen2_5_VLTextModel(config).eval()


def _text_config(cls, vocab_size: int):
    return cls(vocab_size=vocab_size, d_model=TEXT_DIM, d_ff=37, d_kv=8, num_layers=2, num_heads=4,
               relative_attention_num_buckets=8, dropout_rate=0.0)


def tiny_t5(vocab_size: int) -> T5EncoderModel:
    torch.manual_seed(0)
    return T5EncoderModel(_text_config(T5Config, vocab_size)).eval()


def tiny_umt5(vocab_size: int) -> UMT5EncoderModel:
    torch.manual_seed(0)
    return UMT5EncoderModel(_text_config(UMT5Config, vocab_size)).eval()


# ----------------------------------------------------------------------------------------
# LTX-Video: one set of components serves LTXPipeline, LTXImageToVideoPipeline and
# LTXConditionPipeline (saved as the condition pipeline; the others are made with from_pipe)
# ----------------------------------------------------------------------------------------


def tiny_ltx(layers: int = 1, heads: int = 4, head_dim: int = 8) -> LTXConditionPipeline:
    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
        num_attention_heads=heads, attention_head_dim=head_dim, cross_attention_dim=heads * head_dim,
        num_layers=layers, caption_channels=TEXT_DIM,
    )
    torch.manual_seed(0)
    # patch_size 4 and three 2x space-time downsamplings: 32x spatial, 8x temporal, like the real VAE.
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8,
        block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False), upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False, patch_size=4, patch_size_t=1,
        encoder_causal=True, decoder_causal=False,
    )
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    with torch.no_grad():  # a trained VAE's posterior is nearly a point; a random one has std ~1
        log_variance = vae.encoder.conv_out.conv  # its last output channel is the log-variance
        log_variance.weight[-1].zero_()
        log_variance.bias[-1].fill_(-20.0)  # std e^-10: encodings (and conditioning) are ~deterministic
    tokenizer = tiny_tokenizer()
    return LTXConditionPipeline(
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=tiny_t5(len(tokenizer)), tokenizer=tokenizer,
    )


# ----------------------------------------------------------------------------------------
# LTX-2: video and sound from one transformer; Gemma 3 text through two connectors
# ----------------------------------------------------------------------------------------


def tiny_ltx2() -> LTX2ConditionPipeline:
    torch.manual_seed(0)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=TEXT_DIM, rope_double_precision=False, rope_type="split",
    )
    torch.manual_seed(0)
    connectors = LTX2TextConnectors(  # text_proj_in_factor: Gemma's 2 layers + its embeddings, stacked
        caption_channels=TEXT_DIM, text_proj_in_factor=3,
        video_connector_num_attention_heads=4, video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1, audio_connector_num_learnable_registers=None,
        connector_rope_base_seq_len=32, rope_theta=10000.0, rope_double_precision=False,
        causal_temporal_positioning=False, rope_type="split",
    )
    torch.manual_seed(0)
    # patch 4, then 2x space, 2x time and twice 2x both: 32x spatial, 8x temporal, like the real VAE
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8), layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, True), decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False), upsample_residual=(False, False, False),
        upsample_factor=(1, 1, 1), timestep_conditioning=False, patch_size=4, patch_size_t=1,
        encoder_causal=True, decoder_causal=False, spatial_compression_ratio=32, temporal_compression_ratio=8,
    )
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    torch.manual_seed(0)
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
        resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
        mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8,
    )
    torch.manual_seed(0)
    vocoder = LTX2Vocoder(  # 10 * 4 * 4 = 160 samples per mel frame: 16 kHz out
        in_channels=2 * 8, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[20, 8, 8],
        upsample_factors=[10, 4, 4], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1, output_sampling_rate=16000,
    )
    tokenizer = tiny_gemma_tokenizer()
    return LTX2ConditionPipeline(
        transformer=transformer, vae=vae, audio_vae=audio_vae, scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=tiny_gemma3(len(tokenizer)), tokenizer=tokenizer, connectors=connectors, vocoder=vocoder,
    )


# ----------------------------------------------------------------------------------------
# Wan 2.1: the text-to-video pipeline and the VACE pipeline (its own transformer class)
# ----------------------------------------------------------------------------------------


def _tiny_wan_vae() -> AutoencoderKLWan:
    torch.manual_seed(0)
    # three 2x downsamplings (8x spatial), two of them temporal (4x): the real Wan VAE's ratios.
    return AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            temperal_downsample=[False, True, True])


_WAN_TRANSFORMER = dict(
    patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16,
    out_channels=16, text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32, cross_attn_norm=True,
    qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
)


def tiny_wan() -> WanPipeline:
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(num_layers=2, **_WAN_TRANSFORMER)
    tokenizer = tiny_tokenizer()
    return WanPipeline(transformer=transformer, vae=_tiny_wan_vae(),
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                       text_encoder=tiny_umt5(len(tokenizer)), tokenizer=tokenizer)


def tiny_wan_vace() -> WanVACEPipeline:
    torch.manual_seed(0)
    transformer = WanVACETransformer3DModel(num_layers=3, vace_layers=[0, 2], vace_in_channels=96,
                                            **_WAN_TRANSFORMER)
    tokenizer = tiny_tokenizer()
    return WanVACEPipeline(transformer=transformer, vae=_tiny_wan_vae(),
                           scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                           text_encoder=tiny_umt5(len(tokenizer)), tokenizer=tokenizer)


def _tiny_wan22_vae() -> AutoencoderKLWan:
    torch.manual_seed(0)
    return AutoencoderKLWan(base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
                            latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            scale_factor_spatial=16, scale_factor_temporal=4, temperal_downsample=[False, True, True])


def tiny_wan22() -> WanPipeline:
    """Wan2.2 TI2V-5B's layout: a 48-channel VAE that patchifies by 2 (16x spatial, 4x temporal) and
    expand_timesteps, under which image-to-video needs no image encoder."""
    vae = _tiny_wan22_vae()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(num_layers=2, **{**_WAN_TRANSFORMER, "in_channels": 48, "out_channels": 48})
    tokenizer = tiny_tokenizer()
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=5.0)
    return WanPipeline(transformer=transformer, vae=vae, scheduler=scheduler, text_encoder=tiny_umt5(len(tokenizer)),
                       tokenizer=tokenizer, expand_timesteps=True)


def tiny_lucy_edit() -> LucyEditPipeline:
    """Lucy Edit Dev's layout: Wan2.2 TI2V-5B's VAE (16x spatial, 4x temporal, 48 channels) and a transformer
    that reads the noise and the source's latents side by side (96 input channels, 48 out)."""
    vae = _tiny_wan22_vae()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(num_layers=2, **{**_WAN_TRANSFORMER, "in_channels": 96, "out_channels": 48})
    tokenizer = tiny_tokenizer()
    return LucyEditPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=5.0),
                            text_encoder=tiny_umt5(len(tokenizer)), tokenizer=tokenizer)


def _tiny_experts(in_channels: int) -> tuple[WanTransformer3DModel, WanTransformer3DModel]:
    """Wan2.2 A14B's two experts at toy size: the high-noise transformer and the low-noise transformer_2,
    drawn from different seeds so that which one ran shows in the output."""
    experts = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        experts.append(WanTransformer3DModel(num_layers=2, **{**_WAN_TRANSFORMER, "in_channels": in_channels}))
    return experts[0], experts[1]


def _a14b_scheduler(shift: float) -> UniPCMultistepScheduler:
    return UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=shift)


def tiny_wan22_a14b_t2v() -> WanPipeline:
    """Wan2.2 T2V-A14B's layout: two experts switched at boundary_ratio 0.875, the Wan 2.1 VAE (8x / 4x)."""
    high, low = _tiny_experts(16)
    tokenizer = tiny_tokenizer()
    return WanPipeline(transformer=high, transformer_2=low, vae=_tiny_wan_vae(), scheduler=_a14b_scheduler(12.0),
                       text_encoder=tiny_umt5(len(tokenizer)), tokenizer=tokenizer, boundary_ratio=0.875)


def tiny_wan22_a14b_i2v() -> WanImageToVideoPipeline:
    """Wan2.2 I2V-A14B's layout: 36 input channels (16 noise + 4 mask + 16 image latents), no image encoder,
    boundary_ratio 0.9."""
    high, low = _tiny_experts(36)
    tokenizer = tiny_tokenizer()
    return WanImageToVideoPipeline(transformer=high, transformer_2=low, vae=_tiny_wan_vae(),
                                   scheduler=_a14b_scheduler(5.0), text_encoder=tiny_umt5(len(tokenizer)),
                                   tokenizer=tokenizer, boundary_ratio=0.9)


# ----------------------------------------------------------------------------------------
# HunyuanVideo 1.5: text-to-video and image-to-video (two checkpoints, as for the real model)
# ----------------------------------------------------------------------------------------


def _tiny_hunyuan15_parts(task: str) -> dict:
    torch.manual_seed(0)
    # target_size 64: the tiny model's size buckets are about 64x64 pixels (640 for the real 480p model)
    transformer = HunyuanVideo15Transformer3DModel(
        in_channels=9, out_channels=4, num_attention_heads=2, attention_head_dim=8, num_layers=1,
        num_refiner_layers=1, mlp_ratio=2.0, patch_size=1, patch_size_t=1, text_embed_dim=16,
        text_embed_2_dim=TEXT_DIM, image_embed_dim=12, rope_axes_dim=(2, 2, 4), target_size=64, task_type=task)
    torch.manual_seed(0)
    vae = AutoencoderKLHunyuanVideo15(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,) * 5,
                                      layers_per_block=1, spatial_compression_ratio=16, temporal_compression_ratio=4,
                                      downsample_match_channel=False, upsample_match_channel=False)
    tokenizer, glyphs = tiny_qwen_tokenizer(), ByT5Tokenizer()
    return dict(transformer=transformer.eval(), vae=vae.eval(), scheduler=FlowMatchEulerDiscreteScheduler(shift=5.0),
                text_encoder=tiny_qwen25_vl(len(tokenizer), tokenizer.convert_tokens_to_ids("<|endoftext|>")),
                tokenizer=tokenizer, text_encoder_2=tiny_t5(len(glyphs)), tokenizer_2=glyphs,
                guider=ClassifierFreeGuidance(guidance_scale=6.0))


def tiny_hunyuan15_t2v() -> HunyuanVideo15Pipeline:
    return HunyuanVideo15Pipeline(**_tiny_hunyuan15_parts("t2v"))


def tiny_hunyuan15_i2v() -> HunyuanVideo15ImageToVideoPipeline:
    parts = _tiny_hunyuan15_parts("i2v")
    torch.manual_seed(0)
    encoder = SiglipVisionModel(SiglipVisionConfig(hidden_size=12, intermediate_size=16, num_hidden_layers=1,
                                                   num_attention_heads=2, image_size=28, patch_size=14)).eval()
    return HunyuanVideo15ImageToVideoPipeline(**parts, image_encoder=encoder,
                                              feature_extractor=SiglipImageProcessor(size={"height": 28, "width": 28}))


# ----------------------------------------------------------------------------------------
# CogVideoX: text-to-video (2b-like) and image-to-video (5b-I2V-like)
# ----------------------------------------------------------------------------------------


def _tiny_cog_vae() -> AutoencoderKLCogVideoX:
    torch.manual_seed(0)
    return AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3,
        down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1, norm_num_groups=2,
        temporal_compression_ratio=4,
    )


def tiny_cogvideox() -> CogVideoXPipeline:
    torch.manual_seed(0)
    # sincos positional embeddings, recomputed for any size (like CogVideoX-2b)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=4, attention_head_dim=8, in_channels=4, out_channels=4, time_embed_dim=2,
        text_embed_dim=TEXT_DIM, num_layers=1, sample_width=2, sample_height=2, sample_frames=9,
        patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16,
    )
    tokenizer = tiny_tokenizer()
    return CogVideoXPipeline(transformer=transformer, vae=_tiny_cog_vae(), scheduler=DDIMScheduler(),
                             text_encoder=tiny_t5(len(tokenizer)), tokenizer=tokenizer)


def tiny_cogvideox_i2v() -> CogVideoXImageToVideoPipeline:
    torch.manual_seed(0)
    # learned positional embeddings fix the size to the sample size, 16x16 here (720x480 for the
    # real CogVideoX-5b-I2V); in_channels 8 = 4 noise latents + 4 image latents.
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=8, out_channels=4, time_embed_dim=2,
        text_embed_dim=TEXT_DIM, num_layers=1, sample_width=2, sample_height=2, sample_frames=9,
        patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16,
        use_rotary_positional_embeddings=True, use_learned_positional_embeddings=True,
    )
    tokenizer = tiny_tokenizer()
    return CogVideoXImageToVideoPipeline(transformer=transformer, vae=_tiny_cog_vae(),
                                         scheduler=DDIMScheduler(),
                                         text_encoder=tiny_t5(len(tokenizer)), tokenizer=tokenizer)


BUILDERS = {
    "ltx-video": tiny_ltx,
    "ltx-2": tiny_ltx2,
    "wan2.1-t2v-1.3b": tiny_wan,
    "wan2.1-vace-1.3b": tiny_wan_vace,
    "wan2.2-ti2v-5b": tiny_wan22,
    "wan2.2-t2v-a14b": tiny_wan22_a14b_t2v,
    "wan2.2-i2v-a14b": tiny_wan22_a14b_i2v,
    "hunyuanvideo-1.5-t2v": tiny_hunyuan15_t2v,
    "hunyuanvideo-1.5-i2v": tiny_hunyuan15_i2v,
    "cogvideox-2b": tiny_cogvideox,
    "cogvideox-5b-i2v": tiny_cogvideox_i2v,
    "lucy-edit": tiny_lucy_edit,
}


def save_tiny(name: str, folder: str | Path) -> Path:
    """Build the tiny pipeline for the model card `name` and save it (safetensors) to folder."""
    folder = Path(folder)
    BUILDERS[name]().save_pretrained(folder, safe_serialization=True)
    return folder


# ----------------------------------------------------------------------------------------
# tinyworld: our own classes at toy size (not a diffusers card, so not in BUILDERS)
# ----------------------------------------------------------------------------------------


def tiny_tinyworld():
    """A random TinyWorldPipeline: 4 latent channels, one 32-wide block, a 200-caption tokenizer."""
    from pipeline.tinyworld.pipeline import TinyWorldPipeline
    from pipeline.tinyworld.text import TinyTextEncoder, build_tokenizer, grammar_corpus
    from pipeline.tinyworld.transformer import TinyWorldTransformer
    from pipeline.tinyworld.vae import TinyVideoAutoencoder

    torch.manual_seed(0)
    tokenizer = build_tokenizer(grammar_corpus(200))
    vae = TinyVideoAutoencoder(latent_channels=4, widths=(8, 8, 16))
    text = TinyTextEncoder(vocab_size=len(tokenizer), width=16, depth=1, heads=2)
    transformer = TinyWorldTransformer(latent_channels=4, width=32, depth=1, heads=2, text_width=16)
    for p in transformer.parameters():  # adaLN-Zero starts at zero velocity; make the toy do something
        torch.nn.init.normal_(p, std=0.05)
    return TinyWorldPipeline(vae=vae.eval(), text_encoder=text.eval(), tokenizer=tokenizer, transformer=transformer.eval(),
                             scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=1.0))
