"""The world encoder: preprocessing, tokenizer, twins and negatives, the loss, a toy training run, the API.

    .venv/bin/python -m pytest -q tests/test_world_encoder.py
"""

from dataclasses import replace

import numpy as np
import pytest
import torch

from eval.world_encoder import WEIGHTS, load_world_encoder
from eval.world_encoder.attributes import COLOURS, HEADS, AttributeHeads, labels
from eval.world_encoder.data import (BatchConfig, held_out_spec, is_held_out, make_batch, text_key, training_spec, twins,
                                     video_negatives, write)
from eval.world_encoder.model import EncoderConfig, WorldEncoder, preprocess
from eval.world_encoder.score import load_from
from eval.world_encoder.text import build_tokenizer, tokenize
from eval.world_encoder.train import TrainConfig, contrastive_loss, train
from pipeline.tinyworld.config import HELD_OUT
from world import SceneSpec, ObjectSpec, detailed_caption, parse, short_prompt
from world.render import make_clip

pytestmark = pytest.mark.usefixtures("single_thread")

TOY = dict(size=32, stem=(8, 8, 8), frame_width=32, video_layers=1, text_width=32, text_layers=1, embed_dim=16)
HIT = SceneSpec(objects=(ObjectSpec("ball", "red"), ObjectSpec("box", "blue")), event="hit", direction="right")


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(corpus=None)


@pytest.mark.parametrize("frames, width, height", [(1, 64, 64), (16, 64, 64), (16, 96, 64), (9, 64, 96), (24, 64, 64)])
def test_preprocess_takes_every_world_size_and_length(frames, width, height):
    cfg = EncoderConfig(vocab_size=8)
    video = make_clip(HIT, seed=0, frames=min(frames, 16), width=width, height=height).frames
    if frames > 16:
        video = np.concatenate([video, video[:frames - 16]])
    x = preprocess(video[None], cfg)
    assert x.shape == (1, min(frames, cfg.max_frames), 3, cfg.size, cfg.size)
    assert -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    with pytest.raises(ValueError, match="uint8"):
        preprocess(video[None].astype(np.float32), cfg)


def test_tokenizer_knows_every_word_of_both_languages(tokenizer):
    rng = np.random.default_rng(7)
    unk = tokenizer.token_to_id("[UNK]")
    for _ in range(50):
        spec = training_spec(rng)
        for text in (detailed_caption(spec, "en"), detailed_caption(spec, "zh"), short_prompt(spec, "zh")):
            ids, mask = tokenize(tokenizer, [text])
            assert ids[0, 0] == tokenizer.token_to_id("[BOS]")
            assert unk not in ids[0].tolist(), text
    zh = tokenizer.encode("一个红色的球").tokens
    assert zh[1:4] == ["一", "个", "红"]  # Chinese is read character by character


def test_held_out_scenes_never_train_and_are_drawn_for_evaluation():
    rng = np.random.default_rng(0)
    assert not any(is_held_out(training_spec(rng)) for _ in range(2000))
    drawn = {(s.subject.colour, s.subject.shape, s.event) for s in (held_out_spec(rng) for _ in range(200))}
    assert drawn == set(HELD_OUT)


def test_twins_differ_in_one_thing_and_their_captions_differ():
    rng = np.random.default_rng(0)
    named = twins(HIT, rng)
    assert named["mirror"] == replace(HIT, direction="left")
    assert named["swap"].objects[:2] == HIT.objects[::-1]
    assert named["colour"].objects[1:] == HIT.objects[1:] and named["colour"].subject.colour not in ("red", "blue")
    assert named["shape"].subject.shape != "ball" and named["shape"].subject.colour == "red"
    assert "pan" not in named  # a static camera has no pan to mirror
    for name, twin in named.items():
        for lang in ("en", "zh"):
            assert detailed_caption(twin, lang) != detailed_caption(HIT, lang), name
    fall = SceneSpec(objects=(ObjectSpec("ball", "red"),), event="fall")
    assert "mirror" not in twins(fall, rng)  # no direction to mirror


def test_video_negatives_are_edits_the_caption_no_longer_describes():
    rng = np.random.default_rng(0)
    clip = make_clip(HIT, seed=0, frames=16)
    edits = video_negatives(clip, rng)
    assert set(edits) == {"reversed", "mirrored", "no_contact", "vanishes"}
    for name, frames in edits.items():
        assert frames.shape == clip.frames.shape and not np.array_equal(frames, clip.frames), name
    still = make_clip(SceneSpec(objects=(ObjectSpec("ball", "red"),), event="still"), seed=0)
    assert set(video_negatives(still, rng)) == {"vanishes"}  # backwards or mirrored, a still scene is the same scene


def test_batch_pairs_texts_and_clips_and_marks_duplicates():
    cfg = BatchConfig(batch_size=6, frames=8, short_clip_prob=0.0, text_negatives=3, video_negative_prob=1.0)
    batch = make_batch(np.random.default_rng(3), cfg)
    b = cfg.batch_size
    assert batch.videos.dtype == np.uint8 and batch.videos.shape[1] == 8 and b < len(batch.videos) <= 2 * b
    assert b < len(batch.texts) <= b * (1 + cfg.text_negatives)
    assert batch.video_text_ok.shape == (b, len(batch.texts)) and batch.text_video_ok.shape == (b, len(batch.videos))
    assert batch.video_text_ok[np.arange(b), np.arange(b)].all()
    assert not batch.video_text_ok[:, b:].any()  # a twin's caption never describes the clip
    # Every clip the same scene, every text a detailed caption (en or zh): each text describes every clip.
    dup = make_batch(np.random.default_rng(3), replace(cfg, short_prob=0.0), spec_fn=lambda rng: HIT)
    assert dup.video_text_ok[:, :b].all() and dup.text_video_ok[:, :b].all() and not dup.text_video_ok[:, b:].any()
    assert text_key(HIT, False) != text_key(HIT, True)


def test_contrastive_loss_rewards_the_diagonal_and_ignores_duplicates():
    b = 4
    good = torch.full((b + 2, b + 3), -10.0)
    good[torch.arange(b), torch.arange(b)] = 10.0
    ok_vt, ok_tv = torch.eye(b, b + 3, dtype=torch.bool), torch.eye(b, b + 2, dtype=torch.bool)
    assert float(contrastive_loss(good, ok_vt, ok_tv)) < 1e-3
    bad = good.clone()
    bad[0, 1] = 20.0  # clip 0 prefers text 1 ...
    assert float(contrastive_loss(bad, ok_vt, ok_tv)) > 1.0
    ok_vt[0, 1] = ok_tv[1, 0] = True  # ... which is fine when text 1 describes clip 0 too
    bad[1, 0] = -10.0
    assert float(contrastive_loss(bad, ok_vt, ok_tv)) < 1e-3


def test_attribute_labels_say_which_shape_has_each_colour_and_the_event():
    got = labels([HIT, replace(HIT, direction="left", pan="right", background="textured")])
    assert set(got) == set(HEADS) and all(got[k].shape == (2, n) for k, (n, _) in HEADS.items())
    shape_of = dict(zip(COLOURS, got["shape_of"][0]))
    assert shape_of == {c: {"red": 1, "blue": 2}.get(c, 0) for c in COLOURS}  # ball = 1, box = 2, absent = 0
    assert got["subject_colour"][0, 0] == COLOURS.index("red") and got["event"][0, 0] == 3  # "hit"
    assert got["direction"][:, 0].tolist() == [2, 1] and got["pan"][:, 0].tolist() == [0, 2]  # right, left; none, right


def test_attribute_heads_learn_the_labels_from_an_embedding():
    torch.manual_seed(0)
    specs = [HIT, replace(HIT, direction="left"), SceneSpec(objects=(ObjectSpec("triangle", "green"),), event="fall")]
    target = labels(specs)
    embedding = torch.randn(3, 16)
    heads = AttributeHeads(16)
    opt = torch.optim.Adam(heads.parameters(), lr=0.05)
    with torch.no_grad():
        first = float(heads.loss(embedding, target))
    for _ in range(100):
        opt.zero_grad()
        loss = heads.loss(embedding, target)
        loss.backward()
        opt.step()
    assert first > 1.0 and float(loss) < 0.05


def test_video_tower_sees_the_order_of_frames():
    torch.manual_seed(0)
    model = WorldEncoder(EncoderConfig(vocab_size=8, **TOY)).eval()
    clip = make_clip(HIT, seed=0, frames=8).frames
    with torch.no_grad():
        fwd, back = model.encode_video(preprocess(np.stack([clip, clip[::-1].copy()]), model.cfg))
    assert float(fwd @ back) < 0.9999  # a mean of frame features would give exactly 1


def test_toy_training_resumes_exports_and_loads(tmp_path):
    cfg = TrainConfig(batch=BatchConfig(batch_size=3, frames=4, text_negatives=2), encoder=TOY, eval_clips=4,
                      eval_minutes=0.0, log_every=1, warmup_steps=2)
    first = train(tmp_path, minutes=0.01, cfg=cfg)
    assert first["step"] >= 1 and (tmp_path / "checkpoint.pt").exists()
    second = train(tmp_path, minutes=first["minutes"] + 0.01)
    assert second["step"] > first["step"]
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert len(lines) >= second["step"] and '"loss"' in lines[0] and '"final": true' in lines[-1]
    assert '"attribute_loss"' in lines[0]
    enc = load_from(tmp_path / "weights")
    assert enc.name == "world-encoder" and enc.weights_hash.startswith("sha256:")
    clips = [make_clip(HIT, seed=0, frames=16).frames, make_clip(HIT, seed=1, frames=5, width=96, height=64).frames]
    v = enc.embed_videos(clips)
    t = enc.embed_texts([detailed_caption(HIT), "红色的球向右移动并撞上蓝色的方块"])
    assert v.shape == t.shape == (2, 16) and v.dtype == t.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5) and np.allclose(np.linalg.norm(t, axis=1), 1, atol=1e-5)
    assert 0.0 <= enc.score(clips[0], detailed_caption(HIT)) <= 100.0
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        load_from(tmp_path / "nowhere")


@pytest.mark.skipif(not (WEIGHTS / "model.safetensors").exists(), reason="weights not exported yet")
def test_shipped_encoder_tells_left_from_right_on_held_out_scenes():
    enc = load_world_encoder()
    assert load_world_encoder() is enc  # cached per process
    rng = np.random.default_rng(11)
    wins = 0
    for i in range(12):
        colour, shape, _ = HELD_OUT[5]  # red triangle moves: held out of training
        spec = SceneSpec(objects=(ObjectSpec(shape, colour),), event="move", direction=("left", "right")[i % 2])
        clip = make_clip(spec, seed=int(rng.integers(1000)), frames=16).frames
        mirrored = replace(spec, direction="right" if spec.direction == "left" else "left")
        own, other = parse(short_prompt(spec)).caption, parse(short_prompt(mirrored)).caption
        wins += enc.score(clip, own) > enc.score(clip, other)
    assert wins >= 11
