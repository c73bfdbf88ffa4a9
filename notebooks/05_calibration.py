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
# # 05 · Calibration: is the model less accurate where it is less certain?
#
# An uncertainty estimate is useful only if it tells us when to distrust the model. The paper's test: over a set of
# tasks $i$, pair each task's uncertainty $u_i$ with its accuracy $a_i$ and compute **Kendall's rank correlation**
# $\tau(u, a)$. A calibrated model has $\tau < 0$ (more uncertain, less accurate); $\tau$ uses only the order of the
# tasks, so the large negative entropies of notebook 04 can be used as they are. For each $\tau$ we report
#
# * the two-sided $p$-value (what the paper prints; it calls $1 - p$ a "confidence level"),
# * a **paired bootstrap** 95% confidence interval (tasks resampled with their $(u, a)$ pairs; BCa),
# * two baselines: a **random** uncertainty (the permutation distribution of $\tau$, mean about 0) and the
#   **oracle** $u = -a$ (the best possible $\tau$, slightly above $-1$ when accuracies tie); the normalised score
#   puts random at 0 and oracle at 1.
#
# **Accuracy** is the paper's: the mean cosine similarity between embeddings of the generated videos and of the
# task's ground-truth video. We compare it with SSIM and PSNR and, in the toy world, which also knows the *exact*
# answer, with attribute accuracy (read off each clip by the checker of notebook 01). Cells that start with
# `%%only toy_world` need that truth and are skipped on the `paper` profile.

# %% tags=["parameters"]
profile = "default"            # Papermill parameter: tiny | default | paper
overrides = {}                 # profile settings, e.g. the paper profile's models (configs/paper.example.yaml)
n_resamples = None             # bootstrap resamples and permutations per tau (None: the profile's, 9999 on default)
subset_sizes = [6, 0.25]       # the paper's subset analysis: a count of tasks, or a fraction of them

# %%
import numpy as np
import pandas as pd
from scipy import stats

from squbed_utils import accuracy, artifacts, backends, calibration, pipeline
from squbed_utils.profiles import get_profile
from squbed_utils.store import save_json

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
n_resamples = n_resamples or settings.bootstrap_resamples
folder = settings.artifacts_dir
tasks = pd.read_csv(folder / artifacts.TASKS)
latents = pd.read_csv(folder / artifacts.LATENT_PROMPTS)
decomposition = pd.read_csv(folder / artifacts.UNCERTAINTY)
store = backends.cache(settings)
embedding_dir = folder / artifacts.EMBEDDINGS
embedder_names = list(dict.fromkeys(decomposition["embedder"]))  # the first is the primary one
task_ids, _ = pipeline.per_task(latents, latents["latent_index"].to_numpy())
tasks = tasks.set_index("id").loc[task_ids].reset_index()  # the order every per-task array below follows

# %% [markdown]
# ## 1 · Accuracy per task
#
# For each task: the cosine accuracy under every video embedder of notebook 04, and, from the clips themselves,
# the exact attribute scores and SSIM / PSNR against the ground-truth clip. Note what a vague task does to
# accuracy: its ground truth is *one* of the objects the prompt allows, so even a perfect model's videos mostly show
# other objects. That is the paper's setting too (a real caption is vague, the real clip is one video), and it is why
# aleatoric uncertainty *should* predict low accuracy. `prompt_consistency` asks instead whether each video is *a*
# valid answer to the prompt, which vagueness does not penalise.

# %%
reference_clips = backends.reference_clips(tasks, settings)
scores = accuracy.score_tasks(tasks, (clips for _, clips in pipeline.videos_by_task(latents, store)),
                              reference_clips, progress=True)
for name in embedder_names:
    _, videos = pipeline.per_task(latents, np.load(embedding_dir / f"{name}_videos.npy"))
    stacked = np.stack([v.reshape(-1, v.shape[-1]) for v in videos])
    scores[f"cosine_{name}"] = accuracy.cosine_accuracy(stacked, np.load(embedding_dir / f"{name}_reference.npy"))
scores["cosine"] = scores[f"cosine_{embedder_names[0]}"]
scores.to_csv(folder / artifacts.ACCURACY)
scores.describe().loc[["mean", "std", "min", "max"]].round(3)

# %% [markdown]
# ## 2 · Kendall's $\tau$ for total, aleatoric and epistemic uncertainty
#
# One row per (uncertainty, accuracy metric). For metrics that are frequencies in $[0, 1]$ (the attribute scores)
# we also report the binned expected and maximum calibration errors (ECE, MCE) of the confidence
# $c = 1 - \mathrm{rank}(u)/N$, as the authors' follow-up work does; they depend on that mapping, so read them
# beside $\tau$, not instead of it.

# %%
table = artifacts.per_task_table(decomposition, scores, tasks, embedder_names[0], order=task_ids)
components = ["total", "aleatoric", "epistemic", "direct_total"]
results = calibration.calibration_table(
    {c: table[c] for c in components}, {m: table[m] for m in [*scores.columns.drop("cosine"), "cosine"]},
    frequencies={"exact_match", "attribute_match", "prompt_consistency"},
    n_resamples=n_resamples, n_permutations=n_resamples, seed=settings.seed)
results.to_csv(folder / artifacts.CALIBRATION, index=False)
main = results[results["accuracy"] == "cosine"].set_index("uncertainty")
main.reindex(columns=["n", "tau", "pvalue", "ci_low", "ci_high", "random_mean", "oracle_tau", "normalized_tau", "note"]).round(3)

# %% [markdown]
# ## 3 · The paper's subset analysis
#
# Total uncertainty mixes both parts, so the paper checks each component where the *other* is smallest: aleatoric
# $\tau$ on the tasks with the lowest epistemic entropy, and epistemic $\tau$ on those with the lowest aleatoric
# entropy (it used 4 to 17 tasks). Small subsets give wide intervals, and choosing the subset by an uncertainty is
# partly circular, so we report the sizes and the intervals with every number.

# %%
subset_rows = []
for component, other in [("aleatoric", "epistemic"), ("epistemic", "aleatoric")]:
    for size in subset_sizes:
        chosen = table.iloc[calibration.lowest_subset(table[other], size)]
        subset_rows.append({"uncertainty": component, "subset": f"lowest {other}", "size_asked": size,
                            **calibration.tau_summary(chosen[component], chosen["cosine"], n_resamples=n_resamples,
                                                      seed=settings.seed),
                            "task_ids": " ".join(chosen.index)})
subsets = pd.DataFrame(subset_rows)
subsets.to_csv(folder / artifacts.CALIBRATION_SUBSETS, index=False)
subsets.drop(columns="task_ids").round(3)

# %% [markdown]
# ## 4 · Beyond the paper: does each part track the truth we built in?
#
# The toy world knows each task's aleatoric truth, $\log$ (number of objects the prompt allows), and how often the
# video model saw the task's concepts. If the decomposition does what it claims, the aleatoric entropy should rank
# tasks like the first ($\tau > 0$), and the epistemic entropy should fall with training exposure ($\tau < 0$), also
# among fully specified prompts where there is no aleatoric part at all.

# %%
# %%only toy_world
specified = table[table["vagueness"] == 0]
checks = {
    "aleatoric vs aleatoric truth": (table["aleatoric"], table["aleatoric_truth"]),
    "epistemic vs aleatoric truth": (table["epistemic"], table["aleatoric_truth"]),
    "epistemic vs training exposure": (table["epistemic"], table["training_exposure"]),
    "epistemic vs training exposure (fully specified prompts)": (specified["epistemic"], specified["training_exposure"]),
    "aleatoric vs training exposure": (table["aleatoric"], table["training_exposure"]),
}
truth = pd.DataFrame([{"check": name, **calibration.tau_summary(u, t, n_resamples=n_resamples, seed=settings.seed)}
                      for name, (u, t) in checks.items()])
truth.to_csv(folder / artifacts.TRUTH_RECOVERY, index=False)
truth.round(3)

# %% [markdown]
# The sharpest test of the epistemic part uses the two checkpoints of notebook 02: same architecture, same fully
# specified prompts, same refined prompts and seeds, but one model stopped after 15% of its training. The
# under-trained model should be *more* uncertain on (nearly) every task. A paired Wilcoxon signed-rank test asks
# whether the difference is systematic.

# %%
# %%only toy_world
under = pd.read_csv(folder / artifacts.UNCERTAINTY_UNDERTRAINED).set_index("task_id")
paired = pd.DataFrame({"final": table.loc[under.index, "epistemic"], "undertrained": under["epistemic"],
                       "knowledge": table.loc[under.index, "knowledge"]})
paired.to_csv(folder / artifacts.EPISTEMIC_BY_CHECKPOINT)
difference = paired["undertrained"] - paired["final"]
test = stats.wilcoxon(paired["undertrained"], paired["final"], alternative="greater")
checkpoints = {"tasks": len(paired), "share_higher_when_undertrained": float((difference > 0).mean()),
               "median_difference_nats": float(difference.median()), "wilcoxon_p": float(test.pvalue)}
print(f"under-trained epistemic entropy is higher on {checkpoints['share_higher_when_undertrained']:.0%} of "
      f"{len(paired)} fully specified tasks (median {checkpoints['median_difference_nats']:+.0f} nats, "
      f"one-sided Wilcoxon p = {test.pvalue:.2g})")


# %% [markdown]
# ## 5 · Summary saved for notebook 06 and the README

# %%
def numbers(row):
    return {key: row[key] for key in ("n", "tau", "pvalue", "ci_low", "ci_high", "note") if key in row}

summary = {
    "profile": profile, "tasks": len(table), "n": int(table["n"].iloc[0]), "m": int(table["m"].iloc[0]),
    "primary_video_embedder": embedder_names[0],
    "calibration_cosine": {c: numbers(main.loc[c]) for c in ["total", "aleatoric", "epistemic"]},
    "subsets": [numbers(r) | {"uncertainty": r["uncertainty"], "subset": r["subset"]} for _, r in subsets.iterrows()],
}
if settings.toy_world:
    summary["truth_recovery"] = {r["check"]: numbers(r) for _, r in truth.iterrows()}
    summary["epistemic_by_checkpoint"] = checkpoints
save_json(folder / artifacts.CALIBRATION_SUMMARY, summary)
total = summary["calibration_cosine"]["total"]
print(f"total uncertainty vs cosine accuracy over {summary['tasks']} tasks: tau = {total['tau']:.3f}, "
      f"p = {total['pvalue']:.2g}, 95% CI [{total['ci_low']:.3f}, {total['ci_high']:.3f}]")
