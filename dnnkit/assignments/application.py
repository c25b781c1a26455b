"""Grading knowledge of "Deep Neural Network: Application".

The two models are graded like any function: on small random data sets and a few hundred
iterations at most, drawn at grade time, against the reference run on the same inputs. Never
by training on the pictures (a minute or two of CPU per model and student).
"""
from dnnkit.assignments import Spec, Variant
from testCases.application import PUBLIC_CASES

OUTPUTS = {name: spec["outputs"] for name, spec in PUBLIC_CASES.items()}

# Lines of the reference solution that several variants edit.
RECORD = "        if i % 100 == 0:\n            costs.append(cost)"
UPDATE = "        parameters = update_parameters(parameters, grads, learning_rate)"
RETURN = "    return parameters, costs"
STEP_BY_STEP_INIT = '''def initialize_parameters_deep(layer_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def L_layer_model('''


def _both(key, message, edits):
    """The same mistake in both models (the edits must apply to both reference cells)."""
    return [Variant(f, key, message, edits) for f in ("two_layer_model", "L_layer_model")]


M = Variant
MISTAKES = [
    # two_layer_model (the first one per function is the one-mistake student of the tests)
    M("two_layer_model", "dA2_sign",
      "The parameters move up the gradient: the derivative of the cost starts with a minus, "
      "dA2 = -(Y/A2 - (1 - Y)/(1 - A2)).",
      (("dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))",
        "dA2 = np.divide(Y, A2) - np.divide(1 - Y, 1 - A2)"),)),
    # L_layer_model's first mistake
    M("L_layer_model", "step_by_step_init",
      "Your cell defines its own initialize_parameters_deep (the Step-by-Step one: seed 3, weights "
      "× 0.01). This model needs the one of this assignment, imported from dnn_app_utils (seed 1, "
      "weights / sqrt(layer_dims[l-1])): delete your copy.",
      (("def L_layer_model(", STEP_BY_STEP_INIT),)),
    # two_layer_model
    M("two_layer_model", "sigmoid_hidden_layer",
      'The hidden layer must use ReLU (activation="relu") going forward and backward; only the '
      "output layer uses sigmoid.",
      (('parameters["b1"], activation="relu"', 'parameters["b1"], activation="sigmoid"'),
       ('cache1, activation="relu"', 'cache1, activation="sigmoid"'))),
    M("two_layer_model", "backward_activations_swapped",
      "Go back through the layers with the activations of the forward pass: the output layer "
      '(cache2) is a sigmoid layer, the hidden layer (cache1) a ReLU layer.',
      (('dA2, cache2, activation="sigmoid"', 'dA2, cache2, activation="relu"'),
       ('dA1, cache1, activation="relu"', 'dA1, cache1, activation="sigmoid"'))),
    M("two_layer_model", "deep_init",
      "A 2-layer model starts from initialize_parameters(n_x, n_h, n_y) (weights × 0.01), not "
      "from initialize_parameters_deep.",
      (("parameters = initialize_parameters(n_x, n_h, n_y)",
        "parameters = initialize_parameters_deep(layers_dims)"),)),
    *_both("update_discarded",
           "The parameters never change: update_parameters returns the updated parameters (it "
           "does not change the dictionary you pass it), so assign its result to parameters.",
           ((UPDATE, "        update_parameters(parameters, grads, learning_rate)"),)),
    *_both("cost_every_iteration",
           "costs should hold the cost of every 100th iteration (0, 100, 200, ...), not of every "
           "iteration.",
           ((RECORD, "        costs.append(cost)"),)),
    *_both("cost_after_100",
           "Record the cost at iterations 0, 100, 200, ... (i % 100 == 0), starting with "
           "iteration 0, not at iterations 99, 199, ...",
           ((RECORD, "        if (i + 1) % 100 == 0:\n            costs.append(cost)"),)),
    *_both("fixed_learning_rate",
           "Use the learning_rate argument in the update, not a fixed number.",
           ((UPDATE, "        parameters = update_parameters(parameters, grads, 0.0075)"),)),
    *[M(f, "init_in_loop",
        "The parameters are initialised again at every iteration: initialise them once, before "
        "the loop.",
        (("    parameters = " + init + "\n", ""),
         ("    for i in range(0, num_iterations):\n",
          "    for i in range(0, num_iterations):\n        parameters = " + init + "\n")))
      for f, init in (("two_layer_model", "initialize_parameters(n_x, n_h, n_y)"),
                      ("L_layer_model", "initialize_parameters_deep(layers_dims)"))],
    *_both("returns_swapped",
           "Return the parameters first, then the costs.",
           ((RETURN, "    return costs, parameters"),)),
]

# Correct solutions written differently: all must get full marks.
STYLES = [
    # The models' np.random.seed(1) is redundant: both initialisers seed themselves.
    *[M(f, "no_outer_seed", "", (("    np.random.seed(1)\n", ""),))
      for f in ("two_layer_model", "L_layer_model")],
    # The original course's style: W1, b1, W2, b2 read from the dictionary in each iteration.
    M("two_layer_model", "unpacked_weights", "", (
        ('        A1, cache1 = linear_activation_forward(X, parameters["W1"], parameters["b1"], activation="relu")',
         '        W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]\n'
         '        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")'),
        ('linear_activation_forward(A1, parameters["W2"], parameters["b2"], activation="sigmoid")',
         'linear_activation_forward(A1, W2, b2, "sigmoid")'))),
    M("two_layer_model", "plain_division", "", (
        ("dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))", "dA2 = -(Y / A2 - (1 - Y) / (1 - A2))"),)),
    # Printing is not graded: the original course's condition also prints the last cost when
    # print_cost is False.
    M("L_layer_model", "original_print_condition", "", (
        ("if print_cost and (i % 100 == 0 or i == num_iterations - 1):",
         "if print_cost and i % 100 == 0 or i == num_iterations - 1:"),)),
    M("L_layer_model", "float_costs", "", (
        ("            costs.append(cost)", "            costs.append(float(cost))"),)),
]

# The one-mistake students of the demo's sample class.
DEMO_MISTAKES = ["two_layer_model/dA2_sign", "L_layer_model/step_by_step_init",
                 "L_layer_model/update_discarded"]

VALUE_HINTS = {
    "two_layer_model": "Check each step of the loop against Exercise 1: the activations of the two "
                       "layers going forward and backward, dA2, and the update.",
    "L_layer_model": "Check each step of the loop against Exercise 2, and that the parameters "
                     "come from this assignment's initialize_parameters_deep.",
}


# ---------------------------------------------------------------------------------------------
# Hidden tests: tiny data sets (a few features and examples, m = 1 included), several network
# shapes, learning rates and iteration counts (1, and past the 100s so several costs are
# recorded and the last iteration is not a multiple of 100).

TWO_LAYER = [((3, 2, 1), 4), ((5, 4, 1), 7), ((2, 1, 1), 1), ((6, 8, 1), 12)]    # (dims, m)
DEEP = [([3, 1], 5), ([4, 5, 1], 6), ([5, 4, 3, 1], 1), ([6, 5, 4, 3, 1], 9), ([2, 7, 1], 3)]
ITERATIONS = [1, 101, 250, 120, 205]


def _data(rng, n_x, m):
    X = rng.standard_normal((n_x, m))
    Y = (rng.uniform(size=(1, m)) > 0.5).astype(int)
    return X, Y


def _training(shapes, dims_type):
    """Hidden cases of a training function: tiny data sets, few iterations (`shapes`: its
    ((layer dims), m) per case)."""
    def draw(rng, ref):
        cases = []
        for (dims, m), iterations in zip(shapes, ITERATIONS):
            X, Y = _data(rng, dims[0], m)
            kwargs = {"learning_rate": float(rng.uniform(0.01, 0.3)), "num_iterations": iterations}
            if iterations == 1:
                kwargs["print_cost"] = True  # printing must not break anything
            cases.append(((X, Y, dims_type(dims)), kwargs))
        return cases
    return draw


# The hidden cases of each graded function: draw(rng, reference functions) -> [case].
HIDDEN_CASES = {"two_layer_model": _training(TWO_LAYER, tuple), "L_layer_model": _training(DEEP, list)}

SPEC = Spec("application", OUTPUTS, HIDDEN_CASES, MISTAKES, STYLES, DEMO_MISTAKES, VALUE_HINTS)
