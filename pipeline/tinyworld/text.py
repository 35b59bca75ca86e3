"""The text side: a word-level tokenizer over the caption grammar (en, zh) and a small encoder.

    python -c "from pipeline.tinyworld.text import build_tokenizer; print(build_tokenizer()('一个红色的球').input_ids)"

The tokenizer is built with `tokenizers` from captions the world writes, so its vocabulary is
exactly the grammar's: English words and single Chinese characters. It is wrapped as a
transformers `PreTrainedTokenizerFast` so the pipeline saves and loads it like any other.
The encoder is trained from scratch with the transformer (there is nothing to download).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordLevel
from tokenizers.trainers import WordLevelTrainer
from transformers import PreTrainedTokenizerFast

from world import detailed_caption, sample_spec, short_prompt

MAX_TOKENS = 96  # the longest Chinese detailed caption is ~75 characters
SPECIALS = ["[PAD]", "[UNK]", "[BOS]"]


def grammar_corpus(n: int = 4000, seed: int = 0) -> list[str]:
    """Captions and short prompts in both languages: every word the grammar can write."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        spec = sample_spec(rng)
        texts += [detailed_caption(spec, lang) for lang in ("en", "zh")]
        texts += [short_prompt(spec, lang) for lang in ("en", "zh")]
    return texts


def build_tokenizer(corpus: list[str] | None = None) -> PreTrainedTokenizerFast:
    tok = Tokenizer(WordLevel(unk_token="[UNK]"))
    # Lower-case, and put spaces around CJK characters so each is a word.
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(corpus or grammar_corpus(), WordLevelTrainer(special_tokens=SPECIALS))
    # Every sequence starts with [BOS], so the empty caption (classifier-free guidance) is one token.
    tok.post_processor = processors.TemplateProcessing(single="[BOS] $A", special_tokens=[("[BOS]", tok.token_to_id("[BOS]"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", bos_token="[BOS]",
                                   model_max_length=MAX_TOKENS)


def tokenize(tokenizer: PreTrainedTokenizerFast, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """texts -> (ids (B, L), mask (B, L) bool, True where a real token is)."""
    batch = tokenizer(texts, padding="longest", truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
    return batch.input_ids, batch.attention_mask.bool()


class TinyTextEncoder(ModelMixin, ConfigMixin):
    @register_to_config
    def __init__(
        self,
        vocab_size: int = 256,  # the tokenizer's vocabulary size
        width: int = 128,  # hidden size of every token
        depth: int = 2,  # transformer encoder layers
        heads: int = 4,
        max_tokens: int = MAX_TOKENS,
    ):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, width)
        self.position = nn.Parameter(torch.randn(1, max_tokens, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """ids, mask (B, L) -> hidden states (B, L, width); padded positions are ignored downstream."""
        h = self.embed(ids) + self.position[:, : ids.shape[1]]
        return self.norm(self.layers(h, src_key_padding_mask=~mask))
