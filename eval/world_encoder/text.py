"""The world encoder's tokenizer: word level over the caption grammar, English words and Chinese characters.

    python -c "from eval.world_encoder.text import build_tokenizer; print(build_tokenizer().encode('一个红色的球').tokens)"

Built with `tokenizers` from captions and short prompts the world writes, so its vocabulary is
the grammar's own; saved beside the weights as tokenizer.json. Every sequence starts with
[BOS], where the text tower reads its embedding out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordLevel
from tokenizers.trainers import WordLevelTrainer

from world import detailed_caption, sample_spec, short_prompt

SPECIALS = ["[PAD]", "[UNK]", "[BOS]"]


def grammar_corpus(n: int = 3000, seed: int = 0) -> list[str]:
    """Detailed captions and short prompts of n random scenes, in both languages."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        spec = sample_spec(rng)
        texts += [write(spec, lang) for write in (detailed_caption, short_prompt) for lang in ("en", "zh")]
    return texts


def build_tokenizer(max_tokens: int = 96, corpus: list[str] | None = None) -> Tokenizer:
    tok = Tokenizer(WordLevel(unk_token="[UNK]"))
    # Lower case, and spaces around CJK characters so that each is a word.
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.Whitespace()  # punctuation becomes its own word
    tok.train_from_iterator(corpus or grammar_corpus(), WordLevelTrainer(special_tokens=SPECIALS))
    tok.post_processor = processors.TemplateProcessing(single="[BOS] $A", special_tokens=[("[BOS]", tok.token_to_id("[BOS]"))])
    tok.enable_padding(pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]")
    tok.enable_truncation(max_tokens)
    return tok


def load_tokenizer(path: Path) -> Tokenizer:
    return Tokenizer.from_file(str(path))


def tokenize(tok: Tokenizer, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """texts -> (ids (B, L) int64, mask (B, L) bool, True at real tokens), padded to the longest."""
    batch = tok.encode_batch(texts)
    ids = torch.tensor([e.ids for e in batch], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in batch], dtype=torch.bool)
    return ids, mask
