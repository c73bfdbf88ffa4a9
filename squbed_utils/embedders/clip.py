"""CLIP video embeddings with Hugging Face Transformers: the paper's visual encoder (512-d for ViT-B/32).

S-QUBED embeds every video with CLIP (``openai/clip-vit-base-patch32`` gives
512-d vectors) to fit von Mises-Fisher distributions, and scores accuracy as the
cosine between the CLIP embeddings of a generated and a ground-truth video.
CLIP is an image model, so a clip becomes one vector as follows:

1. **Frames.** ``frames_sampled`` frames (default 8) are taken uniformly over
   the clip: the middle frame of each of ``frames_sampled`` equal segments
   (:func:`sample_frame_indices`); a clip with fewer frames uses all of them.
   The paper does not say how many frames it embeds or which; this is our
   choice, and a parameter.
2. **Preprocessing**, exactly as the model's ``CLIPImageProcessor`` says
   (its ``preprocessor_config.json``): resize the shortest side (bicubic,
   antialiased), centre crop to the model's input (224 x 224 for ViT-B/32),
   rescale to [0, 1] and normalise with CLIP's channel mean and standard
   deviation. It runs in torch on the model's device, as two separable passes
   rounded to whole pixel values in between, which is how Pillow (the
   processor's backend) resizes; the result matches the processor's except
   for a few values in ten thousand that round to the next pixel level
   (tests/test_clip_embedder.py checks it).
3. **Features.** ``CLIPModel.get_image_features`` (the image tower and its
   projection) embeds every sampled frame.
4. **Pooling.** Each frame's features are L2-normalised, averaged over the
   frames and the mean is L2-normalised again: the video's vector is the mean
   direction of its frames on the sphere, every frame weighing the same (the
   "mean pooling" of CLIP4Clip). The paper does not say how it pools frames.

:meth:`ClipVideoEmbedder.embed_text` embeds texts with CLIP's text tower into
the same space, so ``video @ text.T`` are CLIP's text-video cosines.

Loading is offline by default: a local folder, or a hub id already in the
local Hugging Face cache; ``allow_download=True`` fetches a hub id on a machine
with internet. :func:`squbed_utils.testing.clip.save_tiny_clip` writes a tiny
random CLIP in the same layout, for tests.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..checkpoints import staged_folder
from ..runtime import model_folder, resolve_device
from ..store import model_folder_fingerprint, tensor_fingerprint
from ..validation import check_positive_int, check_prompts
from .base import VideoEmbedder

__all__ = [
    "DEFAULT_CLIP_MODEL",
    "ClipVideoConfig",
    "ClipVideoEmbedder",
    "sample_frame_indices",
]

#: The paper's CLIP (512-d embeddings).
DEFAULT_CLIP_MODEL = "openai/clip-vit-base-patch32"
#: The settings this module adds to a CLIP folder (the rest is Transformers' own layout).
SETTINGS_NAME = "clip_video_embedder.json"
_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
# Pillow filters the processor may name, and the torch modes that reproduce them.
_RESAMPLE_MODES = {2: "bilinear", 3: "bicubic"}
# What from_pretrained(allow_download=True) fetches of a hub repository: configs, tokenizer
# and Transformers' weights (not the TensorFlow, Flax or OpenCLIP copies some repositories hold).
_HUB_FILES = ["*.json", "*.txt", "model.safetensors", "model-*.safetensors"]
_HUB_PICKLED_WEIGHTS = ["pytorch_model.bin", "pytorch_model-*.bin"]
# Files whose content decides the embeddings (weights, model / processor / tokenizer configs, vocabularies).
_FINGERPRINTED_SUFFIXES = {".json", ".safetensors", ".bin", ".txt", ".model"}


def sample_frame_indices(num_frames: int, frames_sampled: int) -> np.ndarray:
    """Indices of the frames embedded from a clip of ``num_frames`` frames.

    The clip is cut into ``k = frames_sampled`` segments of equal length and
    the middle frame of each is kept: index ``j`` is ``floor((2 j + 1) T / (2 k))``
    for ``j = 0, ..., k - 1`` (``T = num_frames``), computed in integers. A
    clip of at most ``k`` frames keeps all of them, so every kept frame weighs
    the same in the average.

    Parameters
    ----------
    num_frames : int
        Frames in the clip, T >= 1.
    frames_sampled : int
        Frames to keep, k >= 1.

    Returns
    -------
    ndarray of int64, shape (min(T, k),)
        Strictly increasing indices in ``[0, T)``.

    Examples
    --------
    >>> sample_frame_indices(93, 8).tolist()
    [5, 17, 29, 40, 52, 63, 75, 87]
    >>> sample_frame_indices(9, 1).tolist(), sample_frame_indices(3, 8).tolist()
    ([4], [0, 1, 2])
    """
    t = check_positive_int("num_frames", num_frames)
    k = check_positive_int("frames_sampled", frames_sampled)
    if t <= k:
        return np.arange(t, dtype=np.int64)
    return (2 * np.arange(k, dtype=np.int64) + 1) * t // (2 * k)


@dataclasses.dataclass(frozen=True)
class ClipVideoConfig:
    """Settings of :class:`ClipVideoEmbedder` that change its embeddings.

    Attributes
    ----------
    model : str
        What was loaded: a local folder or a hub id (default the paper's
        ``openai/clip-vit-base-patch32``). Not part of the cache key: the
        weights' fingerprint is (see :meth:`ClipVideoEmbedder.cache_info`).
    frames_sampled : int, default 8
        Frames embedded per clip, taken uniformly (:func:`sample_frame_indices`).
        The paper is silent on this; 8 is our choice.
    device : str
        Where the model runs (``"cpu"``, ``"cuda"``, ``"cuda:1"``).
    dtype : {"float32", "float16", "bfloat16"}
        The model's precision (preprocessing and pooling are always float32).
    image_size : int
        Side of the square crop the processor produces and the model reads
        (224 for ViT-B/32).
    """

    model: str = DEFAULT_CLIP_MODEL
    frames_sampled: int = 8
    device: str = "cpu"
    dtype: str = "float32"
    image_size: int = 224

    def __post_init__(self) -> None:
        check_positive_int("frames_sampled", self.frames_sampled)
        check_positive_int("image_size", self.image_size)
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, got {self.dtype!r}")


@dataclasses.dataclass(frozen=True)
class _ImagePreprocessing:
    """The steps of a ``CLIPImageProcessor``, read from its settings (None: step skipped)."""

    shortest_edge: int | None
    resize_to: tuple[int, int] | None
    mode: str
    crop: tuple[int, int] | None
    rescale: float | None
    mean: tuple[float, float, float] | None
    std: tuple[float, float, float] | None

    @classmethod
    def from_processor(cls, processor) -> _ImagePreprocessing:
        size = dict(processor.size or {}) if processor.do_resize else {}
        if processor.do_resize and not (size.get("shortest_edge") or (size.get("height") and size.get("width"))):
            raise ValueError(f"the image processor's size {size} is not supported: it needs shortest_edge, "
                             "or height and width")
        resample = int(processor.resample) if processor.resample is not None else 2
        if resample not in _RESAMPLE_MODES:
            raise ValueError(f"the image processor's resample filter {resample} is not supported: "
                             "use 2 (bilinear) or 3 (bicubic)")
        crop = dict(processor.crop_size) if processor.do_center_crop else None
        return cls(
            shortest_edge=size.get("shortest_edge"),
            resize_to=(size["height"], size["width"]) if size.get("height") else None,
            mode=_RESAMPLE_MODES[resample],
            crop=(crop["height"], crop["width"]) if crop else None,
            rescale=float(processor.rescale_factor) if processor.do_rescale else None,
            mean=tuple(float(v) for v in processor.image_mean) if processor.do_normalize else None,
            std=tuple(float(v) for v in processor.image_std) if processor.do_normalize else None,
        )

    def resized_size(self, height: int, width: int) -> tuple[int, int]:
        """(height, width) after the resize, with Transformers' rounding (the long side truncated)."""
        if self.resize_to is not None:
            return self.resize_to
        if self.shortest_edge is None:
            return height, width
        short, long = sorted((height, width))
        long = int(self.shortest_edge * long / short)
        return (long, self.shortest_edge) if height > width else (self.shortest_edge, long)


class ClipVideoEmbedder(VideoEmbedder):
    """CLIP image features of uniformly sampled frames, averaged on the sphere (512-d for ViT-B/32).

    Build it with :meth:`from_pretrained`, or from a loaded model. See the
    module docstring for the exact computation.

    Parameters
    ----------
    model : transformers.CLIPModel
        In eval mode on its device; the config's ``device`` and ``dtype`` are read from it.
    image_processor : transformers.CLIPImageProcessor
        Its settings (sizes, filter, mean, std) define the preprocessing.
    tokenizer : transformers tokenizer, optional
        CLIP's tokenizer; needed by :meth:`embed_text` only.
    name : str, default "custom"
        What the model is (``config.model``).
    frames_sampled : int, default 8
        Frames embedded per clip.
    folder : path, optional
        The folder the model was loaded from; its files' fingerprint then
        identifies the weights in :meth:`cache_info` (otherwise the weights are hashed).

    Raises
    ------
    ValueError
        If the processor's output size is not the model's input size, or its
        settings are not supported.

    Examples
    --------
    With the paper's CLIP (downloaded once with ``allow_download=True``)::

        embed = ClipVideoEmbedder.from_pretrained("openai/clip-vit-base-patch32", device="cuda")
        videos = embed(clips)                                       # (N, 512) float32, unit rows
        scores = videos @ embed.embed_text(["a dog on a beach"]).T  # text-video cosines, (N, 1)
    """

    name = "clip"
    default_batch_size = 16

    def __init__(self, model, image_processor, tokenizer=None, *, name: str = "custom", frames_sampled: int = 8,
                 folder: str | os.PathLike | None = None) -> None:
        self.network = model.eval().requires_grad_(False)
        self.image_processor, self.tokenizer = image_processor, tokenizer
        self.folder = Path(folder) if folder is not None else None
        self.preprocessing = _ImagePreprocessing.from_processor(image_processor)
        expected = model.config.vision_config.image_size
        produced = self.preprocessing.crop or self.preprocessing.resize_to
        if produced != (expected, expected):
            raise ValueError(
                f"the image processor makes {produced or 'variable-size'} images but the CLIP model reads "
                f"{expected} x {expected}: the processor belongs to another model"
            )
        parameter = next(model.parameters())
        self.device = parameter.device
        self.config = ClipVideoConfig(model=str(name), frames_sampled=frames_sampled, device=str(parameter.device),
                                      dtype=str(parameter.dtype).removeprefix("torch."), image_size=expected)
        self.dim = int(model.config.projection_dim)
        self._weights_fingerprint: str | None = None
        if self.preprocessing.mean is not None:
            self._mean = torch.tensor(self.preprocessing.mean, device=self.device).view(1, 3, 1, 1)
            self._std = torch.tensor(self.preprocessing.std, device=self.device).view(1, 3, 1, 1)

    # -- loading -------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls,
        path_or_id: str | os.PathLike = DEFAULT_CLIP_MODEL,
        *,
        frames_sampled: int | None = None,
        device: str = "auto",
        dtype: str | None = None,
        allow_download: bool = False,
    ) -> ClipVideoEmbedder:
        """Load a CLIP model, its image processor and tokenizer from a folder or the hub.

        Parameters
        ----------
        path_or_id : str or path-like, default ``"openai/clip-vit-base-patch32"``
            A local folder in Transformers' layout (``config.json``, weights,
            ``preprocessor_config.json``, tokenizer files), as written by
            :meth:`save_pretrained`, or a hub id.
        frames_sampled : int, optional
            Frames embedded per clip; default: the value saved in the folder
            by :meth:`save_pretrained`, else 8.
        device : {"auto", "cpu", "cuda", "cuda:k"}, default "auto"
            ``"auto"`` is CUDA when available.
        dtype : {"float32", "float16", "bfloat16"}, optional
            Default float16 on CUDA (as OpenAI's CLIP runs there), float32 on the CPU.
        allow_download : bool, default False
            For a hub id: ``False`` reads only the local Hugging Face cache.

        Raises
        ------
        FileNotFoundError
            If a local path does not exist or lacks a file CLIP needs, or a hub
            id is not cached and ``allow_download`` is False.
        RuntimeError
            If CUDA is asked for and torch sees none.
        ValueError
            For an unknown dtype or a folder that holds another kind of model.
        """
        if frames_sampled is not None:  # fail before loading anything
            check_positive_int("frames_sampled", frames_sampled)
        device = resolve_device(device)
        dtype = dtype or ("float16" if device.startswith("cuda") else "float32")
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, got {dtype!r}")
        folder = _model_folder(path_or_id, allow_download)
        config_file = folder / "config.json"
        if not config_file.is_file():
            raise FileNotFoundError(
                f"{str(folder)!r} is not a CLIP model folder: config.json is missing (a folder written by "
                "save_pretrained holds config.json, the weights, preprocessor_config.json and the tokenizer files)"
            )
        model_type = json.loads(config_file.read_text()).get("model_type")
        if model_type != "clip":
            raise ValueError(f"{str(folder)!r} holds a {model_type!r} model, not a CLIP model ('clip')")
        if frames_sampled is None:
            settings = folder / SETTINGS_NAME
            frames_sampled = json.loads(settings.read_text())["frames_sampled"] if settings.is_file() else 8
        from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel

        try:
            model = CLIPModel.from_pretrained(str(folder), dtype=_DTYPES[dtype], local_files_only=True)
            processor = AutoImageProcessor.from_pretrained(str(folder), local_files_only=True)
        except OSError as error:
            raise FileNotFoundError(f"could not load CLIP from {str(folder)!r}: {error}") from None
        has_tokenizer = any((folder / name).is_file() for name in ("tokenizer.json", "vocab.json"))
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True) if has_tokenizer else None
        return cls(model.to(device), processor, tokenizer, name=str(path_or_id), frames_sampled=frames_sampled,
                   folder=folder)

    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Write the model, image processor, tokenizer and ``frames_sampled`` to the folder ``path``.

        The folder is Transformers' layout (``CLIPModel.from_pretrained`` reads
        it too) plus ``clip_video_embedder.json``. Files are written into a
        temporary folder first and moved into place, so an interrupted save
        leaves no half-written checkpoint.
        """
        with staged_folder(path) as staging:
            self.network.save_pretrained(staging)
            self.image_processor.save_pretrained(staging)
            if self.tokenizer is not None:
                self.tokenizer.save_pretrained(staging)
            (staging / SETTINGS_NAME).write_text(json.dumps({"frames_sampled": self.config.frames_sampled}) + "\n")
        return Path(path)

    # -- identity, for per-item caches ---------------------------------------

    def cache_info(self) -> dict[str, Any]:
        """Everything that changes the embeddings: the config (not where the weights live), the
        preprocessing and a fingerprint of the weights.

        The fingerprint hashes every weight, configuration and vocabulary file of
        the folder the model came from (name and content, read once per
        embedder; files in the Hugging Face cache are named after their content
        hash, so those are not read at all), so cached embeddings never outlive
        a change of weights. A model built in memory hashes its tensors.
        """
        if self._weights_fingerprint is None:
            if self.folder is None:
                self._weights_fingerprint = tensor_fingerprint(self.network.state_dict())
            else:
                self._weights_fingerprint = _folder_fingerprint(self.folder)
        config = dataclasses.asdict(self.config)
        del config["model"]
        return {"embedder": self.name, "config": config, "preprocessing": dataclasses.asdict(self.preprocessing),
                "weights": self._weights_fingerprint}

    # -- embedding -------------------------------------------------------------

    def preprocess(self, frames: torch.Tensor) -> torch.Tensor:
        """CLIP's image preprocessing of uint8 frames, in torch on the model's device.

        Parameters
        ----------
        frames : torch.Tensor of uint8, shape (N, H, W, 3)
            RGB frames, values 0..255.

        Returns
        -------
        torch.Tensor of float32, shape (N, 3, S, S)
            What the image processor returns as ``pixel_values`` for these
            frames (S = ``config.image_size``), up to Pillow's fixed-point
            rounding: a few values in ten thousand differ by one pixel level
            (two at most, measured).
        """
        steps = self.preprocessing
        pixels = frames.to(self.device).permute(0, 3, 1, 2).float()
        height, width = steps.resized_size(*pixels.shape[-2:])
        # Pillow resizes in two passes, width first, rounding to whole pixel values after each.
        for size in ((pixels.shape[-2], width), (height, width)):
            if tuple(pixels.shape[-2:]) != size:
                pixels = F.interpolate(pixels, size=size, mode=steps.mode, antialias=True, align_corners=False)
                pixels = pixels.round_().clamp_(0, 255)
        if steps.crop is not None:
            if height < steps.crop[0] or width < steps.crop[1]:  # Transformers would pad; no CLIP config needs it
                raise ValueError(f"frames resized to {height} x {width} are smaller than the processor's crop {steps.crop}")
            top, left = (height - steps.crop[0]) // 2, (width - steps.crop[1]) // 2  # Transformers' offsets
            pixels = pixels[..., top : top + steps.crop[0], left : left + steps.crop[1]]
        if steps.rescale is not None:
            pixels = pixels * steps.rescale
        if steps.mean is not None:
            pixels = (pixels - self._mean) / self._std
        return pixels.contiguous()

    def _embed_batch(self, clips: torch.Tensor) -> torch.Tensor:
        batch, num_frames = clips.shape[:2]
        keep = torch.from_numpy(sample_frame_indices(num_frames, self.config.frames_sampled))
        pixels = self.preprocess(clips[:, keep].flatten(0, 1))  # (B * k, 3, S, S)
        features = _pooled(self.network.get_image_features(pixel_values=pixels.to(self.network.dtype)))
        frames = F.normalize(features.float(), dim=-1, eps=1e-12)
        return frames.view(batch, len(keep), -1).mean(dim=1)  # the base class normalises the mean

    def embed_text(self, texts: str | Sequence[str], *, batch_size: int | None = None) -> np.ndarray:
        """CLIP text embeddings, in the space of the video embeddings.

        Parameters
        ----------
        texts : str or sequence of str
            Non-empty texts (a single str is one text); longer ones are cut at
            the text tower's context (77 tokens for OpenAI's CLIP).
        batch_size : int, optional
            Texts per forward pass (default :attr:`default_batch_size` x 16).

        Returns
        -------
        ndarray of float32, shape (N, dim)
            Unit rows; ``videos @ texts.T`` are CLIP's text-video cosines.

        Raises
        ------
        ValueError
            If a text is empty or not a str, or the embedder has no tokenizer.
        """
        texts = check_prompts(texts)
        if self.tokenizer is None:
            raise ValueError("this ClipVideoEmbedder has no tokenizer; pass tokenizer= or load a folder that has one")
        batch_size = check_positive_int("batch_size", 16 * self.default_batch_size if batch_size is None else batch_size)
        context = self.network.config.text_config.max_position_embeddings
        out = np.empty((len(texts), self.dim), np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                tokens = self.tokenizer(texts[start : start + batch_size], padding=True, truncation=True,
                                        max_length=context, return_tensors="pt").to(self.device)
                features = _pooled(self.network.get_text_features(input_ids=tokens["input_ids"],
                                                                  attention_mask=tokens["attention_mask"]))
                out[start : start + batch_size] = F.normalize(features.float(), dim=-1, eps=1e-12).cpu().numpy()
        return out


def _pooled(output) -> torch.Tensor:
    """Projected features from ``get_image_features`` / ``get_text_features``.

    Transformers 5 returns a model output whose ``pooler_output`` holds them; 4.x returned the tensor.
    """
    return output if isinstance(output, torch.Tensor) else output.pooler_output


def _model_folder(path_or_id: str | os.PathLike, allow_download: bool) -> Path:
    """The local folder of a CLIP model: ``path_or_id`` itself, or a hub id's snapshot in the Hugging Face cache."""
    from huggingface_hub import snapshot_download

    folder = model_folder(path_or_id, what="CLIP model", allow_download=allow_download, hint=(
        "the folder does not exist; pass an existing folder (written by save_pretrained) or a hub id such as "
        f"{DEFAULT_CLIP_MODEL!r}"), download=lambda hub_id, local_only: snapshot_download(
            hub_id, allow_patterns=_HUB_FILES, local_files_only=local_only))
    if allow_download and not any(folder.glob("*.safetensors")):  # older repositories hold pickled weights only
        folder = Path(snapshot_download(os.fspath(path_or_id), allow_patterns=_HUB_PICKLED_WEIGHTS))
    return folder


def _folder_fingerprint(folder: Path) -> str:
    """Key of a model folder's weight, configuration and vocabulary files."""
    return model_folder_fingerprint(folder, [p for p in folder.rglob("*") if p.is_file() and p.suffix in _FINGERPRINTED_SUFFIXES])
