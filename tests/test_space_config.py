"""The Hugging Face Space front matter (README.md) and the Spacefile describe the app that is
really here: the gradio pin, app.py, flags app.py accepts, and the CLIP extractor preloaded at the
revision eval/metrics/extractors.py pins. Plus ui/gpu.py (ZeroGPU) and the default model from
$SPACETIME_MODEL.

    .venv/bin/python -m pytest -q tests/test_space_config.py
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import app
from eval.metrics.extractors import CLIP_FILES, CLIP_OPTIONAL, CLIP_REPO, CLIP_REVISION
from ui.gpu import gpu

ROOT = Path(__file__).resolve().parent.parent


def front_matter(readme: str) -> dict:
    """The YAML block between the two leading '---' lines ({} when there is none)."""
    match = re.match(r"---\n(.*?)\n---\n", readme, re.S)
    return yaml.safe_load(match.group(1)) if match else {}


def gradio_pin(requirements: str) -> str | None:
    match = re.search(r"^gradio==(\S+)", requirements, re.M)
    return match.group(1) if match else None


def flag_problems(parser: argparse.ArgumentParser, flags: list[str]) -> list[str]:
    """What the parser rejects in flags: unknown flags and bad values ([] when all are accepted)."""
    parser.exit_on_error = False
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            _, unknown = parser.parse_known_args(flags)
    except (argparse.ArgumentError, SystemExit) as error:
        return [f"Spacefile run: {error}"]
    return [f"Spacefile run: {flag} is not a flag of the app" for flag in unknown]


def space_config_problems(readme: str, spacefile: str, requirements: str, root: Path = ROOT,
                          parser: Callable[[], argparse.ArgumentParser] = app.build_parser) -> list[str]:
    """Every way the README front matter and the Spacefile disagree with the repository."""
    problems = []
    meta = front_matter(readme)
    if meta.get("sdk") != "gradio":
        problems.append(f"README sdk: {meta.get('sdk')!r} is not 'gradio'")
    pin = gradio_pin(requirements)
    if str(meta.get("sdk_version")) != pin:
        problems.append(f"README sdk_version: {meta.get('sdk_version')!r} is not the gradio=={pin} pin")
    app_file = meta.get("app_file")
    if not app_file or not (root / app_file).is_file():
        problems.append(f"README app_file: {app_file!r} is not a file in the repository")
    problems += preload_problems(meta)

    space = yaml.safe_load(spacefile) or {}
    if space.get("v") != 0:
        problems.append(f"Spacefile v: {space.get('v')!r} is not 0")
    micros = space.get("micros") or []
    if len(micros) != 1:
        return problems + [f"Spacefile micros: {len(micros)} micros, expected exactly one"]
    words = shlex.split(micros[0].get("run", ""))
    scripts = [i for i, word in enumerate(words) if word.endswith(".py")]
    if not scripts:
        return problems + ["Spacefile run: names no .py script"]
    script, flags = words[scripts[0]], words[scripts[0] + 1:]
    if not (root / script).is_file():
        problems.append(f"Spacefile run: {script} is not a file in the repository")
    if script != app_file:
        problems.append(f"Spacefile run: {script} is not the README app_file {app_file!r}")
    else:
        problems += flag_problems(parser(), flags)
    return problems


def preload_problems(meta: dict) -> list[str]:
    """How the front matter's preload_from_hub misses the CLIP extractor the metrics load: its repo,
    at the pinned commit, with every file the extractor needs and only files it reads."""
    lines = [str(line).split() for line in meta.get("preload_from_hub") or []]
    clip = [words for words in lines if words and words[0] == CLIP_REPO]
    if len(clip) != 1:
        return [f"README preload_from_hub: {len(clip)} lines for {CLIP_REPO}, expected one"]
    words = clip[0]
    if len(words) != 3:
        return [f"README preload_from_hub: {' '.join(words)!r} is not '{CLIP_REPO} <files> <commit>'"]
    problems = []
    if words[2] != CLIP_REVISION:
        problems.append(f"README preload_from_hub: {CLIP_REPO} at {words[2]!r}, not the pinned revision {CLIP_REVISION}")
    files = words[1].split(",")
    missing = [f for f in CLIP_FILES if f not in files]
    if missing:
        problems.append(f"README preload_from_hub: {CLIP_REPO} lacks {', '.join(missing)}")
    unread = [f for f in files if f not in CLIP_FILES + CLIP_OPTIONAL]
    if unread:
        problems.append(f"README preload_from_hub: {CLIP_REPO} lists {', '.join(unread)}, which the extractor does not read")
    return problems


def texts() -> dict[str, str]:
    return {name: (ROOT / file).read_text(encoding="utf-8")
            for name, file in (("readme", "README.md"), ("spacefile", "Spacefile"), ("requirements", "requirements.txt"))}


# ---------------------------------------------------------------- the files as they are


def test_the_space_files_match_the_repository():
    t = texts()
    assert space_config_problems(t["readme"], t["spacefile"], t["requirements"]) == []
    meta = front_matter(t["readme"])
    assert len(meta["short_description"]) <= 60 and meta["title"] == "Spacetime Lab"
    assert t["readme"].split("---\n", 2)[2].lstrip().startswith("# Spacetime Lab")


def test_the_app_help_lists_every_flag_the_spacefile_runs():
    words = shlex.split(yaml.safe_load(texts()["spacefile"])["micros"][0]["run"])
    help_text = app.build_parser().format_help()
    for flag in (w for w in words if w.startswith("--")):
        assert flag in help_text, flag


# ---------------------------------------------------------------- the check catches drift


def test_a_different_sdk_version_is_reported():
    t = texts()
    readme = t["readme"].replace("sdk_version: 6.31.0", "sdk_version: 5.0.0", 1)
    assert readme != t["readme"]
    assert any("sdk_version" in p for p in space_config_problems(readme, t["spacefile"], t["requirements"]))
    requirements = t["requirements"].replace("gradio==6.31.0", "gradio==6.32.0")
    assert any("sdk_version" in p for p in space_config_problems(t["readme"], t["spacefile"], requirements))


def test_the_space_preloads_clip_at_the_pinned_revision():
    meta = front_matter(texts()["readme"])
    assert preload_problems(meta) == []
    repo, files, revision = next(line.split() for line in meta["preload_from_hub"] if line.startswith(CLIP_REPO))
    assert revision == CLIP_REVISION and "model.safetensors" in files.split(",")


def test_a_preload_at_another_revision_or_without_a_file_is_reported():
    t = texts()
    other = t["readme"].replace(f" {CLIP_REVISION}\n", " main\n", 1)
    assert other != t["readme"]
    assert any("not the pinned revision" in p for p in space_config_problems(other, t["spacefile"], t["requirements"]))
    lacking = t["readme"].replace("model.safetensors,", "", 1)
    assert any("lacks model.safetensors" in p for p in space_config_problems(lacking, t["spacefile"], t["requirements"]))
    none = t["readme"].replace(f"  - {CLIP_REPO} ", "  - openai/clip-vit-large-patch14 ", 1)
    assert any("0 lines for" in p for p in space_config_problems(none, t["spacefile"], t["requirements"]))
    extra = t["readme"].replace("model.safetensors,", "model.safetensors,pytorch_model.bin,", 1)
    assert any("pytorch_model.bin" in p for p in space_config_problems(extra, t["spacefile"], t["requirements"]))


def test_a_different_app_file_is_reported():
    t = texts()
    readme = t["readme"].replace("app_file: app.py", "app_file: main.py", 1)
    problems = space_config_problems(readme, t["spacefile"], t["requirements"])
    assert any("README app_file" in p for p in problems)
    assert any("is not the README app_file" in p for p in problems)


def test_a_spacefile_that_runs_another_file_or_flag_is_reported():
    t = texts()
    other = t["spacefile"].replace("python app.py", "python serve.py")
    problems = space_config_problems(t["readme"], other, t["requirements"])
    assert any("serve.py is not a file" in p for p in problems) and any("serve.py is not the README" in p for p in problems)
    bad_flag = t["spacefile"].replace("--port 8080", "--listen 8080")
    assert any("--listen" in p for p in space_config_problems(t["readme"], bad_flag, t["requirements"]))
    bad_value = t["spacefile"].replace("--port 8080", "--port eighty")
    assert any("--port" in p for p in space_config_problems(t["readme"], bad_value, t["requirements"]))
    two = t["spacefile"] + "  - name: second\n    src: .\n"
    assert any("exactly one" in p for p in space_config_problems(t["readme"], two, t["requirements"]))


def test_a_readme_without_front_matter_or_the_gradio_sdk_is_reported():
    t = texts()
    problems = space_config_problems(t["readme"].split("---\n", 2)[2], t["spacefile"], t["requirements"])
    assert any("sdk:" in p for p in problems)
    docker = t["readme"].replace("sdk: gradio", "sdk: docker", 1)
    assert any("sdk:" in p for p in space_config_problems(docker, t["spacefile"], t["requirements"]))


# ---------------------------------------------------------------- ui/gpu.py


def test_gpu_uses_spaces_gpu_when_spaces_is_importable(monkeypatch):
    fake = types.ModuleType("spaces")

    def GPU(function):  # noqa: N802 - the name spaces uses
        def wrapped(*args, **kwargs):
            return function(*args, **kwargs)
        wrapped.on_zero_gpu = True
        return wrapped

    fake.GPU = GPU
    monkeypatch.setitem(sys.modules, "spaces", fake)

    def double(x: int) -> int:
        return 2 * x

    wrapped = gpu(double)
    assert wrapped is not double and wrapped.on_zero_gpu and wrapped(3) == 6


def test_gpu_returns_the_function_itself_without_spaces(monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", None)  # `import spaces` raises ImportError

    def double(x: int) -> int:
        return 2 * x

    assert gpu(double) is double


# ---------------------------------------------------------------- the default model and host


@pytest.fixture()
def launched(monkeypatch):
    """app.main without a server: the model build_demo got and the host launch got."""
    seen = {}

    class Demo:
        def launch(self, **kwargs):
            seen.update(kwargs)

    def build_demo(outputs, db, model):
        seen["model"] = model
        return Demo()

    monkeypatch.setattr(app, "build_demo", build_demo)
    monkeypatch.delenv("SPACETIME_MODEL", raising=False)
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("GRADIO_TEMP_DIR", "unset")  # main sets it; monkeypatch restores it after the test
    return seen


def test_spacetime_model_picks_the_default_model(launched, monkeypatch, tmp_path):
    app.main(["--outputs", str(tmp_path)])
    assert launched["model"] == "tinyworld" and launched["server_name"] == "127.0.0.1"  # a laptop: unchanged
    monkeypatch.setenv("SPACETIME_MODEL", "ltx-video")
    app.main(["--outputs", str(tmp_path)])
    assert launched["model"] == "ltx-video"
    app.main(["--outputs", str(tmp_path), "--model", "tinyworld"])  # --model wins over the variable
    assert launched["model"] == "tinyworld"


def test_a_bad_spacetime_model_is_a_clear_error(launched, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SPACETIME_MODEL", "sora")
    with pytest.raises(SystemExit) as exit_:
        app.main(["--outputs", str(tmp_path)])
    error = capsys.readouterr().err
    assert exit_.value.code == 2 and "model" not in launched
    assert "SPACETIME_MODEL: 'sora' is not in the registry" in error and "tinyworld" in error and "ltx-video" in error
    with pytest.raises(ValueError, match="--model: 'sora'"):
        app.resolve_model("sora")


def test_on_a_space_the_app_listens_on_every_interface(launched, monkeypatch, tmp_path):
    monkeypatch.setenv("SPACE_ID", "user/spacetime-lab")
    app.main(["--outputs", str(tmp_path)])
    assert launched["server_name"] == "0.0.0.0"
