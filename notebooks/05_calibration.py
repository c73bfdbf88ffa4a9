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
# tasks $i$, pair each task's uncertainty $u_i$ with its accuracy $a_i$ and ask whether the more uncertain tasks are
# the less accurate ones, with **Kendall's rank correlation** $\tau(u, a)$.

# %% [markdown]
# **Reading map.** *Where it sits in the paper:* the first contribution, the calibration metric (Kendall's $\tau$ of
# uncertainty against accuracy, with its $p$-value), applied to the total, aleatoric and epistemic entropies, and the
# paper's subset analysis; then two checks the paper could not make, against the truth the toy world builds in and
# between two checkpoints of the same video model. *Needs:* `tasks.csv` (notebook 01), `latent_prompts.csv` and the
# cached videos (03), `uncertainty.csv`, `uncertainty_undertrained.csv` and `embeddings/` (04). *Saves:* the tables
# notebook 06 draws (`accuracy.csv`, `calibration.csv`, `calibration_subsets.csv`, `truth_recovery.csv`,
# `epistemic_by_checkpoint.csv`, `calibration_summary.json`). *Time:* about 20 minutes to read; about 29 s to run
# on `default` from an empty cache, a few seconds on `tiny`.

# %% [markdown]
# ## 0 · Kendall's $\tau$: counting the pairs that agree
#
# Take two tasks $i$ and $j$. The pair is **concordant** when the task with the higher uncertainty also has the
# higher accuracy, $(u_i - u_j)(a_i - a_j) > 0$, and **discordant** when it has the lower accuracy,
# $(u_i - u_j)(a_i - a_j) < 0$. With $C$ concordant and $D$ discordant pairs among the $P = N(N-1)/2$ pairs of $N$
# tasks,
#
# $$\tau = \frac{C - D}{P}.$$
#
# It is $+1$ when every pair is concordant, $-1$ when every pair is discordant and near $0$ when they balance. A pair
# tied in $u$ or in $a$ (tasks with the same attribute score, say) is neither; the **tau-b** that SciPy and this
# project compute then divides by the pairs that are not tied, $\tau_b = (C - D) / \sqrt{(P - T_u)(P - T_a)}$, with
# $T_u$, $T_a$ the pairs tied in $u$ and in $a$ (without ties, $\tau_b = \tau$).
#
# **Why calibrated means $\tau < 0$.** An uncertainty that says "distrust me here" should be higher on the task the
# model gets less right: of two tasks, the more uncertain one should be the less accurate one. Every such pair is
# discordant, so a calibrated uncertainty has $\tau < 0$, and $\tau = -1$ means the uncertainty orders the tasks
# exactly in reverse of their accuracy. $\tau$ uses only the order of the tasks, so the large negative entropies of
# notebook 04 can be used as they are. For each $\tau$ we report
#
# * the two-sided $p$-value of the test of $\tau = 0$ (what the paper prints; it calls $1 - p$ a "confidence level"),
# * a **paired bootstrap** 95% confidence interval (tasks resampled with their $(u, a)$ pairs; BCa),
# * two baselines: a **random** uncertainty (the permutation distribution of $\tau$, mean about 0) and the
#   **oracle** $u = -a$ (the best possible $\tau$, slightly above $-1$ when accuracies tie); the normalised score
#   puts random at 0 and oracle at 1.
#
# **Binned calibration errors (ECE, MCE).** The authors' follow-up work also reports the expected and maximum
# calibration errors, which compare a *confidence* with an accuracy on the same $[0, 1]$ scale. An entropy is not a
# confidence, so the code (`calibration.confidence_from_uncertainty`) maps it to one by rank: the task of rank $r_i$
# among $N$ (1 the least uncertain, ties averaged) gets $c_i = 1 - (r_i - 1)/(N - 1)$, from 1 for the least uncertain
# task down to 0 for the most uncertain. The tasks are sorted into 10 equal-width bins $B_b$ of $c$, and
#
# $$\mathrm{ECE} = \sum_b \frac{|B_b|}{N}\,\bigl|\bar a_b - \bar c_b\bigr|, \qquad
# \mathrm{MCE} = \max_b \bigl|\bar a_b - \bar c_b\bigr|,$$
#
# the average gap between a bin's mean accuracy and its mean confidence, weighted by its share of tasks, and the
# worst bin's gap. They need an accuracy that is a frequency in $[0, 1]$, so they are computed for the attribute
# scores only. Because rank confidences are spread evenly over $[0, 1]$ whatever the uncertainty, an ECE mixes two
# things: whether the ranking is right, and whether the accuracies themselves are spread evenly over $[0, 1]$ (even
# a perfect ranking has an ECE above zero when they are not). Read them beside $\tau$, not instead of it.
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

from squbed_utils import accuracy, artifacts, backends, calibration, pipeline, takeaways
from squbed_utils.course import calibration as exercises
from squbed_utils.profiles import get_profile
from squbed_utils.store import save_json
from squbed_utils.takeaways import SavedResults, takeaway

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
n_resamples = n_resamples or settings.bootstrap_resamples
folder = settings.artifacts_dir
saved = SavedResults(settings)  # the takeaways read their numbers back from the tables saved below
tasks = pd.read_csv(folder / artifacts.TASKS)
latents = pd.read_csv(folder / artifacts.LATENT_PROMPTS)
decomposition = pd.read_csv(folder / artifacts.UNCERTAINTY)
store = backends.cache(settings)
embedding_dir = folder / artifacts.EMBEDDINGS
embedder_names = list(dict.fromkeys(decomposition["embedder"]))  # the first is the primary one
task_ids, _ = pipeline.per_task(latents, latents["latent_index"].to_numpy())
tasks = tasks.set_index("id").loc[task_ids].reset_index()  # the order every per-task array below follows


# %% tags=["remove-input"]
# Helpers for the takeaways: a saved tau as a sentence fragment with its p-value and interval.
def quoted_tau(key, file, where):
    """("{key:+.2f} (p = ..., 95% CI [...])", its quoted numbers); "undefined" when the saved tau is NaN."""
    tau = saved.number(file, "tau", where=where)
    if not np.isfinite(tau):
        return "undefined (one of the two is constant on this run)", {}
    numbers = {key: tau, f"{key}_p": saved.number(file, "pvalue", where=where),
               f"{key}_lo": saved.number(file, "ci_low", where=where),
               f"{key}_hi": saved.number(file, "ci_high", where=where)}
    return "{%s:+.2f} (p = {%s_p:.2g}, 95%% CI [{%s_lo:+.2f}, {%s_hi:+.2f}])" % (key, key, key, key), numbers


def interval_verdict(low, high):
    """Which side of 0 a saved interval lies on, as the end of a sentence ("lies below 0", "includes 0")."""
    return takeaways.interval_side(low, high, below="lies below 0", above="lies above 0", across="includes 0",
                                   undefined="is undefined")


def interval_of(numbers, key):
    """The interval bounds ``quoted_tau`` read for ``key`` (NaN when its tau is undefined)."""
    return numbers.get(f"{key}_lo", np.nan), numbers.get(f"{key}_hi", np.nan)


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

# %% tags=["remove-input"]
text = ("Cosine accuracy (the paper's metric) runs from {cos_min:.2f} to {cos_max:.2f} over the {n:.0f} tasks, "
        "mean {cos_mean:.2f}: a cosine measures closeness in embedding space, not a share of correct videos.")
quotes = {"n": saved.number(artifacts.ACCURACY, "cosine", aggregate="count"),
           **{f"cos_{a}": saved.number(artifacts.ACCURACY, "cosine", aggregate=a) for a in ("min", "max", "mean")}}
if settings.toy_world:
    text += (" The exact scores say how many videos are right: on average {exact:.0%} of a task's videos show its "
             "ground-truth object, {consistent:.0%} show an object its prompt allows.")
    quotes.update(exact=saved.number(artifacts.ACCURACY, "exact_match", aggregate="mean"),
                   consistent=saved.number(artifacts.ACCURACY, "prompt_consistency", aggregate="mean"))
takeaway(text, **quotes)

# %% [markdown]
# ## 2 · Kendall's $\tau$ for total, aleatoric and epistemic uncertainty
#
# One row per (uncertainty, accuracy metric) is saved; shown here, the paper's accuracy (cosine). The fourth row is
# the **direct total** of notebook 04: one vMF fitted to all $n m$ video embeddings of a task, without the latent
# prompts.

# %%
table = artifacts.per_task_table(decomposition, scores, tasks, embedder_names[0], order=task_ids)
components = ["total", "aleatoric", "epistemic", "direct_total"]
frequencies = ["exact_match", "attribute_match", "prompt_consistency"]
results = calibration.calibration_table(
    {c: table[c] for c in components}, {m: table[m] for m in [*scores.columns.drop("cosine"), "cosine"]},
    frequencies=set(frequencies), n_resamples=n_resamples, n_permutations=n_resamples, seed=settings.seed)
results.to_csv(folder / artifacts.CALIBRATION, index=False)
main = results[results["accuracy"] == "cosine"].set_index("uncertainty")
main.reindex(columns=["n", "tau", "pvalue", "ci_low", "ci_high", "random_mean", "oracle_tau", "normalized_tau", "note"]).round(3)

# %% tags=["remove-input"]
fragments, quotes = {}, {}
for component in components:
    fragments[component], found = quoted_tau(component, artifacts.CALIBRATION,
                                             {"uncertainty": component, "accuracy": "cosine"})
    quotes.update(found)
total = quotes.get("total", np.nan)
verdict = ("is calibrated" if np.isfinite(total) and quotes["total_hi"] < 0
           else "is not shown to be calibrated" if np.isfinite(total) else "cannot be scored")
takeaway(f"Against cosine accuracy, the total uncertainty {verdict}: tau {fragments['total']}, "
         f"a {takeaways.strength(total)} rank correlation (the paper found -0.16 on Panda-70M). Each component on its "
         f"own: aleatoric {fragments['aleatoric']}, epistemic {fragments['epistemic']}.", **quotes)

# %% [markdown]
# **The direct total against the total.** The direct total ranks the tasks by cosine accuracy differently from
# $A + E$, and part of the difference is built in. Write $\bar r_i$ for the mean resultant length of task $i$'s
# $n m$ video embeddings (the length of their average, 1 when they coincide) and $\theta_i$ for the angle between
# their mean direction and the ground truth's embedding. The cosine accuracy, a mean of cosines to the ground truth,
# is exactly $\bar r_i \cos\theta_i$; the direct total is a vMF fitted to the same embeddings, whose concentration,
# and so its entropy, depends on $\bar r_i$ alone (it falls as $\bar r_i$ grows). So a spread measure of the very
# videos that the accuracy compares with the reference is correlated with that accuracy by construction: if all
# $\theta_i$ were equal (and below a right angle), $\tau$ would be $-1$. Notebook 10's "video spread" baseline is
# this same quantity. The other accuracies show how much of the lead survives when the accuracy is not built from
# the same embeddings.

# %% tags=["remove-input"]
def direct_vs_total(metric, key):
    """"direct total {..} against total {..}" for one accuracy metric, with the quoted taus."""
    where = lambda c: {"uncertainty": c, "accuracy": metric}
    direct, total = (saved.number(artifacts.CALIBRATION, "tau", where=where(c)) for c in ("direct_total", "total"))
    text = (f"{{{key}_d:+.2f}}" if np.isfinite(direct) else "undefined") + " against " + (
        f"{{{key}_t:+.2f}}" if np.isfinite(total) else "undefined")
    return text, {f"{key}_d": direct, f"{key}_t": total}


def lead(quotes, key, margin=0.05):
    """How the direct total compares with the total on one metric: "a clear lead", "no clear lead", "worse"."""
    difference = quotes[f"{key}_d"] - quotes[f"{key}_t"]
    return ("no comparison on this run" if not np.isfinite(difference) else "a clear lead" if difference < -margin
            else "no clear lead" if abs(difference) <= margin else "worse")


text, quotes = direct_vs_total("cosine", "cos")
sentence = (f"With the primary embedder's cosine accuracy, the direct total's tau is {text} for the total: "
            f"{lead(quotes, 'cos')} for the direct total.")
if len(embedder_names) > 1:
    other, found = direct_vs_total(f"cosine_{embedder_names[1]}", "other")
    quotes.update(found)
    sentence += (f" Scored with the other embedder's cosine ({embedder_names[1]}), which shares no embedding with "
                 f"the direct total, it is {other}: {lead(quotes, 'other')}")
    sentence += (", so most of the lead on the paper's accuracy is the shared embedding, the mechanical part."
                 if lead(quotes, "cos") == "a clear lead" and lead(quotes, "other") != "a clear lead" else ".")
if settings.toy_world:
    attribute, found = direct_vs_total("attribute_match", "attr")
    quotes.update(found)
    sentence += f" Against attribute accuracy, which uses no embedding at all, it is {attribute}: {lead(quotes, 'attr')}"
    sentence += ("; there the pooled spread carries real signal, since videos that differ from each other cannot all "
                 "match the task's one ground truth (still partly by construction of an accuracy against a single "
                 "reference)." if lead(quotes, "attr") == "a clear lead" else ".")
    consistency, found = direct_vs_total("prompt_consistency", "cons")
    quotes.update(found)
    sentence += f" Against prompt consistency, which vagueness does not penalise, it is {consistency}: {lead(quotes, 'cons')}"
    sentence += ("; the pooled spread counts a vague prompt's legitimate variety as uncertainty."
                 if lead(quotes, "cons") == "worse" else ".")
takeaway(sentence, **quotes)

# %% [markdown]
# The binned errors (ECE, MCE) of the rank confidences, for the accuracies that are frequencies (saved in the same
# table), beside $\tau$ for comparison.

# %%
# %%only toy_world
binned = results[results["accuracy"].isin(frequencies)].reindex(columns=["uncertainty", "accuracy", "tau", "ece", "mce"])
binned.pivot(index="uncertainty", columns="accuracy", values=["tau", "ece", "mce"]).reindex(components).round(2)

# %% tags=["remove-input"]
# %%only toy_world
if "ece" in results.columns and results.loc[results["accuracy"] == "attribute_match", "ece"].notna().any():
    where = {"accuracy": "attribute_match"}
    quotes = {f"{column}_{a}": saved.number(artifacts.CALIBRATION, column, where=where, aggregate=a)
               for column in ("ece", "tau") for a in ("min", "max")}
    same = quotes["ece_max"] - quotes["ece_min"] < quotes["tau_max"] - quotes["tau_min"]
    display(takeaway(
        "Against attribute accuracy, the ECE of the four uncertainties lies between {ece_min:.2f} and {ece_max:.2f} "
        "while their tau runs from {tau_min:+.2f} to {tau_max:+.2f}"
        + (": ECE separates them much less than tau does, because with rank confidences spread evenly on [0, 1] it "
           "mostly measures how far the accuracies are from being spread evenly too, the same for every uncertainty."
           if same else "."), **quotes))
else:
    print("ECE and MCE are undefined on this run: every frequency accuracy is constant.")

# %% [markdown]
# ## 3 · The paper's subset analysis
#
# Total uncertainty mixes both parts, so the paper checks each component where the *other* is smallest: aleatoric
# $\tau$ on the tasks with the lowest epistemic entropy, and epistemic $\tau$ on those with the lowest aleatoric
# entropy (it used 4 to 17 tasks, and found $\tau$ of $-0.73$ and $-0.87$ on 6 tasks each on Panda-70M). Small
# subsets give wide intervals, and choosing the subset by an uncertainty is partly circular, so we report the sizes
# and the intervals with every number.

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

# %% tags=["remove-input"]
parts, quotes = [], {}
for component, other in [("aleatoric", "epistemic"), ("epistemic", "aleatoric")]:
    for index, size in enumerate(subset_sizes):
        key = f"{component[0]}{index}"
        where = {"uncertainty": component, "size_asked": size}
        fragment, found = quoted_tau(key, artifacts.CALIBRATION_SUBSETS, where)
        quotes.update(found, **{f"{key}_n": saved.number(artifacts.CALIBRATION_SUBSETS, "n", where=where)})
        parts.append(f"{component} on the {{{key}_n:.0f}} tasks of lowest {other}: {fragment}, whose interval "
                     f"{interval_verdict(*interval_of(found, key))}")
quotes["small"] = min(value for name, value in quotes.items() if name.endswith("_n"))
sentence = "; ".join(parts)
takeaway(sentence[0].upper() + sentence[1:] + ". With as few as {small:.0f} tasks a p-value is coarse and a "
         "bootstrap has few distinct resamples, so an interval there is rough; the larger subsets are the better "
         "guide, and choosing them by the other component is still partly circular.", **quotes)

# %% [markdown]
# ## 4 · Beyond the paper: does each part track the truth we built in?
#
# The toy world knows each task's aleatoric truth, $\log$ (number of objects the prompt allows), and how often the
# video model saw the task's concepts in training (its *exposure*). If the decomposition does what it claims, the
# aleatoric entropy should rank tasks like the first ($\tau > 0$) and not move with exposure ($\tau$ near 0), and the
# epistemic entropy should fall with exposure ($\tau < 0$), also among fully specified prompts, where there is no
# aleatoric part at all.

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

# %% tags=["remove-input"]
# %%only toy_world
quotes, fragments, verdicts = {}, {}, {}
for key, check in [("aa", "aleatoric vs aleatoric truth"), ("ee", "epistemic vs training exposure"),
                   ("es", "epistemic vs training exposure (fully specified prompts)"),
                   ("ea", "epistemic vs aleatoric truth"), ("ae", "aleatoric vs training exposure")]:
    fragments[key], found = quoted_tau(key, artifacts.TRUTH_RECOVERY, {"check": check})
    verdicts[key] = interval_verdict(*interval_of(found, key))
    quotes.update(found)
quotes["es_n"] = saved.number(artifacts.TRUTH_RECOVERY, "n",
                              where={"check": "epistemic vs training exposure (fully specified prompts)"})
follows = {"lies above 0": "follows", "lies below 0": "runs against"}.get(verdicts["aa"], "is not shown to follow")
falls = {key: "falls" if verdicts[key] == "lies below 0" else "is not shown to fall" for key in ("ee", "es")}
tracks = {"includes 0": "does not track", "is undefined": "cannot be compared with"}.get(verdicts["ea"], "also moves with")
takeaway(
    f"The aleatoric entropy {follows} its truth: tau {fragments['aa']}, an interval that {verdicts['aa']}. "
    f"The epistemic entropy {falls['ee']} with exposure over all tasks: tau {fragments['ee']}, an interval that "
    f"{verdicts['ee']}. On the {{es_n:.0f}} fully specified prompts it {falls['es']} with exposure: tau "
    f"{fragments['es']}, an interval that {verdicts['es']}. It {tracks} the aleatoric truth: tau "
    f"{fragments['ea']}, an interval that {verdicts['ea']}.", **quotes)

# %% tags=["remove-input"]
# %%only toy_world
gap_levels = ["held_out", "unseen"]
vague = [int(v) for v in sorted(tasks["vagueness"].unique()) if v > 0]
design = {"gap_k": saved.number(artifacts.TASKS, "n_completions", where={"vagueness": vague, "knowledge": gap_levels},
                                aggregate="median"),
          "known_k": saved.number(artifacts.TASKS, "n_completions",
                                  where={"vagueness": vague, "knowledge": ["common", "rare"]}, aggregate="median")}
leak = verdicts["ae"] != "includes 0"
text = (f"**A leak between the components.** The aleatoric entropy should not depend on exposure, yet its tau with "
        f"exposure is {fragments['ae']}, an interval that {verdicts['ae']}"
        + (": the aleatoric part moves with how well the model knows the concepts. " if leak
           else ", so no leak shows on this run. "))
if leak:
    text += "Two properties of the toy world feed it, and neither is knowledge. "
    if design["gap_k"] < design["known_k"]:
        text += ("The task set: a prompt counts as held-out only if it names a gap cell's shape and colour, and as "
                 "unseen only if it names white, so among vague prompts these leave fewer objects open (a median of "
                 "{gap_k:.0f} against {known_k:.0f} for common and rare ones) and have a lower aleatoric truth. ")
    text += ("The wording: the aleatoric entropy is the spread of the refined prompts' *text* embeddings, and some "
             "words of the gap cells have no synonym (triangle and green, of two held-out cells; white, of every "
             "unseen one; `squbed_utils.world.language`), so their rephrasings are more alike. A fair test would compare prompts "
             "that leave the same attributes open; until then, read the aleatoric entropy as partly a measure of "
             "phrasing.")
takeaway(text, **quotes, **design)

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
paired.groupby("knowledge")[["final", "undertrained"]].median().reindex(
    [k for k in ("common", "rare", "held_out", "unseen") if k in set(paired["knowledge"])]).round(0)


# %% [markdown]
# ## 5 · Summary
#
# The numbers below are saved for notebook 06 and the README (`calibration_summary.json`).

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
save_json(folder / artifacts.CALIBRATION_SUMMARY, summary);

# %% tags=["remove-input"]
# %%only toy_world
result = {key: saved.number(artifacts.CALIBRATION_SUMMARY, key=f"epistemic_by_checkpoint.{key}")
          for key in ("tasks", "share_higher_when_undertrained", "median_difference_nats", "wilcoxon_p")}
text = ("**The two checkpoints.** The under-trained model's epistemic entropy is higher on "
        "{share_higher_when_undertrained:.0%} of the {tasks:.0f} fully specified tasks (median difference "
        "{median_difference_nats:+.0f} nats, one-sided Wilcoxon p = {wilcoxon_p:.2g}).")
file = artifacts.EPISTEMIC_BY_CHECKPOINT
if 0 < result["share_higher_when_undertrained"] < 1 and "unseen" in set(paired["knowledge"]):
    unseen = {f"unseen_{c}": saved.number(file, c, where={"knowledge": "unseen"}, aggregate="median")
              for c in ("final", "undertrained")}
    result.update(unseen)
    if unseen["unseen_final"] >= unseen["unseen_undertrained"]:
        text += (" Where the final model knows least, the gap closes: for unseen concepts its median epistemic "
                 "entropy, {unseen_final:.0f} nats, is already at least the under-trained model's "
                 "({unseen_undertrained:.0f}); training longer cannot teach a concept the data never show.")
    else:
        text += (" For unseen concepts the medians are {unseen_final:.0f} nats (final) and {unseen_undertrained:.0f} "
                 "(under-trained).")
levels = [k for k in ("common", "rare", "held_out", "unseen") if k in set(paired["knowledge"])]
if {"common", "rare", "held_out"} <= set(levels):
    result.update({f"final_{k}": saved.number(file, "final", where={"knowledge": k}, aggregate="median")
                   for k in levels})
    known = max(result["final_common"], result["final_rare"])
    text += (" By knowledge level (table above), the final model's median is {final_common:.0f} nats for common, "
             "{final_rare:.0f} for rare and {final_held_out:.0f} for held-out concepts"
             + (", {final_unseen:.0f} for unseen ones" if "unseen" in levels else "")
             + ": held-out combinations of familiar concepts are "
             + ("no more uncertain than rare ones" if result["final_held_out"] <= known else "more uncertain than both")
             + ("; the fall of epistemic entropy with exposure comes mostly from the concept never seen."
                if "unseen" in levels and result["final_unseen"] > max(known, result["final_held_out"]) else "."))
takeaway(text, **result)

# %% tags=["remove-input"]
fragment, quotes = quoted_tau("t", artifacts.CALIBRATION, {"uncertainty": "total", "accuracy": "cosine"})
quotes["tasks"] = saved.number(artifacts.CALIBRATION_SUMMARY, key="tasks")
text = (f"**Summary.** Over {{tasks:.0f}} tasks, total uncertainty against cosine accuracy has tau {fragment}: "
        f"{'calibrated' if interval_verdict(*interval_of(quotes, 't')) == 'lies below 0' else 'not shown to be calibrated'} in the "
        "paper's sense.")
direct, found = direct_vs_total("cosine", "cos")
quotes.update(found)
text += (f" The direct total scores {direct} on the same accuracy: {lead(quotes, 'cos')}"
         + (", partly built in (section 2)." if lead(quotes, "cos") == "a clear lead" else " (section 2)."))
if settings.toy_world:
    for key, check in [("es", "epistemic vs training exposure (fully specified prompts)"),
                       ("ae", "aleatoric vs training exposure")]:
        quotes[key] = saved.number(artifacts.TRUTH_RECOVERY, "tau", where={"check": check})
        quotes[f"{key}_v"] = interval_verdict(*(saved.number(artifacts.TRUTH_RECOVERY, bound, where={"check": check})
                                                for bound in ("ci_low", "ci_high")))
    quotes["share"] = saved.number(artifacts.CALIBRATION_SUMMARY, key="epistemic_by_checkpoint.share_higher_when_undertrained")
    es_text = "{es:+.2f}" if np.isfinite(quotes["es"]) else "undefined"
    text += (f" In the toy world, on fully specified prompts the epistemic entropy against exposure has tau {es_text} "
             "(interval {es_v}); the under-trained checkpoint is more uncertain on {share:.0%} of them; and the "
             "aleatoric entropy against exposure has tau {ae:+.2f} (interval {ae_v}), "
             + ("a dependence it should not have." if quotes["ae_v"] != "includes 0" else "no clear dependence, as it should be."))
takeaway(text, **quotes)

# %% [markdown] tags=["exercise"]
# ## Exercises
#
# **Exercise 1 (Kendall's $\tau$ by hand).** The five tasks in `toy_pairs` below have uncertainties
# `u = 1, 2, 3, 4, 5` and accuracies `a = 0.8, 0.9, 0.5, 0.6, 0.2`. Go through the ten pairs: how many are
# concordant, how many discordant? Form $\tau = (C - D)/10$ and compare it with `stats.kendalltau`. Set
# `answer = (concordant, discordant)`.

# %% tags=["solution"]
toy_pairs = pd.DataFrame({"u": [1, 2, 3, 4, 5], "a": [0.8, 0.9, 0.5, 0.6, 0.2]})
signs = [np.sign(toy_pairs["u"][i] - toy_pairs["u"][j]) * np.sign(toy_pairs["a"][i] - toy_pairs["a"][j])
         for i in range(5) for j in range(i + 1, 5)]
answer = (signs.count(1), signs.count(-1))
print(f"by hand: tau = {(answer[0] - answer[1]) / 10:+.2f}; scipy: {stats.kendalltau(toy_pairs['u'], toy_pairs['a']).statistic:+.2f}")
exercises.check_pair_counts(answer, [1, 2, 3, 4, 5], [0.8, 0.9, 0.5, 0.6, 0.2])

# %% [markdown] tags=["exercise"]
# **Exercise 2 (predict, then run).** A calibrated model: `simulated_u` are uncertainties of 50 tasks and
# `simulated_a` accuracies that fall as uncertainty rises, plus noise (the cell below draws them). Before running it,
# predict the sign of $\tau(u, a)$: `"negative"`, `"zero"` or `"positive"`?

# %% tags=["solution"]
rng = np.random.default_rng(0)
simulated_u = rng.uniform(0, 1, 50)
simulated_a = 1 - simulated_u + rng.normal(0, 0.2, 50)
answer = "negative"  # the more uncertain task of a pair is the less accurate: the pair is discordant
exercises.check_calibrated_sign(answer, simulated_u, simulated_a)

# %% [markdown] tags=["exercise"]
# **Exercise 3 (on the saved table).** Section 4 asks whether the epistemic entropy falls with *exposure* on the
# fully specified prompts. Ask the paper's question there instead: on the tasks with `vagueness == 0` of `table`
# (in the toy world; on real clips, all tasks), compute Kendall's $\tau$ of `epistemic` against `cosine` accuracy.
# Is it negative? Compare it with the epistemic $\tau$ over all tasks in section 2.

# %% tags=["solution"]
chosen = table[table["vagueness"] == 0] if "vagueness" in table else table
answer = stats.kendalltau(chosen["epistemic"], chosen["cosine"]).statistic
exercises.check_specified_epistemic_tau(answer, table)
