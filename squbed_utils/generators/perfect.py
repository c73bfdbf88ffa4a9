"""The perfect-model control: the toy world's own renderer wrapped as a video generator.

Why it exists
-------------
S-QUBED's epistemic term is the entropy of a model's clips given a refined
prompt, h(V | z), averaged over refined prompts. Even a model that knows the
toy world completely does not make one clip per refined prompt: what the
prompt leaves open still varies, namely the object's start position, its speed
jitter and its brightness jitter (:mod:`squbed_utils.world.render`), and, when
a refined prompt is itself vague, which of its completions is shown. That
variation is no ignorance. :class:`PerfectVideoGenerator` has no ignorance at
all: it parses the prompt with the world's grammar, draws one completion
uniformly (the world's aleatoric truth is uniform over completions) and renders
it exactly. Its h(V | z) is therefore the *nuisance floor*; the epistemic
estimate of a real model minus this floor, measured on the same refined
prompts with the same estimator, isolates what the real model does not know.

Sampling
--------
For an item with seed ``s`` (and the config's root ``seed``):

* the completion is ``completions[rng.integers(n)]`` with
  ``rng = numpy.random.default_rng(derive_seed(seed, CHOICE_KEY, s))``; a fully
  specified prompt has one completion, its own object;
* the clip is ``render_batch([completion], [derive_seed(seed, RENDER_KEY, s)])``.

So a clip depends on (prompt, seed) only, never on the batch, and the nuisance
of seed ``s`` (position, speed, brightness) is the same whatever the prompt.
Render seeds are 63-bit, so they practically never coincide with the seeds of
training clips or task ground truths (:mod:`squbed_utils.seeds`).

The renderer is exact: unlike a network, its clip does not depend on the batch
size either; batches are still padded to :attr:`~PerfectVideoGenerator.batch_size`
by :class:`~squbed_utils.generators.base.VideoGenerator` like every generator's.

There are no weights. :meth:`~PerfectVideoGenerator.weights_fingerprint` hashes
what the clips do depend on instead (the grammar, the sampling scheme and a
probe render of every object), so a cache of its clips is invalidated if the
world's renderer or vocabulary changes. A saved generator is a folder holding
only ``config.json``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoints import CONFIG_NAME, config_json, config_mismatch, read_config, staged_folder
from ..seeds import derive_seed
from ..store import fingerprint
from ..validation import check_prompts
from ..world import ATTRIBUTE_VALUES, Attributes, all_attribute_combinations, parse_prompt, render_batch, vocabulary
from .base import GeneratorConfig, VideoGenerator

__all__ = ["PerfectGeneratorConfig", "PerfectVideoGenerator", "FORMAT_VERSION", "CHOICE_KEY", "RENDER_KEY"]

#: Version of the perfect model's config.json layout.
FORMAT_VERSION = 1
#: Keys under the config's root seed of the completion draw and of the render seed of an item.
CHOICE_KEY = 0
RENDER_KEY = 1
#: Version of the sampling scheme above; part of the fingerprint, so changing the scheme changes cache keys.
_SAMPLING_VERSION = 1
_MIN_FRAMES, _MIN_SIZE = 2, 16  # what the renderer accepts


@dataclasses.dataclass
class PerfectGeneratorConfig(GeneratorConfig):
    """Clip geometry and root seed of the perfect model (nothing else: it has no weights or sampler).

    ``seed`` enters every item's completion draw and render seed, so two configs
    that differ only in ``seed`` make different clips for the same (prompt, seed).
    """

    def __post_init__(self) -> None:
        for name, low in (("frames", _MIN_FRAMES), ("size", _MIN_SIZE)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an integer >= {low} (the toy world's renderer needs it), "
                                 f"got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    @classmethod
    def like(cls, config: GeneratorConfig) -> PerfectGeneratorConfig:
        """The perfect model's config with another generator's frames, size and seed (e.g. a profile's toy model)."""
        return cls(frames=config.frames, size=config.size, seed=config.seed)


@functools.lru_cache(maxsize=8)
def _world_fingerprint(frames: int, size: int) -> str:
    """A hash of everything in the toy world a perfect clip depends on, at this geometry."""
    objects = all_attribute_combinations()
    probe = render_batch(objects, np.arange(len(objects)) * 7919 + 1, frames=frames, size=size)
    return fingerprint({"attribute_values": ATTRIBUTE_VALUES, "vocabulary": vocabulary(),
                        "sampling": _SAMPLING_VERSION, "probe": probe.tobytes().hex()})


class PerfectVideoGenerator(VideoGenerator):
    """The toy world's renderer as a video model with no ignorance (see the module docstring).

    Parameters
    ----------
    config : PerfectGeneratorConfig

    Examples
    --------
    >>> generator = PerfectVideoGenerator(PerfectGeneratorConfig(frames=8, size=32))
    >>> clips = generator(["a small red circle moves to the left", "something blue"], seeds=[0, 1])
    >>> clips.shape, clips.dtype
    ((2, 8, 32, 32, 3), dtype('uint8'))
    >>> generator.draw_completions(["something blue"], [1])[0].colour
    'blue'
    """

    architecture = "PerfectVideoGenerator"
    config_class = PerfectGeneratorConfig
    #: The renderer's own chunk (256 clips) and the pipeline's default clips per call.
    default_batch_size = 256

    def __init__(self, config: PerfectGeneratorConfig | None = None):
        super().__init__(PerfectGeneratorConfig() if config is None else config)
        self._completions: dict[str, list[Attributes]] = {}

    # -- the model
    def completions_of(self, prompt: str) -> list[Attributes]:
        """The completions of ``prompt`` in code order (:func:`squbed_utils.world.completions`), cached.

        Raises the parser's ValueError for a prompt outside the toy world's grammar.
        """
        if prompt not in self._completions:
            self._completions[prompt] = parse_prompt(prompt).completions()
        return self._completions[prompt]

    def draw_completions(self, prompts: list[str], seeds) -> list[Attributes]:
        """The object (:class:`~squbed_utils.world.Attributes`) each (prompt, seed) shows."""
        drawn = []
        for prompt, seed in zip(prompts, seeds, strict=True):
            options = self.completions_of(prompt)
            rng = np.random.default_rng(derive_seed(self.config.seed, CHOICE_KEY, int(seed)))
            drawn.append(options[int(rng.integers(len(options)))] if len(options) > 1 else options[0])
        return drawn

    def render_seeds(self, seeds) -> np.ndarray:
        """The render seed of each item seed (what fixes position, speed and brightness), int64."""
        return np.array([derive_seed(self.config.seed, RENDER_KEY, int(s)) for s in seeds], np.int64)

    def __call__(self, prompts, seeds, *, progress: bool = False, **sampling: Any) -> np.ndarray:
        """As :meth:`VideoGenerator.__call__`; every prompt is parsed before any clip is rendered."""
        _check_no_sampling(sampling)
        for prompt in dict.fromkeys(check_prompts(prompts)):
            self.completions_of(prompt)
        return super().__call__(prompts, seeds, progress=progress)

    def generate_batch(self, prompts: list[str], seeds: np.ndarray, **sampling: Any) -> np.ndarray:
        _check_no_sampling(sampling)
        return render_batch(self.draw_completions(prompts, seeds), self.render_seeds(seeds),
                            frames=self.config.frames, size=self.config.size)

    # -- identity
    def weights_fingerprint(self) -> str:
        """No weights: a hash of the grammar, the sampling scheme and a probe render of every object."""
        return _world_fingerprint(int(self.config.frames), int(self.config.size))

    # -- persistence
    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Write ``config.json`` (architecture, format_version, frames, size, seed) to the folder ``path``."""
        with staged_folder(path) as staging:
            (staging / CONFIG_NAME).write_text(config_json(self.architecture, FORMAT_VERSION, self.config.to_dict()))
        return Path(path)

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, *, config: PerfectGeneratorConfig | None = None
                        ) -> PerfectVideoGenerator:
        """Load a folder written by :meth:`save_pretrained`.

        Parameters
        ----------
        path : folder
        config : PerfectGeneratorConfig, optional
            Expected config; a saved config that differs raises ValueError.

        Raises
        ------
        FileNotFoundError
            Missing folder or config.json.
        ValueError
            config.json written by another architecture, with unknown keys, or differing from ``config``.
        """
        values = read_config(path, cls.architecture, what="generator", require=())
        saved = PerfectGeneratorConfig.from_dict(values, source=str(Path(path) / CONFIG_NAME))
        if config is not None and config != saved:
            raise ValueError(f"the perfect generator at {path} was saved with another config "
                             f"({config_mismatch(config, saved)}); re-save it or drop the config argument")
        return cls(saved)


def _check_no_sampling(sampling: dict[str, Any]) -> None:
    if sampling:
        raise ValueError(f"PerfectVideoGenerator takes no sampling options (it renders, it does not sample a "
                         f"network), got {sorted(sampling)}")
