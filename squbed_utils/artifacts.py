"""What a run saves under ``artifacts/<profile>/``: the file names, and the tables the notebooks build from them.

Each notebook reads only what earlier ones saved, by these names:

==============================  ========  ==========================================================
name                            written   holds
==============================  ========  ==========================================================
:data:`TASKS`                   01        the task table (prompt, ground-truth clip, truth columns)
:data:`GENERATOR_ACCURACY`      02        the checker's accuracy of the toy model, per knowledge level
:data:`LATENT_PROMPTS`          03        one row per (task, refined prompt), with the key of its m videos
:data:`LATENT_PROMPTS_UNDERTRAINED`  03   the same for the under-trained checkpoint (fully specified tasks)
:data:`GENERATION`              03        which generator made the videos, n, m, seed
:data:`EMBEDDINGS`              04        text, video and reference embeddings (``.npy``)
:data:`UNCERTAINTY`             04        aleatoric, epistemic, total and direct total per task and embedder
:data:`UNCERTAINTY_UNDERTRAINED`  04      the same for the under-trained checkpoint
:data:`UNCERTAINTY_SUMMARY`     04        per embedder and component: mean, spread and Kendall tau with the total
:data:`ACCURACY`                05        accuracy metrics per task
:data:`CALIBRATION`             05        Kendall tau of every (uncertainty, accuracy) pair
:data:`CALIBRATION_SUBSETS`     05        the paper's subset analysis
:data:`TRUTH_RECOVERY`          05        each component against the toy world's truth
:data:`EPISTEMIC_BY_CHECKPOINT`  05       epistemic entropy of the final and the under-trained model
:data:`CALIBRATION_SUMMARY`     05        the headline numbers, as JSON
:data:`VMF_KAPPA_BIAS`          07        median vMF kappa estimate against the truth, per (n, true kappa), d = 512
:data:`LADDER_ACCURACY`         08        the checker's accuracy of every rung and the perfect model, per object
:data:`TRUTH_LADDER`            08        uncertainties and measured truth per (task, model of the ladder), the
                                          floor-corrected epistemic, and whether each is above the next model's
:data:`TRUTH_VALIDATION`        08        Kendall tau of every uncertainty against every truth
:data:`TRUTH_SUMMARY`           08        the study's targets, met or missed, as JSON
:data:`SENSITIVITY`             09        truth and calibration taus per (factor, setting)
:data:`BASELINES`               10        the baselines' taus against the truths and the accuracy
==============================  ========  ==========================================================
"""

from __future__ import annotations

import pandas as pd

from .world import TRUTH_COLUMNS

__all__ = [
    "TASKS", "GENERATOR_ACCURACY", "LATENT_PROMPTS", "LATENT_PROMPTS_UNDERTRAINED", "GENERATION", "EMBEDDINGS",
    "UNCERTAINTY", "UNCERTAINTY_UNDERTRAINED", "UNCERTAINTY_SUMMARY", "ACCURACY", "CALIBRATION", "CALIBRATION_SUBSETS",
    "TRUTH_RECOVERY", "EPISTEMIC_BY_CHECKPOINT", "CALIBRATION_SUMMARY", "VMF_KAPPA_BIAS", "LADDER_ACCURACY",
    "TRUTH_LADDER", "TRUTH_VALIDATION", "TRUTH_SUMMARY", "SENSITIVITY", "BASELINES", "GENERATOR_DIR",
    "VIDEO_EMBEDDER_DIR", "per_task_table", "corner_tasks",
]

TASKS = "tasks.csv"
GENERATOR_ACCURACY = "generator_accuracy.csv"
LATENT_PROMPTS = "latent_prompts.csv"
LATENT_PROMPTS_UNDERTRAINED = "latent_prompts_undertrained.csv"
GENERATION = "generation.json"
EMBEDDINGS = "embeddings"
UNCERTAINTY = "uncertainty.csv"
UNCERTAINTY_UNDERTRAINED = "uncertainty_undertrained.csv"
UNCERTAINTY_SUMMARY = "uncertainty_summary.csv"
ACCURACY = "accuracy.csv"
CALIBRATION = "calibration.csv"
CALIBRATION_SUBSETS = "calibration_subsets.csv"
TRUTH_RECOVERY = "truth_recovery.csv"
EPISTEMIC_BY_CHECKPOINT = "epistemic_by_checkpoint.csv"
CALIBRATION_SUMMARY = "calibration_summary.json"
VMF_KAPPA_BIAS = "vmf_kappa_bias.csv"
LADDER_ACCURACY = "ladder_accuracy.csv"
TRUTH_LADDER = "truth_ladder.csv"
TRUTH_VALIDATION = "truth_validation.csv"
TRUTH_SUMMARY = "truth_summary.json"
SENSITIVITY = "sensitivity.csv"
BASELINES = "baselines.csv"
#: Folders of the trained toy video model (notebook 02) and toy CLIP (notebook 04).
GENERATOR_DIR = "generator"
VIDEO_EMBEDDER_DIR = "video_embedder"


def per_task_table(decomposition: pd.DataFrame, scores: pd.DataFrame, tasks: pd.DataFrame, embedder: str,
                   order=None) -> pd.DataFrame:
    """One row per task: its uncertainties under ``embedder``, its accuracy metrics and what the task table knows.

    Parameters
    ----------
    decomposition : DataFrame
        :data:`UNCERTAINTY`: columns ``task_id``, ``embedder``, ``aleatoric``, ``epistemic``, ``total``...
    scores : DataFrame
        :data:`ACCURACY`, indexed by task id.
    tasks : DataFrame
        :data:`TASKS`, with an ``id`` column; its ``prompt``, ``category`` and truth
        columns (toy world) are joined where present.
    embedder : str
        Which video embedder's uncertainties to take (the primary one in the notebooks).
    order : sequence of task ids, optional
        Row order (default: the decomposition's).

    Returns
    -------
    DataFrame indexed by task id.
    """
    table = decomposition[decomposition["embedder"] == embedder].set_index("task_id")
    if order is not None:
        table = table.loc[list(order)]
    if table.empty:
        raise ValueError(f"no uncertainties for video embedder {embedder!r}; the decomposition has "
                         f"{sorted(decomposition['embedder'].unique())}")
    described = tasks.set_index("id")
    return table.join(scores).join(described[[c for c in ("prompt", "category", *TRUTH_COLUMNS) if c in described]])


def corner_tasks(table: pd.DataFrame) -> dict[str, str]:
    """One task from each corner of (aleatoric, epistemic), split at their medians.

    ``low A, low E`` has the lowest total, ``high A, high E`` the highest; the
    two mixed corners take the task whose aleatoric and epistemic percentile
    ranks differ most in that direction (or the extreme task of the component
    when the corner is empty).

    Returns
    -------
    dict
        Corner label -> task id, in the order low-low, high-low, low-high, high-high.
    """
    low_a = table["aleatoric"] <= table["aleatoric"].median()
    low_e = table["epistemic"] <= table["epistemic"].median()
    high_a, high_e = ~low_a, ~low_e
    rank = table["aleatoric"].rank(pct=True) - table["epistemic"].rank(pct=True)
    return {"low A, low E": table[low_a & low_e]["total"].idxmin(),
            "high A, low E": rank[high_a & low_e].idxmax() if (high_a & low_e).any() else table["aleatoric"].idxmax(),
            "low A, high E": rank[low_a & high_e].idxmin() if (low_a & high_e).any() else table["epistemic"].idxmax(),
            "high A, high E": (table[high_a & high_e]["total"].idxmax() if (high_a & high_e).any()
                               else table["total"].idxmax())}
