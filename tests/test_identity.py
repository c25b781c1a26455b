"""Both entry points, on every catalogue submission: `dnnkit grade` and plain `nbgrader autograde`
give each test cell the same points, each function the same verdict and each submission the
same status.

The hostile cases are compared in every `make test` (tests/test_hostile_round2.py); this is the
whole catalogue, where plain nbgrader takes about 9 s a submission (a kernel start and every
cell), so it is its own tier: `make test-identity`, which CI runs after `make test`. The plain
leg grades two halves of the class in two course copies at once (one per core).
"""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from dnnkit.staff import accuracy, catalog, course, results
from both_ways import decided, function_points

pytestmark = pytest.mark.identity
ASSIGNMENTS = [a for a in course.ASSIGNMENTS if catalog.entries(a)]


def halves(course_dir, assignment, base):
    """Two copies of a course whose submitted/ each hold half of its students."""
    students = sorted(os.listdir(os.path.join(course_dir, "submitted")))
    copies = []
    for index in range(2):
        dest = os.path.join(base, f"half{index}")
        shutil.copytree(course_dir, dest, symlinks=True)
        for student in students[1 - index::2]:
            shutil.rmtree(os.path.join(dest, "submitted", student))
        copies.append(dest)
    return copies


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def both_ways(request, root, tmp_path_factory):
    """(assignment, {student: graded course} by dnnkit grade, the same by plain nbgrader)."""
    assignment = request.param
    base = tmp_path_factory.mktemp(f"identity-{assignment}")
    ours = course.copy_course(root, str(base / "dnnkit"))
    accuracy.build(ours, assignment, catalog.entries(assignment))
    course.nbgrader(ours, "generate_assignment", assignment, "--force")
    plain = halves(ours, assignment, str(base))
    with ThreadPoolExecutor(2) as pool:
        for done in pool.map(lambda c: course.nbgrader(c, "autograde", assignment, check=False), plain):
            assert done.returncode == 0, done.stdout[-3000:]
    accuracy.grade(ours, assignment)
    where = {s: half for half in plain for s in os.listdir(os.path.join(half, "submitted"))}
    return assignment, ours, where


def test_both_entry_points_agree_on_every_catalogue_submission(both_ways):
    assignment, ours, plain_of = both_ways
    our_points = function_points(ours, assignment)
    plain_points = {}
    for half in set(plain_of.values()):
        plain_points.update(function_points(half, assignment))
    statuses = set()
    for entry in catalog.entries(assignment):
        student, plain = entry.student, plain_of[entry.student]
        assert our_points[student] == plain_points[student], student
        assert decided(results.verdicts_of(ours, assignment, student)) == \
            decided(results.verdicts_of(plain, assignment, student)), student
        ours_status = results.status_of(ours, assignment, student)
        assert ours_status[0] == results.status_of(plain, assignment, student)[0], \
            (student, ours_status, results.status_of(plain, assignment, student))
        statuses.add(ours_status[0])
    assert len(plain_of) == len(catalog.entries(assignment)) and "graded" in statuses
