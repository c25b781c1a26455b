"""The judge: grades each graded function outside the student's kernel.

Why outside: code in a student's notebook can replace numpy's comparisons, the test helpers or
builtins inside its own kernel, so a verdict computed there can be forged. The judge instead
- takes each graded function's *definition* from the submitted notebook (imports and defs of
  its cell only, nothing else the notebook ran),
- runs it in a fresh sandboxed process (dnnkit.inside.runner) where the other graded functions it
  calls are the *reference* versions, answered from outside the sandbox (dnnkit.judging.reference), so a
  mistake is charged only to the function that contains it and no reference code is in reach,
- on hidden inputs (several shapes and seeds per function) drawn from a seed of that student and
  function (`case_seed`): a regrade gives the same verdict, and `dnnkit replay` shows course
  staff the very inputs of a disputed one,
- and compares the returned values here, in the grader, with the reference solution from the
  source notebook, naming the likely mistake when they differ.

`JudgeGradedFunctions` plugs this into `nbgrader autograde` as a preprocessor right after
execution: the judge's verdict decides each test cell's points.
"""
import builtins
import contextlib
import hashlib
import io
import json
import os
import re
import select
import time
from dataclasses import dataclass, field

import numpy as np
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer, Unicode

import dnnkit
from dnnkit import assignments, context, notebook
from dnnkit.judging import diagnosis
from dnnkit.inside.wire import Forged, Reader
from dnnkit.outcome import METADATA_KEY, Verdict, function_of, grade_id_of
from testCases.public_tests import Opaque, compare, compare_outputs, decode, encode, with_hint


def case_seed(secret, assignment, student, function):
    """The seed of one function's hidden cases for one student: the same at every grading run,
    different between students and functions. `secret` (c.JudgeGradedFunctions.secret) keeps
    them unknowable to anyone who has the kit but not the course's configuration."""
    data = "\0".join([secret, assignment, student, function]).encode()
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


@dataclass
class Case:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    seed: int = None   # np.random.seed(seed) right before the call, when given


MAX_MESSAGE = 32 << 20   # bytes of one message from the student's process


class Runner:
    """Runs one graded function per call, each in a fresh sandboxed dnnkit.inside.runner process
    forked from the sandbox's zygote (so nothing of another function or student is in its
    memory), and serves its calls of reference functions (dnnkit.judging.reference)."""

    def __init__(self, timeout, memory_bytes, work=None, session=None):
        self.timeout, self.memory_bytes, self.work = timeout, memory_bytes, work
        self.given = session  # the grading worker's (or the judge step's) sandbox session
        self.session = None   # else a session of its own

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None

    def _spawn(self):
        from dnnkit.host import sandbox
        session = self.given
        if session is None:
            if self.session is None:
                self.session = sandbox.Session(sandbox.Sandbox(preload=["numpy", "dnnkit.inside.runner"]),
                                               work=self.work)
            session = self.session
        return session.spawn("runner", self.memory_bytes)

    def request(self, payload, references=None):
        """Send one request; return (reply dict, None) or (None, fault message).

        `references`: (ReferenceServer, {name: draws random numbers}) for the stubs, and
        optionally {name: how to fit a call made with the student's own signature of it}."""
        server, stubs, conventions = (tuple(references or (None, {})) + ({},))[:3]
        child = self._spawn()
        try:
            return self._exchange(child, dict(payload, references=stubs), server, stubs, conventions)
        finally:
            child.close()

    def _exchange(self, child, payload, server, stubs, conventions=None):
        from dnnkit.judging.reference import ReferenceTimeout
        deadline = time.monotonic() + self.timeout
        lines = _Lines(child.replies.fileno())
        requests = child.stdin.fileno()
        os.set_blocking(requests, False)   # a child that stops reading must not block the grader
        if not _write(requests, (json.dumps(payload) + "\n").encode(), deadline):
            return None, "the grading process stopped before running your function"
        while True:
            line = lines.next(deadline)
            if line is None or line == "timeout":
                if line == "timeout":
                    return None, (f"your function did not finish within {self.timeout:g} s "
                                  f"(an endless loop?)")
                code = child.wait(5)
                how = "it was killed" if code is None or code < 0 else f"exit code {code}"
                return None, f"your code stopped the Python process ({how})"
            if line == "too long":
                return None, "your code sent far too much data to the grader"
            try:
                message = json.loads(line)
            except (ValueError, RecursionError, MemoryError):
                return None, "your code wrote over the grader's channel"
            if not (isinstance(message, dict) and "call" in message):
                return message, None
            if isinstance(message["call"], str) and message["call"] in stubs and server is not None:
                if message["call"] in (conventions or {}) or "fit" in message:   # "fit" is the judge's alone
                    message.pop("fit", None)
                    fit = (conventions or {}).get(message["call"])
                    line = json.dumps(dict(message, fit=fit) if fit else message)
                try:
                    answer = server.call(line, deadline)
                except ReferenceTimeout:
                    server.close()
                    return None, (f"your function did not finish within {self.timeout:g} s "
                                  f"(an endless loop?)")
            else:
                answer = (json.dumps({"raised": "NameError", "message": f"name "
                                      f"{str(message['call'])[:40]!r} is not defined"}) + "\n").encode()
            _write(requests, answer, deadline)   # if it is gone or stuck, the next read says how


def _write(fd, data, deadline):
    """Write all of `data` before `deadline`; False if the reader is gone or stopped reading."""
    data = memoryview(data)
    while data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([], [fd], [], left)[1]:
            return False
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            continue
        except OSError:
            return False
    return True


class _Lines:
    """Lines read from a file descriptor, each bounded in size and in time."""

    def __init__(self, fd):
        self.fd, self.buffer = fd, b""

    def next(self, deadline):
        """A line (str, without its newline), "timeout", "too long", or None at the end."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_MESSAGE:
                return "too long"
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 1 << 20)
                except OSError:
                    chunk = b""
                if not chunk:
                    return None
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        if len(line) > MAX_MESSAGE:
            return "too long"
        return line.decode("utf-8", "replace")


class Judge:
    """Grades the graded functions of one assignment notebook against its reference."""

    def __init__(self, assignment, source_nb, timeout=30.0, memory_bytes=2 << 30, seed=None, work=None):
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
        self.seed = seed      # given (tests): every student's cases derive from it
        self.secret = ""      # c.JudgeGradedFunctions.secret
        # Student code outside grading (a direct call) sees the assignment's release files.
        self.work = work or os.path.join(os.path.dirname(os.path.dirname(dnnkit.__file__)),
                                         "release", assignment)
        self._server = None

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

    def _reaches(self, name):
        """The graded functions the reference of `name` calls, directly or through others."""
        seen, todo = set(), [name]
        while todo:
            for other in self.reference_names[todo.pop()] & set(self.reference_defs):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    def stubs(self, name, student_source):
        """{graded function: draws random numbers} that the student's `name` may call: the
        reference ones its cell names, run outside the sandbox (dnnkit.judging.reference). One whose
        reference calls `name` back is left out: through it the student would get the
        reference's own result."""
        found = {}
        for other in sorted(notebook.names_used(student_source) & set(self.reference_defs) - {name}):
            reached = self._reaches(other)
            if name not in reached:
                code = "\n".join(self.reference_defs[o] for o in reached | {other})
                found[other] = "random" in code
        return found

    def conventions(self, stubs, student_nb):
        """{callee: {"positional": n, "drop": [names]}} for the reference functions whose
        student version takes the reference's parameters and more after them (an older
        version's compute_cost(A2, Y, parameters)): the student's calls of it, written for
        that signature, reach the reference without the extra arguments, so the caller is not
        charged for its callee's signature."""
        found = {}
        for callee in stubs:
            cell = notebook.student_cell(student_nb, callee)
            if cell is None or _def_line(cell.source, callee) == _def_line(self.reference_defs[callee], callee):
                continue   # the same parameters (most students): nothing to parse
            mine, theirs = _parameters(cell, callee), _parameters(self.reference_defs[callee], callee)
            if mine and theirs is not None and len(mine) > len(theirs) and mine[:len(theirs)] == theirs:
                found[callee] = {"positional": len(theirs), "drop": mine[len(theirs):]}
        return found

    def program(self, name, student_source, student_setup):
        """What the runner executes for `name`: the imports it uses, then the student's
        definitions from the graded cell (no reference code: see `stubs`)."""
        used = notebook.names_used(student_source)
        return notebook.imports_used(self.setup + "\n" + student_setup, used) + "\n\n" + student_source

    def server(self):
        from dnnkit.judging.reference import ReferenceServer
        if self._server is None:
            definitions = list(self.reference_defs.values())
            used = set().union(*self.reference_names.values())
            self._server = ReferenceServer(notebook.imports_used(self.setup, used), definitions,
                                           max(self.memory_bytes, 1 << 30))
        return self._server

    def judge(self, student_nb, student="", functions=None, session=None):
        """{function: Verdict} for `student`'s notebook (`functions`: default all)."""
        student_setup = notebook.setup_code(student_nb)   # never raises: cells it cannot read are left out
        runner = Runner(self.timeout, self.memory_bytes, self.work, session)
        try:
            return {name: self.judge_function(name, student_nb, student_setup, runner,
                                              self.case_seed(student, name))
                    for name in functions or self.functions}
        finally:
            runner.close()

    def case_seed(self, student, name):
        secret = self.secret if self.seed is None else f"{self.secret}\0{self.seed}"
        return case_seed(secret, self.assignment, student, name)

    def hidden_cases(self, name, seed):
        """The cases of `name` drawn from `seed`."""
        return [Case(*c) if isinstance(c, tuple) else c
                for c in self.spec.hidden_cases[name](np.random.default_rng(seed), self.reference)]

    def judge_function(self, name, student_nb, student_setup, runner, seed):
        """The verdict on `name`; a failure of the grader itself costs this function alone,
        and is flagged for a person rather than called the student's mistake."""
        try:
            verdict = self._judge_function(name, student_nb, student_setup, runner, seed)
        except Exception as error:  # noqa: BLE001 (a grader bug must not stop the other functions)
            verdict = Verdict(name, False, f"{name}: the grader failed while judging it "
                                           f"({type(error).__name__}); a person will look at it.",
                              fault="grader")
        verdict.message = _scrub(verdict.message)
        verdict.seed = seed
        return verdict

    def _judge_function(self, name, student_nb, student_setup, runner, seed):
        cell = notebook.student_cell(student_nb, name)
        if cell is None:
            return Verdict(name, False, f"No cell defines {name}: keep the '# GRADED FUNCTION: "
                                        f"{name}' cell.", fault="missing")
        try:
            source = notebook.helpers_for(notebook.definitions_only(cell.source), student_nb,
                                          skip=self.functions)
            notebook.names_used(source)
        except SyntaxError as error:
            return Verdict(name, False, f"The cell of {name} has a syntax error (line "
                                        f"{error.lineno}): {error.msg}.", fault="syntax")
        except (RecursionError, MemoryError, ValueError):   # e.g. an expression nested too deeply
            return Verdict(name, False, f"The cell of {name} could not be read: it is nested too "
                                        f"deeply for Python's parser.", fault="syntax")
        cases = self.hidden_cases(name, seed)
        program = self.program(name, source, student_setup)
        stubs = self.stubs(name, source)
        references = (self.server(), stubs, self.conventions(stubs, student_nb)) if stubs else None
        def request(these):
            return runner.request({
                "program": program, "function": name,
                "cases": [{"args": encode(tuple(c.args)), "kwargs": encode(c.kwargs), "seed": c.seed}
                          for c in these]}, references)
        reply, fault = request(cases)
        if not fault:
            try:
                reply = _checked_reply(reply, len(cases))
            except Forged:
                fault = "your code wrote over the grader's channel"
        if fault:
            return Verdict(name, False, f"{name}: {fault}.", len(cases), fault="crash")
        if "program_error" in reply:
            return Verdict(name, False, f"{name} could not be run: "
                                        f"{_raised(reply['program_error'], program)}",
                           len(cases), fault="load")
        actual = [self._result(r, program) for r in reply["results"]]
        expected = [self.run_reference(self.reference[name], c) for c in cases]
        verdict = self.verdict(name, cases, actual, expected)
        if verdict.passed:
            silent = self._silent(name, cases, [r.get("printed") for r in reply["results"]])
            if silent:
                return Verdict(name, False, f"{name}: {silent}", len(cases))
        if not verdict.passed and not verdict.mistake:
            def rerun(probes):   # the student's function on more cases (diagnosis only)
                again, fault = request(probes)
                if fault:
                    return None
                return [self._result(r, program) for r in _checked_reply(again, len(probes))["results"]]
            verdict.message = self._explained(verdict.message, name, cases, expected, actual,
                                              student_nb, source, rerun)
        return verdict

    def _silent(self, name, cases, printed):
        """What a function told to print (a documented switch such as print_cost=True) is told
        when it prints nothing, or not the reference's numbers in order: other iterations, or
        other costs (say, the cost after the update). Only the numbers are compared, never the
        wording, and more printed besides is fine; "" when it prints as it should."""
        for case, text in zip(cases, printed):
            switches = [k for k, v in case.kwargs.items() if v is True]
            if not switches:
                continue
            out = io.StringIO()
            self.run_reference(self.reference[name], case, out)
            theirs, mine = _printed_numbers(out.getvalue()), _printed_numbers(text or "")
            given = ", ".join(f"{k}=True" for k in switches)
            if not (theirs[0] or theirs[1]):
                continue
            if not (text or "").strip():
                return (f"called with {given} it printed nothing: with {given} it must print what "
                        f"its docstring says (the cost, every so many iterations).")
            if not _in_order(theirs[0], mine[0], lambda a, b: a == b):
                return (f"called with {given} it prints at other iterations than its docstring "
                        f"says (iteration 0 included).")
            if theirs[1] and not mine[1]:
                return f"called with {given} it prints no cost: print the cost of each iteration it names."
            if not _in_order(theirs[1], mine[1], lambda a, b: np.isclose(a, b, rtol=1e-4, atol=1e-5)):
                return (f"called with {given} it prints other costs than those of the iterations "
                        f"it names: print the cost computed in that iteration, before the update.")
        return ""

    @staticmethod
    def _result(reply, program):
        return reply["ok"] if "ok" in reply else {"error": _raised(reply["error"], program),
                                                  "raised": _error_text(reply["error"])}

    def _explained(self, message, name, cases, expected, actual, student_nb, source, rerun):
        """`message` and what the generic diagnosis adds (dnnkit.judging.diagnosis); the
        message alone when the diagnosis itself fails."""
        try:
            extra = self._diagnosed(name, cases, expected, actual, student_nb, source, rerun)
        except Exception:  # noqa: BLE001 (a diagnosis never costs the verdict)
            extra = []
        return " ".join([message, *filter(None, extra)])

    def _diagnosed(self, name, cases, expected, actual, student_nb, source, rerun):
        outputs, reference = self.spec.outputs[name], self.reference[name]
        errors = [a for a in actual if _is_error(a)]
        wrong = [_is_error(a) or compare_outputs(e, a, outputs) is not None for e, a in zip(expected, actual)]
        if errors:
            told = _is_error(actual[wrong.index(True)])   # the message starts with this exception
            raised = "" if told else f"On {len(errors)} of the {len(actual)} hidden cases it raised {errors[0]['error']}."
            return [raised, diagnosis.error_sentence(errors[0]["raised"], name, student_nb, source),
                    diagnosis.inputs_sentence(reference, cases, wrong)]
        said = [diagnosis.parts_sentence(expected, actual, outputs),
                diagnosis.inputs_sentence(reference, cases, wrong)]
        if all(map(_unfinished, actual)):   # placeholders left: how it draws says nothing yet
            return said
        largest = max(cases, key=lambda c: _size(c.args))   # where random draws show most
        seed = largest.seed if largest.seed is not None else 1
        probes = [Case(largest.args, largest.kwargs, s) for s in (seed, (seed + 7919) % 2**32)]
        theirs = [self.run_reference(reference, p) for p in probes]
        mine = rerun(probes)
        if mine and not any(map(_is_error, mine + theirs)):
            said.append(diagnosis.random_state_sentence(compare(theirs[0], theirs[1]) is not None,
                                                        compare(mine[0], mine[1]) is not None))
        return said

    def _first_problem(self, name, expected, actual):
        """The problem of the failing case with the most numbers (a ratio or a pattern on a
        1×1 case says little)."""
        outputs = self.spec.outputs[name]
        problems = [(compare_outputs(e, a, outputs), _size(e)) for e, a in zip(expected, actual)
                    if not _is_error(a)]   # (a case that raised is told by its exception)
        return max((p for p in problems if p[0]), key=lambda p: p[1])[0]

    def verdict(self, name, cases, actual, expected=None):
        """Compare `actual` (decoded results, or {"error", "raised"} for an exception) with
        the reference on `cases` (`expected`: the reference's results, when already run)."""
        outputs = self.spec.outputs[name]
        if expected is None:
            expected = [self.run_reference(self.reference[name], c) for c in cases]
        for i, (case, exp, act) in enumerate(zip(cases, expected, actual)):
            if _is_error(act):
                mistake = self._diagnosis(name, cases, actual, i)
                message = mistake.message if mistake else f"your function raised {act['error']}"
                return Verdict(name, False, f"{name}: {message}", len(cases),
                               mistake.key if mistake else "")
            problem = compare_outputs(exp, act, outputs)
            if problem is None:
                continue
            mistake = self._diagnosis(name, cases, actual, i)
            if mistake:
                return Verdict(name, False, f"{name}: {mistake.message}", len(cases), mistake.key)
            constant = _hard_coded(outputs, expected, actual)
            if constant:
                what = f"{name} returns" if constant == outputs else f"{name}: {constant} is"
                return Verdict(name, False, f"{what} the same whatever the input: it looks "
                                            f"hard-coded.", len(cases), "hard_coded")
            problem = with_hint(self._first_problem(name, expected, actual), self.spec.value_hints.get(name))
            return Verdict(name, False, f"{name}: {problem}", len(cases))
        extra = self.spec.extra_checks.get(name)
        if extra:
            for case, act in zip(cases, actual):
                problem = extra(self.reference, case, act)
                if problem:
                    return Verdict(name, False, f"{name}: {problem}", len(cases))
        return Verdict(name, True, "", len(cases))

    @staticmethod
    def run_reference(function, case, out=None):
        """The reference's decoded result on `case` (what it prints goes to `out`, if given)."""
        import copy
        if case.seed is not None:
            np.random.seed(case.seed)
        try:
            with contextlib.redirect_stdout(out or io.StringIO()):  # e.g. print_cost=True
                value = function(*copy.deepcopy(tuple(case.args)), **copy.deepcopy(case.kwargs))
        except Exception as error:  # a mutant may raise, the reference must not
            return {"error": f"{type(error).__name__}: {error}"[:500],
                    "raised": f"{type(error).__name__}: {error}"[:500]}
        return decode(encode(value))

    def _diagnosis(self, name, cases, actual, failing):
        """named_mistake, or None when the diagnosis itself fails: the verdict stands without it."""
        try:
            return self.named_mistake(name, cases, actual, failing)
        except Exception:  # noqa: BLE001
            return None

    def named_mistake(self, name, cases, actual, failing):
        """The known mistake that explains the result of case `failing` and, among those, the
        most of the other cases (two mistakes can agree on one case, e.g. when all Z > 0)."""
        best, best_count = None, 0
        for mistake in self.spec.mistakes:
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
            return _is_error(actual) and _is_error(produced) and produced["raised"] == actual["raised"]
        return compare_outputs(produced, actual, self.spec.outputs[name]) is None


def _checked_reply(reply, count):
    """The runner's final reply, decoded; raises Forged unless it has exactly the form
    dnnkit.inside.runner writes: {"program_error": error} or {"results": [one per case]}."""
    try:
        return _strict_reply(reply, count)
    except Forged:
        raise
    except Exception as error:  # noqa: BLE001 (anything else in it is forged too)
        raise Forged(type(error).__name__) from None


def _strict_reply(reply, count):
    if not isinstance(reply, dict):
        raise Forged("not a reply")
    if set(reply) == {"program_error"}:
        return {"program_error": _checked_error(reply["program_error"])}
    if set(reply) != {"results"} or not isinstance(reply["results"], list) or len(reply["results"]) != count:
        raise Forged("not one result per case")
    reader, results = Reader(opaque=Opaque), []
    for result in reply["results"]:
        if isinstance(result, dict) and set(result) == {"ok", "printed"} and isinstance(result["printed"], str):
            results.append({"ok": reader.decode(result["ok"]), "printed": result["printed"][:20000]})
        elif isinstance(result, dict) and set(result) == {"error"}:
            results.append({"error": _checked_error(result["error"])})
        else:
            raise Forged("not a result")
    return {"results": results}


def _checked_error(error):
    if not (isinstance(error, dict) and set(error) == {"type", "message", "line"}
            and isinstance(error["type"], str) and isinstance(error["message"], str)
            and (error["line"] is None or isinstance(error["line"], int))):
        raise Forged("not an error")
    kind = error["type"]
    if kind and not (kind.isidentifier() and isinstance(getattr(builtins, kind, None), type)):
        raise Forged("not a built-in exception")
    return {"type": kind, "message": error["message"][:300], "line": error["line"]}


def _error_text(error):
    """How the reference's own exceptions read (to match a mistake that raises)."""
    return f"{error['type']}: {error['message']}"[:500]


def _raised(error, program):
    """An exception of student code, told in the student's terms: its class, its message
    (shortened and without numbers that could carry hidden inputs) and the line of the
    student's own code that raised it."""
    what = f"{error['type']}: {_short_text(error['message'])}" if error["type"] else \
        "an exception of a class your code defines"
    lines = program.split("\n")
    if error["line"] and 0 < error["line"] <= len(lines) and lines[error["line"] - 1].strip():
        what += f" at `{_short_text(lines[error['line'] - 1].strip(), 120)}`"
    return what


def _def_line(source, function):
    """The parameter text of `def function(...)` in `source`, spaces removed, or None."""
    found = re.search(rf"def\s+{re.escape(function)}\s*\(([^)]*)\)", source)
    return re.sub(r"\s", "", found.group(1)) if found else None


def _parameters(cell_source, function):
    """The parameter names of `function`'s def in `cell_source` (a cell or None), or None."""
    import ast
    try:
        tree = ast.parse(notebook.definitions_only(cell_source if isinstance(cell_source, str)
                                                   else cell_source.source))
    except (AttributeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return [a.arg for a in node.args.posonlyargs + node.args.args]
    return None


def _in_order(wanted, found, same):
    """Whether `found` holds each of `wanted`, in order (more printed in between is fine)."""
    rest = iter(found)
    return all(any(same(w, f) for f in rest) for w in wanted)


def _printed_numbers(text):
    """([whole numbers], [decimals]) printed, in order: what a print_cost line carries (the
    iteration, the cost), whatever its wording."""
    numbers = [n for n in re.findall(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?", text[:20000])
               if len(n) < 40]   # (int() refuses thousands of digits: no number is that long)
    whole = [int(n) for n in numbers if re.fullmatch(r"[-+]?\d+", n)]
    return whole, [float(n) for n in numbers if not re.fullmatch(r"[-+]?\d+", n)]


def _size(value):
    """How many numbers a value holds (arrays in tuples, lists and dictionaries)."""
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return sum(_size(v) for v in value)
    return value.size if isinstance(value, np.ndarray) else 1


def _is_error(value):
    return isinstance(value, dict) and set(value) == {"error", "raised"}


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


# Numbers as numpy or Python print them (5+ decimals, or an exponent), and long integers: a
# message may quote text from student code (an error it raised, a key it used) that shows
# hidden inputs (also scaled to integers); they are hidden.
LONG_NUMBER = re.compile(r"[-+]?\d*\.\d{5,}(?:e[-+]?\d+)?|\d(?:\.\d+)?e[-+]?\d+|\d{4,}")


def _scrub(message, limit=800):
    """`message` without long numbers, at most `limit` characters (cut before the regex runs:
    text from student code can be of any length)."""
    message = LONG_NUMBER.sub("…", message[:limit + 100])
    return message if len(message) <= limit else message[:limit] + "…"


def _short_text(text, limit=160):
    return _scrub(text, limit)


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
    secret = Unicode("", help="Mixed into the seed of each student's hidden cases (dnnkit.judging.judge."
                     "case_seed): set it to a private string so that no one with the kit alone can "
                     "compute a student's hidden inputs. Changing it changes every hidden case.").tag(config=True)

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
        judge.timeout, judge.memory_bytes, judge.secret = self.timeout, self.memory_mb << 20, self.secret
        from dnnkit.host import sandbox
        run = context.of(resources)
        session = run.session if run else None   # dnnkit grade's worker
        with (contextlib.nullcontext(session) if session else
              sandbox.working_copy(resources.get("metadata", {}).get("path"), parent=self)) as session:
            verdicts = judge.judge(nb, info["student"], session=session)
        for cell in nb.cells:
            grade_id = notebook.nbgrader_meta(cell).get("grade_id", "")
            verdict = verdicts.get(function_of(grade_id))
            if notebook.is_test_cell(cell) and verdict and grade_id == grade_id_of(verdict.name):
                apply_verdict(cell, verdict)
        return nb, resources


def _unfinished(value):
    """A result with a None in it: a placeholder (`= None`) the student has not replaced."""
    if value is None:
        return True
    if isinstance(value, dict):
        return any(map(_unfinished, value.values()))
    if isinstance(value, (list, tuple)):
        return any(map(_unfinished, value))
    return False


def apply_verdict(cell, verdict):
    """Make the test cell's outputs say the judge's verdict (nbgrader scores a cell by whether
    it has an error output)."""
    # (the hidden part's JudgeRequired is this step's cue, not a failure of the public test)
    had_error = any(o.get("output_type") == "error" and o.get("ename") != "JudgeRequired"
                    for o in cell.get("outputs", []))
    # Only what the public test printed is kept: nbgrader's determine_grade reads an error or a
    # stderr stream as 0 points, and an execute_result (e.g. one that code in an earlier cell
    # made every test cell end with) as the score itself. The judge alone decides.
    outputs = [o for o in cell.get("outputs", [])
               if o.get("output_type") == "stream" and o.get("name") == "stdout"]
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
    cell.metadata[METADATA_KEY] = verdict.to_json()
