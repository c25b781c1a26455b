"""Reproducible verdicts (issue 13): each function's hidden cases come from a seed of the
student and the function (dnnkit.judging.judge.case_seed, with the course's secret), recorded with the
verdict; a regrade gives the same verdicts, `dnnkit replay` shows course staff the inputs of one,
and the hidden-case definitions take part in whether a graded submission is up to date."""
import os
import subprocess

import pytest

from conftest import ROOT, copy_course

A = "step_by_step"
DNNKIT = os.path.join(ROOT, ".venv", "bin", "dnnkit")


def dnnkit(course, *args, check=True):
    result = subprocess.run([DNNKIT, *args], cwd=course, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    assert not check or result.returncode == 0, result.stdout
    return result


def verdicts(course):
    from dnnkit.staff import results
    return {s: results.verdicts_of(course, A, s) for s in sorted(os.listdir(os.path.join(course, "autograded")))}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("replay") / "course")
    for command in (["release", A], ["sample-class", A], ["grade", A]):
        dnnkit(course, *command)
    return course, verdicts(course)


def test_a_regrade_gives_the_same_verdicts_and_seeds(graded):
    course, first = graded
    dnnkit(course, "grade", A, "--force")
    assert verdicts(course) == first
    seeds = {s: {f: v.seed for f, v in found.items()} for s, found in first.items()}
    assert all(seed for found in seeds.values() for seed in found.values())
    # different for each student and each function
    assert len({seed for found in seeds.values() for seed in found.values()}) == \
        sum(len(found) for found in seeds.values())


def test_replay_shows_the_recorded_verdict_and_its_inputs(graded):
    course, first = graded
    wrong = next((s, f) for s, found in first.items() if s != "ben_blank"
                 for f, v in found.items() if not v.passed)
    out = dnnkit(course, "replay", A, *wrong).stdout
    message = first[wrong[0]][wrong[1]].message
    assert f"{wrong[1]}: wrong: {message}" in out, out
    assert "the same as recorded" in out and f"seed {first[wrong[0]][wrong[1]].seed:016x}" in out, out
    assert "case 1: (array(" in out, out   # the hidden inputs, for course staff


def test_replay_of_what_does_not_exist_says_so(graded):
    course, _ = graded
    result = dnnkit(course, "replay", A, "ada_complete", "no_such_function", check=False)
    assert result.returncode != 0 and "no graded function no_such_function" in result.stdout
    result = dnnkit(course, "replay", A, "nobody", check=False)
    assert result.returncode != 0 and "no such submission" in result.stdout


def test_the_course_secret_changes_every_hidden_case(graded, tmp_path):
    import shutil
    course, first = graded
    other = str(tmp_path / "course")
    shutil.copytree(course, other)
    with open(os.path.join(other, "nbgrader_config.py"), "a") as f:
        f.write('\nc.JudgeGradedFunctions.secret = "a private string of this course"\n')
    dnnkit(other, "grade", A, "--force")
    again = verdicts(other)
    assert {s: {f: v.passed for f, v in found.items()} for s, found in again.items()} == \
        {s: {f: v.passed for f, v in found.items()} for s, found in first.items()}
    assert not {v.seed for found in again.values() for v in found.values()} & \
        {v.seed for found in first.values() for v in found.values()}


def test_hidden_case_definitions_decide_whether_a_grade_is_up_to_date(monkeypatch):
    from dnnkit import assignments
    from dnnkit.batch import grading
    def course():
        return grading.CourseSnapshot(A, None, {}, {}, {"nb": "source"}, [])
    before = course().key
    original = assignments.definition_source
    monkeypatch.setattr(assignments, "definition_source", lambda a: original(a) + b"# edited")
    assert course().key != before
