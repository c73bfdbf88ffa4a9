"""Video-embedder benchmarks: speed of both embedders and quality of the ToyClip space.

Each function takes a NumPy Generator (the signature of ``benchmarks/run.py``)
and yields rows ``(name, value, note)``. Speed rows run on one CPU thread
(restored afterwards); where CUDA is available, the embedding speeds are
repeated on the GPU. Run alone with ``python benchmarks/run.py NAME ...``.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from squbed_utils import world
from squbed_utils.embedders.frame_features import FrameFeatureConfig, FrameFeatureEmbedder
from squbed_utils.embedders.toy_clip import ToyClipEmbedder, ToyClipTrainingConfig
from squbed_utils.embedders.toy_clip_training import train_toy_clip_embedder
from squbed_utils.evaluation import evaluate_video_embedder, evaluation_clips
from squbed_utils.runtime import torch_threads


def _random_clips(rng, n):
    combos = world.all_attribute_combinations()
    objects = [combos[i] for i in rng.integers(len(combos), size=n)]
    return world.render_batch(objects, rng.integers(0, 2**40, size=n))


def _devices():
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _clips_per_second(embedder, clips, batch_size=None, device="cpu"):
    embedder(clips[: min(len(clips), 8)], batch_size=batch_size)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    embedder(clips, batch_size=batch_size)
    if device == "cuda":
        torch.cuda.synchronize()
    return len(clips) / (time.perf_counter() - start)


def bench_toy_clip_embedding(rng, n=10_000):
    """ToyClipEmbedder (default architecture) embedding n clips of 8 x 32 x 32."""
    clips = _random_clips(rng, n)
    config = ToyClipTrainingConfig().model
    for device in _devices():
        with torch_threads(1):
            speed = _clips_per_second(ToyClipEmbedder(config, device=device), clips, device=device)
        where = "1 CPU thread" if device == "cpu" else "CUDA"
        yield (f"ToyClip embedding, {n:,} clips 8x32x32 ({device})", f"{speed:,.0f} clips/s",
               f"{n / speed:.1f} s for {n:,} clips, {where}")


def bench_toy_clip_training(rng, steps=20):
    """Training throughput of the default ToyClip preset (rendering included)."""
    config = dataclasses.replace(ToyClipTrainingConfig(), steps=steps, warmup_steps=1)
    embedder = train_toy_clip_embedder(config, None, progress=False)
    speed = embedder.training_summary["clips_per_s"]
    full = ToyClipTrainingConfig()
    yield ("ToyClip training, default preset (1 CPU thread)", f"{speed:,.0f} clips/s",
           f"full preset ({full.steps} steps x {full.batch_size}) about {full.steps * full.batch_size / speed:.0f} s")


def bench_frame_features(rng, n=24, sizes=(224, 112, 64)):
    """FrameFeatureEmbedder on 8 x 32 x 32 clips, every frame resized to each input side."""
    clips = _random_clips(rng, n)
    for device in _devices():
        for size in sizes:
            embedder = FrameFeatureEmbedder(FrameFeatureConfig(image_size=size), device=device)
            count = n if device == "cpu" else 20 * n
            batch = clips if count == n else np.concatenate([clips] * 20)
            with torch_threads(1):
                speed = _clips_per_second(embedder, batch, device=device)
            where = "1 CPU thread" if device == "cpu" else "CUDA"
            yield (f"EfficientNet-Lite0 frame features, 8 frames at {size}px ({device})", f"{speed:,.1f} clips/s",
                   f"{10_000 / speed / 60:,.1f} min per 10,000 clips, {where}")


def _quality_rows(report, label):
    for key, value in report.items():
        yield (f"{label}: {key}", f"{value:.3f}", _NOTES.get(key.split("_", 1)[0], ""))


_NOTES = {"retrieval": "nearest of 240 captions, fresh renders", "cos": "mean cosine between clips"}


def bench_toy_clip_quality(rng, clips_per_object=10, checkpoint=None):
    """Train the default ToyClip preset (2 to 3.5 min; or load ``checkpoint``) and measure its space."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        if checkpoint is None:
            embedder = train_toy_clip_embedder("default", Path(tmp) / "toy_clip", progress=False)
        else:
            embedder = ToyClipEmbedder.from_pretrained(checkpoint)
        seconds = time.perf_counter() - start
        yield ("ToyClip default preset: training time", f"{seconds:.0f} s",
               f"final loss {embedder.training_summary['final_loss']}, "
               f"temperature {embedder.training_summary['final_temperature']}")
        objects, clips = evaluation_clips(clips_per_object, seed=int(rng.integers(2**31)))
        yield from _quality_rows(evaluate_video_embedder(embedder, objects=objects, clips=clips), "ToyClip")


def bench_frame_feature_quality(rng, clips_per_object=2, image_size=64, frames=4):
    """The same cosine measurements for EfficientNet-Lite0 frame features (no retrieval: no text side)."""
    objects, clips = evaluation_clips(clips_per_object, seed=int(rng.integers(2**31)))
    embedder = FrameFeatureEmbedder(FrameFeatureConfig(image_size=image_size, frames=frames))
    with torch_threads(1):
        report = evaluate_video_embedder(embedder, objects=objects, clips=clips)
    yield from _quality_rows(report, f"EfficientNet-Lite0 ({image_size}px, {frames} frames)")


BENCHMARKS = {
    "toy_clip_embedding": bench_toy_clip_embedding,
    "toy_clip_training": bench_toy_clip_training,
    "frame_features": bench_frame_features,
    "toy_clip_quality": bench_toy_clip_quality,
    "frame_feature_quality": bench_frame_feature_quality,
}

