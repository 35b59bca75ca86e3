#!/usr/bin/env bash
# The next tinyworld run, on a lent GPU, in one command that fits the device tool's 10-minute limit.
#
# Why: every CPU run that changed one thing sits within a seed's noise (docs/tinyworld.md); the levers
# need GPU-scale data. The recipe: the transformer goes on from the shipped weights with sliding extension
# windows (time_shift 12), more panned scenes (pan_share 0.4), a fresh data seed and a learning rate that
# cools down to 0 by its last step (the CPU run at a low rate after the GPU run is what lifted presence
# before); then the decoder is fine-tuned on the new transformer's own latents with the loss that charges
# colour bled onto the grey (train_decoder), as every run's decoder must be, at GPU scale.
#
# On this machine, once (diffusers is the one package the device's image lacks; .whl/ is gitignored):
#   .venv/bin/python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_28_x86_64 -d .whl diffusers==0.42.1
# On the device (the `run` tool, carry [".whl"], timeout 600):
#   bash pipeline/tinyworld/gpu_recipe.sh
# A session's 30 device minutes hold two such commands. The machine keeps runs/ while it is warm (30 s
# after a call), so a second, sent at once, can go on from the first's weights in a new run:
#   RUN=runs/recipe2 INIT=runs/recipe/weights bash pipeline/tinyworld/gpu_recipe.sh
# Back here, with F the folder `run` put the files in (its files_at):
#   cat F/run.tar.part-* | tar -x -C runs      # runs/recipe as it was there, less the optimiser's checkpoint
#   python -m eval.fidelity --model tinyworld --n 200 --seed S --weights runs/recipe/weights --json   # S = 0, 1, 2
#   python -m pipeline.tinyworld.report --run runs/recipe --weights runs/recipe/weights --fidelity seed0.json
# (seed0.json: the seed-0 evaluation's output); a second run bundles the same way, as runs/recipe2.
# Trained with time_shift 12, it may draw later windows than the shipped weights: check whether forward
# windows still need holding (LATEST_WINDOW_START in backend.py) with
#   python experiments/tinyworld/chains.py --seed 1 --latest-start 6 12 --weights runs/recipe/weights
#
# Sizing, to check against train.log's steps_per_s: experiments/tinyworld/train_throughput.py measured
# 1,191 clips/s rendered by 15 processes on one H100 and 7.1 steps/s of 256 clips. The recipe's clips
# (time_shift 12 renders 28 frames, pan_share 0.4) render 1.6x slower on the 2-core CPU (246 -> 150
# clips/s, `--config '{"time_shift": 12, "pan_share": 0.4}'`), so about 730 clips/s there, and each rendered
# batch serves 3 steps. 2,000 steps at 7 steps/s take about 5 minutes; if it runs slower, MINUTES ends it first.
# The peak rate is half the fourth run's, cooling to 0 at STEPS. Then the decoder's pairs and 1.5 minutes
# of tuning, and one seed of eval.fidelity (200 clips): about 9 minutes in all, under the 10.
# Knobs (environment): MINUTES and STEPS bound the transformer (it stops at whichever comes first; the
# learning rate reaches 0 at STEPS), DECODER_MINUTES, DECODER_CLIPS and DECODER_BATCH the decoder, RUN the
# run folder, INIT the weights it starts from, OUT where the bundle goes ($OUT on the device), RECIPE the
# TrainConfig JSON, DEVICE the decoder's device, EVAL_SEEDS and EVAL_N the closing evaluation. Sent again
# after a timeout, it resumes the run's checkpoint.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
if [ -d .whl ] && ! "$PYTHON" -c "import diffusers" 2> /dev/null; then  # carried wheels, beside the image's packages
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
MINUTES=${MINUTES:-5.5}
STEPS=${STEPS:-2000}
DECODER_MINUTES=${DECODER_MINUTES:-1.5}
DECODER_CLIPS=${DECODER_CLIPS:-6144}
DECODER_BATCH=${DECODER_BATCH:-256}  # frames per decoder step, half of them the transformer's
DEVICE=${DEVICE:-cuda}
EVAL_SEEDS=${EVAL_SEEDS:-0}  # eval.fidelity --seed values read at the end ("" for none)
EVAL_N=${EVAL_N:-200}
RUN=${RUN:-runs/recipe}
INIT=${INIT:-pipeline/tinyworld/weights}
OUT=${OUT:-$RUN/bundle}
RECIPE=${RECIPE:-'{"data_seed": 15, "time_shift": 12, "pan_share": 0.4, "batch_size": 256, "batch_reuse": 3,
  "lr": 2e-4, "warmup_steps": 200, "ema_decay": 0.9995, "checkpoint_minutes": 2, "device": "cuda",
  "data_workers": 15, "threads": 4}'}

mkdir -p "$RUN" "$OUT"
[ -d "$RUN/vae" ] || cp -r "$INIT/vae" "$RUN/vae"
"$PYTHON" -c 'import json, sys; c = json.loads(sys.argv[1]); c["lr_decay_until"] = int(sys.argv[2]); print(json.dumps(c))' \
    "$RECIPE" "$STEPS" > "$RUN/seed.json"

"$PYTHON" -u -m pipeline.tinyworld.train --minutes "$MINUTES" --steps "$STEPS" --out "$RUN" --init "$INIT" \
    --config "$RUN/seed.json" 2>&1 | tee "$OUT/train.log"
rm -rf "$RUN/vae_decoder"  # a decoder tuned to older latents must not be exported with the new transformer
"$PYTHON" -m pipeline.tinyworld.export --run "$RUN" --out "$RUN/weights"
"$PYTHON" -u -m pipeline.tinyworld.train_decoder --weights "$RUN/weights" --out "$RUN/vae_decoder" --device "$DEVICE" \
    --minutes "$DECODER_MINUTES" --clips "$DECODER_CLIPS" --batch-frames "$DECODER_BATCH" --threads 4 2>&1 | tee "$OUT/decoder.log"
"$PYTHON" -m pipeline.tinyworld.export --run "$RUN" --out "$RUN/weights"  # now with that decoder

# The device returns at most 8 files of 16 MiB: the run travels as a split tar, without the 140 MB checkpoint
# (optimiser state) and without the bundle itself; the report needs the rest (log, lineage, decoder).
tar -C "$(dirname "$RUN")" --exclude=checkpoint.pt --exclude="$(basename "$OUT")" -cf - "$(basename "$RUN")" \
    | split -b 15M - "$OUT/run.tar.part-"

# A first reading while the GPU is at hand, after the bundle so a timeout here loses nothing: the held-out
# probes of eval.fidelity's seeds, sampled on the GPU (bf16 there; the numbers to report are re-measured on
# the CPU). At most two seeds: with the bundle's 4 parts and 2 logs that is the 8 files the device returns.
for seed in $EVAL_SEEDS; do
    "$PYTHON" -m eval.fidelity --model tinyworld --n "$EVAL_N" --seed "$seed" --conditioning 0 --weights "$RUN/weights" \
        --json > "$OUT/fidelity-seed$seed.json"
done
ls -l "$OUT"
