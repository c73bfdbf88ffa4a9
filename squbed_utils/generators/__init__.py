"""Video generators behind one small interface (:class:`VideoGenerator`).

Modules
-------
base                :class:`VideoGenerator` (``__call__(prompts, seeds) -> uint8 (N, T, H, W, 3)``,
                    ``save_pretrained``, ``from_pretrained``) and :class:`GeneratorConfig`.
toy                 :class:`ToyVideoGenerator`, the toy world's latent video diffusion model,
                    and :func:`train_toy_generator`.
diffusers_pipeline  :class:`DiffusersVideoGenerator`: any diffusers text-to-video pipeline
                    (Cosmos-Predict2, Wan 2.x, CogVideoX, LTX-Video; :data:`PIPELINE_FAMILIES`),
                    loaded offline from a folder or the Hugging Face cache, for the ``paper`` profile.
                    Imported on first use (it imports diffusers, which takes seconds).
"""

from .base import GeneratorConfig, VideoGenerator
from .toy import PRESETS, ToyGeneratorConfig, ToyVideoGenerator, accuracy_by_knowledge, toy_config, train_toy_generator

_DIFFUSERS_NAMES = ("PIPELINE_FAMILIES", "PipelineFamily", "DiffusersGeneratorConfig", "DiffusersVideoGenerator",
                    "CosmosPredict2TextToWorldPipeline", "detect_family", "family_config")


__all__ = ["GeneratorConfig", "VideoGenerator", "PRESETS",
           "ToyGeneratorConfig", "ToyVideoGenerator", "accuracy_by_knowledge", "toy_config", "train_toy_generator",
           *_DIFFUSERS_NAMES]

def __getattr__(name: str):
    if name in _DIFFUSERS_NAMES:
        from . import diffusers_pipeline

        return getattr(diffusers_pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
