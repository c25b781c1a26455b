"""What is wrong with a function no named mistake explains, told from what the judge measured.

A named mistake (dnnkit.assignments: an edit of the reference whose output equals the student's)
covers what someone foresaw; real students make other mistakes. When none matches, the judge's
message starts with the first problem `compare` finds (a shape, a factor of m, a sign, a
transpose) and this module adds what the other hidden cases show:

- which outputs are right and which are wrong (`dW` right, `db` wrong);
- for which inputs it goes wrong, from the cases' arguments read by the reference's parameter
  names: the number of layers (right for 2 layers, wrong deeper), the number of examples m
  (wrong only for m = 1), an activation, a size;
- whether the result depends on the caller's random state where the reference's does not, or
  the other way round (a seed inside the function), from two runs of one case under two seeds;
- for an exception, what it means here: a name that is a variable of the student's notebook
  (the function reads a global), a name never assigned, a NumPy alias that NumPy removed.

Nothing here quotes a hidden value: only names, shapes, counts and the argument values that
describe a case's size (m = 1, 3 layers).
"""
import ast
import inspect
import re

import numpy as np

from testCases.public_tests import compare

EXAMPLES = re.compile(r"^d?[AXYZ]\w*$")   # arrays with one column per example: X, Y, AL, dZ...
REMOVED_NUMPY = {"float": "float (or np.float64)", "int": "int (or np.int64)", "bool": "bool",
                 "object": "object", "complex": "complex", "str": "str", "long": "int",
                 "unicode": "str"}   # aliases NumPy 1.24 removed -> what to write instead


# ---------------------------------------------------------------------------------------------
# Which outputs

def leaves(value, what):
    """[(name, value)] of an output: each entry of a dictionary (nested ones too), else the
    value itself (a tuple inside an output, such as a cache, is one leaf)."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in leaves(item, f'{what}["{key}"]')]
    return [(what, value)]


def _named(value, outputs):
    names = [outputs] if isinstance(outputs, str) else list(outputs)
    if isinstance(outputs, str) or not isinstance(value, (tuple, list)) or len(value) != len(names):
        return [(outputs if isinstance(outputs, str) else "the result", value)]
    return list(zip(names, value))


def wrong_parts(expected, actual, outputs):
    """({leaf name}, {leaf name}): the parts of the result that are right and wrong on one case
    (empty when the result does not have the expected structure)."""
    right, wrong = set(), set()
    for (name, e), (_, a) in zip(_named(expected, outputs), _named(actual, outputs)):
        mine = dict(leaves(a, name))
        for leaf, value in leaves(e, name):
            if leaf not in mine:
                return set(), set()
            (wrong if compare(value, mine[leaf], leaf) else right).add(leaf)
    return right, wrong


def _listed(names, limit=4):
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def parts_sentence(expected, actual, outputs):
    """"Right: dW1, dW2; wrong: db1." across all cases, or "" when all parts are wrong (or
    the result has not the expected structure)."""
    right, wrong = None, set()
    for e, a in zip(expected, actual):
        r, w = wrong_parts(e, a, outputs)
        if not r and not w:
            return ""
        right = r if right is None else right & r
        wrong |= w
    right = (right or set()) - wrong
    if not right or not wrong:
        return ""
    return f"Right: {_listed(right)}; wrong: {_listed(wrong)}."


# ---------------------------------------------------------------------------------------------
# For which inputs

def features(function, case):
    """{feature: value} that describe a case's size, read from the reference's parameters:
    "layers" (W1..WL in a dictionary, a list of layer sizes or of caches), "m" (the columns of
    an X, Y, A or dZ array), a string argument (an activation), whole-number sizes, and for
    each parameter with a default whether the call gave it ("learning_rate given")."""
    try:
        bound = inspect.signature(function).bind(*case.args, **case.kwargs)
    except (TypeError, ValueError):
        return {}
    found = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.default is not inspect.Parameter.empty:
            found[f"{name} given"] = name in bound.arguments
    for name, value in bound.arguments.items():
        if isinstance(value, dict) and any(re.fullmatch(r"W\d+", str(k)) for k in value):
            found.setdefault("layers", sum(bool(re.fullmatch(r"W\d+", str(k))) for k in value))
        elif isinstance(value, list) and name in ("layer_dims", "layers_dims"):
            found.setdefault("layers", len(value) - 1)
        elif isinstance(value, list) and name == "caches":
            found.setdefault("layers", len(value))
        elif isinstance(value, np.ndarray) and value.ndim == 2 and EXAMPLES.match(name):
            found.setdefault("m", value.shape[1])
        elif isinstance(value, str):
            found[name] = value
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool) and name.startswith("n_"):
            found[name] = int(value)
    return found


def _say(feature, values):
    values = sorted(values)
    def either(items):
        items = [repr(v) if isinstance(v, str) else str(v) for v in items]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
    if feature == "layers":
        shown = either(values)
        return f"{shown}-layer networks"
    if feature == "m":
        return "a single example (m = 1)" if values == [1] else f"m = {either(values)}"
    return f"{feature} = {either(values)}"


def inputs_sentence(function, cases, wrong):
    """Where it goes wrong, when a feature of the cases separates the wrong ones from the right
    ones ("Right for 2-layer networks, wrong for 3 or 4-layer networks."), else how many of the
    hidden cases it gets right; "" when it is wrong on all of them."""
    if not any(wrong) or all(wrong):
        return ""
    described = [features(function, c) for c in cases]
    for feature in ("layers", "m", *sorted({k for d in described for k in d} - {"layers", "m"})):
        if not all(feature in d for d in described):
            continue
        bad = {d[feature] for d, w in zip(described, wrong) if w}
        good = {d[feature] for d, w in zip(described, wrong) if not w}
        if bad & good:
            continue
        if feature.endswith(" given"):
            name = feature[:-len(" given")]
            return (f"Right when {name} is given, wrong when it takes its default value: check "
                    f"the default in the def line.") if bad == {False} else \
                f"Right when {name} takes its default value, wrong when it is given: use the argument."
        numeric = all(isinstance(v, int) and not isinstance(v, bool) for v in bad | good)
        if feature == "layers" and numeric and min(bad) > max(good):
            return (f"Right for {_say(feature, good)}, wrong for deeper ones "
                    f"({_say(feature, bad)}): check what changes from one layer to the next.")
        if feature == "m" and bad == {1}:
            return ("Right for several examples, wrong for a single example (m = 1): check "
                    "the shapes when m = 1 (a squeeze or a sum without axis).")
        return f"Right for {_say(feature, good)}, wrong for {_say(feature, bad)}."
    return f"Right on {wrong.count(False)} of the {len(wrong)} hidden cases, wrong on the others."


# ---------------------------------------------------------------------------------------------
# Random state

def random_state_sentence(reference_varies, student_varies):
    """What two runs of one case under two seeds showed, or ""."""
    if student_varies and not reference_varies:
        return ("Its result changes with the caller's random state (the same inputs gave "
                "different values under two seeds): it should not draw random numbers.")
    if reference_varies and not student_varies:
        return ("Its result stays the same whatever the caller's random state, where the expected "
                "one changes with it: draw from np.random as the caller left it (no np.random.seed "
                "inside the function, no fixed values).")
    return ""


# ---------------------------------------------------------------------------------------------
# Exceptions

def _assigned_at_top(student_nb, function):
    """(names the notebook's cells assign at top level, names they define with def or
    class): its globals, apart from `function` itself."""
    names, defined = set(), set()
    for cell in student_nb.cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse("\n".join(l for l in cell.source.split("\n")
                                       if not l.lstrip().startswith(("%", "!"))))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                if node.name != function:
                    defined.add(node.name)
                continue
            for target in ast.walk(node) if isinstance(node, (ast.Assign, ast.AugAssign, ast.For,
                                                               ast.AnnAssign, ast.With)) else ():
                if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                    names.add(target.id)
    return names, defined


def error_sentence(raised, function, student_nb, source):
    """What an exception of the student's function means here, or ""."""
    missing = re.match(r"(?:NameError|UnboundLocalError): (?:name |cannot access local variable )?'(\w+)'", raised)
    if missing:
        name = missing.group(1)
        try:
            bound = {n.id for n in ast.walk(ast.parse(source))
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            bound = set()
        if name in bound:
            return (f"`{name}` is read before it is given a value in {function} (or only in a "
                    f"branch that did not run): assign it first.")
        assigned, defined = _assigned_at_top(student_nb, function)
        if name in defined:
            return (f"`{name}` is defined in another cell of your notebook: the grader takes "
                    f"{function} from its own cell only, so define `{name}` in that cell too.")
        if name in assigned:
            return (f"`{name}` is a variable of your notebook, not of {function}: the grader "
                    f"calls {function} on its own, with its arguments only, so compute `{name}` "
                    f"inside it from those arguments.")
        return f"`{name}` is not defined anywhere in your notebook: a typo, or a line left out?"
    removed = re.match(r"AttributeError: module 'numpy' has no attribute '(\w+)'", raised)
    if removed and removed.group(1) in REMOVED_NUMPY:
        alias = removed.group(1)
        return f"np.{alias} was removed from NumPy (in 1.24): write {REMOVED_NUMPY[alias]} instead."
    if raised.startswith(("TypeError: cannot unpack non-iterable", "ValueError: too many values to unpack",
                          "ValueError: not enough values to unpack")):
        return "A line unpacks a different number of values than the call on its right returns."
    if raised.startswith("ValueError: operands could not be broadcast together"):
        return "Two arrays of incompatible shapes meet in one operation: print their shapes."
    if raised.startswith("TypeError: only 0-dimensional arrays can be converted") or \
            raised.startswith("TypeError: only length-1 arrays can be converted"):
        return ("float() and int() take a single number: turn the array into one first "
                "(np.squeeze, or .item()).")
    if raised.startswith(("ValueError: shapes", "ValueError: matmul")):
        return ("A matrix product gets shapes that do not fit: check the order of np.dot's "
                "arguments (W first) and transposes.")
    return ""
