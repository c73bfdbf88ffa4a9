"""Cosmos-Predict2 text-to-video ("Text2World") as one diffusers pipeline.

Cosmos-Predict2 has no single text-to-video model: NVIDIA's "Text2World" chains
its Text2Image model (the first frame) and its Video2World model (the clip that
continues that frame). diffusers has both halves (``Cosmos2TextToImagePipeline``,
``Cosmos2VideoToWorldPipeline``); :class:`CosmosPredict2TextToWorldPipeline`
chains them over one T5 text encoder and one VAE (the two checkpoints share
both). See NVIDIA's Cosmos-Predict2 model reference,
https://docs.nvidia.com/cosmos/latest/predict2/reference.html.
"""

from __future__ import annotations

import torch
from diffusers import DiffusionPipeline

__all__ = ["CosmosPredict2TextToWorldPipeline", "VIDEO2WORLD_CLASS"]

#: ``_class_name`` of a hub Cosmos-Predict2 Video2World checkpoint, run with its Text2Image partner.
VIDEO2WORLD_CLASS = "Cosmos2VideoToWorldPipeline"


class CosmosPredict2TextToWorldPipeline(DiffusionPipeline):
    r"""Cosmos-Predict2 text-to-video ("Text2World"): Text2Image draws the first frame, Video2World continues it.

    Holds the components of both halves once: the shared T5 ``text_encoder``
    and ``tokenizer``, the shared Wan ``vae``, the ``scheduler``, the
    ``safety_checker`` (NVIDIA's guardrail), the Text2Image transformer
    (``image_transformer``) and the Video2World ``transformer``. It saves and
    loads like any diffusers pipeline; :meth:`from_stages` builds it from the
    two hub checkpoints' pipelines.
    """

    model_cpu_offload_seq = "text_encoder->image_transformer->transformer->vae"
    _optional_components = ["safety_checker"]
    _exclude_from_cpu_offload = ["safety_checker"]

    def __init__(self, text_encoder, tokenizer, image_transformer, transformer, vae, scheduler, safety_checker=None):
        super().__init__()
        self.register_modules(text_encoder=text_encoder, tokenizer=tokenizer, image_transformer=image_transformer,
                              transformer=transformer, vae=vae, scheduler=scheduler, safety_checker=safety_checker)

    @classmethod
    def from_stages(cls, text2image, video2world) -> CosmosPredict2TextToWorldPipeline:
        """Combine a ``Cosmos2TextToImagePipeline`` and a ``Cosmos2VideoToWorldPipeline``.

        The text encoder, tokenizer, VAE, scheduler and safety checker come from
        ``video2world``; only the transformer of ``text2image`` is kept (the
        Cosmos-Predict2 checkpoints share the others).
        """
        return cls(text_encoder=video2world.text_encoder, tokenizer=video2world.tokenizer,
                   image_transformer=text2image.transformer, transformer=video2world.transformer,
                   vae=video2world.vae, scheduler=video2world.scheduler, safety_checker=video2world.safety_checker)

    def stages(self):
        """The two halves as diffusers pipelines over this pipeline's components: (text2image, video2world)."""
        from diffusers import Cosmos2TextToImagePipeline, Cosmos2VideoToWorldPipeline

        shared = dict(text_encoder=self.text_encoder, tokenizer=self.tokenizer, vae=self.vae, scheduler=self.scheduler,
                      safety_checker=self.safety_checker)
        text2image = Cosmos2TextToImagePipeline(transformer=self.image_transformer, **shared)
        video2world = Cosmos2VideoToWorldPipeline(transformer=self.transformer, **shared)
        for stage in (text2image, video2world):
            stage.set_progress_bar_config(**getattr(self, "_progress_bar_config", {}))
        return text2image, video2world

    @torch.no_grad()
    def __call__(self, prompt, negative_prompt=None, height: int = 704, width: int = 1280, num_frames: int = 93,
                 num_inference_steps: int = 35, guidance_scale: float = 7.0, fps: int = 16,
                 image_num_inference_steps: int | None = None, image_guidance_scale: float | None = None,
                 generator=None, output_type: str = "np", max_sequence_length: int = 512, return_dict: bool = True):
        """Generate clips: the first frame from text, then the clip from that frame and the text.

        Arguments as in ``Cosmos2VideoToWorldPipeline``; ``image_num_inference_steps``
        and ``image_guidance_scale`` set the Text2Image half (default: the same
        as the video's, which are also NVIDIA's Text2Image defaults, 35 and 7.0).
        Each generator in a list serves its item in both halves.
        """
        text2image, video2world = self.stages()
        first_frames = text2image(
            prompt=prompt, negative_prompt=negative_prompt, height=height, width=width,
            num_inference_steps=image_num_inference_steps or num_inference_steps,
            guidance_scale=guidance_scale if image_guidance_scale is None else image_guidance_scale,
            generator=generator, output_type="pt", max_sequence_length=max_sequence_length).images
        return video2world(
            image=first_frames, prompt=prompt, negative_prompt=negative_prompt, height=height, width=width,
            num_frames=num_frames, num_inference_steps=num_inference_steps, guidance_scale=guidance_scale, fps=fps,
            generator=generator, output_type=output_type, max_sequence_length=max_sequence_length,
            return_dict=return_dict)
