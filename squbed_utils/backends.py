"""Which data and models a profile uses: the one place the notebooks ask.

The notebooks run the same stages on the toy world (``tiny``, ``default``) and on
real clips with real models (``paper``). Every choice that differs between the
two is made here, from the :class:`~squbed_utils.profiles.Profile`:

=======================  ===========================================  ==========================================
stage                    toy world                                    real clips (``paper``)
=======================  ===========================================  ==========================================
tasks                    :func:`squbed_utils.world.make_tasks`        the manifest (:mod:`squbed_utils.manifests`)
ground-truth clips       renders saved by notebook 01                 decoded from the videos, cached per clip
video model              the toy diffusion model of notebook 02       a diffusers text-to-video pipeline
latent prompt generator  the toy world's exact grammar                an instruction-tuned LLM
video embedders          toy CLIP, EfficientNet-Lite0 frame features  CLIP
where generation runs    this process                                 this process, or Ray workers
=======================  ===========================================  ==========================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .profiles import Profile
from .store import ArrayStore

__all__ = [
    "VIDEO_EMBEDDERS",
    "cache",
    "toy_tasks",
    "toy_generator_config",
    "toy_video_model",
    "toy_clip_config",
    "frame_feature_config",
    "real_tasks",
    "reference_clips",
    "video_generator",
    "executor",
    "latent_prompt_generator",
    "default_video_embedders",
    "video_embedders",
]


#: Video embedders by the names the notebooks use.
VIDEO_EMBEDDERS = ("toy_clip", "frame_features", "clip")


def cache(settings: Profile) -> ArrayStore:
    """The per-item store every stage caches into: ``<artifacts>/cache``."""
    return ArrayStore(settings.artifacts_dir / "cache")


def _toy(settings: Profile, what: str):
    if settings.toy is None:
        raise ValueError(f"{what} belongs to the toy world; the {settings.name!r} profile runs real clips")
    return settings.toy


def toy_tasks(settings: Profile) -> pd.DataFrame:
    """The toy world's task table of the profile: ``toy.tasks`` tasks drawn with the profile's seed."""
    from .world import make_tasks

    return make_tasks(_toy(settings, "the toy task table").tasks, seed=settings.seed)


def toy_generator_config(settings: Profile):
    """The :class:`~squbed_utils.generators.toy.ToyGeneratorConfig` of the profile (its sizes, its seed)."""
    from .generators.toy import ToyGeneratorConfig

    return ToyGeneratorConfig(**_toy(settings, "the toy video model").generator, seed=settings.seed)


def toy_video_model(settings: Profile, *, progress: bool = True):
    """The profile's toy video model in ``<artifacts>/generator``: the committed run of
    ``models/<profile>/toy_generator`` when it was trained with the profile's config, else trained here."""
    from .artifacts import GENERATOR_DIR
    from .generators.toy_training import train_toy_generator

    return train_toy_generator(toy_generator_config(settings), settings.artifacts_dir / GENERATOR_DIR,
                               progress=progress, shipped=settings.models_dir / "toy_generator")


def knowledge_ladder(settings: Profile, *, embedder=None) -> dict:
    """The toy video model at every rung of its knowledge ladder, weakest first: ``{fraction: generator}``.

    ``fraction`` is the share of the denoiser's training steps (1.0 is the final
    model); see :func:`squbed_utils.generators.toy_training.ladder_steps`.
    Needs :func:`toy_video_model` (notebook 02) to have run.
    """
    from .artifacts import GENERATOR_DIR
    from .generators.toy_training import ladder_steps, load_rung

    folder = settings.artifacts_dir / GENERATOR_DIR
    return {fraction: load_rung(folder, fraction, embedder=embedder)
            for fraction in ladder_steps(toy_generator_config(settings))}


def perfect_video_model(settings: Profile):
    """The perfect-model control: the toy world's renderer as a video model (no ignorance, only nuisance)."""
    from .generators import PerfectGeneratorConfig, PerfectVideoGenerator

    return PerfectVideoGenerator(PerfectGeneratorConfig.like(toy_generator_config(settings)))


def toy_clip_config(settings: Profile):
    """The :class:`~squbed_utils.embedders.toy_clip.ToyClipTrainingConfig` of the profile (its sizes, its seed).

    The toy CLIP is the evaluator of toy-world clips, so the ``paper`` profile
    (which has no toy sizes) gets the ``default`` one if asked for it.
    """
    from .embedders.toy_clip import ToyClipConfig, ToyClipTrainingConfig
    from .profiles import TOY_SIZES

    values = dict((settings.toy or TOY_SIZES["default"]).toy_clip)
    model = ToyClipConfig(**values.pop("model", {}))
    return ToyClipTrainingConfig(model=model, **values, seed=settings.seed)


def frame_feature_config(settings: Profile):
    """The :class:`~squbed_utils.embedders.frame_features.FrameFeatureConfig` of the profile."""
    from .embedders.frame_features import FrameFeatureConfig

    return FrameFeatureConfig(**settings.frame_features)


def _real(settings: Profile, what: str):
    if settings.real is None:
        raise ValueError(f"{what} needs real clips; the {settings.name!r} profile runs the toy world (use profile='paper')")
    return settings.real


def _clip_root(settings: Profile) -> Path:
    """Where the manifest's relative paths start: ``clip_root``, else the manifest's folder."""
    real = _real(settings, "a clip root")
    return Path(real.clip_root if real.clip_root is not None else Path(real.manifest).parent).expanduser()


def real_tasks(settings: Profile) -> pd.DataFrame:
    """The task table of the ``paper`` profile: the manifest, validated, first ``num_tasks`` rows."""
    from .manifests import load_manifest

    real = _real(settings, "real_tasks")
    tasks = load_manifest(real.manifest, clip_root=_clip_root(settings))
    return tasks if real.num_tasks is None else tasks.head(real.num_tasks).reset_index(drop=True)


def reference_clips(tasks: pd.DataFrame, settings: Profile, *, progress: bool = False) -> np.ndarray:
    """Each task's ground-truth clip, uint8 (N, T, H, W, 3), in table order.

    Toy tasks read the renders notebook 01 saved; real tasks decode their video
    once to the profile's stored geometry and cache it.
    """
    if settings.toy_world:
        from .world import read_task_clips

        return read_task_clips(tasks, settings.artifacts_dir)
    from .manifests import load_ground_truth

    real = settings.real
    return load_ground_truth(tasks, frames=real.stored_frames, height=real.stored_height, width=real.stored_width,
                             clip_root=_clip_root(settings), store=cache(settings), progress=progress)


def _generator_options(settings: Profile) -> dict[str, Any]:
    real = settings.real
    options = {"family": real.video_family, "frames": real.frames, "height": real.height, "width": real.width,
               "num_inference_steps": real.num_inference_steps, "guidance_scale": real.guidance_scale,
               "output_frames": real.stored_frames, "output_height": real.stored_height,
               "output_width": real.stored_width, "device": real.device, "torch_dtype": real.torch_dtype}
    return {key: value for key, value in options.items() if value is not None}


def video_generator(settings: Profile, checkpoint: str = "final", *, ray_spec: bool = True, **toy_options: Any):
    """The video model: the toy checkpoint ``checkpoint`` (``final`` or ``undertrained``) from
    notebook 02 (``toy_options`` go to its ``from_pretrained``, e.g. a shared ``embedder``),
    or the profile's diffusers pipeline.

    With ``ray_address`` set (and ``ray_spec``) this is a :class:`~squbed_utils.distributed.ModelSpec`
    that each Ray worker loads itself (the driver never holds the weights); pass :func:`executor` beside it.
    ``ray_spec=False`` always loads the model in this process (a few samples for a figure).
    """
    if settings.toy_world:
        from .artifacts import GENERATOR_DIR
        from .generators import ToyVideoGenerator

        return ToyVideoGenerator.from_pretrained(settings.artifacts_dir / GENERATOR_DIR / checkpoint, **toy_options)
    from .generators import DiffusersVideoGenerator

    real = settings.real
    if real.ray_address is not None and ray_spec:
        from .distributed import ModelSpec

        return ModelSpec(DiffusersVideoGenerator, real.video_model, _generator_options(settings))
    return DiffusersVideoGenerator.from_pretrained(real.video_model, **_generator_options(settings))


def executor(settings: Profile):
    """A :class:`~squbed_utils.distributed.RayExecutor` when the profile sets ``ray_address``, else None (serial)."""
    if settings.real is None or settings.real.ray_address is None:
        return None
    from .distributed import RayExecutor

    address = None if settings.real.ray_address == "local" else settings.real.ray_address
    return RayExecutor(num_workers=settings.real.ray_workers, address=address)


def latent_prompt_generator(settings: Profile):
    """The latent prompt generator: the toy world's grammar, or the profile's LLM."""
    if settings.toy_world:
        from .prompts import ToyLatentPromptGenerator

        return ToyLatentPromptGenerator()
    from .prompts import LLMLatentPromptGenerator

    real = settings.real
    return LLMLatentPromptGenerator.from_pretrained(real.llm, device=real.device, dtype=real.torch_dtype,
                                                    **(real.llm_options or {}))


def default_video_embedders(settings: Profile) -> list[str]:
    """The video embedders notebook 04 uses when not told: the first is the one calibration reports."""
    return [name for name in VIDEO_EMBEDDERS if name != "clip"] if settings.toy_world else ["clip"]


def video_embedders(settings: Profile, names: list[str] | None = None, *, progress: bool = True) -> dict:
    """Video embedders by name (default: :func:`default_video_embedders`), built or loaded for the profile.

    ``toy_clip`` is copied from ``models/<profile>/toy_clip`` into
    ``<artifacts>/video_embedder`` when the committed one was trained with the
    profile's settings, else trained there (or loaded from it when it holds one
    trained with the same settings); ``frame_features`` is
    the pretrained EfficientNet-Lite0; ``clip`` the profile's CLIP, loaded offline.

    Raises
    ------
    ValueError
        For an empty list or an unknown name.
    """
    names = default_video_embedders(settings) if names is None else list(names)
    if not names:
        raise ValueError("video_embedders is empty; name at least one, e.g. ['clip'] or ['toy_clip']")
    unknown = [name for name in names if name not in VIDEO_EMBEDDERS]
    if unknown:
        raise ValueError(f"unknown video embedders {unknown}; choose from {list(VIDEO_EMBEDDERS)}")
    return {name: _video_embedder(settings, name, progress) for name in names}


def _video_embedder(settings: Profile, name: str, progress: bool):
    if name == "toy_clip":
        from .artifacts import VIDEO_EMBEDDER_DIR
        from .embedders.toy_clip_training import train_toy_clip_embedder

        shipped = settings.models_dir / "toy_clip" if settings.models_dir is not None else None
        return train_toy_clip_embedder(toy_clip_config(settings), settings.artifacts_dir / VIDEO_EMBEDDER_DIR,
                                       progress=progress, shipped=shipped)
    if name == "frame_features":
        from .embedders.frame_features import FrameFeatureEmbedder

        return FrameFeatureEmbedder(frame_feature_config(settings))
    from .embedders.clip import DEFAULT_CLIP_MODEL, ClipVideoEmbedder

    real = settings.real
    if real is None:
        return ClipVideoEmbedder.from_pretrained(DEFAULT_CLIP_MODEL)
    return ClipVideoEmbedder.from_pretrained(real.clip_model, frames_sampled=real.clip_frames, device=real.device,
                                             dtype=real.torch_dtype)
