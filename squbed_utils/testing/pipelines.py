"""Tiny, randomly initialised diffusers text-to-video pipelines, built offline from configs.

One builder per family of :data:`squbed_utils.generators.diffusers_pipeline.PIPELINE_FAMILIES`
(``"wan"``, ``"cogvideox"``, ``"ltx"``, ``"cosmos-predict2"``). Each pipeline has
the real classes of its family (transformer, VAE, scheduler, T5 text encoder and
tokenizer) at toy sizes, the way diffusers' own tests build them
(``get_dummy_components`` in ``tests/pipelines/{wan,cogvideo,ltx,cosmos}``), except
that nothing is downloaded: the tokenizer is a T5 Unigram tokenizer over a
built-in vocabulary of single characters; Cosmos gets a pass-through stand-in
for NVIDIA's guardrail, and its transformers leave out the padding-mask channel
(``concat_padding_mask=False``: resizing that mask needs torchvision). A clip
takes 0.1 to 0.4 s on one CPU thread (2 sampling steps); the clips are noise.

:data:`TINY_SETTINGS` gives each family's generator settings: a valid tiny clip
size (non-square on purpose, so height and width cannot be swapped unnoticed),
2 sampling steps and the tiny text length.

Examples
--------
>>> from squbed_utils.testing.pipelines import save_tiny_pipeline
>>> folder = save_tiny_pipeline("wan", "/tmp/tiny-wan")                  # doctest: +SKIP
>>> from squbed_utils.generators import DiffusersVideoGenerator
>>> generator = DiffusersVideoGenerator.from_pretrained(folder, device="cpu",
...                                                     **TINY_SETTINGS["wan"])  # doctest: +SKIP
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import numpy as np
import torch
from diffusers import ConfigMixin, ModelMixin  # ModelMixin/ConfigMixin here also let diffusers reload the checker

__all__ = ["TINY_FAMILIES", "TINY_SETTINGS", "PassThroughSafetyChecker", "tiny_tokenizer", "tiny_text_encoder",
           "tiny_pipeline", "save_tiny_pipeline"]

#: Families that :func:`tiny_pipeline` builds.
TINY_FAMILIES = ("wan", "cogvideox", "ltx", "cosmos-predict2")

_TEXT_DIM = 32  # the text encoder's width, which every tiny transformer's text projection expects
_MAX_TOKENS = 16  # the tiny transformers' text length (CogVideoX fixes it in its config)

#: Generator settings that fit each tiny pipeline: a valid clip size (frames ``k * frame_step + 1``,
#: sizes multiples of ``size_step``), 2 sampling steps and the tiny text length.
TINY_SETTINGS = {
    family: dict(geometry, num_inference_steps=2, max_sequence_length=_MAX_TOKENS)
    for family, geometry in {
        "wan": dict(frames=5, height=16, width=32),
        "cogvideox": dict(frames=9, height=16, width=32),
        "ltx": dict(frames=9, height=32, width=64),
        "cosmos-predict2": dict(frames=5, height=16, width=32),
    }.items()
}


class PassThroughSafetyChecker(ModelMixin, ConfigMixin):
    """Stands in for NVIDIA's Cosmos guardrail on the tiny random pipelines: accepts every prompt and clip.

    The real Cosmos pipelines refuse to run without a safety checker
    (``pip install cosmos_guardrail``); the tiny ones generate noise from
    random weights, so there is nothing to guard. Never give it to a real
    Cosmos checkpoint: the NVIDIA Open Model License forbids disabling the guardrail.
    """

    def __init__(self) -> None:
        super().__init__()
        # persistent, so save_pretrained writes a weights file that from_pretrained can read back
        self.register_buffer("_device_tracker", torch.zeros(1))

    def check_text_safety(self, prompt: str) -> bool:
        return True

    def check_video_safety(self, frames: np.ndarray) -> np.ndarray:
        return frames

    @property
    def device(self) -> torch.device:
        return self._device_tracker.device

    @property
    def dtype(self) -> torch.dtype:
        return self._device_tracker.dtype


def tiny_tokenizer():
    """A T5 tokenizer (Unigram) whose vocabulary is single characters, built without files.

    Ids: ``<pad>`` 0, ``</s>`` 1, ``<unk>`` 2, then the word-start marker and
    every lower-case letter and digit with and without it (77 in all). Any
    prompt tokenizes (unknown characters map to ``<unk>``); different words give different ids.
    """
    from transformers import T5Tokenizer

    characters = string.ascii_lowercase + string.digits
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    vocab += [(f"\u2581{c}", -3.0) for c in characters] + [(c, -3.0) for c in characters]
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def tiny_text_encoder(vocab_size: int, *, umt5: bool = False):
    """A 2-layer T5 encoder of width 32 (the shape of diffusers' ``tiny-random-t5``), in eval mode.

    ``umt5=True`` builds the UMT5 encoder that Wan uses instead.
    """
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    config_class, model_class = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    config = config_class(vocab_size=vocab_size, d_model=_TEXT_DIM, d_ff=37, d_kv=8, num_heads=4, num_layers=2,
                          relative_attention_num_buckets=8, dropout_rate=0.0)
    return model_class(config).eval()  # a freshly built model is in training mode


def _wan_vae():
    from diffusers import AutoencoderKLWan

    return AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            temperal_downsample=[False, True, True])


def _cosmos_transformer(in_channels: int):
    from diffusers import CosmosTransformer3DModel

    return CosmosTransformer3DModel(
        in_channels=in_channels, out_channels=16, num_attention_heads=2, attention_head_dim=16, num_layers=2,
        mlp_ratio=2, text_embed_dim=_TEXT_DIM, adaln_lora_dim=4, max_size=(4, 32, 32), patch_size=(1, 2, 2),
        # the real checkpoints concatenate a padding mask, resized with torchvision, which this project leaves out
        rope_scale=(2.0, 1.0, 1.0), concat_padding_mask=False, extra_pos_embed_type="learnable",
    )


def _wan(tokenizer):
    from diffusers import FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel

    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=_TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
    )
    return WanPipeline(tokenizer=tokenizer, text_encoder=tiny_text_encoder(len(tokenizer), umt5=True), vae=_wan_vae(),
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0), transformer=transformer)


def _cogvideox(tokenizer):
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXPipeline, CogVideoXTransformer3DModel

    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=4, attention_head_dim=8, in_channels=4, out_channels=4, time_embed_dim=2,
        text_embed_dim=_TEXT_DIM, num_layers=1, sample_width=4, sample_height=2, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=_MAX_TOKENS,
    )
    blocks = 4
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * blocks,
        up_block_types=("CogVideoXUpBlock3D",) * blocks, block_out_channels=(8,) * blocks, latent_channels=4,
        layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4,
    )
    # the scheduler settings of THUDM/CogVideoX-2b
    scheduler = CogVideoXDDIMScheduler(prediction_type="v_prediction", rescale_betas_zero_snr=True,
                                       timestep_spacing="trailing", clip_sample=False, set_alpha_to_one=True)
    return CogVideoXPipeline(tokenizer=tokenizer, text_encoder=tiny_text_encoder(len(tokenizer)), vae=vae,
                             transformer=transformer, scheduler=scheduler)


def _ltx(tokenizer):
    from diffusers import (AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXPipeline,
                           LTXVideoTransformer3DModel)

    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=_TEXT_DIM,
    )
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, timestep_conditioning=False, patch_size=1,
        patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )
    vae.use_framewise_encoding = vae.use_framewise_decoding = False
    return LTXPipeline(tokenizer=tokenizer, text_encoder=tiny_text_encoder(len(tokenizer)), vae=vae,
                       transformer=transformer, scheduler=FlowMatchEulerDiscreteScheduler())


def _cosmos_predict2(tokenizer):
    from diffusers import FlowMatchEulerDiscreteScheduler

    from ..generators.diffusers_pipeline import CosmosPredict2TextToWorldPipeline

    return CosmosPredict2TextToWorldPipeline(
        text_encoder=tiny_text_encoder(len(tokenizer)), tokenizer=tokenizer, image_transformer=_cosmos_transformer(16),
        transformer=_cosmos_transformer(16 + 1), vae=_wan_vae(),
        scheduler=FlowMatchEulerDiscreteScheduler(use_karras_sigmas=True), safety_checker=PassThroughSafetyChecker(),
    )


_BUILDERS = {"wan": _wan, "cogvideox": _cogvideox, "ltx": _ltx, "cosmos-predict2": _cosmos_predict2}


def tiny_pipeline(family: str, seed: int = 0):
    """A tiny random diffusers pipeline of ``family``, on the CPU in float32.

    Parameters
    ----------
    family : {"wan", "cogvideox", "ltx", "cosmos-predict2"}
    seed : int, default 0
        Seed of the random weights; the global torch RNG is left as it was.

    Returns
    -------
    DiffusionPipeline
        ``WanPipeline``, ``CogVideoXPipeline``, ``LTXPipeline`` or
        :class:`~squbed_utils.generators.diffusers_pipeline.CosmosPredict2TextToWorldPipeline`.
    """
    if family not in _BUILDERS:
        raise ValueError(f"no tiny pipeline for family {family!r}; choose one of {list(TINY_FAMILIES)}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        pipeline = _BUILDERS[family](tiny_tokenizer())
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def save_tiny_pipeline(family: str, path: str | os.PathLike, seed: int = 0) -> Path:
    """Write :func:`tiny_pipeline` ``(family, seed)`` to the folder ``path`` (diffusers layout); return it.

    The folder loads with ``DiffusersVideoGenerator.from_pretrained(path, **TINY_SETTINGS[family])``.
    """
    path = Path(path)
    tiny_pipeline(family, seed).save_pretrained(path)
    return path
