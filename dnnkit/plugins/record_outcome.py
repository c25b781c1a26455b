"""RecordOutcome: plain `nbgrader autograde` writes the status file `dnnkit grade` writes.

The status (graded or fault) and its reason are decided by `dnnkit.outcome.decide`, the one
function `dnnkit grade` decides with, from the same kinds of faults: those the kernel step
recorded (a time-out, a cap, a kernel that stopped: SandboxedExecute, CapOutputs) and those in
the judge's verdicts. It runs right after the judge, in the autograded folder nbgrader writes
(`resources["metadata"]["path"]`), where a student's own file of that name is never copied
(CourseDirectory.ignore). Its sha256 is empty: it is no resume key for `dnnkit grade`, which
grades such a submission again.
"""
import os

from nbgrader.preprocessors import NbGraderPreprocessor

from dnnkit import context
from dnnkit import outcome_store
from dnnkit.outcome import STATUS_FILE, Fault, Outcome, Verdict, decide, verdict_faults

_written = set()   # status files this process wrote: an assignment's later notebooks add to them


class RecordOutcome(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        run = context.ensure(resources)
        path = os.path.join(resources.get("metadata", {}).get("path") or ".", STATUS_FILE)
        faults = [Fault(where, why, stops=True) for where, why in run.faults.items()]
        faults += verdict_faults(nb.cells)
        earlier = Outcome.read(path) if path in _written else None
        if earlier is not None:
            faults = earlier.faults + faults
        status, reason = decide(faults)
        outcome = Outcome(status, reason, "", faults)
        try:
            outcome.write(path)
        except OSError as error:   # never fail a notebook for its status file
            self.log.warning("Could not write %s: %s", path, error)
        self._store(resources, outcome, nb, later=path in _written)
        _written.add(path)
        return nb, resources

    def _store(self, resources, outcome, nb, later):
        """The same Outcome, and this notebook's verdicts, in the gradebook's kit table."""
        info = resources.get("nbgrader", {})
        if not all(info.get(k) for k in ("db_url", "assignment", "student")):
            return
        course_id = self.config.get("CourseDirectory", {}).get("course_id", "")
        verdicts = [v for v in map(Verdict.of_cell, nb.cells) if v]
        try:
            outcome_store.record(info["db_url"], course_id, info["assignment"], info["student"],
                                 outcome, verdicts, merge=later)
        except Exception as error:  # noqa: BLE001 (never fail a notebook for its status)
            self.log.warning("Could not store the grading status in %s: %s", info["db_url"], error)
