"""Speed benchmarks: `make bench` prints one table.

Every row is timed on one CPU thread (BLAS and torch limited to one thread) so
numbers compare across machines with different core counts. `python
benchmarks/run.py NAME ...` runs only the named ones; the slow quality
benchmarks (they train a model) run only when named. Each timing is the
best of several repeats, the usual way to take out noise from other processes.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np
from scipy import stats
import torch
from threadpoolctl import threadpool_limits

from squbed_utils import uncertainty, vmf

import distributed
import embedding
import generation
import stages


def best_time(function: Callable[[], object], repeats: int = 5) -> float:
    """Best wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _unit_rows(rng, shape):
    x = rng.standard_normal(shape)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def bench_decomposition(rng, n_tasks=200, n=10, m=10, d_text=384, d_video=512):
    """The paper's setting: 200 tasks x 10 latent prompts x 10 videos."""
    # Clustered embeddings, like real ones: a task direction plus spread.
    latents = _unit_rows(rng, (n_tasks, 1, d_text)) + 0.6 * _unit_rows(rng, (n_tasks, n, d_text))
    videos = _unit_rows(rng, (n_tasks, n, 1, d_video)) + 0.5 * _unit_rows(rng, (n_tasks, n, m, d_video))
    seconds = best_time(lambda: uncertainty.decompose(latents, videos))
    yield (f"decompose {n_tasks} tasks x ({n} latents x {m} videos), d={d_text}/{d_video}",
           f"{seconds * 1e3:.1f} ms", "goal < 100 ms")


def bench_log_normalizer(rng, size=1_000_000):
    kappa = 10.0 ** rng.uniform(-8, 7, size)
    dim = rng.integers(2, 8193, size)
    seconds = best_time(lambda: vmf.log_normalizer(kappa, dim), repeats=3)
    yield (f"log_normalizer, {size:.0e} random (kappa, dim) pairs",
           f"{size / seconds / 1e6:.2f} M/s", f"{seconds:.2f} s")


def bench_against_scipy(rng, dims=(3, 10, 64), n_kappas=200, n_samples=100):
    """Our log-normaliser, entropy and fit beside scipy.stats.vonmises_fisher, where scipy works."""
    kappas = 10.0 ** rng.uniform(-2, 3, n_kappas)
    for dim in dims:
        mu = np.eye(dim)[0]
        ours = best_time(lambda: vmf.log_normalizer(kappas, dim), repeats=3)
        # scipy has no public log-normaliser: log C = logpdf(mu) - kappa
        theirs = best_time(lambda: [stats.vonmises_fisher(mu, k).logpdf(mu) - k for k in kappas], repeats=1)
        yield (f"log_normalizer, {n_kappas} kappas, d={dim}: ours vs scipy",
               f"{ours * 1e3:.3f} ms vs {theirs * 1e3:.1f} ms", f"{theirs / ours:,.0f}x faster")
        ours = best_time(lambda: vmf.entropy(kappas, dim), repeats=3)
        theirs = best_time(lambda: [stats.vonmises_fisher(mu, k).entropy() for k in kappas], repeats=1)
        yield (f"entropy, {n_kappas} kappas, d={dim}: ours vs scipy",
               f"{ours * 1e3:.3f} ms vs {theirs * 1e3:.1f} ms", f"{theirs / ours:,.0f}x faster")
        samples = _unit_rows(rng, (50, n_samples, dim)) + _unit_rows(rng, (50, 1, dim))
        samples /= np.linalg.norm(samples, axis=-1, keepdims=True)  # scipy's fit wants unit vectors
        ours = best_time(lambda: vmf.fit(samples), repeats=3)
        theirs = best_time(lambda: [stats.vonmises_fisher.fit(x) for x in samples], repeats=1)
        yield (f"fit, 50 samples of {n_samples} points, d={dim}: ours vs scipy",
               f"{ours * 1e3:.3f} ms vs {theirs * 1e3:.1f} ms", f"{theirs / ours:,.0f}x faster")


BENCHMARKS = {
    "decomposition": bench_decomposition,
    "log_normalizer": bench_log_normalizer,
    "scipy": bench_against_scipy,
    **generation.BENCHMARKS,
    **embedding.BENCHMARKS,
    **stages.BENCHMARKS,
    **distributed.BENCHMARKS,
}
# Slow benchmarks that train a model to measure its quality: run them by name.
ON_REQUEST = {"toy_clip_quality", "frame_feature_quality"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help=f"benchmarks to run, from {list(BENCHMARKS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {list(BENCHMARKS)}")
    rng = np.random.default_rng(0)
    rows = []
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        for name in args.only or [name for name in BENCHMARKS if name not in ON_REQUEST]:
            for row in BENCHMARKS[name](rng):
                rows.append(row)
                print(f"{row[0]:<62} {row[1]:>26}   {row[2]}", flush=True)
    return rows


if __name__ == "__main__":
    main()
