"""`python -m pipeline`: generate on a tiny saved LTX folder, the JSON sidecar, --list, one-line errors.

    .venv/bin/python -m pytest -q tests/test_pipeline_cli.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.__main__ import main
from pipeline.api import load
from pipeline.request import GenerationRequest
from pipeline.registry import LTX_NEGATIVE
from pipeline.video_io import read_audio, read_video, write_mp4, write_png_strip

pytestmark = pytest.mark.usefixtures("single_thread")

ROOT = Path(__file__).resolve().parent.parent


def test_generate_writes_the_video_and_its_sidecar(ltx_cli_clip, tiny_weights):
    out, run = ltx_cli_clip
    assert run.stdout.startswith(f"wrote {out} (9 frames, seed 0, ")
    assert "2/2" in run.stderr  # the tqdm bar reached the last step
    frames, fps = read_video(out)
    assert frames.shape == (9, 64, 64, 3) and fps == 24.0

    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["model"] == "ltx-video" and sidecar["seed"] == 0 and sidecar["output"] == "clip.mp4"
    assert sidecar["request"] == {
        "mode": "t2v", "prompt": "a red ball falls and bounces", "negative_prompt": LTX_NEGATIVE, "seed": 0, "steps": 2,
        "guidance": 3.0, "frames": 9, "width": 64, "height": 64, "fps": 24.0, "image": None, "video": None,
        "direction": "forward", "keep": None, "keyframes": None, "shift": None,
        "strength": None}
    assert set(sidecar["timings"]) == {"validate", "denoise", "decode", "total"}
    assert sidecar["weights_hash"] == load("ltx-video", weights=tiny_weights["ltx-video"]).weights_hash



def test_the_cli_and_the_api_make_the_same_frames(tiny_weights, tmp_path):
    weights = tiny_weights["ltx-video"]
    assert main(["generate", "--model", "ltx-video", "--weights", str(weights), "--prompt", "a ball", "--seed", "4",
                 "--frames", "9", "--size", "64x64", "--steps", "2", "--out", str(tmp_path / "strip.png")]) == 0
    strip, _ = read_video(tmp_path / "strip.png")  # (1, 64, 9 * 64, 3), lossless
    cli_frames = strip[0].reshape(64, 9, 64, 3).transpose(1, 0, 2, 3)  # (9, 64, 64, 3)
    request = GenerationRequest("t2v", "a ball", seed=4, frames=9, width=64, height=64, steps=2)
    assert np.array_equal(cli_frames, load("ltx-video", weights=weights).generate(request).frames)


def test_extend_and_interpolate_from_files(tmp_path, tiny_weights, capsys):
    weights = str(tiny_weights["ltx-video"])
    clip = np.random.default_rng(0).integers(0, 256, (12, 48, 80, 3), dtype=np.uint8)
    write_mp4(tmp_path / "in.mp4", clip, fps=8)
    args = ["generate", "--model", "ltx-video", "--weights", weights, "--prompt", "a ball", "--seed", "3",
            "--steps", "2", "--size", "64x64"]
    assert main(args + ["--mode", "extend", "--video", str(tmp_path / "in.mp4"), "--direction", "backward",
                        "--keep", "9", "--frames", "17", "--join", "--out", str(tmp_path / "ext.mp4")]) == 0
    joined, _ = read_video(tmp_path / "ext.mp4")
    assert joined.shape == (17 - 9 + 12, 64, 64, 3)  # 8 new frames, then the whole input clip
    sidecar = json.loads((tmp_path / "ext.json").read_text())
    assert sidecar["joined"] and sidecar["request"]["keep"] == 9 and sidecar["request"]["video"]["shape"] == [12, 64, 64, 3]
    assert any("resized 80x48" in note for note in sidecar["notes"])

    for name, colour in (("a.png", 0), ("b.png", 255)):
        write_png_strip(tmp_path / name, np.full((1, 40, 40, 3), colour, np.uint8))
    assert main(args + ["--mode", "interpolate", "--image", str(tmp_path / "a.png"), "--image", str(tmp_path / "b.png"),
                        "--frames", "9", "--out", str(tmp_path / "fill.gif")]) == 0
    sidecar = json.loads((tmp_path / "fill.json").read_text())
    assert sidecar["request"]["keyframes"] == [0, 8] and sidecar["frames_shape"] == [9, 64, 64, 3]
    assert "note: video: resized 40x40 -> 64x64" in capsys.readouterr().err


def test_ltx2_writes_its_sound_into_the_mp4_and_says_so(tiny_weights, tmp_path, capsys):
    args = ["generate", "--model", "ltx-2", "--weights", str(tiny_weights["ltx-2"]), "--prompt", "a ball falls",
            "--seed", "0", "--frames", "17", "--size", "64x64", "--steps", "2"]
    assert main(args + ["--out", str(tmp_path / "clip.mp4")]) == 0
    frames, fps = read_video(tmp_path / "clip.mp4")
    sound = read_audio(tmp_path / "clip.mp4")  # decoded from the file: the AAC stream is there
    assert frames.shape == (17, 64, 64, 3) and fps == 24.0
    assert sound is not None and sound.sample_rate == 16000 and sound.channels == 2
    assert abs(sound.seconds - 17 / 24) < 0.1 and np.abs(sound.samples).max() > 1e-3  # as long as the video, not silence
    sidecar = json.loads((tmp_path / "clip.json").read_text())
    assert sidecar["audio"] == {"codec": "aac", "sample_rate": 16000, "channels": 2, "seconds": sidecar["audio"]["seconds"]}
    assert any(note.startswith("sound: 16000 Hz, 2 channels") for note in sidecar["notes"])

    # a gif holds no sound: written without it, and the note says why
    assert main(args + ["--out", str(tmp_path / "clip.gif")]) == 0
    assert any(note == "sound: not written (.gif holds no sound)" for note in json.loads(
        (tmp_path / "clip.json").read_text())["input_notes"])
    assert read_audio(tmp_path / "clip.mp4") is not None


def test_list_prints_every_card_with_capabilities(capsys):
    assert main(["--list"]) == 0
    text = capsys.readouterr().out
    for name in ("tinyworld", "ltx-video", "ltx-2", "wan2.1-t2v-1.3b", "wan2.1-vace-1.3b", "wan2.2-ti2v-5b",
                 "hunyuanvideo-1.5-t2v", "hunyuanvideo-1.5-i2v", "cogvideox-2b", "cogvideox-5b-i2v"):
        assert f"\n{name}  [" in "\n" + text
    assert "sizes 1280x704, 704x1280" in text and "sizes 848x480, 480x832, 640x640" in text
    assert "extend-backward  native               LTXConditionPipeline" in text
    assert "extend-forward   last-frame chaining  CogVideoXImageToVideoPipeline" in text
    assert "SPACETIME_WEIGHTS_WAN2_1_VACE_1_3B" in text


@pytest.mark.parametrize("extra,message", [
    (["--frames", "10"], "error: frames: 10 is not 8k+1 for ltx-video; allowed 9, 17, 25, ... 257"),
    (["--mode", "extend", "--video", "/nowhere.mp4"], "error: read_video: /nowhere.mp4 does not exist"),
    (["--mode", "i2v"], "error: image: None; mode 'i2v' needs a uint8 (H, W, 3) image"),
    (["--out", "clip.avi"], "error: out: 'clip.avi' must end with .mp4, .gif or .png"),
])
def test_bad_requests_print_one_line_and_exit_2(extra, message, tiny_weights, capsys, tmp_path):
    args = ["generate", "--model", "ltx-video", "--weights", str(tiny_weights["ltx-video"]), "--prompt", "a ball",
            "--size", "64x64", "--steps", "2", "--out", str(tmp_path / "x.mp4")]
    assert main(args + extra) == 2
    err = capsys.readouterr().err
    assert err == message + "\n"
    assert not (tmp_path / "x.mp4").exists()


def test_missing_weights_exit_2_with_the_fetch_command_and_no_traceback(tmp_path):
    env = {**os.environ, "SPACETIME_WEIGHTS_LTX_VIDEO": str(tmp_path / "empty")}
    run = subprocess.run([sys.executable, "-m", "pipeline", "generate", "--model", "ltx-video", "--prompt", "x",
                          "--out", str(tmp_path / "x.mp4")], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2
    assert run.stderr.startswith(f"error: ltx-video: no weights folder {tmp_path / 'empty'} ($SPACETIME_WEIGHTS_LTX_VIDEO). "
                                 "Run `python -m pipeline fetch ltx-video` where there is internet")
    assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr
