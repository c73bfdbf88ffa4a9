"""Course kit: the checkers behind the notebooks' exercises, and the student copy.

Every numbered notebook ends with two to four exercises. An exercise is a
markdown cell tagged ``exercise``; its solution follows in cells tagged
``solution``. A solution code cell sets ``answer`` and ends with a call to
a checker of this package, which compares the answer with one it computes
independently and returns :class:`Feedback`: "Correct" with what the
answer means, or "Not yet" with a hint. ``make student`` writes a copy of
the notebooks without the solutions (:mod:`squbed_utils.course.student`),
in which each solution code cell is left as ``answer = None`` and the
checker's call, so a student fills in the answer and runs the check.

The checkers live in one module per notebook, named after it
(:mod:`~squbed_utils.course.vmf_primer` for ``07_vmf_primer``...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import vmf

__all__ = ["Feedback", "correct", "hint", "missing", "is_close", "normalise_choice", "entropy_from_pieces"]


@dataclass(frozen=True)
class Feedback:
    """What a checker says of an answer: ``correct`` or not, and a sentence for the student.

    Shown in a notebook as one bold line ("**Correct.** ..." or "**Not yet.** Hint: ...");
    true in a boolean context exactly when the answer is correct.
    """

    correct: bool
    message: str

    @property
    def verdict(self) -> str:
        return "Correct." if self.correct else "Not yet."

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return f"{self.verdict} {self.message}".strip()

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return f"**{self.verdict}** {self.message}".strip()


def correct(message: str = "") -> Feedback:
    """A correct answer, with an optional sentence on what it shows."""
    return Feedback(True, message)


def hint(message: str) -> Feedback:
    """A wrong answer, with a hint that leads towards the right one (never the answer itself)."""
    if not message:
        raise ValueError("a hint needs a message: say what to look at again")
    return Feedback(False, f"Hint: {message}")


def missing(answer) -> Feedback | None:
    """The feedback for an answer not given yet (``None`` or ``...``), else None.

    Every checker calls this first, so the student copy's ``answer = None`` gets a
    clear "set `answer`" rather than a type error.
    """
    if answer is None or answer is Ellipsis:
        return Feedback(False, "No answer yet: set `answer` in the cell above the check, then run it again.")
    return None


def is_close(answer, expected: float, *, rel: float = 0.0, abs: float = 0.0) -> bool:
    """Whether ``answer`` is a finite number within ``rel`` (relative) or ``abs`` of ``expected``.

    Answers that are not numbers (a string, a list) are simply not close.
    """
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and math.isclose(value, float(expected), rel_tol=rel, abs_tol=abs)


def normalise_choice(answer) -> str:
    """A multiple-choice answer as a lower-case word without surrounding spaces or quotes ("A " -> "a")."""
    return str(answer).strip().strip("'\"").strip().lower()


def entropy_from_pieces(kappa, dim) -> np.ndarray:
    """vMF entropy ``h = -log C_d(kappa) - kappa A_d(kappa)`` (nats), assembled from the normaliser and ``A_d``.

    The same quantity as :func:`squbed_utils.vmf.entropy`, computed along the other route, so a
    checker does not repeat the call the solution makes (notebooks 04 and 07).
    """
    kappa = np.asarray(kappa, dtype=np.float64)
    return -vmf.log_normalizer(kappa, dim) - kappa * vmf.bessel_ratio(kappa, dim)
