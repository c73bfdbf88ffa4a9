"""Retrain the toy CLIP that ``make`` uses and refresh its committed checkpoint.

    python scripts/train_toy_clip.py [--target DIR]

Trains the default profile's toy CLIP (``backends.toy_clip_config``) from
scratch, 2 to 3.5 minutes on two CPU threads, and writes it to ``--target``
(default ``models/toy_clip``, the folder the repository commits and notebook 04
copies on the default profile). ``make train`` runs this after the toy video
model.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from squbed_utils import backends
from squbed_utils.embedders.toy_clip_training import SHIPPED_DIR, train_toy_clip_embedder
from squbed_utils.profiles import get_profile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=Path, default=SHIPPED_DIR, help="where to write the trained model")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    train_toy_clip_embedder(backends.toy_clip_config(get_profile("default")), args.target, overwrite=True,
                            shipped=None)
    print(f"trained and written to {args.target} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
