"""Grades straight into the LMS (issue 15): `dnnkit roster import`, `dnnkit export --format
canvas|moodle|csv` (one file for every assignment), and exports that read the gradebook, not the
local autograded/ folder.

All start from the session's `graded_course` (tests/conftest.py: Step-by-Step graded by plain
`nbgrader autograde`; planar and application not released there). Tests that change the
gradebook work on a copy of it (its SQLite gradebook is the copy's own).
"""
import csv
import os
import shutil
import subprocess
import sys

import pytest

from dnnkit.staff import course as course_mod

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
STUDENTS = ["ada_complete", "ben_blank", "eli_linear_backward", "gus_fault", "hana_late", "ivan_absent"]


def dnnkit(course, *args, ok=True):
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "dnnkit"), *args],
                            cwd=course, env=course_mod.tool_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert (result.returncode == 0) == ok, result.stdout
    return result.stdout


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def copy_of(graded_course, tmp_path):
    dest = str(tmp_path / "course")
    shutil.copytree(graded_course, dest, symlinks=True)
    return dest


def canvas_grades(path):
    """The file as Canvas's gradebook import reads it: the header names its five student
    columns and then one column per assignment; an optional "Points Possible" row; then a row
    per student, matched by ID (or SIS User ID / SIS Login ID); a blank cell changes nothing."""
    header, *rows = rows_of(path)
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assignments = header[5:]
    points = None
    if rows and rows[0][0].strip() == "Points Possible":
        points = dict(zip(assignments, rows.pop(0)[5:]))
    students = {}
    for row in rows:
        assert len(row) == len(header)
        students[row[3]] = {"name": row[0], "id": row[1],
                            "grades": dict(zip(assignments, row[5:]))}
    return assignments, points, students


def test_canvas_file_one_column_per_assignment_blank_when_missing(graded_course):
    out = dnnkit(graded_course, "export", "--format", "canvas")
    path = os.path.join(graded_course, "grades-canvas.csv")
    assert path in out and "faulty submissions are blank" in out
    assignments, points, students = canvas_grades(path)
    # every assignment of the gradebook (here only step_by_step is released), in course order
    assert assignments == [A] and points == {A: "102"}
    assert sorted(students) == STUDENTS
    grades = {s: v["grades"][A] for s, v in students.items()}
    assert grades == {"ada_complete": "102", "ben_blank": "0", "eli_linear_backward": "92",
                      "gus_fault": "", "hana_late": "", "ivan_absent": ""}   # blank, not 0
    assert students["ada_complete"]["name"] == "ada_complete"   # no roster yet: the id


def test_an_assignment_not_in_the_gradebook_is_a_blank_column(graded_course, tmp_path):
    from dnnkit.staff import lms
    path = str(tmp_path / "canvas.csv")
    lms.write(graded_course, course_mod.ASSIGNMENTS, "canvas", path)
    assignments, points, students = canvas_grades(path)
    assert assignments == course_mod.ASSIGNMENTS
    assert points == {"planar": "", A: "102", "application": ""}
    assert all(v["grades"]["planar"] == "" == v["grades"]["application"] for v in students.values())


def test_moodle_file_identifier_columns_then_one_per_grade_item(graded_course):
    out = dnnkit(graded_course, "export", "--format", "moodle", "--output", "moodle.csv")
    assert "moodle.csv" in out
    with open(os.path.join(graded_course, "moodle.csv"), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["First name", "Last name", "Username", "ID number",
                                     "Email address", A]
        rows = {r["Username"]: r for r in reader}
    assert sorted(rows) == STUDENTS
    assert [rows[s][A] for s in STUDENTS] == ["102", "0", "92", "", "", ""]
    for value in (v for r in rows.values() for v in r.values()):
        assert value == "" or not value.startswith(("=", "+", "-", "@"))


def test_kit_csv_keeps_per_function_detail_for_every_assignment(graded_course):
    dnnkit(graded_course, "export", "--format", "csv")
    with open(os.path.join(graded_course, "grades-course.csv"), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = {r["student_id"]: r for r in reader}
    assert header[:5] == ["student_id", "first_name", "last_name", "email", "lms_user_id"]
    for a in [A]:
        assert [f"{a}/{c}" for c in ("score", "late_penalty", "total", "max", "status", "reason",
                                      "submitted_at", "feedback")] == \
            [h for h in header if h.startswith(a + "/") and h.split("/")[1] in (
                "score", "late_penalty", "total", "max", "status", "reason", "submitted_at", "feedback")]
    ada, eli, gus, hana, ivan = (rows[s] for s in ("ada_complete", "eli_linear_backward",
                                                   "gus_fault", "hana_late", "ivan_absent"))
    assert ada[f"{A}/linear_backward"] == "10" and eli[f"{A}/linear_backward"] == "0"
    assert (eli[f"{A}/score"], eli[f"{A}/late_penalty"], eli[f"{A}/total"], eli[f"{A}/max"]) == \
        ("92", "0", "92", "102")
    assert eli[f"{A}/submitted_at"]            # nbgrader's timestamp of the submission
    assert (gus[f"{A}/status"], gus[f"{A}/total"]) == ("fault", "102")   # points kept here
    assert gus[f"{A}/reason"].startswith("the kernel died (memory cap)")
    assert (hana[f"{A}/status"], hana[f"{A}/reason"], hana[f"{A}/total"]) == \
        ("missing", "submitted but not graded yet", "")
    assert (ivan[f"{A}/status"], ivan[f"{A}/total"], ivan[f"{A}/linear_forward"]) == ("missing", "", "")


def test_a_late_submission_has_nbgraders_penalty_and_total(graded_course, tmp_path):
    """A due date, a late timestamp and a penalty in nbgrader's rows (what AssignLatePenalties
    writes): the export's penalty, total and submission time are nbgrader's (score - penalty),
    and the LMS files carry the total after it."""
    import datetime
    from nbgrader.api import Gradebook
    from dnnkit.staff import lms
    course = copy_of(graded_course, tmp_path)
    stamp = datetime.datetime(2026, 1, 11, 8, 30)
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        gb.update_or_create_assignment(A, duedate=datetime.datetime(2026, 1, 10, 12))
        submission = gb.find_submission(A, "eli_linear_backward")
        submission.timestamp = stamp
        submission.notebooks[0].late_submission_penalty = 30
        gb.db.commit()
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        s = gb.find_submission(A, "eli_linear_backward")
        score, penalty, seconds_late = s.score, s.late_submission_penalty, s.total_seconds_late
    assert (score, penalty, seconds_late) == (92, 30, 20.5 * 3600)
    dnnkit(course, "export", "--format", "csv")
    with open(os.path.join(course, "grades-course.csv"), newline="", encoding="utf-8") as f:
        eli = next(r for r in csv.DictReader(f) if r["student_id"] == "eli_linear_backward")
    assert (float(eli[f"{A}/score"]), float(eli[f"{A}/late_penalty"])) == (score, penalty)
    assert float(eli[f"{A}/total"]) == score - penalty == 62
    assert eli[f"{A}/submitted_at"] == stamp.isoformat()
    lms.write(course, [A], "canvas", str(tmp_path / "canvas.csv"))
    _, _, students = canvas_grades(str(tmp_path / "canvas.csv"))
    assert students["eli_linear_backward"]["grades"][A] == "62"
    assert students["ada_complete"]["grades"][A] == "102"   # on time: no penalty


def test_roster_import_puts_names_into_the_exports(graded_course, tmp_path):
    course = copy_of(graded_course, tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email,lms_user_id\n"
                      "ada_complete,Ada,Lovelace,ada@example.edu,1001\n"
                      "eli_linear_backward,Eli,=Cmd,eli@example.edu,1003\n"
                      "new_student,Nia,New,nia@example.edu,1009\n")
    out = dnnkit(course, "roster", "import", str(roster))
    assert "1 students added, 2 updated" in out
    canvas = tmp_path / "canvas.csv"
    dnnkit(course, "export", "--format", "canvas", "--output", str(canvas))
    _, _, students = canvas_grades(canvas)
    assert students["ada_complete"]["name"] == "Lovelace, Ada"
    assert students["ada_complete"]["id"] == "1001"
    assert students["eli_linear_backward"]["name"] == "'=Cmd, Eli"   # no formula
    assert students["new_student"]["grades"][A] == ""   # on the roster, nothing submitted
    from dnnkit.staff import lms, roster as roster_mod
    lms.write(course, [A], "moodle", os.path.join(course, "grades-moodle.csv"))
    with open(os.path.join(course, "grades-moodle.csv"), newline="", encoding="utf-8") as f:
        ada = next(r for r in csv.DictReader(f) if r["Username"] == "ada_complete")
    assert (ada["First name"], ada["Last name"], ada["Email address"], ada["ID number"], ada[A]) == \
        ("Ada", "Lovelace", "ada@example.edu", "1001", "102")

    # a Canvas gradebook export as the roster: Student "Last, First", ID, SIS Login ID
    export = tmp_path / "canvas-export.csv"
    export.write_text('Student,ID,SIS User ID,SIS Login ID,Section,Week 1\n'
                      '    Points Possible,,,,,10\n'
                      '"Blank, Ben",2002,S2002,ben_blank,A1,\n')
    assert roster_mod.import_roster(course, str(export)) == (0, 1)
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        ben, ada = gb.find_student("ben_blank"), gb.find_student("ada_complete")
        assert (ben.first_name, ben.last_name, ben.lms_user_id) == ("Ben", "Blank", "2002")
        assert ada.email == "ada@example.edu"   # untouched


@pytest.mark.parametrize("text,line,says", [
    ("id,first_name,email\nada,Ada,ada@example.edu\nbad id,Bo,bo@example.edu\n", 3, "not one nbgrader can use"),
    ("id,first_name,email\nada,Ada,not-an-email\n", 2, "not an e-mail address"),
    ("id,first_name\nada,Ada\nben,Ben\nada,Again\n", 4, "again (first on line 2)"),
    ("first_name,last_name\nAda,Lovelace\n", 1, "no `id` column"),
    ("id,first_name\nada,Ada,extra\n", 2, "more cells than the header"),
])
def test_a_bad_roster_row_names_the_file_and_line_and_changes_nothing(graded_course, tmp_path, text, line, says):
    from dnnkit.staff import roster
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(roster.RosterError) as error:
        roster.import_roster(graded_course, str(path))
    assert f"{path}, line {line}: " in str(error.value) and says in str(error.value)


def test_the_roster_command_fails_with_the_file_and_line(graded_course, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("id,first_name\nzed_new,Zed\n../escape,Eve\n")
    out = dnnkit(graded_course, "roster", "import", str(path), ok=False)
    assert f"dnnkit roster import: {path}, line 3: student id '../escape'" in out
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook("sqlite:///" + os.path.join(graded_course, "gradebook.db")) as gb:
        with pytest.raises(MissingEntry):
            gb.find_student("zed_new")   # nothing written: the good row neither


def test_statuses_and_verdicts_come_from_the_gradebook_without_autograded(graded_course, tmp_path):
    """The gradebook alone (as with PostgreSQL shared by TAs, graded elsewhere): the same
    statuses, reasons, scores and judge's verdicts as with the autograded/ folder."""
    from dnnkit.staff import results
    with_folder = {r.student: r for r in results.collect(graded_course, A)}
    course = copy_of(graded_course, tmp_path)
    shutil.rmtree(os.path.join(course, "autograded"))
    without = {r.student: r for r in results.collect(course, A)}
    assert sorted(without) == STUDENTS
    for student in STUDENTS:
        a, b = with_folder[student], without[student]
        assert (b.status, b.reason, b.scores, b.total) == (a.status, a.reason, a.scores, a.total), student
        assert b.verdicts == a.verdicts, student
    assert without["gus_fault"].status == "fault"
    assert without["ben_blank"].status == "graded"
    assert without["eli_linear_backward"].verdicts["linear_backward"].mistake == "missing_1_over_m"
    assert (without["hana_late"].status, without["hana_late"].reason) == \
        ("missing", "submitted but not graded yet")
    dnnkit(course, "export", "--format", "csv")
    with open(os.path.join(course, "grades-course.csv"), newline="", encoding="utf-8") as f:
        statuses = {r["student_id"]: r[f"{A}/status"] for r in csv.DictReader(f)}
    assert statuses == {"ada_complete": "graded", "ben_blank": "graded",
                        "eli_linear_backward": "graded", "gus_fault": "fault",
                        "hana_late": "missing", "ivan_absent": "missing"}


def test_dnnkit_grade_commits_the_outcome_and_verdicts_with_the_grades(graded_course, tmp_path):
    """The coordinator (engine.Recorder) stores the Outcome and the judge's verdicts in the
    gradebook in the grades' transaction: read back with autograded/ gone."""
    from dnnkit.batch import engine, grading
    from dnnkit.outcome import Fault
    from dnnkit.staff import results
    course = copy_of(graded_course, tmp_path)
    config, coursedir = engine.load_config(course)
    snapshot = grading.snapshot(config, coursedir, A)
    text = open(os.path.join(course, "autograded", "eli_linear_backward", A, NB + ".ipynb")).read()
    fault = Fault("cell 3", "time-out after 60 s", stops=True)
    task = grading.Task(A, "zed_timeout", {}, snapshot, "ab" * 32)
    result = grading.Result(A, "zed_timeout", task.digest, "fault", "a time-out", [fault], 1.0,
                            [grading.NotebookResult(NB, "graded", text)])
    recorder = engine.Recorder(config, coursedir, snapshot)
    try:
        recorder.record([(task, result, None)])
    finally:
        recorder.close()
    expected = results.verdicts_of(course, A, "eli_linear_backward", stored={})
    shutil.rmtree(os.path.join(course, "autograded"))
    assert results.status_of(course, A, "zed_timeout") == ("fault", "a time-out; cell 3: time-out after 60 s")
    assert results.verdicts_of(course, A, "zed_timeout") == expected and len(expected) == 10
