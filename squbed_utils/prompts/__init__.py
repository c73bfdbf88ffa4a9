"""Latent prompt generators: step 1 of S-QUBED, a prompt rewritten into n refined prompts.

Every generator is a :class:`LatentPromptGenerator`: ``generator(prompt, n, seed)``
returns ``n`` distinct refined prompts (deterministic under the seed),
``generator.generate(prompts, n, seeds)`` does many at once, and
``generator.config`` / ``generator.cache_key`` identify its settings for caches.

Backends
--------
ToyLatentPromptGenerator
    the toy world's exact latent space: samples completions of what a toy
    prompt leaves open and phrases each as a caption (no model; instant).
LLMLatentPromptGenerator
    an instruction-tuned causal LM on ``transformers``, few-shot prompted from
    ``templates/refine.txt``; the packaged SmolLM2-135M-Instruct by default
    (offline), or any local folder, ``.gguf`` file or hub id (model loading and
    sampling in :mod:`.llm`; templates and the answer parser, no model needed,
    in :mod:`.llm_text`).

Example
-------
>>> from squbed_utils.prompts import ToyLatentPromptGenerator
>>> ToyLatentPromptGenerator()("a small shape stays still", n=2, seed=0)
['a small yellow triangle stands still', 'a little green plus sign stays still']
"""

from .base import LatentPromptGenerator, check_request
from .llm import (
    LLMLatentPromptGenerator,
    LLMPromptConfig,
    convert_gguf,
    default_cache_dir,
    load_causal_lm,
    packaged_gguf_path,
)
from .llm_text import load_template, parse_refined_prompts, render_messages
from .toy import ToyLatentPromptGenerator, ToyPromptConfig, ToyRefinement

__all__ = [
    "LLMLatentPromptGenerator",
    "LLMPromptConfig",
    "LatentPromptGenerator",
    "ToyLatentPromptGenerator",
    "ToyPromptConfig",
    "ToyRefinement",
    "check_request",
    "convert_gguf",
    "default_cache_dir",
    "load_causal_lm",
    "load_template",
    "packaged_gguf_path",
    "parse_refined_prompts",
    "render_messages",
]
