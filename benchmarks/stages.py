"""Benchmark rows for the method end to end: seconds per stage of notebooks 03-05 on the default sizes.

Runs every stage on ``n_tasks`` of the default tasks (n = m = 10, the default
architectures with random weights: speed does not depend on the weights) in a
fresh temporary cache, and scales each time to the 121 default tasks. The
uncertainty quantification proper (vMF fits and calibration statistics) is
compared with generation, the issue's "under 1%" goal.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from squbed_utils import accuracy, backends, calibration, pipeline, uncertainty, world
from squbed_utils.embedders import FrameFeatureEmbedder, SentenceEmbedder, ToyClipEmbedder
from squbed_utils.generators import ToyVideoGenerator
from squbed_utils.profiles import get_profile
from squbed_utils.prompts import ToyLatentPromptGenerator
from squbed_utils.store import ArrayStore


def bench_pipeline_stages(rng=None, n_tasks: int = 12):
    settings = get_profile("default")
    tasks = backends.toy_tasks(settings)
    all_tasks = len(tasks)
    tasks = tasks.iloc[np.linspace(0, all_tasks - 1, n_tasks).round().astype(int)].reset_index(drop=True)
    scale = all_tasks / n_tasks
    n, m = settings.n_latents, settings.n_videos
    root = tempfile.mkdtemp(prefix="squbed-bench-")
    store = ArrayStore(root)
    world.write_task_clips(tasks, root)
    text_embedder = SentenceEmbedder.from_pretrained()
    generator = ToyVideoGenerator(backends.toy_generator_config(settings), embedder=text_embedder)
    times = {}

    def timed(name, function):
        start = time.perf_counter()
        result = function()
        times[name] = time.perf_counter() - start
        return result

    latents = timed("03 refine prompts (toy generator)",
                    lambda: pipeline.refine_tasks(tasks, ToyLatentPromptGenerator(), n, seed=0, store=store))
    latents = timed("03 generate videos", lambda: pipeline.generate_videos(latents, generator, m, seed=0, store=store))
    text = timed("04 embed refined prompts (MiniLM)", lambda: pipeline.embed_texts(latents, text_embedder, store=store))
    videos = timed("04 embed videos (toy CLIP, 512-d)",
                   lambda: pipeline.embed_videos(latents, ToyClipEmbedder(), store=store))
    timed("04 embed videos (EfficientNet-Lite0, 1280-d)",
          lambda: pipeline.embed_videos(latents, FrameFeatureEmbedder(backends.frame_feature_config(settings)), store=store))
    ids, text_by_task = pipeline.per_task(latents, text)
    _, videos_by_task = pipeline.per_task(latents, videos)
    timed("04 decompose (vMF fits)", lambda: uncertainty.decompose_tasks(text_by_task, videos_by_task, ids))
    reference = world.read_task_clips(tasks, root)
    scores = timed("05 score clips (attributes, SSIM, PSNR)",
                   lambda: accuracy.score_tasks(tasks, (c for _, c in pipeline.videos_by_task(latents, store)), reference))
    # calibration statistics do not scale with the tasks' videos: time them on 121 synthetic tasks
    u = np.random.default_rng(0).normal(size=(4, all_tasks))
    a = {name: np.random.default_rng(1).uniform(size=all_tasks) for name in list(scores.columns) + ["cosine"] * 2}
    start = time.perf_counter()
    calibration.calibration_table(dict(zip(["total", "aleatoric", "epistemic", "direct"], u)), a,
                                  n_resamples=9999, n_permutations=9999)
    calibration_seconds = time.perf_counter() - start
    for name, seconds in times.items():
        yield (f"stage: {name}", f"{seconds * scale:,.1f} s", f"{seconds:.2f} s for {n_tasks} tasks, x{scale:.1f}")
    yield ("stage: 05 calibration statistics (all pairs, 9,999 resamples)", f"{calibration_seconds:,.1f} s",
           f"{all_tasks} tasks x {len(a)} accuracies x 4 uncertainties")
    uq = times["04 decompose (vMF fits)"] * scale
    generation = times["03 generate videos"] * scale
    yield ("UQ proper (vMF decomposition) / generation", f"{100 * uq / generation:.2f} %",
           f"{uq:.2f} s vs {generation:.0f} s for {all_tasks * n * m:,} clips")


BENCHMARKS = {"pipeline_stages": bench_pipeline_stages}
