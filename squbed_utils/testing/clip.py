"""A tiny random CLIP, saved in the layout :meth:`ClipVideoEmbedder.from_pretrained` reads.

The real CLIP (``openai/clip-vit-base-patch32``, 151 M parameters) cannot be
downloaded here. :func:`save_tiny_clip` builds a ``CLIPModel`` of the same
architecture with two-layer, 32-wide towers (about 60 K parameters), a
``CLIPImageProcessor`` with CLIP's preprocessing at 32 x 32, and a real
``CLIPTokenizer`` over a minimal byte-level vocabulary (CLIP's own first 512
tokens: the 256 bytes, each alone and as a word end, and its two special
tokens; no merges), so every text tokenises offline exactly as CLIP's
tokenizer would split it into bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["save_tiny_clip"]

START, END = "<|startoftext|>", "<|endoftext|>"


def _byte_vocabulary() -> dict[str, int]:
    """CLIP's first 512 tokens and its two special tokens, in CLIP's order (ids 0..513).

    The 256 byte symbols come in the order of CLIP's (GPT-2's) ``bytes_to_unicode``:
    printable Latin-1 bytes stand for themselves, the other bytes map to code
    points 256 and up; then the same symbols ending a word (``</w>``).
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\u00a1"), ord("\u00ac") + 1), *range(ord("\u00ae"), ord("\u00ff") + 1)]
    symbols = [chr(b) for b in printable] + [chr(256 + n) for n in range(256 - len(printable))]
    tokens = symbols + [s + "</w>" for s in symbols] + [START, END]
    return {token: index for index, token in enumerate(tokens)}


def save_tiny_clip(
    path: str | os.PathLike,
    *,
    seed: int = 0,
    projection_dim: int = 16,
    image_size: int = 32,
    patch_size: int = 8,
    frames_sampled: int = 8,
) -> Path:
    """Write a tiny randomly initialised CLIP (model, image processor, tokenizer) to the folder ``path``.

    Parameters
    ----------
    path : path
        Output folder (created; files in it are replaced).
    seed : int, default 0
        Seeds the weights: the same seed writes the same model.
    projection_dim : int, default 16
        Embedding dimension (512 is ViT-B/32's).
    image_size, patch_size : int, default 32 and 8
        Input side of the vision tower and its patch side (16 patches).
    frames_sampled : int, default 8
        Saved as the embedder's default frames per clip.

    Returns
    -------
    Path
        The folder; ``ClipVideoEmbedder.from_pretrained(path)`` loads it offline.
    """
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    from ..embedders.clip import ClipVideoEmbedder

    vocabulary = _byte_vocabulary()
    tokenizer = CLIPTokenizer(vocab=vocabulary, merges=[])
    tower = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2}
    config = CLIPConfig(
        text_config={**tower, "vocab_size": len(vocabulary), "max_position_embeddings": 77,
                     "bos_token_id": vocabulary[START], "eos_token_id": vocabulary[END], "pad_token_id": vocabulary[END]},
        vision_config={**tower, "image_size": image_size, "patch_size": patch_size},
        projection_dim=projection_dim,
    )
    processor = CLIPImageProcessor(size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size})
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = CLIPModel(config).eval()
    embedder = ClipVideoEmbedder(model, processor, tokenizer, name="tiny-random-clip", frames_sampled=frames_sampled)
    return embedder.save_pretrained(path)
