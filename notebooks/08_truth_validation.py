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
# # 08 · Does S-QUBED measure what it claims? The truth test
#
# *Beyond the paper.* Notebooks 04 and 05 decomposed the toy model's uncertainty and found the split only
# half works against the first truths we built in. Here the toy world becomes a real test, with a truth
# for each component that no embedding touches:
#
# * **aleatoric truth** of a task: $\log$ (number of objects its prompt allows), as before;
# * **measured ignorance** of a model on a task: the checker's error rate on the task's own completions.
#   Every fully specified object the prompt allows is generated several times from its caption and read
#   back by the checker (notebook 01); the error rate is the share of clips with any attribute wrong,
#   averaged over the completions. It is measured *on the model*, so it is what the model does not know,
#   not what its training set looked like.
#
# Two instruments make the epistemic side testable:
#
# 1. **A knowledge ladder**: the same model saved after 5%, 15%, 40% and 100% of its denoiser's training
#    (`make train`; the autoencoder and codec are shared). A weaker rung knows less about everything, and
#    the ladder includes a concept no rung has seen (white objects), so ignorance spans 0 to 1.
# 2. **A perfect model**: the renderer itself as a video model. It draws exactly the prompt's object, at a
#    random position with random speed and brightness. Its epistemic entropy $h(V \mid z)$ is what a model
#    with *no* ignorance still gets: the **nuisance floor**. The paper's epistemic minus this floor, on the
#    same refined prompts and seeds, is the **floor-corrected epistemic** entropy.
#
# Targets, set before the run: Kendall $\tau \ge 0.8$ for each component against its own truth;
# $|\tau| \le 0.2$ against the other component's truth (blindness); epistemic entropy higher on the weaker of
# two rungs for at least 90% of tasks. A missed target is reported with its number.
#
# *Needs* notebooks 01-05 (tasks, refined prompts, the final model's videos and embeddings).

# %% tags=["parameters"]
profile = "default"    # Papermill parameter: tiny | default | study (toy world only)
overrides = {}         # profile settings
n_resamples = None     # bootstrap resamples per tau (None: the profile's)

# %%
import json

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from squbed_utils import artifacts, backends, calibration, evaluation, pipeline, uncertainty, world
from squbed_utils.embedders import SentenceEmbedder
from squbed_utils.plots import save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.store import save_json

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
n_resamples = n_resamples or settings.bootstrap_resamples
folder = settings.artifacts_dir
store = backends.cache(settings)

# %% [markdown]
# ## 1 · The ladder and its measured ignorance
#
# Every rung, and the perfect model, generates every one of the 280 fully specified objects
# `ignorance_clips_per_object` times; the checker reads each clip back (its verdicts are cached like the
# videos, per model and setting).

# %%
# %%only toy_world
tasks = pd.read_csv(folder / artifacts.TASKS)
text_embedder = SentenceEmbedder.from_pretrained()
ladder = backends.knowledge_ladder(settings, embedder=text_embedder)
models = {f"{fraction:.0%}": model for fraction, model in ladder.items()} | {"perfect": backends.perfect_video_model(settings)}
rungs = list(models)  # weakest first; "perfect" is the top
scores = pd.concat({name: evaluation.object_accuracy(model, clips_per_object=settings.toy.ignorance_clips_per_object,
                                                     seed=settings.seed, store=store)
                    for name, model in models.items()}, names=["model"]).reset_index(level=0)
scores.to_csv(folder / artifacts.LADDER_ACCURACY, index=False)
ignorance = pd.DataFrame({name: evaluation.measured_ignorance(tasks, part) for name, part in scores.groupby("model")})[rungs]
error_by_knowledge = (1 - scores.groupby(["model", "knowledge"])["all_ok"].mean()).unstack().loc[rungs, list(world.KNOWLEDGE_LEVELS)]

fig, ax = plt.subplots(figsize=(6.5, 3.6))
for level in world.KNOWLEDGE_LEVELS:
    ax.plot(rungs, error_by_knowledge[level], marker="o", label=level.replace("_", " "))
ax.set(xlabel="model (share of denoiser training; perfect = the renderer)", ylabel="checker error rate",
       ylim=(-0.03, 1.03), title="Measured ignorance on every rung of the ladder")
ax.legend(title="concept in training")
save_figure(fig, "ladder_error_rates", settings)
error_by_knowledge.round(2)

# %% [markdown]
# Each line is one kind of concept. The weakest rung gets most clips wrong whatever it is asked; training
# brings the error of every concept it has seen down, the held-out combinations last; the unseen colour stays
# wrong on every rung, because no amount of training on other colours teaches white. The perfect model's
# error is the checker's own error on clean renders. These error rates, averaged over each task's
# completions, are the epistemic truth of the rest of the notebook.

# %% [markdown]
# ## 2 · S-QUBED on every rung, with the same refined prompts and seeds
#
# Each model generates $m$ videos for each of the $n$ refined prompts of every task (the refined prompts of
# notebook 03, so the aleatoric entropy, a property of the prompts alone, is the same on every rung). The
# videos are embedded with the primary video embedder and decomposed as in notebook 04; the final rung's
# videos are the cached ones of notebook 03.

# %%
# %%only toy_world
latents = pd.read_csv(folder / artifacts.LATENT_PROMPTS)[list(pipeline.LATENT_COLUMNS)]
embedder_name = backends.default_video_embedders(settings)[0]
video_embedder = backends.video_embedders(settings, [embedder_name])[embedder_name]
task_ids, text_by_task = pipeline.per_task(latents, pipeline.embed_texts(latents, text_embedder, store=store))
rows = []
for name, model in models.items():
    generated = pipeline.generate_videos(latents, model, settings.n_videos, seed=settings.seed, store=store)
    _, videos_by_task = pipeline.per_task(generated, pipeline.embed_videos(generated, video_embedder, store=store))
    table = uncertainty.decompose_tasks(text_by_task, videos_by_task, task_ids)
    rows.append(table.assign(model=name, measured_ignorance=ignorance[name].loc[task_ids]))
truth_columns = ["aleatoric_truth", "knowledge", "vagueness", "training_exposure"]
results = (pd.concat(rows).reset_index().merge(tasks.rename(columns={"id": "task_id"})[["task_id", *truth_columns]],
                                                on="task_id"))
floor = results[results["model"] == "perfect"].set_index("task_id")["epistemic"]
results["epistemic_minus_floor"] = results["epistemic"] - results["task_id"].map(floor)
results.to_csv(folder / artifacts.TRUTH_LADDER, index=False)
results.groupby("model", sort=False)[["epistemic", "epistemic_minus_floor", "measured_ignorance"]].median().loc[rungs].round(2)

# %% [markdown]
# Median epistemic entropy and median measured ignorance per model. The perfect model's row is the floor:
# its epistemic entropy is what position and jitter alone produce, and its corrected value is 0 by
# construction.

# %% [markdown]
# ## 3 · Each component against its own truth and against the other's
#
# Kendall's $\tau$ counts, over all pairs of tasks, the pairs the two quantities order the same way
# (concordant) minus those they order oppositely (discordant), divided by the number of pairs:
# $\tau = 1$ is the same ranking, $0$ no relation. The 95% intervals are BCa bootstrap intervals over tasks.
# "Across tasks" uses the final model (once with every task, once without the tasks of the unseen colour,
# to see how much of a ranking that one concept carries); "across the ladder" pools every (task, rung) pair
# of the four trained rungs, so a component also has to order the models.

# %%
# %%only toy_world
components = ["aleatoric", "epistemic", "epistemic_minus_floor", "total", "direct_total"]
truths = {"aleatoric truth": "aleatoric_truth", "measured ignorance": "measured_ignorance"}
own = {"aleatoric": "aleatoric truth", "epistemic": "measured ignorance", "epistemic_minus_floor": "measured ignorance"}
trained = results[results["model"] != "perfect"]
final_model = results[results["model"] == "100%"]
scopes = {"across tasks (final model)": final_model,
          "across tasks, unseen colour left out (final model)": final_model[final_model["knowledge"] != "unseen"],
          "across the ladder": trained}
validation = []
for scope, part in scopes.items():
    for component in components:
        if scope == "across the ladder" and component == "aleatoric":
            continue  # the same refined prompts on every rung: nothing new to rank
        for truth, column in truths.items():
            role = "own" if own.get(component) == truth else ("other" if component in own else "-")
            validation.append({"scope": scope, "uncertainty": component, "truth": truth, "role": role,
                               **calibration.tau_summary(part[component], part[column], n_resamples=n_resamples,
                                                         seed=settings.seed)})
validation = pd.DataFrame(validation)
validation.to_csv(folder / artifacts.TRUTH_VALIDATION, index=False)
validation.pivot_table(index=["scope", "uncertainty"], columns="truth", values="tau", sort=False).round(2)

# %%
# %%only toy_world
final = final_model
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
for ax, (component, truth) in zip(axes, [("aleatoric", "aleatoric_truth"), ("epistemic", "measured_ignorance"),
                                         ("epistemic_minus_floor", "measured_ignorance")]):
    for level in world.KNOWLEDGE_LEVELS:
        part = final[final["knowledge"] == level]
        ax.scatter(part[truth], part[component], s=14, alpha=0.7, label=level.replace("_", " "))
    row = validation[(validation["scope"] == "across tasks (final model)") & (validation["uncertainty"] == component)
                     & (validation["truth"] == {"aleatoric_truth": "aleatoric truth"}.get(truth, "measured ignorance"))].iloc[0]
    ax.set(xlabel=truth.replace("_", " "), ylabel=f"{component.replace('_', ' ')} (nats)",
           title=f"tau = {row.tau:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}]")
axes[0].legend(title="knowledge", fontsize=8)
fig.suptitle("Final model: each component against its own truth")
fig.tight_layout()
save_figure(fig, "truth_scatter", settings);

# %%
# %%only toy_world
fig, ax = plt.subplots(figsize=(8, 3.8))
shown = validation[validation["scope"] == "across tasks (final model)"]
labels = shown["uncertainty"].unique()
for offset, (truth, part) in zip([-0.18, 0.18], shown.groupby("truth", sort=False)):
    part = part.set_index("uncertainty").loc[labels]
    x = np.arange(len(labels)) + offset
    ax.errorbar(x, part["tau"], yerr=[part["tau"] - part["ci_low"], part["ci_high"] - part["tau"]], fmt="o",
                capsize=3, label=f"against {truth}")
ax.axhline(0, color="0.5", lw=0.8)
ax.axhspan(-0.2, 0.2, color="0.9", zorder=0, label="|tau| <= 0.2 (blind)")
ax.axhline(0.8, color="tab:green", ls="--", lw=0.8, label="target 0.8")
ax.set(xticks=range(len(labels)), xticklabels=[l.replace("_", "\n") for l in labels], ylabel="Kendall tau (95% BCa CI)",
       ylim=(-1, 1), title="Final model: every uncertainty against both truths")
ax.legend(fontsize=8, loc="lower left")
save_figure(fig, "truth_tau_matrix", settings);

# %% [markdown]
# A component passes when its point against its own truth clears the dashed line and its point against the
# other truth sits in the grey band. The total and the direct total have no truth of their own; they
# should respond to both.

# %% [markdown]
# ## 4 · Does the epistemic entropy climb down the ladder?
#
# For each pair of neighbouring models (the weaker one first), the share of tasks on which the weaker model
# has the higher epistemic entropy, beside the same share for the measured ignorance itself: the truth has
# to move for the test to mean anything, and on a task whose completions every rung gets wrong (the unseen
# colour) it does not. The last column is therefore the share among the tasks whose measured ignorance is
# higher on the weaker model; the target (90%) is judged on all tasks, as set before the run.

# %%
# %%only toy_world
wide = {column: results.pivot(index="task_id", columns="model", values=column)[rungs]
        for column in ["epistemic", "epistemic_minus_floor", "measured_ignorance"]}
pairs = list(zip(rungs[:-1], rungs[1:]))
truth_moves = {pair: wide["measured_ignorance"][pair[0]] > wide["measured_ignorance"][pair[1]] for pair in pairs}
monotone = pd.DataFrame([{"weaker": weak, "stronger": strong,
                          **{f"{column} higher on weaker": float((table[weak] > table[strong]).mean())
                             for column, table in wide.items()},
                          "epistemic higher on weaker where the truth is": float(
                              (wide["epistemic"][weak] > wide["epistemic"][strong])[truth_moves[weak, strong]].mean())}
                         for weak, strong in pairs])
knowledge = tasks.set_index("id").loc[wide["epistemic"].index, "knowledge"]
by_knowledge = pd.DataFrame({f"{weak} > {strong}": (wide["epistemic"][weak] > wide["epistemic"][strong]).groupby(knowledge).mean()
                             for weak, strong in pairs}).reindex(list(world.KNOWLEDGE_LEVELS))
fig, ax = plt.subplots(figsize=(7, 3.6))
for level in world.KNOWLEDGE_LEVELS:
    ids = tasks.loc[tasks["knowledge"] == level, "id"]
    ax.plot(rungs, wide["epistemic"].loc[wide["epistemic"].index.isin(ids)].median(), marker="o",
            label=level.replace("_", " "))
ax.set(xlabel="model", ylabel="median epistemic entropy (nats)", title="Epistemic entropy along the ladder")
ax.legend(title="knowledge", fontsize=8)
save_figure(fig, "epistemic_by_rung", settings)
monotone.round(2)

# %% [markdown]
# The same share of tasks with the higher epistemic entropy on the weaker model, by the kind of concept the
# task asks for:

# %%
# %%only toy_world
by_knowledge.round(2)


# %% [markdown]
# Where training changes what the model knows (common, rare and held-out concepts) the epistemic entropy
# follows the ladder on nearly every task; on the unseen colour, which no rung learns, the order of two rungs
# is close to a coin toss, as its truth is. The last pair compares the final model with the perfect one: the
# nuisance floor sits below the final model on most tasks, but not all, since a trained model can vary less
# than the renderer does.

# %% [markdown]
# ## 5 · The targets, met or missed

# %%
# %%only toy_world
def tau_of(scope, component, truth):
    row = validation[(validation["scope"] == scope) & (validation["uncertainty"] == component) & (validation["truth"] == truth)]
    return row.iloc[0][["tau", "ci_low", "ci_high"]].astype(float).round(3).to_dict()

across = "across tasks (final model)"
best_epistemic = max(["epistemic", "epistemic_minus_floor"], key=lambda c: tau_of(across, c, "measured ignorance")["tau"])
trained_pairs = [p for p in pairs if "perfect" not in p]
targets = [
    {"target": "aleatoric vs its truth: tau >= 0.8", **tau_of(across, "aleatoric", "aleatoric truth")},
    {"target": f"{best_epistemic} vs measured ignorance: tau >= 0.8", **tau_of(across, best_epistemic, "measured ignorance")},
    {"target": "aleatoric vs measured ignorance: abs(tau) <= 0.2", **tau_of(across, "aleatoric", "measured ignorance")},
    {"target": f"{best_epistemic} vs aleatoric truth: abs(tau) <= 0.2", **tau_of(across, best_epistemic, "aleatoric truth")},
]
for target in targets:
    value = target["tau"]
    target["met"] = bool(abs(value) <= 0.2) if "abs(tau)" in target["target"] else bool(value >= 0.8)
lowest_share = min(monotone.loc[monotone["stronger"] != "perfect", "epistemic higher on weaker"])
targets.append({"target": "epistemic higher on the weaker rung for >= 90% of tasks (worst neighbouring pair)",
                "tau": lowest_share, "ci_low": np.nan, "ci_high": np.nan, "met": bool(lowest_share >= 0.9)})
targets = pd.DataFrame(targets)
summary = {
    "profile": profile, "tasks": len(task_ids), "n": settings.n_latents, "m": settings.n_videos,
    "video_embedder": embedder_name, "rungs": rungs,
    "error_by_knowledge": error_by_knowledge.round(4).to_dict(orient="index"),
    "targets": targets.replace({np.nan: None}).to_dict(orient="records"),
    "monotone": monotone.to_dict(orient="records"),
    "taus": {f"{r.scope} | {r.uncertainty} | {r.truth}": {k: r[k] for k in ("tau", "ci_low", "ci_high", "pvalue")}
             for _, r in validation.iterrows()},
}
save_json(folder / artifacts.TRUTH_SUMMARY, summary)
print(f"{int(targets['met'].sum())} of {len(targets)} targets met")
targets.rename(columns={"tau": "value"}).round(3)

# %% [markdown]
# ## Summary
#
# The table above is the study's verdict for this profile, and `artifacts/<profile>/truth_summary.json`
# keeps it with every tau and its interval. How to read it:
#
# * **Aleatoric entropy** ranks tasks by the number of objects their prompt allows, but far from perfectly,
#   and it also rises with the model's ignorance: vague prompts ask for more concepts, the unseen colour
#   among them.
# * **Epistemic entropy** is blind to the aleatoric truth and follows the measured ignorance, most clearly
#   across the ladder, where training changes what the model knows. Much of its ranking across tasks comes
#   from the unseen colour, whose clips vary far more than those of any learned concept.
# * **Subtracting the nuisance floor does not help the ranking**: the perfect model's epistemic entropy
#   varies far less from task to task than the final model's, so the difference mainly adds the floor's own
#   noise.
# * **The total and the direct total respond to both truths**, as a total should; the direct total leans
#   towards the aleatoric side, the chain-rule total towards the epistemic one.
#
# The README's section "What the decomposition does and does not measure" quotes these numbers for a reader
# deciding whether to trust S-QUBED on their model.
