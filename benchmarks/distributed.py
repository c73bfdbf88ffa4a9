"""Benchmark rows for scale-out: toy generation serially and on local Ray workers.

The same rows of the default profile's latent table (n = m = 10, the default
architecture with random weights: speed does not depend on the weights) are
generated in a fresh cache serially, then on Ray with 1 and with 2 workers of
one CPU each (so one torch thread each, like the serial run under ``run.py``).
Ray's start-up and the workers' warm-up (starting, importing torch, loading
the generator and the MiniLM prompt encoder, generating a first batch of other
tasks' rows) are timed apart from the throughput. On a machine whose cores are
busy with other work, more workers cannot help: read the speed-up with the load.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from squbed_utils import backends, pipeline
from squbed_utils.distributed import ModelSpec, RayExecutor
from squbed_utils.generators import ToyVideoGenerator
from squbed_utils.profiles import get_profile
from squbed_utils.prompts import ToyLatentPromptGenerator
from squbed_utils.store import ArrayStore


def bench_ray_generation(rng=None, profile: str = "default", n_tasks: int = 8, workers: tuple[int, ...] = (1, 2),
                         clips_per_batch: int = 100):
    """Clips/s of ``n_tasks`` tasks' generation serially and on Ray with each count of ``workers``; Ray start-up apart."""
    with tempfile.TemporaryDirectory(prefix="squbed-bench-ray-") as folder:
        yield from _ray_generation_rows(Path(folder), profile, n_tasks, workers, clips_per_batch)


def _ray_generation_rows(root: Path, profile: str, n_tasks: int, workers: tuple[int, ...], clips_per_batch: int):
    import ray

    settings = get_profile(profile)
    n, m = settings.n_latents, settings.n_videos
    torch.manual_seed(0)
    spec = ModelSpec(ToyVideoGenerator, ToyVideoGenerator(backends.toy_generator_config(get_profile(profile))).save_pretrained(root / "generator"))
    tasks = backends.toy_tasks(get_profile(profile))
    # the measured tasks, and one other task per worker to warm up with (a task's n rows make one batch)
    measured, warm_up = (pipeline.refine_tasks(part, ToyLatentPromptGenerator(), n, seed=0, store=ArrayStore(root / "prompts"))
                         for part in (tasks.iloc[:n_tasks], tasks.iloc[n_tasks:n_tasks + max(workers)]))
    clips = len(measured) * m

    def seconds_to_generate(latents, generator, store: str, executor=None) -> float:
        start = time.perf_counter()
        pipeline.generate_videos(latents, generator, m, seed=0, store=root / store, clips_per_batch=clips_per_batch,
                                 executor=executor)
        return time.perf_counter() - start

    generator = spec.load()
    seconds_to_generate(warm_up, generator, "serial-warm-up")
    serial = seconds_to_generate(measured, generator, "serial")
    keys = pipeline.generate_videos(measured, generator, m, seed=0, store=root / "serial")["video_key"]  # all cached
    yield (f"toy generation ({profile}), serial, {torch.get_num_threads()} thread", f"{clips / serial:,.1f} clips/s",
           f"{clips} clips ({len(measured)} rows of m={m}) in {serial:.1f} s")

    start = time.perf_counter()
    ray.init(num_cpus=max(workers), include_dashboard=False, log_to_driver=False)
    yield ("Ray start-up (local ray.init)", f"{time.perf_counter() - start:.1f} s", f"{max(workers)} CPUs")
    try:
        for count in workers:
            with RayExecutor(num_workers=count) as executor:
                ready = seconds_to_generate(warm_up, spec, f"ray-{count}-warm-up", executor)
                seconds = seconds_to_generate(measured, spec, f"ray-{count}", executor)
            yield (f"toy generation ({profile}) on Ray, {count} worker(s) of 1 CPU", f"{clips / seconds:,.1f} clips/s",
                   f"x{serial / seconds:.2f} vs serial; {ready:.1f} s to start the workers (first batch included)")
    finally:
        ray.shutdown()
    # the runs must agree item for item, or the speed-up means nothing
    for count in workers:
        for key in keys:
            if not np.array_equal(ArrayStore(root / f"ray-{count}").load(key), ArrayStore(root / "serial").load(key)):
                raise AssertionError(f"Ray with {count} worker(s) generated other clips than the serial run ({key})")


BENCHMARKS = {"ray_generation": bench_ray_generation}
