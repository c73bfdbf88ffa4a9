"""Retrain a profile's toy CLIP and refresh its committed checkpoint.

    python scripts/train_toy_clip.py [--profile default|tiny]

Trains the profile's toy CLIP (``backends.toy_clip_config``) from scratch
(default: about a minute on two CPU threads; tiny: seconds) and writes it to
``models/<profile>/toy_clip``, the folder the repository commits and notebook
04 copies. ``make train`` runs this for both toy profiles.
"""

from __future__ import annotations

import argparse
import time

from squbed_utils import backends
from squbed_utils.embedders.toy_clip_training import train_toy_clip_embedder
from squbed_utils.profiles import get_profile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="default", choices=["default", "tiny"])
    args = parser.parse_args(argv)
    settings = get_profile(args.profile)
    target = settings.models_dir / "toy_clip"
    start = time.perf_counter()
    train_toy_clip_embedder(backends.toy_clip_config(settings), target, progress=False, overwrite=True)
    print(f"trained and written to {target} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
