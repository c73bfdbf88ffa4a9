"""squbed_utils: the shared package behind the S-QUBED companion notebooks.

S-QUBED (Mei, Shorinwa, Majumdar, arXiv 2510.02571) quantifies the uncertainty
of a text-to-video model and splits it into an aleatoric part (the prompt is
vague) and an epistemic part (the model lacks knowledge).

Modules
-------
vmf          von Mises-Fisher distributions on the unit sphere: stable
             log-normaliser, entropy, concentration estimators, sampling.
uncertainty  the S-QUBED decomposition (aleatoric, epistemic, total).
calibration  Kendall's tau, bootstrap intervals, ECE/MCE and baselines.
world        the toy world: procedural clips, captions, tasks with known truth, checker.
profiles     the tiny / default / paper settings shared by all notebooks.
plots        one figure style; figures saved by name as PNG and PDF.
"""

__version__ = "0.1.0"
