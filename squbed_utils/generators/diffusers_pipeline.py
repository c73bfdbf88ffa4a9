"""Any diffusers text-to-video pipeline behind the :class:`~squbed_utils.generators.VideoGenerator` interface.

The ``paper`` profile samples real video models: Cosmos-Predict2 (the paper's),
Wan 2.x, CogVideoX or LTX-Video, loaded from a local folder or the local
Hugging Face cache::

    generator = DiffusersVideoGenerator.from_pretrained("nvidia/Cosmos-Predict2-2B-Video2World", device="cuda",
                                                        torch_dtype="bfloat16")
    clips = generator(["a dog chases a ball on a beach"] * 2, seeds=[0, 1])   # uint8 (2, 93, 704, 1280, 3)

Families
--------
The supported families, their documented defaults and their frame and size
rules are in :mod:`squbed_utils.generators.families`.

**Cosmos-Predict2 text-to-video.** Cosmos-Predict2 has no single text-to-video
model: NVIDIA's "Text2World" chains its Text2Image model (the first frame)
and its Video2World model (the clip that continues that frame). diffusers
0.42.1 has both halves (``Cosmos2TextToImagePipeline``,
``Cosmos2VideoToWorldPipeline``); :class:`~squbed_utils.generators.cosmos.CosmosPredict2TextToWorldPipeline`
chains them over one T5 text encoder and one VAE (the two checkpoints share
both). Load it from the Video2World checkpoint; the Text2Image checkpoint is
``image_model`` (default ``nvidia/Cosmos-Predict2-2B-Text2Image``). The first
frame is drawn at the clip's height and width with the video's steps and
guidance (NVIDIA's defaults are the same for both halves, 35 and 7.0; set them
apart with ``call_kwargs={"image_num_inference_steps": ...}``).
Both halves run NVIDIA's guardrail, which the NVIDIA Open Model License does not
let users switch off: install it with ``pip install cosmos_guardrail`` (it
downloads ``nvidia/Cosmos-Guardrail1`` on first use); loading a Cosmos
checkpoint without it raises an ImportError saying so. ``cosmos-predict2.5``
(``Cosmos2_5_PredictBasePipeline``, a native text-to-video model with a
Qwen2.5-VL text encoder) is not a family yet.

Seeds and batches
-----------------
Every clip gets its own ``torch.Generator`` seeded with its seed, on the CPU
(diffusers draws CPU noise and moves it to the GPU, so a seed gives the same
initial noise on any device). Every pipeline call generates exactly
``max_batch_size`` clips (default 1; the last call is padded, see
:mod:`squbed_utils.generators.base`), so a (prompt, seed) clip is the same bit
for bit whatever else is asked for with it. Another ``max_batch_size`` gives
the same clips up to float rounding (measured on the tiny pipelines of
:mod:`squbed_utils.testing.pipelines`, 6 clips per call against one at a time:
at most 7e-6 apart in [0, 1], so at most one uint8 level; no family mixes
items) and runs several times faster; it is part of the cache key.

Cache keys
----------
``cache_key`` hashes the config (less ``model``, ``device`` and ``offload``,
which change where and how fast a clip is made, not which clip) and :meth:`DiffusersVideoGenerator.weights_fingerprint`: for a pipeline
loaded from a folder, a hash of the files its components read (names, sizes and,
per file, the Hugging Face cache's content hash where there is one, else the
whole file up to 1 MiB, else its safetensors header plus 16 sampled 4 KiB
windows), which costs milliseconds for a multi-GB model. Tensors changed in
memory after loading are not seen: save them and load the folder. A pipeline
built in memory is fingerprinted by its tensors.
:meth:`DiffusersVideoGenerator.pretrained_cache_key` computes the same key from
the files alone (a Ray driver keys cached clips before any worker loads weights).

"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers import DiffusionPipeline

from ..checkpoints import CONFIG_NAME, config_json, read_config
from ..clipio import resample_clip
from ..runtime import model_folder, resolve_device
from ..store import atomic_write, fingerprint, model_folder_fingerprint, tensor_fingerprint
from ..validation import check_positive_int
from .base import GeneratorConfig, VideoGenerator
from .cosmos import VIDEO2WORLD_CLASS, CosmosPredict2TextToWorldPipeline
from .families import PIPELINE_FAMILIES, check_geometry, detect_family, get_family

__all__ = ["DiffusersGeneratorConfig", "DiffusersVideoGenerator", "family_config", "pipeline_folder_fingerprint"]

_FORMAT_VERSION = 1
_DTYPES = ("float32", "bfloat16", "float16")
_OFFLOADS = (None, "model", "sequential")
#: Config fields that change where and how fast a clip is made, not which clip: left out of cache keys.
_EXECUTION_FIELDS = ("model", "device", "offload")
#: Pipeline arguments the generator sets itself (from the config and the seeds).
_RESERVED_ARGUMENTS = ("prompt", "generator", "output_type", "num_frames", "height", "width", "return_dict")


@dataclasses.dataclass
class DiffusersGeneratorConfig(GeneratorConfig):
    """Settings of a :class:`DiffusersVideoGenerator`; build one with :func:`family_config`.

    Attributes
    ----------
    frames : int
        Frames per clip (T); ``k * frame_step + 1`` for the family.
    size : int
        Not used: frames are ``height x width`` (kept from :class:`GeneratorConfig`).
    seed : int
        Not used (sampling is seeded per clip).
    height, width : int
        Frame size in pixels, multiples of the family's ``size_step``.
    model : str
        Folder or hub id the pipeline was loaded from ("" for a pipeline built in memory).
    family : str
        A key of :data:`PIPELINE_FAMILIES`.
    pipeline_class : str
        Name of the pipeline class that generates.
    image_model : str or None
        Cosmos-Predict2 only: folder or hub id of the Text2Image checkpoint (the first frame).
    torch_dtype : {"float32", "bfloat16", "float16"}
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:k"``; resolved when the pipeline is placed.
    offload : {None, "model", "sequential"}
        CPU offload on a CUDA device: ``"model"`` moves whole components to
        the GPU when they run, ``"sequential"`` single layers (slowest, least
        memory). Both need ``accelerate``.
    num_inference_steps : int
    guidance_scale : float
    negative_prompt : str or None
        None keeps the pipeline's default.
    fps : int
        Frames per second: conditions the model where the family has an fps argument, else metadata.
    max_sequence_length : int
        Text tokens the text encoder reads.
    max_batch_size : int
        Clips per pipeline call (the last call padded), so a clip never depends on what else is generated
        with it; larger is faster. Part of the cache key.
    call_kwargs : dict
        Further keyword arguments for every pipeline call (part of the cache key).
    output_frames, output_height, output_width : int or None
        Geometry of the clips returned (and cached), when it differs from the generated one: each clip
        is resampled by :func:`squbed_utils.clipio.resample_clip` (evenly spaced frames, centre crop,
        antialiased resize). None keeps the generated value. The ``paper`` profile keeps 16 frames of
        224 x 400 (what CLIP reads), since 20,000 clips of 93 frames of 704 x 1280 would take 5 TB as arrays.
    """

    frames: int = 93
    size: int = 0
    height: int = 704
    width: int = 1280
    model: str = ""
    family: str = "cosmos-predict2"
    pipeline_class: str = "CosmosPredict2TextToWorldPipeline"
    image_model: str | None = None
    torch_dtype: str = "float32"
    device: str = "auto"
    offload: str | None = None
    num_inference_steps: int = 35
    guidance_scale: float = 7.0
    negative_prompt: str | None = None
    fps: int = 16
    max_sequence_length: int = 512
    max_batch_size: int = 1
    call_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    output_frames: int | None = None
    output_height: int | None = None
    output_width: int | None = None

    def __post_init__(self) -> None:
        check_geometry(self.frames, self.height, self.width, self.family)
        for name in ("output_frames", "output_height", "output_width"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
        if self.output_frames is not None and self.output_frames > self.frames:
            raise ValueError(f"output_frames={self.output_frames} exceeds the {self.frames} frames generated; "
                             "keep at most that many")
        if self.torch_dtype not in _DTYPES:
            raise ValueError(f"torch_dtype must be one of {list(_DTYPES)} (or 'auto' when loading), "
                             f"got {self.torch_dtype!r}")
        if self.offload not in _OFFLOADS:
            raise ValueError(f"offload must be None, 'model' or 'sequential', got {self.offload!r}")
        for name in ("num_inference_steps", "max_sequence_length", "max_batch_size", "fps"):
            check_positive_int(name, getattr(self, name))
        reserved = sorted(set(self.call_kwargs) & set(_RESERVED_ARGUMENTS))
        if reserved:
            raise ValueError(f"call_kwargs may not set {reserved}: the generator sets them from the prompts, seeds "
                             "and config fields (frames, height, width)")


def _resolve_dtype(torch_dtype: str, device: str) -> str:
    """``"auto"``: bfloat16 when ``device`` is (or "auto" finds) CUDA, else float32; other names pass through."""
    if torch_dtype != "auto":
        return torch_dtype
    device = (device or "cpu").strip().lower()
    on_cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    return "bfloat16" if on_cuda else "float32"


def family_config(family: str, **overrides: Any) -> DiffusersGeneratorConfig:
    """The config of ``family`` with its documented defaults (:data:`PIPELINE_FAMILIES`), then ``overrides``.

    ``torch_dtype="auto"`` (the default) resolves to bfloat16 on CUDA and float32 on the CPU.
    """
    values = {**get_family(family).defaults(), "torch_dtype": "auto", **overrides}
    values["torch_dtype"] = _resolve_dtype(values["torch_dtype"], values.get("device", "auto"))
    return DiffusersGeneratorConfig(**values)


# --- where the weights are, and their fingerprint ----------------------------------------------------------

def pipeline_folder_fingerprint(folder: str | os.PathLike) -> str:
    """A key of the pipeline files in ``folder``: ``model_index.json`` and the folders of its components.

    Each file contributes its relative path and :func:`~squbed_utils.store.model_file_fingerprint`;
    other files (READMEs, original-format checkpoints, this project's
    ``config.json``) do not count.
    """
    folder = Path(folder)
    index = _read_model_index(folder)
    files = [folder / "model_index.json"]
    for name in sorted(_component_names(index)):
        if (folder / name).is_dir():
            files += sorted(p for p in (folder / name).rglob("*") if p.is_file())
    return model_folder_fingerprint(folder, files)


def _component_names(index: Mapping[str, Any]) -> list[str]:
    return [name for name, value in index.items()
            if not name.startswith("_") and isinstance(value, list) and value and value[0] is not None]


def _read_model_index(folder: Path) -> dict[str, Any]:
    index_file = folder / "model_index.json"
    if not index_file.is_file():
        raise FileNotFoundError(f"{folder} holds no model_index.json, so it is not a diffusers pipeline folder; pass "
                                "a folder written by save_pretrained (DiffusersVideoGenerator or a diffusers pipeline) "
                                "or a hub id")
    return json.loads(index_file.read_text())


def _pipeline_folder(path_or_id: str | os.PathLike, allow_download: bool) -> Path:
    """The local folder of a pipeline: the folder itself, or a hub id's snapshot (downloaded if allowed)."""
    return model_folder(path_or_id, what="pipeline", allow_download=allow_download, hint=(
        "pass an existing folder (written by save_pretrained or downloaded from the hub) or a hub id such as "
        f"{PIPELINE_FAMILIES['wan'].checkpoint!r}"),
        download=lambda hub_id, local_only: DiffusionPipeline.download(hub_id, local_files_only=local_only))


def _folders_fingerprint(folders: tuple[Path, ...]) -> str:
    return fingerprint([pipeline_folder_fingerprint(folder) for folder in folders])




@dataclasses.dataclass
class _Source:
    """A resolved checkpoint: the config a generator would get and the folders its weights come from."""

    config: DiffusersGeneratorConfig
    folders: tuple[Path, ...]
    index: dict[str, Any]

    @property
    def video2world(self) -> bool:
        """The folder is a Cosmos-Predict2 Video2World checkpoint; ``folders[1]`` is the Text2Image one."""
        return self.index.get("_class_name") == VIDEO2WORLD_CLASS


def _resolve(path_or_id, *, family, pipeline_class, torch_dtype, device, offload, allow_download,
             overrides) -> _Source:
    """Everything :meth:`DiffusersVideoGenerator.from_pretrained` decides before reading any weight."""
    folder = _pipeline_folder(path_or_id, allow_download)
    index = _read_model_index(folder)
    saved = read_config(folder, DiffusersVideoGenerator.architecture, what="pipeline", require=()) if (folder / CONFIG_NAME).is_file() else {}
    index_class = index.get("_class_name", "?")
    try:
        found = detect_family(pipeline_class or index_class)
    except ValueError:
        if family is None and "family" not in saved:
            raise
        found = None  # a class of the user's own: trust the family they name
    family = family or saved.get("family") or found
    get_family(family)
    if found is not None and found != family:
        raise ValueError(f"{path_or_id} holds a {index_class} ({found} family), not a {family} pipeline; "
                         "drop family= or pass a folder of that family")
    values = {**get_family(family).defaults(), **saved, **overrides}
    values.update(model=os.fspath(path_or_id), family=family, device=device, offload=offload,
                  torch_dtype=_resolve_dtype(torch_dtype, device))
    if pipeline_class is not None:
        values["pipeline_class"] = pipeline_class if isinstance(pipeline_class, str) else pipeline_class.__name__
    elif index_class != VIDEO2WORLD_CLASS:  # a Video2World checkpoint runs inside the family's class
        values["pipeline_class"] = index_class
    folders = (folder,)
    if index_class == VIDEO2WORLD_CLASS:
        if not values.get("image_model"):
            raise ValueError(f"{path_or_id} is a Cosmos-Predict2 Video2World checkpoint: pass image_model= the "
                             "Text2Image checkpoint that draws the first frame")
        folders += (_pipeline_folder(values["image_model"], allow_download),)
    else:
        values["image_model"] = None  # the folder holds the whole pipeline
    return _Source(DiffusersGeneratorConfig.from_dict(values, source=f"the config of {path_or_id}"), folders, index)


def _pipeline_class(name: str) -> type:
    if name == CosmosPredict2TextToWorldPipeline.__name__:
        return CosmosPredict2TextToWorldPipeline
    import diffusers

    found = getattr(diffusers, name, None)
    if not (isinstance(found, type) and issubclass(found, DiffusionPipeline)):
        known = sorted({f.pipeline_class for f in PIPELINE_FAMILIES.values()})
        raise ValueError(f"unknown pipeline class {name!r}: not a diffusers pipeline; known classes: {known} "
                         "(or pass the class object itself as pipeline_class=)")
    return found


def _check_cosmos_dependencies(source: _Source, components: Mapping[str, Any]) -> None:
    """Cosmos checkpoints need NVIDIA's guardrail package (unless the folder names another safety checker) and,
    when their transformers concatenate a padding mask (the released ones do), torchvision to resize it."""
    from diffusers.utils import is_cosmos_guardrail_available, is_torchvision_available

    if not get_family(source.config.family).needs_guardrail:
        return
    indexes = [_read_model_index(folder) for folder in source.folders]
    declared = [index.get("safety_checker") or [None] for index in indexes]
    if ("safety_checker" not in components and not is_cosmos_guardrail_available()
            and any(entry[0] in (None, "cosmos_guardrail") for entry in declared)):
        raise ImportError(
            "Cosmos pipelines run NVIDIA's guardrail, which the NVIDIA Open Model License does not let you switch "
            "off: `pip install cosmos_guardrail` (it downloads nvidia/Cosmos-Guardrail1 on first use)")
    transformers = [folder / name / "config.json" for folder, index in zip(source.folders, indexes)
                    for name in ("transformer", "image_transformer") if name in index]
    if not is_torchvision_available() and any(
            json.loads(path.read_text()).get("concat_padding_mask") for path in transformers if path.is_file()):
        raise ImportError("this Cosmos checkpoint's transformer resizes its padding mask with torchvision: install "
                          "the torchvision build that matches your torch")


def _load(source: _Source, pipeline_class, components: Mapping[str, Any]):
    from diffusers.utils import is_accelerate_available

    config = source.config
    if not is_accelerate_available():  # diffusers cannot load e.g. Wan's transformer without it
        raise ImportError("loading a diffusers pipeline from files needs accelerate: `pip install accelerate`")
    _check_cosmos_dependencies(source, components)
    options = dict(dtype=getattr(torch, config.torch_dtype), local_files_only=True, **components)
    if source.video2world:
        from diffusers import Cosmos2TextToImagePipeline, Cosmos2VideoToWorldPipeline

        video2world = Cosmos2VideoToWorldPipeline.from_pretrained(source.folders[0], **options)
        shared = {name: getattr(video2world, name) for name in ("text_encoder", "tokenizer", "vae", "safety_checker")}
        text2image = Cosmos2TextToImagePipeline.from_pretrained(source.folders[1], **{**options, **shared})
        return CosmosPredict2TextToWorldPipeline.from_stages(text2image, video2world)
    cls = pipeline_class if isinstance(pipeline_class, type) else _pipeline_class(config.pipeline_class)
    return cls.from_pretrained(source.folders[0], **options)


# --- the generator -----------------------------------------------------------------------------------------


class DiffusersVideoGenerator(VideoGenerator):
    """A diffusers text-to-video pipeline as a :class:`VideoGenerator`: prompts and seeds in, uint8 clips out.

    Parameters
    ----------
    pipeline : DiffusionPipeline
        A text-to-video pipeline of a known family (see :data:`PIPELINE_FAMILIES`).
    config : DiffusersGeneratorConfig
        Its settings (:func:`family_config`). The pipeline must already be in
        ``config.torch_dtype`` (casting with ``.to`` would also cast the
        modules diffusers keeps in float32); it is moved to ``config.device`` (or offloaded).

    Raises
    ------
    RuntimeError
        If ``config.device`` asks for CUDA and there is none.
    ValueError
        If the pipeline's family differs from ``config.family``, or offload is asked for without CUDA.

    Examples
    --------
    A tiny random pipeline (noise, but the real code path)::

        from squbed_utils.testing.pipelines import TINY_SETTINGS, tiny_pipeline
        generator = DiffusersVideoGenerator.from_pipeline(tiny_pipeline("wan"), device="cpu", **TINY_SETTINGS["wan"])
        generator(["a red ball", "a dog"], seeds=[0, 1]).shape   # (2, 5, 16, 32, 3)
    """

    architecture = "DiffusersVideoGenerator"
    config_class = DiffusersGeneratorConfig

    def __init__(self, pipeline, config: DiffusersGeneratorConfig):
        super().__init__(config)
        try:
            found = detect_family(pipeline)
        except ValueError:  # a pipeline class of the user's own: trust config.family
            found = config.family
        if found != config.family:
            raise ValueError(f"the pipeline is a {type(pipeline).__name__} ({found} family) but the config says "
                             f"family={config.family!r}")
        device = resolve_device(config.device)
        if config.offload is not None and not device.startswith("cuda"):
            raise ValueError(f"offload={config.offload!r} moves weights between the CPU and a GPU: it needs "
                             f"device='cuda', got {config.device!r}")
        if config.offload is None:
            pipeline.to(device)
        elif config.offload == "model":
            pipeline.enable_model_cpu_offload(device=device)
        else:
            pipeline.enable_sequential_cpu_offload(device=device)
        pipeline.set_progress_bar_config(disable=True)
        self.pipeline = pipeline
        self._folders: tuple[Path, ...] = ()  # set by from_pretrained: where the weights were read from

    @property
    def clip_shape(self) -> tuple[int, int, int, int]:
        """Shape of one returned clip: (frames, height, width, 3), or the ``output_*`` geometry where set."""
        config = self.config
        return (config.output_frames or config.frames, config.output_height or config.height,
                config.output_width or config.width, 3)

    @property
    def generated_shape(self) -> tuple[int, int, int, int]:
        """Shape of one clip as the pipeline makes it: (frames, height, width, 3)."""
        return (self.config.frames, self.config.height, self.config.width, 3)

    # -- construction ------------------------------------------------------

    @classmethod
    def from_pipeline(cls, pipeline, *, family: str | None = None, **overrides: Any) -> DiffusersVideoGenerator:
        """Wrap a pipeline built in memory, with its family's defaults (:func:`family_config`) and ``overrides``.

        ``torch_dtype`` defaults to the dtype of the pipeline's transformer (no cast).
        """
        family = family or detect_family(pipeline)
        overrides.setdefault("torch_dtype", str(pipeline.transformer.dtype).removeprefix("torch."))
        overrides.setdefault("pipeline_class", type(pipeline).__name__)
        return cls(pipeline, family_config(family, **overrides))

    @classmethod
    def from_pretrained(
        cls,
        path_or_id: str | os.PathLike,
        *,
        family: str | None = None,
        pipeline_class: str | type | None = None,
        torch_dtype: str = "auto",
        device: str = "auto",
        offload: str | None = None,
        allow_download: bool = False,
        components: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> DiffusersVideoGenerator:
        """Load a pipeline from a folder or a hub id and wrap it.

        Parameters
        ----------
        path_or_id : str or path-like
            A diffusers pipeline folder (one written by :meth:`save_pretrained`
            also restores this project's config) or a hub id. For
            Cosmos-Predict2, the Video2World checkpoint; ``image_model=`` names the Text2Image one.
        family : str, optional
            A key of :data:`PIPELINE_FAMILIES`; detected from ``model_index.json`` when omitted.
        pipeline_class : str or type, optional
            The class to load with (a diffusers class name, or a subclass of
            your own); default: the one ``model_index.json`` names.
        torch_dtype : {"auto", "float32", "bfloat16", "float16"}, default "auto"
            ``"auto"``: bfloat16 on CUDA, float32 on the CPU.
        device : {"auto", "cpu", "cuda", "cuda:k"}, default "auto"
        offload : {None, "model", "sequential"}
            CPU offload (needs CUDA and ``accelerate``).
        allow_download : bool, default False
            Hub ids load only from the local Hugging Face cache unless True.
        components : mapping, optional
            Components to use instead of the saved ones (passed to diffusers'
            ``from_pretrained``, e.g. ``{"vae": vae}``). They do not enter the
            weights fingerprint: give them a ``call_kwargs`` tag if they differ from the files.
        **overrides
            :class:`DiffusersGeneratorConfig` fields (frames, height, width,
            num_inference_steps, guidance_scale, negative_prompt, fps,
            max_sequence_length, max_batch_size, image_model, call_kwargs).

        Raises
        ------
        FileNotFoundError
            A local path that does not exist, a folder that is not a pipeline,
            or a hub id that is not cached while downloads are off.
        ValueError
            An unknown family or pipeline class, or frames or sizes the family cannot generate.
        RuntimeError
            ``device="cuda"`` without CUDA.
        ImportError
            A Cosmos checkpoint without the ``cosmos_guardrail`` package.
        """
        resolve_device(device)  # fail before reading gigabytes
        source = _resolve(path_or_id, family=family, pipeline_class=pipeline_class, torch_dtype=torch_dtype,
                          device=device, offload=offload, allow_download=allow_download, overrides=overrides)
        generator = cls(_load(source, pipeline_class, components or {}), source.config)
        generator._folders = source.folders
        return generator

    @classmethod
    def pretrained_cache_key(cls, path_or_id: str | os.PathLike, **options: Any) -> str:
        """The :attr:`cache_key` that ``from_pretrained(path_or_id, **options)`` would have, without loading weights.

        Reads ``model_index.json``, this project's ``config.json`` and the file
        fingerprints (:func:`pipeline_folder_fingerprint`). Takes the keyword
        arguments of :meth:`from_pretrained` (``components`` excepted). The
        device is not checked, so a CPU-only driver can key clips for GPU
        workers; ``torch_dtype="auto"`` resolves on the calling machine, so pass
        the workers' dtype explicitly.
        """
        arguments = dict(family=None, pipeline_class=None, torch_dtype="auto", device="auto", offload=None,
                         allow_download=False)
        overrides = {k: v for k, v in options.items() if k not in arguments}
        arguments.update({k: v for k, v in options.items() if k in arguments})
        source = _resolve(path_or_id, overrides=overrides, **arguments)
        return fingerprint(_cache_info(source.config, _folders_fingerprint(source.folders)))

    # -- identity ----------------------------------------------------------

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every tensor of the pipeline's torch components, named ``component.parameter``."""
        return {f"{name}.{key}": value
                for name, component in self.pipeline.components.items() if isinstance(component, torch.nn.Module)
                for key, value in component.state_dict().items()}

    def weights_fingerprint(self) -> str:
        """The folders' file fingerprint when loaded from files, else a hash of tensors, scheduler and vocabulary."""
        if self._folders:
            return _folders_fingerprint(self._folders)
        settings = {name: dict(component.config) for name, component in self.pipeline.components.items()
                    if component is not None and not isinstance(component, torch.nn.Module)
                    and hasattr(component, "config")}
        tokenizer = getattr(self.pipeline, "tokenizer", None)
        vocabulary = tokenizer.get_vocab() if tokenizer is not None else None
        return fingerprint(tensor_fingerprint(self.state_dict()), settings, vocabulary)

    def cache_info(self) -> dict[str, Any]:
        """The config less execution settings (model, device, offload) and the weights."""
        return _cache_info(self.config, self.weights_fingerprint())

    # -- sampling ----------------------------------------------------------

    def _call_arguments(self, sampling: Mapping[str, Any]) -> dict[str, Any]:
        config = self.config
        reserved = sorted(set(sampling) & set(_RESERVED_ARGUMENTS))
        if reserved:
            raise ValueError(f"sampling options may not set {reserved}: frames, height and width are fixed by the "
                             "config (one clip shape per generator); prompts and seeds are the call's arguments")
        arguments = dict(num_frames=config.frames, height=config.height, width=config.width,
                         num_inference_steps=config.num_inference_steps, guidance_scale=config.guidance_scale,
                         max_sequence_length=config.max_sequence_length)
        if config.negative_prompt is not None:
            arguments["negative_prompt"] = config.negative_prompt
        fps_argument = get_family(config.family).fps_argument
        if fps_argument is not None:
            arguments[fps_argument] = config.fps
        arguments.update(config.call_kwargs)
        arguments.update(sampling)
        accepted = inspect.signature(self.pipeline.__call__).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
        unknown = [] if takes_any else sorted(set(arguments) - set(accepted))
        if unknown:
            raise ValueError(f"{type(self.pipeline).__name__} does not accept {unknown}; it accepts "
                             f"{sorted(set(accepted) - set(_RESERVED_ARGUMENTS) - {'self'})}")
        return arguments

    @property
    def batch_size(self) -> int:
        """Clips per pipeline call: ``config.max_batch_size``."""
        return self.config.max_batch_size

    def generate_batch(self, prompts: list[str], seeds: np.ndarray, **sampling: Any) -> np.ndarray:
        """Clips for ``max_batch_size`` validated prompts and seeds, one pipeline call: uint8 (n, T, H, W, 3).

        ``sampling`` overrides config values for this call (``num_inference_steps``,
        ``guidance_scale``, ``negative_prompt``) or adds pipeline arguments.
        """
        arguments = self._call_arguments(sampling)
        generators = [torch.Generator("cpu").manual_seed(int(seed)) for seed in seeds]
        output = np.asarray(self.pipeline(prompt=list(prompts), generator=generators, output_type="np",
                                          **arguments).frames)
        if output.shape != (len(generators), *self.generated_shape):
            raise RuntimeError(
                f"{type(self.pipeline).__name__} returned clips of shape {output.shape[1:]}, not the configured "
                f"{self.generated_shape}: this checkpoint's VAE or patch size needs other frames, height or width")
        clips = np.rint(np.clip(output, 0.0, 1.0) * 255.0).astype(np.uint8)
        if self.clip_shape != self.generated_shape:
            frames, height, width, _ = self.clip_shape
            clips = np.stack([resample_clip(clip, frames=frames, height=height, width=width) for clip in clips])
        return clips

    # -- persistence -------------------------------------------------------

    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Write the pipeline (diffusers layout) and ``config.json`` (this config) to the folder ``path``; return it.

        ``config.json`` is written last, so a folder that has it is complete.
        """
        path = Path(path)
        self.pipeline.save_pretrained(path)
        text = config_json(self.architecture, _FORMAT_VERSION, self.config.to_dict())
        atomic_write(path / CONFIG_NAME, lambda file: file.write(text), binary=False)
        return path

    def __repr__(self) -> str:
        config = self.config
        return (f"{type(self).__name__}({config.family}, {type(self.pipeline).__name__}, model={config.model!r}, "
                f"clip={self.clip_shape}, {config.torch_dtype})")


def _cache_info(config: DiffusersGeneratorConfig, weights: str) -> dict[str, Any]:
    settings = {k: v for k, v in config.to_dict().items() if k not in _EXECUTION_FIELDS}
    return {"architecture": DiffusersVideoGenerator.architecture, "config": settings, "weights": weights}
