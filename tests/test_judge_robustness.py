"""The judge's robustness: return types, inputs changed in place, prints, hangs, crashes, state
left behind by student code, and messages that never show hidden inputs."""
import nbformat
import numpy as np
import pytest

from dnnkit import notebook
from dnnkit.staff import submissions
from dnnkit.judging.judge import LONG_NUMBER, Judge, Runner, _hard_coded, _scrub

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"


@pytest.fixture(scope="module")
def notebooks(root):
    source = notebook.read(notebook.source_notebook_path(root, A, NB))
    release = notebook.read(submissions.release_notebook_path(root, A))
    return release, source


@pytest.fixture(scope="module")
def judge(notebooks):
    return Judge(A, notebooks[1], timeout=5.0, seed=7)


def student(notebooks, **cells):
    """A submission with every function solved, except `cells` written out."""
    release, source = notebooks
    return submissions.make(release, source, notebook.graded_functions(source), replace=cells)


def verdict(judge, nb, name):
    """The judge's verdict on one function of `nb` (its own runner, as in grading)."""
    runner = Runner(judge.timeout, judge.memory_bytes, judge.work)
    try:
        return judge.judge_function(name, nb, notebook.setup_code(nb), runner,
                                    3)
    finally:
        runner.close()


def cost_cell(body):
    return ("# GRADED FUNCTION: compute_cost\n\ndef compute_cost(AL, Y):\n    m = Y.shape[1]\n"
            "    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))\n" + body)


@pytest.mark.parametrize("body", [
    "    return np.float64(cost)\n",                 # numpy scalar
    "    return np.array(cost)\n",                   # 0-d array
    "    return float(cost)\n",                      # Python float
    "    return np.squeeze(np.array([[cost]]))\n",   # 0-d array from np.squeeze
])
def test_cost_as_numpy_scalar_0d_array_or_float_gets_full_marks(judge, notebooks, body):
    v = verdict(judge, student(notebooks, compute_cost=cost_cell(body)), "compute_cost")
    assert v.passed, v.message


def test_cost_of_shape_1_1_is_refused_and_named(judge, notebooks):
    v = verdict(judge, student(notebooks, compute_cost=cost_cell("    return np.array([[cost]])\n")),
                "compute_cost")
    assert not v.passed and "single number" in v.message


IN_PLACE_POP = '''# GRADED FUNCTION: L_model_backward

def L_model_backward(AL, Y, caches):
    """Changes its inputs: pops the caches, scales Y in place (after use)."""
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    Y *= 0
    caches = caches  # the caller's list
    current = caches.pop()
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \\
        linear_activation_backward(dA, current, "sigmoid")
    for l in reversed(range(L - 1)):
        current = caches.pop()
        current[0][0][...] = current[0][0]  # writes into the cache arrays
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = \\
            linear_activation_backward(grads["dA" + str(l + 1)], current, "relu")
    return grads
'''

IN_PLACE_UPDATE = '''# GRADED FUNCTION: update_parameters

def update_parameters(params, grads, learning_rate):
    L = len(params) // 2
    for l in range(1, L + 1):
        params["W" + str(l)] -= learning_rate * grads["dW" + str(l)]
        params["b" + str(l)] -= learning_rate * grads["db" + str(l)]
    grads.clear()  # even this: every call has its own copy of the inputs
    return params
'''


@pytest.mark.parametrize("name, cell", [("L_model_backward", IN_PLACE_POP),
                                        ("update_parameters", IN_PLACE_UPDATE)])
def test_functions_that_change_their_inputs_in_place_get_full_marks(judge, notebooks, name, cell):
    v = verdict(judge, student(notebooks, **{name: cell}), name)
    assert v.passed, v.message
    assert v.cases >= 4


def test_a_function_that_prints_a_lot_is_judged_on_what_it_returns(judge, notebooks):
    cell = cost_cell('    for i in range(5000):\n        print("cost so far " * 100, i)\n'
                     "    print(AL, Y)\n    return np.squeeze(cost)\n")   # megabytes per call
    v = verdict(judge, student(notebooks, compute_cost=cell), "compute_cost")
    assert v.passed, v.message


def test_hangs_and_crashes_cost_only_their_function(judge, notebooks):
    nb = student(notebooks,
                 linear_forward="# GRADED FUNCTION: linear_forward\n\ndef linear_forward(A, W, b):\n"
                                "    while True:\n        pass\n",
                 compute_cost="# GRADED FUNCTION: compute_cost\n\ndef compute_cost(AL, Y):\n"
                              "    import os\n    os._exit(3)\n",
                 linear_backward="# GRADED FUNCTION: linear_backward\n\n"
                                 "def linear_backward(dZ, cache):\n    import os, signal\n"
                                 "    os.kill(os.getpid(), signal.SIGKILL)\n")
    verdicts = judge.judge(nb)
    failed = {name: v.message for name, v in verdicts.items() if not v.passed}
    assert set(failed) == {"linear_forward", "compute_cost", "linear_backward"}, failed
    assert "did not finish within" in failed["linear_forward"]
    assert verdicts["linear_forward"].fault == "crash"
    assert verdicts["linear_backward"].fault == "crash"
    assert "compute_cost" in failed["compute_cost"]


def test_state_left_by_one_function_does_not_reach_the_others(judge, notebooks):
    """The first graded cell breaks numpy and the helpers at definition time in the grading
    process; every other function (and the reference functions they call) is unaffected."""
    saboteur = '''# GRADED FUNCTION: initialize_parameters

import nbformat
import numpy as np
import dnn_utils


def initialize_parameters(n_x, n_h, n_y, _=[setattr(np, "dot", lambda *a, **k: 0),
                                             setattr(np, "sum", lambda *a, **k: 0),
                                             setattr(dnn_utils, "relu", None)]):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}
'''
    verdicts = judge.judge(student(notebooks, initialize_parameters=saboteur))
    assert {n: v.message for n, v in verdicts.items() if not v.passed} == {}


def test_messages_never_show_long_numbers():
    leaked = "your function raised ValueError: array([[ 0.27887922, -1.56035997e-03]]) {'0.5812345': 1}"
    scrubbed = _scrub(leaked)
    assert not LONG_NUMBER.search(scrubbed) and "0.2788" not in scrubbed
    kept = "multiply by 0.01; b has shape (4, 1); dW is 2 times too large; 1/m; dA1 ... dA{L-1}"
    assert _scrub(kept) == kept
    assert len(_scrub("x" * 5000)) <= 801


def test_an_error_that_quotes_the_inputs_is_shown_without_them(judge, notebooks):
    cell = ("# GRADED FUNCTION: linear_forward\n\ndef linear_forward(A, W, b):\n"
            "    raise ValueError('got ' + str(A) + repr(W.tolist()))\n")
    v = verdict(judge, student(notebooks, linear_forward=cell), "linear_forward")
    assert not v.passed and "raised ValueError" in v.message
    assert not LONG_NUMBER.search(v.message)


def test_hard_coded_outputs_are_named_per_output():
    one, two = np.array([[1.0, 2.0]]), np.array([[3.0]])
    expected = [(one, (one,)), (two, (two,))]
    assert _hard_coded(("Z", "cache"), expected, [(one, (one,)), (one, (two,))]) == "Z"
    assert _hard_coded(("Z", "cache"), expected, expected) is None
    assert _hard_coded("cost", [1.0, 2.0], [0.5, 0.5]) == "cost"
    assert _hard_coded("cost", [1.0, 2.0], [None, None]) is None   # a placeholder, not a cheat


def test_comparing_an_error_with_an_array_is_no_crash(judge):
    """Two real planar submissions crashed the diagnosis this way (an error against arrays)."""
    error = {"error": "ValueError: x", "raised": "ValueError: x"}
    array = np.ones((3, 2))
    assert judge._same("linear_forward", error, (array, (array,))) is False
    assert judge._same("linear_forward", (array, (array,)), error) is False
    assert judge._same("linear_forward", error, dict(error)) is True


def test_a_grader_failure_costs_one_function_and_is_flagged(judge, notebooks, monkeypatch):
    real = judge.verdict

    def broken(name, cases, actual, expected=None):
        if name == "compute_cost":
            raise ValueError("The truth value of an array with more than one element is ambiguous")
        return real(name, cases, actual, expected)
    monkeypatch.setattr(judge, "verdict", broken)
    verdicts = judge.judge(student(notebooks))
    assert {n for n, v in verdicts.items() if not v.passed} == {"compute_cost"}
    assert verdicts["compute_cost"].fault == "grader"
    assert "a person will look at it" in verdicts["compute_cost"].message


def test_a_forged_reply_is_the_functions_failure(judge, notebooks):
    """Student code owns its process's reply channel: an empty result list, a result of another
    shape or a reply that never ends are each that function's failure."""
    for body in ['    import os\n    os.write(3, b\'{"results": []}\\n\')\n    os._exit(0)\n',
                 '    import os\n    os.write(3, b\'{"results": [{"ok": {"t": "none"}, "x": 1}]}\\n\')\n    os._exit(0)\n',
                 '    import os\n    os.write(3, b"{" * 50_000_000)\n    os._exit(0)\n']:
        cell = "# GRADED FUNCTION: linear_forward\n\ndef linear_forward(A, W, b):\n" + body
        v = verdict(judge, student(notebooks, linear_forward=cell), "linear_forward")
        assert not v.passed and v.fault == "crash", v.message


def test_no_reference_code_reaches_the_students_process(judge, notebooks):
    """L_model_forward may call linear_activation_forward: the student gets a stub that the
    grader answers; its code object, globals and the process's strings hold no solution."""
    cell = ('# GRADED FUNCTION: L_model_forward\n\ndef L_model_forward(X, parameters):\n'
            '    import ctypes, re\n'
            '    needle = re.compile(rb"A, activation_cach(e) = (sigmoid|relu)\\(Z\\)")\n'
            '    hits = sum(bool(needle.search(repr(c).encode())) for c in linear_activation_forward.__code__.co_consts)\n'
            '    for line in open("/proc/self/maps"):\n'
            '        where, perms = line.split()[:2]\n'
            '        if perms.startswith("r") and "[v" not in line:\n'
            '            start, end = (int(x, 16) for x in where.split("-"))\n'
            '            try:\n'
            '                hits += bool(needle.search(ctypes.string_at(start, end - start)))\n'
            '            except Exception:\n'
            '                pass\n'
            '    raise ValueError(str(hits))\n')
    v = verdict(judge, student(notebooks, L_model_forward=cell), "L_model_forward")
    assert "raised ValueError: 0" in v.message, v.message


@pytest.mark.parametrize("line", [b'{"call": [], "args": 1}', b"[" * 200000 + b"]" * 200000,
                                  b'{"results": [{"ok": {"t": "float", "v": 1' + b"0" * 400 + b'}}]}'])
def test_malformed_messages_are_the_functions_failure_not_the_graders(judge, notebooks, line):
    message = repr(line + b"\n")
    cell = ("# GRADED FUNCTION: linear_forward\n\ndef linear_forward(A, W, b):\n    import os\n"
            f"    os.write(3, {message})\n    os._exit(0)\n")
    v = verdict(judge, student(notebooks, linear_forward=cell), "linear_forward")
    assert not v.passed and v.fault == "crash", v.message


def test_a_deeply_nested_expression_costs_only_its_own_cell(judge, notebooks):
    nb = student(notebooks)
    nb.cells.insert(1, nbformat.v4.new_code_cell("x = " + "+".join(["1"] * 100_000)))
    verdicts = judge.judge(nb)
    assert all(v.passed for v in verdicts.values()), {n: v.message for n, v in verdicts.items()}


def test_the_reference_process_never_imports_from_the_graders_folder(notebooks, tmp_path, monkeypatch):
    """Started from a student's folder (say `dnnkit grade` run inside submitted/<student>/), the
    unsandboxed reference process must not take that folder's dnn_utils for the course's."""
    fake = tmp_path / "dnn_utils"
    fake.mkdir()
    (fake / "__init__.py").write_text(f"open({str(tmp_path / 'PWNED')!r}, 'w').write('x')\n")
    monkeypatch.chdir(tmp_path)
    judge = Judge(A, notebooks[1], timeout=10.0, seed=7)
    v = verdict(judge, student(notebooks), "L_model_forward")
    assert v.passed, v.message
    assert not (tmp_path / "PWNED").exists()
