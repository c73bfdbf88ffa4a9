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

# %% tags=["parameters"]
profile = "default"  # Papermill parameter: tiny | default | paper

# %%
import numpy as np
import matplotlib.pyplot as plt
import pandas as pd
from scipy import special, stats

from squbed_utils import vmf
from squbed_utils.plots import save_figure, set_style
from squbed_utils.profiles import get_profile

settings = get_profile(profile)
rng = np.random.default_rng(settings.seed)
set_style()

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

# %% [markdown]
# ## 2 · Entropy: how much of the sphere the distribution covers
#
# The differential entropy of a vMF has a closed form,
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
# * **Entropies are negative and huge in high dimension.** A differential entropy is a log *volume*;
#   a cap that covers a tiny fraction of a 511-dimensional sphere has a log volume of hundreds of
#   negative nats. The paper's totals of about $-2000$ nats are normal, not a bug.
# * **Only the order matters for calibration.** S-QUBED compares tasks with Kendall's rank
#   correlation, so the scale of the entropies is irrelevant; what matters is that a more spread
#   cloud gets a higher entropy.
#
# The right panel divides by $d - 1$ (the sphere's dimension) to put all sizes on one scale.

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

# %% [markdown]
# ## 3 · Trap one: the Bessel function overflows
#
# Written naively, $\log C_d(\kappa)$ needs $I_{d/2-1}(\kappa)$ itself. At $d = 512$ that is $I_{255}$, which
# is below the smallest double for $\kappa \lesssim 30$ and above the largest double for large $\kappa$:
# the naive logarithm returns $-\infty$ or $+\infty$ over most of the range we need. `squbed_utils.vmf`
# evaluates $\log I_\nu(\kappa)$ directly (exponentially scaled Bessel functions where they are
# representable, a uniform asymptotic expansion elsewhere), and the tests check it against 50-digit
# arithmetic (mpmath) for $d$ up to 8192 and $\kappa$ from $10^{-8}$ to $10^{7}$.

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
# ## 4 · Trap two: off-the-shelf fitting fails silently
#
# `scipy.stats.vonmises_fisher` is excellent in low dimension, but at the dimensions of embedding
# models its `fit` returns $\kappa = 10^{-8}$ (the uniform distribution) however tight the cloud, and
# its `entropy` can return NaN. Nothing warns. Below, both fit the same tight cloud of 10 points:

# %%
rows = []
for d in [3, 64, 128, 512]:
    mu = np.eye(d)[0]
    cloud = vmf.sample(mu, 5.0 * d, 10, rng=rng)
    rows.append({"dimension": d,
                 "kappa, squbed_utils": vmf.fit(cloud).kappa,
                 "kappa, scipy fit": stats.vonmises_fisher.fit(cloud)[1]})
pd.DataFrame(rows).set_index("dimension").style.format("{:.3g}")

# %% [markdown]
# ## 5 · Trap three: few samples in many dimensions
#
# The concentration is estimated from the **mean resultant length** $\bar r = \lVert \tfrac1n \sum_i x_i \rVert$,
# by solving $A_d(\hat\kappa) = \bar r$ (the maximum-likelihood equation; Sra 2012 refines Banerjee et al.'s
# closed form $\hat\kappa \approx \bar r (d - \bar r^2) / (1 - \bar r^2)$ with Newton steps).
#
# S-QUBED fits each vMF to only $n = 10$ points in 384 or 512 dimensions. Even **uniform** data then has
# $\bar r \approx 1/\sqrt{n}$, not 0, because ten random directions never cancel exactly; the estimator reads
# that as a concentration of a few hundred. Small true concentrations are all estimated at about the same
# value, so differences between tasks are compressed. The paper does not discuss this; it is worth knowing
# before reading any absolute entropy.

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

# %% [markdown]
# With $n = 10$ the estimate cannot go below a floor of a few hundred, whatever the truth; with $n = 1000$
# it follows the truth down to $\kappa \approx 30$. For S-QUBED this means that the entropy of a very vague
# prompt and of a merely vague one may come out close. The sensitivity of the method's conclusions to $n$
# and $m$ is exactly the study that reviewers asked for and that later notebooks can run.
#
# ## Summary
#
# * A vMF is the sphere's isotropic Gaussian; its entropy is a log volume, negative in high dimension.
# * Evaluate $\log I_\nu$ directly; never form $I_\nu$.
# * Do not trust a library's vMF fit in hundreds of dimensions without checking it.
# * With $n \ll d$ the concentration is biased upward; compare tasks by rank, as the paper does.
