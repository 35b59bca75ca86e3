"""The training report: markdown with the loss curve, the config and the autoencoder's PSNR.

    python -m pipeline.tinyworld.report --run runs/tinyworld --weights pipeline/tinyworld/weights
    python -m pipeline.tinyworld.report --run runs/tinyworld --weights pipeline/tinyworld/weights --fidelity fidelity.json

Writes REPORT.md and loss.png into the weights folder. The evaluation section comes from a JSON
file written by `python -m eval.fidelity --json` (generation code never imports its judges).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display here
import matplotlib.pyplot as plt  # noqa: E402

from pipeline.tinyworld.train import initialised_from  # noqa: E402
from pipeline.tinyworld.train_vae import measure_psnr  # noqa: E402
from pipeline.tinyworld.vae import TinyVideoAutoencoder  # noqa: E402


def loss_plot(rows: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    steps, losses = [r["step"] for r in rows], [r["loss"] for r in rows]
    ax.plot(steps, losses, lw=0.6, alpha=0.35, label="mean of 25 steps")
    window = max(1, len(rows) // 40)  # batches differ (sizes, one-frame images): the trend needs smoothing
    if len(rows) > window:
        trend = np.convolve(losses, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1:], trend, lw=1.5, label=f"mean of {window * 25} steps")
    ax.legend(fontsize=8)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("flow-matching loss")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def where(device: str) -> str:
    """Where a run trained, from its config's device."""
    return "a GPU" if device.startswith("cuda") else "a 2-core CPU"


def write_report(run: Path, weights: Path, fidelity: Path | None = None) -> Path:
    rows = [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines() if line.strip()]
    loss_plot(rows, weights / "loss.png")
    made = json.loads((weights / "train_config.json").read_text())
    cfg = made["config"]
    minutes = sum(25 / r["steps_per_s"] for r in rows) / 60
    start = initialised_from(run)
    vae_psnr = measure_psnr(TinyVideoAutoencoder.from_pretrained(weights / "vae"))
    size_mb = sum(p.stat().st_size for p in weights.rglob("*.safetensors")) / 1e6
    reuse = cfg.get("batch_reuse", 1)
    earlier = made.get("lineage", [])
    history = [f"{e['steps']:,} steps (data seed {e['data_seed']}, batch {e['batch_size']}, each batch used {e['batch_reuse']}x, "
               f"on {where(e.get('device', 'cpu'))})" for e in earlier]
    total = sum(e["steps"] * e["batch_size"] for e in earlier) + made["step"] * cfg["batch_size"]
    lines = [
        "# tinyworld training report",
        "",
        f"Made by `python -m pipeline.tinyworld.train` (then `export`), data seed {cfg['data_seed']}, "
        f"{made['step']:,} transformer steps of {cfg['batch_size']} clips ({made['step'] * cfg['batch_size']:,} clip samples, "
        f"{made['step'] * cfg['batch_size'] // reuse:,} distinct clips: each rendered batch served {reuse} steps), "
        f"about {minutes:.0f} minutes of transformer training on {where(cfg.get('device', 'cpu'))}; weights {size_mb:.1f} MB (safetensors, EMA, no optimiser).",
        "",
        *([f"This run started from the weights of `{start}` (a fresh optimiser and data stream); the steps above "
           "are this run's own.", ""] if start else []),
        *([f"Those weights came from earlier runs, oldest first: {'; '.join(history)}. "
           f"With this run: {total:,} clip samples in all.", ""] if history else []),
        f"Final loss {rows[-1]['loss']:.4f} at {rows[-1]['clips_per_s']} clips/s.",
        "",
        "![loss](loss.png)",
        "",
        f"Autoencoder round trip PSNR on fresh clips (dB): {json.dumps(vae_psnr)}",
        *(["", "The autoencoder's decoder was fine-tuned after the transformer, on its frozen encoder "
           "(`train_vae --decoder-only` on rendered frames, or `train_decoder` on the transformer's own latents; "
           "the run's `vae_decoder/`): the latents the transformer learned are unchanged, only the pixels they "
           "decode to are sharper."] if (run / "vae_decoder").exists() else []),
        "",
        f"Held-out subject combinations (never trained on): {cfg['held_out']}",
        "",
        "Config (`train_config.json`):",
        "",
        "```json",
        json.dumps(cfg, indent=1),
        "```",
    ]
    if fidelity is not None:
        report = json.loads(fidelity.read_text())
        lines += ["", "## Evaluation", "", f"`python -m eval.fidelity --model tinyworld --n {report['n']} --json` "
                  "(held-out combinations; rates are the share of clips whose probe verdict is pass):", "", "```json",
                  fidelity.read_text().strip(), "```"]
    path = weights / "REPORT.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--fidelity", type=Path, help="JSON from python -m eval.fidelity --json")
    args = parser.parse_args(argv)
    print(write_report(args.run, args.weights, args.fidelity))


if __name__ == "__main__":
    main()
