"""What `dnnkit grade` hands the nbgrader steps of one notebook, and what they hand back: one
typed object at `resources[KEY]`. Under plain `nbgrader autograde` the kernel step makes an
empty one (`ensure`) to record its faults in; the fields for `dnnkit grade` (session,
definition, released) stay empty there and the steps then work as nbgrader's own. Who writes
each field is said beside it."""
from dataclasses import dataclass, field

KEY = "dnnkit"   # resources[KEY]


@dataclass
class NotebookRun:
    session: object = None          # the worker's sandbox (host.sandbox.Session): where
                                    # ForkedExecute and the judge start student processes
    definition: object = None       # batch.grading.Definition: the snapshot's answers to the
                                    # gradebook queries of OverwriteCells and OverwriteKernelspec
    released: dict = field(default_factory=dict)   # {grade id: source} of locked cells as released
    notes: list = field(default_factory=list)      # [outcome.Fault]: what nbgrader repaired
                                                   # (NoteEditedCells, OverwriteCellsFromSnapshot)
    faults: dict = field(default_factory=dict)     # {cell label: reason}: what went wrong running
                                                   # the cells (ForkedExecute; under plain nbgrader
                                                   # SandboxedExecute and CapOutputs)
    cells_seconds: float = 0.0                     # time the cells ran (ForkedExecute)
    executed_at: float = None                      # time.monotonic() when they were done


def of(resources):
    """The NotebookRun of these resources, or None (plain nbgrader)."""
    run = resources.get(KEY)
    return run if isinstance(run, NotebookRun) else None


def ensure(resources):
    """The NotebookRun of these resources, an empty one put there if there is none."""
    if of(resources) is None:
        resources[KEY] = NotebookRun()
    return resources[KEY]
