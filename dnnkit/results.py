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


def read_status_file(path):
    """The grader's record in `path`, or None when there is none or it is not one `dnnkit grade`
    wrote (e.g. a file of a student's, copied by plain nbgrader, or a damaged one)."""
    try:
        if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > 1 << 20:
            return None
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None
    if not (isinstance(info, dict) and info.get("status") in ("graded", "fault", "missing")
            and isinstance(info.get("reason"), str) and isinstance(info.get("sha256"), str)
            and isinstance(info.get("faults"), dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in info["faults"].items())):
        return None
    return info


def status_of(root, assignment, student):
    """(status, reason) of one submission."""
    folder = os.path.join(root, "autograded", student, assignment)
    info = read_status_file(os.path.join(folder, STATUS_FILE))
    if info is not None:
        faults = "; ".join(f"{where}: {why}" for where, why in (info.get("faults") or {}).items())
        reason = "; ".join(r for r in (info.get("reason", ""), faults) if r)
        return info["status"], reason
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
        for cell in nb.cells:   # the judge writes its verdict on the function's test cell only
            verdict = cell.get("metadata", {}).get("dnnkit", {})
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if isinstance(verdict, dict) and verdict.get("function") and grade_id == "test_" + str(verdict["function"]):
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
