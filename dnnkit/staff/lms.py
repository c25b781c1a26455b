"""Grades for the LMS: one file for every assignment, in the LMS's own import format.

- "canvas": Canvas's gradebook import (Grades > Import): the columns Student, ID, SIS User ID, SIS
  Login ID, Section, then one per assignment (its id, the column's name in Canvas); a "Points
  Possible" row second. Student is "Last, First" (the id without names), ID the roster's LMS id
  (Canvas's user id), SIS Login ID the nbgrader student id; Canvas matches students by ID first.
- "moodle": Moodle's "Import grades from CSV file": First name, Last name, Username (the nbgrader
  id), ID number (the LMS id), Email address, then one column per assignment; at import, "Identify
  user by" maps one of them (email address, username or ID number) to the user, and each
  assignment column to a grade item.
- "csv", the kit's own: per student the roster, then per assignment every graded function's
  points, nbgrader's score, its late penalty, the total after it, the maximum, status, reason,
  the submission time and the feedback files.

A grade cell is nbgrader's score minus its late penalty (as `nbgrader export` computes it) and is
blank, never 0, for a student who is missing (no submission, not graded yet) and, in the LMS
formats, for a grading fault (a person decides: the kit's csv keeps the points it determined).
Every cell goes through `results.cell` (no formulas).
"""
import csv

from dnnkit.staff import course, results

FORMATS = ("csv", "canvas", "moodle")
DEFAULT_FILE = {"csv": "grades-course.csv", "canvas": "grades-canvas.csv",
                "moodle": "grades-moodle.csv"}


def gather(root, assignments):
    """{assignment: ({function: max points}, max score or None, {student: Result})}; an
    assignment the gradebook does not know yet (not released) has no functions and no results."""
    from nbgrader.api import MissingEntry
    found = {}
    for assignment in assignments:
        try:
            functions = results.graded_functions(root, assignment)
        except MissingEntry:
            found[assignment] = ({}, None, {})
            continue
        rows = {r.student: r for r in results.collect(root, assignment)}
        found[assignment] = (functions, _max_score(root, assignment), rows)
    return found


def _max_score(root, assignment):
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url(root)) as gb:
        return gb.find_assignment(assignment).max_score


def write(root, assignments, fmt, path):
    """Write the file; returns what `gather` found."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    data = gather(root, assignments)
    people = _people(root, data)
    rows = {"csv": _kit, "canvas": _canvas, "moodle": _moodle}[fmt](data, people)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        for row in rows:
            out.writerow([results.cell(v) for v in row])
    return data


def _people(root, data):
    """{student: roster fields} of everyone in any assignment, and everyone on the roster."""
    from nbgrader.api import Gradebook
    people = {}
    with Gradebook(course.db_url(root)) as gb:
        for s in gb.students:
            people[s.id] = {"first_name": s.first_name or "", "last_name": s.last_name or "",
                            "email": s.email or "", "lms_user_id": s.lms_user_id or ""}
    for _, _, rows in data.values():
        for student in rows:
            people.setdefault(student, {"first_name": "", "last_name": "", "email": "",
                                        "lms_user_id": ""})
    return dict(sorted(people.items()))


def _grade(result):
    """The LMS's grade cell: the total after the late penalty, blank unless graded."""
    if result is None or result.status != "graded":
        return ""
    return _number(result.total_after_penalty)


def _canvas(data, people):
    yield ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *data]
    yield ["Points Possible", "", "", "", "", *(_number(m) for _, m, _ in data.values())]
    for student, p in people.items():
        name = ", ".join(filter(None, [p["last_name"], p["first_name"]])) or student
        yield [name, p["lms_user_id"], "", student, "",
               *(_grade(rows.get(student)) for _, _, rows in data.values())]


def _moodle(data, people):
    yield ["First name", "Last name", "Username", "ID number", "Email address", *data]
    for student, p in people.items():
        yield [p["first_name"], p["last_name"], student, p["lms_user_id"], p["email"],
               *(_grade(rows.get(student)) for _, _, rows in data.values())]


KIT_COLUMNS = ("score", "late_penalty", "total", "max", "status", "reason", "submitted_at", "feedback")


def _kit(data, people):
    header = ["student_id", "first_name", "last_name", "email", "lms_user_id"]
    for assignment, (functions, _, _) in data.items():
        header += [f"{assignment}/{f}" for f in functions]
        header += [f"{assignment}/{c}" for c in KIT_COLUMNS]
    yield header
    for student, p in people.items():
        row = [student, p["first_name"], p["last_name"], p["email"], p["lms_user_id"]]
        for functions, maximum, rows in data.values():
            r = rows.get(student)
            if r is None:
                row += [""] * len(functions) + ["", "", "", _number(maximum), "missing",
                                                "no submission", "", ""]
                continue
            graded = r.status != "missing"
            row += [_number(r.scores.get(f)) for f in functions]
            row += [_number(r.score) if graded else "",
                    _number(r.late_penalty) if graded else "",
                    _number(r.total_after_penalty), _number(maximum), r.status, r.reason,
                    r.submitted_at.isoformat() if r.submitted_at and graded else "",
                    " ".join(r.feedback)]
        yield row


def _number(value):
    return "" if value is None else format(value, "g")
