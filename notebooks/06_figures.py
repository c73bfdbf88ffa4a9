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
# Kendall's $\tau < 0$** (notebook 05 defines $\tau$ from concordant and discordant pairs of tasks).

# %% [markdown]
# **Reading map.** *Where it sits in the paper:* its figures, the calibration scatter (the main result), the
# decomposition checked on subsets and a qualitative grid of videos, plus figures the paper could not draw, which
# need the toy world's truth (truth recovery, the two checkpoints) or compare accuracy metrics. *Needs:* notebook
# 05's tables (`accuracy.csv`, `calibration.csv`, `calibration_subsets.csv`, `truth_recovery.csv`,
# `epistemic_by_checkpoint.csv`, `calibration_summary.json`), notebook 04's `uncertainty.csv`, and notebook 03's
# `latent_prompts.csv` with the cached videos (for the grid). *Saves:* seven figures. *Time:* about 10 minutes to
# read; about 10 s to run on `default`, a few seconds on `tiny`.

# %% tags=["parameters"]
profile = "default"  # Papermill parameter: tiny | default | paper
overrides = {}       # profile settings, e.g. the paper profile's models (configs/paper.example.yaml)

# %%
import json

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns

from squbed_utils import artifacts, backends, pipeline, takeaways, world
from squbed_utils.course import figures as exercises
from squbed_utils.plots import plot_video_grid, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.takeaways import SavedResults, takeaway

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
folder = settings.artifacts_dir
saved = SavedResults(settings)  # the takeaways read their numbers from notebook 05's saved tables
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

primary = summary["primary_video_embedder"]

def tau_label(row):
    return "tau undefined" if pd.isna(row["tau"]) else f"tau = {row['tau']:.2f}, p = {row['pvalue']:.2g}"


# %% tags=["remove-input"]
# Helpers for the takeaways, which quote notebook 05's saved tables.
def quoted(key, file, where, column="tau", spec="+.2f"):
    """("{key:+.2f}", {key: value}) for a saved number, or ("undefined", {}) when it is NaN."""
    one = takeaways.Quotes(saved)
    field = one.number(key, spec, file, column, where=where)
    return (field, dict(one)) if field != takeaways.UNDEFINED else (field, {})


def levels_in(file):
    """The knowledge levels (in order) that have rows in a saved table."""
    present = set(pd.read_csv(folder / file)["knowledge"])
    return [level for level in group_order if level in present]


def side_of_zero(file, where):
    """Where a saved 95% interval lies: "below 0", "above 0", "across 0" (or "undefined")."""
    return takeaways.interval_side(*(saved.number(file, c, where=where) for c in ("ci_low", "ci_high")))


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

# %% tags=["remove-input"]
parts, quotes = [], {}
for component in components + ["direct_total"]:
    text, found = quoted(component, artifacts.CALIBRATION, {"uncertainty": component, "accuracy": "cosine"})
    quotes.update(found)
    parts.append(f"{component.replace('_', ' ')} {text}" + (f" ({takeaways.strength(found[component])})" if found else ""))
best = {"direct_total", "total"} <= set(quotes) and quotes["direct_total"] < quotes["total"]
takeaway("Kendall's tau against cosine accuracy, panel by panel: " + "; ".join(parts) + ". Points that sit low and "
         "to the right (uncertain and inaccurate) make tau negative."
         + (" The direct total's panel looks better than the total's partly by construction: the cosine accuracy is "
            "the mean resultant length of the same video embeddings times a cosine, and the direct total is a "
            "function of that length (notebook 05, section 2)." if best else ""), **quotes)

# %% [markdown]
# ## How the three components are distributed
#
# In the toy world, aleatoric entropy should rise with how vague the prompt is (colours: the number of attributes
# left open) and epistemic entropy with how little the model knows the concept (colours: knowledge level). On real
# clips the colours are the manifest's categories.

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
hues = [("vagueness", None), ("vagueness", None), (group, group_order)] if settings.toy_world else [(group, group_order)] * 3
for ax, component, (hue, order) in zip(axes, components, hues):
    sns.histplot(data=table, x=component, hue=hue, hue_order=order, multiple="stack", bins=20, ax=ax,
                 palette="colorblind")
    ax.set(xlabel=f"{component} uncertainty (nats)", title=component)
fig.tight_layout()
save_figure(fig, "uncertainty_distributions", settings);

# %% tags=["remove-input"]
where = {"embedder": primary}
quotes = {f"sd_{c}": saved.number(artifacts.UNCERTAINTY, c, where=where, aggregate="std") for c in ("aleatoric", "epistemic")}
text = ("Across tasks the epistemic entropy has a standard deviation of {sd_epistemic:.0f} nats against "
        "{sd_aleatoric:.0f} for the aleatoric one, so the total $A + E$ ranks tasks "
        + ("mostly as $E$ does: the scales, not only the orders, decide the total."
           if quotes["sd_epistemic"] > quotes["sd_aleatoric"] else "mostly as $A$ does: the scales, not only the "
           "orders, decide the total."))
if settings.toy_world:
    fragment, found = quoted("aa", artifacts.TRUTH_RECOVERY, {"check": "aleatoric vs aleatoric truth"})
    quotes.update(found)
    rises = side_of_zero(artifacts.TRUTH_RECOVERY, {"check": "aleatoric vs aleatoric truth"}) == "above 0"
    text += (f" The aleatoric entropy against its truth has tau {fragment}"
             + (": more open attributes shift it up, but the bands overlap." if rises
                else ", so the bands of vagueness do not separate on this run."))
takeaway(text, **quotes)

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

# %% tags=["remove-input"]
parts, quotes = [], {}
for component in ["aleatoric", "epistemic"]:
    size = float(largest.loc[component, "size_asked"])
    where = {"uncertainty": component, "size_asked": size}
    text, found = quoted(component, artifacts.CALIBRATION_SUBSETS, where)
    quotes.update(found, **{f"{component}_n": saved.number(artifacts.CALIBRATION_SUBSETS, "n", where=where)})
    parts.append(f"{component} on {{{component}_n:.0f}} tasks has tau {text}, 95% interval "
                 f"{side_of_zero(artifacts.CALIBRATION_SUBSETS, where)}")
sentence = "; ".join(parts)
takeaway(sentence[0].upper() + sentence[1:] + ". A subset chosen by the other component's entropy is partly circular "
         "(notebook 05), so read these beside the full-set taus above.", **quotes)

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
_ = save_figure(fig, "truth_recovery", settings)

# %% tags=["remove-input"]
# %%only toy_world
file = artifacts.EPISTEMIC_BY_CHECKPOINT
levels = levels_in(file)
quotes = {k: saved.number(file, "final", where={"knowledge": k}, aggregate="median") for k in levels}
fragment, found = quoted("ee", artifacts.TRUTH_RECOVERY, {"check": "epistemic vs training exposure"})
quotes.update(found)
text = (f"Over all tasks epistemic entropy against exposure has tau {fragment}. Among the fully specified tasks "
        "(notebook 05's checkpoint table), the median epistemic entropy is "
        + ", ".join(f"{{{k}:.0f}} nats for {k.replace('_', '-')}" for k in levels) + ".")
if {"common", "rare", "held_out", "unseen"} <= set(levels):
    known = max(quotes["common"], quotes["rare"])
    text += (" Held-out combinations of familiar concepts are "
             + ("no more uncertain than the rare ones" if quotes["held_out"] <= known else "more uncertain than the "
                "common and rare ones")
             + ", and the unseen colour "
             + ("stands far above all three: most of the fall with exposure is the one concept the model never saw."
                if quotes["unseen"] > max(known, quotes["held_out"]) else "does not stand out."))
takeaway(text, **quotes)

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
_ = save_figure(fig, "epistemic_by_checkpoint", settings)

# %% tags=["remove-input"]
# %%only toy_world
file = artifacts.EPISTEMIC_BY_CHECKPOINT
quotes = {key: saved.number(artifacts.CALIBRATION_SUMMARY, key=f"epistemic_by_checkpoint.{key}")
          for key in ("tasks", "share_higher_when_undertrained", "median_difference_nats", "wilcoxon_p")}
text = ("The under-trained model is more uncertain on {share_higher_when_undertrained:.0%} of the {tasks:.0f} fully "
        "specified tasks (median difference {median_difference_nats:+.0f} nats, one-sided Wilcoxon p = {wilcoxon_p:.2g}).")
if "unseen" in levels_in(file):
    quotes.update({f"unseen_{c}": saved.number(file, c, where={"knowledge": "unseen"}, aggregate="median")
                   for c in ("final", "undertrained")})
    text += (" For unseen concepts the medians are {unseen_final:.0f} nats (final) and {unseen_undertrained:.0f} "
             "(under-trained): "
             + ("training longer does not lower the entropy of a concept the data never show."
                if quotes["unseen_final"] >= quotes["unseen_undertrained"] else "training still lowers it there."))
takeaway(text, **quotes)

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

# %% tags=["remove-input"]
parts, quotes = [], {}
for metric in ["cosine", *[m for m in ("attribute_match", "ssim", "psnr") if m in metrics]]:
    text, found = quoted(metric, artifacts.CALIBRATION, {"uncertainty": "total", "accuracy": metric})
    quotes.update(found)
    parts.append(f"{text} against {metric.replace('_', ' ')}" + (f" ({takeaways.strength(found[metric])})" if found else ""))
pixels = [m for m in ("ssim", "psnr") if m in quotes]
weaker = "cosine" in quotes and pixels and all(abs(quotes[m]) < abs(quotes["cosine"]) for m in pixels)
takeaway("The total uncertainty's tau depends on which accuracy it is scored against: " + "; ".join(parts)
         + ". A calibration claim is a claim about one accuracy metric"
         + ("; the pixel metrics, which compare a video with one ground-truth clip pixel by pixel, show a weaker "
            "link than the cosine." if weaker else "."), **quotes)

# %% [markdown]
# ## Qualitative grid: the four corners of the decomposition
#
# One task from each corner of (aleatoric, epistemic): the task prompt, its refined prompts (rows) and their
# videos (motion trails, earlier frames fainter). Low-aleatoric tasks repeat one object in different words.
# Within a row (one refined prompt), videos differ for two reasons, and $E$ counts both. Some variation is what the
# prompt leaves free even for a perfect model: the object's start position, its speed and brightness jitter. That is
# nuisance variation, no ignorance; notebook 08 measures the floor it puts under $E$ with the world's own renderer as
# a perfect model. The rest, a wrong shape or colour that changes from video to video, is what the model does not
# know.

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

# %% tags=["remove-input"]
def corner_quotes(label, key):
    task = corners[label]
    found = {f"{key}_E": saved.number(artifacts.UNCERTAINTY, "epistemic", where={"task_id": task, "embedder": primary}),
             f"{key}_acc": saved.number(artifacts.ACCURACY, "cosine", where={"task_id": task})}
    if settings.toy_world:
        found.update({f"{key}_{c}": saved.number(artifacts.ACCURACY, c, where={"task_id": task})
                      for c in ("exact_match", "prompt_consistency")})
    return found


quotes = {**corner_quotes("low A, low E", "low"), **corner_quotes("low A, high E", "high")}
prompts = {key: table.loc[corners[label], "prompt"] for key, label in [("low", "low A, low E"), ("high", "low A, high E")]}
if settings.toy_world:
    text = (f"Low-E corner ('{prompts['low']}'): E = {{low_E:.0f}} nats, and {{low_exact_match:.0%}} of its videos "
            "show the ground-truth object")
    text += (": what still differs within a row is position and jitter, which a perfect model shows too, a floor "
             "under E rather than ignorance." if quotes["low_exact_match"] >= 0.9 else ".")
    text += (f" Low-A, high-E corner ('{prompts['high']}', {table.loc[corners['low A, high E'], group]}): E = "
             "{high_E:.0f} nats, cosine accuracy {high_acc:.2f}, and {high_prompt_consistency:.0%} of its videos show "
             "an object the prompt allows")
    if quotes["high_E"] <= quotes["low_E"]:
        text += ", but E does not separate the two corners on this run."
    elif quotes["high_prompt_consistency"] < 0.5:
        text += ": its spread is ignorance, wrong objects that change from video to video."
    elif quotes["high_exact_match"] >= 0.9:
        text += (": its videos are right, so its high E is nuisance variation (position, jitter) that a perfect "
                 "model shows too, not ignorance.")
    else:
        text += ": part of its spread is wrong objects, part is nuisance variation."
else:
    text = ("Low-E corner: E = {low_E:.0f} nats; low-A, high-E corner: E = {high_E:.0f} nats, accuracy {high_acc:.2f}. "
            "Real videos also differ in what a caption leaves free (camera, timing), which is no ignorance either.")
takeaway(text, **quotes)

# %% [markdown]
# ## Summary

# %% tags=["remove-input"]
text, quotes = quoted("t", artifacts.CALIBRATION, {"uncertainty": "total", "accuracy": "cosine"})
summary_text = (f"Total uncertainty against cosine accuracy has tau {text}, interval "
                f"{side_of_zero(artifacts.CALIBRATION, {'uncertainty': 'total', 'accuracy': 'cosine'})}")
if settings.toy_world:
    quotes["share"] = saved.number(artifacts.CALIBRATION_SUMMARY, key="epistemic_by_checkpoint.share_higher_when_undertrained")
    file = artifacts.EPISTEMIC_BY_CHECKPOINT
    medians = {k: saved.number(file, "final", where={"knowledge": k}, aggregate="median") for k in levels_in(file)}
    if "unseen" in medians and len(medians) > 1 and medians["unseen"] > max(v for k, v in medians.items() if k != "unseen"):
        summary_text += "; the epistemic entropy is highest for the concept the model never saw"
    summary_text += ("; it rises on {share:.0%} of fully specified tasks when the model is under-trained; and within "
                     "a row of the grid, part of the spread is nuisance variation that a perfect model shows too")
takeaway(summary_text + ". The seven figures are saved as PNG and PDF (`figures/` on the default profile).", **quotes)

# %% [markdown] tags=["exercise"]
# ## Exercises
#
# **Exercise 1 (read a figure).** In the truth-recovery figure (toy world; on real clips, the distribution figure
# by category), which knowledge level has the highest *median* epistemic entropy over all tasks? Answer with its
# name, e.g. `"common"`, then check it against `table`.

# %% tags=["solution"]
answer = table.groupby(group)["epistemic"].median().idxmax()
exercises.check_most_uncertain_group(answer, table, group)

# %% [markdown] tags=["exercise"]
# **Exercise 2 (open: what varies in a row).** Look at the low-epistemic corner of the qualitative grid. What
# differs between the videos of one refined prompt? Would videos of a perfect model, which draws exactly the object
# asked for, differ too? What does that say about reading a high $E$ as "the model does not know"?

# %% [markdown] tags=["solution"]
# *Model answer.* Within a row the object is the same; what changes is where it starts, and slightly its speed and
# brightness: the attributes no prompt fixes. A perfect model varies them too, because they are free, so $E$ has a
# floor that is no ignorance at all. A high $E$ means ignorance only above that floor; notebook 08 estimates it
# with the world's renderer as a perfect model and reports $E$ minus the floor. By contrast, videos that show
# wrong shapes or colours, changing from one video to the next, are ignorance: no perfect model would draw them.
# The takeaway under the grid says which of the two this run's high-epistemic corner shows.

# %% [markdown] tags=["exercise"]
# **Exercise 3 (open: what is mechanical).** In the calibration scatter, compare the direct total's $\tau$ with the
# total's. Predict: if the direct total's lead comes from sharing the embedding with the cosine accuracy, against
# which accuracies of the metric-comparison figure should it shrink? Then read the figure's left panel.

# %% [markdown] tags=["solution"]
# *Model answer.* The cosine accuracy is the mean resultant length of the task's video embeddings times the cosine
# of their mean direction to the ground truth, and the direct total is a function of that length, so against the
# same embedder's cosine part of the lead is built in. Against an accuracy computed from other features (the other
# embedder's cosine, or SSIM and PSNR on pixels) that link is gone, and the lead should shrink; against attribute
# accuracy a lead can remain, because videos that differ from each other cannot all match one ground truth.
# Notebook 05's takeaway in section 2 gives this run's numbers.
