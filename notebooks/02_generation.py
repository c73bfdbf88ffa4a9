# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · The video model: a model whose knowledge we control
#
# S-QUBED treats the video model as a black box that turns a prompt and a seed into a video. Its epistemic part
# claims to detect what the model **does not know**; to check that claim we need a model whose gaps we know in
# advance. So this notebook **trains one** on the toy world of notebook 01, whose training distribution we set:
# common (shape, colour) pairs, a rare colour (cyan), three held-out pairs of familiar shapes and colours, and a
# colour never shown at all (white). Then the checker of notebook 01 reads every generated clip back, which measures
# directly how often the model gets each knowledge level right: the gaps that S-QUBED's epistemic entropy should find
# in notebooks 04 and 05. A second checkpoint, saved after 15% of the denoiser's training, knows less about
# everything.
#
# The model is a small text-to-video latent diffusion model, built the way real ones (Cosmos, Wan, CogVideoX,
# LTX-Video) are, only tiny. How it works (architecture, training schedule, sampler) is in section 5, which is
# **optional**: the rest of the course does not need it.
#
# On the `paper` profile there is nothing to train: section 4 loads the profile's diffusers text-to-video pipeline
# (Cosmos-Predict2 in the paper) and samples a few task prompts beside their real clips; the toy-world cells, which
# start with `%%only toy_world`, are skipped.

# %% [markdown]
# **Reading map.** *In the paper:* the video model of S-QUBED's step 2 (Cosmos-Predict2 there), which the method only
# samples from. *Needs:* the toy world's rules (notebook 01; on `paper`, its `tasks.csv`). *Reading:* about 8 minutes,
# plus 5 for the optional section 5. *Running:* about 23 s on `default` (the trained model ships with the repository,
# so it is copied, not retrained), a few seconds on `tiny`.

# %% tags=["parameters"]
profile = "default"  # Papermill parameter: tiny | default | paper
overrides = {}       # profile settings, e.g. the paper profile's models (configs/paper.example.yaml)

# %%
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from IPython.display import display

from squbed_utils import backends, world
from squbed_utils.course import generation as exercises
from squbed_utils.evaluation import accuracy_by_knowledge
from squbed_utils.generators import ToyVideoGenerator
from squbed_utils.generators.toy_training import CURVES_NAME
from squbed_utils import artifacts
from squbed_utils.plots import plot_clip_strips, plot_generator_accuracy, plot_samples_beside_truth, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.seeds import FIGURE_STREAM, render_seeds
from squbed_utils.takeaways import SavedResults, takeaway

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
model_dir = settings.artifacts_dir / artifacts.GENERATOR_DIR
saved = SavedResults(settings)

# %% [markdown]
# ## 1 · The model, trained once
#
# The cell below gives the profile's trained model. Training it takes about 17 minutes on two CPU cores on
# `default`, more than `make` can spend, so the repository ships that run (`models/default/toy_generator/`, written
# by `make train` with this same code and seed; `models/tiny/` for `tiny`) and the cell copies it when its
# configuration is exactly the profile's. Change any setting and it trains here instead (section 5 says how).

# %%
# %%only toy_world
generator = backends.toy_video_model(settings)

# %% [markdown]
# ## 2 · Samples: common, rare, held-out and unseen concepts
#
# Four samples (four seeds) per prompt, beside a render of what the prompt asks for. A well-known concept should come
# out right every time; a rare colour, a held-out shape-colour pair and a never-seen colour are where the model has to
# guess.

# %%
# %%only toy_world
prompts = ["a large red circle moves to the right", "a small cyan square moves up",
           "a large purple triangle moves to the left", "a large white cross moves down"]
kinds = ["common", "rare", "held out", "unseen"]
seeds = [settings.seed + k for k in range(4)]  # sampling seeds
samples = generator([p for p in prompts for _ in seeds], [s for _ in prompts for s in seeds])
truth = world.render_batch(pd.DataFrame([world.parse_prompt(p).completions()[0] for p in prompts]),
                           render_seeds(settings.seed, FIGURE_STREAM, len(prompts), key=1))
fig = plot_samples_beside_truth(truth, samples, [f"{kind}: a render of '{p}'" for kind, p in zip(kinds, prompts)],
                                seeds, title="Generated clips beside a render of the prompt")
save_figure(fig, "generator_samples", settings);

# %% tags=["remove-input"]
# %%only toy_world
read = world.check_attributes(samples[-len(seeds):])["colour"]  # the unseen prompt's samples, read back
drawn = sorted(set(read) - {world.UNKNOWN})
display(takeaway("In the last row the model is asked for white, which it never saw. {verdict}", verdict=(
    f"It draws colours it knows ({', '.join(drawn)}), {'not the same one every time' if len(drawn) > 1 else 'the same one every time'}: "
    + ("where it lacks knowledge its samples disagree, which is what the epistemic entropy is meant to pick up."
       if len(drawn) > 1 else "a confident wrong answer, which no measure of spread can see.")
    if drawn and "white" not in drawn else
    "The checker reads white in some of its samples." if "white" in drawn else
    "The checker cannot read a colour in its samples.")))

# %% [markdown]
# Samples of one prompt also differ in position and speed when they are right: the prompt leaves those free, as it
# does for the renders (notebook 01). Four samples are too few to judge a concept; the next section measures every
# concept on many clips.
#
# ## 3 · What the model learned, per knowledge level
#
# The checker of notebook 01 reads each generated clip's attributes back. Every object of the world is prompted with
# its caption several times; the table gives the fraction of clips whose attributes match the prompt, per knowledge
# level, for the final and the under-trained checkpoint (`all`: every attribute right).

# %%
# %%only toy_world
clips_per_object = settings.toy.accuracy_clips_per_object
undertrained = ToyVideoGenerator.from_pretrained(model_dir / "undertrained", embedder=generator.embedder)
accuracy = pd.concat({
    "final": accuracy_by_knowledge(generator, clips_per_object=clips_per_object, seed=settings.seed),
    "under-trained": accuracy_by_knowledge(undertrained, clips_per_object=clips_per_object, seed=settings.seed),
}, names=["checkpoint"])
accuracy.to_csv(settings.artifacts_dir / artifacts.GENERATOR_ACCURACY)
accuracy.style.format("{:.0%}", subset=["shape", "colour", "motion", "size", "all"])

# %%
# %%only toy_world
save_figure(plot_generator_accuracy(accuracy), "generator_accuracy", settings);

# %% tags=["remove-input"]
# %%only toy_world
def level(checkpoint, knowledge, column="all"):
    return saved.number(artifacts.GENERATOR_ACCURACY, column, where={"checkpoint": checkpoint, "knowledge": knowledge})


common, rare, held, unseen = (level("final", k) for k in world.KNOWLEDGE_LEVELS)
white = level("final", "unseen", "colour")
reliable = common >= 0.5  # the tiny profile's model draws almost nothing right: then only the numbers are shown
caveat = "" if reliable else "This profile's model is too small to draw reliably, so the comparisons say little here. "
rare_words = ("about as often as common ones" if abs(rare - common) <= 0.03 else
              "more often than common ones" if rare > common else "clearly less often than common ones")
if reliable and abs(rare - common) <= 0.03:
    rare_words += ": a small share of the training clips was enough"
held_words = ("no clear gap" if common - held <= 0.03 else
              "a real but small gap: most never-seen pairs still come out right, composed from a shape and a "
              "colour the model knows" if common - held <= 0.15 else "a large gap")
white_words = ("it cannot draw a colour it never saw, although its text encoder knows the word" if white <= 0.05
               else "so it draws white at least sometimes")
if not reliable:
    held_words = "no clear gap" if abs(common - held) <= 0.03 else "a gap"
    white_words = "a model this weak draws no colour reliably"
display(takeaway(
    "{caveat}The final model draws common concepts right {common:.0%} of the time and rare cyan ones {rare:.0%}, "
    "{rare_words}. On the held-out pairs it scores {held:.0%}, {held_words}. On white, the checker reads the asked "
    "colour in {white:.0%} of the clips ({unseen:.0%} fully right): {white_words}.",
    caveat=caveat, common=common, rare=rare, rare_words=rare_words, held=held, held_words=held_words,
    white=white, unseen=unseen, white_words=white_words))

attributes = ["shape", "colour", "motion", "size"]
final_common = {a: level("final", "common", a) for a in attributes}
under_common = {a: level("under-trained", "common", a) for a in attributes}
under = {k: level("under-trained", k) for k in ("common", "rare", "held_out")}
weakest = min(under_common, key=under_common.get)
less_words = ("it knows less about everything, not only about the gaps" if common - under["common"] > 0.1
              else "on this profile it is not clearly worse than the final model")
lost_words = (f"; what it loses most is the {weakest}" if sorted(under_common.values())[1] > under_common[weakest]
              else "")
display(takeaway(
    "The under-trained checkpoint gets {uc:.0%} of common concepts right, {ur:.0%} of rare and {uh:.0%} of held-out "
    "ones: {less_words}{lost_words} ({ushape:.0%} of shapes right on common objects, against {fshape:.0%} for the "
    "final model).",
    uc=under["common"], ur=under["rare"], uh=under["held_out"], less_words=less_words, lost_words=lost_words,
    ushape=under_common["shape"], fshape=final_common["shape"]))

# %% [markdown]
# What this means for the rest of the study. The training frequency of a prompt's pairs (the epistemic truth of
# notebook 01) is a *proxy* for what the model knows, and the table above says how good a proxy it is: where a level
# of exposure makes no difference to accuracy, it should make none to the epistemic entropy either. That is why
# notebook 08 also measures ignorance on the model itself (the checker's error rate on a task's own completions) and
# builds a ladder of checkpoints whose knowledge falls step by step.
#
# ## 4 · The paper profile: a real text-to-video pipeline
#
# On `paper`, the video model is a diffusers pipeline loaded from local weights (`DiffusersVideoGenerator`; the
# family's defaults for frames, size, steps and guidance unless the profile overrides them). Each clip is seeded on
# its own (`torch.Generator` per clip), so a (prompt, seed) pair always gives the same video, and the clip is
# resampled once to the stored geometry that CLIP reads. Below: the first three task prompts, three seeds each,
# beside the task's real clip.

# %%
# %%only real_clips
tasks = pd.read_csv(settings.artifacts_dir / artifacts.TASKS).head(3)
generator = backends.video_generator(settings, ray_spec=False)  # a few clips: in this process even with Ray
seeds = [settings.seed + k for k in range(3)]  # sampling seeds
samples = generator([p for p in tasks["prompt"] for _ in seeds], [s for _ in tasks["prompt"] for s in seeds])
fig = plot_samples_beside_truth(backends.reference_clips(tasks, settings), samples,
                                [f"real clip: '{p[:60]}'" for p in tasks["prompt"]], seeds,
                                title="Generated clips beside the task's real clip")
save_figure(fig, "generator_samples", settings);

# %% [markdown]
# ## 5 · Optional: how the toy video model works
#
# *You can skip this section:* nothing later depends on it. It describes the black box of sections 1-3.
#
# 1. a **video autoencoder** compresses each clip: a convolutional encoder per frame
#    ($32\times32\times3 \to 4\times8\times8$) and a small MLP **codec** that compresses the 8 frames' latents
#    into one 128-number code;
# 2. a **denoiser** learns to turn Gaussian noise into such codes, conditioned on the prompt's sentence
#    embedding (MiniLM, 384 numbers, so any wording works);
# 3. **classifier-free guidance** mixes the conditional and the unconditional prediction,
#    $\hat v = v_\varnothing + w\,(v_{\text{prompt}} - v_\varnothing)$, to follow the prompt more closely.
#
# Diffusion in one line: training adds noise to a code $x_0$, $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon$,
# and teaches the denoiser to predict $v = \sqrt{\bar\alpha_t}\,\varepsilon - \sqrt{1-\bar\alpha_t}\,x_0$; sampling runs that
# backwards from pure noise in 20 DDIM steps, deterministically given the seed of the starting noise, so a
# (prompt, seed) pair always gives the same clip. The under-trained checkpoint is the denoiser after 15% of its steps.
#
# ### Optional: the training schedule
#
# Three phases, each seeded and checkpointed: the frame autoencoder, the clip codec, then the denoiser.
# An interrupted run resumes where it stopped; a finished run with the same configuration is loaded instead of
# retrained, and any changed setting trains anew. Shipping the trained run (section 1) also gives every machine the
# same weights: float rounding differs between CPUs, and training amplifies it. The weights are stored as float16.

# %%
# %%only toy_world
curves = pd.read_csv(model_dir / CURVES_NAME)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
for ax, (phase, part) in zip(axes, curves.groupby("phase", sort=False)):
    smooth = part["loss"].rolling(max(1, len(part) // 50), min_periods=1).mean()
    ax.plot(part["step"], part["loss"], alpha=0.25)
    ax.plot(part["step"], smooth)
    ax.set(title=phase, xlabel="step", yscale="log")
axes[0].set_ylabel("training loss (log scale)")
fig.tight_layout()
save_figure(fig, "generator_training_curves", settings);

# %% tags=["remove-input"]
# %%only toy_world
curves_file = f"{artifacts.GENERATOR_DIR}/{CURVES_NAME}"
steps = {phase: saved.number(curves_file, "step", where={"phase": phase}, aggregate="max")
         for phase in ("autoencoder", "codec", "denoiser")}
tenth = {phase: max(1, len(part) // 10) for phase, part in curves.groupby("phase")}
falls = {phase: part["loss"].tail(tenth[phase]).mean() < part["loss"].head(tenth[phase]).mean()
         for phase, part in curves.groupby("phase")}
display(takeaway(
    "{autoencoder:.0f} autoencoder steps, {codec:.0f} codec steps and {denoiser:.0f} denoiser steps; {verdict}.",
    verdict=("in every phase the loss of the last tenth of the steps is below that of the first tenth"
             if all(falls.values()) else "in some phase the loss does not fall: look at the curves before trusting "
             "the model"), **steps))

# %% [markdown]
# ### Optional: what the autoencoder can represent
#
# Everything the model generates passes through the autoencoder and the codec, so their reconstructions are an upper
# bound on sample quality. Top of each pair: a fresh render; below: the same clip encoded and decoded.

# %%
# %%only toy_world
objects = [world.Attributes(s, c, m, z) for s, c, m, z in [
    ("circle", "red", "right", "large"), ("square", "blue", "up", "small"), ("triangle", "yellow", "left", "large"),
    ("cross", "purple", "down", "large")]]
renders = world.render_batch(pd.DataFrame(objects), render_seeds(settings.seed, FIGURE_STREAM, len(objects)))
reconstructions = generator.reconstruct(renders)
pairs = np.stack([renders, reconstructions], axis=1).reshape(-1, *renders.shape[1:])
labels = [label for a in objects for label in (world.caption(a), "reconstruction")]
fig = plot_clip_strips(pairs, labels, title="Renders and their autoencoder reconstructions")
save_figure(fig, "generator_reconstructions", settings);

# %% tags=["remove-input"]
# %%only toy_world
read_back = world.attribute_accuracy(reconstructions, [world.caption(a) for a in objects])["all"]
display(takeaway("The checker {verdict}, so {meaning}.",
                 verdict=("reads every one of these four reconstructions right" if read_back.all()
                          else "misreads some of these four reconstructions"),
                 meaning=("the autoencoder and codec keep what the checker needs, at least for these objects, and the "
                          "model's errors arise mostly in the denoiser" if read_back.all()
                          else "part of the model's errors already arise in the autoencoder or the codec")))

# %% [markdown]
# ## Summary
#
# * A text-to-video model trained on a world whose training exposure we set: common pairs, rare cyan, three held-out
#   pairs, unseen white; and an under-trained checkpoint of the same model.
# * Its accuracy per knowledge level, measured by reading every generated clip back (below), is the knowledge that
#   S-QUBED's epistemic entropy should track in notebooks 04 and 05.
# * Saved: the two checkpoints under `generator/` and the accuracy table `generator_accuracy.csv`. The model follows
#   the interface every backend shares: `generator(prompts, seeds) -> uint8 (N, T, H, W, 3)`.

# %% tags=["remove-input"]
# %%only toy_world
display(takeaway(
    "Final model, fraction of clips fully right: common {common:.0%}, rare {rare:.0%}, held out {held:.0%}, "
    "unseen {unseen:.0%}; under-trained: common {uc:.0%}.",
    common=common, rare=rare, held=held, unseen=unseen, uc=under["common"]))

# %% [markdown]
# ## Exercises
#
# These use the table of section 3, so they run in the toy world (`tiny`, `default`); on `paper` the checks say that
# no answer was given.

# %% [markdown] tags=["exercise"]
# **Exercise 1 (predict, then compute).** Before reading the table: the held-out pairs combine a shape and a colour
# the model knows well, but never saw together. Will the final model's accuracy on them be close to its accuracy on
# common pairs, or close to its accuracy on white, which it never saw at all? Write down your guess, then set
# `answer` to the final model's `all` accuracy on `held_out`, read from the saved table
# (`artifacts/<profile>/generator_accuracy.csv`, or `accuracy` above), as a fraction.

# %% tags=["solution"]
answer = accuracy.loc[("final", "held_out"), "all"] if settings.toy_world else None  # the table is toy-world only
exercises.check_level_accuracy(answer, settings.artifacts_dir / artifacts.GENERATOR_ACCURACY, "final", "held_out")

# %% [markdown] tags=["exercise"]
# **Exercise 2.** Which knowledge level does the final model get right least often? Answer with its name, then look
# at that row's attribute columns: which attribute fails, and why can no amount of prompting fix it?

# %% tags=["solution"]
answer = accuracy.loc["final", "all"].idxmin() if settings.toy_world else None
exercises.check_worst_level(answer, settings.artifacts_dir / artifacts.GENERATOR_ACCURACY, "final")

# %% [markdown] tags=["solution"]
# *Model answer (second part).* Expected: the unseen colour, and there the failing attribute is the colour: the
# model never saw a white clip, so however the prompt is worded it draws some colour it knows. Its text encoder knows
# the word, which is what makes this a gap of *knowledge*, not of language.

# %% [markdown] tags=["exercise"]
# **Exercise 3 (open).** The under-trained checkpoint is the same model after 15% of its denoiser training. From its
# row of the table, predict what notebook 05 should find when it compares the epistemic entropy of the two
# checkpoints on the same fully specified prompts, and say which levels should show the largest difference.

# %% [markdown] tags=["solution"]
# *Model answer.* If the epistemic entropy measures ignorance, the under-trained checkpoint should get a higher one on
# most prompts, since it gets far fewer clips right at every level: its videos of one refined prompt disagree with
# each other in shape (and sometimes colour) where the final model's agree. The largest differences should come where
# the accuracy gap between the checkpoints is largest, the common and rare levels; on white both models are wrong,
# so both should show a high epistemic entropy and the difference should be small. Notebook 05 reports the share of
# prompts where the under-trained model's entropy is higher; notebook 08 repeats the test along a ladder of
# checkpoints.
