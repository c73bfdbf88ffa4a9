"""The toy world: procedural clips whose aleatoric and epistemic truth is known.

A clip shows one object on a dark background, described by four attributes
(:data:`ATTRIBUTE_VALUES`): shape (circle, square, triangle, cross), colour
(red, green, blue, yellow, purple, cyan, white), motion (left, right, up, down, still)
and size (small, large), 280 objects in all.

Modules
-------
attributes  the vocabulary of values, :class:`Attributes`, conversions to codes.
render      :func:`render` / :func:`render_batch`: deterministic clips from (attributes, seed).
language    captions with varied phrasing, vague prompts, and :func:`parse_prompt`,
            whose :class:`Constraint` gives a prompt's completions (aleatoric truth
            = log of their number).
training    the training distribution with rare and held-out concepts
            (:data:`DEFAULT_SPEC`), a training-set sampler, and each prompt's
            training exposure and knowledge label (epistemic truth).
tasks       the stratified task table, its ground-truth clips, and validation.
checker     :func:`check_attributes` recovers the attributes of any clip;
            :func:`attribute_accuracy` scores clips against their prompts.

Example
-------
>>> from squbed_utils import world
>>> tasks = world.make_tasks(8)
>>> clips = world.render_batch(tasks, tasks["seed"])
>>> world.attribute_accuracy(clips, tasks["prompt"].tolist())["all"].all()
np.True_
"""

from .attributes import (
    ATTRIBUTE_NAMES,
    ATTRIBUTE_VALUES,
    COLOURS,
    MOTIONS,
    MOVING,
    SHAPES,
    SIZES,
    UNKNOWN,
    Attributes,
    all_attribute_combinations,
    as_attributes,
    encode_attributes,
)
from .checker import attribute_accuracy, attributes_allowed, check_attributes
from .language import (
    Constraint,
    aleatoric_truth,
    is_refinement,
    all_captions,
    caption,
    completions,
    parse_prompt,
    vague_prompt,
    vocabulary,
)
from .render import BACKGROUND_RGB, COLOUR_RGB, render, render_batch
from .tasks import (
    MANIFEST_COLUMNS,
    TRUTH_COLUMNS,
    make_tasks,
    read_task_clips,
    validate_tasks,
    write_task_clips,
)
from .training import (
    DEFAULT_SPEC,
    KNOWLEDGE_LEVELS,
    TrainingSpec,
    knowledge_label,
    sample_training_set,
    training_distribution,
    training_exposure,
)

__all__ = [
    "ATTRIBUTE_NAMES",
    "ATTRIBUTE_VALUES",
    "BACKGROUND_RGB",
    "COLOURS",
    "COLOUR_RGB",
    "DEFAULT_SPEC",
    "KNOWLEDGE_LEVELS",
    "MANIFEST_COLUMNS",
    "MOTIONS",
    "MOVING",
    "SHAPES",
    "SIZES",
    "TRUTH_COLUMNS",
    "UNKNOWN",
    "Attributes",
    "Constraint",
    "TrainingSpec",
    "aleatoric_truth",
    "is_refinement",
    "all_attribute_combinations",
    "all_captions",
    "as_attributes",
    "attribute_accuracy",
    "attributes_allowed",
    "caption",
    "check_attributes",
    "completions",
    "encode_attributes",
    "knowledge_label",
    "make_tasks",
    "parse_prompt",
    "read_task_clips",
    "render",
    "render_batch",
    "sample_training_set",
    "training_distribution",
    "training_exposure",
    "vague_prompt",
    "validate_tasks",
    "vocabulary",
    "write_task_clips",
]
