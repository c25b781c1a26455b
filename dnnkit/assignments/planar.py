"""Grading knowledge of "Planar data classification with one hidden layer"."""
import numpy as np

from dnnkit.assignments import Spec, Variant
from testCases.planar import PUBLIC_CASES

OUTPUTS = {name: spec["outputs"] for name, spec in PUBLIC_CASES.items()}

M = Variant
MISTAKES = [
    # layer_sizes
    M("layer_sizes", "examples_not_features",
      "n_x and n_y count rows: the features of X and the output units of Y (X.shape[0], "
      "Y.shape[0]). The columns, shape[1], are the m examples.",
      (("n_x = X.shape[0]", "n_x = X.shape[1]"), ("n_y = Y.shape[0]", "n_y = Y.shape[1]"))),
    M("layer_sizes", "hidden_size",
      "n_h is the size of the hidden layer, fixed at 4 units in this assignment; it does not "
      "depend on X or Y.",
      (("n_h = 4", "n_h = X.shape[0]"),)),
    # initialize_parameters
    M("initialize_parameters", "seed_inside",
      "Do not call np.random.seed inside initialize_parameters: the caller seeds the generator "
      "(nn_model calls np.random.seed(3)), and your draws must continue from there.",
      (("    W1 = np.random.randn(n_h, n_x) * 0.01\n",
        "    np.random.seed(2)\n    W1 = np.random.randn(n_h, n_x) * 0.01\n"),)),
    M("initialize_parameters", "weights_not_scaled",
      "The weights are about 100 times too large: multiply the np.random.randn draws by 0.01.",
      (("W1 = np.random.randn(n_h, n_x) * 0.01", "W1 = np.random.randn(n_h, n_x)"),
       ("W2 = np.random.randn(n_y, n_h) * 0.01", "W2 = np.random.randn(n_y, n_h)"))),
    M("initialize_parameters", "nonzero_biases",
      "The biases must start at zero: use np.zeros with the shape of each bias, (n_h, 1) and (n_y, 1).",
      (("b1 = np.zeros((n_h, 1))", "b1 = np.random.randn(n_h, 1) * 0.01"),
       ("b2 = np.zeros((n_y, 1))", "b2 = np.random.randn(n_y, 1) * 0.01"))),
    M("initialize_parameters", "transposed_weights",
      "W1 and W2 are transposed: W1 has shape (n_h, n_x) and W2 has shape (n_y, n_h).",
      (("np.random.randn(n_h, n_x)", "np.random.randn(n_x, n_h)"),
       ("np.random.randn(n_y, n_h)", "np.random.randn(n_h, n_y)"))),
    M("initialize_parameters", "draw_order",
      "The shapes are right but the numbers differ: draw W1 first, then W2.",
      (("    W1 = np.random.randn(n_h, n_x) * 0.01\n    b1 = np.zeros((n_h, 1))\n"
        "    W2 = np.random.randn(n_y, n_h) * 0.01\n",
        "    W2 = np.random.randn(n_y, n_h) * 0.01\n    W1 = np.random.randn(n_h, n_x) * 0.01\n"
        "    b1 = np.zeros((n_h, 1))\n"),)),
    # forward_propagation
    M("forward_propagation", "sigmoid_hidden_layer",
      "The hidden layer uses tanh, A1 = tanh(Z1) (np.tanh); only the output unit uses the sigmoid.",
      (("A1 = np.tanh(Z1)", "A1 = sigmoid(Z1)"),)),
    M("forward_propagation", "tanh_output",
      "The output unit uses the sigmoid, A2 = σ(Z2), so that A2 is a probability between 0 "
      "and 1; tanh is for the hidden layer.",
      (("A2 = sigmoid(Z2)", "A2 = np.tanh(Z2)"),)),
    M("forward_propagation", "missing_bias",
      "Z1 and Z2 are missing the biases: Z1 = W1·X + b1 and Z2 = W2·A1 + b2.",
      (("np.dot(W1, X) + b1", "np.dot(W1, X)"), ("np.dot(W2, A1) + b2", "np.dot(W2, A1)"))),
    M("forward_propagation", "sigmoid_unpacked",
      "sigmoid from dnn_utils.planar returns the activation alone (Step by Step's returns the "
      "activation and Z): A2 is its one result, with nothing to unpack.",
      (("A2 = sigmoid(Z2)", "A2, _ = sigmoid(Z2)"),)),
    # compute_cost
    M("compute_cost", "missing_minus",
      "The cost has the wrong sign: the cross-entropy starts with a minus, J = -1/m Σ (...).",
      (("cost = float(-1 / m * np.sum(logprobs))", "cost = float(1 / m * np.sum(logprobs))"),)),
    M("compute_cost", "missing_1_over_m",
      "The cost is m times too large: average over the examples (the 1/m factor).",
      (("cost = float(-1 / m * np.sum(logprobs))", "cost = float(-np.sum(logprobs))"),)),
    M("compute_cost", "missing_second_term",
      "The cost is missing the (1 - Y)·log(1 - A2) term: the examples labelled 0 count too.",
      (("np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))",
        "np.multiply(np.log(A2), Y)"),)),
    M("compute_cost", "not_a_float",
      "The cost is an array of shape (1, 1); return it as a Python float: float(...) (after "
      "np.squeeze if you like).",
      (("logprobs = np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))",
        "logprobs = np.dot(np.log(A2), Y.T) + np.dot(np.log(1 - A2), (1 - Y).T)"),
       ("cost = float(-1 / m * np.sum(logprobs))", "cost = -1 / m * logprobs"))),
    # backward_propagation
    M("backward_propagation", "tanh_derivative",
      "dZ1 needs the derivative of tanh, 1 - A1² (np.power(A1, 2) or A1 ** 2), not 1 - A1.",
      (("(1 - np.power(A1, 2))", "(1 - A1)"),)),
    M("backward_propagation", "missing_1_over_m",
      "The gradients are m times too large: dW1, db1, dW2 and db2 all average over the examples "
      "(the 1/m factor).",
      (("dW2 = 1 / m * ", "dW2 = "), ("db2 = 1 / m * ", "db2 = "),
       ("dW1 = 1 / m * ", "dW1 = "), ("db1 = 1 / m * ", "db1 = "))),
    M("backward_propagation", "sum_wrong_axis",
      "db1 and db2 sum over the wrong axis: sum over the examples, that is the columns (axis=1).",
      (("np.sum(dZ2, axis=1, keepdims=True)", "np.sum(dZ2, axis=0, keepdims=True)"),
       ("np.sum(dZ1, axis=1, keepdims=True)", "np.sum(dZ1, axis=0, keepdims=True)"))),
    M("backward_propagation", "missing_keepdims",
      "db1 and db2 lost their column shape: use keepdims=True so that each has the shape of its "
      "bias, (n_h, 1) and (n_y, 1).",
      (("axis=1, keepdims=True", "axis=1"), ("axis=1, keepdims=True", "axis=1"))),
    M("backward_propagation", "W2_not_transposed",
      "dZ1 = W2ᵀ·dZ2 * (1 - A1²): transpose W2 (W2.T).",
      (("np.dot(W2.T, dZ2)", "np.dot(W2, dZ2)"),)),
    M("backward_propagation", "dZ2_sign",
      "Every gradient has the wrong sign: dZ2 is the prediction minus the label, A2 minus Y.",
      (("dZ2 = A2 - Y", "dZ2 = Y - A2"),)),
    # update_parameters
    M("update_parameters", "gradient_ascent",
      "The parameters move up the gradient: gradient descent subtracts, θ = θ - α·dθ.",
      (("] - learning_rate", "] + learning_rate"), ("] - learning_rate", "] + learning_rate"),
       ("] - learning_rate", "] + learning_rate"), ("] - learning_rate", "] + learning_rate"))),
    M("update_parameters", "biases_not_updated",
      "The biases are not updated: b1 and b2 move against their gradients too.",
      (('b1 = parameters["b1"] - learning_rate * grads["db1"]', 'b1 = parameters["b1"]'),
       ('b2 = parameters["b2"] - learning_rate * grads["db2"]', 'b2 = parameters["b2"]'))),
    M("update_parameters", "fixed_rate",
      "Use the argument learning_rate, not a fixed number: the caller may ask for another rate.",
      (("- learning_rate *", "- 1.2 *"), ("- learning_rate *", "- 1.2 *"),
       ("- learning_rate *", "- 1.2 *"), ("- learning_rate *", "- 1.2 *"))),
    # nn_model
    M("nn_model", "ignores_n_h",
      "The hidden layer must have n_h units, the argument of nn_model; layer_sizes always says 4, "
      "so take only n_x and n_y from it.",
      (("    parameters = initialize_parameters(n_x, n_h, n_y)",
        "    n_x, n_h, n_y = layer_sizes(X, Y)\n    parameters = initialize_parameters(n_x, n_h, n_y)"),)),
    M("nn_model", "no_seed",
      "The results depend on the caller's random state: keep np.random.seed(3) as the first line "
      "of nn_model, before the parameters are initialised.",
      (("    np.random.seed(3)\n", ""),)),
    M("nn_model", "no_update",
      "The parameters never change: keep what update_parameters returns, "
      "parameters = update_parameters(...).",
      (("parameters = update_parameters(parameters, grads)", "update_parameters(parameters, grads)"),)),
    M("nn_model", "wrong_learning_rate",
      "Train with update_parameters' default learning rate, 1.2: do not pass another rate.",
      (("update_parameters(parameters, grads)", "update_parameters(parameters, grads, learning_rate=0.01)"),)),
    M("nn_model", "cost_never_computed",
      "nn_model(..., print_cost=True) fails: the cost it prints is never computed. Compute it in "
      "every iteration, from A2 and Y with compute_cost, between the forward and the backward pass.",
      (("        cost = compute_cost(A2, Y)\n", ""),)),
    M("nn_model", "initialized_in_loop",
      "The parameters are initialised again at every iteration: initialise them once, before the "
      "loop, then let each iteration update them.",
      (("    parameters = initialize_parameters(n_x, n_h, n_y)\n", ""),
       ("        A2, cache = forward_propagation(X, parameters)",
        "        parameters = initialize_parameters(n_x, n_h, n_y)\n"
        "        A2, cache = forward_propagation(X, parameters)"))),
    # predict
    M("predict", "inverted",
      "The classes are inverted: predict 1 when A2 > 0.5, else 0.",
      (("A2 > 0.5", "A2 < 0.5"),)),
    M("predict", "probabilities",
      "predict returns the probabilities A2: turn them into classes, 1 where A2 > 0.5 and 0 "
      "elsewhere.",
      (("predictions = A2 > 0.5", "predictions = A2"),)),
    M("predict", "threshold_zero",
      "A2 is a probability: threshold it at 0.5, not at 0 (0 is the threshold of Z2).",
      (("A2 > 0.5", "A2 > 0"),)),
    M("predict", "flattened",
      "predictions must keep the shape (1, m) of A2: compare the whole array, without squeezing "
      "or flattening it.",
      (("predictions = A2 > 0.5", "predictions = np.squeeze(A2 > 0.5)"),)),
]

# Correct solutions written differently: all must get full marks.
STYLES = [
    M("layer_sizes", "unpack_shapes", "", (
        ("n_x = X.shape[0]", "n_x, _ = X.shape"), ("n_y = Y.shape[0]", "n_y = len(Y)"))),
    M("initialize_parameters", "divide_by_100", "", (
        ("np.random.randn(n_h, n_x) * 0.01", "np.random.randn(n_h, n_x) / 100"),
        ("np.random.randn(n_y, n_h) * 0.01", "np.random.randn(n_y, n_h) / 100"))),
    M("forward_propagation", "matmul_explicit_sigmoid", "", (
        ("np.dot(W1, X)", "W1 @ X"), ("np.dot(W2, A1)", "W2 @ A1"),
        ("A2 = sigmoid(Z2)", "A2 = 1 / (1 + np.exp(-Z2))"))),
    M("compute_cost", "mean", "", (
        ("cost = float(-1 / m * np.sum(logprobs))", "cost = -np.mean(logprobs)"),)),
    M("compute_cost", "dot_products_squeezed", "", (
        ("logprobs = np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))",
         "logprobs = np.dot(np.log(A2), Y.T) + np.dot(np.log(1 - A2), (1 - Y).T)"),
        ("cost = float(-1 / m * np.sum(logprobs))", "cost = float(np.squeeze(-logprobs / m))"))),
    M("backward_propagation", "multiply_power_divide", "", (
        ("np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", "np.multiply(W2.T @ dZ2, 1 - A1 ** 2)"),
        ("dW2 = 1 / m * np.dot(dZ2, A1.T)", "dW2 = np.dot(dZ2, A1.T) / m"),
        ("db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)", "db2 = dZ2.sum(axis=1, keepdims=True) / m"),
        ("dW1 = 1 / m * np.dot(dZ1, X.T)", "dW1 = np.matmul(dZ1, X.T) / m"),
        ("db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)", "db1 = np.mean(dZ1, axis=1, keepdims=True)"))),
    M("update_parameters", "in_place", "", tuple(
        (f'{p} = parameters["{p}"] - learning_rate * grads["d{p}"]',
         f'parameters["{p}"] -= learning_rate * grads["d{p}"]\n    {p} = parameters["{p}"]')
        for p in ("W1", "b1", "W2", "b2"))),
    M("nn_model", "explicit_rate", "", (
        ("update_parameters(parameters, grads)", "update_parameters(parameters, grads, learning_rate=1.2)"),
        ("for i in range(0, num_iterations):", "for i in range(num_iterations):"))),
    M("predict", "as_int", "", (("predictions = A2 > 0.5", "predictions = (A2 > 0.5).astype(int)"),)),
    M("predict", "round", "", (("predictions = A2 > 0.5", "predictions = np.round(A2)"),)),
    M("predict", "loop_if_else", "", (("predictions = A2 > 0.5",
        "predictions = np.zeros((1, A2.shape[1]))\n"
        "    for i in range(A2.shape[1]):\n"
        "        if A2[0, i] > 0.5:\n"
        "            predictions[0, i] = 1\n"
        "        else:\n"
        "            predictions[0, i] = 0"),)),
]

# The one-mistake students of the demo's sample class.
DEMO_MISTAKES = ["forward_propagation/sigmoid_hidden_layer", "backward_propagation/tanh_derivative",
                 "nn_model/no_update"]

# Said after a value mismatch that no known mistake explains.
VALUE_HINTS = {
    "layer_sizes": "n_x is the number of rows of X, n_h is 4 and n_y is the number of rows of Y.",
    "initialize_parameters": "If the shapes are right, check that you draw W1 before W2, scale "
                             "them by 0.01 and do not seed the generator in the function.",
    "forward_propagation": "Check each step: Z1 = W1·X + b1, A1 = tanh(Z1), Z2 = W2·A1 + b2, "
                           "A2 = σ(Z2) (sigmoid).",
    "backward_propagation": "Check each step against the formulas: dZ2 (A2 minus Y), then dW2 and db2, "
                            "then dZ1 = W2ᵀ·dZ2 * (1 - A1²), then dW1 and db1.",
    "nn_model": "Check the order in each iteration: forward propagation, cost, backward "
                "propagation, update (and that each step uses the latest parameters).",
}


# ---------------------------------------------------------------------------------------------
# Hidden tests: inputs drawn at grade time with `rng` (several shapes, m = 1, a single hidden
# unit, more than one output unit). `ref` is the reference namespace, for inputs that are the
# outputs of other steps (the cache of backward_propagation).

SHAPES = [(2, 4, 1, 5), (3, 1, 1, 1), (1, 3, 1, 4), (4, 5, 2, 3), (2, 2, 1, 7)]  # n_x, n_h, n_y, m
# The network of this assignment has one output unit: the original template asserts
# A2.shape == (1, m) in forward_propagation, and dZ2's one row makes W2.T * dZ2 and
# np.dot(W2.T, dZ2) the same. The passes through the network are judged with n_y = 1 (the
# functions that only build or update parameters keep n_y = 2 among their cases).
ONE_OUTPUT = [(n_x, n_h, 1, m) for n_x, n_h, _, m in SHAPES]


def _parameters(rng, n_x, n_h, n_y):
    n = rng.standard_normal
    return {"W1": n((n_h, n_x)), "b1": n((n_h, 1)), "W2": n((n_y, n_h)), "b2": n((n_y, 1))}


def _labels(rng, n_y, m):
    return (rng.uniform(size=(n_y, m)) > 0.5).astype(int)


def _seed(rng):
    """A caller's seed for functions that draw from it: never 3, the seed nn_model sets itself."""
    return int(rng.integers(4, 2 ** 31))


def _layer_sizes(rng, ref):
    n = rng.standard_normal
    return [((n((n_x, m)), n((n_y, m))),) for n_x, _, n_y, m in SHAPES]


def _initialize_parameters(rng, ref):
    return [((n_x, n_h, n_y), {}, _seed(rng)) for n_x, n_h, n_y, _ in SHAPES]


def _forward_propagation(rng, ref):
    n = rng.standard_normal
    return [((n((n_x, m)), _parameters(rng, n_x, n_h, n_y)),) for n_x, n_h, n_y, m in ONE_OUTPUT]


def _compute_cost(rng, ref):
    cases = []
    for m in (1, 3, 7, 20):
        A2 = rng.uniform(0.05, 0.95, (1, m))
        cases.append(((A2, _labels(rng, 1, m)),))
    return cases


def _backward_propagation(rng, ref):
    n = rng.standard_normal
    cases = []
    for n_x, n_h, n_y, m in ONE_OUTPUT:
        X, params = n((n_x, m)), _parameters(rng, n_x, n_h, n_y)
        _, cache = ref["forward_propagation"](X, params)
        cases.append(((params, cache, X, _labels(rng, n_y, m)),))
    return cases


def _update_parameters(rng, ref):
    n = rng.standard_normal
    cases = []
    for i, (n_x, n_h, n_y, _) in enumerate(SHAPES[:4]):
        params = _parameters(rng, n_x, n_h, n_y)
        grads = {"d" + k: n(v.shape) for k, v in params.items()}
        # Half the cases use the default learning rate, half another one.
        cases.append(((params, grads),) if i % 2 else
                     ((params, grads, float(rng.uniform(0.01, 2.0))),))
    return cases


def _nn_model(rng, ref):
    n = rng.standard_normal
    # Few iterations on few points: the judge must take well under a second.
    cases = []
    for i, (n_x, m, n_h, iterations) in enumerate([(2, 12, 3, 30), (3, 5, 1, 10), (2, 8, 4, 50),
                                                   (1, 1, 5, 5)]):
        X = n((n_x, m))
        kwargs = {"num_iterations": iterations}
        if i == 1:   # the documented argument must run too (a cost never computed fails it)
            kwargs["print_cost"] = True
        cases.append(((X, _labels(rng, 1, m), n_h), kwargs, _seed(rng)))
    return cases


def _predict(rng, ref):
    n = rng.standard_normal
    cases = []
    for n_x, n_h, _, m in SHAPES:
        params, X = _parameters(rng, n_x, n_h, 1), n((n_x, m))
        # Centre the output unit on these points so that both classes come out (and no
        # probability is exactly 0.5).
        Z2 = ref["forward_propagation"](X, params)[1]["Z2"]
        params["b2"] = params["b2"] - np.median(Z2) + 0.01
        cases.append(((params, X),))
    return cases


# The hidden cases of each graded function: draw(rng, reference functions) -> [case].
HIDDEN_CASES = {
    "layer_sizes": _layer_sizes,
    "initialize_parameters": _initialize_parameters,
    "forward_propagation": _forward_propagation,
    "compute_cost": _compute_cost,
    "backward_propagation": _backward_propagation,
    "update_parameters": _update_parameters,
    "nn_model": _nn_model,
    "predict": _predict,
}


SPEC = Spec("planar", OUTPUTS, HIDDEN_CASES, MISTAKES, STYLES, DEMO_MISTAKES, VALUE_HINTS)
