"""Training the toy text-to-video model (:class:`~squbed_utils.generators.toy.ToyVideoGenerator`) from scratch on CPU.

Three phases, one after the other: the frame autoencoder on single frames of
training renders; the clip codec on the autoencoder's latents of
``config.train_clips`` training clips (from
:func:`squbed_utils.world.sample_training_set`); the denoiser on their
normalised codes, with one MiniLM embedding per distinct caption.

Training (:func:`train_toy_generator`) is seeded and resumable: every random
draw of step ``k`` is derived from ``(seed, phase, k)``, so a rerun after an
interruption continues from the last checkpoint and ends with the same weights.

How long each part trains is set by the small objects (8 pixels across; the
large ones are easy). Measured on 2 CPU cores, shape read back by the checker:
3,000 autoencoder steps keep every small shape through encode-decode (1,000:
74%); 6,000 codec steps keep 96% of them through the codec (2,000: 79%); and
the denoiser needs 12,000 steps at learning rate 4e-3 to draw common concepts'
shapes right 96% of the time (2,000 steps at 2e-3, the earlier 4-minute
budget: 65%; 6,000 at 2e-3: 89%). That run takes about 17 minutes, more than ``make``
can spend, so the profiles' runs are committed (``models/<profile>/toy_generator``,
written by ``make train`` through :func:`export_checkpoint`) and
:func:`train_toy_generator` copies one when the config matches exactly
(:func:`squbed_utils.backends.toy_video_model` points it there). Committing
them also keeps the weights the same on every machine: float reductions
differ between CPUs, and training amplifies the difference.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .. import world
from ..checkpoints import CONFIG_NAME, WEIGHTS_NAME, mirror_files, read_config
from ..runtime import torch_threads
from ..store import atomic_write
from .toy import (THREADS, ToyGeneratorConfig, ToyVideoGenerator, clips_to_tensor, make_scheduler, object_mask,
                  saved_config)

__all__ = ["train_toy_generator", "shipped_checkpoint", "export_checkpoint", "ladder_steps", "load_rung",
           "CHECKPOINTS", "CURVES_NAME", "LADDER_DIR"]

#: The checkpoints a finished run holds.
CHECKPOINTS = ("final", "undertrained")
#: Training curves written beside them: ``phase, step, loss``.
CURVES_NAME = "training_curves.csv"
#: The knowledge ladder's other rungs: the denoiser alone (the autoencoder and codec are trained before it and
#: shared by every rung), ``denoiser-<step>.safetensors``.
LADDER_DIR = "ladder"
_STATE_NAME = "training_state.pt"
_PHASES = {"autoencoder": 1, "denoiser": 2, "codec": 3}


def _step_rng(seed: int, phase: str, step: int) -> np.random.Generator:
    return np.random.default_rng([seed, _PHASES[phase], step])


def _step_torch(seed: int, phase: str, step: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(_step_rng(seed, phase, step).integers(2**62)))


def _lr_lambda(total: int, warmup: float = 0.05):
    warm = max(1, int(total * warmup))

    def schedule(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(1, total - warm))))

    return schedule


@dataclasses.dataclass
class _Run:
    """One training run's model, optimisers, progress and files."""

    config: ToyGeneratorConfig
    generator: ToyVideoGenerator
    out: Path
    optimizers: dict
    schedulers: dict
    steps: dict
    curves: list
    budget: float
    progress: bool

    @property
    def modules(self) -> dict:
        g = self.generator
        return {"autoencoder": g.autoencoder, "codec": g.codec, "denoiser": g.denoiser}

    def total_steps(self, phase: str) -> int:
        return {"autoencoder": self.config.ae_steps, "codec": self.config.codec_steps,
                "denoiser": self.config.denoiser_steps}[phase]

    def checkpoint(self) -> None:
        state = dict(config=self.config.to_dict(), model=self.generator.state_dict(), steps=self.steps,
                     curves=self.curves,
                     optimizers={name: opt.state_dict() for name, opt in self.optimizers.items()},
                     schedulers={name: sched.state_dict() for name, sched in self.schedulers.items()})
        atomic_write(self.out / _STATE_NAME, lambda file: torch.save(state, file))

    def write_curves(self) -> None:
        text = pd.DataFrame(self.curves, columns=["phase", "step", "loss"]).to_csv(index=False)
        atomic_write(self.out / CURVES_NAME, lambda file: file.write(text), binary=False)


def _new_run(config: ToyGeneratorConfig, out: Path, embedder, max_steps: int | None, progress: bool,
             resume: bool) -> _Run:
    """A fresh model and optimisers, or the state saved in ``training_state.pt`` when resuming."""
    torch.manual_seed(config.seed)
    generator = ToyVideoGenerator(config, embedder=embedder)
    learning_rates = {"autoencoder": config.ae_lr, "codec": config.codec_lr, "denoiser": config.denoiser_lr}
    run = _Run(config, generator, out, {}, {}, {}, [], max_steps if max_steps is not None else math.inf, progress)
    for name, module in run.modules.items():
        run.optimizers[name] = torch.optim.AdamW(module.parameters(), lr=learning_rates[name], weight_decay=0.0)
        run.schedulers[name] = torch.optim.lr_scheduler.LambdaLR(run.optimizers[name], _lr_lambda(run.total_steps(name)))
        run.steps[name] = 0
    state_file = out / _STATE_NAME
    if resume and state_file.is_file():
        state = torch.load(state_file, weights_only=False)
        if state["config"] != config.to_dict():
            raise ValueError(f"{state_file} belongs to a run with another config; delete it or use resume=False")
        generator.load_state_dict(state["model"], source=str(state_file))
        for name in run.modules:
            run.optimizers[name].load_state_dict(state["optimizers"][name])
            run.schedulers[name].load_state_dict(state["schedulers"][name])
        run.steps, run.curves = state["steps"], state["curves"]
    return run


def _run_phase(run: _Run, phase: str, loss_at: Callable[[int], torch.Tensor],
               after_step: Callable[[int], None] | None = None) -> bool:
    """Optimise ``phase`` until its step count; False when ``max_steps`` ran out first."""
    from tqdm.auto import tqdm

    total, module = run.total_steps(phase), run.modules[phase]
    optimizer, scheduler = run.optimizers[phase], run.schedulers[phase]
    module.train()
    bar = tqdm(total=total, initial=run.steps[phase], desc=phase, disable=not run.progress or run.steps[phase] >= total)
    while run.steps[phase] < total:
        if run.budget <= 0:
            bar.close()
            run.checkpoint()
            run.write_curves()
            return False
        loss = loss_at(run.steps[phase])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        run.steps[phase] += 1
        run.budget -= 1
        run.curves.append((phase, run.steps[phase], loss.item()))
        bar.update()
        bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        if after_step is not None:
            after_step(run.steps[phase])
        if run.steps[phase] % run.config.checkpoint_every == 0:
            run.checkpoint()
    bar.close()
    module.eval()
    run.checkpoint()
    run.write_curves()
    return True


def _autoencoder_loss(run: _Run, clips: np.ndarray, step: int) -> torch.Tensor:
    """Single frames of training clips, the object's pixels weighted up."""
    config, autoencoder = run.config, run.generator.autoencoder
    rng = _step_rng(config.seed, "autoencoder", step)
    pick = rng.integers(0, len(clips), config.ae_batch_size)
    frames = clips[pick, rng.integers(0, config.frames, len(pick))][:, None]
    x = clips_to_tensor(frames)
    weight = 1.0 + config.ae_object_weight * object_mask(frames)
    return (((autoencoder.decode(autoencoder.encode(x)) - x) ** 2) * weight).mean()


def _codec_loss(run: _Run, latents: torch.Tensor, step: int) -> torch.Tensor:
    """Noise on the code keeps the decoder smooth around codes the denoiser will produce."""
    config, codec = run.config, run.generator.codec
    g = _step_torch(config.seed, "codec", step)
    x = latents[torch.randint(0, len(latents), (config.codec_batch_size,), generator=g)]
    code = codec.encoder(x)
    code = code + config.codec_noise * torch.randn(code.shape, generator=g)
    return F.mse_loss(codec.decoder(code), x)


def _denoiser_loss(run: _Run, codes: torch.Tensor, text: torch.Tensor, scheduler, snr: torch.Tensor,
                   step: int) -> torch.Tensor:
    config = run.config
    g = _step_torch(config.seed, "denoiser", step)
    idx = torch.randint(0, len(codes), (config.denoiser_batch_size,), generator=g)
    x0 = codes[idx]
    noise = torch.randn(x0.shape, generator=g)
    t = torch.randint(0, config.num_train_timesteps, (len(idx),), generator=g)
    drop = torch.rand(len(idx), generator=g) < config.cond_dropout
    xt = scheduler.add_noise(x0, noise, t)
    target = noise if config.prediction_type == "epsilon" else scheduler.get_velocity(x0, noise, t)
    per_example = ((run.generator.denoiser(xt, t, text[idx], drop) - target) ** 2).mean(dim=1)
    if config.min_snr_gamma == 0:
        return per_example.mean()
    # min-SNR weighting: the noisiest steps, whose error cannot fall below "the average clip for this
    # prompt", no longer dominate the gradient (+8 points of generated shape accuracy, measured)
    weight = snr[t].clamp(max=config.min_snr_gamma)
    weight = weight / (snr[t] + 1 if config.prediction_type == "v_prediction" else snr[t])
    return (per_example * weight).sum() / weight.sum()


def ladder_steps(config: ToyGeneratorConfig) -> dict[float, int]:
    """The knowledge ladder: denoiser step of every rung, by fraction of ``config.denoiser_steps``.

    The rungs are ``config.ladder_fractions``, ``config.undertrained_fraction``
    (the ``undertrained`` checkpoint) and 1.0 (``final``), weakest first. All
    share the autoencoder and codec, so they differ only in how long the
    denoiser, the part that maps text to clips, has trained.

    Raises
    ------
    ValueError
        If two rungs fall on the same step (too few denoiser steps for the fractions).
    """
    fractions = sorted((*config.ladder_fractions, config.undertrained_fraction))
    steps = {f: max(1, int(round(f * config.denoiser_steps))) for f in fractions} | {1.0: config.denoiser_steps}
    if len(set(steps.values())) < len(steps):
        raise ValueError(f"{config.denoiser_steps} denoiser steps put two rungs of the ladder {fractions + [1.0]} on "
                         "the same step; train longer or use fewer rungs")
    return steps


def _rung_file(step: int) -> str:
    return f"{LADDER_DIR}/denoiser-{step:06d}.safetensors"


def _checkpoint_files() -> tuple[str, ...]:
    """The files of every run, whatever its config: both checkpoints and the curves."""
    return (*(f"{c}/{f}" for c in CHECKPOINTS for f in (WEIGHTS_NAME, CONFIG_NAME)), CURVES_NAME)


def _run_files(config: ToyGeneratorConfig) -> tuple[str, ...]:
    """Every file of an exported run (what :func:`export_checkpoint` writes), relative to its folder."""
    ladder = ladder_steps(config)
    return (*_checkpoint_files(), *(_rung_file(ladder[f]) for f in config.ladder_fractions))


def _save_denoiser(generator: ToyVideoGenerator, file: Path, dtype: torch.dtype = torch.float32) -> None:
    from safetensors.torch import save

    tensors = {f"denoiser.{k}": v.detach().to(dtype).contiguous() for k, v in generator.denoiser.state_dict().items()}
    data = save(tensors, metadata={"architecture": generator.architecture})
    file.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(file, lambda handle: handle.write(data))


def _save_rungs(run: _Run, undertrained_at: int, denoiser_rungs: frozenset[int], step: int) -> None:
    """After a denoiser step: the ``undertrained`` checkpoint, or a ladder rung's denoiser, when it is their step."""
    if step == undertrained_at:
        run.generator.eval().save_pretrained(run.out / "undertrained")
        run.generator.denoiser.train()
    if step in denoiser_rungs:
        _save_denoiser(run.generator, run.out / _rung_file(step))


def _final_config(folder: Path) -> ToyGeneratorConfig:
    """The config a run's ``final/config.json`` holds, without loading its weights."""
    values = read_config(folder / "final", ToyVideoGenerator.architecture, what="generator")
    return ToyGeneratorConfig.from_dict(values, source=str(folder / "final" / CONFIG_NAME))


def load_rung(folder: str | os.PathLike, fraction: float, *, embedder=None) -> ToyVideoGenerator:
    """The model of one rung of the knowledge ladder of a finished (or exported) run in ``folder``.

    Parameters
    ----------
    folder : folder
        What :func:`train_toy_generator` or :func:`export_checkpoint` wrote.
    fraction : float
        A key of :func:`ladder_steps` of the run's config: 1.0 is ``final``, the
        undertrained fraction ``undertrained``; the others load ``final`` with the
        rung's denoiser.
    embedder : SentenceEmbedder, optional
        Shared text encoder.

    Raises
    ------
    ValueError
        If ``fraction`` is not a rung of the run.
    """
    from safetensors.torch import load_file

    folder = Path(folder)
    config = _final_config(folder)
    ladder = ladder_steps(config)
    if fraction not in ladder:
        raise ValueError(f"{fraction} is not a rung of the knowledge ladder of {folder}; its rungs are {list(ladder)}")
    if fraction == config.undertrained_fraction:
        return ToyVideoGenerator.from_pretrained(folder / "undertrained", embedder=embedder)
    generator = ToyVideoGenerator.from_pretrained(folder / "final", embedder=embedder)
    if fraction != 1.0:
        state = generator.state_dict() | load_file(folder / _rung_file(ladder[fraction]))
        generator.load_state_dict(state, source=str(folder / _rung_file(ladder[fraction])))
    return generator


def train_toy_generator(
    config: ToyGeneratorConfig,
    output_dir: str | os.PathLike,
    *,
    resume: bool = True,
    progress: bool = True,
    embedder=None,
    max_steps: int | None = None,
    shipped: str | os.PathLike | None = None,
) -> ToyVideoGenerator:
    """Train the toy model from scratch (or take the committed run of this config); write
    checkpoints and training curves.

    Writes under ``output_dir``:

    ``final/``            the trained model (``config.json`` + ``model.safetensors``)
    ``undertrained/``     the same model after ``undertrained_fraction`` of the denoiser steps
    ``ladder/``           the denoiser after each of ``ladder_fractions`` of its steps (:func:`load_rung`)
    ``training_curves.csv``  ``phase, step, loss`` for every phase
    ``training_state.pt`` the resumable state (every ``checkpoint_every`` steps; removed at the end)

    Parameters
    ----------
    config : ToyGeneratorConfig
        A profile's config comes from :func:`squbed_utils.backends.toy_generator_config`.
    output_dir : folder
    resume : bool, default True
        Continue from ``training_state.pt`` if present (else start over). A
        resumed run ends with the same weights as an uninterrupted one. A
        finished run (``final/`` saved with exactly this config) is loaded,
        not repeated; any changed setting trains anew.
    progress : bool, default True
        tqdm progress bars.
    embedder : SentenceEmbedder, optional
    max_steps : int, optional
        Stop after this many optimisation steps in total (all phases), leaving
        the state to resume from: for tests and for splitting a long run.
    shipped : folder, optional
        A run exported by :func:`export_checkpoint` (``make train`` writes the
        profiles' into ``models/``). When it was trained with exactly ``config``
        and ``resume`` is true, it is copied to ``output_dir`` (replacing a copy
        of an older one) instead of training; None always trains here.

    Returns
    -------
    ToyVideoGenerator
        The final model (or the partial one when ``max_steps`` stopped early).
    """
    if not isinstance(config, ToyGeneratorConfig):
        raise ValueError(f"config must be a ToyGeneratorConfig, got {type(config).__name__}")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_file, final = out / _STATE_NAME, out / "final"
    if resume and shipped is not None and shipped_checkpoint(config, shipped) is not None:
        mirror_files(shipped, out, _run_files(config))
        state_file.unlink(missing_ok=True)
        return ToyVideoGenerator.from_pretrained(final, embedder=embedder)
    if resume and (final / WEIGHTS_NAME).is_file() and not state_file.is_file():
        if json.loads((final / CONFIG_NAME).read_text()) == json.loads(saved_config(config)):
            return ToyVideoGenerator.from_pretrained(final, embedder=embedder)
    with torch_threads(THREADS):
        run = _new_run(config, out, embedder, max_steps, progress, resume)
        generator = run.generator
        table, clips = _training_set(config)
        if not _run_phase(run, "autoencoder", functools.partial(_autoencoder_loss, run, clips)):
            return generator.eval()
        latents, text = _encode_training_set(generator, table, clips, progress)
        if not _run_phase(run, "codec", functools.partial(_codec_loss, run, latents)):
            return generator.eval()
        with torch.no_grad():
            codes = generator.codec.encoder(latents)
        generator.code_mean, generator.code_std = codes.mean(dim=0), codes.std(dim=0)
        codes = (codes - generator.code_mean) / generator.code_std
        ladder = ladder_steps(config)
        undertrained_at = ladder[config.undertrained_fraction]
        denoiser_rungs = frozenset(ladder[f] for f in config.ladder_fractions)
        scheduler = make_scheduler(config, "ddpm")
        snr = scheduler.alphas_cumprod / (1 - scheduler.alphas_cumprod)
        loss = functools.partial(_denoiser_loss, run, codes, text, scheduler, snr)
        if not _run_phase(run, "denoiser", loss, functools.partial(_save_rungs, run, undertrained_at, denoiser_rungs)):
            return generator.eval()
        generator.eval().save_pretrained(final)
        run.write_curves()
        state_file.unlink(missing_ok=True)
        return generator


def shipped_checkpoint(config: ToyGeneratorConfig, folder: str | os.PathLike) -> Path | None:
    """The exported run in ``folder`` if it was trained with exactly ``config``, else None.

    ``folder`` holds what :func:`export_checkpoint` writes: ``final/``,
    ``undertrained/``, ``ladder/`` and ``training_curves.csv``.
    """
    folder = Path(folder)
    if not all((folder / name).is_file() for name in _run_files(config)):
        return None
    saved = json.loads((folder / "final" / CONFIG_NAME).read_text())
    return folder if saved == json.loads(saved_config(config)) else None


def export_checkpoint(run_dir: str | os.PathLike, target: str | os.PathLike, *,
                      dtype: torch.dtype = torch.float16) -> Path:
    """Copy a finished training run to ``target`` with its weights stored as ``dtype``.

    What ``make train`` commits: ``final/``, ``undertrained/`` and the ladder's
    denoisers (float16 halves the repository's share; the model still computes
    in float32) and ``training_curves.csv``.

    Raises
    ------
    FileNotFoundError
        If ``run_dir`` holds no finished run (both checkpoints and the curves).
    """
    run_dir, target = Path(run_dir), Path(target)
    missing = [name for name in _checkpoint_files() if not (run_dir / name).is_file()]
    config = None if missing else _final_config(run_dir)
    if config is not None:  # the ladder's files are named by the run's config
        missing = [name for name in _run_files(config) if not (run_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{run_dir} holds no finished training run (missing {', '.join(missing)}); "
                                "run train_toy_generator on it first")
    if (run_dir / _STATE_NAME).is_file():
        raise FileNotFoundError(f"the training run in {run_dir} is unfinished ({_STATE_NAME} is there); "
                                "resume train_toy_generator on it first")
    target.mkdir(parents=True, exist_ok=True)
    for name in CHECKPOINTS:
        ToyVideoGenerator.from_pretrained(run_dir / name).save_pretrained(target / name, dtype=dtype)
    ladder = ladder_steps(config)
    for fraction in config.ladder_fractions:
        _save_denoiser(load_rung(run_dir, fraction), target / _rung_file(ladder[fraction]), dtype)
    text = (run_dir / CURVES_NAME).read_text()
    atomic_write(target / CURVES_NAME, lambda file: file.write(text), binary=False)
    return target


def _training_set(config: ToyGeneratorConfig) -> tuple[pd.DataFrame, np.ndarray]:
    """The model's whole training set: ``train_clips`` captioned renders (deterministic from the seed)."""
    table = world.sample_training_set(config.train_clips, seed=config.seed, vague_fraction=config.vague_fraction)
    clips = world.render_batch(table, table["seed"], frames=config.frames, size=config.size)
    return table, clips


def _encode_training_set(generator: ToyVideoGenerator, table: pd.DataFrame, clips: np.ndarray, progress: bool):
    """Encode the training clips to normalised, flattened latents (N, D) and embed their
    captions (once per distinct caption); sets the generator's latent normalisation."""
    from tqdm.auto import tqdm

    chunks = []
    with torch.no_grad():
        for start in tqdm(range(0, len(clips), 512), desc="encoding training clips", disable=not progress):
            chunks.append(generator.autoencoder.encode(clips_to_tensor(clips[start:start + 512])))
    latents = torch.cat(chunks)
    generator.latent_mean = latents.mean(dim=(0, 1, 3, 4))
    generator.latent_std = latents.std(dim=(0, 1, 3, 4))
    captions = table["caption"].tolist()
    distinct = list(dict.fromkeys(captions))
    vectors = generator.embedder(distinct)
    lookup = {c: i for i, c in enumerate(distinct)}
    text = torch.from_numpy(vectors)[torch.tensor([lookup[c] for c in captions])]
    return generator.normalise(latents), text
