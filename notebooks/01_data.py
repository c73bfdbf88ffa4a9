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
# # 01 · The data: a toy world where the truth is known
#
# S-QUBED claims to split a video model's uncertainty into two parts:
#
# * **aleatoric** uncertainty: the prompt itself is vague ("a dog playing" fits many videos);
# * **epistemic** uncertainty: the model lacks knowledge (it has rarely or never seen what is asked).
#
# On real data neither part can be measured directly, so the paper can only check them indirectly.
# This notebook builds a small world where **both are known by construction**, so that later notebooks
# can check whether S-QUBED recovers what we put in:
#
# | stage | what it is here |
# | --- | --- |
# | a video | 8 frames of 32×32 RGB: one object with a shape, a colour, a motion and a size |
# | a task | a prompt (possibly vague) and one ground-truth clip that fits it |
# | aleatoric truth | $\log$ of the number of objects the prompt allows |
# | epistemic truth | how often the video model saw the prompt's (shape, colour) pairs in training |
#
# Everything here comes from `squbed_utils.world`; this notebook shows it and saves the task table
# that the later notebooks read.
#
# On the `paper` profile the tasks are real clips with their captions instead, read from a manifest you supply
# (section 6); the toy-world cells, which start with `%%only toy_world`, are skipped there.

# %% tags=["parameters"]
profile = "default"  # Papermill parameter: tiny | default | paper
overrides = {}       # profile settings, e.g. the paper profile's manifest and models (configs/paper.example.yaml)

# %%
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns
from IPython.display import Image, display

from squbed_utils import artifacts, backends, world
from squbed_utils.plots import plot_clip_strips, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.seeds import FIGURE_STREAM, render_seeds

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
settings.artifacts_dir.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1 · Objects and clips
#
# An object has four attributes, $4 \times 6 \times 5 \times 2 = 240$ objects in all.
# A clip is rendered **deterministically from (attributes, seed)**; the seed sets the start position and
# small jitter in speed and brightness, so one description covers many different clips.

# %%
# %%only toy_world
pd.DataFrame({name: pd.Series(values) for name, values in world.ATTRIBUTE_VALUES.items()}).fillna("").T

# %%
# %%only toy_world
examples = [world.Attributes(shape, colour, motion, size) for shape, colour, motion, size in [
    ("circle", "red", "right", "large"), ("square", "blue", "up", "small"),
    ("triangle", "yellow", "left", "large"), ("cross", "purple", "down", "large"),
    ("circle", "green", "still", "small"), ("square", "cyan", "left", "large"),
]]
clips = world.render_batch(pd.DataFrame(examples), render_seeds(settings.seed, FIGURE_STREAM, len(examples)))
fig = plot_clip_strips(clips, [world.caption(a) for a in examples], title="One clip per row, time runs left to right")
save_figure(fig, "world_example_clips", settings);

# %% [markdown]
# The same description with different seeds gives different clips: this within-description variation is
# what a perfect video model would still show, and it sets a floor on the epistemic entropy.

# %%
# %%only toy_world
same = [world.Attributes("triangle", "red", "right", "large")] * 4
fig = plot_clip_strips(world.render_batch(pd.DataFrame(same), render_seeds(settings.seed, FIGURE_STREAM, 4, key=1)),
                       [f"render seed #{k + 1}" for k in range(4)], title="a large red triangle moves to the right")
save_figure(fig, "world_seed_variation", settings);

# %% [markdown]
# ## 2 · Words: captions, vague prompts and the aleatoric truth
#
# Captions are phrased with varied words, so that a text-conditioned model (and later the latent prompt
# generator) must understand meaning rather than match strings:

# %%
# %%only toy_world
target = world.Attributes("circle", "red", "left", "small")
for seed in range(4):
    print(world.caption(target, seed=seed))

# %% [markdown]
# A **vague prompt** leaves some attributes open. The parser maps any prompt of this world to the set of
# allowed values for each attribute; the prompt's **completions** are all objects that fit it.
# Its aleatoric truth is
#
# $$ A^\star(l) = \log \lvert \{\text{objects consistent with } l\} \rvert, $$
#
# zero for a fully specified prompt and $\log 240 \approx 5.5$ nats for "something".

# %%
# %%only toy_world
prompts = ["a small red circle moves to the left", "a red circle moves sideways", "something red moves",
           "a big shape stays still", "a triangle", "something"]
pd.DataFrame({"prompt": prompts,
              "completions": [world.parse_prompt(p).n_completions for p in prompts],
              "aleatoric truth (nats)": [world.aleatoric_truth(p) for p in prompts]}).round(2)

# %% [markdown]
# ## 3 · What the video model will learn from: rare and never-seen concepts
#
# The video model of notebook 02 is trained on clips drawn from a **deliberately uneven** distribution over
# (shape, colour) pairs. Most pairs are common; the colour cyan is rare; three pairs are **held out**
# (never shown in training). The epistemic truth of a task is the training frequency of its pairs.

# %%
# %%only toy_world
distribution = world.training_distribution()
pair = distribution.groupby(["shape", "colour"], observed=True)["probability"].sum().unstack("colour")
pair = pair.loc[list(world.SHAPES), list(world.COLOURS)]
fig, ax = plt.subplots(figsize=(7, 3.6))
sns.heatmap(100 * pair, annot=True, fmt=".1f", cmap="mako_r", cbar_kws={"label": "% of training clips"}, ax=ax)
for row, shape in enumerate(pair.index):
    for column, colour in enumerate(pair.columns):
        if pair.loc[shape, colour] == 0:
            ax.add_patch(plt.Rectangle((column, row), 1, 1, fill=False, hatch="//", edgecolor="C3", lw=0))
ax.set(title="Training distribution over (shape, colour); hatched = held out", xlabel="", ylabel="")
ax.grid(False)
save_figure(fig, "world_training_distribution", settings);

# %% [markdown]
# ## 4 · The tasks
#
# A task is a prompt plus one ground-truth clip (one completion of the prompt, rendered with a seed that no
# training clip uses). Tasks are stratified over vagueness (how many attributes are left open) and knowledge
# (common, rare, held out), so both kinds of uncertainty vary across the set. The table uses the same core
# columns (`id, prompt, caption, path, category, split`) as the real-clip manifests of the `paper` profile.

# %%
# %%only toy_world
tasks = backends.toy_tasks(settings)
world.validate_tasks(tasks)
world.write_task_clips(tasks, settings.artifacts_dir, gif_scale=4)
tasks.to_csv(settings.artifacts_dir / artifacts.TASKS, index=False)
print(f"{len(tasks)} tasks written to {settings.artifacts_dir / artifacts.TASKS}")
tasks[["id", "prompt", "category", "n_completions", "aleatoric_truth", "training_exposure"]].head(8)

# %%
# %%only toy_world
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
counts = tasks.groupby(["knowledge", "vagueness"]).size().unstack("vagueness").reindex(list(world.KNOWLEDGE_LEVELS))
sns.heatmap(counts, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=left)
left.set(title="Tasks per stratum", xlabel="attributes left open (vagueness)", ylabel="")
left.grid(False)
np.random.seed(settings.seed)  # seaborn's jitter draws from NumPy's global generator
sns.stripplot(data=tasks, x="knowledge", y="aleatoric_truth", hue="knowledge", order=list(world.KNOWLEDGE_LEVELS),
              jitter=0.25, ax=right, legend=False)
right.set(title="Aleatoric truth by knowledge", xlabel="", ylabel="log(#completions), nats")
save_figure(fig, "world_task_strata", settings);

# %% [markdown]
# Some ground-truth clips with their prompts. A vague prompt's clip is only one of the many it allows,
# which is why vague prompts will score lower accuracy against their ground truth.

# %%
# %%only toy_world
shown = tasks.groupby("knowledge").head(2)
fig = plot_clip_strips(world.read_task_clips(shown, settings.artifacts_dir), shown["prompt"].tolist(),
                       title="Task prompts and their ground-truth clips")
save_figure(fig, "world_task_examples", settings)
display(Image(filename=settings.artifacts_dir / tasks["path"].iloc[0].replace(".npy", ".gif")))

# %% [markdown]
# ## 5 · A checker that reads clips back
#
# Because every clip comes from known attributes, a simple checker can read shape, colour, motion and size
# back from pixels (colour from foreground hue, motion from the centroid track, size from area, shape from a
# coarse silhouette descriptor). Later it measures what the video model really learned: the *exact*
# accuracy that the toy world allows, beside the embedding-cosine accuracy of the paper. On the ground-truth
# clips it must be perfect:

# %%
# %%only toy_world
checked = world.attribute_accuracy(world.read_task_clips(tasks, settings.artifacts_dir), tasks["prompt"].tolist())
checker_accuracy = checked.mean()
checker_accuracy.to_frame("checker accuracy on ground truth").T

# %%
# %%only toy_world
assert checker_accuracy["all"] == 1.0, "the checker must read every ground-truth clip correctly"

# %% [markdown]
# ## 6 · The paper profile: real clips from a manifest
#
# On `paper`, a task is a real clip and its caption, listed in a manifest (a CSV or Parquet table with `id`,
# `caption`, `path`, `category` and optional `start`/`end` seconds; `squbed_utils.manifests` documents it, and
# `squbed_utils.subsets.cut_subset` draws a Panda-70M- or VidGen-1M-style subset with the paper's category mix). Every row is
# checked (missing or unreadable files, empty captions, duplicate ids) before anything runs, and every clip is
# decoded once to the stored geometry and cached. Real data has no aleatoric or epistemic truth: the checks of
# notebooks 04 and 05 against the truth are toy-world only.

# %%
# %%only real_clips
tasks = backends.real_tasks(settings)
tasks.to_csv(settings.artifacts_dir / artifacts.TASKS, index=False)
reference = backends.reference_clips(tasks, settings, progress=True)
print(f"{len(tasks)} tasks; ground-truth clips decoded to {reference.shape[1:]} (frames, height, width, RGB)")
fig, ax = plt.subplots(figsize=(6, 2.8))
tasks["category"].value_counts().plot.barh(ax=ax)
ax.set(xlabel="tasks", ylabel="", title="Tasks per category")
save_figure(fig, "task_categories", settings)
shown = tasks.groupby("category").head(1).head(6)
fig = plot_clip_strips(reference[shown.index], [p[:70] for p in shown["prompt"]], title="Task captions and their real clips")
save_figure(fig, "task_examples", settings);

# %% [markdown]
# ## Summary
#
# * `artifacts/<profile>/tasks.csv` holds the task table; `artifacts/<profile>/clips/` the ground-truth clips.
# * Aleatoric truth: $\log$ #completions of the prompt. Epistemic truth: training exposure of its (shape, colour) pairs.
# * Next, notebook 02 trains the video model on the uneven distribution shown above.
