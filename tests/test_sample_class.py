"""The demo's sample class can be built for every assignment, as `make demo` does."""
import os

import pytest

from dnnkit.staff import course as course_mod, submissions
from dnnkit import notebook


def graded_cells(course, student, assignment):
    folder = os.path.join(course, "submitted", student, assignment)
    names = [f for f in os.listdir(folder) if f.endswith(".ipynb")]
    assert len(names) == 1
    nb = notebook.read(os.path.join(folder, names[0]))
    return {notebook.graded_name(c): c.source for c in nb.cells if notebook.graded_name(c)}


@pytest.mark.parametrize("assignment", course_mod.ASSIGNMENTS)
def test_sample_class_builds(course, assignment):
    students = submissions.sample_class(course, assignment)
    assert {"ada_complete", "ben_blank", "cai_partial", "dee_styles"} <= set(students)
    complete = graded_cells(course, "ada_complete", assignment)
    for student, description in students.items():
        cells = graded_cells(course, student, assignment)
        if description.startswith("one mistake in "):
            function = description.split(":")[0][len("one mistake in "):]
            assert [n for n in cells if cells[n] != complete[n]] == [function]


def test_one_class_in_every_assignment(course):
    """The same students in every assignment (no one "missing" from one in the demo's CSVs and
    reports), each assignment's DEMO_MISTAKES each made by one of them."""
    from dnnkit import assignments
    rosters = {a: submissions.sample_class(course, a) for a in course_mod.ASSIGNMENTS}
    expected = list(submissions.SAMPLE_STUDENTS + submissions.MISTAKE_STUDENTS)
    for assignment, students in rosters.items():
        assert list(students) == expected, assignment
        shown = [d[len("one mistake in "):].replace(": ", "/") for d in students.values()
                 if d.startswith("one mistake in ")]
        assert shown == assignments.load(assignment).demo_mistakes
    assert sorted(os.listdir(os.path.join(course, "submitted"))) == sorted(expected)
