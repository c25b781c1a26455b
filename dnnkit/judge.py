"""The judge: grades each graded function outside the student's kernel.

Why outside: code in a student's notebook can replace numpy's comparisons, the test helpers or
builtins inside its own kernel, so a verdict computed there can be forged. The judge instead
- takes each graded function's *definition* from the submitted notebook (imports and defs of
  its cell only, nothing else the notebook ran),
- runs it in a fresh process (dnnkit.runner) next to the *reference* versions of the other
  graded functions, so a mistake is charged only to the function that contains it,
- on inputs drawn at grade time (several shapes and seeds per function),
- and compares the returned values here, in the grader, with the reference solution from the
  source notebook, naming the likely mistake when they differ.

`JudgeGradedFunctions` plugs this into `nbgrader autograde` as a preprocessor right after
execution: the judge's verdict decides each test cell's points.
"""
import contextlib
import io
import json
import os
import re
import secrets
import select
import time
from dataclasses import dataclass, field

import numpy as np
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer

from dnnkit import assignments, notebook
from testCases.public_tests import compare_outputs, decode, encode, with_hint


@dataclass
class Verdict:
    name: str
    passed: bool
    message: str = ""
    cases: int = 0
    mistake: str = ""          # key of the named mistake, when one matched
    fault: str = ""            # set when the function crashed, hung or could not be loaded


@dataclass
class Case:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    seed: int = None   # np.random.seed(seed) right before the call, when given


class Runner:
    """One student-code process (dnnkit.runner); restarted after a crash or a time-out."""

    def __init__(self, timeout, memory_bytes):
        self.timeout, self.memory_bytes = timeout, memory_bytes
        self.proc = None

    def _start(self):
        from dnnkit import sandbox
        # Confined like the notebook's own code (dnnkit.sandbox): memory cap, own uid, no
        # network, only the submission's working copy; every process it starts dies with it.
        self.proc = sandbox.start_runner(self.memory_bytes)
        self.replies = self.proc.replies
        self.buffer = b""

    def close(self):
        if self.proc is not None:
            self.proc.close()
            self.proc = None

    def request(self, payload):
        """Send one request; return (reply dict, None) or (None, fault message)."""
        if self.proc is not None and self.proc.wait(0) is not None:   # it died meanwhile
            self.close()
        if self.proc is None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(payload) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.close()
            return None, "the grading process stopped before running your function"
        deadline = time.monotonic() + self.timeout
        fd = self.replies.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                return None, (f"your function did not finish within {self.timeout:g} s "
                              f"(an endless loop?)")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    code = self.proc.wait()
                    self.close()
                    how = f"signal {-code}" if code < 0 else f"exit code {code}"
                    return None, f"your code stopped the Python process ({how})"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return json.loads(line), None
        except ValueError:
            self.close()
            return None, "your code wrote over the grader's channel"


class Judge:
    """Grades the graded functions of one assignment notebook against its reference."""

    def __init__(self, assignment, source_nb, timeout=30.0, memory_bytes=2 << 30, seed=None):
        self.assignment = assignment
        self.spec = assignments.load(assignment)
        self.reference_src = notebook.reference_cells(source_nb)
        self.reference_defs = {n: notebook.definitions_only(s) for n, s in self.reference_src.items()}
        # Parsed once per assignment, not once per function and submission.
        self.reference_names = {n: notebook.names_used(d) for n, d in self.reference_defs.items()}
        self._mutants = {}
        self.setup = notebook.setup_code(source_nb)
        self.functions = notebook.graded_functions(source_nb)
        self.reference = self._namespace(self.reference_src)
        self.timeout, self.memory_bytes = timeout, memory_bytes
        self.seed = seed

    def _namespace(self, cells):
        ns = {"__name__": "__reference__"}
        exec(compile(self.setup, "<setup>", "exec"), ns)
        for source in cells.values():
            exec(compile(notebook.definitions_only(source), "<reference>", "exec"), ns)
        return ns

    def mutant(self, mistake):
        """The reference function `mistake.function` with the mistake applied."""
        if (mistake.function, mistake.key) not in self._mutants:
            ns = dict(self.reference)
            exec(compile(notebook.definitions_only(mistake.apply(self.reference_src[mistake.function])),
                         f"<mistake {mistake.key}>", "exec"), ns)
            self._mutants[mistake.function, mistake.key] = ns[mistake.function]
        return self._mutants[mistake.function, mistake.key]

    def program(self, name, student_source, student_setup):
        """What the runner executes for `name`: imports, the reference versions of the other
        graded functions it calls (directly or through each other), then the student's
        definitions from the graded cell."""
        used = notebook.names_used(student_source)
        others, todo = [], [used]
        while todo:   # the graded functions reachable from the student's code
            for other in sorted(todo.pop() & set(self.reference_defs) - {name} - set(others)):
                others.append(other)
                todo.append(self.reference_names[other])
        others = [o for o in self.reference_defs if o in others]   # notebook order
        used = used.union(*(self.reference_names[o] for o in others))
        code = "\n\n".join([self.reference_defs[o] for o in others] + [student_source])
        return notebook.imports_used(self.setup + "\n" + student_setup, used) + "\n\n" + code

    def judge(self, student_nb):
        rng = np.random.default_rng(self.seed if self.seed is not None else secrets.randbits(64))
        student_setup = notebook.setup_code(student_nb)
        from dnnkit import sandbox
        session = sandbox.current()
        if session is None:
            runner = Runner(self.timeout, self.memory_bytes)
        else:   # one runner per sandbox session: its start is paid once per grading worker
            runner = session.keep(("judge runner", self.memory_bytes),
                                  lambda: Runner(self.timeout, self.memory_bytes))
            runner.timeout = self.timeout
        verdicts = {}
        try:
            for name in self.functions:
                verdicts[name] = self.judge_function(name, student_nb, student_setup, runner, rng)
        finally:
            if session is None:
                runner.close()
        return verdicts

    def judge_function(self, name, student_nb, student_setup, runner, rng):
        verdict = self._judge_function(name, student_nb, student_setup, runner, rng)
        verdict.message = _scrub(verdict.message)
        return verdict

    def _judge_function(self, name, student_nb, student_setup, runner, rng):
        cell = notebook.student_cell(student_nb, name)
        if cell is None:
            return Verdict(name, False, f"No cell defines {name}: keep the '# GRADED FUNCTION: "
                                        f"{name}' cell.", fault="missing")
        try:
            source = notebook.definitions_only(cell.source)
        except SyntaxError as error:
            return Verdict(name, False, f"The cell of {name} has a syntax error (line "
                                        f"{error.lineno}): {error.msg}.", fault="syntax")
        cases = [Case(*c) if isinstance(c, tuple) else c
                 for c in self.spec.hidden_cases(name, rng, self.reference)]
        reply, fault = runner.request({
            "program": self.program(name, source, student_setup), "function": name,
            "cases": [{"args": encode(tuple(c.args)), "kwargs": encode(c.kwargs), "seed": c.seed}
                      for c in cases]})
        if fault:
            return Verdict(name, False, f"{name}: {fault}.", len(cases), fault="crash")
        if "program_error" in reply:
            return Verdict(name, False, f"{name} could not be run: {reply['program_error']}",
                           len(cases), fault="load")
        return self.verdict(name, cases, reply["results"])

    def verdict(self, name, cases, results):
        outputs = self.spec.OUTPUTS[name]
        expected = [self.run_reference(self.reference[name], c) for c in cases]
        actual = [decode(r["ok"]) if "ok" in r else r for r in results]
        for i, (case, exp, act) in enumerate(zip(cases, expected, actual)):
            if _is_error(act):
                mistake = self.named_mistake(name, cases, actual, i)
                message = mistake.message if mistake else f"your function raised {act['error']}"
                return Verdict(name, False, f"{name}: {message}", len(cases),
                               mistake.key if mistake else "")
            problem = compare_outputs(exp, act, outputs)
            if problem is None:
                continue
            mistake = self.named_mistake(name, cases, actual, i)
            if mistake:
                return Verdict(name, False, f"{name}: {mistake.message}", len(cases), mistake.key)
            constant = _hard_coded(outputs, expected, actual)
            if constant:
                what = f"{name} returns" if constant == outputs else f"{name}: {constant} is"
                return Verdict(name, False, f"{what} the same whatever the input: it looks "
                                            f"hard-coded.", len(cases), "hard_coded")
            problem = with_hint(problem, getattr(self.spec, "VALUE_HINTS", {}).get(name))
            return Verdict(name, False, f"{name}: {problem}", len(cases))
        extra = getattr(self.spec, "EXTRA_CHECKS", {}).get(name)
        if extra:
            for case, act in zip(cases, actual):
                problem = extra(self.reference, case, act)
                if problem:
                    return Verdict(name, False, f"{name}: {problem}", len(cases))
        return Verdict(name, True, "", len(cases))

    @staticmethod
    def run_reference(function, case):
        import copy
        if case.seed is not None:
            np.random.seed(case.seed)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # e.g. print_cost=True
                value = function(*copy.deepcopy(tuple(case.args)), **copy.deepcopy(case.kwargs))
        except Exception as error:  # a mutant may raise, the reference must not
            return {"error": f"{type(error).__name__}: {error}"[:500]}
        return decode(encode(value))

    def named_mistake(self, name, cases, actual, failing):
        """The known mistake that explains the result of case `failing` and, among those, the
        most of the other cases (two mistakes can agree on one case, e.g. when all Z > 0)."""
        best, best_count = None, 0
        for mistake in self.spec.MISTAKES:
            if mistake.function != name:
                continue
            function = self.mutant(mistake)
            if not self._same(name, self.run_reference(function, cases[failing]), actual[failing]):
                continue
            count = sum(self._same(name, self.run_reference(function, c), a)
                        for c, a in zip(cases, actual))
            if count > best_count:
                best, best_count = mistake, count
        return best

    def _same(self, name, produced, actual):
        if _is_error(actual) or _is_error(produced):
            return produced == actual
        return compare_outputs(produced, actual, self.spec.OUTPUTS[name]) is None


def _is_error(value):
    return isinstance(value, dict) and set(value) == {"error"}


def _hard_coded(outputs, expected, actual):
    """The output (its name) that stays the same whatever the input while the reference's
    changes: a result copied from the notebook rather than computed."""
    if len(actual) < 2:
        return None
    names = [outputs] if isinstance(outputs, str) else list(outputs)
    for i, output in enumerate(names):
        def part(value):
            if isinstance(outputs, str):
                return value
            return value[i] if isinstance(value, (tuple, list)) and len(value) == len(names) else value
        mine, theirs = [part(a) for a in actual], [part(e) for e in expected]
        if _has_content(mine[0]) and _all_equal(mine) and not _all_equal(theirs):
            return output
    return None


# Numbers as numpy or Python print them (5+ decimals, or an exponent): a message may quote text
# from student code (an error it raised, a key it used) that shows hidden inputs; they are hidden.
LONG_NUMBER = re.compile(r"[-+]?\d*\.\d{5,}(?:e[-+]?\d+)?|\d(?:\.\d+)?e[-+]?\d+")


def _scrub(message, limit=800):
    message = LONG_NUMBER.sub("…", message)
    return message if len(message) <= limit else message[:limit] + "…"


def _all_equal(values):
    first = encode(values[0]) if not isinstance(values[0], dict) or "error" not in values[0] else None
    return all(json.dumps(encode(v)) == json.dumps(first) for v in values[1:])


def _has_content(value):
    """False for what a placeholder leaves: None, or containers of nothing but None."""
    if value is None:
        return False
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return any(_has_content(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype == object:
        return False
    return True


_judges = {}


def cached_judge(assignment, source_path):
    """One Judge per source notebook and process (a grading worker grades many submissions):
    the reference is parsed and run once, and again only when the source file changes."""
    stat = os.stat(source_path)
    key, stamp = (assignment, os.path.abspath(source_path)), (stat.st_mtime_ns, stat.st_size)
    if key not in _judges or _judges[key][0] != stamp:
        _judges[key] = stamp, Judge(assignment, notebook.read(source_path))
    return _judges[key][1]


class JudgeGradedFunctions(NbGraderPreprocessor):
    """nbgrader autograde step: the judge's verdict decides each `test_<name>` cell."""

    timeout = Float(30.0, help="Seconds each graded function may take on its hidden tests.").tag(config=True)
    memory_mb = Integer(2048, help="Memory cap of the process running student functions (MiB).").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # nbgrader makes its steps before it runs any: the kernels Execute starts inherit this,
        # and the hidden part of the test cells leaves the points to this step instead of
        # failing the cell (testCases.public_tests.judge_required). No judge step, no variable.
        os.environ["DNNKIT_JUDGE"] = "1"

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        root = CourseDirectory(parent=self).root
        judge = cached_judge(info["assignment"],
                             notebook.source_notebook_path(root, info["assignment"], info["notebook"]))
        judge.timeout, judge.memory_bytes = self.timeout, self.memory_mb << 20
        from dnnkit import sandbox
        with sandbox.working_copy(resources.get("metadata", {}).get("path"), parent=self):
            verdicts = judge.judge(nb)
        resources.setdefault("dnnkit", {})["verdicts"] = verdicts
        for cell in nb.cells:
            grade_id = notebook.nbgrader_meta(cell).get("grade_id", "")
            if notebook.is_test_cell(cell) and grade_id.startswith("test_"):
                verdict = verdicts.get(grade_id[len("test_"):])
                if verdict is not None:
                    apply_verdict(cell, verdict)
        return nb, resources


def apply_verdict(cell, verdict):
    """Make the test cell's outputs say the judge's verdict (nbgrader scores a cell by whether
    it has an error output)."""
    # (the hidden part's JudgeRequired is this step's cue, not a failure of the public test)
    had_error = any(o.get("output_type") == "error" and o.get("ename") != "JudgeRequired"
                    for o in cell.get("outputs", []))
    # nbgrader scores stderr like an error: a warning the public test printed in the student's
    # kernel (e.g. overflow from a wrong function it calls) must not decide the points either.
    outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"
               and not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    if verdict.passed:
        text = (f"Graded: {verdict.name} passed {verdict.cases} hidden tests (run on its own, "
                f"on inputs drawn at grade time).\n")
        if had_error:
            text += (f"The public test above failed in your notebook, but {verdict.name} itself is "
                     f"correct: the failure comes from a function it calls or from other code in "
                     f"the notebook.\n")
        outputs.append({"output_type": "stream", "name": "stdout", "text": text})
    else:
        outputs.append({"output_type": "error", "ename": "GradingFailure",
                        "evalue": verdict.message, "traceback": ["Graded: " + verdict.message]})
    from nbformat import from_dict
    cell.outputs = [from_dict(o) for o in outputs]
    # For reports: what the judge found, kept in the autograded notebook.
    cell.metadata["dnnkit"] = {"function": verdict.name, "passed": verdict.passed,
                               "message": verdict.message, "mistake": verdict.mistake,
                               "fault": verdict.fault, "cases": verdict.cases}
