"""Stage tests of the coordinator's recording (dnnkit.batch.engine.Recorder, record_all), fed
prepared results in this process: a batch writes exactly what recording one by one writes, a
regrade updates rows in place, and one result that cannot be recorded costs only itself.
"""
import os
import shutil

import pytest

from dnnkit.outcome import STATUS_FILE, Fault, Outcome

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
A = "step_by_step"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    from dnnkit.staff import course as course_mod
    root = course_mod.copy_course(ROOT, str(tmp_path_factory.mktemp("recording") / "course"))
    course_mod.nbgrader(root, "generate_assignment", A, "--force")
    return root


@pytest.fixture
def course(released, tmp_path):
    return shutil.copytree(released, str(tmp_path / "course"), symlinks=True)


def recorder_of(root):
    from dnnkit.batch import engine, grading
    config, coursedir = engine.load_config(root)
    course = grading.snapshot(config, coursedir, A)
    return engine.Recorder(config, coursedir, course), course


def result(course, student, points=1.0, state="graded", faults=()):
    """What a worker returns for `student`: every test cell given `points` of its maximum."""
    import nbformat
    from nbgrader import utils
    from dnnkit.batch import grading
    notebooks = []
    for name, text in sorted(course.source_notebooks.items()):
        nbr = grading.NotebookResult(name, state, text if state == "graded" else None)
        for cell in nbformat.reads(text, as_version=4).cells:
            if state == "graded" and utils.is_grade(cell):
                nbr.grades[cell.metadata.nbgrader.grade_id] = points * cell.metadata.nbgrader.points
            if state == "graded" and utils.is_solution(cell):
                nbr.comments[cell.metadata.nbgrader.grade_id] = "No response." if points == 0 else None
        notebooks.append(nbr)
    status = "graded" if state in ("graded", "missing") else "fault"
    task = grading.Task(A, student, dict(course.source_files), course, student.encode().hex().ljust(64, "0"))
    return task, grading.Result(A, student, task.digest, status, "", list(faults), 1.0, notebooks)


def recorded(root):
    """Everything recording leaves: the gradebook's rows (scores, comments, flags, timestamps)
    and each student's status file."""
    from nbgrader.api import Gradebook
    from dnnkit.staff import course as course_mod
    rows = {}
    with Gradebook(course_mod.db_url(root)) as gb:
        for submission in gb.assignment_submissions(A):
            for nb in submission.notebooks:
                rows[submission.student_id] = (
                    str(submission.timestamp), nb.score, nb.late_submission_penalty,
                    sorted((g.name, g.auto_score, g.needs_manual_grade) for g in nb.grades),
                    sorted((c.name, c.auto_comment) for c in nb.comments))
    statuses = {s: Outcome.read(os.path.join(root, "autograded", s, A, STATUS_FILE))
                for s in sorted(os.listdir(os.path.join(root, "autograded")))}
    return rows, statuses


def mixed_class(course):
    return [result(course, "ada"), result(course, "ben", 0.0), result(course, "cai", 0.5),
            result(course, "dee", state="missing"),
            result(course, "eli", state="unreadable", faults=[Fault("nb.ipynb", "bad JSON", stops=True)])]


def test_a_batch_records_exactly_what_one_by_one_does(course, tmp_path):
    from dnnkit.batch import engine
    other = shutil.copytree(course, str(tmp_path / "other"), symlinks=True)
    recorder, snapshot = recorder_of(course)
    batch = [(t, r, "2026-10-01 12:00:00 UTC" if t.student == "cai" else None) for t, r in mixed_class(snapshot)]
    engine.record_all(recorder, batch)
    recorder.close()
    recorder, snapshot = recorder_of(other)
    for task, res, timestamp in [(t, r, "2026-10-01 12:00:00 UTC" if t.student == "cai" else None)
                                 for t, r in mixed_class(snapshot)]:
        engine.record_all(recorder, [(task, res, timestamp)])
    recorder.close()
    rows, statuses = recorded(course)
    assert (rows, statuses) == recorded(other)
    assert sorted(rows) == ["ada", "ben", "cai", "dee", "eli"]
    assert rows["cai"][0].startswith("2026-10-01 12:00:00")
    assert rows["ada"][1] > rows["cai"][1] > rows["ben"][1] == rows["dee"][1] == rows["eli"][1] == 0
    assert all(flag for _, _, flag in rows["eli"][3]) and not any(flag for _, _, flag in rows["dee"][3])
    assert statuses["eli"].status == "fault" and statuses["ada"].status == "graded"


def test_a_regrade_updates_the_rows_in_place(course):
    from dnnkit.batch import engine
    recorder, snapshot = recorder_of(course)
    engine.record_all(recorder, [(*result(snapshot, s, 0.0), None) for s in ("ada", "ben")])
    engine.record_all(recorder, [(*result(snapshot, s, 1.0), None) for s in ("ada", "ben")])
    assert len(list(recorder.gb.assignment_submissions(A))) == 2
    recorder.close()
    rows, _ = recorded(course)
    assert rows["ada"] == rows["ben"] and rows["ada"][1] > 0


def test_one_result_that_cannot_be_recorded_costs_only_itself(course):
    from dnnkit.batch import engine
    recorder, snapshot = recorder_of(course)
    bad_task, bad = result(snapshot, "bob")
    bad.notebooks[0].name = "no_such_notebook"   # the gradebook has no row for it
    batch = [(*result(snapshot, "ada"), None), (bad_task, bad, None), (*result(snapshot, "cai"), None)]
    kept = engine.record_all(recorder, batch)
    recorder.close()
    assert [r.status for r in kept] == ["graded", "fault", "graded"]
    assert "could not be recorded" in kept[1].reason
    rows, statuses = recorded(course)
    assert rows["ada"] == rows["cai"] and rows["ada"][1] > 0 and rows["bob"][1] == 0
    assert statuses["bob"].status == "fault" and not os.path.exists(
        os.path.join(course, "autograded", "bob", A + ".dnnkit-new"))
