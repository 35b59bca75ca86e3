"""Experiment: is tinyworld's gap between English and Chinese prompts the language or the scenes?

    .venv/bin/python experiments/tinyworld/caption_language.py            # eval.fidelity's first 100 held-out prompts
    .venv/bin/python experiments/tinyworld/caption_language.py --n 200 --weights runs/more/weights

eval.fidelity gives its English and Chinese halves different scenes. Here every held-out
prompt is parsed and generated twice, from its detailed caption in English and in Chinese, with
the same seed, and judged by the presence probe against the prompt's own scene. If the rates
follow the prompts' half and not the caption's language, the gap is in the scenes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eval.fidelity import held_out_prompts  # noqa: E402
from eval.probes import presence  # noqa: E402
from eval.probes.verdict import PASS  # noqa: E402
from pipeline import load  # noqa: E402
from pipeline.request import GenerationRequest  # noqa: E402
from world import detailed_caption, expectation_for, parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="held-out prompts, as eval.fidelity draws them")
    parser.add_argument("--weights", help="a tinyworld weights folder (default: the shipped weights)")
    args = parser.parse_args()
    pipe = load("tinyworld", weights=args.weights)
    passed: dict[tuple[str, str], list[bool]] = {}
    for i, (lang, prompt, spec) in enumerate(held_out_prompts(args.n)):
        for caption_lang in ("en", "zh"):
            caption = detailed_caption(parse(prompt).spec, caption_lang)
            frames = pipe.generate(GenerationRequest(mode="t2v", prompt=caption, seed=i)).frames
            verdict = presence.check(frames, expectation_for(spec))
            passed.setdefault((lang, caption_lang), []).append(verdict.status == PASS)
    print(f"presence on {args.n} held-out prompts, weights {args.weights or 'shipped'}")
    for (lang, caption_lang), results in passed.items():
        print(f"{lang} prompts' scenes, {caption_lang} caption: {sum(results) / len(results):.0%} of {len(results)}")


if __name__ == "__main__":
    main()
