"""The app as a hostile client meets it (SECURITY.md): app.py on a free port, driven through
gradio_client and raw HTTP on 127.0.0.1.

- A file payload naming a server file (/etc/passwd, the evaluation table, /proc/self/environ) is
  refused before it is copied, through every api_name that takes a file, naming the field; raw HTTP
  sends the path itself, gradio_client uploads the client's own copy, which is refused by content
  and deleted at once. No message holds a server path, and /file= never serves those files.
- A 2,000-frame clip is refused from its header, with the server's peak memory barely moving.
- Numbers that are not numbers (text, NaN, Infinity) get a message naming the field; seeds up to
  2**63-1 reach the table exactly.

    .venv/bin/python -m pytest -q tests/test_hostile_clients.py
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

import httpx
import imageio_ffmpeg
import pytest
from app_server import running_app
from gradio_client import Client, handle_file
from PIL import Image

from eval.table import Table

PROMPT = "a red ball falls and bounces"
# api_name -> the file-taking fields: (parameter index, the field's name in messages).
FILE_FIELDS = {"/i2v": [(0, "image")], "/extend": [(0, "clip")],
               "/interpolate": [(0, "first_keyframe"), (1, "last_keyframe"), (2, "clip")]}
MEMORY_GROWTH_LIMIT = 100 * 2**20  # bytes of peak resident memory a refused 2,000-frame clip may add


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    with running_app(folder) as url:
        Table(folder / "t.db").close()  # the table file exists from the start, as a secret to protect
        yield url.rstrip("/"), folder


@pytest.fixture(scope="module")
def client(server):
    url, folder = server
    return Client(url + "/", verbose=False, download_files=str(folder / "downloads"))


@pytest.fixture(scope="module")
def endpoints(server) -> dict:
    url, _ = server
    return httpx.get(url + "/gradio_api/info").json()["named_endpoints"]


def secrets(folder: Path) -> list[str]:
    return ["/etc/passwd", str(folder / "t.db"), "/proc/self/environ"]


def inputs(endpoints: dict, api: str, **given) -> list:
    """Every parameter of `api` at its default, the prompt filled, `given` (index -> value) replaced."""
    values = [p["parameter_default"] if p["parameter_has_default"] else None for p in endpoints[api]["parameters"]]
    for i, p in enumerate(endpoints[api]["parameters"]):
        if p["parameter_name"] == "prompt":
            values[i] = PROMPT
    for index, value in given.items():
        values[int(index.lstrip("_"))] = value
    return values


def call_raw(url: str, api: str, data: list | str) -> tuple[str, dict | list | None]:
    """POST /gradio_api/call/<api> with `data` (a list, or a JSON text for NaN and Infinity) -> (the
    closing event, its data)."""
    body = json.dumps({"data": data}) if isinstance(data, list) else '{"data": ' + data + "}"
    started = httpx.post(f"{url}/gradio_api/call{api}", content=body, headers={"Content-Type": "application/json"})
    assert started.status_code == 200, started.text
    event, payload = None, None
    with httpx.stream("GET", f"{url}/gradio_api/call{api}/{started.json()['event_id']}", timeout=120) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("error", "complete"):
                payload = json.loads(line.split(":", 1)[1])
                break
    return event, payload


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def uploaded_files(folder: Path) -> list[Path]:
    return [p for p in (folder / "outputs" / "uploads").rglob("*") if p.is_file()]


def assert_no_server_path(message: str, folder: Path) -> None:
    for path in ("/etc", "/proc", str(folder), "/tmp", "/root", "/home", "/work"):
        assert path not in message, message
    assert not re.search(r"(^|\s|')/[\w.-]+/", message), message


@pytest.mark.parametrize("api", sorted(FILE_FIELDS))
def test_raw_http_file_paths_outside_the_uploads_are_refused_naming_the_field(server, endpoints, api):
    url, folder = server
    before = set(uploaded_files(folder))
    for index, field in FILE_FIELDS[api]:
        for secret in secrets(folder):
            event, payload = call_raw(url, api, inputs(endpoints, api, **{f"_{index}": file_data(secret)}))
            assert event == "error", (api, field, secret, payload)
            message = payload["error"]
            assert message.startswith(f"{field}: ") and "not a file uploaded to this app" in message, message
            assert_no_server_path(message, folder)
    # Also a URL, a path that climbs out of the uploads folder, and a path that is not text.
    uploads = folder / "outputs" / "uploads"
    for sneaky in ("http://127.0.0.1:9/x.png", f"{uploads}/../../t.db", f"{uploads}/../t.db", 12):
        event, payload = call_raw(url, api, inputs(endpoints, api, **{f"_{FILE_FIELDS[api][0][0]}": file_data(sneaky)}))
        assert event == "error" and "not a file uploaded to this app" in payload["error"], payload
        assert_no_server_path(payload["error"], folder)
    assert set(uploaded_files(folder)) == before  # nothing was copied in


@pytest.mark.parametrize("api", sorted(FILE_FIELDS))
def test_gradio_client_uploads_of_other_files_are_refused_by_content_and_deleted(server, client, endpoints, api,
                                                                                  tmp_path):
    url, folder = server
    picture = tmp_path / "frame.png"
    Image.new("RGB", (64, 64), (200, 40, 40)).save(picture)
    kinds = {"image": "PNG, JPEG or WebP", "first_keyframe": "PNG, JPEG or WebP",
             "last_keyframe": "PNG, JPEG or WebP", "clip": "not a video"}
    for index, field in FILE_FIELDS[api]:
        for secret in secrets(folder)[:2]:  # the client cannot upload /proc files (they state a size of 0)
            args = inputs(endpoints, api, **{f"_{index}": handle_file(secret)})
            if api == "/interpolate" and index < 2:  # both keyframes are needed before either is read
                args[1 - index] = handle_file(str(picture))
            with pytest.raises(Exception) as refused:
                client.predict(*args, api_name=api)
            message = str(refused.value)
            assert message.startswith(f"{field}: ") and kinds[field] in message, message
            assert_no_server_path(message, folder)
            names = {p.name for p in uploaded_files(folder)}
            assert Path(secret).name not in names  # the refused upload was deleted at once


def test_the_file_route_serves_nothing_outside_the_uploads(server):
    url, folder = server
    uploads = folder / "outputs" / "uploads"
    for path in [*secrets(folder), f"{uploads}/../../t.db", f"{uploads}/%2e%2e/%2e%2e/t.db", "../../../../etc/passwd"]:
        answer = httpx.get(f"{url}/gradio_api/file={quote(path)}")
        assert answer.status_code in (403, 404), (path, answer.status_code)
        assert b"root:" not in answer.content and b"SQLite format" not in answer.content


def long_clip(path: Path, frames: int = 2000) -> Path:
    """A tiny mp4 that decodes to frames x 480x360 RGB (about 1 GB for 2,000 frames)."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=gray:s=480x360:r=25", "-frames:v", str(frames), "-c:v", "libx264", "-preset",
                    "ultrafast", "-crf", "51", str(path)], check=True)
    return path


def server_pid(url: str) -> int:
    port = url.rsplit(":", 1)[1]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"app.py" in words and port.encode() in words:
            return int(cmdline.parent.name)
    raise AssertionError(f"no app.py process on port {port}")


def peak_memory(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1)) * 1024


def test_a_2000_frame_clip_is_refused_from_its_header(server, client, endpoints, tmp_path):
    url, folder = server
    clip = long_clip(tmp_path / "long.mp4")
    pid = server_pid(url)
    before = peak_memory(pid)
    with pytest.raises(Exception) as refused:
        client.predict(*inputs(endpoints, "/extend", _0=handle_file(str(clip))), api_name="/extend")
    growth = peak_memory(pid) - before
    assert "clip: long.mp4 has about 2000 frames of 480x360; at most 1000" in str(refused.value)
    assert growth <= MEMORY_GROWTH_LIMIT, f"peak memory grew {growth / 2**20:.0f} MiB"
    assert "long.mp4" not in {p.name for p in uploaded_files(folder)}


@pytest.mark.parametrize("field, index, bad", [
    ("steps", 5, '"abc"'), ("steps", 5, "NaN"), ("guidance", 6, "Infinity"), ("guidance", 6, "[1]"),
    ("fps", 9, "-Infinity"), ("seed", 3, '"abc"'), ("seed", 3, "NaN"), ("seed", 3, "Infinity"), ("seed", 3, '"١٢"')])
def test_numbers_that_are_not_numbers_name_their_field(server, endpoints, field, index, bad):
    url, folder = server
    values = [json.dumps(v) for v in inputs(endpoints, "/t2v")]
    values[index] = bad
    event, payload = call_raw(url, "/t2v", "[" + ", ".join(values) + "]")
    assert event == "error" and payload["error"].startswith(f"{field}: "), payload
    assert_no_server_path(payload["error"], folder)


def test_seeds_reach_the_table_exactly(server, client, endpoints):
    url, folder = server
    seeds = [0, 2**53 + 1, 2**63 - 1]
    for seed in seeds:
        args = inputs(endpoints, "/t2v", _3=seed, _5=1, _7=4)  # 1 step, 4 frames
        _video, row, used, *_ = client.predict(*args, api_name="/t2v")
        assert used == str(seed)
        stored = Table(folder / "t.db").db.execute("SELECT seed FROM generations WHERE id = ?", (row,)).fetchone()
        assert stored == (seed,)
    _video, _row, used, *_ = client.predict(*inputs(endpoints, "/t2v", _3=str(2**63 - 1), _5=1, _7=4), api_name="/t2v")
    assert used == str(2**63 - 1)  # the page sends the digits as text
    with pytest.raises(Exception, match=re.escape(f"seed: {2**63} is not an int in 0..{2**63 - 1}")):
        client.predict(*inputs(endpoints, "/t2v", _3=str(2**63), _5=1, _7=4), api_name="/t2v")


@pytest.mark.parametrize("run", ["9" * 23, "²", "١", "-1", "1e3"])
def test_dashboard_run_ids_are_parsed_strictly(server, endpoints, run):
    url, folder = server
    event, payload = call_raw(url, "/dashboard", inputs(endpoints, "/dashboard", _3=run))
    assert event == "error" and payload["error"].startswith("run: ") and "is not a run id" in payload["error"], payload


def test_a_page_past_sqlites_range_shows_the_last_page(server, endpoints):
    url, _ = server
    event, payload = call_raw(url, "/dashboard", inputs(endpoints, "/dashboard", _9=1e300))
    assert event == "complete", payload
