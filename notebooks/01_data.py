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
# | aleatoric truth | $\log$ of the number of objects the prompt allows (in nats: natural logarithms) |
# | epistemic truth | how often the video model saw the prompt's (shape, colour) pairs in training |
#
# Everything here comes from `squbed_utils.world`; this notebook shows it and saves the task table
# that the later notebooks read.
#
# On the `paper` profile the tasks are real clips with their captions instead, read from a manifest you supply
# (section 6); the toy-world cells, which start with `%%only toy_world`, are skipped there.

# %% [markdown]
# **Reading map.** *In the paper:* the benchmark of tasks (contribution 3: prompts with a ground-truth clip, drawn from
# Panda-70M and VidGen-1M), replaced here by a world whose aleatoric and epistemic truth are known by construction.
# *Needs:* nothing; it is the first notebook, and it saves `tasks.csv` and the ground-truth clips for all the others.
# *Reading:* about 10 minutes. *Running:* about 6 s on `default` (empty cache), a few seconds on `tiny`.

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
from squbed_utils.course import data as exercises
from squbed_utils.plots import plot_clip_strips, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.seeds import FIGURE_STREAM, render_seeds
from squbed_utils.takeaways import SavedResults, takeaway

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
settings.artifacts_dir.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1 · Objects and clips
#
# An object has four attributes: a shape, a colour, a motion and a size. Every combination is an object, so the
# world has $N = |\text{shapes}| \times |\text{colours}| \times |\text{motions}| \times |\text{sizes}|$ objects.
# A clip is rendered **deterministically from (attributes, seed)**; the seed sets the start position and
# small jitter in speed and brightness, so one description covers many different clips.

# %%
# %%only toy_world
pd.DataFrame({name: pd.Series(values) for name, values in world.ATTRIBUTE_VALUES.items()}).fillna("").T

# %% tags=["remove-input"]
# %%only toy_world
sizes = {name: len(values) for name, values in world.ATTRIBUTE_VALUES.items()}
n_objects = len(world.all_attribute_combinations())
display(takeaway("{shape} shapes × {colour} colours × {motion} motions × {size} sizes: $N$ = {n} objects. "
                 "One colour, white, will never appear in the video model's training (section 3).",
                 n=n_objects, **sizes))

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
# Each row is one object; its label is the caption the clip was rendered from.
#
# The same description with different seeds gives different clips. This is **nuisance variation**: the description
# leaves the start position and the small jitter free, so even a perfect video model, one that always draws exactly
# the object it is asked for, shows it. It therefore sets a floor under the epistemic entropy of notebook 04, which
# measures how much the videos of one fully specified prompt vary (notebook 08 measures that floor with a perfect
# model); only variation above it reflects what the model does not know.

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
# $$ A^\star(l) = \log \lvert \{\text{objects consistent with } l\} \rvert $$
#
# in nats: the entropy of a uniform choice among the completions. For a fully specified prompt the truth is
# $\log 1 = 0$; for "something", which allows all $N$ objects, it is $\log N$, the largest in this world.
#
# Only the **truth** is zero for a fully specified prompt. S-QUBED's *estimate* of the aleatoric entropy
# (notebook 04) is the entropy of a distribution fitted to the text encoder's embeddings of the refined prompts; for
# a fully specified prompt those are paraphrases of one object, which the encoder places close together but not on
# one point, so the estimate has a floor, a large negative number of nats that differs from task to task (notebook 04
# shows it). What the later notebooks can test is whether the estimate *ranks* prompts as the truth does.

# %%
# %%only toy_world
prompts = ["a small red circle moves to the left", "a red circle moves sideways", "something red moves",
           "a big shape stays still", "a triangle", "something"]
pd.DataFrame({"prompt": prompts,
              "completions": [world.parse_prompt(p).n_completions for p in prompts],
              "aleatoric truth (nats)": [world.aleatoric_truth(p) for p in prompts]}).round(2)

# %% tags=["remove-input"]
# %%only toy_world
display(takeaway("Each attribute a prompt leaves open multiplies its completions: \"something red moves\" allows "
                 "{red} objects ({shapes} shapes × {moving} moving directions × {size} sizes), and \"something\" all "
                 "{n}, so its truth is log {n} = {top:.2f} nats.",
                 red=world.parse_prompt("something red moves").n_completions, shapes=sizes["shape"],
                 moving=len(world.MOVING), size=sizes["size"], n=n_objects, top=world.aleatoric_truth("something")))

# %% [markdown]
# ## 3 · What the video model will learn from: rare and never-seen concepts
#
# The video model of notebook 02 is trained on clips drawn from a **deliberately uneven** distribution over
# (shape, colour) pairs, so we know in advance what it can and cannot know. Each pair gets a **knowledge level**:
#
# * **common**: most pairs, each seen often;
# * **rare**: the colour cyan, seen in a small share of the clips;
# * **held out**: three pairs of a familiar shape and a familiar colour that never appear *together*;
# * **unseen**: the colour white, never shown at all (the text encoder knows the word; the video model never saw it).
#
# The epistemic truth of a task is the training frequency of its pairs (`training_exposure`, averaged over the
# prompt's completions), and its knowledge level is that of most of its completions. Exposure is a *proxy* for what
# the model knows: notebook 02 measures how often the trained model draws each level right, and notebook 08 measures
# its ignorance directly.

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
ax.set(title="Training distribution over (shape, colour); hatched = never in training", xlabel="", ylabel="")
ax.grid(False)
save_figure(fig, "world_training_distribution", settings);

# %% tags=["remove-input"]
# %%only toy_world
cells = distribution.groupby(["shape", "colour", "knowledge"], observed=True)["probability"].sum().reset_index()
per_level = cells.groupby("knowledge")["probability"].agg(["mean", "size"])
display(takeaway("Each of the {n_common} common cells holds {common:.1%} of the training clips and each of the "
                 "{n_rare} rare cyan cells {rare:.1%}; the {n_held} held-out cells and the {n_white} white cells hold "
                 "none. Motion and size are spread evenly within every cell, so every shape, motion and size is "
                 "well seen.",
                 n_common=per_level.loc["common", "size"], common=per_level.loc["common", "mean"],
                 n_rare=per_level.loc["rare", "size"], rare=per_level.loc["rare", "mean"],
                 n_held=per_level.loc["held_out", "size"], n_white=per_level.loc["unseen", "size"]))

# %% [markdown]
# ## 4 · The tasks
#
# A task is a prompt plus one ground-truth clip (one completion of the prompt, rendered with a seed that no
# training clip uses). Tasks are stratified over vagueness (how many attributes are left open) and knowledge
# (common, rare, held out, unseen), so both kinds of uncertainty vary across the set. The table uses the same core
# columns (`id, prompt, caption, path, category, split`) as the real-clip manifests of the `paper` profile, plus the
# truth columns: `n_completions`, `aleatoric_truth` ($\log$ of it), `training_exposure` and `knowledge`.

# %%
# %%only toy_world
tasks = backends.toy_tasks(settings)
world.validate_tasks(tasks)
world.write_task_clips(tasks, settings.artifacts_dir, gif_scale=4)
tasks.to_csv(settings.artifacts_dir / artifacts.TASKS, index=False)
print(f"{len(tasks)} tasks written to {settings.artifacts_dir / artifacts.TASKS}")
tasks[["id", "prompt", "category", "n_completions", "aleatoric_truth", "training_exposure"]].head(8)

# %% [markdown]
# One row per task: `n_completions` counts the objects its prompt allows, `aleatoric_truth` is the log of that count,
# and `training_exposure` is the share of training clips that show the prompt's (shape, colour) pairs, which is 0 for
# held-out and unseen tasks. The `category` column names the task's stratum, knowledge and vagueness.

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

# %% tags=["remove-input"]
# %%only toy_world
saved = SavedResults(settings)
display(takeaway(
    "{n:.0f} tasks, {specified:.0f} of them fully specified (aleatoric truth 0); the vaguest allows {widest:.0f} "
    "objects ({top:.2f} nats). Held-out tasks must name their shape and colour, unseen tasks their colour, and "
    "neither leaves more than two attributes open (left panel), so vagueness and knowledge are not quite "
    "independent across the set.",
    n=saved.number(artifacts.TASKS, "n_completions", aggregate="count"),
    specified=saved.number(artifacts.TASKS, "vagueness", where={"vagueness": 0}, aggregate="count"),
    widest=saved.number(artifacts.TASKS, "n_completions", aggregate="max"),
    top=saved.number(artifacts.TASKS, "aleatoric_truth", aggregate="max")))

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
# The checker reads every attribute of every ground-truth clip right (the cell above stops the notebook otherwise),
# so when it later disagrees with a generated clip, the fault is the video model's, not the checker's.

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
# * A toy world of one-object clips where both truths are known: the **aleatoric truth** of a prompt is $\log$ of the
#   number of objects it allows (0 for a fully specified prompt, $\log N$ for "something"), the **epistemic truth**
#   is how often the video model saw the prompt's (shape, colour) pairs in training (common, rare, held out, unseen).
# * Two floors to keep in mind. S-QUBED's aleatoric *estimate* of a fully specified prompt is not 0 but a large
#   negative number that varies by task (notebook 04). And the videos of one fully specified prompt vary in
#   position and jitter even for a perfect model, a floor under the epistemic entropy (notebook 08).
# * Saved: `tasks.csv` (the task table with its truth columns) and the ground-truth clips under `clips/`.
#   Next, notebook 02 trains the video model on the uneven distribution of section 3.

# %% tags=["remove-input"]
# %%only toy_world
display(takeaway(
    "On this profile: {n:.0f} tasks, aleatoric truth from {low:.0f} to {top:.2f} nats (median {median:.2f}), "
    "{zero:.0f} tasks whose pairs the model never saw in training (held out or unseen).",
    n=saved.number(artifacts.TASKS, "n_completions", aggregate="count"),
    low=saved.number(artifacts.TASKS, "aleatoric_truth", aggregate="min"),
    top=saved.number(artifacts.TASKS, "aleatoric_truth", aggregate="max"),
    median=saved.number(artifacts.TASKS, "aleatoric_truth", aggregate="median"),
    zero=saved.number(artifacts.TASKS, "n_completions", where={"knowledge": ["held_out", "unseen"]}, aggregate="count")))

# %% [markdown]
# ## Exercises
#
# The checks run on any profile: they need only the world's rules (`squbed_utils.world`), not the saved tasks.

# %% [markdown] tags=["exercise"]
# **Exercise 1 (predict, then check).** How many objects does the prompt "something blue moves up" allow, and what
# is its aleatoric truth in nats? Work it out by hand from the attribute table of section 1, then set `answer` to
# the truth and run the check. (Use `world.parse_prompt(prompt).n_completions` only to confirm.)

# %% tags=["solution"]
prompt = "something blue moves up"
answer = np.log(world.parse_prompt(prompt).n_completions)  # 4 shapes x 2 sizes: log 8
exercises.check_aleatoric_truth(answer, prompt)

# %% [markdown] tags=["exercise"]
# **Exercise 2.** Of the knowledge levels the video model *does* see in training, which one has the smallest share of
# training clips per (shape, colour) cell? Answer with its name (`"common"`, `"rare"`, `"held_out"` or `"unseen"`),
# from the heatmap of section 3 or from `world.training_distribution()`.

# %% tags=["solution"]
distribution = world.training_distribution()
per_cell = distribution.groupby(["knowledge", "shape", "colour"], observed=True)["probability"].sum()
share = per_cell.groupby("knowledge").mean()
answer = share[share > 0].idxmin()
exercises.check_least_seen_level(answer, distribution)

# %% [markdown] tags=["exercise"]
# **Exercise 3 (open).** "a large red circle moves to the right" has aleatoric truth $\log 1 = 0$. Its $n$ refined
# prompts (notebook 03) will be $n$ paraphrases of that one object. Predict whether S-QUBED's aleatoric estimate for
# it will be 0, and whether all fully specified prompts will get the same estimate. What would change if the
# refined prompts were all the *same* sentence?

# %% [markdown] tags=["solution"]
# *Model answer.* Not 0. The estimate is the entropy of a von Mises-Fisher distribution (the vMF primer, notebook 07)
# fitted to the text encoder's embeddings of the $n$ refined prompts. Paraphrases of one object land close together on the encoder's
# sphere but not on one point, and the differential entropy of a tightly concentrated distribution on a
# high-dimensional sphere is a large negative number, not 0. How tight the paraphrases are depends on the words
# (which synonyms the encoder treats as near), so fully specified prompts get *different* floors, set by their words
# rather than by any vagueness (notebook 04 shows how far apart). If all $n$ refined prompts were the same sentence,
# the embeddings would coincide: the best-fitting concentration is then infinite (the code caps it and warns), and
# the entropy would sit far below every other task's for no reason but the wording. That is why the refiner phrases
# each completion anew, and why later notebooks compare the *ranking* of aleatoric estimates with the truth, not
# their values.
