"""The procedural world laid out as a Physics-IQ set: scenes filmed twice from three views.

    build(folder, n=60)   # folder/descriptions.csv and folder/physics-IQ-benchmark/... as the benchmark's

A take is one simulation of a scene (world.physics.simulate); take 2 is the same scene with the small
physical perturbation two real recordings have: every object starts up to half a pixel elsewhere
(x, and the drop height of a falling object), and a falling object's restitution is 2% higher or
lower. Views are the same take seen from three camera positions, 0.06 frame-widths apart (the
world has one camera; a sideways shift is the view change it can make). Each clip is cut at the
switch frame into a conditioning part (switch frame last, also saved as the switch-frame .jpg) and
a testing part, written with H.264 as the benchmark's real videos are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from eval.physics_iq.dataset import ROOT
from eval.physics_iq.score import VIEWS
from pipeline.video_io import write_mp4
from world import SceneSpec, detailed_caption, sample_spec
from world import physics
from world.render import render

VIEW_SHIFT = {"perspective-left": -0.06, "perspective-center": 0.0, "perspective-right": 0.06}  # world units
RESTITUTION_CHANGE = 0.02  # take 2's restitution is 1 +- this times take 1's
START_JITTER_PX = 0.5  # take 2's objects start up to this many pixels away


@dataclass(frozen=True)
class WorldSet:
    """Sizes of the world's Physics-IQ set. The window is what the model continues: tinyworld's 16
    frames less the 4 it keeps, at 8 fps (the benchmark's window is 5 s)."""

    conditioning: int = 8  # frames before the cut, the switch frame last
    window: int = 12  # frames after it that are scored
    size: int = 256  # rendered side; compared at a quarter, 64 px (tinyworld's own size)
    fps: int = 8


def scene_spec(index: int, seed: int = 0) -> SceneSpec:
    """Scene `index`: events that move (a still scene has nothing to compare), drawn from the seed."""
    rng = np.random.default_rng([seed, 45, index])
    return sample_spec(rng, event=("move", "fall", "hit", "occlude")[index % 4])


def _fall_trajectory(scene: physics.Scene, restitution_factor: float, lift: float) -> np.ndarray:
    """The falling subject's height with its restitution scaled and its drop height moved by `lift`
    (world units). The fall's constants are drawn first from the scene's seed (world.physics._fall), so
    they are drawn again here; a check against the scene's own trajectory keeps this honest."""
    rng = np.random.default_rng(scene.seed)
    gravity, restitution = rng.uniform(1.8, 2.4), rng.uniform(0.55, 0.75)
    height = scene.height / min(scene.width, scene.height)
    body = scene.bodies[0]
    y0 = rng.uniform(0.12, 0.22) * height + body.radius
    t = np.arange(scene.frames) / scene.fps
    rest = scene.floor_y - body.radius
    same, _ = physics._bouncing(t, y0, rest, gravity, restitution)
    if not np.allclose(same, body.y):
        raise RuntimeError("world.physics changed how a fall is drawn; update eval/physics_iq/world_set.py")
    y, _ = physics._bouncing(t, y0 + lift, rest, gravity, restitution * restitution_factor)
    return y


def take_two(scene: physics.Scene, rng: np.random.Generator) -> physics.Scene:
    """The same scene with take 2's perturbation (module docstring)."""
    jitter = START_JITTER_PX / scene.scale  # world units
    dx, lift = rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)
    factor = 1 + rng.choice([-1, 1]) * RESTITUTION_CHANGE
    bodies = [replace(b, x=b.x + dx) for b in scene.bodies]
    if scene.spec.event == "fall":
        bodies[0] = replace(bodies[0], y=_fall_trajectory(scene, factor, lift))
    return scene.with_bodies(tuple(bodies))


def views(scene: physics.Scene) -> dict[str, np.ndarray]:
    """view -> uint8 (T, H, W, 3) RGB frames of the scene from that camera position."""
    return {view: render(replace(scene, camera_x=scene.camera_x + shift)).frames for view, shift in VIEW_SHIFT.items()}


def build(folder: str | Path, n: int, seed: int = 0, sizes: WorldSet = WorldSet()) -> Path:
    """Write n scenes (3 views x 2 takes) laid out as the benchmark, with descriptions.csv -> folder."""
    folder = Path(folder)
    root = folder / ROOT
    testing = root / "split-videos" / "testing" / f"{sizes.fps}FPS"
    conditioning = root / "split-videos" / "conditioning" / f"{sizes.fps}FPS"
    switch = root / "switch-frames"
    for d in (testing, conditioning, switch):
        d.mkdir(parents=True, exist_ok=True)
    frames = sizes.conditioning + sizes.window
    rows = []
    for i in range(n):
        spec = scene_spec(i, seed)
        name = f"world-{i:03d}-{spec.event}"
        take1 = physics.simulate(spec, seed=seed * 1000 + i, frames=frames, width=sizes.size, height=sizes.size, fps=sizes.fps)
        takes = {"take-1": take1, "take-2": take_two(take1, np.random.default_rng([seed, 46, i]))}
        for t, (take, scene) in enumerate(takes.items()):
            for v, (view, clip) in enumerate(views(scene).items()):
                file_id = f"{t * 3 * n + 3 * i + v + 1:04d}"
                base = f"{view}_{take}_{name}.mp4"
                write_mp4(testing / f"{file_id}_testing-videos_{sizes.fps}FPS_{base}", clip[sizes.conditioning:], sizes.fps)
                if take == "take-1":
                    write_mp4(conditioning / f"{file_id}_conditioning-videos_{sizes.fps}FPS_{base}",
                              clip[: sizes.conditioning], sizes.fps)
                    cv2.imwrite(str(switch / f"{file_id}_switch-frames_anyFPS_{view}_{name}.jpg"),
                                cv2.cvtColor(clip[sizes.conditioning - 1], cv2.COLOR_RGB2BGR))
                rows.append({"scenario": f"{file_id}_{base}", "description": detailed_caption(spec, "en"),
                             "category": spec.event, "generated_video_name": f"{file_id}_{view}_{name}.mp4"})
    pd.DataFrame(rows).to_csv(folder / "descriptions.csv", index=False)
    return folder
