"""Profiles: one name chooses the sizes, seeds, backends and output folders of every notebook.

``tiny``
    seconds; what the tests run, through the same code path.
``default``
    what ``make`` runs on a laptop CPU with nothing downloaded (the toy world).
``study``
    the default toy world and models with n = m = 20 refined prompts and
    videos, for the study's sweeps over n and m (``make study``).
``paper``
    the paper's setting with real models on real clips: n = m = 10 per task,
    about 200 tasks of a Panda-70M- or VidGen-1M-style manifest, a diffusers
    text-to-video pipeline (Cosmos-Predict2 in the paper: 93 frames of
    1280x704 at 16 fps), an instruction-tuned LLM, and CLIP ViT-B/32. Meant for
    a GPU or a cluster. The model paths and the manifest are parameters: see
    :class:`RealSettings` and ``configs/paper.example.yaml``.

Every notebook has a Papermill ``parameters`` cell with ``profile = "default"``
and ``overrides = {}`` and calls ``get_profile(profile, **overrides)``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Profile", "PROFILES", "RealSettings", "ToySizes", "TOY_SIZES", "FRAME_FEATURE_SIZES", "get_profile", "project_root"]


def project_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``).

    The package is installed editable, so the root is the parent of the package
    folder; an installed copy without one falls back to the working directory.
    """
    candidate = Path(__file__).resolve().parents[1]
    return candidate if (candidate / "pyproject.toml").is_file() else Path.cwd()


@dataclass(frozen=True)
class RealSettings:
    """What the ``paper`` profile needs to run on real clips with real models.

    Model entries are local folders or Hugging Face hub ids; hub ids load from
    the local cache only (download them once beforehand, see the README).

    Attributes
    ----------
    manifest : str or None
        The task manifest (CSV or Parquet; format in :mod:`squbed_utils.manifests`). Required.
    clip_root : str or None
        Folder that the manifest's relative ``path`` entries start from
        (default: the manifest's folder).
    num_tasks : int or None
        Use the first ``num_tasks`` rows of the manifest (None: all; the paper used about 200).
    video_model : str or None
        The diffusers text-to-video pipeline (folder or hub id). Required.
    video_family : str or None
        Pipeline family (``cosmos-predict2``, ``wan``, ``cogvideox``, ``ltx-video``);
        None detects it from the pipeline's class.
    frames, height, width : int or None
        Clip geometry the video model generates; None takes the family's default
        (Cosmos-Predict2: 93 frames of 704 x 1280).
    num_inference_steps : int or None
        Denoising steps; None takes the family's default.
    guidance_scale : float or None
        Classifier-free guidance; None takes the family's default.
    stored_frames, stored_height, stored_width : int
        Geometry at which generated and ground-truth clips are stored and embedded.
        CLIP reads 224 x 224 crops of a few frames, and 20,000 clips of 93 frames of
        1280 x 704 would take 5 TB as arrays, so clips are resampled once, here.
    llm : str or None
        The instruction-tuned LLM that writes refined prompts (folder, ``.gguf`` file
        or hub id). Required.
    llm_options : dict or None
        Further settings of :meth:`~squbed_utils.prompts.LLMLatentPromptGenerator.from_pretrained`:
        sampling (``temperature``, ``top_p``, ``top_k``, ``max_new_tokens``), ``max_attempts``,
        ``batch_size``, ``threads``, ``template`` (a few-shot prompt file).
    clip_model : str
        The CLIP model (folder or hub id) for video embeddings and accuracy.
    clip_frames : int
        Frames CLIP embeds per clip (uniformly spaced), averaged.
    device : str
        ``"auto"`` (CUDA when present), ``"cuda"`` or ``"cpu"``.
    torch_dtype : str
        Precision of the video model and the LLM on the GPU (``"bfloat16"``; ``"float32"`` on CPU).
    ray_address : str or None
        Run generation and embedding on Ray: ``"local"`` for a Ray instance on this machine,
        ``"auto"`` or ``"ray://host:port"`` for a cluster; None runs in this process.
    ray_workers : int or None
        Ray workers (one GPU each when the cluster has GPUs); None: one per GPU, else one per CPU.
    """

    manifest: str | None = None
    clip_root: str | None = None
    num_tasks: int | None = None
    video_model: str | None = None
    video_family: str | None = None
    frames: int | None = None
    height: int | None = None
    width: int | None = None
    num_inference_steps: int | None = None
    guidance_scale: float | None = None
    stored_frames: int = 16
    stored_height: int = 224
    stored_width: int = 400
    llm: str | None = None
    llm_options: dict | None = None
    clip_model: str = "openai/clip-vit-base-patch32"
    clip_frames: int = 8
    device: str = "auto"
    torch_dtype: str = "bfloat16"
    ray_address: str | None = None
    ray_workers: int | None = None

    #: Entries without which the ``paper`` profile cannot run.
    REQUIRED = ("manifest", "video_model", "llm")

    def check(self) -> RealSettings:
        """Raise a ValueError naming every required entry that is missing; return self."""
        missing = [name for name in self.REQUIRED if not getattr(self, name)]
        if missing:
            raise ValueError(
                f"the paper profile needs {missing}: pass them as overrides (Papermill: -f my_paper.yaml, "
                "see configs/paper.example.yaml; Python: get_profile('paper', manifest=..., video_model=..., llm=...))"
            )
        return self


@dataclass(frozen=True)
class ToySizes:
    """How big the toy world's tasks and models are on one profile.

    Each mapping holds the settings that differ from the config class's
    defaults; :mod:`squbed_utils.backends` builds the configs from them with
    the profile's seed.

    Attributes
    ----------
    tasks : int
        Tasks of the toy world (:func:`squbed_utils.world.make_tasks`).
    generator : mapping
        :class:`~squbed_utils.generators.toy.ToyGeneratorConfig` fields.
    toy_clip : mapping
        :class:`~squbed_utils.embedders.toy_clip.ToyClipTrainingConfig` fields; ``model``
        holds :class:`~squbed_utils.embedders.toy_clip.ToyClipConfig` fields.
    accuracy_clips_per_object : int
        Clips per object when notebook 02 measures what the video model learned.
    ignorance_clips_per_object : int
        Clips per object when notebook 08 measures each rung's ignorance (its error rate).
    models : str
        The folder under ``models/`` that holds these sizes' committed toy models.
    """

    tasks: int
    generator: dict = dataclasses.field(default_factory=dict)
    toy_clip: dict = dataclasses.field(default_factory=dict)
    accuracy_clips_per_object: int = 4
    ignorance_clips_per_object: int = 8
    models: str = "default"


#: The toy world's sizes: ``tiny`` trains in seconds (the tests), ``default`` is what ``make`` runs and
#: ``make study`` reuses (each uses the toy models committed in ``models/<models>/``).
TOY_SIZES: dict[str, ToySizes] = {
    "tiny": ToySizes(
        tasks=8,
        generator=dict(ae_width=16, ae_res_blocks=1, ae_steps=30, ae_batch_size=32, codec_dim=16, codec_width=64,
                       codec_steps=30, codec_batch_size=32, denoiser_width=64, denoiser_blocks=1, denoiser_steps=40,
                       denoiser_batch_size=32, train_clips=256, checkpoint_every=20, num_inference_steps=4),
        toy_clip=dict(model=dict(channels=(12, 24, 48), head_hidden=128), steps=60, batch_size=64, warmup_steps=10),
        accuracy_clips_per_object=1,
        ignorance_clips_per_object=2,
        models="tiny",
    ),
    "default": ToySizes(tasks=140),
}

#: EfficientNet-Lite0 frame-feature settings (:class:`~squbed_utils.embedders.frame_features.FrameFeatureConfig`
#: fields). The toy world's clips are 32 x 32, so upsampling them to 224 adds cost, not detail: ``tiny`` and
#: ``default`` use a 64-pixel input and a subset of frames (measured on 1 CPU thread, 8 x 32 x 32 clips: about
#: 1.9 clips/s at 224 px with all 8 frames, 10 at 112 px, 47 at 64 px, about 70 at 64 px with 4 frames);
#: ``paper`` keeps the network's native 224 px.
FRAME_FEATURE_SIZES: dict[str, dict] = {
    "tiny": dict(image_size=64, frames=2),
    "default": dict(image_size=64, frames=4),
    "paper": dict(),
}


@dataclass(frozen=True)
class Profile:
    """Sizes and seeds shared by all notebooks.

    Attributes
    ----------
    name : str
        ``"tiny"``, ``"default"`` or ``"paper"``.
    seed : int
        Root seed; every random draw in a run derives from it.
    n_latents : int
        ``n``, refined (latent) prompts per task.
    n_videos : int
        ``m``, videos generated per refined prompt.
    monte_carlo_repeats : int
        Repetitions of simulation studies (estimator bias, sensitivity).
    bootstrap_resamples : int
        Bootstrap resamples and permutations per Kendall tau (notebook 05).
    real : RealSettings or None
        None for the toy world (``tiny``, ``default``); the models and manifest
        for real clips (``paper``).
    toy : ToySizes or None
        The toy world's task count and model sizes (None for ``paper``).
    frame_features : dict
        Settings of the EfficientNet-Lite0 frame-feature embedder (:data:`FRAME_FEATURE_SIZES`).
    artifacts : str or None
        Where results go instead of ``artifacts/<name>/`` (e.g. a scratch disk or a test's temporary folder).
    """

    name: str
    seed: int
    n_latents: int
    n_videos: int
    monte_carlo_repeats: int
    bootstrap_resamples: int = 9999
    real: RealSettings | None = None
    toy: ToySizes | None = None
    frame_features: dict = dataclasses.field(default_factory=dict)
    artifacts: str | None = None

    @property
    def toy_world(self) -> bool:
        """True when the tasks come from the toy world (``tiny``, ``default``), False for real clips."""
        return self.real is None

    @property
    def artifacts_dir(self) -> Path:
        """Where this profile's cached and saved results live: ``artifacts/<name>/``."""
        if self.artifacts is not None:
            return Path(self.artifacts)
        return project_root() / "artifacts" / self.name

    @property
    def models_dir(self) -> Path | None:
        """``models/<toy.models>/``: the toy models trained once by ``make train`` and committed, so every machine
        uses the same weights (None for real clips)."""
        return project_root() / "models" / self.toy.models if self.toy_world else None

    @property
    def figures_dir(self) -> Path:
        """``figures/`` for the default profile (the committed figures), else
        ``artifacts/<name>/figures/`` so a test run never overwrites them."""
        if self.name == "default" and self.artifacts is None:
            return project_root() / "figures"
        return self.artifacts_dir / "figures"


PROFILES = {
    "tiny": Profile("tiny", seed=0, n_latents=3, n_videos=3, monte_carlo_repeats=3, bootstrap_resamples=199,
                    toy=TOY_SIZES["tiny"],
                    frame_features=FRAME_FEATURE_SIZES["tiny"]),
    "default": Profile("default", seed=0, n_latents=10, n_videos=10, monte_carlo_repeats=30,
                       toy=TOY_SIZES["default"], frame_features=FRAME_FEATURE_SIZES["default"]),
    # the study's sweeps (notebooks 08-10) with n = m = 20 on the default world and models
    "study": Profile("study", seed=0, n_latents=20, n_videos=20, monte_carlo_repeats=100,
                     toy=TOY_SIZES["default"], frame_features=FRAME_FEATURE_SIZES["default"]),
    "paper": Profile("paper", seed=0, n_latents=10, n_videos=10, monte_carlo_repeats=100, real=RealSettings(),
                     frame_features=FRAME_FEATURE_SIZES["paper"]),
}

_PROFILE_FIELDS = ("seed", "n_latents", "n_videos", "monte_carlo_repeats", "bootstrap_resamples", "artifacts")


def get_profile(name: str, **overrides: Any) -> Profile:
    """The :class:`Profile` called ``name``, with ``overrides`` applied.

    Parameters
    ----------
    name : str
        ``"tiny"``, ``"default"`` or ``"paper"``.
    **overrides
        Profile fields (``seed``, ``n_latents``, ``n_videos``, ``monte_carlo_repeats``,
        ``bootstrap_resamples``, ``artifacts``) and, for ``paper``, any :class:`RealSettings` field
        (``manifest``, ``video_model``, ``llm``...). None values are ignored, so a
        parameters file may list every key.

    Raises
    ------
    ValueError
        For an unknown profile or key, a real-clip key on a toy profile, or a
        ``paper`` profile missing a required entry.
    """
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None
    overrides = {key: value for key, value in overrides.items() if value is not None}
    real_fields = {field.name for field in dataclasses.fields(RealSettings)}
    unknown = sorted(set(overrides) - set(_PROFILE_FIELDS) - real_fields)
    if unknown:
        raise ValueError(f"unknown profile settings {unknown}; valid: {sorted(_PROFILE_FIELDS)} and, for the paper "
                         f"profile, {sorted(real_fields)}")
    real = {key: value for key, value in overrides.items() if key in real_fields}
    if real and profile.real is None:
        raise ValueError(f"{sorted(real)} apply to real clips; the {name!r} profile runs the toy world (use profile='paper')")
    if "artifacts" in overrides:
        overrides["artifacts"] = str(overrides["artifacts"])
    profile = dataclasses.replace(profile, **{key: value for key, value in overrides.items() if key in _PROFILE_FIELDS})
    if profile.real is not None:
        profile = dataclasses.replace(profile, real=dataclasses.replace(profile.real, **real).check())
    return profile
