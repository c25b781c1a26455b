"""Expected outputs, generated from the reference solution (never typed).

Two artefacts per assignment (`update` also redraws the notebook's figures, dnnkit.staff.figures):
- `testCases/expected/<assignment>.json`: for each public case, the reference result and the
  results of the known mistakes on the same fixture (so the public test can name them);
- the notebook's "Expected output" blocks: what the reference solution prints in the cell
  that runs each function on its fixture.

Both are stored at a precision the machine cannot change, so regenerating them on another
machine gives the same bytes: the last digits of a float depend on the BLAS and on numpy's SIMD
code (measured: up to 3e-14 relative between OpenBLAS kernels on the application's fixtures).
Every float of the JSON is rounded to `SIGNIFICANT` (8) significant digits, and values below
`TINY` become 0; a printed number longer than numpy's own 8-decimal array printing (Python's
full repr of a float) is rounded to 8 significant digits, and its block says so. The public
tests compare with a tolerance (`RTOL` 1e-6, `ATOL` 1e-9 in testCases/public_tests.py): the
rounding moves a value by at most 5e-8 of itself, and TINY is far below ATOL.
"""
import copy
import json
import math
import os
import subprocess
import re

import nbformat
import numpy as np
from nbclient import NotebookClient

from dnnkit import assignments, notebook
from dnnkit.judging.judge import Judge
from testCases.public_tests import EXPECTED_DIR, encode, fixture_args

BLOCK = "**Expected output** (printed by the reference solution{note}):\n\n```\n{text}```"
ROUNDED_NOTE = "; long numbers rounded to {digits} significant digits"

SIGNIFICANT = 8      # digits kept: the tests need 6 (RTOL 1e-6), BLAS noise starts at the 14th
TINY = 1e-12         # |value| below this is stored as 0 (ATOL is 1e-9; public_tests treats
                     # |expected| <= 1e-12 as zero when it looks for a ratio)
LONG = 11            # a printed number with this many significant digits or more is rounded
_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.])")


def stable_float(x):
    """`x` rounded to SIGNIFICANT significant digits (0.0 below TINY, never -0.0)."""
    x = float(x)
    if not math.isfinite(x):
        return x
    if abs(x) < TINY:
        return 0.0
    return float(f"{x:.{SIGNIFICANT}g}") + 0.0


def stable(data):
    """An encoded result (testCases.public_tests.encode) with every float made stable."""
    t = data.get("t")
    if t == "float":
        return {**data, "v": stable_float(data["v"])}
    if t == "array" and data.get("v") is not None and data["dtype"].lstrip("<>=|")[:1] == "f":
        return {**data, "v": [stable_float(v) for v in data["v"]]}
    if t in ("tuple", "list"):
        return {**data, "v": [stable(v) for v in data["v"]]}
    if t == "dict":
        return {**data, "v": [[k, stable(v)] for k, v in data["v"]]}
    return data


def _significant_digits(literal):
    mantissa = re.split(r"[eE]", literal)[0]
    return len(mantissa.lstrip("-").replace(".", "").lstrip("0"))


def stable_text(text):
    """(text, rounded): `text` with every number of LONG or more significant digits rounded to
    SIGNIFICANT digits (printed as Python prints a float); numpy's array printing (8 decimals)
    is left as it is."""
    rounded = False

    def shorten(match):
        nonlocal rounded
        literal = match.group(0)
        if _significant_digits(literal) < LONG:
            return literal
        rounded = True
        return repr(stable_float(literal))
    return _NUMBER.sub(shorten, text), rounded


def _run(function, args, kwargs):
    try:
        with np.errstate(all="ignore"):  # mistakes overflow; their warnings are noise here
            return stable(encode(function(*copy.deepcopy(args), **copy.deepcopy(kwargs))))
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"[:500]}


def _result_of(function, args, kwargs, seed=None):
    """The function's result, or None when it depends on the global random state
    (beyond `seed`, which is set right before the call when given)."""
    results = []
    for state in (0, 12345):
        np.random.seed(state if seed is None else seed)
        results.append(_run(function, args, kwargs))
    return results[0] if results[0] == results[1] else None


def expected_json(assignment, source_nb):
    """The public tests' expected values, as a JSON-ready dict."""
    import importlib
    fixtures = importlib.import_module("testCases." + assignment)
    judge = Judge(assignment, source_nb)
    spec = assignments.load(assignment)
    data = {}
    for name, public in fixtures.PUBLIC_CASES.items():
        cases = []
        for label, fixture, kwargs, *seed in public["cases"]:
            seed = seed[0] if seed else None
            args = fixture_args(assignment, fixture)
            expected = _result_of(judge.reference[name], args, kwargs, seed)
            mistakes = []
            for mistake in spec.mistakes:
                if mistake.function != name:
                    continue
                output = _result_of(judge.mutant(mistake), args, kwargs, seed)
                if output is not None and output != expected:
                    entry = {"key": mistake.key, "message": mistake.message}
                    if "error" in output and set(output) == {"error"}:
                        entry["error"] = output["error"]
                    else:
                        entry["output"] = output
                    mistakes.append(entry)
            case = {"label": label, "fixture": fixture, "kwargs": kwargs,
                    "expected": expected, "mistakes": mistakes}
            if seed is not None:
                case["seed"] = seed
            cases.append(case)
        data[name] = {"outputs": public["outputs"], "cases": cases}
        hint = spec.value_hints.get(name)
        if hint:  # said by the public test after a plain "wrong values"
            data[name]["hint"] = hint
    return data


def expected_path(assignment, root=None):
    """testCases/expected/<assignment>.json of the course at `root` (default: the testCases
    package imported here, the kit's own)."""
    folder = os.path.join(root, "testCases", "expected") if root else EXPECTED_DIR
    return os.path.join(folder, assignment + ".json")


def dumps(data):
    return json.dumps(data, indent=1) + "\n"


def printed_outputs(source_path):
    """{function: stdout of the cell that shows it}, from running the reference notebook."""
    nb = notebook.read(source_path)
    # The expected outputs come from the fixture cells only: like the autograder, cut the
    # notebooks' full-data trainings short (they check NBGRADER_EXECUTION).
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(source_path)}}).execute(
        env={**os.environ, "NBGRADER_EXECUTION": "expected"},
        stderr=subprocess.DEVNULL)   # the kernel's own start-up warnings are not the command's
    printed = {}
    for cell in nb.cells:
        shows = cell.get("metadata", {}).get("dnnkit", {}).get("shows")
        if shows:
            printed[shows] = "".join(o.get("text", "") for o in cell.outputs
                                     if o.get("output_type") == "stream" and o.get("name") == "stdout")
    return printed


def with_expected_blocks(nb, printed):
    """A copy of `nb` whose Expected output blocks hold `printed`, long numbers rounded."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        name = cell.get("metadata", {}).get("dnnkit", {}).get("expected_output_of")
        if name:
            text, rounded = stable_text(printed[name])
            note = ROUNDED_NOTE.format(digits=SIGNIFICANT) if rounded else ""
            cell.source = BLOCK.format(text=text, note=note)
    return nb


def update(root, assignment):
    """Regenerate both artefacts of the course at `root`, and the notebook's figures
    (`dnnkit.staff.figures`, source/<assignment>/images/); return the paths that changed."""
    from dnnkit.staff import figures
    source_path = notebook.source_notebook_path(root, assignment, _notebook_name(root, assignment))
    source_nb = notebook.read(source_path)
    changed = figures.draw(root, assignment)
    text = dumps(expected_json(assignment, source_nb))
    path = expected_path(assignment, root)
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)
        changed.append(path)
    new_nb = with_expected_blocks(source_nb, printed_outputs(source_path))
    if nbformat.writes(new_nb) != nbformat.writes(source_nb):
        nbformat.write(new_nb, source_path)
        changed.append(source_path)
    return changed


def _notebook_name(root, assignment):
    names = [f[:-6] for f in sorted(os.listdir(os.path.join(root, "source", assignment)))
             if f.endswith(".ipynb")]
    if len(names) != 1:
        raise notebook.NotebookError(f"source/{assignment}: expected exactly one notebook, found {names}")
    return names[0]
