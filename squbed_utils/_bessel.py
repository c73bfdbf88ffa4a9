r"""Bessel-function kernels behind :mod:`squbed_utils.vmf` (private module).

Everything here works on 1-D float64 arrays with ``0 <= x < inf`` and removes
the factors that under- or overflow analytically, so that the vMF log
normaliser and entropy stay finite for orders ``nu = d/2 - 1`` in the
thousands and arguments up to ``1e7``:

* :func:`log_iv_over_pow` -- ``log(I_nu(x) / x^nu)``, optionally also divided
  by ``e^x``: the uniform asymptotic (Debye) expansion, DLMF 10.41.3 with up
  to :data:`DEBYE_TERMS` correction terms ``u_k`` (DLMF 10.41.10), where
  ``sqrt(nu^2 + x^2) >= DEBYE_MIN_R`` (about 36.6); the power series
  DLMF 10.25.2 for ``x <= 1``; ``scipy.special.ive`` in between.
* :func:`ratio_and_complement` -- ``A = I_{nu+1}(x) / I_nu(x)`` and ``1 - A``:
  the Debye expansions of ``I_nu`` and ``I_nu'`` (DLMF 10.41.3-4, with the
  ``v_k`` of DLMF 10.41.11) where ``x > nu``, the Gauss continued fraction
  (DLMF 10.33.1 iterated) where ``x <= max(nu, 1)``, a ratio of ``ive``
  values in the remaining corner.

The Debye coefficients are built once at import, in exact rational
arithmetic. Each element uses only as many terms as its ``sqrt(nu^2 + x^2)``
needs for a truncation error below :data:`DEBYE_TOL` (:data:`DEBYE_RADII`).
Accuracy, against 40-digit mpmath for ``nu = d/2 - 1`` with
``2 <= d <= 8192`` and ``1e-8 <= x <= 1e7`` (``tests/test_vmf.py``): about
``1e-15`` relative for ``log I_nu`` (absolute near its zeros), below
``1e-15`` relative for ``A`` and ``5e-14`` for ``1 - A``.

The public functions (:func:`squbed_utils.vmf.log_bessel_iv`,
:func:`~squbed_utils.vmf.bessel_ratio`, ...) validate and broadcast their
inputs and call into this module; nothing here validates.

References
----------
F. W. J. Olver, "The asymptotic expansion of Bessel functions of large
order", Phil. Trans. R. Soc. A 247 (1954); NIST DLMF 10.25, 10.33, 10.41.
"""

from fractions import Fraction

import numpy as np
from scipy import special

__all__ = [
    "CF_DEPTH",
    "DEBYE_MIN_R",
    "DEBYE_RADII",
    "DEBYE_TERMS",
    "DEBYE_TOL",
    "log_iv_over_pow",
    "ratio_and_complement",
]

_LOG_2PI = np.log(2.0 * np.pi)

# Number of correction terms u_k of the uniform asymptotic (Debye) expansion;
# with all of them it is accurate to 1e-17 wherever sqrt(nu^2 + x^2) >= ~36.5
# (DEBYE_MIN_R, computed below), and fewer suffice further out.
DEBYE_TERMS = 16
DEBYE_TOL = 1e-17
# Depth of the Gauss continued fraction for I_{nu+1}/I_nu, used where
# x <= max(nu, 1); its tail shrinks at least like 4^-depth there.
CF_DEPTH = 32


# ---------------------------------------------------------------------------
# Debye polynomials (DLMF 10.41.10-11), built exactly once at import.
# ---------------------------------------------------------------------------


def _debye_coefficients(n_terms):
    """Coefficients of u_k(p)/p^k and (v_k(p) - u_k(p))/p^k, k = 0..n_terms.

    Both are polynomials in q = p^2 (u_k and v_k have only the powers
    p^k, p^(k+2), ..., p^(3k)); row k of each returned matrix holds the
    coefficients of q^0..q^k. Dividing by p^k turns u_k(p)/nu^k into
    (u_k(p)/p^k) / sqrt(nu^2 + x^2)^k, which stays finite as nu -> 0 (where
    the expansion reduces to Hankel's large-argument expansion).
    """

    def deriv(poly):
        return [e * c for e, c in enumerate(poly)][1:] or [Fraction(0)]

    def mul(a, b):
        out = [Fraction(0)] * (len(a) + len(b) - 1)
        for i, ca in enumerate(a):
            for j, cb in enumerate(b):
                out[i + j] += ca * cb
        return out

    def add(a, b):
        n = max(len(a), len(b))
        return [(a[i] if i < len(a) else 0) + (b[i] if i < len(b) else 0) for i in range(n)]

    u = [[Fraction(1)]]
    for k in range(n_terms):
        # u_{k+1} = p^2 (1 - p^2) u_k' / 2 + (1/8) int_0^p (1 - 5 t^2) u_k(t) dt
        first = mul([0, 0, Fraction(1, 2), 0, Fraction(-1, 2)], deriv(u[k]))
        integrand = mul([1, 0, -5], u[k])
        second = [Fraction(0)] + [c / (8 * (e + 1)) for e, c in enumerate(integrand)]
        u.append(add(first, second))
    v_minus_u = [[Fraction(0)]]
    for k in range(1, n_terms + 1):
        # v_k - u_k = p (p^2 - 1) (u_{k-1} / 2 + p u_{k-1}')
        inner = add([c / 2 for c in u[k - 1]], [0] + deriv(u[k - 1]))
        v_minus_u.append(mul([0, -1, 0, 1], inner))

    def as_q_matrix(polys):
        mat = np.zeros((n_terms + 1, n_terms + 1))
        for k, poly in enumerate(polys):
            for e, c in enumerate(poly):
                if c:
                    mat[k, (e - k) // 2] = float(c)
        return mat

    return as_q_matrix(u), as_q_matrix(v_minus_u)


def _debye_radii(u_coef, vmu_coef, tol):
    """radii[K]: smallest r = sqrt(nu^2 + x^2) at which K terms reach `tol`.

    The first omitted term, k = K + 1, is at most max_q |P_k(q)| / r^k. It is
    held below tol / r rather than tol because V - U itself is O(1/r), and
    1 - A_d needs V - U to full relative accuracy.
    """
    q = np.linspace(0.0, 1.0, 1001)
    bounds = [
        max(np.abs(np.polyval(c[k::-1], q)).max() for c in (u_coef[k], vmu_coef[k]))
        for k in range(1, len(u_coef))
    ]
    return np.array([np.inf] + [(b / tol) ** (1.0 / k) for k, b in enumerate(bounds[1:], 1)])


_DEBYE_U_ALL, _DEBYE_VMU_ALL = _debye_coefficients(DEBYE_TERMS + 1)
# Terms 0..DEBYE_TERMS are summed; term DEBYE_TERMS + 1 only sizes the radii.
_DEBYE_U = _DEBYE_U_ALL[:-1, :-1]
_DEBYE_VMU = _DEBYE_VMU_ALL[:-1, :-1]
DEBYE_RADII = _debye_radii(_DEBYE_U_ALL, _DEBYE_VMU_ALL, DEBYE_TOL)
DEBYE_MIN_R = DEBYE_RADII[-1]


def _debye_sum(coef, t, q, n_terms):
    """sum_{k <= n_terms} t^k P_k(q) by nested Horner (P_k = row k of coef)."""
    total = np.zeros_like(t)
    for k in range(n_terms, -1, -1):
        poly = np.full_like(q, coef[k, k])
        for j in range(k - 1, -1, -1):
            poly *= q
            poly += coef[k, j]
        total *= t
        total += poly
    return total


def _debye_sums(nu, r, with_v):
    """U = sum_k u_k(p)/nu^k and, if with_v, V - U = sum_k (v_k - u_k)(p)/nu^k.

    Here p = nu/r, r = sqrt(nu^2 + x^2) >= DEBYE_MIN_R. Each element gets
    only as many terms as its r needs, which makes large arguments cheap.
    """
    # Terms needed: the number of radii (a decreasing sequence) exceeding r.
    n_terms = DEBYE_RADII.size - np.searchsorted(DEBYE_RADII[::-1], r, side="right")
    # Sort by term count once, so that each count is a contiguous slice.
    order = np.argsort(n_terms.astype(np.int8), kind="stable")  # radix sort
    ends = np.cumsum(np.bincount(n_terms, minlength=DEBYE_RADII.size))
    r_sorted = r[order]
    t = 1.0 / r_sorted
    q = (nu[order] / r_sorted) ** 2
    u_sorted = np.empty_like(t)
    vmu_sorted = np.empty_like(t)
    for n in np.flatnonzero(np.diff(ends, prepend=0)):
        seg = slice(ends[n - 1] if n else 0, ends[n])
        u_sorted[seg] = _debye_sum(_DEBYE_U, t[seg], q[seg], n)
        if with_v:
            vmu_sorted[seg] = _debye_sum(_DEBYE_VMU, t[seg], q[seg], n)
    u_sum = np.empty_like(r)
    u_sum[order] = u_sorted
    if not with_v:
        return u_sum, None
    vmu_sum = np.empty_like(r)
    vmu_sum[order] = vmu_sorted
    return u_sum, vmu_sum


# ---------------------------------------------------------------------------
# Bessel-function kernels. They take 1-D float arrays, 0 <= x < inf.
# ---------------------------------------------------------------------------


def log_iv_over_pow(nu, x, scaled):
    """log(I_nu(x) / x^nu), or g(nu, x) = log(I_nu(x) exp(-x) / x^nu) if scaled.

    Both are finite for 0 <= x < inf. Removing x^nu (and exp(x)) analytically
    rather than numerically means the callers never subtract nearly equal
    large numbers: log C_d = -(d/2) log 2pi - g - kappa and
    h = (d/2) log 2pi + g + kappa (1 - A_d).
    """
    out = np.empty_like(x)
    r = np.hypot(nu, x)
    debye = r >= DEBYE_MIN_R
    series = ~debye & (x <= 1.0)
    direct = ~debye & ~series

    if debye.any():
        n, z = nu[debye], x[debye]
        r_d = r[debye]
        u_sum, _ = _debye_sums(n, r_d, with_v=False)
        # DLMF 10.41.3 with nu*eta = r + nu log(x / (nu + r)); the x^nu and
        # e^x factors cancel analytically (r - x = nu^2 / (r + x)).
        exponent = n * n / (r_d + z) if scaled else r_d
        out[debye] = (
            exponent
            - n * np.log(n + r_d)
            - 0.5 * (_LOG_2PI + np.log(r_d))
            + np.log(u_sum)
        )
    if series.any():
        # Power series DLMF 10.25.2; for x <= 1 ten terms reach 1e-19.
        n, z = nu[series], x[series]
        y = 0.25 * z * z
        term = np.ones_like(z)
        total = np.zeros_like(z)
        for j in range(1, 11):
            term = term * y / (j * (n + j))
            total += term
        out[series] = np.log1p(total) - n * np.log(2.0) - special.gammaln(n + 1.0)
        if scaled:
            out[series] -= z
    if direct.any():
        # nu, x < DEBYE_MIN_R and x > 1: ive neither under- nor overflows.
        n, z = nu[direct], x[direct]
        out[direct] = np.log(special.ive(n, z)) - n * np.log(z) + (0.0 if scaled else z)
    return out


def ratio_and_complement(nu, x):
    """A = I_{nu+1}(x) / I_nu(x) and B = 1 - A, both to full relative accuracy.

    B is never formed as 1 - A where A is close to 1 (large x): there it comes
    from the Debye expansions of I_nu and I_nu' (DLMF 10.41.3-4) via
    A = I_nu'/I_nu - nu/x.
    """
    a = np.empty_like(x)
    b = np.empty_like(x)
    r = np.hypot(nu, x)
    debye = (x > nu) & (r >= DEBYE_MIN_R)
    cont_frac = ~debye & (x <= np.maximum(nu, 1.0))
    direct = ~debye & ~cont_frac

    if debye.any():
        n, z = nu[debye], x[debye]
        r_d = r[debye]
        u_sum, vmu_sum = _debye_sums(n, r_d, with_v=True)
        p = n / r_d
        s = z / r_d  # sqrt(1 - p^2), without cancellation
        # A = (V/U - p)/s, so 1 - A = (p - p^2/(1 + s) - (V - U)/U)/s, with
        # every piece positive at leading order.
        comp = (p * (1.0 + s - p) / (1.0 + s) - vmu_sum / u_sum) / s
        b[debye] = comp
        a[debye] = 1.0 - comp
    if cont_frac.any():
        # Gauss continued fraction x/(2(nu+1) + x^2/(2(nu+2) + ...)),
        # evaluated backwards (all terms positive, so stable).
        n, z = nu[cont_frac], x[cont_frac]
        z2 = z * z
        den = 2.0 * (n + CF_DEPTH)
        for j in range(CF_DEPTH - 1, 0, -1):
            den = 2.0 * (n + j) + z2 / den
        ratio = z / den
        a[cont_frac] = ratio
        b[cont_frac] = 1.0 - ratio  # x <= max(nu, 1) keeps ratio < 0.45
    if direct.any():
        # nu < x < DEBYE_MIN_R: A < 0.99, so 1 - A loses under two digits.
        n, z = nu[direct], x[direct]
        i0 = special.ive(n, z)
        i1 = special.ive(n + 1.0, z)
        a[direct] = i1 / i0
        b[direct] = (i0 - i1) / i0
    return a, b
