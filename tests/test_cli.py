"""`dnnkit` when something is wrong: an unknown assignment id, a missing folder (an earlier step
not taken), a corrupt notebook; for every command, in process (cli.main), in scratch courses.

Exit codes (docs/workflow.md, "Exit codes and messages"): 0 done, 1 ran but not everything went
right (a fault, a broken notebook), 2 a wrong command line, 3 nothing to do / a step missing.
One released course (nbgrader generate_assignment, once) and one `dnnkit grade` of two
submissions (one not JSON) serve every test that needs them; each test works in its own copy.
"""
import contextlib
import csv
import glob
import io
import os
import shutil

import nbformat
import pytest

from conftest import copy_course

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
KNOWN = "(known: planar, step_by_step, application)"
CORRUPT = "this is not a notebook {"


def run(course, argv, monkeypatch):
    """cli.main(argv) in `course`: its exit code (0 when it returns)."""
    from dnnkit.staff import cli
    monkeypatch.setenv("DNNKIT_ROOT", str(course))
    try:
        cli.main(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def run_quietly(course, argv):
    """cli.main(argv) in `course` outside a test (for module fixtures): (code, stdout + stderr)."""
    from dnnkit.staff import cli
    out, before = io.StringIO(), os.environ.get("DNNKIT_ROOT")
    os.environ["DNNKIT_ROOT"] = str(course)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            cli.main(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        if before is None:
            del os.environ["DNNKIT_ROOT"]
        else:
            os.environ["DNNKIT_ROOT"] = before
    return code, out.getvalue()


def corrupt(path):
    with open(path, "w") as f:
        f.write(CORRUPT)


def clean(text):
    """No traceback and no library warning reached the terminal."""
    return "Traceback" not in text and "Warning:" not in text


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A scratch course with step_by_step in the gradebook (planar, application not released)."""
    from dnnkit.staff import course as course_mod
    path = copy_course(tmp_path_factory.mktemp("released") / "course")
    course_mod.nbgrader(path, "generate_assignment", A, "--force")
    return path


@pytest.fixture(scope="module")
def graded(released, tmp_path_factory):
    """The released course with ada_corrupt (a notebook that is not JSON) and ben_blank (the
    release) graded by `dnnkit grade`: (course, exit code, output)."""
    from dnnkit.staff import submissions
    path = str(tmp_path_factory.mktemp("graded") / "course")
    shutil.copytree(released, path, symlinks=True)
    submissions.write(path, A, "ben_blank", nbformat.read(
        submissions.release_notebook_path(path, A), as_version=4))
    folder = submissions.write(path, A, "ada_corrupt", nbformat.v4.new_notebook())
    corrupt(os.path.join(folder, NB + ".ipynb"))
    code, output = run_quietly(path, ["grade", A])
    return path, code, output


@pytest.fixture
def copy_of(tmp_path):
    def copy(course):
        dest = str(tmp_path / "copy")
        shutil.copytree(course, dest, symlinks=True)
        return dest
    return copy


# ------------------------------------------------------------------------------------------------
# An unknown assignment id: one message, exit 2, nothing done
# ------------------------------------------------------------------------------------------------

UNKNOWN = {
    "expected": ["expected", "nosuch"],
    "release": ["release", "planar", "nosuch"],
    "sample-class": ["sample-class", "nosuch"],
    "scores": ["scores", "nosuch"],
    "feedback": ["feedback", "nosuch"],
    "export": ["export", "nosuch"],
    "report": ["report", "nosuch"],
    "accuracy": ["accuracy", "nosuch"],
    "replay": ["replay", "nosuch", "ada"],
    "grade": ["grade", "nosuch"],
}


@pytest.mark.parametrize("command", list(UNKNOWN))
def test_an_unknown_assignment_is_named_before_any_work(command, course, monkeypatch, capsys):
    before = sorted(os.listdir(course))
    assert run(course, UNKNOWN[command], monkeypatch) == 2
    out, err = capsys.readouterr()
    assert err.strip() == f"dnnkit {command}: unknown assignment 'nosuch' {KNOWN}", err
    assert out == ""
    assert sorted(os.listdir(course)) == before   # no gradebook, no folder made


def test_grade_takes_the_assignment_after_student_ids(course, monkeypatch, capsys):
    assert run(course, ["grade", "--student", "ada", "nosuch"], monkeypatch) == 2
    assert f"dnnkit grade: unknown assignment 'nosuch' {KNOWN}" in capsys.readouterr().err
    assert run(course, ["grade"], monkeypatch) == 2
    assert "which assignment? give one of: planar, step_by_step, application" in capsys.readouterr().err


def test_help_lists_the_assignment_ids(monkeypatch, capsys):
    from dnnkit.staff import cli
    for argv in (["--help"], ["export", "--help"], ["grade", "--help"], ["replay", "--help"]):
        with pytest.raises(SystemExit) as stop:
            cli.main(argv)
        assert stop.value.code == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "planar, step_by_step, application" in out, argv
        assert "exit codes: 0 done" in out, argv


# ------------------------------------------------------------------------------------------------
# A missing folder: an earlier step not taken, named (exit 3; an unknown student: exit 2)
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["expected", "release"])
def test_no_source_folder(command, course, monkeypatch, capsys):
    shutil.rmtree(os.path.join(course, "source", "planar"))
    assert run(course, [command, "planar"], monkeypatch) == 3
    assert capsys.readouterr().err.strip() == \
        f"dnnkit {command}: no source notebook in source/planar/: the course is incomplete"


@pytest.mark.parametrize("command", ["sample-class", "accuracy"])
def test_no_release_folder(command, course, monkeypatch, capsys):
    shutil.rmtree(os.path.join(course, "release", "planar"))
    assert run(course, [command, "planar"], monkeypatch) == 3
    assert capsys.readouterr().err.strip() == \
        f"dnnkit {command}: no notebook in release/planar/: run `dnnkit release planar` first"
    assert not os.path.exists(os.path.join(course, "submitted", "ada_complete"))


@pytest.mark.parametrize("command", ["scores", "feedback", "export", "report", "grade"])
def test_not_released(command, course, monkeypatch, capsys):
    assert run(course, [command, A], monkeypatch) == 3
    assert capsys.readouterr().err.strip() == \
        f"dnnkit {command}: {A} is not in the gradebook: run `dnnkit release {A}` first"
    assert not os.path.exists(os.path.join(course, "gradebook.db"))   # not made by looking


@pytest.mark.parametrize("command, says", [
    ("scores", "nothing graded yet for step_by_step"),
    ("feedback", "nothing autograded for step_by_step"),
    ("export", "no students and no submissions for step_by_step"),
    ("report", "no students and no submissions for step_by_step"),
])
def test_nothing_submitted(command, says, released, copy_of, monkeypatch, capsys):
    course = copy_of(released)
    assert run(course, [command, A], monkeypatch) == 3
    err = capsys.readouterr().err.strip()
    assert err == (f"dnnkit {command}: {says}: put submissions in submitted/<student>/{A}/ (nbgrader "
                   f"collect, or dnnkit sample-class {A}), then run `dnnkit grade {A}`"), err
    assert not glob.glob(os.path.join(course, "grades-*.csv")) and not os.path.exists(
        os.path.join(course, "reports"))


def test_nothing_to_grade(released, copy_of, monkeypatch, capsys):
    course = copy_of(released)
    shutil.rmtree(os.path.join(course, "submitted"))
    assert run(course, ["grade", A], monkeypatch) == 3
    assert capsys.readouterr().err.strip() == (
        f"dnnkit grade: nothing to grade: put submissions in submitted/<student>/{A}/ (nbgrader "
        f"collect, or dnnkit sample-class {A})")
    assert os.listdir(os.path.join(course, "autograded")) == []


def test_feedback_before_grading_names_grade(released, copy_of, monkeypatch, capsys):
    from dnnkit.staff import submissions
    course = copy_of(released)
    submissions.write(course, A, "ada", nbformat.read(submissions.release_notebook_path(course, A),
                                                      as_version=4))
    assert run(course, ["feedback", A], monkeypatch) == 3
    assert capsys.readouterr().err.strip() == \
        f"dnnkit feedback: nothing autograded for {A}: run `dnnkit grade {A}` first"


def test_every_assignment_skips_those_not_ready(released, copy_of, monkeypatch, capsys):
    course = copy_of(released)
    assert run(course, ["scores"], monkeypatch) == 3   # none has anything graded
    err = capsys.readouterr().err
    assert err.startswith("dnnkit scores: nothing to do: planar is not in the gradebook"), err


def test_replay_of_an_unknown_student(released, copy_of, monkeypatch, capsys):
    course = copy_of(released)
    shutil.rmtree(os.path.join(course, "submitted"))
    assert run(course, ["replay", A, "ada"], monkeypatch) == 2
    assert capsys.readouterr().err.strip() == (
        f"dnnkit replay: unknown student 'ada': no such submission (no submitted/ada/{A}/; "
        f"students with a submission of {A}: none)")


# ------------------------------------------------------------------------------------------------
# The graded course: a corrupt notebook is a fault, said once; nothing after it crashes
# ------------------------------------------------------------------------------------------------

def test_grade_reports_a_corrupt_notebook_as_a_fault(graded):
    _, code, output = graded
    assert code == 1, output   # ran, but a submission needs a person
    assert f"\n{A}: 2 submissions: 1 graded, 1 fault (" in output, output
    assert f"  fault ada_corrupt: {NB}.ipynb could not be read: NotJSONError" in output, output
    assert "submissions graded" not in output and clean(output), output
    assert output.count("2/2") == 1, output   # the final progress line once


def test_grade_of_an_unknown_student_grades_no_one(graded, copy_of, monkeypatch, capsys):
    course = copy_of(graded[0])
    status = os.path.join(course, "autograded", "ben_blank", A, "grading_status.json")
    mtime = os.stat(status).st_mtime_ns
    assert run(course, ["grade", A, "--force", "--student", "ben_blank", "nobody"], monkeypatch) == 2
    assert capsys.readouterr().err.strip() == (
        f"dnnkit grade: no submission of {A} by nobody in submitted/<student>/{A}/ (students with "
        f"one: ada_corrupt, ben_blank)")
    assert os.stat(status).st_mtime_ns == mtime


def test_grade_options_in_any_order(graded, copy_of, monkeypatch, capsys):
    from dnnkit.batch import engine
    course, calls = copy_of(graded[0]), []
    monkeypatch.setattr(engine, "grade", lambda root, assignment, **kw: calls.append(
        (assignment, kw["students"], kw["force"])) or {s: "graded" for s in kw["students"]})
    for argv in (["grade", "--student", "ben_blank", A],
                 ["grade", "--student", "ben_blank", "ada_corrupt", A, "--force"],
                 ["grade", A, "--student", "ben_blank", "--force", "--student", "ada_corrupt"]):
        assert run(course, argv, monkeypatch) == 0, argv
    assert calls == [(A, ["ben_blank"], False), (A, ["ben_blank", "ada_corrupt"], True),
                     (A, ["ben_blank", "ada_corrupt"], True)]


def test_feedback_goes_on_past_a_corrupt_notebook(graded, copy_of, monkeypatch, capsys):
    course = copy_of(graded[0])
    assert run(course, ["feedback", A], monkeypatch) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{A}: nbgrader generate_feedback ...\n"), out   # progress first
    assert "none for ada_corrupt: no autograded notebook" in out, out
    assert clean(out + err), out + err
    assert os.path.exists(os.path.join(course, "feedback", "ben_blank", A, NB + ".html"))


def test_feedback_when_every_submission_faulted(graded, copy_of, monkeypatch, capsys):
    course = copy_of(graded[0])
    shutil.rmtree(os.path.join(course, "autograded", "ben_blank"))
    assert run(course, ["feedback", A], monkeypatch) == 3
    assert capsys.readouterr().err.strip() == (
        f"dnnkit feedback: no autograded notebook of {A}: grading faulted for every submission "
        f"(ada_corrupt; their reasons: `dnnkit export {A}`)")


def test_export_tells_the_fault(graded, copy_of, monkeypatch, capsys):
    course = copy_of(graded[0])
    assert run(course, ["export", A], monkeypatch) == 0
    out, err = capsys.readouterr()
    assert "1 fault" in out and clean(out + err), out + err
    with open(os.path.join(course, f"grades-{A}.csv"), newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert rows["ada_corrupt"]["status"] == "fault" and "NotJSONError" in rows["ada_corrupt"]["reason"]


def test_report_with_a_corrupt_notebook(graded, copy_of, monkeypatch, capsys):
    course = copy_of(graded[0])
    assert run(course, ["report", A], monkeypatch) == 0
    out, err = capsys.readouterr()
    assert "instructor report:" in out and clean(out + err), out + err
    assert os.path.exists(os.path.join(course, "reports", f"{A}.html"))


def test_scores_with_a_corrupt_notebook(graded, copy_of, monkeypatch, capsys):
    course = copy_of(graded[0])
    assert run(course, ["scores"], monkeypatch) == 0   # planar, application: skipped, said so
    out, err = capsys.readouterr()
    assert "dnnkit scores: skipping planar: planar is not in the gradebook" in err, err
    assert any(line.startswith("ada_corrupt ") for line in out.splitlines()), out
    assert clean(out + err)


def test_replay_of_a_corrupt_notebook(graded, copy_of, monkeypatch, capsys):
    course = copy_of(graded[0])
    assert run(course, ["replay", A, "ada_corrupt"], monkeypatch) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("dnnkit replay: ") and err.endswith(
        f"ada_corrupt/{A}/{NB}.ipynb: not a readable notebook (NotJSONError: Notebook does not "
        f"appear to be JSON: '{CORRUPT}')"), err


# ------------------------------------------------------------------------------------------------
# A corrupt notebook in the course itself
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["expected", "release"])
def test_a_corrupt_source_notebook(command, course, monkeypatch, capsys):
    path = glob.glob(os.path.join(course, "source", "planar", "*.ipynb"))[0]
    corrupt(path)
    assert run(course, [command, "planar"], monkeypatch) == 1
    out, err = capsys.readouterr()
    assert out == "planar: expected outputs from the reference solution (runs it) ...\n"
    assert err.strip() == f"dnnkit {command}: {path}: not a readable notebook (NotJSONError: " \
                          f"Notebook does not appear to be JSON: '{CORRUPT}')", err


@pytest.mark.parametrize("command", ["sample-class", "accuracy"])
def test_a_corrupt_release_notebook(command, course, monkeypatch, capsys):
    path = glob.glob(os.path.join(course, "release", A, "*.ipynb"))[0]
    corrupt(path)
    assert run(course, [command, A], monkeypatch) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"dnnkit {command}: {path}: not a readable notebook (NotJSONError: " \
                  f"Notebook does not appear to be JSON: '{CORRUPT}')", err
    assert not os.path.exists(os.path.join(course, "submitted", "ada_complete"))


# ------------------------------------------------------------------------------------------------
# Progress and warnings
# ------------------------------------------------------------------------------------------------

def test_release_says_each_step_as_it_starts(course, monkeypatch, capsys):
    from dnnkit.staff import course as course_mod, expected
    monkeypatch.setattr(expected, "update", lambda root, assignment: [])
    monkeypatch.setattr(course_mod, "nbgrader", lambda root, *args, **kw: None)
    assert run(course, ["release", "planar", "application"], monkeypatch) == 0
    assert capsys.readouterr().out.splitlines() == [
        "planar: expected outputs from the reference solution (runs it) ...",
        "planar: nbgrader generate_assignment ...", "released release/planar/",
        "application: expected outputs from the reference solution (runs it) ...",
        "application: nbgrader generate_assignment ...", "released release/application/"]


def test_library_warnings_stay_out_of_the_terminal(course, monkeypatch, capsys):
    import warnings
    from dnnkit.staff import cli, course as course_mod
    seen = []
    monkeypatch.setattr(cli, "cmd_expected", lambda args, root: seen.append(warnings.filters[0][0]))
    monkeypatch.setattr(cli.sys, "warnoptions", [])
    assert run(course, ["expected", "planar"], monkeypatch) == 0
    assert seen == ["ignore"]
    nbgrader_output = ("[GenerateFeedbackApp | INFO] Copying a.ipynb\n"
                       "/venv/sqlalchemy/orm/relationships.py:1234: SAWarning: relationship X will copy\n"
                       "  warnings.warn(\n"
                       "[GenerateFeedbackApp | ERROR] No notebooks were matched")
    assert course_mod.without_warnings(nbgrader_output) == (
        "[GenerateFeedbackApp | INFO] Copying a.ipynb\n[GenerateFeedbackApp | ERROR] No notebooks were matched")
