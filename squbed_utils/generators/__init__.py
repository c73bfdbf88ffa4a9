"""Video generators behind one small interface (:class:`VideoGenerator`).

Modules
-------
base                :class:`VideoGenerator` (``__call__(prompts, seeds) -> uint8 (N, T, H, W, 3)``,
                    ``save_pretrained``, ``from_pretrained``) and :class:`GeneratorConfig`.
toy                 :class:`ToyVideoGenerator`, the toy world's latent video diffusion model.
perfect             :class:`PerfectVideoGenerator`, the toy world's renderer as a model with no ignorance
                    (the perfect-model control: its epistemic entropy is the nuisance floor).
toy_training        :func:`train_toy_generator`, and the committed checkpoint of the default
                    profile (``make train`` exports it).
families            the diffusers text-to-video families (Cosmos-Predict2, Wan 2.x, CogVideoX,
                    LTX-Video; :data:`PIPELINE_FAMILIES`): defaults and geometry rules.
cosmos              Cosmos-Predict2's Text2Image and Video2World halves chained as one pipeline.
diffusers_pipeline  :class:`DiffusersVideoGenerator`: any of those pipelines, loaded offline from a
                    folder or the Hugging Face cache, for the ``paper`` profile. Imported on first
                    use, with ``families`` and ``cosmos`` (they import diffusers, which takes seconds).
"""

from .base import GeneratorConfig, VideoGenerator
from .perfect import PerfectGeneratorConfig, PerfectVideoGenerator
from .toy import ToyGeneratorConfig, ToyVideoGenerator
from .toy_training import train_toy_generator

_DIFFUSERS_NAMES = {"PIPELINE_FAMILIES": "families", "PipelineFamily": "families", "detect_family": "families",
                    "CosmosPredict2TextToWorldPipeline": "cosmos", "DiffusersGeneratorConfig": "diffusers_pipeline",
                    "DiffusersVideoGenerator": "diffusers_pipeline", "family_config": "diffusers_pipeline"}

__all__ = ["GeneratorConfig", "VideoGenerator", "ToyGeneratorConfig", "ToyVideoGenerator", "train_toy_generator",
           "PerfectGeneratorConfig", "PerfectVideoGenerator",
           *_DIFFUSERS_NAMES]


def __getattr__(name: str):
    if name in _DIFFUSERS_NAMES:
        import importlib

        return getattr(importlib.import_module(f".{_DIFFUSERS_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
