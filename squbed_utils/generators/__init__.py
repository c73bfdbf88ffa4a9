"""Video generators behind one small interface (:class:`VideoGenerator`).

Modules
-------
base  :class:`VideoGenerator` (``__call__(prompts, seeds) -> uint8 (N, T, H, W, 3)``,
      ``save_pretrained``, ``from_pretrained``) and :class:`GeneratorConfig`.
toy   :class:`ToyVideoGenerator`, the toy world's latent video diffusion model,
      and :func:`train_toy_generator`.
"""

from .base import GeneratorConfig, VideoGenerator, check_prompts, check_seeds
from .toy import PRESETS, ToyGeneratorConfig, ToyVideoGenerator, accuracy_by_knowledge, toy_config, train_toy_generator

__all__ = ["GeneratorConfig", "VideoGenerator", "check_prompts", "check_seeds", "PRESETS",
           "ToyGeneratorConfig", "ToyVideoGenerator", "accuracy_by_knowledge", "toy_config", "train_toy_generator"]
