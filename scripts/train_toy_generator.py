"""Retrain the toy video model that ``make`` uses and refresh its committed checkpoint.

    python scripts/train_toy_generator.py [--run-dir DIR] [--target DIR]

Trains the default profile's toy model config (``backends.toy_generator_config``) from scratch in ``--run-dir`` (default
``artifacts/train/generator``; resumable: after an interruption, run it again)
and exports the finished run, weights as float16, to ``--target`` (default
``models/toy_generator``, the folder the repository commits and notebook 02
copies on the default profile). ``make train`` runs this.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from squbed_utils import backends
from squbed_utils.generators.toy_training import SHIPPED_DIR, export_checkpoint, train_toy_generator
from squbed_utils.profiles import get_profile

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", type=Path, default=ROOT / "artifacts" / "train" / "generator",
                        help="where to train (resumable)")
    parser.add_argument("--target", type=Path, default=SHIPPED_DIR, help="where to export the finished run")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    train_toy_generator(backends.toy_generator_config(get_profile("default")), args.run_dir, shipped=None)
    print(f"done in {time.perf_counter() - start:.0f} s (a finished run already in {args.run_dir} is loaded, not retrained)")
    print(f"exported to {export_checkpoint(args.run_dir, args.target)}")


if __name__ == "__main__":
    main()
