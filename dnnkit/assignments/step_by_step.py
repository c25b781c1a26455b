"""Grading knowledge of "Building your Deep Neural Network: Step by Step"."""
import numpy as np

from dnnkit.assignments import Spec, Variant
from testCases.step_by_step import PUBLIC_CASES

OUTPUTS = {name: spec["outputs"] for name, spec in PUBLIC_CASES.items()}

M = Variant
MISTAKES = [
    # initialize_parameters
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
    M("initialize_parameters", "seed_placement",
      "The shapes are right but the numbers differ: call np.random.seed(1) once, before the first "
      "draw, then draw W1 before W2.",
      (("    np.random.seed(1)\n", ""),
       ("W1 = np.random.randn(n_h, n_x) * 0.01\n",
        "W1 = np.random.randn(n_h, n_x) * 0.01\n    np.random.seed(1)\n"))),
    # initialize_parameters_deep
    M("initialize_parameters_deep", "weights_not_scaled",
      "The weights are about 100 times too large: multiply the np.random.randn draws by 0.01.",
      ((" * 0.01", ""),)),
    M("initialize_parameters_deep", "transposed_weights",
      "The weights are transposed: W[l] has shape (layer_dims[l], layer_dims[l-1]).",
      (("np.random.randn(layer_dims[l], layer_dims[l - 1])",
        "np.random.randn(layer_dims[l - 1], layer_dims[l])"),)),
    M("initialize_parameters_deep", "nonzero_biases",
      "The biases must start at zero: np.zeros((layer_dims[l], 1)).",
      (("np.zeros((layer_dims[l], 1))", "np.random.randn(layer_dims[l], 1) * 0.01"),)),
    M("initialize_parameters_deep", "seed_placement",
      "The shapes are right but the numbers differ: call np.random.seed(3) once, before the loop, "
      "not inside it.",
      (("    np.random.seed(3)\n", ""),
       ("    for l in range(1, L):\n", "    for l in range(1, L):\n        np.random.seed(3)\n"))),
    # linear_forward
    M("linear_forward", "missing_bias", "Z is missing the bias: Z = W·A + b.",
      (("Z = np.dot(W, A) + b", "Z = np.dot(W, A)"),)),
    M("linear_forward", "cache_order",
      "The cache must be the tuple (A, W, b) in that order: the backward pass unpacks it as "
      "A_prev, W, b = cache.",
      (("cache = (A, W, b)", "cache = (W, A, b)"),)),
    # linear_activation_forward
    M("linear_activation_forward", "activations_swapped",
      'The activations are swapped: activation="sigmoid" must apply sigmoid(Z) and '
      'activation="relu" must apply relu(Z).',
      (("A, activation_cache = sigmoid(Z)", "A, activation_cache = RELU_OF_Z"),
       ("A, activation_cache = relu(Z)", "A, activation_cache = sigmoid(Z)"),
       ("RELU_OF_Z", "relu(Z)"))),
    M("linear_activation_forward", "cache_order",
      "The cache must be (linear_cache, activation_cache), in that order.",
      (("cache = (linear_cache, activation_cache)", "cache = (activation_cache, linear_cache)"),)),
    # L_model_forward
    M("L_model_forward", "relu_output_layer",
      "The output layer must use the sigmoid activation; ReLU is for the hidden layers only.",
      (('parameters["b" + str(L)], activation="sigmoid"', 'parameters["b" + str(L)], activation="relu"'),)),
    M("L_model_forward", "sigmoid_hidden_layers",
      "The hidden layers must use ReLU; only the output layer uses sigmoid.",
      (('activation="relu"', 'activation="sigmoid"'),)),
    M("L_model_forward", "missing_output_cache",
      "caches must hold one cache per layer, L in all: append the output layer's cache too.",
      (("    caches.append(cache)\n    ### END CODE HERE ###\n\n    return",
        "    ### END CODE HERE ###\n\n    return"),)),
    # compute_cost
    M("compute_cost", "missing_minus",
      "The cost has the wrong sign: the cross-entropy starts with a minus, J = -1/m Σ (...).",
      (("cost = -1 / m * np.sum", "cost = 1 / m * np.sum"),)),
    M("compute_cost", "missing_1_over_m",
      "The cost is m times too large: average over the examples (the 1/m factor).",
      (("cost = -1 / m * np.sum", "cost = -np.sum"),)),
    M("compute_cost", "missing_second_term",
      "The cost is missing the (1 - Y)·log(1 - AL) term.",
      (("Y * np.log(AL) + (1 - Y) * np.log(1 - AL)", "Y * np.log(AL)"),)),
    M("compute_cost", "unsqueezed_cost",
      "The cost is an array of shape (1, 1); it must be a single number: keep the "
      "np.squeeze(cost) line after your code.",
      (("cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))",
        "cost = -1 / m * (np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T))"),
       ("    cost = np.squeeze(cost)  # e.g. turns [[17]] into 17\n", ""))),
    # linear_backward
    M("linear_backward", "missing_1_over_m",
      "dW and db are m times too large: both need the 1/m factor.",
      (("dW = 1 / m * np.dot", "dW = np.dot"), ("db = 1 / m * np.sum", "db = np.sum"))),
    M("linear_backward", "sum_wrong_axis",
      "db sums over the wrong axis: sum over the examples, that is the columns (axis=1).",
      (("np.sum(dZ, axis=1, keepdims=True)", "np.sum(dZ, axis=0, keepdims=True)"),)),
    M("linear_backward", "missing_keepdims",
      "db lost its column shape: use keepdims=True so that db has the shape of b, (n, 1).",
      (("axis=1, keepdims=True", "axis=1"),)),
    M("linear_backward", "W_not_transposed",
      "dA_prev = Wᵀ·dZ: use W.T, not W.",
      (("np.dot(W.T, dZ)", "np.dot(W, dZ)"),)),
    M("linear_backward", "extra_1_over_m_on_dA_prev",
      "dA_prev has an extra 1/m: only dW and db are averaged over the examples; "
      "dA_prev = Wᵀ·dZ.",
      (("dA_prev = np.dot(W.T, dZ)", "dA_prev = 1 / m * np.dot(W.T, dZ)"),)),
    M("linear_backward", "A_prev_not_transposed",
      "dW = (1/m)·dZ·A_prevᵀ: transpose A_prev.",
      (("np.dot(dZ, A_prev.T)", "np.dot(dZ, A_prev)"),)),
    # linear_activation_backward
    M("linear_activation_backward", "derivatives_swapped",
      'The derivatives are swapped: activation="relu" needs relu_backward and '
      'activation="sigmoid" needs sigmoid_backward.',
      (("dZ = relu_backward(dA, activation_cache)", "dZ = SIGMOID_BACKWARD"),
       ("dZ = sigmoid_backward(dA, activation_cache)", "dZ = relu_backward(dA, activation_cache)"),
       ("SIGMOID_BACKWARD", "sigmoid_backward(dA, activation_cache)"))),
    M("linear_activation_backward", "skips_activation_derivative",
      "linear_backward needs dZ = dA * g'(Z), not dA: pass it the output of relu_backward or "
      "sigmoid_backward.",
      (("linear_backward(dZ, linear_cache)", "linear_backward(dA, linear_cache)"),
       ("linear_backward(dZ, linear_cache)", "linear_backward(dA, linear_cache)"))),
    # L_model_backward
    M("L_model_backward", "dAL_sign",
      "dAL has the wrong sign: dAL = -(Y/AL - (1 - Y)/(1 - AL)).",
      (("dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))",
        "dAL = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)"),)),
    M("L_model_backward", "old_dA_keys",
      'Your dA keys are shifted by one (the older convention, dA1 ... dAL). Here grads["dA" + str(l)] '
      "is the gradient with respect to A[l] for l = 0 ... L-1: the sigmoid layer writes "
      "dA{L-1}, and in the loop layer l+1 reads dA{l+1} and writes dA{l}.",
      (('grads["dA" + str(L - 1)] = dA_prev_temp', 'grads["dA" + str(L)] = dA_prev_temp'),
       ('linear_activation_backward(grads["dA" + str(l + 1)]', 'linear_activation_backward(grads["dA" + str(l + 2)]'),
       ('grads["dA" + str(l)] = dA_prev_temp', 'grads["dA" + str(l + 1)] = dA_prev_temp'))),
    M("L_model_backward", "dAL_to_every_layer",
      'Each ReLU layer must start from the dA that the layer above produced '
      '(grads["dA" + str(l + 1)]), not from dAL.',
      (('linear_activation_backward(grads["dA" + str(l + 1)], current_cache',
        'linear_activation_backward(dAL, current_cache'),)),
    M("L_model_backward", "relu_output_layer",
      'The output layer is a sigmoid layer: go back through it with activation="sigmoid".',
      (('dAL, current_cache, activation="sigmoid"', 'dAL, current_cache, activation="relu"'),)),
    # update_parameters
    M("update_parameters", "gradient_ascent",
      "The parameters move up the gradient: gradient descent subtracts, W = W - α·dW and "
      "b = b - α·db.",
      (('] - learning_rate * grads["dW"', '] + learning_rate * grads["dW"'),
       ('] - learning_rate * grads["db"', '] + learning_rate * grads["db"'))),
    M("update_parameters", "biases_not_updated",
      "The biases are not updated: b = b - α·db for every layer too.",
      (('        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]\n', ""),)),
    M("update_parameters", "last_layer_not_updated",
      "Not every layer is updated: loop over all L layers, l = 1 ... L.",
      (("for l in range(L):", "for l in range(L - 1):"),)),
    M("update_parameters", "first_layer_not_updated",
      "Not every layer is updated: loop over all L layers, l = 1 ... L.",
      (("for l in range(L):", "for l in range(1, L):"),)),
    M("update_parameters", "missing_return",
      "update_parameters returns None: end it with return parameters (even when you update the "
      "dictionary in place, the caller uses what the function returns).",
      (("\n    return parameters", "\n"),)),
]

# Correct solutions written differently: all must get full marks.
STYLES = [
    M("update_parameters", "in_place", "", (
        ("parameters = copy.deepcopy(params)", "parameters = params"),
        ('parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate', 'parameters["W" + str(l + 1)] -= learning_rate'),
        ('parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate', 'parameters["b" + str(l + 1)] -= learning_rate'))),
    M("compute_cost", "python_float", "", (
        ("cost = np.squeeze(cost)", "cost = float(np.squeeze(cost))"),)),
    M("compute_cost", "dot_products", "", (
        ("cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))",
         "cost = -1 / m * (np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T))"),)),
    M("linear_forward", "matmul_operator", "", (("Z = np.dot(W, A) + b", "Z = W @ A + b"),)),
    M("linear_backward", "matmul_divide_by_m", "", (
        ("dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = np.matmul(dZ, A_prev.T) / m"),
        ("db = 1 / m * np.sum(dZ, axis=1, keepdims=True)", "db = dZ.sum(axis=1, keepdims=True) / m"),
        ("dA_prev = np.dot(W.T, dZ)", "dA_prev = W.T @ dZ"))),
    M("linear_activation_forward", "else_branch", "", (('elif activation == "relu":', "else:"),)),
    M("linear_activation_backward", "else_branch", "", (('elif activation == "sigmoid":', "else:"),)),
    M("L_model_backward", "plain_division", "", (
        ("dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))", "dAL = -(Y / AL - (1 - Y) / (1 - AL))"),)),
]

# The one-mistake students of the demo's sample class.
DEMO_MISTAKES = ["linear_backward/missing_1_over_m", "L_model_backward/old_dA_keys",
                 "update_parameters/gradient_ascent"]

# Said after a value mismatch that no known mistake explains.
VALUE_HINTS = {
    "initialize_parameters": "If the shapes are right, check that np.random.seed(1) is called once "
                             "before the first draw and that W1 is drawn before W2.",
    "initialize_parameters_deep": "If the shapes are right, check that np.random.seed(3) is called "
                                  "once before the loop and that each W is drawn before its b.",
}


# ---------------------------------------------------------------------------------------------
# Hidden tests: inputs drawn at grade time with `rng` (several shapes, m = 1, a single unit,
# non-square and deeper networks). `ref` is the reference namespace, for inputs that are the
# outputs of other steps (caches).

LAYER_SHAPES = [(3, 1, 2), (5, 4, 1), (1, 1, 1), (4, 7, 3), (6, 2, 5)]   # (n_prev, n, m)
NETWORKS = [[5, 4, 3, 1], [3, 1], [2, 5, 1], [6, 4, 4, 3, 1]]


def _network(rng, dims, m):
    """X and parameters; weights scaled by 1/sqrt(fan-in) so that no unit saturates (AL of
    exactly 0 or 1 would make dAL infinite and the gradient check meaningless)."""
    params = {}
    for l in range(1, len(dims)):
        params["W" + str(l)] = rng.standard_normal((dims[l], dims[l - 1])) / np.sqrt(dims[l - 1])
        params["b" + str(l)] = rng.standard_normal((dims[l], 1))
    return rng.standard_normal((dims[0], m)), params


def _initialize_parameters(rng, ref):
    return [((2, 4, 1),), ((5, 1, 3),), ((1, 1, 1),), ((7, 3, 2),)]


def _initialize_parameters_deep(rng, ref):
    return [(([2, 4, 1],),), (([6, 5, 3, 1],),), (([1, 1],),), (([4, 7],),)]


def _linear_forward(rng, ref):
    n = rng.standard_normal
    return [((n((a, m)), n((b, a)), n((b, 1))),) for a, b, m in LAYER_SHAPES]


def _linear_activation_forward(rng, ref):
    n = rng.standard_normal
    return [((n((a, m)), n((b, a)), n((b, 1)), act),)
            for a, b, m in LAYER_SHAPES for act in ("sigmoid", "relu")]


def _L_model_forward(rng, ref):
    return [(_network(rng, dims, m),) for dims in NETWORKS for m in (1, 4)]


def _compute_cost(rng, ref):
    cases = []
    for m in (1, 3, 7, 20):
        AL = rng.uniform(0.05, 0.95, (1, m))
        Y = (rng.uniform(size=(1, m)) > 0.5).astype(int)
        cases.append(((AL, Y),))
    return cases


def _linear_backward(rng, ref):
    n = rng.standard_normal
    return [((n((b, m)), (n((a, m)), n((b, a)), n((b, 1)))),) for a, b, m in LAYER_SHAPES]


def _linear_activation_backward(rng, ref):
    n = rng.standard_normal
    return [((n((b, m)), ((n((a, m)), n((b, a)), n((b, 1))), n((b, m))), act),)
            for a, b, m in LAYER_SHAPES for act in ("sigmoid", "relu")]


def _L_model_backward(rng, ref):
    cases = []
    for dims in NETWORKS:
        for m in (1, 5):
            X, params = _network(rng, dims, m)
            AL, caches = ref["L_model_forward"](X, params)
            Y = (rng.uniform(size=(1, m)) > 0.5).astype(int)
            cases.append(((AL, Y, caches),))
    return cases


def _update_parameters(rng, ref):
    n = rng.standard_normal
    cases = []
    for dims in NETWORKS:
        _, params = _network(rng, dims, 1)
        grads = {"d" + k: n(v.shape) for k, v in params.items()}
        cases.append(((params, grads, float(rng.uniform(0.01, 1.0))),))
    return cases


# The hidden cases of each graded function: draw(rng, reference functions) -> [case].
HIDDEN_CASES = {
    "initialize_parameters": _initialize_parameters,
    "initialize_parameters_deep": _initialize_parameters_deep,
    "linear_forward": _linear_forward,
    "linear_activation_forward": _linear_activation_forward,
    "L_model_forward": _L_model_forward,
    "compute_cost": _compute_cost,
    "linear_backward": _linear_backward,
    "linear_activation_backward": _linear_activation_backward,
    "L_model_backward": _L_model_backward,
    "update_parameters": _update_parameters,
}


def _check_gradients(ref, case, grads):
    """A numerical gradient check of L_model_backward's dW and db, independent of the reference
    backward pass: along random directions v, the central difference of the cost
    (J(p + eps v) - J(p - eps v)) / 2 eps must equal the analytic directional derivative
    <grad, v> (as jax's check_grads does; two costs per direction instead of two per entry).
    Skipped where finite differences are unreliable: a ReLU input within reach of its kink,
    or a saturated output."""
    AL, Y, caches = case.args
    X = caches[0][0][0]
    params = {}
    for l, ((_, W, b), _) in enumerate(caches, start=1):
        params["W" + str(l)], params["b" + str(l)] = W, b
    eps = 1e-6
    if any(np.min(np.abs(Z)) < 1e-3 for (_, Z) in caches[:-1]) or np.any(np.abs(AL - 0.5) > 0.499):
        return None

    def cost(p):
        return float(ref["compute_cost"](ref["L_model_forward"](X, p)[0], Y))

    directions = np.random.default_rng(0)   # fixed: the same check for every submission
    for key in params:
        analytic = np.asarray(grads["d" + key], dtype=float)
        for _ in range(2):
            v = directions.standard_normal(params[key].shape)
            plus, minus = dict(params), dict(params)
            plus[key], minus[key] = params[key] + eps * v, params[key] - eps * v
            numeric = (cost(plus) - cost(minus)) / (2 * eps)
            exact = float(np.sum(analytic * v))
            if abs(exact - numeric) > 1e-5 * (abs(exact) + abs(numeric)) + 1e-9:
                return (f"d{key} does not match a numerical estimate of the gradient of the "
                        f"cost (finite differences).")
    return None


EXTRA_CHECKS = {"L_model_backward": _check_gradients}


SPEC = Spec("step_by_step", OUTPUTS, HIDDEN_CASES, MISTAKES, STYLES, DEMO_MISTAKES, VALUE_HINTS, EXTRA_CHECKS)
