"""What the two entry points (`dnnkit grade`, plain `nbgrader autograde`) must agree on."""
import os


def function_points(course, assignment):
    """{student: {grade id: points}} in the course's gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        return {s.student_id: {g.name: g.score for nb in s.notebooks for g in nb.grades}
                for s in gb.assignment_submissions(assignment)}


def decided(verdicts):
    """What the judge decided of each function. A message that quotes the student's own
    exception is compared up to that quote: what a student's code says of its own process (say
    how much memory it could scan) differs with the process, not with the grading. A crash is
    compared by its kind alone: which limit a runaway function hits first (the time limit, or
    the size of what it sends) depends on how loaded the machine is (measured: a 10 s limit
    hit first with both cores saturated, the size limit on a quiet machine)."""
    def message(v):
        if v.fault == "crash":
            return "crash"
        return v.message.split(" raised ")[0] if "your function raised" in v.message else v.message
    return {f: (v.passed, v.mistake, v.fault, v.cases, v.seed, message(v)) for f, v in verdicts.items()}
