"""The generic diagnosis (dnnkit.judging.diagnosis): a wrong function that no named mistake
explains is still told what is wrong, from what the judge measured on the hidden cases.

Each submission below is a real kind of mistake with no catalogue entry and no named mistake
(`mistake == ""` is asserted): the message must say which output is wrong, for which inputs, how
the values relate, what an exception means, or that the result depends on the random state.
"""
import nbformat
import numpy as np
import pytest

from dnnkit import notebook
from dnnkit.judging import diagnosis
from dnnkit.judging.judge import LONG_NUMBER, Case, Judge, Runner
from dnnkit.staff import submissions

NOTEBOOKS = {"step_by_step": "Building_your_Deep_Neural_Network_Step_by_Step",
             "planar": "Planar_data_classification_with_one_hidden_layer"}


@pytest.fixture(scope="module")
def judges(root):
    made = {}
    for assignment, name in NOTEBOOKS.items():
        source = notebook.read(notebook.source_notebook_path(root, assignment, name))
        release = notebook.read(submissions.release_notebook_path(root, assignment))
        made[assignment] = (Judge(assignment, source, timeout=10.0, seed=11), release, source)
    return made


def judged(judges, assignment, cell, globals_cell=None):
    """The verdict on the one function `cell` defines, in a submission otherwise solved."""
    judge, release, source = judges[assignment]
    name = cell.split("def ")[1].split("(")[0]
    nb = submissions.make(release, source, notebook.graded_functions(source),
                          replace={name: "# GRADED FUNCTION: " + name + "\n" + cell})
    if globals_cell:
        nb.cells.insert(3, nbformat.v4.new_code_cell(globals_cell))
    runner = Runner(judge.timeout, judge.memory_bytes, judge.work)
    try:
        verdict = judge.judge_function(name, nb, notebook.setup_code(nb), runner, 5)
    finally:
        runner.close()
    assert not verdict.passed and verdict.mistake == "", verdict
    assert not LONG_NUMBER.search(verdict.message) and "wrong values." not in verdict.message
    return verdict.message


def test_a_hard_coded_first_layer_is_wrong_only_for_deeper_networks(judges):
    message = judged(judges, "step_by_step", '''def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W1"], parameters["b1"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches
''')
    assert "Right for 1 or 2-layer networks, wrong for deeper ones (3 or 4-layer networks)" in message


def test_one_wrong_gradient_is_told_apart_from_the_right_ones(judges):
    message = judged(judges, "step_by_step", '''def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = np.mean(dZ, axis=1, keepdims=True) ** 2
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
''')
    assert "db has the right shape, but its values are" in message
    assert "Right: dA_prev, dW; wrong: db." in message


def test_random_numbers_in_a_function_that_should_not_draw_any(judges):
    message = judged(judges, "step_by_step", '''def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    Z = Z * (np.random.rand(*Z.shape) > 0.2) / 0.8
    return Z, (A, W, b)
''')
    assert "changes with the caller's random state" in message and "Right: cache; wrong: Z." in message


def test_a_seed_inside_an_initialiser_the_caller_seeds(judges):
    message = judged(judges, "planar", '''def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}
''')
    assert "no np.random.seed inside the function" in message
    assert 'Right: parameters["b1"], parameters["b2"]' in message


def test_wrong_only_for_a_single_example(judges):
    message = judged(judges, "step_by_step", '''def compute_cost(AL, Y):
    m = Y.shape[1] if Y.shape[1] > 1 else 2
    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return np.squeeze(cost)
''')
    assert "wrong for a single example (m = 1)" in message


def test_a_notebook_global_read_inside_the_function(judges):
    message = judged(judges, "planar", '''def layer_sizes(X, Y):
    n_x = shape_X[0]
    return (n_x, 4, Y.shape[0])
''', globals_cell="X_demo = np.zeros((2, 400))\nshape_X = X_demo.shape")
    assert "`shape_X` is a variable of your notebook, not of layer_sizes" in message


def test_a_name_read_before_it_is_assigned(judges):
    message = judged(judges, "planar", '''def compute_cost(A2, Y):
    m = Y.shape[1]
    if m > 10 ** 6:
        logprobs = np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))
    return float(-1 / m * np.sum(logprobs))
''')
    assert "`logprobs` is read before it is given a value in compute_cost" in message


def test_numpy_aliases_numpy_removed(judges):
    message = judged(judges, "step_by_step", '''def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1), dtype=np.float)
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
''')
    assert "np.float was removed from NumPy (in 1.24): write float (or np.float64) instead." in message


# ---------------------------------------------------------------------------------------------
# The pieces, on values made here

def test_parts_and_inputs_sentences():
    e = {"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}
    good, bad = dict(e), dict(e, db1=np.zeros((2, 1)))
    assert diagnosis.parts_sentence([e, e], [good, bad], "grads") == 'Right: grads["dW1"]; wrong: grads["db1"].'
    assert diagnosis.parts_sentence([e], [dict(e, dW1=0 * e["dW1"], db1=0 * e["db1"])], "grads") == ""

    def f(X, activation):
        return X
    cases = [Case((np.zeros((2, m)), act)) for m in (1, 3) for act in ("relu", "sigmoid")]
    assert diagnosis.inputs_sentence(f, cases, [False, True, False, True]) == \
        "Right for activation = 'relu', wrong for activation = 'sigmoid'."
    assert diagnosis.inputs_sentence(f, cases, [True, False, True, True]) == \
        "Right on 1 of the 4 hidden cases, wrong on the others."
    assert diagnosis.inputs_sentence(f, cases, [True] * 4) == ""


def test_value_patterns_of_the_public_tests():
    from testCases.public_tests import compare
    e = np.arange(1.0, 7.0).reshape(2, 3)
    assert "in the wrong places" in compare(e, e[:, ::-1])
    assert "some signs are wrong" in compare(e, e * np.array([1, -1, 1]))
    assert "off by the same amount everywhere" in compare(e, e + 0.5)
    assert "4 of its 6 values are right" in compare(e, np.where(e > 4, 0.0, e))
    assert "more than 10 times off" in compare(e, e ** 3 - 1)
    labels = np.array([[1, 0, 0, 1]])
    assert "every value flipped" in compare(labels, 1 - labels)
    assert "3 of its 4 values are right: the others are flipped" in compare(labels, np.array([[1, 0, 0, 0]]))


def test_a_model_that_prints_nothing_with_print_cost_true(judges):
    message = judged(judges, "planar", '''def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    np.random.seed(3)
    n_x, n_y = layer_sizes(X, Y)[0], layer_sizes(X, Y)[2]
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(0, num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
    return parameters
''')
    assert "called with print_cost=True it printed nothing" in message


def test_a_callers_older_signature_of_its_callee_costs_only_the_callee(judges):
    """compute_cost(A2, Y, parameters) of older course versions: nn_model, which calls it that
    way, keeps its points (Judge.conventions)."""
    judge, release, source = judges["planar"]
    cells = {"compute_cost": '''# GRADED FUNCTION: compute_cost
def compute_cost(A2, Y, parameters):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)
'''}
    nb = submissions.make(release, source, notebook.graded_functions(source), replace=cells)
    cell = notebook.student_cell(nb, "nn_model")
    cell.source = cell.source.replace("compute_cost(A2, Y)", "compute_cost(A2, Y, parameters)")
    runner = Runner(judge.timeout, judge.memory_bytes, judge.work)
    try:
        verdicts = {n: judge.judge_function(n, nb, notebook.setup_code(nb), runner, 5)
                    for n in ("compute_cost", "nn_model")}
    finally:
        runner.close()
    assert verdicts["nn_model"].passed, verdicts["nn_model"]
    assert not verdicts["compute_cost"].passed and "raised TypeError" in verdicts["compute_cost"].message
    assert judge.conventions({"compute_cost": False}, nb) == {"compute_cost": {"positional": 2, "drop": ["parameters"]}}


def test_helpers_from_other_cells_and_named_constants_count_as_definitions(judges):
    """A helper in a cell of its own, and a constant or a lambda named in the graded cell: the
    notebook's function finds them, so the judged one does too (full marks)."""
    judge, release, source = judges["planar"]
    cells = {"backward_propagation": source_cell(source, "backward_propagation").replace(
                 "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", "dZ1 = np.dot(W2.T, dZ2) * tanh_prime(A1)"),
             "layer_sizes": "# GRADED FUNCTION: layer_sizes\nHIDDEN_UNITS = 4\nsize_of = lambda M: M.shape[0]\n"
                            "def layer_sizes(X, Y):\n    return (size_of(X), HIDDEN_UNITS, size_of(Y))\n"}
    assert "tanh_prime(A1)" in cells["backward_propagation"]
    nb = submissions.make(release, source, notebook.graded_functions(source), replace=cells)
    nb.cells.insert(3, nbformat.v4.new_code_cell("def tanh_prime(A):\n    return 1 - A ** 2"))
    runner = Runner(judge.timeout, judge.memory_bytes, judge.work)
    try:
        for name in cells:
            verdict = judge.judge_function(name, nb, notebook.setup_code(nb), runner, 5)
            assert verdict.passed, verdict
    finally:
        runner.close()


def source_cell(source_nb, name):
    """The reference cell of `name`, solution markers removed."""
    text = notebook.student_cell(source_nb, name).source
    return "\n".join(l for l in text.split("\n") if "SOLUTION" not in l)
