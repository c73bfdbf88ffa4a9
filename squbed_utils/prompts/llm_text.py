"""The text side of the LLM latent prompt generator: its few-shot prompt and the parser of its answers.

No model is involved here (nothing imports torch or Transformers), so these
are cheap to use and to test on their own.

Templates
---------
A template is a text file of chat messages, each opened by a ``[system]``,
``[user]`` or ``[assistant]`` line and ending with the ``[user]`` request, in
which ``{prompt}`` and ``{n}`` are filled in (see ``templates/refine.txt``, the
default, and ``templates/refine_toy.txt``). :func:`load_template` reads a
packaged template by name or your own file by path; :func:`render_messages`
turns its text into the chat messages of one request.

Answers
-------
The model is asked for ``n`` refined prompts, one per line;
:func:`parse_refined_prompts` reads them robustly (numbering, bullets, quotes,
preambles, duplicates, the original prompt itself) and may return fewer than
asked for: the generator decides what to do then. :func:`normalise_prompt` is
the form in which two prompts count as the same.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = [
    "DEFAULT_TEMPLATE",
    "TEMPLATES_DIR",
    "load_template",
    "normalise_prompt",
    "parse_refined_prompts",
    "render_messages",
]

#: The folder of the packaged templates.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: The packaged template used unless another is asked for.
DEFAULT_TEMPLATE = "refine.txt"


# ---------------------------------------------------------------------------
# Parsing the model's answer

_NUMBERING = re.compile(
    r"""^\s*(?:
        (?:[-*+\u2022\u2013\u2014>]\s*)+            # bullets: - * + • – — >
      | \(?\s*(?:\d{1,3}|[a-zA-Z])\s*[.):\]]\s+     # 1. 1) (1) a) 3:
      | \#{1,6}\s*                                  # markdown headings
      | \d{1,3}\s*-\s+                              # 1 - text
    )""",
    re.VERBOSE,
)
_LABEL = re.compile(r"^\s*(?:(?:refined|specific|new)\s+)?(?:prompt|version|option|caption)\s*\d*\s*[:.\-]\s*", re.I)
_PREAMBLE = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok|here\s+(?:are|is)|below\s+(?:are|is)|these\s+are|i\s+(?:have|will|'ll|can)"
    r"|as\s+an\s+ai|note\s*:|prompt\s*:|input\s*:)\b",
    re.I,
)
# Lines that talk about the task instead of doing it ("Rewrite the prompts ...", "Template: ...").
_META = re.compile(r"\b(?:prompts?|templates?|versions?|rewrite|rewritten|refined)\b", re.I)
_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb"


def normalise_prompt(text: str) -> str:
    """The comparison form of a prompt: lower case, single spaces, no end punctuation or quotes.

    Examples
    --------
    >>> normalise_prompt('  "A  Red ball!" ')
    'a red ball'
    """
    text = re.sub(r"\s+", " ", text.lower()).strip()
    return text.strip(_QUOTES + ".!?,;: ").strip()


def _clean_line(line: str) -> str:
    line = line.strip()
    previous = None
    while previous != line:  # peel numbering, labels, emphasis and quotes in any nesting
        previous = line
        line = re.sub(r"^(\*\*|__)(.*)\1$", r"\2", line).strip()
        line = _NUMBERING.sub("", line, count=1).strip()
        line = _LABEL.sub("", line, count=1).strip()
        if len(line) >= 2 and line[0] in _QUOTES and line[-1] in _QUOTES + ".":
            line = line[1:-1] if line[-1] in _QUOTES else line[1:-2]
            line = line.strip()
    return re.sub(r"\s+", " ", line).strip(" ,;*")


def parse_refined_prompts(text: str, original: str, n: int | None = None) -> list[str]:
    """The refined prompts in an LLM's answer, one per line, cleaned and deduplicated.

    Parameters
    ----------
    text : str
        The model's answer.
    original : str
        The task prompt; a line that merely repeats it is dropped.
    n : int, optional
        Keep at most the first ``n``.

    Returns
    -------
    list of str
        In order of appearance: each line stripped of numbering ("1.", "2)",
        "(3)"), bullets ("-", "*", "•"), labels ("Prompt 2:"), markdown bold and
        surrounding quotes; blank lines, preamble lines ("Here are 5 prompts:",
        "Sure!", any line ending in ":"), lines that talk about the task
        (that say "prompt", "template", "version", "rewrite" or "refined",
        unless the original does) and lines without a letter dropped;
        duplicates removed case- and punctuation-insensitively (first kept,
        compared by :func:`normalise_prompt`).
        May hold fewer than ``n`` (or none): the caller decides what to do.

    Examples
    --------
    >>> parse_refined_prompts('Here are 3:\\n1. "A red ball rolls."\\n2) a red ball rolls\\n- a red cube falls', "something red")
    ['A red ball rolls.', 'a red cube falls']
    """
    if n is not None and n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    original_key = normalise_prompt(original or "")
    prompts: list[str] = []
    seen: set[str] = set()
    for raw in (text or "").splitlines():
        raw = raw.strip()
        if not raw or raw.endswith(":") or _PREAMBLE.match(raw):
            continue
        line = _clean_line(raw)
        key = normalise_prompt(line)
        if not key or not re.search(r"[^\W\d_]", key) or key == original_key or key in seen:
            continue
        if _META.search(key) and not _META.search(original_key):
            continue
        seen.add(key)
        prompts.append(line)
        if n is not None and len(prompts) >= n:
            break
    return prompts


# ---------------------------------------------------------------------------
# The few-shot prompt


def load_template(template: str | os.PathLike = DEFAULT_TEMPLATE) -> str:
    """The text of a template: a packaged name (``"refine.txt"``) or the path of your own file.

    Raises
    ------
    FileNotFoundError
        If neither a packaged template nor a file of that name exists.
    """
    path = Path(template)
    if not path.is_file():
        packaged = TEMPLATES_DIR / str(template)
        if not packaged.is_file():
            names = sorted(p.name for p in TEMPLATES_DIR.glob("*.txt"))
            raise FileNotFoundError(f"no template file {str(template)!r}; pass a path or one of the packaged {names}")
        path = packaged
    return path.read_text(encoding="utf-8")


def render_messages(template_text: str, prompt: str, n: int) -> list[dict[str, str]]:
    """The chat messages of a template for one request (see ``templates/refine.txt`` for the format).

    Examples
    --------
    >>> render_messages("[system]\\nBe brief.\\n[user]\\nRefine {prompt} into {n}.", "a cat", 3)[-1]
    {'role': 'user', 'content': 'Refine a cat into 3.'}
    """
    messages: list[dict[str, str]] = []
    for line in template_text.splitlines():
        header = re.fullmatch(r"\s*\[(system|user|assistant)\]\s*", line)
        if header:
            messages.append({"role": header.group(1), "content": ""})
        elif line.startswith("#") and not messages:
            continue
        elif messages:
            messages[-1]["content"] += line + "\n"
        elif line.strip():
            raise ValueError(f"template text before the first [system]/[user]/[assistant] line: {line!r}")
    if not messages or messages[-1]["role"] != "user":
        raise ValueError("a template must end with a [user] message (the request, with {prompt} and {n})")
    for message in messages:
        message["content"] = message["content"].strip().replace("{prompt}", prompt).replace("{n}", str(n))
    return messages
