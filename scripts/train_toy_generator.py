"""Retrain a profile's toy video model and refresh its committed checkpoint.

    python scripts/train_toy_generator.py [--profile default|tiny] [--run-dir DIR]

Trains the profile's toy model config (``backends.toy_generator_config``) from
scratch in ``--run-dir`` (default ``artifacts/train/<profile>/generator``;
resumable: after an interruption, run it again) and exports the finished run,
weights as float16, to ``models/<profile>/toy_generator``, the folder the
repository commits and notebook 02 copies. ``make train`` runs this for both
toy profiles (default: about 17 minutes on two CPU cores; tiny: seconds), with the
knowledge ladder's denoisers (``ladder/``) beside the two checkpoints.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from squbed_utils import backends
from squbed_utils.generators.toy_training import export_checkpoint, train_toy_generator
from squbed_utils.profiles import get_profile, project_root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="default", choices=["default", "tiny"])
    parser.add_argument("--run-dir", type=Path, help="where to train (resumable)")
    args = parser.parse_args(argv)
    settings = get_profile(args.profile)
    run_dir = args.run_dir or project_root() / "artifacts" / "train" / args.profile / "generator"
    start = time.perf_counter()
    train_toy_generator(backends.toy_generator_config(settings), run_dir, shipped=None)
    print(f"done in {time.perf_counter() - start:.0f} s (a finished run already in {run_dir} is loaded, not retrained)")
    print(f"exported to {export_checkpoint(run_dir, settings.models_dir / 'toy_generator')}")


if __name__ == "__main__":
    main()
