"""Scale-out: the expensive stages on many workers (Ray), resumable through the per-item cache.

Generation (and video embedding) is split into *items*, one latent-table row
each (``m`` clips, or their ``m`` embeddings), cached in an
:class:`~squbed_utils.store.ArrayStore` under keys that
:mod:`squbed_utils.pipeline` computes the same way on every path. An
executor only decides *where* the missing items are computed:

:class:`LocalExecutor`
    in this process, batch after batch (what ``executor=None`` means);
:class:`RayExecutor`
    on long-lived Ray actors, one per worker, each loading the model once and
    then taking batches of rows from a shared queue as it frees up (dynamic
    assignment), and saving every finished item straight into the store on a
    shared filesystem. A preempted worker loses only the batch it holds
    (``clips_per_batch`` clips; pass ``clips_per_batch=m`` for one row); a
    rerun computes only what is missing.

A live model cannot be shipped to workers efficiently (a video diffusion
pipeline weighs gigabytes), so workers get a :class:`ModelSpec`: the class,
the checkpoint path and the ``from_pretrained`` options. Its
:attr:`~ModelSpec.cache_key` equals the loaded model's, so serial and Ray runs
share one cache.

Examples
--------
On a cluster whose head node runs ``ray start --head`` (see the README)::

    from squbed_utils import pipeline
    from squbed_utils.distributed import ModelSpec, RayExecutor
    from squbed_utils.generators import ToyVideoGenerator

    spec = ModelSpec(ToyVideoGenerator, "artifacts/default/generator/final")
    with RayExecutor(address="auto") as executor:
        latents = pipeline.generate_videos(latents, spec, m, seed=0, store=store, executor=executor)
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import inspect
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from .store import ArrayStore

__all__ = ["RAY_REQUIREMENT", "ModelSpec", "LocalExecutor", "RayExecutor"]

#: The Ray release this module is tested with (plain ``ray``: the core is enough).
RAY_REQUIREMENT = "ray==2.60.0"

#: Times Ray restarts a worker that died (node preempted, out of memory) and retries its batch.
_WORKER_RESTARTS = 3

#: ``compute(model, items) -> one array per item``: what a stage does with its model.
Compute = Callable[[Any, list], Sequence[np.ndarray]]


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How to load a model: ``model_class.from_pretrained(path, **options)``; picklable and cheap to ship.

    Works for every class with ``from_pretrained`` and a ``cache_key``: the
    video generators (:class:`~squbed_utils.generators.VideoGenerator`) and
    the video embedders (:class:`~squbed_utils.embedders.VideoEmbedder`).

    Parameters
    ----------
    model_class : type
        The class to load, e.g. :class:`~squbed_utils.generators.ToyVideoGenerator`.
        Workers import it by name, so it must live in an installed module.
    path : str or path-like
        Its checkpoint folder (or a Hugging Face hub id). Workers resolve a
        relative path from the driver's working folder; on a cluster it must
        lie on a filesystem every node mounts at the same place.
    options : mapping, optional
        Keyword arguments of ``from_pretrained`` (``torch_dtype``, ``config``...);
        they must be picklable.

    Examples
    --------
    >>> from squbed_utils.generators import ToyVideoGenerator
    >>> spec = ModelSpec(ToyVideoGenerator, "artifacts/default/generator/final")
    >>> spec.model_class.__name__
    'ToyVideoGenerator'
    """

    model_class: type
    path: str
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.model_class, type) or not callable(getattr(self.model_class, "from_pretrained", None)):
            raise ValueError(
                f"model_class must be a class with a from_pretrained classmethod (a VideoGenerator or a "
                f"VideoEmbedder), got {self.model_class!r}"
            )
        if not isinstance(self.path, (str, os.PathLike)):
            raise ValueError(f"path must be a checkpoint folder or hub id (str or path), got {type(self.path).__name__}")
        object.__setattr__(self, "path", os.fspath(self.path))
        object.__setattr__(self, "options", dict(self.options))

    def load(self, device: str | None = None):
        """The model, ``model_class.from_pretrained(path, **options)``, on ``device`` when given.

        Raises
        ------
        ValueError
            If ``device`` is given but ``from_pretrained`` takes no ``device`` argument.
        """
        options = dict(self.options)
        if device is not None:
            parameters = inspect.signature(self.model_class.from_pretrained).parameters.values()
            if not any(p.name == "device" or p.kind is p.VAR_KEYWORD for p in parameters):
                raise ValueError(
                    f"{self.model_class.__name__}.from_pretrained takes no device argument, so it cannot be put "
                    f"on {device!r}; run it on CPU workers (RayExecutor(gpus_per_worker=0))"
                )
            options["device"] = device
        return self.model_class.from_pretrained(self.path, **options)

    @functools.cached_property
    def cache_key(self) -> str:
        """The loaded model's ``cache_key``, without loading it when the class can say it from the checkpoint.

        Uses ``model_class.pretrained_cache_key(path, **options)`` when the class
        has one (a multi-GB diffusers pipeline is never loaded on the driver);
        otherwise loads the model once, here.
        """
        pretrained_cache_key = getattr(self.model_class, "pretrained_cache_key", None)
        if pretrained_cache_key is not None:
            return pretrained_cache_key(self.path, **self.options)
        return self.load().cache_key


def _save_computed(store: ArrayStore, model: Any, keyed_items: Sequence[tuple[str, Any]], compute: Compute,
                   **options: Any) -> int:
    """Compute and save the items of ``keyed_items`` (``(key, item)`` pairs) not in ``store``; return how many."""
    computed = 0

    def compute_batch(batch: list[tuple[str, Any]]) -> Sequence[np.ndarray]:
        nonlocal computed
        computed += len(batch)
        return compute(model, [item for _, item in batch])

    store.ensure(keyed_items, key=itemgetter(0), compute=compute_batch, **options)
    return computed


class LocalExecutor:
    """Computes missing items in this process, one batch after another (the pipeline's default).

    Takes a live model or a :class:`ModelSpec` (loaded here).
    """

    def compute_missing(self, store: ArrayStore, model: Any, keyed_items: Sequence[tuple[str, Any]],
                        compute: Compute, *, batch_size: int = 1, progress: bool = False,
                        description: str = "computing") -> int:
        """Compute and save every item whose key is not in ``store``; return how many were computed.

        Parameters
        ----------
        store : ArrayStore
        model : model object or ModelSpec
        keyed_items : sequence of (str, item)
            Each item with its store key.
        compute : callable
            ``compute(model, items) -> one array per item``.
        batch_size : int
            Items per call to ``compute``; each batch is saved before the next.
        progress : bool
            A tqdm bar over the missing items.
        description : str
            The bar's label.
        """
        model = model.load() if isinstance(model, ModelSpec) else model
        return _save_computed(store, model, keyed_items, compute, batch_size=batch_size, progress=progress,
                              description=description)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ImportError(f"RayExecutor needs Ray, which is not installed: pip install {RAY_REQUIREMENT}") from None
    return ray


class _Worker:
    """A Ray actor's state: the model of the last spec it was given; batches in, items saved to the store.

    The actor outlives a stage: generation and then embedding run in the same
    processes (torch imported once, the GPU kept), each model loaded once.
    """

    def __init__(self, device: str | None, working_folder: str):
        # relative paths (the store, the checkpoint) mean what they mean on the driver, where that folder is shared
        if os.path.isdir(working_folder):
            os.chdir(working_folder)
        self.device = device
        self.spec: ModelSpec | None = None
        self.model = None

    def compute(self, spec: ModelSpec, store: ArrayStore, keyed_items: list[tuple[str, Any]],
                compute: Compute) -> tuple[str, int]:
        """Compute and save the batch's missing items with ``spec``'s model; return (this actor's id, items computed)."""
        if spec != self.spec:
            self.spec, self.model = None, None
            gc.collect()  # the previous model's memory (a GPU's, say) is freed before the next one loads
            self.model, self.spec = spec.load(device=self.device), spec
        # the store is checked again here: a retried batch may have saved some items before its worker died
        computed = _save_computed(store, self.model, keyed_items, compute, batch_size=len(keyed_items))
        return _import_ray().get_runtime_context().get_actor_id(), computed


class RayExecutor:
    """Computes missing items on Ray workers: one long-lived actor per worker, batches dealt out as workers free up.

    The actors start with the executor and serve every stage it runs: each
    loads a stage's model from its :class:`ModelSpec` on its first batch and
    keeps it while the spec stays the same (the previous model is dropped first).

    Parameters
    ----------
    num_workers : int, optional
        Actors to start. Default: as many as the cluster's GPUs (or CPUs, for
        CPU workers) allow, ``floor(GPUs / gpus_per_worker)`` or ``floor(CPUs / cpus_per_worker)``.
    address : str, optional
        ``None`` starts a local Ray instance (``ray.init()``); ``"auto"`` joins the
        cluster this node belongs to (started with ``ray start``); ``"ray://host:10001"``
        connects through Ray Client. If Ray is already initialised in this
        process, that instance is used whatever ``address`` says.
    gpus_per_worker : float, optional
        GPUs each actor reserves; default 1 if the cluster has GPUs, else 0.
        Workers with GPUs load the model with ``device="cuda"`` (Ray makes the
        reserved GPU the only visible one).
    cpus_per_worker : float, default 1
        CPUs each actor reserves (Ray limits its BLAS / torch threads to that number).
    init_kwargs : mapping, optional
        Extra keyword arguments of ``ray.init`` (``num_cpus``, ``include_dashboard``...).

    Attributes
    ----------
    items_per_worker : dict of str to int
        Items each actor computed during the last :meth:`compute_missing`, by actor id.

    Raises
    ------
    ImportError
        If Ray is not installed (the message gives the ``pip install`` line).
    ValueError
        If ``gpus_per_worker > 0`` on a cluster without GPUs, or a count is not positive.

    Notes
    -----
    Workers write straight into the store, so with more than one machine the
    store (and the model checkpoint) must be on a shared filesystem mounted at
    the same path everywhere, and every node needs the same Python
    environment (``squbed_utils`` installed). Workers move to the driver's
    working folder when their node has it, so relative paths mean the same
    there as here. Use it as a context manager, or
    call :meth:`shutdown`, to stop the actors (and the Ray instance, if this
    executor started it).
    """

    def __init__(self, num_workers: int | None = None, address: str | None = None,
                 gpus_per_worker: float | None = None, cpus_per_worker: float = 1,
                 init_kwargs: Mapping[str, Any] | None = None):
        if num_workers is not None and (isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer))
                                        or num_workers < 1):
            raise ValueError(f"num_workers must be a positive integer or None (as many as fit), got {num_workers!r}")
        if not cpus_per_worker > 0:
            raise ValueError(f"cpus_per_worker must be positive, got {cpus_per_worker!r}")
        if gpus_per_worker is not None and not gpus_per_worker >= 0:
            raise ValueError(f"gpus_per_worker must be >= 0 or None (1 when the cluster has GPUs), got {gpus_per_worker!r}")
        ray = _import_ray()
        self._actors: list = []
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=address, **dict(init_kwargs or {}))
        resources = ray.cluster_resources()
        gpus, cpus = resources.get("GPU", 0.0), resources.get("CPU", 0.0)
        if gpus_per_worker is None:
            gpus_per_worker = 1 if gpus > 0 else 0
        if gpus_per_worker > 0 and gpus == 0:
            self.shutdown()
            raise ValueError(
                f"gpus_per_worker={gpus_per_worker} but the Ray cluster has no GPUs (resources: {resources}); "
                "use gpus_per_worker=0 for CPU workers, or start the Ray nodes on GPU machines"
            )
        if num_workers is None:
            num_workers = max(1, int(gpus // gpus_per_worker if gpus_per_worker else cpus // cpus_per_worker))
        elif num_workers * gpus_per_worker > gpus or num_workers * cpus_per_worker > cpus:
            warnings.warn(
                f"{num_workers} workers of {cpus_per_worker} CPU / {gpus_per_worker} GPU do not fit the cluster "
                f"({cpus:g} CPUs, {gpus:g} GPUs): some will wait until the cluster grows", stacklevel=2)
        self.num_workers = int(num_workers)
        self.gpus_per_worker = gpus_per_worker
        self.cpus_per_worker = cpus_per_worker
        self.items_per_worker: dict[str, int] = {}
        # started now, so they import torch while the driver prepares the first stage
        worker = ray.remote(_Worker).options(num_cpus=cpus_per_worker, num_gpus=gpus_per_worker,
                                             max_restarts=_WORKER_RESTARTS, max_task_retries=_WORKER_RESTARTS)
        device = "cuda" if gpus_per_worker > 0 else None
        self._actors = [worker.remote(device, os.getcwd()) for _ in range(self.num_workers)]

    def compute_missing(self, store: ArrayStore, model: ModelSpec, keyed_items: Sequence[tuple[str, Any]],
                        compute: Compute, *, batch_size: int = 1, progress: bool = False,
                        description: str = "computing") -> int:
        """Compute every item whose key is not in ``store`` on the workers; return how many were computed.

        Same arguments as :meth:`LocalExecutor.compute_missing`, except that
        ``model`` must be a :class:`ModelSpec` and ``compute`` picklable (a
        module-level function or a :func:`functools.partial` of one). Missing
        items are cut into batches of ``batch_size`` consecutive items (a
        task's rows stay together) and each free worker takes the next batch.

        Raises
        ------
        ValueError
            If ``model`` is a live model rather than a :class:`ModelSpec`.
        """
        if not isinstance(model, ModelSpec):
            raise ValueError(
                f"RayExecutor needs a ModelSpec, not a live {type(model).__name__}: a loaded model would be "
                "pickled and shipped to every worker; pass ModelSpec(ModelClass, checkpoint_path, options) so "
                "each worker loads it once"
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        from ray.util import ActorPool
        from tqdm.auto import tqdm

        missing = list({key: item for key, item in keyed_items if key not in store}.items())
        batches = [missing[start:start + batch_size] for start in range(0, len(missing), batch_size)]
        self.items_per_worker = {}
        if not batches:
            return 0
        pool = ActorPool(self._actors)
        with tqdm(total=len(missing), desc=f"{description} ({self.num_workers} workers)", disable=not progress) as bar:
            finished = pool.map_unordered(lambda actor, batch: actor.compute.remote(model, store, batch, compute),
                                          batches)
            for actor_id, computed in finished:
                self.items_per_worker[actor_id] = self.items_per_worker.get(actor_id, 0) + computed
                bar.update(computed)
        return sum(self.items_per_worker.values())

    def shutdown(self) -> None:
        """Stop the workers, and Ray itself if this executor started it."""
        if self._actors:
            ray = _import_ray()
            for actor in self._actors:
                ray.kill(actor)
            self._actors = []
        if self._owns_ray:
            _import_ray().shutdown()
            self._owns_ray = False

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return (f"RayExecutor(num_workers={self.num_workers}, gpus_per_worker={self.gpus_per_worker}, "
                f"cpus_per_worker={self.cpus_per_worker})")
