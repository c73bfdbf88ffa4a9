"""Training the toy CLIP (:class:`~squbed_utils.embedders.toy_clip.ToyClipEmbedder`) on fresh toy-world renders.

Each step draws a fresh batch with :func:`squbed_utils.world.sample_training_set`
(full captions, varied phrasing) and renders it with
:func:`~squbed_utils.world.render_batch`; data are unlimited, so there is no
over-fitting to a fixed set. **All 280 attribute combinations are drawn
uniformly**, including the cells held out of (and rare in) the video
generator's training: the embedder is the *evaluator*, like CLIP, not the
model under test, so it must know every concept the tasks can ask for.

Loss: symmetric InfoNCE between the batch's video and caption embeddings with
a learned temperature (CLIP's). A batch drawn i.i.d. from 280 combinations
repeats some of them, so the targets are soft: every caption with the same
attributes as a clip counts as a positive (a repeated caption is not treated as
a negative of its own clip). Random blur and Gaussian pixel noise on half the
clips (``blur_probability``, ``noise_std``) make the tower tolerant of a
generator's imperfect pixels. AdamW, linear warm-up,
cosine decay; seeded, on a fixed number of CPU threads (2 by default; torch's CPU
kernels give the same result for the same thread count), so a run is reproducible.

Measured (default settings, 2400 fresh renders, 10 per object; see
``benchmarks/embedding.py``)
-----------------------------------------------------------------------
Nearest caption among all 240 objects (measured before white, the unseen colour, made them 280): 96.5% right (colour, motion and
size 100%, shape 96.5%: the errors are crosses read as triangles). Mean
cosine between two clips of the same object 0.99; of different objects 0.00;
when exactly one attribute differs 0.73 (shape), 0.62 (colour), 0.56
(motion), 0.60 (size); when all four differ -0.35. A blurred (two binomial
passes) or noisy (sd 0.05) copy of a clip keeps a cosine of 0.99 to the clean
one. Embedding runs at about 1,000 clips/s on one CPU thread (10,000 clips in
about 10 s). The ``tiny`` profile's settings reach 100% on colour, motion and size but
not shape (about 67% of captions right).
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import world
from ..checkpoints import CONFIG_NAME, WEIGHTS_NAME, mirror_files, read_config
from ..runtime import torch_threads
from ..seeds import TOY_CLIP_STREAM, derive_seed
from .toy_clip import ToyClipEmbedder, ToyClipTrainingConfig, caption_codes

__all__ = ["train_toy_clip_embedder", "shipped_toy_clip", "contrastive_loss", "UNIFORM_SPEC", "LOSS_CURVE_NAME",
           "CHECKPOINT_FILES"]

#: Every (shape, colour) cell equally likely: the embedder's training distribution.
UNIFORM_SPEC = world.TrainingSpec(rare_colours=(), held_out=(), unseen_colours=())
#: Loss curve written beside the checkpoint.
LOSS_CURVE_NAME = "loss_curve.csv"
#: The files of a saved toy CLIP.
CHECKPOINT_FILES = (CONFIG_NAME, WEIGHTS_NAME, LOSS_CURVE_NAME)


def _soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return -(targets * logits.log_softmax(dim=-1)).sum(dim=-1).mean()


def _learning_rate(config: ToyClipTrainingConfig, step: int) -> float:
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.learning_rate * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def _training_batch(config: ToyClipTrainingConfig, step_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh renders with full captions; returns clips (B, T, H, W, 3) uint8 and attribute codes (B, 4)."""
    table = world.sample_training_set(config.batch_size, seed=step_seed, vague_fraction=0.0, spec=UNIFORM_SPEC)
    codes = caption_codes(table["caption"].tolist())  # the text side reads the caption, not the table
    clips = world.render_batch(table, table["seed"], frames=config.model.frames, size=config.model.size)
    return clips, codes


def _blur(x: torch.Tensor) -> torch.Tensor:
    """One pass of the 3 x 3 binomial filter (1 2 1 / 4 per axis, edges replicated) over (B, T, H, W, C)."""
    for axis in (2, 3):
        first, last = x.narrow(axis, 0, 1), x.narrow(axis, x.shape[axis] - 1, 1)
        padded = torch.cat([first, x, last], dim=axis)
        n = x.shape[axis]
        x = 0.25 * padded.narrow(axis, 0, n) + 0.5 * padded.narrow(axis, 1, n) + 0.25 * padded.narrow(axis, 2, n)
    return x


def _augment(x: torch.Tensor, config: ToyClipTrainingConfig, generator: torch.Generator) -> torch.Tensor:
    """Random blur (0, 1 or 2 binomial passes) and Gaussian noise, per clip; x is (B, T, H, W, 3) in [0, 1]."""
    b = x.shape[0]
    if config.blur_probability > 0:
        blurred = torch.rand(b, generator=generator) < config.blur_probability
        passes = torch.where(blurred, torch.randint(1, 3, (b,), generator=generator), 0)
        for k in (1, 2):
            rows = (passes >= k).nonzero().flatten()
            if len(rows):
                x = x.index_copy(0, rows, _blur(x[rows]))
    if config.noise_std > 0:
        sigma = config.noise_std * torch.rand(b, 1, 1, 1, 1, generator=generator)
        x = x + sigma * torch.randn(x.shape, generator=generator)
    return x


def contrastive_loss(video: torch.Tensor, text: torch.Tensor, codes: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE between unit video and text embeddings, with every same-attribute pair a positive.

    Parameters
    ----------
    video, text : Tensor (B, D)
        L2-normalised embeddings; row i of each describes clip i.
    codes : Tensor (B, 4)
        Attribute codes of each row; rows with equal codes are positives of each other.
    logit_scale : Tensor
        Log of the inverse temperature.
    """
    logits = logit_scale.exp() * video @ text.T
    same = (codes[:, None, :] == codes[None, :, :]).all(dim=-1).float()
    targets = same / same.sum(dim=1, keepdim=True)
    return 0.5 * (_soft_cross_entropy(logits, targets) + _soft_cross_entropy(logits.T, targets))


def _trained_with(folder: Path, config: ToyClipTrainingConfig) -> bool:
    """Whether ``folder`` holds a toy CLIP checkpoint trained with exactly ``config``."""
    try:
        saved = read_config(folder, ToyClipEmbedder.architecture, what="video embedder")
    except (ValueError, OSError):
        return False
    return saved.get("training") == json.loads(json.dumps(config.to_dict()))


def shipped_toy_clip(config: ToyClipTrainingConfig, folder: str | os.PathLike) -> Path | None:
    """The committed toy CLIP in ``folder`` if it was trained with exactly ``config``, else None."""
    folder = Path(folder)
    complete = all((folder / name).is_file() for name in CHECKPOINT_FILES)
    return folder if complete and _trained_with(folder, config) else None


def train_toy_clip_embedder(
    config: ToyClipTrainingConfig | None = None,
    output_dir: str | os.PathLike | None = None,
    *,
    progress: bool = True,
    overwrite: bool = False,
    shipped: str | os.PathLike | None = None,
) -> ToyClipEmbedder:
    """Train a :class:`ToyClipEmbedder` on fresh toy-world renders and save it.

    Parameters
    ----------
    config : ToyClipTrainingConfig, optional
        Training settings (default: ``ToyClipTrainingConfig()``, 2 to 3.5
        minutes on one CPU thread, less on two; a profile's sizes come from
        :func:`squbed_utils.backends.toy_clip_config`).
    output_dir : path, optional
        Checkpoint folder: ``config.json`` (architecture, training settings and
        a summary), ``model.safetensors`` and ``loss_curve.csv`` (step, loss,
        temperature, learning rate, elapsed seconds). ``None`` saves nothing.
        If it already holds a checkpoint trained with exactly this ``config``,
        that checkpoint is loaded instead of training again (a changed setting
        always retrains), unless ``overwrite``.
    progress : bool, default True
        tqdm progress bar with the running loss.
    overwrite : bool, default False
        Retrain even if a matching checkpoint exists.
    shipped : folder, optional
        A committed checkpoint (``make train`` writes the profiles' into ``models/``): when
        it was trained with exactly ``config``, its files are copied to
        ``output_dir`` instead of training (float reductions differ between
        CPUs, so a model trained here could differ from the committed one in its
        last bits, and every embedding with it); None always trains.

    Returns
    -------
    ToyClipEmbedder
        In eval mode, with ``training_config`` and ``training_summary`` set.
    """
    config = ToyClipTrainingConfig() if config is None else config
    if not isinstance(config, ToyClipTrainingConfig):
        raise ValueError(f"config must be a ToyClipTrainingConfig, got {type(config).__name__}")
    output_dir = None if output_dir is None else Path(output_dir)
    if output_dir is not None and not overwrite:
        if shipped is not None and shipped_toy_clip(config, shipped) is not None:
            mirror_files(shipped, output_dir, CHECKPOINT_FILES)
        if _trained_with(output_dir, config):
            try:
                return ToyClipEmbedder.from_pretrained(output_dir, config=config.model)
            except (ValueError, OSError):
                pass  # damaged weights: train anew

    # three streams of the root seed: initial weights, the training batches, the augmentation noise
    init_seed, batch_seed, noise_seed = (derive_seed(config.seed, TOY_CLIP_STREAM, k) for k in range(3))
    embedder = ToyClipEmbedder(config.model, seed=init_seed)
    network = embedder.network
    with torch.no_grad():
        network.logit_scale.fill_(math.log(1.0 / config.temperature_init))
    optimiser = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    step_seeds = np.random.default_rng(batch_seed).integers(0, 2**62, size=config.steps)
    noise = torch.Generator().manual_seed(noise_seed)
    log_scale_max = math.log(100.0)

    rows = []
    start = time.perf_counter()
    network.train()
    with torch_threads(config.num_threads):
        bar = tqdm(range(config.steps), desc="training ToyClip embedder", unit="step", disable=not progress)
        for step in bar:
            clips, codes = _training_batch(config, int(step_seeds[step]))
            x = _augment(torch.from_numpy(clips).float().div_(255.0), config, noise)
            codes_t = torch.from_numpy(codes)
            lr = _learning_rate(config, step)
            for group in optimiser.param_groups:
                group["lr"] = lr
            video = F.normalize(network.encode_video(x), dim=-1)
            text = F.normalize(network.encode_codes(codes_t), dim=-1)
            loss = contrastive_loss(video, text, codes_t, network.logit_scale)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                network.logit_scale.clamp_(0.0, log_scale_max)
            rows.append(
                (step + 1, loss.item(), math.exp(-network.logit_scale.item()), lr,
                 time.perf_counter() - start)
            )
            if progress and (step % 10 == 0 or step == config.steps - 1):
                bar.set_postfix(loss=f"{rows[-1][1]:.3f}")
    network.eval()
    seconds = time.perf_counter() - start
    curve = pd.DataFrame(rows, columns=["step", "loss", "temperature", "learning_rate", "elapsed_s"])
    tail = curve["loss"].tail(max(1, len(curve) // 10))
    embedder.training_config = config
    embedder.training_summary = {
        "seconds": round(seconds, 2),
        "clips": config.steps * config.batch_size,
        "clips_per_s": round(config.steps * config.batch_size / seconds, 1),
        "final_loss": round(float(tail.mean()), 4),
        "final_temperature": round(float(curve["temperature"].iloc[-1]), 4),
        "torch_version": torch.__version__,
    }
    embedder.loss_curve = curve
    if output_dir is not None:
        embedder.save_pretrained(output_dir)
        curve.to_csv(output_dir / LOSS_CURVE_NAME, index=False)
    return embedder
