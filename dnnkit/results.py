"""What grading produced for one assignment, student by student (for exports and reports).

- points per graded function: the nbgrader gradebook;
- status: `autograded/<student>/<assignment>/grading_status.json` written by `dnnkit grade`
  ({"status": "graded" | "fault" | "missing", "reason", "faults": {where: why}}); a submission
  graded by plain `nbgrader autograde` has none: "graded" when its autograded notebook is there,
  else "missing";
- the judge's verdicts: `metadata["dnnkit"]` of each test cell in the autograded notebook.
"""
import csv
import glob
import json
import os
from dataclasses import dataclass, field

import nbformat

from dnnkit import course

STATUS_FILE = "grading_status.json"


@dataclass
class Result:
    student: str
    status: str                                   # graded | fault | missing
    reason: str = ""
    scores: dict = field(default_factory=dict)    # {function: points}; absent when not graded
    verdicts: dict = field(default_factory=dict)  # {function: the judge's verdict metadata}

    @property
    def total(self):
        return sum(v or 0 for v in self.scores.values())


def function_name(grade_id):
    return grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id


def graded_functions(root, assignment):
    """{function: max points} of the assignment's graded test cells, in notebook order."""
    return {function_name(cell): points
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
    path = os.path.join(folder, STATUS_FILE)
    if os.path.exists(path):
        with open(path) as f:
            info = json.load(f)
        faults = "; ".join(f"{where}: {why}" for where, why in (info.get("faults") or {}).items())
        reason = "; ".join(r for r in (info.get("reason", ""), faults) if r)
        return info.get("status", "graded"), reason
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
            verdict = cell.get("metadata", {}).get("dnnkit", {})
            if verdict.get("function"):
                found[verdict["function"]] = dict(verdict)
    return found


def collect(root, assignment):
    """[Result] for every student of the assignment, sorted by student id."""
    functions = graded_functions(root, assignment)
    table = course.scores(root, assignment)
    results = []
    for student in students(root, assignment):
        status, reason = status_of(root, assignment, student)
        graded = {function_name(g): s for g, s in table.get(student, {}).items()}
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
            out.writerow([r.student, *(_number(r.scores.get(fn)) for fn in functions),
                          _number(r.total), _number(maximum), r.status, r.reason])
    return rows


def _number(value):
    return "" if value is None else format(value, "g")
