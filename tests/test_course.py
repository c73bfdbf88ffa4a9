"""The course kit: exercises at the end of every notebook, solutions that a student copy leaves out.

Each checker is tested on its module's own test file (``tests/test_course_<notebook>.py``) on a
wrong answer; every solution is run through its checker when the notebooks execute on ``tiny``
(``tests/test_notebooks.py``).
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from squbed_utils import course
from squbed_utils.course import student

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _tagged(notebook, tag):
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_ends_with_two_to_four_exercises_each_with_a_solution(path):
    notebook = nbformat.read(path, as_version=4)
    exercises = [i for i, cell in enumerate(notebook.cells) if "exercise" in cell.metadata.get("tags", [])]
    assert 2 <= len(exercises) <= 4, f"{path.name} has {len(exercises)} exercises; give it 2 to 4"
    assert exercises[0] > len(notebook.cells) // 2, f"{path.name}: the exercises belong at the end"
    for start, end in zip(exercises, exercises[1:] + [len(notebook.cells)]):
        solutions = [cell for cell in notebook.cells[start + 1:end] if "solution" in cell.metadata.get("tags", [])]
        assert solutions, f"{path.name}: the exercise in cell {start} has no cell tagged 'solution' after it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_keeps_the_exercises_and_the_checks_and_drops_every_solution(path):
    notebook = nbformat.read(path, as_version=4)
    copy = student.student_copy(notebook)
    assert not _tagged(copy, "solution")
    assert len(_tagged(copy, "exercise")) == len(_tagged(notebook, "exercise"))
    solutions = [cell for cell in _tagged(notebook, "solution") if cell.cell_type == "code"]
    answers = _tagged(copy, "answer")
    assert len(answers) == len(solutions)
    for solution, answer in zip(solutions, answers):
        ast.parse(re.sub(r"^%%.*\n", "", answer.source))  # below its cell magic, the stub is Python
        assert re.match(r"(%%.*\n)?answer = None", answer.source)
        # nothing of the solution is left but its call to the checker
        kept = set(student.checker_calls(solution.source))
        leaked = [line for line in solution.source.splitlines()
                  if line.strip() and line in answer.source and not any(line in call for call in kept)]
        assert not leaked, f"{path.name}: the student copy still shows solution lines {leaked}"
    # the teacher's notebook itself is unchanged
    assert len(_tagged(notebook, "solution")) >= len(solutions)


def test_make_student_writes_one_copy_per_notebook(tmp_path):
    written = student.write_student_copies(tmp_path)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for path in written:
        assert not _tagged(nbformat.read(path, as_version=4), "solution")


def test_a_code_solution_must_call_a_checker():
    with pytest.raises(ValueError, match="must end with a call to a course checker"):
        student.checker_calls("answer = 3\nprint(answer)")
    assert student.checker_calls("answer = 3\ncourse.check_three(answer,\n    tolerance=1)") == [
        "course.check_three(answer,\n    tolerance=1)"]


def test_feedback_reads_as_one_line_and_is_true_only_when_correct():
    right, wrong = course.correct("A rises with vagueness."), course.hint("look at the vaguest prompt")
    assert right and not wrong
    assert str(right) == "Correct. A rises with vagueness."
    assert wrong._repr_markdown_() == "**Not yet.** Hint: look at the vaguest prompt"
    with pytest.raises(ValueError, match="needs a message"):
        course.hint("")


def test_a_missing_answer_says_to_set_it():
    assert course.missing(None).message.startswith("No answer yet")
    assert course.missing(...) is not None and course.missing(0) is None


def test_is_close_and_choice_helpers():
    assert course.is_close("2.0", 2.0) and course.is_close(2.01, 2.0, abs=0.02)
    assert not course.is_close("two", 2.0) and not course.is_close(float("nan"), 2.0, abs=1)
    assert course.normalise_choice(" 'B' ") == "b"


def test_a_solution_under_a_cell_magic_keeps_the_magic_in_the_student_copy():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "%%only toy_world\nanswer = 2\ncourse.check_two(answer)", metadata={"tags": ["solution"]})])
    (stub,) = student.student_copy(notebook).cells
    assert stub.source == "%%only toy_world\nanswer = None  # your answer (see the exercise above)\ncourse.check_two(answer)"


def test_a_student_copy_runs_and_each_check_asks_for_the_answer(tmp_path):
    """The student copy of the vMF primer (it needs no earlier notebook) runs on tiny; every check says 'No answer yet'."""
    import papermill

    (path,) = [p for p in student.write_student_copies(tmp_path / "student") if p.name.startswith("07_")]
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), parameters={"profile": "tiny"}, cwd=str(ROOT / "notebooks"),
                               progress_bar=False)
    answers = _tagged(nbformat.read(out, as_version=4), "answer")
    assert answers
    for cell in answers:
        shown = [str(output.get("data", {}).get("text/plain", "")) for output in cell.outputs]
        assert any(text.startswith("Not yet. No answer yet") for text in shown), shown
