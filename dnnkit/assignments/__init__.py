"""What the grader knows about each assignment beyond its notebook.

One module per assignment (named like the assignment id) defines, read by the judge
(dnnkit.judging.judge), the catalogue (dnnkit.staff.catalog) and the sample class:
- `OUTPUTS`: {function: its output name, or a tuple of names}, from testCases/<assignment>.py.
- `MISTAKES`: realistic mistakes (`Variant`s: a text edit of the reference solution's cell with
  the message that names it). They serve three purposes: diagnosing a wrong result (a student's
  output that equals a mistake's output is named), the mistake catalogue of the tests, and the
  sample class of `make demo`.
- `STYLES`: other correct ways to write a function (edits too), which must get full marks.
- `DEMO_MISTAKES`: the keys of the mistakes the demo's sample class makes.
- `hidden_cases(name, rng, ref)`: the inputs of the hidden tests, drawn from `rng` (seeded per
  student and function by dnnkit.judging.judge.case_seed).
- optional `VALUE_HINTS`: {function: the hint added to a plain "wrong values" message}.
- optional `EXTRA_CHECKS`: {function: check(ref, case, result) -> problem or None}, run after the
  comparison with the reference (say gradients checked numerically).
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
    paths = [os.path.join(here, assignment + ".py"), os.path.join(os.path.dirname(here), "judging", "judge.py")]
    data = b""
    for path in paths:
        with open(path, "rb") as f:
            data += f.read()
    return data
