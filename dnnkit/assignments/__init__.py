"""What the grader knows about each assignment beyond its notebook.

One module per assignment (named like the assignment id) defines:
- `MISTAKES`: realistic mistakes, each a text edit of the reference solution's cell with the
  message that names it. They serve three purposes: diagnosing a wrong result (a student's
  output that equals a mistake's output is named), the mistake catalogue of the tests, and the
  sample class of `make demo`.
- `STYLES`: other correct ways to write a function (edits too), which must get full marks.
- `hidden_cases(name, rng, ref)`: the inputs of the hidden tests, drawn from `rng` (seeded per
  student and function by dnnkit.judge.case_seed).
- `GRADING`: optional per-function settings (tolerances, extra checks).
"""
import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """A text edit of one reference function: a mistake, or another correct style."""
    function: str        # the graded function it changes
    key: str             # short id, used by tests and reports
    message: str         # what the student is told (empty for a correct style)
    edits: tuple         # ((old, new), ...) applied to the reference cell source

    def apply(self, source):
        for old, new in self.edits:
            if old not in source:
                raise ValueError(f"variant {self.key}: {old!r} not found in the reference "
                                 f"of {self.function}")
            source = source.replace(old, new, 1)
        return source


def load(assignment):
    return importlib.import_module(f"dnnkit.assignments.{assignment}")


def definition_source(assignment):
    """The bytes of what decides an assignment's verdicts besides its notebooks (its module
    here, with its hidden cases and mistakes, and the judge): a graded submission is up to
    date only while these are unchanged."""
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.join(here, assignment + ".py"), os.path.join(os.path.dirname(here), "judge.py")]
    data = b""
    for path in paths:
        with open(path, "rb") as f:
            data += f.read()
    return data
