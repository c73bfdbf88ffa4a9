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
# # 10 · Baselines: does S-QUBED beat simpler numbers?
#
# *Beyond the paper.* An uncertainty method earns its keep only if it does better than what anyone could
# compute without it. On the same tasks and with the same statistics (Kendall $\tau$, BCa intervals) as
# notebooks 05 and 08, the S-QUBED entropies meet three baselines:
#
# * **video spread**: the mean pairwise cosine distance $1 - \cos(v_a, v_b)$ among all $n m$ videos of a
#   task, with no latent prompts and no vMF fit;
# * **prompt spread**: the same among the $n$ refined-prompt embeddings;
# * **vagueness**: the number of attributes the prompt leaves open (toy world only), which needs no
#   model at all.
#
# For calibration each uncertainty's $\tau$ against accuracy sits between two references: a *random*
# uncertainty (mean $\tau$ 0) and the *oracle* that ranks tasks exactly by accuracy ($\tau = -1$ up to ties);
# the normalised $\tau$ puts random at 0 and the oracle at 1.
#
# The last section checks the accuracy metric itself. The paper picked cosine similarity of CLIP embeddings
# after looking at 10 annotated samples; the toy world has the exact attribute accuracy of every clip, so
# each cheap metric (cosine under each encoder, SSIM, PSNR) can be ranked against it on every task.
#
# *Needs* notebooks 01-05 and 08.

# %% tags=["parameters"]
profile = "default"    # Papermill parameter: tiny | default | study | paper
overrides = {}         # profile settings
n_resamples = None     # bootstrap resamples per tau (None: the profile's)

# %%
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from squbed_utils import artifacts, baselines, calibration, pipeline
from squbed_utils.plots import save_figure, set_style
from squbed_utils.profiles import get_profile

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
n_resamples = n_resamples or settings.bootstrap_resamples
folder = settings.artifacts_dir
latents = pd.read_csv(folder / artifacts.LATENT_PROMPTS)
decomposition = pd.read_csv(folder / artifacts.UNCERTAINTY)
primary = list(dict.fromkeys(decomposition["embedder"]))[0]
task_ids, text_by_task = pipeline.per_task(latents, np.load(folder / artifacts.EMBEDDINGS / "text_latents.npy"))
_, videos_by_task = pipeline.per_task(latents, np.load(folder / artifacts.EMBEDDINGS / f"{primary}_videos.npy"))
table = decomposition[decomposition["embedder"] == primary].set_index("task_id").loc[task_ids]
table["video spread"] = [float(baselines.mean_pairwise_cosine_distance(v.reshape(-1, v.shape[-1]))) for v in videos_by_task]
table["prompt spread"] = [float(baselines.mean_pairwise_cosine_distance(t)) for t in text_by_task]
accuracy = pd.read_csv(folder / artifacts.ACCURACY, index_col="task_id").loc[task_ids]
methods = ["total", "direct_total", "aleatoric", "epistemic", "video spread", "prompt spread"]

# %%
# %%only toy_world
tasks = pd.read_csv(folder / artifacts.TASKS).set_index("id").loc[task_ids]
ladder = pd.read_csv(folder / artifacts.TRUTH_LADDER)
table["vagueness"] = tasks["vagueness"]
table["aleatoric truth"] = tasks["aleatoric_truth"]
table["measured ignorance"] = ladder[ladder["model"] == "100%"].set_index("task_id").loc[task_ids, "measured_ignorance"]
methods.append("vagueness")

# %% [markdown]
# ## 1 · Against the truths (toy world)
#
# Which number ranks the tasks by how many things the prompt can mean, and which by how often the model
# is wrong?

# %%
# %%only toy_world
truth_rows = [{"method": method, "reference": truth,
               **calibration.tau_summary(table[method], table[truth], n_resamples=n_resamples, seed=settings.seed)}
              for truth in ["aleatoric truth", "measured ignorance"] for method in methods]
truth_table = pd.DataFrame(truth_rows)
fig, ax = plt.subplots(figsize=(8, 3.6))
for offset, (truth, part) in zip([-0.15, 0.15], truth_table.groupby("reference", sort=False)):
    part = part.set_index("method").loc[methods]
    ax.errorbar(np.arange(len(methods)) + offset, part["tau"], fmt="o", capsize=3, label=f"against {truth}",
                yerr=[part["tau"] - part["ci_low"], part["ci_high"] - part["tau"]])
ax.axhline(0, color="0.5", lw=0.8)
ax.set(xticks=range(len(methods)), xticklabels=[m.replace(" ", "\n").replace("_", "\n") for m in methods],
       ylim=(-1, 1), ylabel="Kendall tau (95% BCa CI)", title="S-QUBED and the baselines against the truths")
ax.legend(fontsize=8)
save_figure(fig, "baselines_vs_truth", settings)
truth_table.pivot(index="method", columns="reference", values="tau").loc[methods].round(2)

# %% [markdown]
# Two pairs of rows are identical, and must be: for sets of the same size in the same space, the vMF
# plug-in entropy and the mean pairwise cosine distance are both monotone functions of the mean resultant
# length, so the direct total ranks tasks exactly as the video spread does, and the aleatoric entropy exactly
# as the prompt spread does. The vMF fit adds nothing to a ranking; only the epistemic entropy (a mean of
# fits) and the total (a sum across spaces) differ from a plain spread. In the toy world the number of open
# attributes, which needs no model, ranks tasks by their aleatoric truth far better than the entropy of $n$
# refined prompts; that is partly by construction (which attributes are open nearly fixes the number of
# completions), but it is also a reminder that a sentence embedding's spread is a noisy proxy for how many
# things a prompt can mean.

# %% [markdown]
# ## 2 · Calibration against accuracy, between random and oracle

# %%
calibration_rows = calibration.calibration_table(
    {method: table[method] for method in methods},
    {name: accuracy[name] for name in ["cosine", "exact_match"] if name in accuracy},
    n_resamples=n_resamples, n_permutations=n_resamples, seed=settings.seed)
calibration_rows = calibration_rows.rename(columns={"uncertainty": "method", "accuracy": "reference"})
shown = calibration_rows[calibration_rows["reference"] == "cosine"].set_index("method").loc[methods]
fig, ax = plt.subplots(figsize=(8, 3.4))
ax.errorbar(range(len(methods)), shown["tau"], yerr=[shown["tau"] - shown["ci_low"], shown["ci_high"] - shown["tau"]],
            fmt="o", capsize=3, label="tau against cosine accuracy")
ax.scatter(range(len(methods)), shown["oracle_tau"], marker="_", s=300, color="k", label="oracle")
ax.axhline(0, color="0.5", lw=0.8, label="random (mean tau)")
ax.set(xticks=range(len(methods)), xticklabels=[m.replace(" ", "\n").replace("_", "\n") for m in methods],
       ylim=(-1.05, 0.6), ylabel="Kendall tau", title="Calibration: lower tau = less accurate where more uncertain")
ax.legend(fontsize=8, loc="lower right")
save_figure(fig, "baselines_calibration", settings)
shown[["tau", "ci_low", "ci_high", "oracle_tau", "normalized_tau"]].round(2)

# %% [markdown]
# The normalised $\tau$ reads as "the share of the way from a random number to the oracle". A baseline that
# matches S-QUBED's here does the paper's calibration job without refined prompts or vMF fits.

# %% [markdown]
# ## 3 · Which accuracy metric agrees with exact attribute accuracy? (toy world)
#
# Per task, each cheap metric against the exact share of videos showing the ground-truth object.
# A metric that agrees with it ranks tasks by how often the model drew the right object.

# %%
# %%only toy_world
metrics = [name for name in accuracy.columns if name.startswith("cosine_")] + ["ssim", "psnr"]
metric_rows = pd.DataFrame([{"method": name, "reference": "exact_match",
                             **calibration.tau_summary(accuracy[name], accuracy["exact_match"], n_resamples=n_resamples,
                                                       seed=settings.seed)} for name in metrics])
metric_rows.set_index("method")[["tau", "ci_low", "ci_high"]].round(2)

# %%
results = [calibration_rows.assign(kind="calibration")]
if settings.toy_world:
    results += [truth_table.assign(kind="truth"), metric_rows.assign(kind="accuracy metric")]
pd.concat(results).to_csv(folder / artifacts.BASELINES, index=False)

# %% [markdown]
# The paper's choice, cosine similarity in a CLIP space, is the right kind of metric when the encoder knows
# the world: the toy CLIP's cosine agrees best with exact attribute accuracy, and the pixel metrics (SSIM,
# PSNR) least, since a right object in another position is far away in pixels.
# `artifacts/<profile>/baselines.csv` keeps every tau above with its interval (column `kind`: truth,
# calibration or accuracy metric).
