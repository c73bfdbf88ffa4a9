"""squbed_utils: the shared package behind the S-QUBED companion notebooks.

S-QUBED (Mei, Shorinwa, Majumdar, arXiv 2510.02571) quantifies the uncertainty
of a text-to-video model and splits it into an aleatoric part (the prompt is
vague) and an epistemic part (the model lacks knowledge).

Modules, from the foundations up
--------------------------------
seeds         every seed of a run derived from the profile's one root seed; the stream salts.
validation    shared input checks (positive integers, sample sizes, prompts).
runtime       local folders or hub ids, devices, torch threads.
store         atomic writes, fingerprints, the per-item cache of generated items.
checkpoints   the one checkpoint format (config.json + model.safetensors).
profiles      the tiny / default / study / paper settings: sizes, seeds, models, output folders.
vmf           von Mises-Fisher distributions: stable log-normaliser, entropy, estimators, sampling.
entropy       set-entropy estimators: vMF, small-sample corrected vMF, Gaussian log-det, nearest neighbour.
uncertainty   the S-QUBED decomposition (aleatoric, epistemic, total, direct total).
baselines     simpler uncertainty numbers S-QUBED should beat (pairwise cosine spread).
calibration   Kendall's tau, bootstrap intervals, ECE/MCE and baselines.
world         the toy world: procedural clips, captions, tasks with known truth, checker.
clipio        reading, resampling and writing video clips.
manifests     real-clip task manifests: validation and cached ground-truth clips.
subsets       Panda-70M / VidGen-1M style subsets with the paper's category mix.
prompts       latent prompt generators (toy grammar, LLM).
embedders     text and video embedders.
generators    video generators (the toy diffusion model and its knowledge ladder, the perfect model, diffusers pipelines).
evaluation    the toy world's measurements of a generator's knowledge (measured ignorance) and an embedding space.
accuracy      accuracy of generated videos against ground truth.
pipeline      S-QUBED on a task table, cached per item; distributed: the same on Ray.
study         helpers of the truth and sensitivity study (notebooks 08-10).
artifacts     the names of a run's saved results and the per-task tables built from them.
backends      which tasks, models and embedders a profile uses.
plots         one figure style; figures saved by name as PNG and PDF.
figure_index  figures/README.md: which notebook and section draws each figure.
"""

__version__ = "0.1.0"
