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
from dnnkit.outcome import STATUS_FILE, Fault, Outcome, decide, verdict_faults

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
        try:
            Outcome(status, reason, "", faults).write(path)
            _written.add(path)
        except OSError as error:   # never fail a notebook for its status file
            self.log.warning("Could not write %s: %s", path, error)
        return nb, resources
