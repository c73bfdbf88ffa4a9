"""The training distribution, with knowledge gaps put in on purpose (the epistemic truth).

Specification (:data:`DEFAULT_SPEC`)
------------------------------------
Knowledge is decided per (shape, colour) *cell*; motion (5 values) and size
(2 values) are uniform and independent of everything else.

===========  ==========================================  =====================
knowledge    cells                                        training frequency
===========  ==========================================  =====================
unseen       every white cell (white circle ... cross)    0 (never rendered)
held_out     purple triangle, green cross, yellow square  0 (never rendered)
rare         cyan circle / square / triangle / cross      2% together, 0.5% each
common       the other 17 cells                           98% together, ~5.76% each
===========  ==========================================  =====================

So every shape, motion and size is seen in training, and every colour but
white; cyan only rarely. Three combinations of familiar concepts are never seen
(a compositional gap, as with the purple triangles of the prototype), and white
is a concept the video model has never seen at all, although its text encoder
knows the word (the largest rung of ignorance). Each held-out cell uses a
different shape and colour, and red and blue have no gap, so tasks can be
stratified by knowledge at every level of vagueness that fixes shape and colour.

Training captions are full captions with varied phrasing, except a fraction
(``vague_fraction``, default 20%) that leave 1 to 3 attributes open (uniformly),
so a model learns that a vague prompt stands for a mixture of clips.

Epistemic truth of a task
-------------------------
:func:`training_exposure` is the training frequency of a completion's
(shape, colour) cell, averaged over the prompt's completions (all equally
likely): what fraction of training clips show the concepts the prompt asks
for. :func:`knowledge_label` is the knowledge most of its completions have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..seeds import TRAINING_SEED_STOP
from .attributes import ATTRIBUTE_NAMES, ATTRIBUTE_VALUES, COLOURS, SHAPES, Attributes, all_attribute_combinations
from .language import PHRASING_SLOTS, Constraint, compose_phrase, parse_prompt

__all__ = [
    "KNOWLEDGE_LEVELS",
    "TrainingSpec",
    "DEFAULT_SPEC",
    "training_distribution",
    "sample_training_set",
    "training_exposure",
    "knowledge_label",
]

#: Knowledge labels, from best to least known.
KNOWLEDGE_LEVELS: tuple[str, ...] = ("common", "rare", "held_out", "unseen")


_MAX_VAGUE_ATTRIBUTES = 3  # a vague training caption leaves 1..3 attributes open


@dataclass(frozen=True)
class TrainingSpec:
    """Which (shape, colour) cells are common, rare, held out and unseen in training.

    Attributes
    ----------
    rare_colours : tuple of str
        Colours seen rarely; their cells share ``rare_fraction`` of the clips.
    rare_fraction : float
        Fraction of training clips showing a rare colour, in (0, 1).
    held_out : tuple of (shape, colour) pairs
        Cells never seen in training, of colours and shapes seen in other cells.
    unseen_colours : tuple of str
        Colours never seen in training in any cell: concepts new to the model.
    """

    rare_colours: tuple[str, ...] = ("cyan",)
    rare_fraction: float = 0.02
    held_out: tuple[tuple[str, str], ...] = (("triangle", "purple"), ("cross", "green"), ("square", "yellow"))
    unseen_colours: tuple[str, ...] = ("white",)

    def __post_init__(self) -> None:
        for colour in (*self.rare_colours, *self.unseen_colours):
            if colour not in COLOURS:
                raise ValueError(f"colour {colour!r} is not one of {COLOURS}")
        if set(self.rare_colours) & set(self.unseen_colours):
            raise ValueError(f"a colour cannot be both rare and unseen: {set(self.rare_colours) & set(self.unseen_colours)}")
        for shape, colour in self.held_out:
            if shape not in SHAPES or colour not in COLOURS:
                raise ValueError(f"held-out cell {(shape, colour)!r} is not a (shape, colour) of {SHAPES} x {COLOURS}")
        if not 0.0 < self.rare_fraction < 1.0:
            raise ValueError(f"rare_fraction must lie in (0, 1), got {self.rare_fraction}")
        seen = self.cell_probabilities() > 0
        seen_colours = [c not in self.unseen_colours for c in COLOURS]
        if not (seen.any(axis=1).all() and seen.any(axis=0)[seen_colours].all()):
            raise ValueError("every shape and every colour that is not unseen must keep at least one cell in training")

    def cell_knowledge(self, shape: str, colour: str) -> str:
        """Knowledge label of a (shape, colour) cell: ``unseen``, ``held_out``, ``rare`` or ``common``."""
        if colour in self.unseen_colours:
            return "unseen"
        if (shape, colour) in self.held_out:
            return "held_out"
        return "rare" if colour in self.rare_colours else "common"

    def cell_probabilities(self) -> np.ndarray:
        """Training frequency of every (shape, colour) cell.

        Returns
        -------
        ndarray of float64, shape (n_shapes, n_colours)
            Rows follow :data:`SHAPES`, columns :data:`COLOURS`; sums to 1.
            Common cells share ``1 - rare_fraction`` equally, rare cells share
            ``rare_fraction`` equally, held-out and unseen cells are 0.
        """
        labels = np.array([[self.cell_knowledge(s, c) for c in COLOURS] for s in SHAPES])
        probabilities = np.zeros(labels.shape)
        for label, mass in (("common", 1.0 - self.rare_fraction), ("rare", self.rare_fraction)):
            cells = labels == label
            if cells.any():
                probabilities[cells] = mass / cells.sum()
        return probabilities / probabilities.sum()  # renormalise if a class has no cells


DEFAULT_SPEC = TrainingSpec()


def training_distribution(spec: TrainingSpec = DEFAULT_SPEC) -> pd.DataFrame:
    """Probability of every fully specified object in training.

    Returns
    -------
    DataFrame
        280 rows in code order, columns ``shape``, ``colour``, ``motion``,
        ``size`` (str), ``probability`` (float64, sums to 1) and ``knowledge``
        (str, the row's cell label).
    """
    table = pd.DataFrame(all_attribute_combinations())
    cells = spec.cell_probabilities()
    shape_code = table["shape"].map({s: i for i, s in enumerate(SHAPES)})
    colour_code = table["colour"].map({c: i for i, c in enumerate(COLOURS)})
    per_cell = len(ATTRIBUTE_VALUES["motion"]) * len(ATTRIBUTE_VALUES["size"])
    table["probability"] = cells[shape_code, colour_code] / per_cell
    table["knowledge"] = [spec.cell_knowledge(s, c) for s, c in zip(table["shape"], table["colour"])]
    return table


def sample_training_set(
    n: int,
    seed: int,
    *,
    vague_fraction: float = 0.2,
    spec: TrainingSpec = DEFAULT_SPEC,
) -> pd.DataFrame:
    """Draw ``n`` training clips (attributes, render seed, caption) from the training distribution.

    Parameters
    ----------
    n : int
        Number of clips.
    seed : int
        Seed of every draw; the same arguments give the same table.
    vague_fraction : float, default 0.2
        Fraction of captions that leave 1 to 3 attributes open (the number and
        the attributes drawn uniformly); the rest are full captions. Phrasing
        is drawn for every caption.
    spec : TrainingSpec
        Which cells are rare and held out.

    Returns
    -------
    DataFrame
        ``n`` rows with columns ``shape``, ``colour``, ``motion``, ``size``
        (categorical, categories in vocabulary order, so ``.cat.codes`` are the
        attribute codes), ``seed`` (int64 render seed in
        [0, :data:`TRAINING_SEED_STOP`)), ``caption`` (str) and ``vagueness``
        (int64, number of attributes the caption leaves open). Render the clips
        with ``render_batch(table, table["seed"])``.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if not 0.0 <= vague_fraction <= 1.0:
        raise ValueError(f"vague_fraction must lie in [0, 1], got {vague_fraction}")
    rng = np.random.default_rng(seed)
    distribution = training_distribution(spec)
    rows = rng.choice(len(distribution), size=n, p=distribution["probability"].to_numpy())
    table = pd.DataFrame(
        {
            name: pd.Categorical(distribution[name].to_numpy()[rows], categories=ATTRIBUTE_VALUES[name])
            for name in ATTRIBUTE_NAMES
        }
    )
    table["seed"] = rng.integers(0, TRAINING_SEED_STOP, size=n, dtype=np.int64)

    vagueness = np.where(rng.random(n) < vague_fraction, rng.integers(1, _MAX_VAGUE_ATTRIBUTES + 1, size=n), 0)
    open_order = np.argsort(rng.random((n, len(ATTRIBUTE_NAMES))), axis=1)  # a random order of the attributes
    choices = rng.random((n, len(PHRASING_SLOTS)))  # one uniform per phrasing slot
    names = np.array(ATTRIBUTE_NAMES)
    objects = zip(*(table[name].to_numpy() for name in ATTRIBUTE_NAMES))
    table["caption"] = [
        compose_phrase(Attributes(*values), frozenset(names[order[:k]]), choice)
        for values, order, k, choice in zip(objects, open_order, vagueness, choices)
    ]
    table["vagueness"] = vagueness.astype(np.int64)
    return table


def _allowed_cells(target: str | Constraint | Attributes | Mapping[str, str]) -> list[tuple[str, str]]:
    """The (shape, colour) cells of a prompt's completions, each once (completions weight them equally)."""
    if isinstance(target, str):
        constraint = parse_prompt(target)
    elif isinstance(target, Constraint):
        constraint = target
    else:
        constraint = Constraint.exactly(target)
    return [(s, c) for s in SHAPES if s in constraint.shape for c in COLOURS if c in constraint.colour]


def training_exposure(
    target: str | Constraint | Attributes | Mapping[str, str], spec: TrainingSpec = DEFAULT_SPEC
) -> float:
    """Epistemic truth: how often the concepts of ``target`` appear in training.

    Parameters
    ----------
    target : str, Constraint, Attributes or mapping
        A prompt (parsed with :func:`parse_prompt`), its constraint, or one object.
    spec : TrainingSpec

    Returns
    -------
    float
        The training frequency of the (shape, colour) cell of a completion,
        averaged over the completions: 0 for a held-out combination or an unseen
        colour, 0.005 for a rare one, about 0.058 for a common one under :data:`DEFAULT_SPEC`.
    """
    probabilities = spec.cell_probabilities()
    cells = _allowed_cells(target)
    return float(np.mean([probabilities[SHAPES.index(s), COLOURS.index(c)] for s, c in cells]))


def knowledge_label(target: str | Constraint | Attributes | Mapping[str, str], spec: TrainingSpec = DEFAULT_SPEC) -> str:
    """Categorical epistemic truth: ``common``, ``rare``, ``held_out`` or ``unseen``.

    The label most of ``target``'s completions have (a tie goes to the less
    known label). A fully specified prompt gets its cell's label; "a purple
    triangle" is ``held_out``; "something cyan" is ``rare``; "something white"
    is ``unseen``; "a triangle" is ``common`` (4 of its 7 colours are common).
    """
    labels = [spec.cell_knowledge(s, c) for s, c in _allowed_cells(target)]
    counts = [labels.count(level) for level in KNOWLEDGE_LEVELS]
    best = max(counts)
    return [level for level, count in zip(KNOWLEDGE_LEVELS, counts) if count == best][-1]
