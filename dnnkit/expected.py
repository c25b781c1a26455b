"""Expected outputs, generated from the reference solution (never typed).

Two artefacts per assignment:
- `testCases/expected/<assignment>.json`: for each public case, the reference result and the
  results of the known mistakes on the same fixture (so the public test can name them);
- the notebook's "Expected output" blocks: what the reference solution prints in the cell
  that runs each function on its fixture.
"""
import copy
import json
import os

import nbformat
import numpy as np
from nbclient import NotebookClient

from dnnkit import assignments, notebook
from dnnkit.judge import Judge
from testCases.public_tests import EXPECTED_DIR, encode, fixture_args

BLOCK = "**Expected output** (printed by the reference solution):\n\n```\n{text}```"


def _run(function, args, kwargs):
    try:
        with np.errstate(all="ignore"):  # mistakes overflow; their warnings are noise here
            return encode(function(*copy.deepcopy(args), **copy.deepcopy(kwargs)))
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
            for mistake in spec.MISTAKES:
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
        hint = getattr(spec, "VALUE_HINTS", {}).get(name)
        if hint:  # said by the public test after a plain "wrong values"
            data[name]["hint"] = hint
    return data


def expected_path(assignment):
    return os.path.join(EXPECTED_DIR, assignment + ".json")


def dumps(data):
    return json.dumps(data, indent=1) + "\n"


def printed_outputs(source_path):
    """{function: stdout of the cell that shows it}, from running the reference notebook."""
    nb = notebook.read(source_path)
    # The expected outputs come from the fixture cells only: like the autograder, cut the
    # notebooks' full-data trainings short (they check NBGRADER_EXECUTION).
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(source_path)}}).execute(
        env={**os.environ, "NBGRADER_EXECUTION": "expected"})
    printed = {}
    for cell in nb.cells:
        shows = cell.get("metadata", {}).get("dnnkit", {}).get("shows")
        if shows:
            printed[shows] = "".join(o.get("text", "") for o in cell.outputs
                                     if o.get("output_type") == "stream" and o.get("name") == "stdout")
    return printed


def with_expected_blocks(nb, printed):
    """A copy of `nb` whose Expected output blocks hold `printed`."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        name = cell.get("metadata", {}).get("dnnkit", {}).get("expected_output_of")
        if name:
            cell.source = BLOCK.format(text=printed[name])
    return nb


def update(root, assignment):
    """Regenerate both artefacts; return the paths that changed."""
    source_path = notebook.source_notebook_path(root, assignment, _notebook_name(root, assignment))
    source_nb = notebook.read(source_path)
    changed = []
    text = dumps(expected_json(assignment, source_nb))
    path = expected_path(assignment)
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
