"""What grading produced for one assignment, student by student (for exports and reports).

- points per graded function: the nbgrader gradebook;
- status: the Outcome (dnnkit.outcome) `dnnkit grade` and plain `nbgrader autograde` write beside
  the autograded notebooks; a folder with none (an older kit's): "graded" when its autograded
  notebook is there, else "missing";
- the judge's verdicts: the Verdict on each test cell of the autograded notebook.
"""
import csv
import glob
import os
from dataclasses import dataclass, field

import nbformat

from dnnkit.outcome import STATUS_FILE, Outcome, Verdict, function_of
from dnnkit.staff import course


@dataclass
class Result:
    student: str
    status: str                                   # graded | fault | missing
    reason: str = ""
    scores: dict = field(default_factory=dict)    # {function: points}; absent when not graded
    verdicts: dict = field(default_factory=dict)  # {function: the judge's Verdict}

    @property
    def total(self):
        return sum(v or 0 for v in self.scores.values())


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


def status_of(root, assignment, student):
    """(status, reason) of one submission."""
    folder = os.path.join(root, "autograded", student, assignment)
    outcome = Outcome.read(os.path.join(folder, STATUS_FILE))
    if outcome is not None:
        untold = [str(f) for f in outcome.faults if str(f) not in outcome.reason]
        return outcome.status, "; ".join(filter(None, [outcome.reason, *untold]))
    if glob.glob(os.path.join(folder, "*.ipynb")):
        return "graded", ""
    if os.path.isdir(os.path.join(root, "submitted", student, assignment)):
        return "missing", "submitted but not graded yet"
    return "missing", "no submission"


def verdicts_of(root, assignment, student):
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


def collect(root, assignment):
    """[Result] for every student of the assignment, sorted by student id."""
    functions = graded_functions(root, assignment)
    table = course.scores(root, assignment)
    results = []
    for student in students(root, assignment):
        status, reason = status_of(root, assignment, student)
        graded = {function_of(g): s for g, s in table.get(student, {}).items()}
        scores = {f: graded[f] for f in functions if f in graded} if status != "missing" else {}
        results.append(Result(student, status, reason, scores,
                              verdicts_of(root, assignment, student)))
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
