"""What grading produced for one assignment, student by student (for exports and reports).

- points per graded function: the nbgrader gradebook;
- status: the Outcome (dnnkit.outcome) `dnnkit grade` and plain `nbgrader autograde` write both
  into the gradebook's database (dnnkit.outcome_store) and beside the autograded notebooks (the
  newer of the two counts; either alone does); with neither (an older kit's): "graded" when an
  autograded notebook or a gradebook submission is there, else "missing";
- the judge's verdicts: stored with the Outcome, else the Verdict on each test cell of the
  autograded notebook;
- names, e-mail, LMS id (`dnnkit roster import`), nbgrader's score, late penalty and submission
  time: the gradebook.
So a course whose gradebook is shared (PostgreSQL) exports and reports without autograded/.
"""
import csv
import datetime
import glob
import os
from dataclasses import dataclass, field

import nbformat

from dnnkit import outcome_store
from dnnkit.outcome import STATUS_FILE, Outcome, Verdict, function_of
from dnnkit.staff import course


@dataclass
class Result:
    student: str
    status: str                                   # graded | fault | missing
    reason: str = ""
    scores: dict = field(default_factory=dict)    # {function: points}; absent when not graded
    verdicts: dict = field(default_factory=dict)  # {function: the judge's Verdict}
    # from the gradebook (the roster: `dnnkit roster import`; the submission: nbgrader's rows)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    score: float = None          # SubmittedAssignment.score, before the late penalty; None: no row
    late_penalty: float = None   # SubmittedAssignment.late_submission_penalty
    submitted_at: datetime.datetime = None   # SubmittedAssignment.timestamp (UTC)
    feedback: list = field(default_factory=list)   # feedback/<student>/<assignment>/*.html (relative)

    @property
    def total(self):
        return sum(v or 0 for v in self.scores.values())

    @property
    def name(self):
        return " ".join(filter(None, [self.first_name, self.last_name]))

    @property
    def total_after_penalty(self):
        """nbgrader's score minus its late penalty (what `nbgrader export` calls score); None
        when missing or not in the gradebook."""
        if self.status == "missing" or self.score is None:
            return None
        return max(0.0, self.score - (self.late_penalty or 0.0))


def graded_functions(root, assignment):
    """{function: max points} of the assignment's graded test cells, in notebook order."""
    return {function_of(cell): points
            for cell, points in course.max_scores(root, assignment).items() if points}


def students(root, assignment):
    """Everyone the gradebook knows, plus everyone with a submission or a graded one."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url(root)) as gb:
        known = {s.id for s in gb.students}
    for area in ("submitted", "autograded"):
        known |= {os.path.basename(os.path.dirname(p))
                  for p in glob.glob(os.path.join(root, area, "*", assignment)) if os.path.isdir(p)}
    return sorted(known)


def stored_outcomes(root, assignment, students=None):
    """{student: outcome_store.Stored} in the gradebook's database ({} when it has none)."""
    from dnnkit.batch.engine import load_config
    try:
        coursedir = load_config(root)[1]
    except Exception:  # noqa: BLE001 (no course config here: the status files alone)
        return {}
    return outcome_store.read(coursedir.db_url, coursedir.course_id, assignment, students)


def record_outcome(root, assignment, student, outcome, verdicts=None):
    """Store an Outcome in the gradebook's kit table, as grading does (verdicts None: keep)."""
    from dnnkit.batch.engine import load_config
    coursedir = load_config(root)[1]
    outcome_store.record(coursedir.db_url, coursedir.course_id, assignment, student, outcome, verdicts)


_UNREAD = object()


def outcome_of(root, assignment, student, stored=_UNREAD):
    """(Outcome or None, verdicts or None) of one submission: the gradebook's or the status
    file's, whichever was written last (`stored`: the gradebook's, already read, or None)."""
    if stored is _UNREAD:
        stored = stored_outcomes(root, assignment, [student]).get(student)
    path = os.path.join(root, "autograded", student, assignment, STATUS_FILE)
    local = Outcome.read(path)
    if stored is not None and (local is None or stored.updated >= _mtime(path)):
        return stored.outcome, stored.verdicts
    return local, None


def _mtime(path):
    seconds = os.path.getmtime(path)
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(tzinfo=None)


def status_of(root, assignment, student):
    """(status, reason) of one submission."""
    return _status(root, assignment, student, outcome_of(root, assignment, student)[0])


def _status(root, assignment, student, outcome, submitted=False):
    """(status, reason) from its Outcome, else from what is there. `submitted`: the gradebook
    has its submission."""
    folder = os.path.join(root, "autograded", student, assignment)
    if outcome is not None:
        untold = [str(f) for f in outcome.faults if str(f) not in outcome.reason]
        return outcome.status, "; ".join(filter(None, [outcome.reason, *untold]))
    if glob.glob(os.path.join(folder, "*.ipynb")) or submitted:
        return "graded", ""
    if os.path.isdir(os.path.join(root, "submitted", student, assignment)):
        return "missing", "submitted but not graded yet"
    return "missing", "no submission"


def verdicts_of(root, assignment, student, stored=None):
    """{function: Verdict}: those stored in the gradebook with a newer Outcome than the status
    file's, else those in the autograded notebooks. `stored={}`: the notebooks only."""
    if stored is None:
        _, verdicts = outcome_of(root, assignment, student)
        if verdicts is not None:
            return verdicts
    found = {}
    for path in sorted(glob.glob(os.path.join(root, "autograded", student, assignment, "*.ipynb"))):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # an unreadable notebook has no verdicts; its status says why
            continue
        for cell in nb.cells:
            verdict = Verdict.of_cell(cell)
            if verdict:
                found[verdict.name] = verdict
    return found


def gradebook_rows(root, assignment):
    """({student: {first_name, last_name, email, lms_user_id}}, {student: (score, late penalty,
    timestamp)}) from the gradebook, in two queries."""
    from nbgrader.api import Assignment, Gradebook, Student, SubmittedAssignment
    with Gradebook(course.db_url(root)) as gb:
        people = {row.id: {"first_name": row.first_name or "", "last_name": row.last_name or "",
                           "email": row.email or "", "lms_user_id": row.lms_user_id or ""}
                  for row in gb.db.query(Student.id, Student.first_name, Student.last_name,
                                         Student.email, Student.lms_user_id)}
        submissions = {row[0]: tuple(row[1:]) for row in gb.db.query(
            SubmittedAssignment.student_id, SubmittedAssignment.score,
            SubmittedAssignment.late_submission_penalty, SubmittedAssignment.timestamp).join(
            Assignment, SubmittedAssignment.assignment_id == Assignment.id).filter(
            Assignment.name == assignment)}
    return people, submissions


def collect(root, assignment):
    """[Result] for every student of the assignment, sorted by student id: everything from the
    gradebook (and its kit table), the autograded/ folder only where the gradebook has nothing."""
    functions = graded_functions(root, assignment)
    table = course.scores(root, assignment)
    people, submissions = gradebook_rows(root, assignment)
    stored = stored_outcomes(root, assignment)
    results = []
    for student in students(root, assignment):
        outcome, verdicts = outcome_of(root, assignment, student, stored.get(student))
        status, reason = _status(root, assignment, student, outcome, submitted=student in submissions)
        graded = {function_of(g): s for g, s in table.get(student, {}).items()}
        scores = {f: graded[f] for f in functions if f in graded} if status != "missing" else {}
        if verdicts is None:
            verdicts = verdicts_of(root, assignment, student, stored={})
        score, penalty, timestamp = submissions.get(student, (None, None, None))
        feedback = sorted(os.path.relpath(p, root) for p in glob.glob(
            os.path.join(root, "feedback", student, assignment, "*.html")))
        results.append(Result(student, status, reason, scores, verdicts, **people.get(student, {}),
                              score=score, late_penalty=penalty, submitted_at=timestamp,
                              feedback=feedback))
    return results


def write_csv(root, assignment, path):
    """One row per student: a column per graded function, total, max, status, reason."""
    functions = graded_functions(root, assignment)
    maximum = sum(functions.values())
    rows = collect(root, assignment)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student_id", *functions, "total", "max", "status", "reason"])
        for r in rows:
            out.writerow([cell(v) for v in (r.student, *(_number(r.scores.get(fn)) for fn in functions),
                                             _number(r.total), _number(maximum), r.status, r.reason)])
    return rows


def cell(text):
    """A CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading
    apostrophe (OWASP's advice for CSV injection)."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _number(value):
    return "" if value is None else format(value, "g")
