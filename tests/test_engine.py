"""`dnnkit grade` against plain `nbgrader autograde`: same grades, resumable, --student.

One scratch course with the sample class is graded twice, once by each; the gradebooks must hold
the same rows (scores, needs-manual-grade flags, comments, timestamps) and the autograded notebooks
the same outputs (stream chunks merged: a kernel splits them by timing).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import nbformat
import pytest

from conftest import ROOT, copy_course

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
DNNKIT = os.path.join(ROOT, ".venv", "bin", "dnnkit")


def dnnkit_grade(course, *args, check=True):
    result = subprocess.run([DNNKIT, "grade", A, *args], cwd=course, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if check:
        assert result.returncode == 0, result.stdout
    return result.stdout


def gradebook_rows(course):
    from nbgrader.api import Gradebook
    rows = {}
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        for sub in gb.assignment_submissions(A):
            rows[(sub.student_id, "timestamp")] = str(sub.timestamp)
            for nb in sub.notebooks:
                rows[(sub.student_id, nb.name, "late")] = nb.late_submission_penalty
                for g in nb.grades:
                    rows[(sub.student_id, g.name)] = (g.auto_score, g.needs_manual_grade)
                for c in nb.comments:
                    rows[(sub.student_id, c.name, "comment")] = c.auto_comment
    return rows


def outputs(path):
    """Per cell: execution count, outputs with consecutive stream chunks merged, error names."""
    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        merged = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream" and merged and merged[-1][0] == "stream" and merged[-1][1] == o.name:
                merged[-1] = ("stream", o.name, merged[-1][2] + o.text)
            elif o.output_type == "stream":
                merged.append(("stream", o.name, o.text))
            elif o.output_type == "error":
                merged.append(("error", o.ename, o.evalue))
            else:
                merged.append((o.output_type, json.dumps(o.get("data"), sort_keys=True)))
        cells.append((cell.cell_type, cell.source, cell.get("execution_count"), merged,
                      cell.metadata.get("dnnkit"), cell.metadata.get("nbgrader")))
    return cells


def summary(output, status):
    """The count of `status` in the summary line `dnnkit grade` prints at the end ("step_by_step:
    7 submissions: 6 graded, 1 fault (...)"; 0 if absent)."""
    lines = re.findall(r"^\w+: \d+ submissions?: (.*)$", output, re.M)
    found = re.findall(rf"(\d+) {status}\b", lines[-1]) if lines else []
    return int(found[-1]) if found else 0


def status(course, student):
    with open(os.path.join(course, "autograded", student, A, "grading_status.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """(plain, engine): the sample class graded by `nbgrader autograde` and by `dnnkit grade`."""
    from dnnkit.staff import course as course_mod, submissions
    base = tmp_path_factory.mktemp("engine")
    plain = copy_course(base / "plain")
    course_mod.nbgrader(plain, "generate_assignment", A, "--force")
    submissions.sample_class(plain, A)
    engine = str(base / "engine")
    shutil.copytree(plain, engine, symlinks=True)
    course_mod.nbgrader(plain, "autograde", A)
    output = dnnkit_grade(engine)
    return plain, engine, output


def test_grades_and_outputs_equal_nbgrader(courses):
    plain, engine, output = courses
    rows = gradebook_rows(plain)
    assert len(rows) > 7 * 10
    assert gradebook_rows(engine) == rows
    students = sorted(os.listdir(os.path.join(plain, "submitted")))
    for student in students:
        path = os.path.join("autograded", student, A, NB + ".ipynb")
        assert outputs(os.path.join(engine, path)) == outputs(os.path.join(plain, path)), student
        assert sorted(os.listdir(os.path.join(engine, "autograded", student, A))) == \
            sorted(os.listdir(os.path.join(plain, "autograded", student, A)))
        assert status(engine, student)["status"] == status(plain, student)["status"] == "graded"
        assert status(engine, student)["reason"] == status(plain, student)["reason"], student
    assert f"[{'#' * 30}] 7/7" in output and summary(output, "graded") == 7


def test_nbgrader_tools_work_on_the_result(courses):
    _, engine, _ = courses
    from dnnkit.staff import course as course_mod
    course_mod.nbgrader(engine, "generate_feedback", A)
    course_mod.nbgrader(engine, "export", "--to", os.path.join(engine, "grades.csv"))
    with open(os.path.join(engine, "grades.csv")) as f:
        assert len(f.read().strip().splitlines()) == 1 + 7
    assert os.path.exists(os.path.join(engine, "feedback", "ada_complete", A, NB + ".html"))


def test_unchanged_submissions_are_skipped_and_changed_ones_graded(courses):
    _, engine, _ = courses
    before = {s: status(engine, s) for s in os.listdir(os.path.join(engine, "submitted"))}
    output = dnnkit_grade(engine)
    assert summary(output, "skipped") == 7 and summary(output, "graded") == 0
    # a resubmission (new content) is graded again, the rest is not
    path = os.path.join(engine, "submitted", "ben_blank", A, "timestamp.txt")
    with open(path, "w") as f:
        f.write("2026-11-28 10:00:00.000000 UTC")
    output = dnnkit_grade(engine)
    assert summary(output, "graded") == 1 and summary(output, "skipped") == 6
    assert status(engine, "ben_blank")["sha256"] != before["ben_blank"]["sha256"]
    assert gradebook_rows(engine)[("ben_blank", "timestamp")].startswith("2026-11-28 10:00:00")
    # --force grades everything again, with the same grades
    rows = gradebook_rows(engine)
    output = dnnkit_grade(engine, "--force", "--workers", "1")
    assert summary(output, "graded") == 7
    assert gradebook_rows(engine) == rows


def test_only_the_students_asked_for(courses, tmp_path):
    _, engine, _ = courses
    course = str(tmp_path / "course")
    shutil.copytree(engine, course, symlinks=True)
    shutil.rmtree(os.path.join(course, "autograded"))
    os.remove(os.path.join(course, "gradebook.db"))
    from dnnkit.staff import course as course_mod
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    output = dnnkit_grade(course, "--student", "ada_complete", "eli_mistake", "nobody", check=False)
    assert "no submission of step_by_step by nobody" in output   # a typo grades nobody (exit 2)
    assert not os.path.exists(os.path.join(course, "autograded"))
    dnnkit_grade(course, "--student", "ada_complete", "eli_mistake")
    assert sorted(os.listdir(os.path.join(course, "autograded"))) == ["ada_complete", "eli_mistake"]
    asked = {"ada_complete", "eli_mistake"}
    assert gradebook_rows(course) == {k: v for k, v in gradebook_rows(engine).items() if k[0] in asked}


def test_interrupted_batch_resumes(courses, tmp_path):
    """Ctrl-C in the middle: what was recorded stays consistent, a second run grades the rest."""
    from dnnkit.staff import course as course_mod, submissions
    course = copy_course(tmp_path / "course")
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    release = nbformat.read(submissions.release_notebook_path(course, A), as_version=4)
    for i in range(8):
        submissions.write(course, A, f"s{i}", release)
    proc = subprocess.Popen([DNNKIT, "grade", A, "--workers", "1"], cwd=course, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not _graded(course):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)   # Ctrl-C reaches the whole process group
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, out
    assert "interrupted" in out
    done = _graded(course)
    assert 1 <= len(done) < 8, out
    rows = gradebook_rows(course)
    for student in done:   # everything recorded is complete
        assert rows[(student, "test_linear_forward")] == (0.0, False)
    for student in os.listdir(os.path.join(course, "autograded")):
        assert os.listdir(os.path.join(course, "autograded", student)) == [A]
    out = dnnkit_grade(course)
    assert summary(out, "skipped") == len(done)
    assert len(_graded(course)) == 8
    assert {k[0] for k in gradebook_rows(course)} == {f"s{i}" for i in range(8)}


def _graded(course):
    folder = os.path.join(course, "autograded")
    return [s for s in os.listdir(folder)
            if os.path.exists(os.path.join(folder, s, A, "grading_status.json"))]


def test_scratch_folders_of_dead_processes_are_swept(tmp_path, monkeypatch):
    """A grading process killed outright (a Dask worker, say) leaves its sandbox folder behind:
    the next one made with the same prefix removes it, and only it."""
    import tempfile
    from dnnkit.host import sandbox
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["sleep", "0"])
    dead.wait()
    stale, mine, unmarked = tmp_path / "dnnkit-x-stale", tmp_path / "dnnkit-x-mine", tmp_path / "dnnkit-x-new"
    for folder in (stale, mine, unmarked):
        folder.mkdir()
    (stale / sandbox.OWNER).write_text(f"{dead.pid} 1")
    (mine / sandbox.OWNER).write_text(sandbox._identity(os.getpid()))
    made = sandbox.scratch_dir("dnnkit-x-")
    assert sorted(os.listdir(tmp_path)) == sorted([mine.name, unmarked.name, os.path.basename(made)])
    assert (tmp_path / os.path.basename(made) / sandbox.OWNER).read_text() == sandbox._identity(os.getpid())
