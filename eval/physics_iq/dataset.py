"""The benchmark's folder layout and descriptions.csv, as its scorer reads them.

Source: `code/run_physics_iq.py` (`validate_video_files`, `ensure_real_videos_at_fps`,
`rename_generated_videos`), `code/calculate_and_write_metrics_to_csv.py` (`process_view`) and the
README of google-deepmind/physics-IQ-benchmark (Apache-2.0). Under DIR:

    descriptions.csv                      scenario, description, category, generated_video_name
    physics-IQ-benchmark/
      split-videos/testing/{fps}FPS/      {ID}_testing-videos_{fps}FPS_{view}_{take}_{scenario}.mp4
      split-videos/conditioning/{fps}FPS/ {ID}_conditioning-videos_{fps}FPS_{view}_{take}_{scenario}.mp4
      switch-frames/                      {ID}_switch-frames_anyFPS_{view}_{scenario}.jpg
      video-masks/real/{fps}FPS/          {ID}_video-masks_{fps}FPS_{view}_{take}_{scenario}.mp4 (optional)

A descriptions row's `scenario` is `{ID}_{view}_{take}_{scenario}.mp4`; take-1 and take-2 rows of the
same scenario and view have their own IDs. A model's videos are named by `generated_video_name`
(`{ID}_{view}_{scenario}.mp4`, the take-1 ID); as the scorer renames by the 4-digit ID prefix, any
single file starting with `{ID}_` is taken too. (The README writes `split-videos/testing-videos`;
the scorer and the download script use `split-videos/testing`, and either is read here.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eval.physics_iq.score import VIEWS

ROOT = "physics-IQ-benchmark"
COLUMNS = ("scenario", "description", "category", "generated_video_name")
TAKES = ("take-1", "take-2")


class DataError(ValueError):
    """A missing or misnamed file or column: the message names it and what was expected."""


@dataclass(frozen=True)
class Scenario:
    name: str  # e.g. "trimmed-ball-and-block-fall" (the file name's last part, without .mp4)
    category: str
    description: str  # the take-1 description of the first view: the prompt for models that take text
    ids: dict[tuple[str, str], str] = field(default_factory=dict)  # (view, take) -> "0001"
    generated: dict[str, str] = field(default_factory=dict)  # view -> generated_video_name
    descriptions: dict[str, str] = field(default_factory=dict)  # view -> its take-1 description


def read_descriptions(path: str | Path) -> list[Scenario]:
    """descriptions.csv -> scenarios in file order, each with both takes of all three views."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path.name}: not found; expected the benchmark's descriptions.csv "
                        f"(columns {', '.join(COLUMNS)}), in DIR or given with --descriptions")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{path.name}: missing column(s) {missing}; expected {list(COLUMNS)}")
    scenarios: dict[str, Scenario] = {}
    for number, row in enumerate(table.itertuples(index=False), 2):
        parts = row.scenario.split("_")
        if len(parts) != 4 or not row.scenario.endswith(".mp4") or parts[1] not in VIEWS or parts[2] not in TAKES:
            raise DataError(f"{path.name} line {number}: scenario {row.scenario!r} is not "
                            f"{{ID}}_{{view}}_{{take}}_{{name}}.mp4 with a view in {list(VIEWS)} and a take in {list(TAKES)}")
        file_id, view, take, name = parts[0], parts[1], parts[2], parts[3][: -len(".mp4")]
        s = scenarios.setdefault(name, Scenario(name, row.category, row.description))
        s.ids[(view, take)] = file_id
        if take == "take-1":
            s.generated[view] = row.generated_video_name or f"{file_id}_{view}_{name}.mp4"
            s.descriptions[view] = row.description
    for s in scenarios.values():
        absent = [f"{v} {t}" for v in VIEWS for t in TAKES if (v, t) not in s.ids]
        if absent:
            raise DataError(f"{path.name}: scenario {s.name} has no row for {', '.join(absent)}; "
                            "expected both takes of all three views")
    return list(scenarios.values())


def select(scenarios: list[Scenario], names: str | None) -> list[Scenario]:
    """--scenarios: comma-separated names (with or without .mp4); None keeps all."""
    if not names:
        return scenarios
    wanted = [n.strip().removesuffix(".mp4") for n in names.split(",") if n.strip()]
    known = {s.name for s in scenarios}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise DataError(f"--scenarios: {unknown} not in descriptions.csv; e.g. {sorted(known)[:3]}")
    return [s for s in scenarios if s.name in wanted]


@dataclass(frozen=True)
class Layout:
    """Paths of one scenario view's files under DIR at one fps."""

    data: Path  # DIR, holding physics-IQ-benchmark/
    fps: int

    def _split(self, kind: str) -> Path:
        base = self.data / ROOT / "split-videos"
        for name in (kind, f"{kind}-videos"):  # the scorer's name, then the README's
            if (base / name / f"{self.fps}FPS").is_dir():
                return base / name / f"{self.fps}FPS"
        return base / kind / f"{self.fps}FPS"

    def testing(self, s: Scenario, view: str, take: str) -> Path:
        return self._split("testing") / f"{s.ids[(view, take)]}_testing-videos_{self.fps}FPS_{view}_{take}_{s.name}.mp4"

    def conditioning(self, s: Scenario, view: str) -> Path:
        i = s.ids[(view, "take-1")]
        return self._split("conditioning") / f"{i}_conditioning-videos_{self.fps}FPS_{view}_take-1_{s.name}.mp4"

    def switch_frame(self, s: Scenario, view: str) -> Path:
        return self.data / ROOT / "switch-frames" / f"{s.ids[(view, 'take-1')]}_switch-frames_anyFPS_{view}_{s.name}.jpg"

    def real_mask(self, s: Scenario, view: str, take: str) -> Path:
        i = s.ids[(view, take)]
        return self.data / ROOT / "video-masks" / "real" / f"{self.fps}FPS" / f"{i}_video-masks_{self.fps}FPS_{view}_{take}_{s.name}.mp4"

    def relative(self, path: Path) -> str:
        """The name a message shows: relative to DIR, never a machine path."""
        try:
            return str(path.relative_to(self.data))
        except ValueError:
            return path.name

    def require(self, path: Path, what: str) -> Path:
        if not path.is_file():
            folder = path.parent
            hint = f"; the folder holds {len(list(folder.glob('*.mp4')))} mp4 files" if folder.is_dir() else \
                f"; its folder {self.relative(folder)} does not exist"
            raise DataError(f"{self.relative(path)} is missing: expected {what}{hint}")
        return path


def generated_video(folder: Path, s: Scenario, view: str) -> Path:
    """The model's video of a scenario view in `folder`: generated_video_name, or the one file that
    starts with the take-1 ID (the scorer renames by that prefix)."""
    name = s.generated[view]
    exact = folder / name
    if exact.is_file():
        return exact
    prefix = f"{s.ids[(view, 'take-1')]}_"
    candidates = sorted(p.name for p in folder.glob(f"{prefix}*.mp4"))
    if len(candidates) == 1:
        return folder / candidates[0]
    found = f"found {candidates}" if candidates else "no file starts with that ID"
    raise DataError(f"{folder.name}/{name} is missing: expected the generated continuation of {s.name} "
                    f"({view}), named as descriptions.csv's generated_video_name or starting with {prefix!r}; {found}")
