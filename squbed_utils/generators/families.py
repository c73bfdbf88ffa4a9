"""Text-to-video pipeline families: their classes, reference checkpoints, documented defaults and geometry rules.

Families
--------
:data:`PIPELINE_FAMILIES` holds, per family, the pipeline class, the reference
checkpoint and its documented defaults, and the frame and size rules:

========================  =================================  ======  =========  ===  =====  ========
family                    reference checkpoint               frames  H x W      fps  steps  guidance
========================  =================================  ======  =========  ===  =====  ========
``cosmos-predict2`` [1]   nvidia/Cosmos-Predict2-2B-...      93      704x1280   16   35     7.0
``wan`` [2]               Wan-AI/Wan2.1-T2V-1.3B-Diffusers   81      480x832    16   50     5.0
``cogvideox`` [3]         THUDM/CogVideoX-2b                 49      480x720    8    50     6.0
``ltx`` [4]               Lightricks/LTX-Video               161     480x704    25   50     3.0
========================  =================================  ======  =========  ===  =====  ========

Frame counts must be ``k * frame_step + 1`` and sizes multiples of
``size_step``: Wan and Cosmos 4 and 16 (a VAE that compresses time 4x and
space 8x, then 2x2 patches), LTX-Video 8 and 32 (its model card), CogVideoX
8 and 16: its VAE compresses time 4x, but decodes an even number of latent
frames to 4 frames each (2 latents -> 8 frames, measured), so only an odd
latent count, i.e. ``8k + 1`` frames, gives back the frames asked for.

References
----------
.. [1] NVIDIA, Cosmos-Predict2 model reference, https://docs.nvidia.com/cosmos/latest/predict2/reference.html
   (Text2World = Text2Image + Video2World); model card
   https://huggingface.co/nvidia/Cosmos-Predict2-2B-Video2World (93 frames, 16 fps, 720p); diffusers
   ``Cosmos2VideoToWorldPipeline`` defaults (704x1280, 35 steps, guidance 7.0, max_sequence_length 512).
.. [2] https://huggingface.co/Wan-AI/Wan2.1-T2V-1.3B-Diffusers and the diffusers Wan docs (480x832, 81 frames
   ``4k + 1``, guidance 5.0, exported at 16 fps; ``WanPipeline`` defaults 50 steps, max_sequence_length 512).
.. [3] https://huggingface.co/THUDM/CogVideoX-2b (720x480, 49 frames at 8 fps, 50 steps, guidance 6.0;
   the transformer reads 226 text tokens).
.. [4] https://huggingface.co/Lightricks/LTX-Video (sizes divisible by 32, frames ``8k + 1``) and the diffusers
   ``LTXPipeline`` example (704x480, 161 frames, 50 steps); pipeline defaults guidance 3.0, frame_rate 25,
   max_sequence_length 128.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..validation import check_positive_int

__all__ = ["PipelineFamily", "PIPELINE_FAMILIES", "known_families", "get_family", "detect_family", "check_geometry"]


@dataclasses.dataclass(frozen=True)
class PipelineFamily:
    """What the generator knows about one family of text-to-video pipelines.

    Attributes
    ----------
    name : str
    pipeline_class : str
        The class that generates (a diffusers class, or :class:`~squbed_utils.generators.cosmos.CosmosPredict2TextToWorldPipeline`).
    class_names : tuple of str
        ``_class_name`` values of ``model_index.json`` (or pipeline classes) that mean this family.
    checkpoint : str
        Hub id of the reference checkpoint (for Cosmos-Predict2, the Video2World half).
    frames, height, width, fps, num_inference_steps, guidance_scale, max_sequence_length
        The reference checkpoint's documented defaults (see the module references).
    negative_prompt : str or None
        The negative prompt of the family's documented example; None keeps the pipeline's own.
    frame_step, size_step : int
        ``frames - 1`` must be a multiple of ``frame_step``; height and width of ``size_step``.
    fps_argument : str or None
        The pipeline argument that conditions generation on the frame rate (None: fps is metadata only).
    image_checkpoint : str or None
        Cosmos-Predict2: hub id of the Text2Image checkpoint that draws the first frame.
    needs_guardrail : bool
        The pipeline refuses to run without NVIDIA's ``cosmos_guardrail``.
    """

    name: str
    pipeline_class: str
    class_names: tuple[str, ...]
    checkpoint: str
    frames: int
    height: int
    width: int
    fps: int
    num_inference_steps: int
    guidance_scale: float
    max_sequence_length: int
    negative_prompt: str | None
    frame_step: int
    size_step: int
    fps_argument: str | None = None
    image_checkpoint: str | None = None
    needs_guardrail: bool = False

    def defaults(self) -> dict[str, Any]:
        """The config values this family sets (see :func:`family_config`)."""
        names = ("frames", "height", "width", "fps", "num_inference_steps", "guidance_scale",
                 "max_sequence_length", "negative_prompt")
        values = {name: getattr(self, name) for name in names}
        values.update(family=self.name, pipeline_class=self.pipeline_class, image_model=self.image_checkpoint)
        return values


#: The supported families, by name (sources in the module docstring).
PIPELINE_FAMILIES: dict[str, PipelineFamily] = {family.name: family for family in (
    PipelineFamily(
        "cosmos-predict2", "CosmosPredict2TextToWorldPipeline",
        ("CosmosPredict2TextToWorldPipeline", "Cosmos2VideoToWorldPipeline"), "nvidia/Cosmos-Predict2-2B-Video2World",
        frames=93, height=704, width=1280, fps=16, num_inference_steps=35, guidance_scale=7.0,
        max_sequence_length=512, negative_prompt=None, frame_step=4, size_step=16, fps_argument="fps",
        image_checkpoint="nvidia/Cosmos-Predict2-2B-Text2Image", needs_guardrail=True),
    PipelineFamily(
        "wan", "WanPipeline", ("WanPipeline",), "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
        frames=81, height=480, width=832, fps=16, num_inference_steps=50, guidance_scale=5.0,
        max_sequence_length=512, frame_step=4, size_step=16,
        negative_prompt="Bright tones, overexposed, static, blurred details, subtitles, style, works, paintings, "
                        "images, static, overall gray, worst quality, low quality, JPEG compression residue, ugly, "
                        "incomplete, extra fingers, poorly drawn hands, poorly drawn faces, deformed, disfigured, "
                        "misshapen limbs, fused fingers, still picture, messy background, three legs, many people "
                        "in the background, walking backwards"),
    PipelineFamily(
        "cogvideox", "CogVideoXPipeline", ("CogVideoXPipeline",), "THUDM/CogVideoX-2b",
        frames=49, height=480, width=720, fps=8, num_inference_steps=50, guidance_scale=6.0,
        max_sequence_length=226, negative_prompt=None, frame_step=8, size_step=16),
    PipelineFamily(
        "ltx", "LTXPipeline", ("LTXPipeline",), "Lightricks/LTX-Video",
        frames=161, height=480, width=704, fps=25, num_inference_steps=50, guidance_scale=3.0,
        max_sequence_length=128, negative_prompt="worst quality, inconsistent motion, blurry, jittery, distorted",
        frame_step=8, size_step=32, fps_argument="frame_rate"),
)}


def known_families() -> str:
    """The family names, quoted, for error messages."""
    return ", ".join(f"{name!r}" for name in PIPELINE_FAMILIES)


def get_family(name: str) -> PipelineFamily:
    """The :class:`PipelineFamily` called ``name``; a ValueError lists the known ones."""
    if name not in PIPELINE_FAMILIES:
        raise ValueError(f"unknown pipeline family {name!r}; known families: {known_families()} "
                         "(see PIPELINE_FAMILIES)")
    return PIPELINE_FAMILIES[name]


def detect_family(pipeline_or_class_name: Any) -> str:
    """The family of a pipeline (object or class) or of a ``model_index.json`` class name.

    A subclass of a known pipeline class belongs to its family.

    Raises
    ------
    ValueError
        If no family claims the class; the message lists the families.
    """
    if isinstance(pipeline_or_class_name, str):
        names = [pipeline_or_class_name]
    else:
        cls = pipeline_or_class_name if isinstance(pipeline_or_class_name, type) else type(pipeline_or_class_name)
        names = [klass.__name__ for klass in cls.__mro__]
    for name in names:
        for family in PIPELINE_FAMILIES.values():
            if name in family.class_names:
                return family.name
    raise ValueError(f"cannot tell the family of pipeline class {names[0]!r}; pass family= one of {known_families()} "
                     "(it sets the defaults and the frame and size rules)")


def _nearest(value: int, step: int, offset: int) -> str:
    """The valid values ``k * step + offset`` (k >= 1) nearest to ``value``, as text."""
    below = max(step + offset, (value - offset) // step * step + offset)
    above = below if below > value else below + step
    return f"{below} or {above}" if below != above and below < value else f"{above}"


def check_geometry(frames: int, height: int, width: int, family: str) -> None:
    """Raise a ValueError, naming the nearest valid values, if frames, height or width break the family's rules."""
    rules = get_family(family)
    for name, value in (("frames", frames), ("height", height), ("width", width)):
        check_positive_int(name, value)
    if (frames - 1) % rules.frame_step:
        raise ValueError(f"frames={frames} is not valid for {family}: frames - 1 must be a multiple of "
                         f"{rules.frame_step}; the nearest valid values are {_nearest(frames, rules.frame_step, 1)}")
    for name, value in (("height", height), ("width", width)):
        if value % rules.size_step:
            raise ValueError(f"{name}={value} is not valid for {family}: it must be a multiple of {rules.size_step}; "
                             f"the nearest valid values are {_nearest(value, rules.size_step, 0)}")
