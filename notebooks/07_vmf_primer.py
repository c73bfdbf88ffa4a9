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
# # 07 · A primer on von Mises-Fisher distributions
#
# S-QUBED measures uncertainty as the **entropy of a distribution on a sphere**. Prompts
# and videos are embedded as vectors, the vectors are scaled to unit length, and the spread
# of a cloud of unit vectors is summarised by fitting a **von Mises-Fisher (vMF)**
# distribution: the sphere's analogue of an isotropic Gaussian. This notebook builds the
# intuition and shows the three numerical traps that an implementation must avoid at the
# dimensions the paper uses (text embeddings of 384 dimensions, video embeddings of 512).
#
# It needs only probability: densities, entropy, maximum likelihood. Everything it uses
# lives in `squbed_utils.vmf`.
#
# **Reading map.**
# *Where it sits in the paper:* step 4 of the method, the entropy estimator behind every number of S-QUBED
# (the aleatoric, epistemic and total entropies are entropies of vMF fits), and the estimator's bias with few
# samples, which the paper does not discuss.
# *What it needs:* nothing from earlier notebooks (it draws its own synthetic data); notebook 04 uses its
# concepts in compact form and points here for depth.
# *Time:* about 20 minutes to read; about 10 seconds to run on the default profile (a few seconds on `tiny`).
# *Saves:* four figures and one small table, `vmf_kappa_bias.csv` (the estimator's bias of section 5).

# %% tags=["parameters"]
profile = "default"  # Papermill parameter: tiny | default | paper

# %%
import ipywidgets as widgets
import numpy as np
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from scipy import special, stats

from squbed_utils import artifacts, vmf
from squbed_utils.course import vmf_primer as exercises
from squbed_utils.notebook import controls
from squbed_utils.plots import save_figure, set_style
from squbed_utils.profiles import get_profile
from squbed_utils.takeaways import SavedResults, takeaway

settings = get_profile(profile)
rng = np.random.default_rng(settings.seed)
set_style()
saved = SavedResults(settings)

# %% [markdown]
# ## 1 · The density
#
# On the unit sphere $S^{d-1} = \{x \in \mathbb{R}^d : \lVert x \rVert = 1\}$ the vMF density with
# mean direction $\mu$ and concentration $\kappa \ge 0$ is
#
# $$
# f(x \mid \mu, \kappa) = C_d(\kappa)\, e^{\kappa\, \mu^\top x},
# \qquad
# \log C_d(\kappa) = \left(\tfrac d2 - 1\right)\log\kappa - \tfrac d2 \log(2\pi) - \log I_{d/2-1}(\kappa),
# $$
#
# where $I_\nu$ is the modified Bessel function of the first kind. At $\kappa = 0$ it is the
# uniform distribution on the sphere; as $\kappa$ grows the mass gathers in a cap around $\mu$.
# On the ordinary sphere ($d = 3$) we can simply look at it:

# %%
kappas_to_show = [1, 10, 100]
north = np.array([0.0, 0.0, 1.0])
fig = plt.figure(figsize=(12, 4))
for panel, kappa in enumerate(kappas_to_show, start=1):
    points = vmf.sample(north, kappa, 600, rng=rng)
    ax = fig.add_subplot(1, 3, panel, projection="3d")
    ax.scatter(*points.T, s=4, alpha=0.6)
    ax.set_title(f"$\\kappa$ = {kappa}")
    ax.set_box_aspect((1, 1, 1))
    ax.set_xlim(-1, 1), ax.set_ylim(-1, 1), ax.set_zlim(-1, 1)
    ax.set_xticks([]), ax.set_yticks([]), ax.set_zticks([])
fig.suptitle("600 draws from a vMF on $S^2$ around the north pole")
save_figure(fig, "vmf_samples_sphere", settings);

# %% tags=["remove-input"]
cosines = {kappa: float(vmf.bessel_ratio(kappa, 3)) for kappa in kappas_to_show}
takeaway("At $\\kappa$ = 1 the draws cover the whole sphere; at $\\kappa$ = 100 they sit in a small cap around the "
         "pole. The mean cosine to the pole, $A_3(\\kappa) = \\mathbb{{E}}[\\mu^\\top x]$, is {a1:.2f}, {a10:.2f} and "
         "{a100:.2f} for $\\kappa$ = 1, 10, 100 (computed with `vmf.bessel_ratio`).",
         a1=cosines[1], a10=cosines[10], a100=cosines[100])

# %% [markdown]
# ## 2 · Entropy: how much of the sphere the distribution covers
#
# The differential entropy $h = -\mathbb{E}[\log f(X)]$ of a vMF has a closed form: with
# $\log f(x) = \log C_d(\kappa) + \kappa\,\mu^\top x$ and $\mathbb{E}[\mu^\top X] = A_d(\kappa)$,
#
# $$
# h(\kappa) = -\log C_d(\kappa) - \kappa\, A_d(\kappa),
# \qquad
# A_d(\kappa) = \frac{I_{d/2}(\kappa)}{I_{d/2-1}(\kappa)} = \mathbb{E}[\mu^\top x],
# $$
#
# and it decreases from $\log \lvert S^{d-1}\rvert = \log\!\big(2\pi^{d/2}/\Gamma(d/2)\big)$ (uniform) towards
# $-\infty$ (a point). Two facts surprise newcomers:
#
# * **Entropies are negative and huge in high dimension.** A differential entropy is a log *volume*: the
#   uniform density on a set of area $|S|$ has $h = \log |S|$. The unit sphere in $d$ dimensions is small: by
#   Stirling's formula its area is about $(2\pi e/d)^{(d-1)/2}$, as if it were a box of $d - 1$ sides, each of
#   length $\sqrt{2\pi e/d}$, shorter than 1 once $d > 17$. A product of hundreds of factors below 1 has a
#   logarithm of hundreds of negative nats (computed below), and a vMF that covers only a cap of the
#   sphere is lower still. The paper's totals of $-2300$ to $-1800$ nats are normal, not a bug.
# * **What a rank correlation does and does not ignore.** S-QUBED scores calibration with Kendall's $\tau$
#   across tasks, which sees only the *order* of one score: an increasing transformation applied to every
#   task alike (a shift, a rescaling) changes nothing. That does not make the scales irrelevant. The total
#   $T = A + E$ adds two entropies from two different spaces, and the order of a sum follows the summand that
#   spreads more across tasks: the scales of $A$ and $E$ decide the ranking of $T$. Notebook 04 measures both
#   spreads on the run and shows which component the total follows.
#
# The right panel divides by $d - 1$ (the sphere's dimension) to put all sizes on one scale.

# %% tags=["remove-input"]
area = {d: float(vmf.log_sphere_area(d)) for d in (3, 384, 512)}
box = {d: (d - 1) / 2 * np.log(2 * np.pi * np.e / d) for d in (384, 512)}
takeaway("The log area of the unit sphere is {a3:.2f} nats in $d$ = 3, but {a384:.0f} in $d$ = 384 and {a512:.0f} in "
         "$d$ = 512 (the box rule above gives {b384:.0f} and {b512:.0f}): the entropy of the *uniform* distribution, "
         "the most spread a distribution on the sphere can be, is already hundreds of nats below zero.",
         a3=area[3], a384=area[384], a512=area[512], b384=box[384], b512=box[512])

# %%
kappa_grid = np.logspace(-2, 5, 300)
dims = [3, 64, 384, 512]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.semilogx(kappa_grid, vmf.entropy(kappa_grid, 3), label="$h(\\kappa)$, $d=3$")
left.axhline(vmf.log_sphere_area(3), color="grey", ls="--", label="log area of $S^2$ (uniform)")
left.set(xlabel="concentration $\\kappa$", ylabel="entropy (nats)", title="Entropy falls as $\\kappa$ grows")
left.legend()
for d in dims:
    per_dim = (vmf.entropy(kappa_grid, d) - vmf.log_sphere_area(d)) / (d - 1)
    right.semilogx(kappa_grid, per_dim, label=f"d = {d}")
right.set(xlabel="concentration $\\kappa$", ylabel="$(h - \\log|S^{d-1}|)\\,/\\,(d-1)$",
          title="Nats below uniform, per dimension")
right.legend()
save_figure(fig, "vmf_entropy_vs_kappa", settings);

# %% tags=["remove-input"]
drop = {d: float(vmf.entropy(1e4, d) - vmf.log_sphere_area(d)) for d in (3, 512)}
takeaway("Entropy falls steadily once $\\kappa$ exceeds the dimension. At $\\kappa = 10^4$ a vMF on $S^2$ lies "
         "{drop3:.1f} nats below the uniform distribution, and one in $d$ = 512 lies {drop512:.0f} nats below it: "
         "per dimension (right panel) the curves for different $d$ have the same shape, shifted, because the "
         "cap only starts to shrink once $\\kappa$ is comparable to $d$.", drop3=-drop[3], drop512=-drop[512])

# %% [markdown]
# ## 3 · Trap one: the Bessel function overflows
#
# Written naively, $\log C_d(\kappa)$ needs $I_{d/2-1}(\kappa)$ itself. At $d = 512$ that is $I_{255}$, which
# is below the smallest double for $\kappa \lesssim 30$ and above the largest double for large $\kappa$:
# the naive logarithm returns $-\infty$ or $+\infty$ over most of the range we need. `squbed_utils.vmf`
# evaluates $\log I_\nu(\kappa)$ directly (exponentially scaled Bessel functions where they are
# representable, a uniform asymptotic expansion elsewhere), and the tests check it against 50-digit
# arithmetic (mpmath) for $d$ up to 8192 and $\kappa$ from `1e-8` to `1e7`.

# %%
nu = 255.0
kappa_span = np.logspace(-2, 4, 400)
with np.errstate(divide="ignore", over="ignore"):
    naive = np.log(special.iv(nu, kappa_span))
stable = vmf.log_bessel_iv(nu, kappa_span)
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogx(kappa_span, stable, label="stable $\\log I_{255}(\\kappa)$", lw=3)
ax.semilogx(kappa_span, np.where(np.isfinite(naive), naive, np.nan), "--", label="naive log(iv), where finite")
broken = ~np.isfinite(naive)
ax.scatter(kappa_span[broken], np.zeros(broken.sum()), marker="|", color="C3", label="naive gives $\\pm\\infty$")
ax.set(xlabel="$\\kappa$", ylabel="$\\log I_{255}(\\kappa)$", title="The normaliser at d = 512")
ax.legend()
save_figure(fig, "vmf_bessel_overflow", settings)
print(f"naive log(iv) is infinite on {broken.mean():.0%} of this range; the stable one on 0%")

# %% [markdown]
# The red ticks mark where the naive formula breaks: at both ends of the range, and in particular for the
# large $\kappa$ of tight embedding clouds. The stable curve is finite everywhere.
#
# ## 4 · Trap two: off-the-shelf fitting fails silently
#
# `scipy.stats.vonmises_fisher` is excellent in low dimension, but at the dimensions of embedding
# models its `fit` returns a concentration of `1e-8` (the uniform distribution) however tight the cloud, and
# its `entropy` can return NaN. Nothing warns. Below, both fit the same tight cloud of 10 points
# (true $\kappa = 5d$):

# %%
rows = []
for d in [3, 64, 128, 512]:
    mu = np.eye(d)[0]
    cloud = vmf.sample(mu, 5.0 * d, 10, rng=rng)
    with np.errstate(invalid="ignore"):
        scipy_kappa = stats.vonmises_fisher.fit(cloud)[1]
    rows.append({"dimension": d, "true kappa": 5.0 * d,
                 "kappa, squbed_utils": vmf.fit(cloud).kappa, "kappa, scipy fit": scipy_kappa})
fits = pd.DataFrame(rows).set_index("dimension")
fits.style.format("{:.3g}")

# %% tags=["remove-input"]
failed = [d for d, row in fits.iterrows() if not row["kappa, scipy fit"] > 1e-3 * row["true kappa"]]
takeaway("scipy's fit {verdict}; `squbed_utils.vmf.fit` finds a concentration of the right order at every "
         "dimension (above the truth, for the reason of section 5).",
         verdict=(f"returns a concentration near zero, the uniform distribution, at d = {', '.join(map(str, failed))}"
                  if failed else "works at every dimension of this table on this scipy version"))

# %% [markdown]
# ## 5 · Trap three: few samples in many dimensions
#
# The concentration is estimated from the **mean resultant length** $\bar r = \lVert \tfrac1n \sum_i x_i \rVert$,
# by solving $A_d(\hat\kappa) = \bar r$ (the maximum-likelihood equation; Sra 2012 refines Banerjee et al.'s
# closed form $\hat\kappa \approx \bar r (d - \bar r^2) / (1 - \bar r^2)$ with Newton steps).
#
# S-QUBED fits each vMF to only $n = 10$ points in 384 or 512 dimensions. Even **uniform** data then has
# $\bar r \approx 1/\sqrt{n}$, not 0, because ten random directions never cancel exactly ($\mathbb{E}[\bar r^2] = 1/n$
# for independent uniform directions); the estimator reads that as concentration. Small true concentrations
# are then all estimated at about the same value, so differences between tasks are compressed. The paper does
# not discuss this; it is worth knowing before reading any absolute entropy. The figure's medians are saved in
# `vmf_kappa_bias.csv`, with the value that Banerjee's formula gives at $\bar r = 1/\sqrt{n}$.

# %%
d = 512
true_kappa = np.logspace(0, 4, 9)
sample_sizes = [10, 100, 1000]
records = []
for n_points in sample_sizes:
    for kappa in true_kappa:
        clouds = np.stack([vmf.sample(np.eye(d)[0], kappa, n_points, rng=rng)
                           for _ in range(settings.monte_carlo_repeats)])
        estimate = vmf.fit(clouds).kappa
        records += [{"n": n_points, "true kappa": kappa, "estimated kappa": k} for k in estimate]
bias = pd.DataFrame(records)
summary = bias.groupby(["n", "true kappa"])["estimated kappa"].median().unstack("n")

fig, ax = plt.subplots(figsize=(6.5, 4.5))
for n_points in sample_sizes:
    ax.loglog(summary.index, summary[n_points], "o-", label=f"n = {n_points} points")
ax.loglog(true_kappa, true_kappa, "k--", label="unbiased")
ax.set(xlabel="true $\\kappa$", ylabel="median estimated $\\hat\\kappa$",
       title=f"Estimating $\\kappa$ on $S^{{{d - 1}}}$ ({settings.monte_carlo_repeats} repeats)")
ax.legend()
save_figure(fig, "vmf_kappa_estimation_bias", settings);

# the figure's numbers, saved so that the text below quotes them
uniform_r = 1 / np.sqrt(summary.columns.to_numpy(dtype=float))
kappa_bias = (summary.stack().rename("median_estimate").reset_index()
              .rename(columns={"true kappa": "true_kappa"})
              .assign(d=d, repeats=settings.monte_carlo_repeats))
kappa_bias["relative_bias"] = kappa_bias["median_estimate"] / kappa_bias["true_kappa"] - 1
kappa_bias["within_25_percent"] = kappa_bias["relative_bias"].abs() <= 0.25
kappa_bias["uniform_floor"] = kappa_bias["n"].map(dict(zip(summary.columns, uniform_r * (d - uniform_r**2)
                                                         / (1 - uniform_r**2))))
settings.artifacts_dir.mkdir(parents=True, exist_ok=True)
kappa_bias = kappa_bias[["d", "n", "true_kappa", "median_estimate", "relative_bias", "within_25_percent",
                         "uniform_floor", "repeats"]]
kappa_bias.to_csv(settings.artifacts_dir / artifacts.VMF_KAPPA_BIAS, index=False)

# %% tags=["remove-input"]
floor = {n: saved.number(artifacts.VMF_KAPPA_BIAS, "median_estimate", where={"n": n}, aggregate="min") for n in sample_sizes}
predicted = {n: saved.number(artifacts.VMF_KAPPA_BIAS, "uniform_floor", where={"n": n}, aggregate="max") for n in sample_sizes}
display(takeaway(
    "With $n$ = 10 points the median estimate never goes below **{f10:.0f}**, whatever the truth (the lowest "
    "true $\\kappa$ here is 1): that is the estimator's reading of pure chance, close to the {p10:.0f} that "
    "Banerjee's formula gives at $\\bar r = 1/\\sqrt{{10}}$. The floor falls roughly as $d/\\sqrt{{n}}$: {f100:.0f} "
    "with $n$ = 100, {f1000:.0f} with $n$ = 1000.", f10=floor[10], p10=predicted[10], f100=floor[100], f1000=floor[1000]))
followed = {n: saved.number(artifacts.VMF_KAPPA_BIAS, "true_kappa", where={"n": n, "within_25_percent": True}, aggregate="min")
            for n in sample_sizes if kappa_bias.loc[kappa_bias["n"] == n, "within_25_percent"].any()}
if 10 in followed and 1000 in followed:
    display(takeaway("Within 25% of the truth, the median estimate follows it from a true $\\kappa$ of about "
                     "{t10:.0f} up with $n$ = 10, and from {t1000:.0f} up with $n$ = 1000; below that, different true "
                     "concentrations come out at about the same estimate.", t10=followed[10], t1000=followed[1000]))
else:
    display(takeaway("On this grid the median estimate with {sizes} points is never within 25% of the truth.",
                     sizes=" or ".join(str(n) for n in sample_sizes if n not in followed)))

# %% [markdown]
# For S-QUBED this means that the entropy of a very vague prompt and of a merely vague one may come out close.
#
# **What ranking tasks fixes, and what it does not.** The bias depends on $n$, $d$ and the true $\kappa$.
# Among tasks fitted with the same $n$ and $d$, the median estimate still rises with the true $\kappa$ (the curves
# above are increasing), so a rank correlation keeps their order *on average*: a bias common to all tasks
# does not matter to Kendall's $\tau$. What ranking does not fix: (1) below the floor the curve is flat, so tasks
# whose true concentrations differ come out in an order set by sampling noise, and the differences the method
# should detect are compressed or lost; (2) a comparison or a sum across fits of different $n$ or $d$ carries
# the bias: $A$ fits $n$ refined prompts in 384 dimensions, $E$ fits $m$ videos per refined prompt in 512, the
# direct total of notebook 04 fits $n m$ videos, and tasks with fewer refined prompts have a higher floor than
# the rest. Notebook 09 measures how the conclusions move with $n$ and $m$.
#
# ## 6 · Explore: $\kappa$, $d$ and $n$
#
# `explore_vmf` draws $n$ points from a vMF with concentration $\kappa$ in $d$ dimensions, fits them, and shows the
# cosines of the draws to the true mean direction (left; the dashed line is their expectation $A_d(\kappa)$) and
# the entropy curve of that dimension with the true and the fitted $\kappa$ (right). Below it is drawn once with its
# defaults; in Jupyter, the cell after it gives sliders. Try $d = 3$ against $d = 512$ at the same $\kappa$, and
# $n = 10$ against $n = 1000$ at small $\kappa$.

# %%
def explore_vmf(kappa=100.0, d=512, n=10):
    """Draw n points from a vMF(kappa) on S^(d-1), fit them; return a figure of where they lie and what the fit says."""
    draws = vmf.sample(np.eye(d)[0], kappa, n, rng=np.random.default_rng(settings.seed))
    fitted = float(vmf.fit(draws).kappa)
    grid = np.logspace(-1, 5, 200)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.hist(draws[:, 0], bins=np.linspace(-1, 1, 81), color="C0", alpha=0.8)
    left.axvline(float(vmf.bessel_ratio(kappa, d)), color="k", ls="--", label="$A_d(\\kappa)$")
    left.set(xlabel="cosine to the mean direction, $\\mu^\\top x$", ylabel="draws", title=f"{n} draws, d = {d}")
    left.legend()
    right.semilogx(grid, vmf.entropy(grid, d), color="grey")
    right.plot([kappa], [vmf.entropy(kappa, d)], "ko", label=f"true $\\kappa$ = {kappa:.3g}")
    right.plot([fitted], [vmf.entropy(fitted, d)], "C3s", label=f"fitted $\\hat\\kappa$ = {fitted:.3g}")
    right.set(xlabel="$\\kappa$", ylabel="entropy (nats)",
              title=f"h: {float(vmf.entropy(kappa, d)):.0f} true, {float(vmf.entropy(fitted, d)):.0f} fitted")
    right.legend()
    fig.tight_layout()
    plt.close(fig)  # shown once, as the returned value
    return fig


explore_vmf()

# %% tags=["remove-output"]
controls(explore_vmf,
         kappa=widgets.FloatLogSlider(value=100.0, base=10, min=-1, max=4, step=0.1, description="kappa"),
         d=widgets.Dropdown(options=[3, 16, 128, 512], value=512, description="d"),
         n=widgets.Dropdown(options=[2, 5, 10, 100, 1000], value=10, description="n"))

# %% [markdown]
# ## Summary
#
# * A vMF is the sphere's isotropic Gaussian; its entropy is a log volume, hundreds of nats below zero on the
#   spheres of embedding models, where even the uniform distribution has a large negative entropy.
# * Evaluate $\log I_\nu$ directly; never form $I_\nu$. Do not trust a library's vMF fit in hundreds of
#   dimensions without checking it.
# * With $n \ll d$ the concentration is biased upward, with a floor that depends on $n$ and $d$ (quoted below).
#   Ranking tasks keeps the order of tasks fitted alike, but neither restores differences below the floor nor
#   removes the bias from sums or comparisons of fits with different $n$ or $d$.

# %% tags=["remove-input"]
takeaway("On this run, with $d$ = 512: the floor of the median $\\hat\\kappa$ is {f10:.0f} for $n$ = 10 and "
         "{f1000:.0f} for $n$ = 1000 points.", f10=floor[10], f1000=floor[1000])

# %% [markdown] tags=["exercise"]
# ## Exercises
#
# **1 · Doubling the concentration (predict, then compute).** A vMF with large $\kappa$ is close to a Gaussian
# of variance $1/\kappa$ in each of the $d - 1$ directions of the sphere. Predict from that how much the entropy
# changes when $\kappa$ doubles, at $d = 512$ and $\kappa = 1000$ (about twice $d$). Then compute the exact change
# $h(2\kappa) - h(\kappa)$ with `vmf.entropy` and set `answer` to it. Is the prediction close? Why not exactly?

# %% tags=["solution"]
answer = float(vmf.entropy(2 * 1000.0, 512) - vmf.entropy(1000.0, 512))
exercises.check_entropy_change_when_kappa_doubles(answer, kappa=1000.0, dim=512)

# %% [markdown] tags=["exercise"]
# **2 · The concentration of nothing.** Draw $n = 10$ points *uniformly* on the sphere in $d = 512$ dimensions
# (normalised standard normal vectors, or `vmf.sample` with $\kappa = 0$), fit one vMF to them with `vmf.fit`, and
# set `answer` to its `kappa`. The true concentration is 0. Before you run it: what do you expect, and why?
# Compare with section 5's floor.

# %% tags=["solution"]
points = vmf.sample(np.eye(512)[0], 0.0, 10, rng=np.random.default_rng(settings.seed))
answer = float(vmf.fit(points).kappa)
exercises.check_uniform_kappa_estimate(answer, dim=512, n=10)

# %% [markdown] tags=["exercise"]
# **3 · Does ranking fix the bias?** Someone argues: "the estimator's bias does not matter, because S-QUBED only
# ranks tasks." Give one situation in which that is right, and two in which it is not. (Use section 5's figure.)

# %% [markdown] tags=["solution"]
# *Model answer.* It is right when every task is fitted with the same $n$ and $d$ and the true concentrations are
# above the floor: the median estimate is an increasing function of the true $\kappa$, so a bias shared by all
# tasks leaves their order, and Kendall's $\tau$, unchanged. It is wrong (1) below the floor, where the curve is
# flat: tasks with different true concentrations get about the same estimate and their order is left to sampling
# noise, so real differences are compressed; (2) when fits of different sizes or dimensions are compared or
# added: a task with fewer refined prompts has a higher floor, the aleatoric and epistemic entropies are fitted
# to different numbers of points in different dimensions, so their sum, and the comparison with the direct
# total, carry biases that do not cancel in a ranking.
