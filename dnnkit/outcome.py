"""The typed outcome of grading, and its one JSON form: what the judge decided of a function
(`Verdict`, kept in the test cell's metadata), what went wrong where (`Fault`), and what a
submission's grading produced (`Outcome`, the status file both entry points write beside the
autograded notebooks, its status decided by `decide`). The judge and the grader write these;
feedback, exports, reports and replay read them through `from_json`, which refuses anything it
did not write (a student can put any metadata in a notebook and any file in a submission).
"""
import json
import os
from dataclasses import asdict, dataclass, field

STATUS_FILE = "grading_status.json"   # in autograded/<student>/<assignment>/
STATUSES = ("graded", "fault", "missing")
METADATA_KEY = "dnnkit"               # cell.metadata[METADATA_KEY]: the judge's verdict
TEST_PREFIX = "test_"                 # a graded function's test cell is test_<function>
# Verdict.fault: the function crashed or hung ("crash"), or the judge failed on it ("grader"):
# grading stopped there; it is not defined ("missing"), its cell has a syntax error ("syntax")
# or could not be loaded ("load"): graded wrong; "": it ran.
FAULT_KINDS = ("crash", "grader", "missing", "syntax", "load", "")
STOPPED = ("crash", "grader")


def grade_id_of(function):
    """The grade id of a graded function's test cell ("sigmoid" -> "test_sigmoid")."""
    return TEST_PREFIX + function


def function_of(grade_id):
    """The graded function a grade id names ("test_sigmoid" -> "sigmoid"); others unchanged."""
    return grade_id.removeprefix(TEST_PREFIX)


@dataclass
class Verdict:
    name: str
    passed: bool
    message: str = ""
    cases: int = 0
    mistake: str = ""          # key of the named mistake, when one matched
    fault: str = ""            # one of FAULT_KINDS
    seed: int = None           # of its hidden cases (judge.case_seed), to replay the verdict

    def to_json(self):
        return {"function": self.name, "passed": self.passed, "message": self.message,
                "mistake": self.mistake, "fault": self.fault, "cases": self.cases,
                "seed": None if self.seed is None else f"{self.seed:016x}"}

    @classmethod
    def from_json(cls, data):
        """The Verdict `to_json` wrote, or None for anything else."""
        try:
            verdict = cls(data["function"], data["passed"], data["message"], data["cases"],
                          data["mistake"], data["fault"],
                          None if data["seed"] is None else int(data["seed"], 16))
        except (KeyError, TypeError, ValueError):
            return None
        typed = (isinstance(verdict.name, str) and verdict.name and isinstance(verdict.passed, bool)
                 and isinstance(verdict.message, str) and isinstance(verdict.mistake, str)
                 and verdict.fault in FAULT_KINDS and type(verdict.cases) is int)
        return verdict if typed else None

    @classmethod
    def of_cell(cls, cell):
        """The judge's verdict on a test cell: only on its function's own test cell."""
        metadata = cell.get("metadata", {})
        verdict = cls.from_json(metadata.get(METADATA_KEY))
        grade_id = metadata.get("nbgrader", {}).get("grade_id")
        return verdict if verdict and grade_id == grade_id_of(verdict.name) else None


@dataclass
class Fault:
    where: str                 # a function, a cell label, a notebook file or "notebook"
    why: str
    stops: bool = False        # grading could not finish there (crash, time-out, unreadable):
                               # the submission's status is "fault"

    def __str__(self):
        return f"{self.where}: {self.why}"


@dataclass
class Outcome:
    """One submission's grading, as the status file records it."""
    status: str                                  # one of STATUSES
    reason: str
    sha256: str                                  # of the submitted files (resume key)
    faults: list = field(default_factory=list)   # [Fault], in the order found
    seconds: float = 0.0
    timing: dict = field(default_factory=dict)   # {"cells": s, "judge": s}
    course: str = ""                             # the course snapshot's key it was graded with

    def to_json(self):
        return dict(asdict(self), faults=[asdict(f) for f in self.faults])

    @classmethod
    def from_json(cls, data):
        """The Outcome `to_json` wrote, or None for anything else."""
        try:
            faults = data["faults"]
            if isinstance(faults, dict):   # the kit before 2026-12 wrote {where: why}: read, never written
                faults = [{"where": w, "why": y, "stops": data["status"] == "fault"} for w, y in faults.items()]
            faults = [Fault(f["where"], f["why"], f["stops"]) for f in faults]
            outcome = cls(data["status"], data["reason"], data["sha256"], faults,
                          data.get("seconds", 0.0), data.get("timing", {}), data.get("course", ""))
        except (KeyError, TypeError):
            return None
        typed = (outcome.status in STATUSES and isinstance(outcome.reason, str)
                 and isinstance(outcome.sha256, str) and isinstance(outcome.course, str)
                 and all(isinstance(f.where, str) and isinstance(f.why, str)
                         and isinstance(f.stops, bool) for f in faults))
        return outcome if typed else None

    @classmethod
    def read(cls, path):
        """The Outcome in `path`, or None when there is none or it is not one `dnnkit grade`
        wrote (a student's file of that name, copied by plain nbgrader, or a damaged one)."""
        try:
            if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > 1 << 20:
                return None
            with open(path, encoding="utf-8") as f:
                return cls.from_json(json.load(f))
        except (OSError, ValueError):
            return None

    def write(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, indent=1)


def verdict_faults(cells):
    """The faults the judge's verdicts record: a function that crashed, hung or broke the judge
    (grading stopped there), and one that is not defined."""
    verdicts = filter(None, map(Verdict.of_cell, cells))
    return [Fault(v.name, v.message, stops=v.fault in STOPPED)
            for v in verdicts if v.fault in (*STOPPED, "missing")]


def decide(faults, unreadable=None, missing=()):
    """(status, reason) of a submission with at least one notebook graded or unreadable:
    "fault" when a notebook could not be read (`unreadable`: {file name: reason}) or grading
    stopped somewhere, else "graded" with what went wrong (`missing`: reasons of notebooks not
    submitted). Both entry points decide here, so they give the same status."""
    unreadable = unreadable or {}
    stopped = [f for f in faults if f.stops and f.where not in unreadable]
    if unreadable or stopped:
        parts = list(unreadable.values()) + [str(f) for f in stopped]
        return "fault", "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more" if len(parts) > 4 else "")
    return "graded", "; ".join([*missing, *map(str, faults)])
