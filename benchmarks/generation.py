"""Benchmark rows for the toy video generator: training and sampling throughput.

Each function yields ``(name, value, note)`` rows like those of ``benchmarks/run.py``.
The toy model is meant for 2 CPU threads; these run under the thread limit the
caller sets (``run.py`` uses 1) and say so.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from squbed_utils import backends, world
from squbed_utils.generators import ToyVideoGenerator
from squbed_utils.generators.toy import clips_to_tensor
from squbed_utils.profiles import get_profile


def _threads() -> str:
    return f"{torch.get_num_threads()} thread(s)"


def _seconds_per_step(module: torch.nn.Module, loss, steps: int) -> float:
    """Mean wall time of one AdamW step of ``module`` on ``loss()``."""
    opt = torch.optim.AdamW(module.parameters(), lr=1e-4)
    start = time.perf_counter()
    for _ in range(steps):
        value = loss()
        opt.zero_grad(); value.backward(); opt.step()
    return (time.perf_counter() - start) / steps


def bench_toy_training(rng=None, profile: str = "default", steps: int = 20):
    """Training throughput of each phase (clips or frames per second) on ``profile``'s architecture."""
    config = backends.toy_generator_config(get_profile(profile))
    generator = ToyVideoGenerator(config)
    clips = world.render_batch(*(lambda t: (t, t["seed"]))(world.sample_training_set(config.ae_batch_size, seed=0)))
    frames = clips_to_tensor(clips[:, :1])
    autoencoder = generator.autoencoder
    seconds = _seconds_per_step(autoencoder, lambda: ((autoencoder.decode(autoencoder.encode(frames)) - frames) ** 2).mean(),
                                steps)
    yield (f"toy autoencoder training ({profile}, batch {config.ae_batch_size} frames)",
           f"{config.ae_batch_size / seconds:,.0f} frames/s", _threads())
    n = config.codec_batch_size
    latents = torch.randn(n, int(np.prod(config.latent_shape)))
    codec = generator.codec
    seconds = _seconds_per_step(codec, lambda: ((codec.decoder(codec.encoder(latents)) - latents) ** 2).mean(), steps)
    yield (f"toy codec training ({profile}, batch {n} clips)", f"{n / seconds:,.0f} clips/s", _threads())
    n = config.denoiser_batch_size
    codes, text = torch.randn(n, config.codec_dim), torch.randn(n, config.text_dim)
    seconds = _seconds_per_step(
        generator.denoiser,
        lambda: ((generator.denoiser(codes, torch.randint(0, config.num_train_timesteps, (n,)), text) - codes) ** 2).mean(),
        steps)
    yield (f"toy denoiser training ({profile}, batch {n} clips)", f"{n / seconds:,.0f} clips/s", _threads())


def bench_toy_sampling(rng=None, profile: str = "default", n_clips: int = 1024, checkpoint: str | None = None):
    """Sampling throughput (clips/s) at the config's step count, with and without guidance, text already embedded.

    Uses ``checkpoint`` if given (a trained model), else random weights of the
    same architecture (the speed is the same).
    """
    generator = (ToyVideoGenerator.from_pretrained(checkpoint) if checkpoint else ToyVideoGenerator(backends.toy_generator_config(get_profile(profile))))
    config = generator.config
    text = torch.nn.functional.normalize(torch.randn(n_clips, config.text_dim), dim=1)
    noise = generator.initial_noise(np.arange(n_clips))
    for guidance in sorted({1.0, config.guidance_scale}):
        start = time.perf_counter()
        with torch.no_grad():
            for i in range(0, n_clips, 512):
                codes = generator.sample_latents(text[i:i + 512], noise[i:i + 512], guidance_scale=guidance,
                                                 num_inference_steps=config.num_inference_steps, sampler=config.sampler)
                generator.decode(codes)
        rate = n_clips / (time.perf_counter() - start)
        yield (f"toy sampling ({profile}, {config.num_inference_steps} {config.sampler} steps, guidance {guidance:g})",
               f"{rate:,.0f} clips/s", f"{10_000 / rate:.0f} s per 10,000 clips; {_threads()}")


BENCHMARKS = {"toy_training": bench_toy_training, "toy_sampling": bench_toy_sampling}
