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
# # 06 · Figures
#
# Every paper-style figure, drawn from what notebooks 03-05 saved (nothing is recomputed here, so this notebook runs
# in seconds: `make figures`). Figures go to `figures/` on the `default` profile, as PNG and PDF.
#
# Sign convention throughout: higher uncertainty should go with lower accuracy, so **a calibrated uncertainty has
# Kendall's $\tau < 0$**.

# %% tags=["parameters"]
profile = "default"  # Papermill parameter: tiny | default | paper
overrides = {}       # profile settings, e.g. the paper profile's models (configs/paper.example.yaml)

# %%
import json

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns

from squbed_utils import artifacts, backends, pipeline, world
from squbed_utils.plots import plot_video_grid, save_figure, set_style
from squbed_utils.profiles import get_profile

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
folder = settings.artifacts_dir
tasks = pd.read_csv(folder / artifacts.TASKS)
latents = pd.read_csv(folder / artifacts.LATENT_PROMPTS)
scores = pd.read_csv(folder / artifacts.ACCURACY, index_col="task_id")
results = pd.read_csv(folder / artifacts.CALIBRATION)
subsets = pd.read_csv(folder / artifacts.CALIBRATION_SUBSETS)
summary = json.loads((folder / artifacts.CALIBRATION_SUMMARY).read_text())
table = artifacts.per_task_table(pd.read_csv(folder / artifacts.UNCERTAINTY), scores, tasks,
                                 summary["primary_video_embedder"])
# points are coloured by training exposure in the toy world, by the manifest's category on real clips
group = "knowledge" if settings.toy_world else "category"
group_order = list(world.KNOWLEDGE_LEVELS) if settings.toy_world else sorted(table["category"].unique())
components = ["total", "aleatoric", "epistemic"]

def tau_label(row):
    return "tau undefined" if pd.isna(row["tau"]) else f"tau = {row['tau']:.2f}, p = {row['pvalue']:.2g}"


# %% [markdown]
# ## Calibration: uncertainty against accuracy
#
# The paper's main figure: one point per task, its uncertainty against its accuracy (mean cosine similarity of the
# generated videos to the ground truth), with Kendall's $\tau$ and $p$ in each legend. The fourth panel is the
# *direct* total of notebook 04, one vMF fitted to all $nm$ video embeddings of a task, which the paper does not
# report.

# %%
main = results[results["accuracy"] == "cosine"].set_index("uncertainty")
fig, axes = plt.subplots(1, 4, figsize=(19, 4.2), sharey=True)
for ax, component in zip(axes, components + ["direct_total"]):
    sns.scatterplot(data=table, x=component, y="cosine", hue=group, hue_order=group_order, ax=ax, s=30)
    ax.legend(title=tau_label(main.loc[component]), fontsize=8, title_fontsize=9)
    ax.set(xlabel=f"{component.replace('_', ' ')} uncertainty (nats)", title=component.replace("_", " "))
axes[-1].set_title("direct total (one vMF on all videos)")
axes[0].set_ylabel("accuracy (cosine to ground truth)")
fig.tight_layout()
save_figure(fig, "calibration_scatter", settings);

# %% [markdown]
# ## How the three components are distributed
#
# In the toy world, aleatoric entropy is set by how vague the prompt is, so it falls into bands by the number of
# attributes left open; epistemic entropy by how well the model knows the concept. On real clips the colours are
# the manifest's categories.

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
hues = [("vagueness", None), ("vagueness", None), (group, group_order)] if settings.toy_world else [(group, group_order)] * 3
for ax, component, (hue, order) in zip(axes, components, hues):
    sns.histplot(data=table, x=component, hue=hue, hue_order=order, multiple="stack", bins=20, ax=ax,
                 palette="colorblind")
    ax.set(xlabel=f"{component} uncertainty (nats)", title=component)
fig.tight_layout()
save_figure(fig, "uncertainty_distributions", settings);

# %% [markdown]
# ## The decomposition on subsets
#
# The paper's check of each component where the other is smallest. Left: aleatoric uncertainty on the tasks with the
# lowest epistemic uncertainty; right: epistemic uncertainty on the tasks with the lowest aleatoric uncertainty
# (the largest subset size asked for in notebook 05).

# %%
largest = subsets.loc[subsets.groupby("uncertainty")["n"].idxmax()].set_index("uncertainty")
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, component in zip(axes, ["aleatoric", "epistemic"]):
    row = largest.loc[component]
    chosen = table.loc[row["task_ids"].split()]
    sns.scatterplot(data=chosen, x=component, y="cosine", hue=group, hue_order=group_order, ax=ax)
    ax.legend(title=f"{tau_label(row)}, n = {row['n']}", fontsize=8, title_fontsize=9)
    ax.set(xlabel=f"{component} uncertainty (nats)", ylabel="accuracy (cosine)", title=f"{component}, {row['subset']}")
fig.tight_layout()
save_figure(fig, "subset_decomposition", settings);

# %% [markdown]
# ## Does each component track the truth we built in? (toy world only)
#
# Only the toy world allows this check. Left: aleatoric entropy against the aleatoric truth, $\log$ (number of
# objects the prompt allows). Right: epistemic entropy by how often the model saw the task's concepts in training.

# %%
# %%only toy_world
recovery = pd.read_csv(folder / artifacts.TRUTH_RECOVERY).set_index("check")
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
np.random.seed(settings.seed)  # seaborn's jitter draws from NumPy's global generator
sns.stripplot(data=table, x="aleatoric_truth", y="aleatoric", hue=group, hue_order=group_order,
              native_scale=True, jitter=0.05, ax=axes[0])
axes[0].legend(title=tau_label(recovery.loc["aleatoric vs aleatoric truth"]), fontsize=8, title_fontsize=9)
axes[0].set(xlabel="aleatoric truth: log(number of objects the prompt allows)", ylabel="aleatoric uncertainty (nats)")
sns.boxplot(data=table, x="knowledge", y="epistemic", order=group_order, ax=axes[1], color="0.85")
sns.stripplot(data=table, x="knowledge", y="epistemic", order=group_order, ax=axes[1], size=3)
axes[1].set(xlabel="training exposure of the task's concepts", ylabel="epistemic uncertainty (nats)",
            title=f"epistemic vs exposure: {tau_label(recovery.loc['epistemic vs training exposure'])}")
fig.tight_layout()
save_figure(fig, "truth_recovery", settings);

# %% [markdown]
# The controlled-ignorance check: epistemic entropy of each fully specified task from the final model and from the
# checkpoint saved after 15% of training (same prompts, same seeds). Lines join the same task.

# %%
# %%only toy_world
paired = pd.read_csv(folder / artifacts.EPISTEMIC_BY_CHECKPOINT, index_col="task_id")
result = summary["epistemic_by_checkpoint"]
fig, ax = plt.subplots(figsize=(6.5, 4.2))
np.random.seed(settings.seed)  # the jitter of the points
for _, row in paired.iterrows():
    ax.plot([0, 1], [row["final"], row["undertrained"]], color="0.75", lw=0.8, zorder=1)
for x, column in enumerate(["final", "undertrained"]):
    sns.stripplot(x=np.full(len(paired), x), y=paired[column], hue=paired["knowledge"], hue_order=group_order,
                  native_scale=True, jitter=0.03, ax=ax, legend=x == 0, zorder=2)
ax.set_xticks([0, 1], ["final model", "under-trained (15%)"])
ax.set(ylabel="epistemic uncertainty (nats)", xlim=(-0.4, 1.4),
       title=f"higher when under-trained on {result['share_higher_when_undertrained']:.0%} of tasks "
             f"(Wilcoxon p = {result['wilcoxon_p']:.2g})")
save_figure(fig, "epistemic_by_checkpoint", settings);

# %% [markdown]
# ## Which accuracy? The metrics compared
#
# The paper measures accuracy with CLIP cosine similarity. Here the total (and the direct total) uncertainty is
# scored against every accuracy metric: $\tau$ with its bootstrap 95% interval, beside the random ($\approx 0$) and
# oracle baselines.
# On the right, how the metrics agree with each other (Kendall's $\tau$ between them, over tasks).

# %%
metrics = [m for m in scores.columns if m != "cosine"]
fig, axes = plt.subplots(1, 2, figsize=(14, 4.4), gridspec_kw={"width_ratios": [1.2, 1]})
y = np.arange(len(metrics))
for shift, component in [(-0.15, "total"), (0.15, "direct_total")]:
    rows = results[(results["uncertainty"] == component) & results["accuracy"].isin(metrics)].set_index("accuracy").loc[metrics]
    axes[0].errorbar(rows["tau"], y + shift, xerr=[rows["tau"] - rows["ci_low"], rows["ci_high"] - rows["tau"]],
                     fmt="o", capsize=3, label=f"{component.replace('_', ' ')} uncertainty (95% CI)")
axes[0].scatter(rows["oracle_tau"], y, marker="|", s=200, color="k", label="oracle")
axes[0].axvline(0, color="0.5", ls="--", lw=1, label="random")
axes[0].set_yticks(y, metrics)
axes[0].set(xlabel="Kendall's tau(uncertainty, accuracy)", xlim=(-1.05, 1.05))
axes[0].legend(fontsize=8, loc="lower right")
agreement = scores[metrics].corr(method="kendall")
sns.heatmap(agreement, annot=True, fmt=".2f", cmap="vlag", vmin=-1, vmax=1, ax=axes[1], cbar=False,
            annot_kws={"fontsize": 7})
axes[1].set_title("Kendall's tau between accuracy metrics")
fig.tight_layout()
save_figure(fig, "accuracy_metric_comparison", settings);

# %% [markdown]
# ## Qualitative grid: the four corners of the decomposition
#
# One task from each corner of (aleatoric, epistemic): the task prompt, its refined prompts (rows) and their
# videos (motion trails, earlier frames fainter). Low-aleatoric tasks repeat one object in different words;
# high-epistemic tasks scatter even within a row.

# %%
corners = artifacts.corner_tasks(table)
store = backends.cache(settings)
fig, axes = plt.subplots(2, 2, figsize=(15, 1.1 * settings.n_latents + 2.5), layout="constrained")
for ax, (label, task_id) in zip(axes.flat, corners.items()):
    rows = latents[latents["task_id"] == task_id]
    row = table.loc[task_id]
    plot_video_grid(pipeline.load_videos(rows, store)[:, :6], rows["latent_prompt"].tolist(), axes=ax,
                    title=f"{label}: '{row['prompt']}' ({row[group]})\nA = {row['aleatoric']:.0f}, "
                          f"E = {row['epistemic']:.0f} nats, accuracy {row['cosine']:.2f}")
save_figure(fig, "qualitative_grid", settings);

# %% [markdown]
# ## Summary
#
# The figures above, in `figures/` (PNG and PDF): `calibration_scatter`, `uncertainty_distributions`,
# `subset_decomposition`, `truth_recovery`, `epistemic_by_checkpoint`, `accuracy_metric_comparison`,
# `qualitative_grid`. The numbers behind
# them are in `artifacts/<profile>/calibration.csv`, `calibration_subsets.csv`, `truth_recovery.csv` and
# `calibration_summary.json`.
