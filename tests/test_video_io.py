"""pipeline/video_io.py: roundtrips, colour fidelity, the odd-size policy, the H.264 stream, errors.

    .venv/bin/python -m pytest -q tests/test_video_io.py
"""

import subprocess

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from pipeline.video_io import (
    STILL_FPS,
    Soundtrack,
    fit_frames,
    pad_to_even,
    read_audio,
    read_video,
    write_gif,
    write_mp4,
    write_png_strip,
)

T, H, W = 8, 64, 64


def saturated_clip(t=T, h=H, w=W):
    """A world-like clip: flat saturated colours, a red square moving right over a blue floor."""
    frames = np.zeros((t, h, w, 3), np.uint8)  # (T, H, W, 3)
    frames[:] = (30, 60, 200)  # blue background
    frames[:, h - 12 :] = (255, 255, 0)  # yellow floor
    for i in range(t):
        frames[i, 20:36, 4 + 4 * i : 20 + 4 * i] = (255, 0, 0)  # red square
        frames[i, 40:48, 40:56] = (0, 200, 0)  # green block
    return frames


def ffmpeg_stream_line(path):
    """The 'Stream ... Video: ...' line ffmpeg prints when probing path."""
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                           capture_output=True, text=True)
    lines = [line for line in probe.stderr.splitlines() if "Video:" in line]
    assert len(lines) == 1, probe.stderr
    return lines[0]


def top_level_boxes(path):
    """The names of the top-level ISO-BMFF boxes of an mp4, in file order."""
    data, names, pos = path.read_bytes(), [], 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        names.append(data[pos + 4 : pos + 8].decode("latin-1"))
        if size == 1:  # 64-bit size
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        assert size >= 8, names
        pos += size
    return names


# ---- mp4 ------------------------------------------------------------------------------


def test_mp4_roundtrip_shape_fps_and_colours(tmp_path):
    frames = saturated_clip()
    out = write_mp4(tmp_path / "clip.mp4", frames, fps=8)
    assert out == tmp_path / "clip.mp4"
    back, fps = read_video(out)
    assert back.dtype == np.uint8 and back.shape == frames.shape
    assert fps == 8.0
    error = np.abs(back.astype(int) - frames.astype(int))  # (T, H, W, 3)
    assert error.mean() < 8, error.mean()
    # Away from edges (chroma is at half resolution) the colours come back within a few levels.
    for i in range(T):
        assert np.abs(back[i, 24:32, 8 + 4 * i : 16 + 4 * i].astype(int) - [255, 0, 0]).max() <= 6
    assert np.abs(back[:, 42:46, 44:52].astype(int) - [0, 200, 0]).max() <= 6  # green block
    assert np.abs(back[:, 2:10, 50:60].astype(int) - [30, 60, 200]).max() <= 6  # background


def test_mp4_is_h264_yuv420p_bt709_faststart(tmp_path):
    path = write_mp4(tmp_path / "clip.mp4", saturated_clip(), fps=12)
    line = ffmpeg_stream_line(path)
    assert "Video: h264" in line and "yuv420p(tv, bt709" in line and "12 fps" in line, line
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart: playable while loading
    meta = next(imageio_ffmpeg.read_frames(str(path)))
    assert meta["codec"] == "h264" and meta["pix_fmt"].startswith("yuv420p")


def test_mp4_odd_size_is_padded_by_repeating_the_last_row_and_column(tmp_path):
    frames = saturated_clip(t=3, h=63, w=65)
    frames[:, -4:, :] = (255, 0, 255)  # magenta band at the bottom
    frames[:, :, -4:] = (0, 255, 255)  # cyan band at the right
    back, _ = read_video(write_mp4(tmp_path / "odd.mp4", frames, fps=4))
    assert back.shape == (3, 64, 66, 3)
    assert np.abs(back[:, 10:50, 10:50].astype(int) - frames[:, 10:50, 10:50]).mean() < 8
    assert np.abs(back[:, -1, 8:56].astype(int) - [255, 0, 255]).mean() < 8  # padded row: magenta
    assert np.abs(back[:, 8:56, -1].astype(int) - [0, 255, 255]).mean() < 8  # padded column: cyan
    assert pad_to_even(frames[:, :62, :64]).shape == (3, 62, 64, 3)  # even sizes untouched


def test_mp4_one_frame_and_fractional_fps(tmp_path):
    frames = saturated_clip(t=1)
    back, fps = read_video(write_mp4(tmp_path / "one.mp4", frames, fps=12.5))
    assert back.shape == (1, H, W, 3) and fps == 12.5


def test_mp4_overwrite_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "sub" / "clip.mp4"
    write_mp4(path, saturated_clip(t=2), fps=8)
    write_mp4(path, saturated_clip(t=3), fps=8)
    assert read_video(path)[0].shape[0] == 3
    assert sorted(p.name for p in path.parent.iterdir()) == ["clip.mp4"]


# ---- gif and png ----------------------------------------------------------------------


def chord(seconds: float, rate: int = 24000) -> Soundtrack:
    """440 Hz on the left, 660 Hz on the right: (2, N) float32 in [-0.5, 0.5]."""
    t = np.arange(int(seconds * rate)) / rate
    return Soundtrack(np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 660 * t)]).astype(np.float32),
                      rate)


def test_mp4_with_sound_keeps_the_video_and_carries_aac(tmp_path):
    frames = saturated_clip()
    sound = chord(T / 8)
    write_mp4(tmp_path / "loud.mp4", frames, fps=8, audio=sound)
    write_mp4(tmp_path / "quiet.mp4", frames, fps=8)
    with_sound, fps = read_video(tmp_path / "loud.mp4")
    assert fps == 8 and np.array_equal(with_sound, read_video(tmp_path / "quiet.mp4")[0])  # the video stream is copied
    listing = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(tmp_path / "loud.mp4")],
                             capture_output=True, text=True).stderr
    assert "Audio: aac" in listing and "24000 Hz, stereo" in listing
    back = read_audio(tmp_path / "loud.mp4")
    assert (back.sample_rate, back.channels) == (24000, 2) and abs(back.seconds - 1.0) < 0.06
    # AAC is lossy and delays by its priming samples: compare the tone by its spectrum, channel by channel
    for channel, hz in ((0, 440), (1, 660)):
        spectrum = np.abs(np.fft.rfft(back.samples[channel]))
        peak = np.fft.rfftfreq(back.samples.shape[1], 1 / 24000)[spectrum.argmax()]
        assert abs(peak - hz) < 5, (channel, peak)
    assert read_audio(tmp_path / "quiet.mp4") is None
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


@pytest.mark.parametrize("audio,message", [
    ("loud", "audio must be a Soundtrack"),
    (Soundtrack(np.zeros(100, np.float32), 24000), "audio must be a Soundtrack with samples of shape"),
    (Soundtrack(np.full((2, 100), np.nan, np.float32), 24000), "finite values"),
    (Soundtrack(np.zeros((2, 100), np.float32), 4000), "sample_rate"),
])
def test_mp4_refuses_bad_sound_and_writes_nothing(tmp_path, audio, message):
    with pytest.raises(ValueError, match=message):
        write_mp4(tmp_path / "x.mp4", saturated_clip(), fps=8, audio=audio)
    assert not list(tmp_path.iterdir())


def test_gif_roundtrip_is_exact_for_few_colours(tmp_path):
    frames = saturated_clip()
    back, fps = read_video(write_gif(tmp_path / "clip.gif", frames, fps=16))
    np.testing.assert_array_equal(back, frames)
    assert fps == pytest.approx(16, abs=0.5)  # GIF delays are whole 1/100 s


def test_png_strip_places_frames_side_by_side(tmp_path):
    frames = saturated_clip(t=3, h=16, w=10)
    path = write_png_strip(tmp_path / "strip.png", frames)
    back, fps = read_video(path)  # a png is a one-frame video
    assert back.shape == (1, 16, 30, 3) and fps == STILL_FPS
    np.testing.assert_array_equal(back[0, :, 10:20], frames[1])  # lossless, in order


def test_read_png_with_alpha_and_grey(tmp_path):
    rgba = np.zeros((5, 7, 4), np.uint8)
    rgba[..., 2] = 200  # red in BGRA order
    rgba[..., 3] = 255
    cv2.imwrite(str(tmp_path / "a.png"), rgba)
    back, _ = read_video(tmp_path / "a.png")
    assert back.shape == (1, 5, 7, 3) and (back[0] == [200, 0, 0]).all()
    cv2.imwrite(str(tmp_path / "g.png"), np.full((4, 6), 77, np.uint8))
    assert (read_video(tmp_path / "g.png")[0] == 77).all()


def test_read_webm(tmp_path):
    src = write_mp4(tmp_path / "clip.mp4", saturated_clip(t=4), fps=8)
    webm = tmp_path / "clip.webm"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(src),
                    "-c:v", "libvpx-vp9", "-crf", "20", "-b:v", "0", str(webm)], check=True)
    back, fps = read_video(webm)
    assert back.shape == (4, H, W, 3) and fps == 8.0


# ---- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, content, message", [
    ("missing.mp4", None, "does not exist"),
    ("empty.mp4", b"", "empty"),
    ("garbage.mp4", b"not a video at all" * 10, "could not be decoded"),
    ("garbage.gif", b"GIF89a garbage", "could not be decoded"),
    ("garbage.png", b"\x89PNG garbage", "could not be decoded"),
    ("clip.txt", b"hello", "unsupported suffix"),
])
def test_read_errors_name_the_path_and_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        read_video(path)
    assert str(path) in str(info.value)


def test_read_truncated_mp4_is_an_error_not_a_shorter_clip(tmp_path):
    path = write_mp4(tmp_path / "clip.mp4", saturated_clip(), fps=8)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])  # the header survives (faststart), frames do not
    with pytest.raises(ValueError, match="could not be decoded") as info:
        read_video(path)
    assert str(path) in str(info.value)


def test_read_audio_only_file_is_an_error(tmp_path):
    path = tmp_path / "tone.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=duration=0.2", "-c:a", "aac", str(path)], check=True)
    with pytest.raises(ValueError, match="no video stream") as info:
        read_video(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("frames, message", [
    (np.zeros((2, 8, 8, 3), np.float32), "frames must be uint8"),
    (np.zeros((8, 8, 3), np.uint8), r"frames must have shape \(T, H, W, 3\)"),
    (np.zeros((2, 8, 8, 4), np.uint8), r"frames must have shape \(T, H, W, 3\)"),
    (np.zeros((0, 8, 8, 3), np.uint8), r"frames must have shape \(T, H, W, 3\)"),
])
def test_write_rejects_bad_frames(tmp_path, frames, message):
    for write in (lambda: write_mp4(tmp_path / "x.mp4", frames, 8),
                  lambda: write_gif(tmp_path / "x.gif", frames, 8),
                  lambda: write_png_strip(tmp_path / "x.png", frames)):
        with pytest.raises(ValueError, match=message):
            write()
    assert list(tmp_path.iterdir()) == []


def test_write_rejects_bad_fps_crf_and_suffix(tmp_path):
    frames = saturated_clip(t=2)
    for fps in (0, -1, float("nan"), float("inf"), "8", True):
        with pytest.raises(ValueError, match="fps must be"):
            write_mp4(tmp_path / "x.mp4", frames, fps)
    with pytest.raises(ValueError, match="fps must be <= 50"):
        write_gif(tmp_path / "x.gif", frames, 60)
    with pytest.raises(ValueError, match="crf must be"):
        write_mp4(tmp_path / "x.mp4", frames, 8, crf=0)
    with pytest.raises(ValueError, match=r"must end with \.mp4"):
        write_mp4(tmp_path / "x.avi", frames, 8)
    assert list(tmp_path.iterdir()) == []


# ---- fitting an upload to a model's size -----------------------------------------------


def three_bands(t, h, w):
    """Red left quarter, green middle half, blue right quarter: uint8 (T, H, W, 3)."""
    frames = np.zeros((t, h, w, 3), np.uint8)
    frames[:, :, : w // 4] = (255, 0, 0)
    frames[:, :, w // 4 : 3 * w // 4] = (0, 255, 0)
    frames[:, :, 3 * w // 4 :] = (0, 0, 255)
    return frames


def test_fit_frames_covers_then_crops_the_centre():
    out, note = fit_frames(three_bands(3, 90, 160), 64, 64)  # shrink: 160x90 -> 114x64, crop 50 px of width
    assert out.shape == (3, 64, 64, 3) and out.dtype == np.uint8
    assert note == "resized 160x90 -> 114x64 (scale 0.711, aspect kept), centre-cropped 50 px of width to 64x64"
    # the green half spans source columns 40..119 -> 28..85 scaled -> 3..60 after the crop
    assert (out[:, :, 6:58] == (0, 255, 0)).all()
    assert (out[:, :, :2, 0] > 200).all() and (out[:, :, -2:, 2] > 200).all()  # a sliver of red / blue is left
    tall, note = fit_frames(three_bands(1, 32, 16), 64, 64)  # enlarge: 16x32 -> 64x128, crop 64 px of height
    assert tall.shape == (1, 64, 64, 3) and "centre-cropped 64 px of height" in note
    assert (tall[:, :, 20:44, 1] == 255).all()  # bicubic keeps the flat middle band exact


def test_fit_frames_keeps_a_fitting_clip_and_rejects_bad_sizes():
    frames = three_bands(2, 64, 96)
    out, note = fit_frames(frames, 96, 64)
    assert out is frames and note is None
    same_aspect, note = fit_frames(frames, 48, 32)
    assert same_aspect.shape == (2, 32, 48, 3) and note == "resized 96x64 -> 48x32 (scale 0.5, aspect kept)"
    with pytest.raises(ValueError, match=r"fit_frames: width must be an int >= 1; got 0"):
        fit_frames(frames, 0, 64)
    with pytest.raises(ValueError, match=r"must have shape \(T, H, W, 3\)"):
        fit_frames(frames[0], 64, 64)
