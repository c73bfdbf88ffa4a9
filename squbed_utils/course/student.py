"""The student copy of the notebooks: every exercise kept, every solution taken out.

``make student`` (``python -m squbed_utils.course.student student``) writes one
copy of each numbered notebook to ``student/``. A markdown cell tagged
``solution`` (a worked explanation) is dropped. A code cell tagged ``solution``
is replaced by a cell tagged ``answer`` that holds ``answer = None`` and the
solution's call to its checker (below the solution's cell magic, such as
``%%only toy_world``, if it has one), so the student writes the answer and runs the
check::

    # solution (teacher's copy)               # student copy
    answer = primary["aleatoric"].idxmax()    answer = None  # your answer (see the exercise above)
    course.check_most_vague(answer, tasks)    course.check_most_vague(answer, tasks)
"""

from __future__ import annotations

import argparse
import ast
import copy
from pathlib import Path

import nbformat

__all__ = ["SOLUTION_TAG", "ANSWER_TAG", "EXERCISE_TAG", "checker_calls", "student_copy", "write_student_copies"]

SOLUTION_TAG = "solution"
ANSWER_TAG = "answer"
EXERCISE_TAG = "exercise"
ROOT = Path(__file__).resolve().parents[2]


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _split_cell_magic(source: str) -> tuple[str, str]:
    """(the cell magic line, e.g. ``%%only toy_world``, with its newline, or ""; the Python below it)."""
    if source.startswith("%%"):
        magic, _, body = source.partition("\n")
        return magic + "\n", body
    return "", source


def checker_calls(source: str) -> list[str]:
    """The top-level statements of a solution cell that call a checker (a function named ``check_*``).

    Raises
    ------
    ValueError
        If the cell does not parse, or calls no checker: a code solution must end in a check.
    """
    source = _split_cell_magic(source)[1]
    tree = ast.parse(source)
    lines = source.splitlines()
    calls = []
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            function = statement.value.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            if name.startswith("check_"):
                calls.append("\n".join(lines[statement.lineno - 1:statement.end_lineno]))
    if not calls:
        raise ValueError("a code cell tagged 'solution' must end with a call to a course checker (check_...); "
                     f"this one has none:\n{source}")
    return calls


def student_copy(notebook):
    """A copy of ``notebook`` without its solutions (see the module docstring); the input is not changed."""
    notebook = copy.deepcopy(notebook)
    cells = []
    for cell in notebook.cells:
        if SOLUTION_TAG not in _tags(cell):
            cells.append(cell)
        elif cell.cell_type == "code":
            magic, body = _split_cell_magic(cell.source)
            stub = magic + "answer = None  # your answer (see the exercise above)\n" + "\n".join(checker_calls(body))
            cells.append(nbformat.v4.new_code_cell(stub, metadata={"tags": [ANSWER_TAG]}))
    notebook.cells = cells
    return notebook


def write_student_copies(out_dir: str | Path, notebooks_dir: str | Path = ROOT / "notebooks") -> list[Path]:
    """Write the student copy of every numbered notebook of ``notebooks_dir`` to ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        notebook = student_copy(nbformat.read(path, as_version=4))
        nbformat.write(notebook, out_dir / path.name)
        written.append(out_dir / path.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="student", help="where to write the copies (default: student)")
    args = parser.parse_args(argv)
    for path in write_student_copies(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
