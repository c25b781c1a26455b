"""Public tests: run a graded function on its canonical fixture and explain what is wrong.

`check(assignment, name, function)` is what the notebooks' test cells call. It compares the
function's result with the expected values in `testCases/expected/<assignment>.json`, which
`dnnkit expected` generates from the reference solution, checking type, then shape, then values.
When a result is wrong it names the most likely mistake: first by matching the result against
the outputs of known mistakes on the same fixture (also generated), then from the shape or the
ratio of the numbers.

The same `encode`/`decode`/`compare` serve the grader (dnnkit's judge), so students and the
autograder get the same messages.
"""
import copy
import importlib
import json
import numbers
import os

import numpy as np

RTOL, ATOL = 1e-6, 1e-9
EXPECTED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected")


# ---------------------------------------------------------------------------------------------
# A JSON form of function results: exact floats, no pickle (safe to read from untrusted code).

def encode(value):
    if value is None:
        return {"t": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, (numbers.Integral,)):
        return {"t": "int", "v": int(value)}
    if isinstance(value, numbers.Real):
        return {"t": "float", "v": float(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return {"t": "array", "dtype": value.dtype.str, "shape": list(value.shape),
                    "v": value.ravel().tolist()}
        if value.size == 1 and value.item() is None:
            return {"t": "none"}  # e.g. np.squeeze(None) left by a placeholder
        return {"t": "array", "dtype": "object", "shape": list(value.shape), "v": None}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__, "v": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[str(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    return {"t": "other", "type": type(value).__name__}


class Opaque:
    """A value that could not be carried over (e.g. an object array); it equals nothing."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return f"<{self.kind}>"


def decode(data):
    t = data["t"]
    if t == "none":
        return None
    if t in ("bool", "int", "float", "str"):
        return {"bool": bool, "int": int, "float": float, "str": str}[t](data["v"])
    if t == "array":
        if data["dtype"] == "object":
            return Opaque("object array of shape %s" % (tuple(data["shape"]),))
        return np.array(data["v"], dtype=np.dtype(data["dtype"])).reshape(data["shape"])
    if t in ("tuple", "list"):
        items = [decode(v) for v in data["v"]]
        return tuple(items) if t == "tuple" else items
    if t == "dict":
        return {k: decode(v) for k, v in data["v"]}
    return Opaque(data.get("type", "unknown"))


# ---------------------------------------------------------------------------------------------
# Comparison with messages a student understands.

def _is_scalar(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool) or (
        isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "biuf")


def _shape_hint(what, expected, actual):
    e, a = tuple(expected), tuple(actual)
    if len(e) == 2 and e[1] == 1 and a == (e[0],):
        return (f"{what} has shape {a} but should be {e}, a column: keepdims=True keeps the column "
                f"shape when you sum, np.zeros({e}) creates one.")
    if len(e) == 2 and e[1] == 1 and len(a) == 2 and a[0] == 1 and e[0] != 1:
        return (f"{what} has shape {a} but should be {e}: sum over the examples, that is over the "
                f"columns (axis=1), not over the rows.")
    if a == e[::-1]:
        return f"{what} has shape {a} but should be {e}: it looks transposed."
    return f"{what} has shape {a} but should be {e}."


def _value_hint(what, expected, actual):
    """Name a constant ratio between the result and the expected values, if there is one."""
    e = np.asarray(expected, dtype=float).ravel()
    a = np.asarray(actual, dtype=float).ravel()
    big = np.abs(e) > 1e-12
    if big.sum() == 0:
        return f"{what} should be all zeros."
    if not np.all(np.isfinite(a)):
        return f"{what} has the wrong values."
    if np.allclose(a, 0, atol=1e-12):
        return f"{what} is all zeros: the line that computes it is missing or multiplies by zero."
    ratios = a[big] / e[big]
    r = ratios[0]
    if not np.allclose(ratios, r, rtol=1e-6, atol=0) or not np.allclose(a[~big], 0, atol=1e-9):
        return _pattern_hint(what, e, a)
    if np.isclose(r, -1):
        return f"{what} has the right size but the wrong sign: check the minus sign."
    if r > 1 and np.isclose(r, round(r)):
        return (f"{what} is {round(r)} times too large: a factor is missing (such as the 1/m of "
                f"an average, or a scale like 0.01).")
    if 0 < r < 1 and np.isclose(1 / r, round(1 / r)):
        return (f"{what} is {round(1 / r)} times too small: a factor that does not belong here "
                f"(such as a 1/m too many)?")
    if big.sum() < 2:   # one number: any two numbers have a ratio
        return f"{what} has the wrong value: check the formula term by term."
    return f"{what} is a constant multiple of the expected values ({r:.3g} times): a factor is wrong."


PLAIN = " has the right shape, "   # in the messages of values wrong in no pattern found


def _pattern_hint(what, e, a):
    """Wrong values of the right shape, no constant ratio: what else relates them."""
    close = np.isclose(a, e, rtol=RTOL, atol=ATOL)
    if np.isin(e, (0, 1)).all() and np.isin(a, (0, 1)).all():   # labels, predictions
        if not close.any():
            return f"{what} has every value flipped (1 where 0 belongs and 0 where 1 does): an inverted test?"
        return f"{what}{PLAIN}and {int(close.sum())} of its {close.size} values are right: the others are flipped."
    if e.size > 1 and np.allclose(np.sort(a), np.sort(e), rtol=RTOL, atol=ATOL):
        return (f"{what} holds the right numbers in the wrong places: a transpose, a reshape "
                f"or two things swapped?")
    if np.allclose(np.abs(a), np.abs(e), rtol=RTOL, atol=ATOL):
        return f"{what} has the right sizes but some signs are wrong: check each minus sign."
    offset = a - e
    if e.size > 1 and np.allclose(offset, offset[0], rtol=1e-6, atol=ATOL):
        return (f"{what} is off by the same amount everywhere: a term added or left out "
                f"(a bias, a constant)?")
    if close.any():
        return (f"{what}{PLAIN}and {int(close.sum())} of its {close.size} values are right: "
                f"the others are not.")
    error = np.abs(a - e).mean() / max(np.abs(e).mean(), 1e-12)
    if error > 10:
        return f"{what}{PLAIN}but its values are far from the expected ones (more than 10 times off)."
    size = ("close to the expected ones, but not within the tolerance" if error < 1e-3 else
            "far from the expected ones" if error > 1 else "wrong")
    return f"{what}{PLAIN}but its values are {size} (about {100 * error:.0f}% off on average)."


def compare(expected, actual, what="the result"):
    """Return None when `actual` matches `expected`, else one message about the first problem."""
    if isinstance(expected, Opaque):
        return None if isinstance(actual, Opaque) else f"{what} should not be computable here."
    if isinstance(actual, np.ndarray) and actual.dtype == object and actual.size == 1 \
            and actual.item() is None:
        actual = None  # e.g. np.squeeze(None) left by a placeholder
    if expected is None:
        return None if actual is None else f"{what} should be None."
    if actual is None:
        if what == "the result":
            return ("The function returned None: did you forget the return statement, or leave "
                    "a placeholder (= None) in place?")
        return f"{what} is None: fill in the line that computes it."
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{what} should be a dictionary, not {type(actual).__name__}."
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if not actual:
            return f"{what} is empty: fill in the lines that store its entries."
        if missing or extra:
            parts = []
            if missing:
                parts.append("missing keys " + ", ".join(repr(k) for k in missing))
            if extra:
                parts.append("unexpected keys " + ", ".join(repr(k) for k in extra))
            return f"{what} has " + " and ".join(parts) + "."
        for k in expected:
            problem = compare(expected[k], actual[k], f'{what}["{k}"]')
            if problem:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)):
            return f"{what} should be a tuple of {len(expected)} items, not {type(actual).__name__}."
        if len(actual) != len(expected):
            return f"{what} should have {len(expected)} items, not {len(actual)}."
        for i, (e, a) in enumerate(zip(expected, actual)):
            problem = compare(e, a, f"{what}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(expected, str):
        return None if actual == expected else f"{what} should be {expected!r}."
    if isinstance(expected, bool):
        return None if actual is expected or actual == expected else f"{what} should be {expected}."
    # numbers and arrays
    if _is_scalar(expected) or (isinstance(expected, np.ndarray) and expected.shape == ()):
        if isinstance(actual, np.ndarray) and actual.shape != ():
            return (f"{what} should be a single number, but it is an array of shape {actual.shape}: "
                    f"use np.squeeze (or float) to turn it into a scalar.")
        if not _is_scalar(actual):
            return f"{what} should be a number, not {type(actual).__name__}."
        if np.allclose(float(actual), float(expected), rtol=RTOL, atol=ATOL):
            return None
        return _value_hint(what, expected, actual)
    if _is_scalar(actual) and expected.ndim == 2 and expected.shape[1] == 1:
        return (f"{what} is a single number but should be an array of shape {expected.shape}: "
                f"sum over the examples only (axis=1) and keep the column (keepdims=True).")
    if not isinstance(actual, np.ndarray):
        return f"{what} should be a numpy array, not {type(actual).__name__}."
    if actual.dtype.kind not in "biuf":
        return f"{what} should hold numbers, but its dtype is {actual.dtype}."
    if actual.shape != expected.shape:
        return _shape_hint(what, expected.shape, actual.shape)
    if np.allclose(actual, expected, rtol=RTOL, atol=ATOL):
        return None
    return _value_hint(what, expected, actual)


def compare_outputs(expected, actual, outputs):
    """compare(), naming the function's outputs (a name, or a tuple of names) in the messages."""
    if actual is None and expected is not None:
        return compare(expected, actual)
    if isinstance(outputs, str):
        return compare(expected, actual, outputs)
    if not isinstance(actual, (tuple, list)) or len(actual) != len(outputs):
        count = len(actual) if isinstance(actual, (tuple, list)) else 1
        return (f"The function should return {len(outputs)} values ({', '.join(outputs)}), "
                f"not {count}.")
    for name, e, a in zip(outputs, expected, actual):
        problem = compare(e, a, name)
        if problem:
            return problem
    return None


def with_hint(problem, hint):
    """A plain "wrong values" problem (no ratio, sign or pattern found), followed by the
    assignment's hint for the function."""
    if hint and problem and (problem.endswith("has the wrong values.") or PLAIN in problem):
        return problem + " " + hint
    return problem


def diagnose(expected, actual, outputs, mistakes):
    """The message for a wrong result: a known mistake if one matches, else the first problem."""
    problem = compare_outputs(expected, actual, outputs)
    if problem is None:
        return None
    for mistake in mistakes:
        if compare_outputs(mistake["output"], actual, outputs) is None:
            return mistake["message"]
    return problem


# ---------------------------------------------------------------------------------------------
# The entry point of the notebooks' test cells.

class JudgeRequired(Exception):
    """Raised by the hidden part of every test cell when `nbgrader autograde` runs without
    dnnkit's judge (say nbgrader_config.py failed to load): the cells then fail and score 0,
    rather than take their points from a test run inside the student's kernel, where code can
    patch numpy or the tests. With the judge configured, nbgrader's kernels (and dnnkit grade's
    shells) see DNNKIT_JUDGE=1, and the judge's verdict decides the points."""


def judge_required():
    if os.environ.get("NBGRADER_EXECUTION") == "autograde" and not os.environ.get("DNNKIT_JUDGE"):
        raise JudgeRequired("this cell is graded by dnnkit's judge, which did not run: check that "
                            "nbgrader_config.py loads (nbgrader's log says why not)")


def load_expected(assignment):
    with open(os.path.join(EXPECTED_DIR, assignment + ".json")) as f:
        return json.load(f)


def fixture_args(assignment, fixture):
    args = getattr(importlib.import_module("testCases." + assignment), fixture)()
    return args if isinstance(args, tuple) else (args,)


def check(assignment, name, function):
    """Run `function` on each public case of `name` and print what is wrong, if anything."""
    spec = load_expected(assignment)[name]
    failures = []
    for case in spec["cases"]:
        label = case["label"]
        args = copy.deepcopy(fixture_args(assignment, case["fixture"]))
        if case.get("seed") is not None:  # the function draws from the caller's seed
            np.random.seed(case["seed"])
        try:
            result = function(*args, **case["kwargs"])
        except Exception as error:  # the student's code raised: name the mistake if known
            raised = f"{type(error).__name__}: {error}"[:500]
            known = [m["message"] for m in case["mistakes"] if m.get("error") == raised]
            failures.append(f"{label}: " + (known[0] if known else f"your function raised {raised}"))
            continue
        message = diagnose(decode(case["expected"]), result, spec["outputs"],
                           [{"message": m["message"], "output": decode(m["output"])}
                            for m in case["mistakes"] if "output" in m])
        message = with_hint(message, spec.get("hint"))
        if message:
            failures.append(f"{label}: {message}")
    if failures:
        raise PublicTestFailed(f"{name}: {len(failures)} of {len(spec['cases'])} public test(s) failed:\n"
                               + "".join(f"✗ {failure}\n" for failure in failures)
                               + "(If a graded function that this one calls fails its own test, fix "
                                 "that one first.)")
    print(f"✓ All {len(spec['cases'])} public test(s) of {name} passed. The grader also runs it on "
          f"inputs you do not see (other shapes and sizes), so a function that only fits these "
          f"examples can still lose its points.")


class PublicTestFailed(AssertionError):
    """A failed public test: its message holds the ✗ lines. The notebook and nbgrader's Validate
    dialog (which shows a failed cell's traceback only) show those lines, not a traceback into
    this file: IPython renders an exception through `_render_traceback_`."""

    def _render_traceback_(self):
        first, *rest = str(self).split("\n")
        return [f"\x1b[0;31mPublicTestFailed\x1b[0m: {first}", *rest]
