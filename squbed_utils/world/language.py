"""Language of the toy world: captions, vague prompts, and the parser that reads them.

Grammar
-------
Every caption or prompt is a subject, optionally followed by a motion clause::

    <article> [size] [colour] <noun> [motion]      "a small red circle moves to the left"
    something [size] [and] [colour] [motion]       "something small and red drifts"

where each slot has several phrasings (:data:`SHAPE_NOUNS`, :data:`COLOUR_WORDS`,
:data:`SIZE_WORDS`, :data:`MOTION_VERBS` + :data:`DIRECTION_WORDS`,
:data:`DIRECTED_VERBS`, :data:`STILL_PHRASES`). A prompt is *vague* in an
attribute when it leaves it open: no size or colour word, a generic noun
(:data:`GENERIC_NOUNS`: "shape", "object", "thing", or "something"), or a
motion clause that does not fix a direction ("moves" = any direction,
"moves sideways" = left or right, "moves vertically" = up or down, no clause =
any motion including staying still).

The parser reads exactly the phrases the generators write, plus a few filler
words (:data:`FILLER_WORDS`), in any order; each phrase allows a set of values
for one attribute and the sets are intersected. So the aleatoric truth of a
prompt is exact: its completions are the attribute combinations that every
phrase allows, and there are ``prod(len(allowed))`` of them.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .attributes import ATTRIBUTE_NAMES, ATTRIBUTE_VALUES, MOVING, Attributes, as_attributes

__all__ = [
    "PHRASING_SLOTS",
    "compose_phrase",
    "SHAPE_NOUNS",
    "GENERIC_NOUNS",
    "COLOUR_WORDS",
    "SIZE_WORDS",
    "MOTION_VERBS",
    "DIRECTION_WORDS",
    "DIRECTED_VERBS",
    "STILL_PHRASES",
    "AXIS_WORDS",
    "FILLER_WORDS",
    "Constraint",
    "caption",
    "all_captions",
    "vague_prompt",
    "parse_prompt",
    "completions",
    "aleatoric_truth",
    "is_refinement",
    "vocabulary",
]

# Phrasings of each value; the first is the canonical one (used when no seed is given).
SHAPE_NOUNS: dict[str, tuple[str, ...]] = {
    "circle": ("circle", "disc", "ball"),
    "square": ("square", "box", "block"),
    "triangle": ("triangle",),
    "cross": ("cross", "plus sign"),
}
#: Nouns that name an object without fixing its shape; "something" takes its adjectives after it.
GENERIC_NOUNS: tuple[str, ...] = ("something", "shape", "object", "thing")
COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("red", "scarlet"),
    "green": ("green",),
    "blue": ("blue",),
    "yellow": ("yellow", "golden"),
    "purple": ("purple", "violet"),
    "cyan": ("cyan", "turquoise"),
    "white": ("white",),
}
SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "small": ("small", "little", "tiny"),
    "large": ("large", "big"),
}
#: Verbs of motion; alone they mean "moves in some direction" (not still).
MOTION_VERBS: tuple[str, ...] = ("moves", "slides", "drifts", "travels", "glides")
#: Direction words that follow a motion verb.
DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "left": ("to the left", "left", "leftward", "leftwards"),
    "right": ("to the right", "right", "rightward", "rightwards"),
    "up": ("up", "upward", "upwards"),
    "down": ("down", "downward", "downwards"),
}
#: Verbs that carry their own direction.
DIRECTED_VERBS: dict[str, tuple[str, ...]] = {"up": ("rises",), "down": ("falls", "sinks")}
STILL_PHRASES: tuple[str, ...] = ("stays still", "does not move", "stays put", "stands still", "remains still")
#: Words after a motion verb that allow a set of directions.
AXIS_WORDS: dict[frozenset[str], tuple[str, ...]] = {
    frozenset({"left", "right"}): ("sideways", "horizontally"),
    frozenset({"up", "down"}): ("vertically",),
}
#: Words the parser skips: articles and the "and" of "something small and red".
FILLER_WORDS: tuple[str, ...] = ("a", "an", "the", "and")

#: The phrasing choices of a caption, in the order a seeded caption draws them, one uniform each
#: (see :func:`compose_phrase`).
PHRASING_SLOTS = ("size", "colour", "noun", "generic", "motion", "phrase")


@dataclass(frozen=True)
class Constraint:
    """The values a prompt allows for each attribute.

    Attributes
    ----------
    shape, colour, motion, size : frozenset of str
        Allowed values per attribute (never empty).
    """

    shape: frozenset[str]
    colour: frozenset[str]
    motion: frozenset[str]
    size: frozenset[str]

    @classmethod
    def anything(cls) -> Constraint:
        """The constraint of a prompt that fixes nothing."""
        return cls(*(frozenset(ATTRIBUTE_VALUES[name]) for name in ATTRIBUTE_NAMES))

    @classmethod
    def exactly(cls, attributes: Attributes | Mapping[str, str]) -> Constraint:
        """The constraint that allows only ``attributes``."""
        return cls(*(frozenset({value}) for value in as_attributes(attributes)))

    def allowed(self, attribute: str) -> frozenset[str]:
        """Allowed values of ``attribute`` (one of ``shape``, ``colour``, ``motion``, ``size``)."""
        return getattr(self, attribute)

    @property
    def unspecified(self) -> tuple[str, ...]:
        """Attributes left open (more than one value allowed), in attribute order."""
        return tuple(name for name in ATTRIBUTE_NAMES if len(self.allowed(name)) > 1)

    @property
    def n_completions(self) -> int:
        """Number of fully specified objects the constraint allows."""
        return math.prod(len(self.allowed(name)) for name in ATTRIBUTE_NAMES)

    def completions(self) -> list[Attributes]:
        """Every allowed object, in code order (see :func:`~squbed_utils.world.all_attribute_combinations`)."""
        ordered = [[v for v in ATTRIBUTE_VALUES[name] if v in self.allowed(name)] for name in ATTRIBUTE_NAMES]
        return [Attributes(*values) for values in itertools.product(*ordered)]

    def allows(self, attributes: Attributes | Mapping[str, str]) -> bool:
        """Whether ``attributes`` is one of the completions."""
        return all(value in self.allowed(name) for name, value in zip(ATTRIBUTE_NAMES, as_attributes(attributes)))

    def refines(self, other: Constraint) -> bool:
        """Whether every completion of ``self`` is one of ``other``'s (``self`` is a more specific reading)."""
        return all(self.allowed(name) <= other.allowed(name) for name in ATTRIBUTE_NAMES)


# ---------------------------------------------------------------------------
# Generation


def _pick(options: Sequence, uniform: float):
    """The option a uniform draw in [0, 1) selects (0 selects the canonical, first one)."""
    return options[min(int(uniform * len(options)), len(options) - 1)]


def _with_article(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def _motion_phrases(motion: str) -> list[str]:
    """Every phrasing that fixes ``motion`` exactly, canonical first."""
    if motion == "still":
        return list(STILL_PHRASES)
    verb_phrases = [f"{verb} {word}" for verb in MOTION_VERBS for word in DIRECTION_WORDS[motion]]
    return verb_phrases + list(DIRECTED_VERBS.get(motion, ()))


def _vague_motion_phrases(motion: str) -> list[list[str]]:
    """Phrasings true of ``motion`` that leave it open, grouped by form, canonical first.

    The forms are: no clause; a bare verb ("moves"); a verb with an axis
    ("moves sideways"). Only the first is open about a still object.
    """
    if motion == "still":
        return [[""]]
    axis = next(words for directions, words in AXIS_WORDS.items() if motion in directions)
    return [[""], list(MOTION_VERBS), [f"{verb} {word}" for verb in MOTION_VERBS for word in axis]]


def compose_phrase(attributes: Attributes, unspecified: frozenset[str], choice: np.ndarray | None) -> str:
    """Phrase ``attributes``, leaving ``unspecified`` open; ``choice`` holds one uniform per slot.

    With ``choice=None`` every slot takes its canonical (first) phrasing.
    """
    u = dict(zip(PHRASING_SLOTS, np.zeros(len(PHRASING_SLOTS)) if choice is None else choice))
    adjectives = []
    if "size" not in unspecified:
        adjectives.append(_pick(SIZE_WORDS[attributes.size], u["size"]))
    if "colour" not in unspecified:
        adjectives.append(_pick(COLOUR_WORDS[attributes.colour], u["colour"]))
    if "shape" not in unspecified:
        subject = _with_article(" ".join([*adjectives, _pick(SHAPE_NOUNS[attributes.shape], u["noun"])]))
    else:
        noun = _pick(GENERIC_NOUNS, u["generic"])
        if noun == "something":
            subject = " ".join(["something", " and ".join(adjectives)]).strip()
        else:
            subject = _with_article(" ".join([*adjectives, noun]))
    if "motion" in unspecified:
        motion = _pick(_pick(_vague_motion_phrases(attributes.motion), u["motion"]), u["phrase"])
    else:
        motion = _pick(_motion_phrases(attributes.motion), u["phrase"])
    return f"{subject} {motion}".strip()


def _choices(seed: int | np.random.Generator | None) -> np.ndarray | None:
    if seed is None:
        return None
    return np.random.default_rng(seed).random(len(PHRASING_SLOTS))


def caption(attributes: Attributes | Mapping[str, str], seed: int | np.random.Generator | None = None) -> str:
    """Full caption of an object, e.g. ``"a small red circle moves to the left"``.

    Parameters
    ----------
    attributes : Attributes or mapping
        The object.
    seed : int, Generator or None
        ``None`` gives the canonical phrasing; otherwise the phrasing of every
        slot (size word, colour word, noun, motion phrase) is drawn from this seed.

    Returns
    -------
    str
        A caption that :func:`parse_prompt` maps back to exactly ``attributes``.
    """
    return compose_phrase(as_attributes(attributes), frozenset(), _choices(seed))


def all_captions(attributes: Attributes | Mapping[str, str]) -> list[str]:
    """Every phrasing of the full caption of ``attributes`` (for tests and vocabulary tables)."""
    attributes = as_attributes(attributes)
    subjects = [
        _with_article(f"{size} {colour} {noun}")
        for size in SIZE_WORDS[attributes.size]
        for colour in COLOUR_WORDS[attributes.colour]
        for noun in SHAPE_NOUNS[attributes.shape]
    ]
    return [f"{subject} {motion}" for subject in subjects for motion in _motion_phrases(attributes.motion)]


def vague_prompt(
    attributes: Attributes | Mapping[str, str],
    unspecified: Sequence[str],
    seed: int | np.random.Generator | None = None,
) -> str:
    """A prompt true of ``attributes`` that leaves the attributes in ``unspecified`` open.

    Parameters
    ----------
    attributes : Attributes or mapping
        The object the prompt describes (e.g. a task's ground truth).
    unspecified : sequence of str
        Attribute names to leave open. An open shape becomes a generic noun
        ("something red", "a small shape"); an open size or colour loses its
        adjective; an open motion loses its clause, or, for a moving object and
        a seeded phrasing, may keep a clause without a direction ("moves",
        "moves sideways"), which still allows several motions.
    seed : int, Generator or None
        ``None`` gives the canonical phrasing ("something", no motion clause);
        otherwise every phrasing choice is drawn from this seed.

    Returns
    -------
    str
        A prompt whose :func:`parse_prompt` constraint allows ``attributes`` and
        fixes exactly the attributes not in ``unspecified``.

    Examples
    --------
    >>> vague_prompt(Attributes("circle", "red", "left", "small"), ["shape", "size"])
    'something red moves to the left'
    >>> vague_prompt(Attributes("circle", "red", "left", "small"), ["colour", "motion"])
    'a small circle'
    """
    unknown = set(unspecified) - set(ATTRIBUTE_NAMES)
    if unknown:
        raise ValueError(f"unknown attributes {sorted(unknown)}; choose from {list(ATTRIBUTE_NAMES)}")
    return compose_phrase(as_attributes(attributes), frozenset(unspecified), _choices(seed))


# ---------------------------------------------------------------------------
# Parsing


def _phrase_table() -> dict[tuple[str, ...], tuple[str, frozenset[str]] | None]:
    """Every phrase the parser knows, as a token tuple, and the values it allows (None: filler)."""
    table: dict[tuple[str, ...], tuple[str, frozenset[str]] | None] = {}

    def add(phrase: str, attribute: str, values) -> None:
        table[tuple(phrase.split())] = (attribute, frozenset(values))

    for attribute, words in (("shape", SHAPE_NOUNS), ("colour", COLOUR_WORDS), ("size", SIZE_WORDS)):
        for value, phrases in words.items():
            for phrase in phrases:
                add(phrase, attribute, {value})
    for noun in GENERIC_NOUNS:
        add(noun, "shape", ATTRIBUTE_VALUES["shape"])
    for verb in MOTION_VERBS:
        add(verb, "motion", MOVING)
    for table_of_words in (DIRECTION_WORDS, DIRECTED_VERBS):
        for value, phrases in table_of_words.items():
            for phrase in phrases:
                add(phrase, "motion", {value})
    for phrase in STILL_PHRASES:
        add(phrase, "motion", {"still"})
    for directions, phrases in AXIS_WORDS.items():
        for phrase in phrases:
            add(phrase, "motion", directions)
    for word in FILLER_WORDS:
        table[(word,)] = None
    return table


_PHRASES = _phrase_table()
_LONGEST_PHRASE = max(len(key) for key in _PHRASES)


def vocabulary() -> dict[str, list[str]]:
    """The parser's phrases grouped by the attribute they constrain (``"filler"`` for skipped words)."""
    groups: dict[str, list[str]] = {name: [] for name in (*ATTRIBUTE_NAMES, "filler")}
    for tokens, meaning in _PHRASES.items():
        groups["filler" if meaning is None else meaning[0]].append(" ".join(tokens))
    return groups


def _vocabulary_hint() -> str:
    return "; ".join(f"{group}: {', '.join(words)}" for group, words in vocabulary().items())


def parse_prompt(text: str) -> Constraint:
    """The set of allowed values per attribute that a prompt expresses.

    Parameters
    ----------
    text : str
        A caption or prompt in the toy world's vocabulary (see the module
        docstring); case and punctuation are ignored, phrases may come in any order.

    Returns
    -------
    Constraint
        Per attribute, the intersection of the values its phrases allow;
        attributes no phrase mentions are free.

    Raises
    ------
    ValueError
        If ``text`` is empty or holds no content word; if it holds a word
        outside the vocabulary (the message names the word and lists the
        vocabulary); or if two phrases contradict each other ("red blue circle",
        "moves and stays still"; the message names both).

    Examples
    --------
    >>> c = parse_prompt("something red moves")
    >>> sorted(c.colour), sorted(c.motion), c.n_completions
    (['red'], ['down', 'left', 'right', 'up'], 32)
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"empty prompt {text!r}: describe an object, e.g. 'a small red circle moves to the left'")
    tokens = re.sub(r"[^\w\s']", " ", text.lower()).split()
    allowed = {name: frozenset(ATTRIBUTE_VALUES[name]) for name in ATTRIBUTE_NAMES}
    said: dict[str, list[str]] = {name: [] for name in ATTRIBUTE_NAMES}
    position, content_words = 0, 0
    while position < len(tokens):
        for length in range(min(_LONGEST_PHRASE, len(tokens) - position), 0, -1):
            phrase = tuple(tokens[position : position + length])
            if phrase in _PHRASES:
                break
        else:
            raise ValueError(
                f"unknown word {tokens[position]!r} in prompt {text!r}; "
                f"use only the toy world's vocabulary ({_vocabulary_hint()})"
            )
        position += length
        meaning = _PHRASES[phrase]
        if meaning is None:
            continue
        content_words += 1
        attribute, values = meaning
        said[attribute].append(" ".join(phrase))
        if not allowed[attribute] & values:
            raise ValueError(
                f"contradictory words in prompt {text!r}: {said[attribute][-1]!r} conflicts with "
                f"{', '.join(map(repr, said[attribute][:-1]))} (both set the {attribute}); keep one of them"
            )
        allowed[attribute] &= values
    if not content_words:
        raise ValueError(f"prompt {text!r} names no object; add a noun such as 'circle' or 'something'")
    return Constraint(**allowed)


def _as_constraint(prompt: str | Constraint) -> Constraint:
    return prompt if isinstance(prompt, Constraint) else parse_prompt(prompt)


def completions(prompt: str | Constraint) -> list[Attributes]:
    """Every fully specified object consistent with ``prompt``, in code order.

    Examples
    --------
    >>> len(completions("something red moves"))  # 4 shapes x 4 motions x 2 sizes
    32
    """
    return _as_constraint(prompt).completions()


def aleatoric_truth(prompt: str | Constraint) -> float:
    """The aleatoric truth of a prompt: the natural log of its number of completions.

    0 for a fully specified prompt; ``log(280)`` for "something".
    """
    return math.log(_as_constraint(prompt).n_completions)


def is_refinement(prompt: str, refined: str) -> bool:
    """Whether ``refined`` is a toy-world prompt as specific as ``prompt`` or more, and consistent with it.

    False (never an error) when ``refined`` uses words outside the world's
    vocabulary, so it can score a language model's rewrites.

    Examples
    --------
    >>> is_refinement("something red moves", "a small red circle moves to the left")
    True
    >>> is_refinement("something red moves", "a blue circle moves up"), is_refinement("a circle", "a red ball")
    (False, True)
    """
    try:
        specific = parse_prompt(refined)
    except ValueError:
        return False
    return specific.refines(parse_prompt(prompt))
