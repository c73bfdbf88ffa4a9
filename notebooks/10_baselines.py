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
#   task, computed without the refined prompts' embeddings and without a vMF fit (the videos are still those
#   the refined prompts produced). For $N$ unit vectors whose mean has length $\bar R$,
#   $(N \bar R)^2 = \lVert \sum_a v_a \rVert^2 = N + \sum_{a \ne b} \cos(v_a, v_b)$, so the pairs' mean cosine is
#   $(N \bar R^2 - 1)/(N - 1)$ and the spread is a decreasing function of $\bar R$;
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

# %% [markdown]
# **Reading map.** *Where it sits:* beyond the paper, answering the reviewers' points that S-QUBED is compared
# with no baseline and that its accuracy metric (CLIP cosine, step 5 of the method) was chosen on 10 annotated
# samples. *What it needs:* `latent_prompts.csv` (notebook 03), the embeddings and `uncertainty.csv` (notebook
# 04), `accuracy.csv` (notebook 05), and on the toy world `tasks.csv` (notebook 01) and `truth_ladder.csv`
# (notebook 08). *It saves* `baselines.csv` (column `kind`: truth, calibration or accuracy metric) and two
# figures. *Time:* about 10 minutes to read; about 11 s to run on the default profile, a few seconds on `tiny`.
#
# *Concepts used:* the direct total $h(V \mid l)$, one vMF fitted to all $n m$ videos of a task (notebook 04);
# Kendall's $\tau$, its BCa interval and the random and oracle references of notebook 05; the truths of
# notebook 08.

# %% tags=["parameters"]
profile = "default"    # Papermill parameter: tiny | default | study | paper
overrides = {}         # profile settings
n_resamples = None     # bootstrap resamples per tau (None: the profile's)

# %%
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from squbed_utils import artifacts, baselines, calibration, pipeline, takeaways
from squbed_utils.course import baselines as exercises
from squbed_utils.plots import save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.takeaways import SavedResults, strength, takeaway

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
n_resamples = n_resamples or settings.bootstrap_resamples
folder = settings.artifacts_dir
saved = SavedResults(settings)
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
parts = {}  # the kinds of baselines.csv computed so far


def save_baselines():
    """Write baselines.csv from what is computed so far (calibration, truth, accuracy metric), so takeaways quote it."""
    pd.concat([parts[kind].assign(kind=kind) for kind in ("calibration", "truth", "accuracy metric") if kind in parts]
              ).to_csv(folder / artifacts.BASELINES, index=False)


# %% tags=["remove-input"]
class Quotes(takeaways.Quotes):
    """The package's quotes; `baseline` shows one number of a (kind, method, reference) row of baselines.csv."""

    def baseline(self, name, kind, method, reference, column="tau", spec="+.2f"):
        where = {"kind": kind, "method": method, "reference": reference}
        return self.number(name, spec, artifacts.BASELINES, column, where=where)

    @staticmethod
    def key(method, reference):
        """The field name of one (method, reference) pair."""
        return f"{method}_{reference}".replace(" ", "_")

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
parts["truth"] = truth_table
save_baselines()
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
# Two pairs of rows should be identical: for sets of the same size in the same space, the vMF plug-in entropy
# and the mean pairwise cosine distance are both monotone functions of the mean resultant length $\bar R$
# (the entropy through $\hat\kappa$), so the direct total ranks tasks exactly as the video spread does, and
# the aleatoric entropy exactly as the prompt spread does. The one exception is a degenerate fit: a set of
# (numerically) identical embeddings has $\bar R = 1$, its $\hat\kappa$ is capped, and every capped task gets
# the same entropy, a tie the spread does not have. So the vMF fit adds nothing to a ranking; only the
# epistemic entropy (a mean of fits) and the total (a sum across spaces) differ from a plain spread.

# %% tags=["remove-input"]
# %%only toy_world
q = Quotes(saved)
cell = {(method, truth): q.baseline(f"{method}_{truth}".replace(" ", "_"), "truth", method, truth)
        for method in methods for truth in ["aleatoric truth", "measured ignorance"]}
pairs_equal = [(a, b) for a, b in [("direct_total", "video spread"), ("aleatoric", "prompt spread")]
               if all(q.same(Quotes.key(a, t), Quotes.key(b, t)) for t in ["aleatoric truth", "measured ignorance"])]
text = ("The direct total and the video spread " + ("rank the tasks identically" if ("direct_total", "video spread") in pairs_equal
        else "do not rank the tasks identically here (degenerate fits: capped $\\hat\\kappa$ ties)")
        + f" ({cell['video spread', 'aleatoric truth']} against the aleatoric truth, "
        f"{cell['video spread', 'measured ignorance']} against the measured ignorance for the video spread), and so "
        + ("do" if ("aleatoric", "prompt spread") in pairs_equal else "do not")
        + f" the aleatoric entropy and the prompt spread ({cell['prompt spread', 'aleatoric truth']} and "
        f"{cell['prompt spread', 'measured ignorance']}). ")
better = q.value(Quotes.key("vagueness", "aleatoric truth")) > q.value(Quotes.key("aleatoric", "aleatoric truth"))
text += (f"The number of open attributes, which needs no model, ranks the tasks by their aleatoric truth with "
         f"{cell['vagueness', 'aleatoric truth']}, " + ("better than" if better else "no better than")
         + f" the aleatoric entropy of the refined prompts ({cell['aleatoric', 'aleatoric truth']})")
text += (": partly by construction (which attributes are open nearly fixes the number of completions), but also "
         "a reminder that a sentence embedding's spread is a noisy proxy for how many things a prompt can mean."
         if better else ".")
text += (f" Against the measured ignorance the S-QUBED total reaches {cell['total', 'measured ignorance']} and the "
         f"epistemic entropy {cell['epistemic', 'measured ignorance']}, against {cell['video spread', 'measured ignorance']} "
         "for the video spread.")
takeaway(text, **q)

# %% [markdown]
# ## 2 · Calibration against accuracy, between random and oracle

# %%
calibration_rows = calibration.calibration_table(
    {method: table[method] for method in methods},
    {name: accuracy[name] for name in ["cosine", "exact_match"] if name in accuracy},
    n_resamples=n_resamples, n_permutations=n_resamples, seed=settings.seed)
calibration_rows = calibration_rows.rename(columns={"uncertainty": "method", "accuracy": "reference"})
parts["calibration"] = calibration_rows
save_baselines()
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
# matches S-QUBED's here does the paper's calibration job without the refined prompts' embeddings or vMF fits.

# %% tags=["remove-input"]
q = Quotes(saved)
cal = {method: q.baseline(Quotes.key(method, "cal"), "calibration", method, "cosine") for method in methods}
norm = {method: q.baseline(Quotes.key(method, "norm"), "calibration", method, "cosine", column="normalized_tau", spec=".2f") for method in methods}
noise = q.baseline("noise", "calibration", "total", "cosine", column="random_std", spec=".2f")
defined = [method for method in methods if np.isfinite(q.value(Quotes.key(method, "cal")))]
text = (f"Against cosine accuracy the paper's total has $\\tau$ = {cal['total']} (normalised {norm['total']}), the "
        f"direct total {cal['direct_total']} and the video spread {cal['video spread']}")
if "vagueness" in methods:
    text += f", the vagueness of the prompt {cal['vagueness']}"
text += f"; a random uncertainty's $\\tau$ scatters around 0 with a standard deviation of {noise}."
if defined:
    lowest = min(q.value(Quotes.key(method, "cal")) for method in defined)
    tied = [method for method in defined if abs(q.value(Quotes.key(method, "cal")) - lowest) < 1e-9]
    text += (" The best calibrated " + ("are " if len(tied) > 1 else "is ") + " and ".join(f"the {m.replace('_', ' ')}" for m in tied)
             + f" ({cal[tied[0]]}, normalised {norm[tied[0]]})")
    if "total" not in tied and "total" in defined:
        text += ", better than the paper's total"
    text += "."
if "video spread" in defined:
    text += (" Part of the video spread's calibration is mechanical: a task's cosine accuracy is the mean cosine of its "
             "videos to one reference in the same embedding space, which cannot exceed their mean resultant length "
             "$\\bar R$: videos that spread widely cannot all lie close to the reference.")
    exact = {method: q.baseline(Quotes.key(method, "exact"), "calibration", method, "exact_match") for method in ("total", "video spread")
             if "exact_match" in accuracy}
    if exact:
        text += (f" Against exact attribute accuracy, which shares no embedding with it, the video spread has "
                 f"{exact['video spread']} and the total {exact['total']}.")
takeaway(text, **q)

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
parts["accuracy metric"] = metric_rows
save_baselines()
metric_rows.set_index("method")[["tau", "ci_low", "ci_high"]].round(2)

# %% tags=["remove-input"]
# %%only toy_world
q = Quotes(saved)
agree = {name: q.baseline(Quotes.key(name, "metric"), "accuracy metric", name, "exact_match") for name in metrics}
defined = [name for name in metrics if np.isfinite(q.value(Quotes.key(name, "metric")))]
def label(name):
    return {"ssim": "SSIM", "psnr": "PSNR"}.get(name, name.replace("cosine_", "cosine in the ").replace("_", " ").replace("toy clip", "toy CLIP"))
text = ("Against exact attribute accuracy, task by task ($\\tau$): " + ", ".join(f"{label(name)} {agree[name]}" for name in metrics) + ".")
if defined:
    best_metric = max(defined, key=lambda name: q.value(Quotes.key(name, "metric")))
    pixel_last = all(q.value(Quotes.key(pixel, "metric")) < min(q.value(Quotes.key(name, "metric")) for name in defined if name.startswith("cosine"))
                     for pixel in ("ssim", "psnr") if pixel in defined) and any(n.startswith("cosine") for n in defined)
    text += f" The {label(best_metric)} agrees best" if best_metric.startswith("cosine") else f" {label(best_metric)} agrees best"
    text += (" and the pixel metrics (SSIM, PSNR) least, since a right object in another position is far away in "
             "pixels." if pixel_last else ".")
    if best_metric == "cosine_toy_clip":
        text += " The paper's choice, cosine similarity in a CLIP space, is the right kind of metric when the encoder knows the world."
else:
    text += " No metric's $\\tau$ is defined on this profile (the exact accuracy is the same for every task)."
takeaway(text, **q)

# %% [markdown]
# ## Summary
#
# `baselines.csv` keeps every $\tau$ above with its interval. What the baselines show:

# %% tags=["remove-input"]
q = Quotes(saved)
k = Quotes.key
fields = {name: q.baseline(name, "calibration", method, "cosine") for name, method in
          [("total", "total"), ("direct", "direct_total"), ("spread", "video spread")]}
bullets = []
if np.isfinite([q.value("total"), q.value("spread")]).all():
    bullets.append(f"**Calibration**: the video spread, which needs no text embedding and no vMF fit, has $\\tau$ = "
                   f"{fields['spread']} against cosine accuracy, "
                   + ("better than" if q.value("spread") < q.value("total") else "no better than")
                   + f" the paper's total ({fields['total']}), and "
                   + ("exactly as good as" if q.same("direct", "spread") else "not the same as")
                   + f" the direct total ({fields['direct']}); part of that is mechanical (section 2).")
if settings.toy_world:
    for name, method, truth in [("vag", "vagueness", "aleatoric truth"), ("ale", "aleatoric", "aleatoric truth"),
                                ("tot", "total", "measured ignorance"), ("epi", "epistemic", "measured ignorance"),
                                ("cos", "cosine_toy_clip", "exact_match"), ("ssim", "ssim", "exact_match")]:
        fields[name] = q.baseline(name, "accuracy metric" if truth == "exact_match" else "truth", method, truth)
    bullets.append(f"**Against the truths**: the count of open attributes ranks tasks by their aleatoric truth with "
                   f"{fields['vag']}, the aleatoric entropy with {fields['ale']}; against the measured ignorance the "
                   f"total reaches {fields['tot']} and the epistemic entropy {fields['epi']}.")
    bullets.append(f"**The accuracy metric**: the toy CLIP's cosine agrees with exact attribute accuracy with "
                   f"{fields['cos']}, SSIM with {fields['ssim']}.")
takeaway("\n".join(f"* {bullet}" for bullet in bullets) if bullets else
         "On this profile the calibration taus are undefined, so there is no baseline to compare.", **q)

# %% [markdown] tags=["exercise"]
# ## Exercises
#
# **1 · The video spread by hand.** The cell below gives three unit vectors `a`, `b`, `c` (think of them as
# three videos' embeddings). Compute by hand their mean pairwise cosine distance: list the pairs, take
# $1 - \cos$ of each (for unit vectors the cosine is the dot product), and average. Then check your number
# against `baselines.mean_pairwise_cosine_distance(vectors)`, the function behind the video spread.

# %%
vectors = np.array([[1.0, 0.0, 0.0],   # a
                    [0.0, 1.0, 0.0],   # b
                    [0.6, 0.8, 0.0]])  # c

# %% tags=["solution"]
# pairs (a, b), (a, c), (b, c): cosines 0, 0.6 and 0.8, so distances 1, 0.4 and 0.2
answer = (1.0 + 0.4 + 0.2) / 3
print(f"by hand {answer:.4f}; squbed_utils.baselines {float(baselines.mean_pairwise_cosine_distance(vectors)):.4f}")
exercises.check_mean_pairwise_distance(answer, vectors)

# %% [markdown] tags=["exercise"]
# **2 · Why does the direct total rank tasks exactly as the video spread?** Section 1 and 2 show the two with
# the same $\tau$ against every reference. Explain why, using the mean resultant length $\bar R$ of a task's
# $n m$ video embeddings. Would they still agree if the tasks had different numbers of videos, and what does
# the answer say about what the vMF fit adds to a *ranking* of tasks?

# %% [markdown] tags=["solution"]
# *Model answer.* For a set of $N$ unit vectors, the mean pairwise cosine is $(N \bar R^2 - 1)/(N - 1)$, so the
# video spread $1 - $ that is a decreasing function of $\bar R$. The direct total is the entropy of a vMF
# fitted to the same $N = n m$ vectors: $\hat\kappa$ is an increasing function of $\bar R$ (for fixed $N$ and
# $d$), and the vMF entropy a decreasing function of $\kappa$, so the direct total is also a decreasing function
# of $\bar R$. Two decreasing functions of the same number order every pair of tasks alike, and Kendall's
# $\tau$ sees only the order, so every $\tau$ is equal. With different $N$ per task the two functions differ
# from task to task (the spread's formula and the fit's bias both depend on $N$), and the rankings could part.
# For a ranking of equal-sized tasks the vMF fit adds nothing a plain spread does not already give; it
# matters only for the values (the entropies in nats that $A + E$ adds up), and in the epistemic entropy,
# a mean of $n$ fits, where averaging different monotone functions can reorder tasks. One exception: a
# degenerate set ($\bar R = 1$) caps $\hat\kappa$, and capped tasks tie in entropy but not in spread.
