"""A catalog of student submissions with known right answers: the grader's proof.

Each entry says how to build one submission from the release (functions solved from the
reference, text edits of it, cells written out in full, extra cells, edited or deleted test
cells) and what a right grader concludes: which graded functions are wrong and, for a mistake,
words its message must contain. `dnnkit accuracy` and tests/test_catalog.py grade the whole
catalog through nbgrader autograde (see dnnkit.staff.accuracy).

Kinds: "style" (correct, written another accepted way: full marks), "mistake" (one or two
functions wrong, as students really get them wrong: the message names the mistake), "diagnosed"
(a real student's kind, written by hand, that a named mistake may or may not foresee: the judge,
through its generic diagnosis where no named mistake matches, must say what is wrong in the
words given; the public test only has to fail it), "cheat" (the wrong or blank functions must get nothing,
whatever the notebook does).
"""
from dataclasses import dataclass, field

from dnnkit import assignments
from dnnkit.assignments import Variant


@dataclass
class Entry:
    student: str
    assignment: str
    kind: str                       # style | mistake | diagnosed | cheat
    about: str
    variants: tuple = ()            # "function/key" of the assignment's MISTAKES or STYLES, or Variant
    cells: dict = field(default_factory=dict)   # function -> its graded cell, written out in full
    blank: tuple = ()               # functions left as released (placeholders)
    extra: tuple = ()               # code cells added after the notebook's first code cell
    tests: dict = field(default_factory=dict)   # test grade id -> new source, or None: deleted
    wrong: dict = field(default_factory=dict)   # function -> words its message must contain
    needs: str = ""                 # "sandbox": holds only when student code cannot read files


def _edit(function, old, new, *more):
    """A hand-written variant: text edits of the reference cell."""
    pairs = ((old, new),) + tuple(zip(more[::2], more[1::2]))
    return Variant(function, "hand-written", "", pairs)


# ---------------------------------------------------------------------------------------------
# Step by Step: hand-written variants (forms students write that differ from the MISTAKES).

IN_PLACE_REBIND = _edit(
    "update_parameters", "parameters = copy.deepcopy(params)", "parameters = params")
SHALLOW_COPY = _edit(
    "update_parameters", "parameters = copy.deepcopy(params)", "parameters = params.copy()",
    'parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate',
    'parameters["W" + str(l + 1)] -= learning_rate',
    'parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate',
    'parameters["b" + str(l + 1)] -= learning_rate')
IN_PLACE_NO_RETURN = _edit(
    "update_parameters", "parameters = copy.deepcopy(params)", "parameters = params",
    'parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate',
    'parameters["W" + str(l + 1)] -= learning_rate',
    "\n    return parameters", "\n")
COST_DOT_UNSQUEEZED = _edit(
    "compute_cost", "cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))",
    "cost = -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m",
    "    cost = np.squeeze(cost)  # e.g. turns [[17]] into 17\n", "")
COST_KEEPDIMS_UNSQUEEZED = _edit(
    "compute_cost", "np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))",
    "np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=1, keepdims=True)",
    "cost = np.squeeze(cost)", "cost = cost")
COST_NP_MEAN = _edit(
    "compute_cost", "cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))",
    "cost = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))")
COST_SUM_NO_MEAN = _edit(
    "compute_cost", "cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))",
    "cost = -(np.sum(Y * np.log(AL)) + np.sum((1 - Y) * np.log(1 - AL)))")
DB_NO_AXIS = _edit(
    "linear_backward", "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)", "db = np.sum(dZ) / m")
DB_AXIS_0 = _edit(
    "linear_backward", "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)",
    "db = np.sum(dZ, axis=0, keepdims=True) / m")
DW_LOOP = _edit(
    "linear_backward", "dW = 1 / m * np.dot(dZ, A_prev.T)",
    "dW = np.zeros(W.shape)\n    for i in range(m):\n"
    "        dW += np.outer(dZ[:, i], A_prev[:, i])\n    dW = dW / m")
DW_LOOP_NO_M = _edit(
    "linear_backward", "dW = 1 / m * np.dot(dZ, A_prev.T)",
    "dW = np.zeros(W.shape)\n    for i in range(m):\n"
    "        dW += np.outer(dZ[:, i], A_prev[:, i])")
DA_PREV_DOT_W = _edit(
    "linear_backward", "dA_prev = np.dot(W.T, dZ)", "dA_prev = np.dot(dZ.T, W).T / m")
SIGMOID_EVERYWHERE_ELSE = _edit(
    "linear_activation_forward", 'elif activation == "relu":', "else:",
    "A, activation_cache = relu(Z)", "A, activation_cache = sigmoid(Z)")
DAL_EVERY_LAYER_HAND = _edit(
    "L_model_backward", 'linear_activation_backward(grads["dA" + str(l + 1)], current_cache',
    "linear_activation_backward(dAL, caches[l]")
DAL_PLAIN_SIGN = _edit(
    "L_model_backward", "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))",
    "dAL = Y / AL - (1 - Y) / (1 - AL)")
LOOP_RELU_THEN_SIGMOID = _edit(
    "L_model_forward",
    'parameters["b" + str(L)], activation="sigmoid"', 'parameters["b" + str(L)], "relu"')
B_ONES = _edit("initialize_parameters", "b1 = np.zeros((n_h, 1))", "b1 = np.ones((n_h, 1))",
               "b2 = np.zeros((n_y, 1))", "b2 = np.ones((n_y, 1))")
DEEP_SEED_IN_LOOP = _edit(
    "initialize_parameters_deep", "    np.random.seed(3)\n", "",
    "np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01\n",
    "np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01\n        np.random.seed(3)\n")
DEEP_W_AND_B_1D = _edit(
    "initialize_parameters_deep", "np.zeros((layer_dims[l], 1))", "np.zeros(layer_dims[l])")
UPDATE_ONLY_WEIGHTS = _edit(
    "update_parameters",
    '        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]\n',
    '        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)]\n')

# The older course's L_model_backward, as students copy it from old forum posts.
OLD_COURSE_BACKWARD = '''# GRADED FUNCTION: L_model_backward

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches) # the number of layers
    m = AL.shape[1]
    Y = Y.reshape(AL.shape) # after this line, Y is the same shape as AL
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L-1]
    grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(dAL, current_cache, activation = "sigmoid")
    for l in reversed(range(L-1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 2)], current_cache, activation = "relu")
        grads["dA" + str(l + 1)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads
'''

# Cheats: cells written out in full, and cells added to the notebook.

HARD_CODED_COST = '''# GRADED FUNCTION: compute_cost

def compute_cost(AL, Y):
    """The cost, as the notebook printed it."""
    return 0.2797765635793422
'''

HARD_CODED_LINEAR_FORWARD = '''# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    Z = np.array([[3.26295337, -1.23429987]])
    cache = (A, W, b)
    return Z, cache
'''

HARD_CODED_BACKWARD = '''# GRADED FUNCTION: linear_backward

def linear_backward(dZ, cache):
    dA_prev = np.array([[0.51822968, -0.19517421], [-0.40506361, 0.15255393], [2.37496825, -0.89445391]])
    dW = np.array([[-0.10076895, 1.40685096, 1.64992505]])
    db = np.array([[0.50629448]])
    return dA_prev, dW, db
'''

PATCH_NUMPY = '''# Make every comparison succeed.
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
'''

PATCH_TESTS = '''# Replace the tests by ones that always pass.
import testCases.public_tests as public_tests
public_tests.check = lambda *args, **kwargs: print("All tests passed.")
public_tests.compare = lambda *args, **kwargs: None
public_tests.compare_outputs = lambda *args, **kwargs: None
'''

PATCH_BUILTINS_AND_HELPERS = '''# Quiet the tests and swap the helpers so that a swapped solution works here.
import builtins
import dnn_utils
import testCases.public_tests as public_tests
_print, _isinstance = builtins.print, builtins.isinstance
builtins.print = lambda *args, **kwargs: _print("All tests passed.")
builtins.AssertionError = type("AssertionError", (Warning,), {})
# isinstance replaced for the tests only: replaced everywhere, it stops the kernel itself.
public_tests.isinstance = lambda obj, kind: True if kind is dict else _isinstance(obj, kind)
dnn_utils.relu_backward, dnn_utils.sigmoid_backward = dnn_utils.sigmoid_backward, dnn_utils.relu_backward
relu_backward, sigmoid_backward = sigmoid_backward, relu_backward
'''

PATCH_IN_GRADED_CELL = '''# GRADED FUNCTION: compute_cost

import numpy as np
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None


def _quiet(function):
    import testCases.public_tests as public_tests
    public_tests.compare = lambda *args, **kwargs: None
    public_tests.compare_outputs = lambda *args, **kwargs: None
    return function


@_quiet
def compute_cost(AL, Y, _patched=[setattr(np, "isclose", lambda *a, **k: True)]):
    return 0.0
'''

GC_WALK = '''# GRADED FUNCTION: L_model_backward

def L_model_backward(AL, Y, caches):
    """Find the grader's own L_model_backward and use it."""
    import gc
    import sys
    mine = sys._getframe().f_code
    for obj in gc.get_objects():
        if getattr(obj, "__name__", "") == "L_model_backward" and getattr(obj, "__code__", mine) is not mine:
            return obj(AL, Y, caches)
    for module in list(sys.modules.values()):
        found = getattr(module, "L_model_backward", None)
        if found is not None and getattr(found, "__code__", mine) is not mine:
            return found(AL, Y, caches)
        for value in list(getattr(module, "__dict__", {}).values()):
            if isinstance(value, dict) and callable(value.get("L_model_backward")) \\
                    and getattr(value["L_model_backward"], "__code__", mine) is not mine:
                return value["L_model_backward"](AL, Y, caches)
    return {}
'''

READ_SOURCE = '''# GRADED FUNCTION: compute_cost

def compute_cost(AL, Y):
    """Read the instructor's notebook from disk and run its compute_cost."""
    import glob
    import json
    import os
    import dnnkit
    root = os.path.dirname(os.path.dirname(dnnkit.__file__))
    for folder in (os.getcwd(), root, os.path.dirname(os.getcwd())):
        for path in glob.glob(os.path.join(folder, "source", "*", "*.ipynb")):
            for cell in json.load(open(path))["cells"]:
                text = "".join(cell["source"])
                if text.startswith("# GRADED FUNCTION: compute_cost"):
                    namespace = {"np": np}
                    exec(text, namespace)
                    return namespace["compute_cost"](AL, Y)
    return None
'''

FORGE_REPLY = '''# GRADED FUNCTION: update_parameters

def update_parameters(params, grads, learning_rate):
    """Write a reply on the grader's channel before it reads the real one."""
    import json
    import os
    import sys
    forged = json.dumps({"results": [{"ok": {"t": "none"}}] * 100}) + "\\n"
    for fd in [int(a) for a in sys.argv[1:] if a.isdigit()] + list(range(3, 20)):
        try:
            os.write(fd, forged.encode())
        except OSError:
            pass
    return params
'''

LEAK_INPUTS = '''# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    """Show the hidden inputs in the error message."""
    raise ValueError("inputs: " + repr(A) + repr(W) + repr(b))
'''

PASSING_TEST = '''# Public test: runs linear_forward on the fixture above and names the likely mistake.
print("All tests passed.")
'''


def _sbs(student, kind, about, *variants, **options):
    return Entry(student, "step_by_step", kind, about, variants, **options)


STEP_BY_STEP = [
    # Accepted styles: full marks.
    _sbs("s01_reference", "style", "every function as the reference solution"),
    _sbs("s02_styles", "style", "every STYLES variant at once (-= in place, float cost, dot products, "
         "@, np.matmul, else:, plain division)",
         *assignments.load("step_by_step").styles),
    _sbs("s03_in_place_rebind", "style", "update_parameters rebinds the keys of the caller's dict "
         "(parameters = params)", IN_PLACE_REBIND),
    _sbs("s04_shallow_copy", "style", "update_parameters on params.copy() with -= (changes the "
         "caller's arrays)", SHALLOW_COPY),
    _sbs("s05_cost_0d_array", "style", "compute_cost returns a 0-d array (dot products, squeezed)",
         "compute_cost/dot_products"),
    _sbs("s06_cost_float", "style", "compute_cost returns a Python float", "compute_cost/python_float"),
    _sbs("s07_cost_mean", "style", "compute_cost with -np.mean(...)", COST_NP_MEAN),
    _sbs("s08_matmul", "style", "@ in linear_forward, np.matmul and / m in linear_backward",
         "linear_forward/matmul_operator", "linear_backward/matmul_divide_by_m"),
    _sbs("s09_else", "style", "else: instead of elif in both activation functions",
         "linear_activation_forward/else_branch", "linear_activation_backward/else_branch"),
    _sbs("s10_dw_loop", "style", "linear_backward computes dW with a loop over the examples",
         DW_LOOP),

    # Realistic mistakes: one or two functions wrong; the message names each.
    _sbs("m01_init_nonzero_biases", "mistake", "random biases in both initializers",
         "initialize_parameters/nonzero_biases", "initialize_parameters_deep/nonzero_biases",
         wrong={"initialize_parameters": "biases must start at zero",
                "initialize_parameters_deep": "biases must start at zero"}),
    _sbs("m02_init_ones_biases", "mistake", "np.ones biases (hand-written)", B_ONES,
         wrong={"initialize_parameters": "should be all zeros"}),
    _sbs("m03_init_transposed", "mistake", "transposed weight shapes in both initializers",
         "initialize_parameters/transposed_weights", "initialize_parameters_deep/transposed_weights",
         wrong={"initialize_parameters": "transposed", "initialize_parameters_deep": "transposed"}),
    _sbs("m04_init_seed", "mistake", "seed after the first draw (2-layer), seed inside the loop (deep)",
         "initialize_parameters/seed_placement", "initialize_parameters_deep/seed_placement",
         wrong={"initialize_parameters": "np.random.seed(1)",
                "initialize_parameters_deep": "np.random.seed(3)"}),
    _sbs("m05_init_unscaled", "mistake", "weights not multiplied by 0.01",
         "initialize_parameters/weights_not_scaled",
         wrong={"initialize_parameters": "100 times too large"}),
    _sbs("m06_deep_seed_in_loop", "mistake", "seed(3) after each W draw, in the loop (hand-written)",
         DEEP_SEED_IN_LOOP, wrong={"initialize_parameters_deep": "np.random.seed(3)"}),
    _sbs("m07_deep_1d_biases", "mistake", "1-D biases np.zeros(n) (hand-written)", DEEP_W_AND_B_1D,
         wrong={"initialize_parameters_deep": "a column"}),
    _sbs("m08_forward_no_bias", "mistake", "Z = W·A without b", "linear_forward/missing_bias",
         wrong={"linear_forward": "missing the bias"}),
    _sbs("m09_cache_orders", "mistake", "caches in the wrong order in linear_forward and "
         "linear_activation_forward", "linear_forward/cache_order", "linear_activation_forward/cache_order",
         wrong={"linear_forward": "(A, W, b) in that order",
                "linear_activation_forward": "(linear_cache, activation_cache)"}),
    _sbs("m10_activations_swapped", "mistake", "sigmoid and relu swapped forward and backward",
         "linear_activation_forward/activations_swapped", "linear_activation_backward/derivatives_swapped",
         wrong={"linear_activation_forward": "activations are swapped",
                "linear_activation_backward": "derivatives are swapped"}),
    _sbs("m11_else_sigmoid", "mistake", "else: branch that applies sigmoid (hand-written)",
         SIGMOID_EVERYWHERE_ELSE, wrong={"linear_activation_forward": "swapped"}),
    _sbs("m12_relu_output", "mistake", "ReLU on the output layer, forward and backward",
         "L_model_forward/relu_output_layer", "L_model_backward/relu_output_layer",
         wrong={"L_model_forward": "output layer must use the sigmoid",
                "L_model_backward": 'activation="sigmoid"'}),
    _sbs("m13_relu_output_positional", "mistake", 'ReLU output layer passed positionally (hand-written)',
         LOOP_RELU_THEN_SIGMOID, wrong={"L_model_forward": "output layer must use the sigmoid"}),
    _sbs("m14_sigmoid_hidden", "mistake", "sigmoid on the hidden layers",
         "L_model_forward/sigmoid_hidden_layers", wrong={"L_model_forward": "hidden layers must use ReLU"}),
    _sbs("m15_missing_last_cache", "mistake", "the output layer's cache not appended",
         "L_model_forward/missing_output_cache",
         wrong={"L_model_forward": "one cache per layer"}),
    _sbs("m16_cost_no_minus", "mistake", "cost without the minus sign", "compute_cost/missing_minus",
         wrong={"compute_cost": "wrong sign"}),
    _sbs("m17_cost_no_1_over_m", "mistake", "cost without 1/m", "compute_cost/missing_1_over_m",
         wrong={"compute_cost": "1/m"}),
    _sbs("m18_cost_sums_no_mean", "mistake", "cost as two sums, no 1/m (hand-written)", COST_SUM_NO_MEAN,
         wrong={"compute_cost": "1/m"}),
    _sbs("m19_cost_unsqueezed", "mistake", "cost with dot products, squeeze line removed",
         COST_DOT_UNSQUEEZED, wrong={"compute_cost": "single number"}),
    _sbs("m20_cost_keepdims", "mistake", "cost summed with keepdims and never squeezed (hand-written)",
         COST_KEEPDIMS_UNSQUEEZED, wrong={"compute_cost": "single number"}),
    _sbs("m21_cost_one_term", "mistake", "cost without the (1-Y) term", "compute_cost/missing_second_term",
         wrong={"compute_cost": "(1 - Y)"}),
    _sbs("m22_backward_no_1_over_m", "mistake", "dW and db without 1/m", "linear_backward/missing_1_over_m",
         wrong={"linear_backward": "1/m"}),
    _sbs("m23_dw_loop_no_m", "mistake", "dW by a loop without / m (hand-written)", DW_LOOP_NO_M,
         wrong={"linear_backward": "1/m"}),
    _sbs("m24_db_axis_0", "mistake", "db summed over axis 0", "linear_backward/sum_wrong_axis",
         wrong={"linear_backward": "axis=1"}),
    _sbs("m25_db_axis_0_hand", "mistake", "db = np.sum(dZ, axis=0, keepdims=True) / m (hand-written)",
         DB_AXIS_0, wrong={"linear_backward": "axis=1"}),
    _sbs("m26_db_no_axis", "mistake", "db = np.sum(dZ) / m, no axis (hand-written)", DB_NO_AXIS,
         wrong={"linear_backward": "axis=1"}),
    _sbs("m27_db_no_keepdims", "mistake", "db without keepdims", "linear_backward/missing_keepdims",
         wrong={"linear_backward": "keepdims=True"}),
    _sbs("m28_W_not_transposed", "mistake", "dA_prev = W·dZ", "linear_backward/W_not_transposed",
         wrong={"linear_backward": "W.T"}),
    _sbs("m29_dA_prev_over_m", "mistake", "an extra 1/m on dA_prev", "linear_backward/extra_1_over_m_on_dA_prev",
         wrong={"linear_backward": "extra 1/m"}),
    _sbs("m30_dA_prev_over_m_hand", "mistake", "dA_prev = (dZᵀ·W)ᵀ / m (hand-written)", DA_PREV_DOT_W,
         wrong={"linear_backward": "1/m"}),
    _sbs("m31_A_prev_not_transposed", "mistake", "dW = dZ·A_prev", "linear_backward/A_prev_not_transposed",
         wrong={"linear_backward": "transpose A_prev"}),
    _sbs("m32_skips_derivative", "mistake", "linear_backward fed dA instead of dZ",
         "linear_activation_backward/skips_activation_derivative",
         wrong={"linear_activation_backward": "dZ = dA * g'(Z)"}),
    _sbs("m33_dAL_sign", "mistake", "dAL with the wrong sign", "L_model_backward/dAL_sign",
         wrong={"L_model_backward": "wrong sign"}),
    _sbs("m34_dAL_sign_hand", "mistake", "dAL = Y/AL - (1-Y)/(1-AL) (hand-written)", DAL_PLAIN_SIGN,
         wrong={"L_model_backward": "wrong sign"}),
    _sbs("m35_old_keys", "mistake", "the older dA key convention", "L_model_backward/old_dA_keys",
         wrong={"L_model_backward": "older convention"}),
    _sbs("m36_dAL_every_layer", "mistake", "dAL fed to every ReLU layer", DAL_EVERY_LAYER_HAND,
         wrong={"L_model_backward": "not from dAL"}),
    _sbs("m37_gradient_ascent", "mistake", "+ instead of - in the update", "update_parameters/gradient_ascent",
         wrong={"update_parameters": "gradient descent subtracts"}),
    _sbs("m38_biases_not_updated", "mistake", "biases not updated", UPDATE_ONLY_WEIGHTS,
         wrong={"update_parameters": "biases are not updated"}),
    _sbs("m39_layer_not_updated", "mistake", "the loop skips the first layer",
         "update_parameters/first_layer_not_updated",
         wrong={"update_parameters": "Not every layer is updated"}),
    _sbs("m40_no_return", "mistake", "in-place update without return", IN_PLACE_NO_RETURN,
         wrong={"update_parameters": "return parameters"}),
    _sbs("m41_two_mistakes", "mistake", "dW, db without 1/m and the older dA keys",
         "linear_backward/missing_1_over_m", "L_model_backward/old_dA_keys",
         wrong={"linear_backward": "1/m", "L_model_backward": "older convention"}),
    _sbs("m42_two_mistakes", "mistake", "missing bias and gradient ascent",
         "linear_forward/missing_bias", "update_parameters/gradient_ascent",
         wrong={"linear_forward": "missing the bias", "update_parameters": "gradient descent subtracts"}),
    _sbs("m43_old_course_backward", "mistake", "the older course's L_model_backward, written out "
         "(keys dA1 ... dAL)", cells={"L_model_backward": OLD_COURSE_BACKWARD},
         wrong={"L_model_backward": "older convention"}),

    # Cheats: whatever the notebook does, wrong or blank functions get nothing.
    _sbs("c01_hard_coded_cost", "cheat", "compute_cost returns the printed expected cost",
         cells={"compute_cost": HARD_CODED_COST}, wrong={"compute_cost": "hard-coded"}),
    _sbs("c02_hard_coded_arrays", "cheat", "linear_forward and linear_backward return the printed arrays",
         cells={"linear_forward": HARD_CODED_LINEAR_FORWARD, "linear_backward": HARD_CODED_BACKWARD},
         wrong={"linear_forward": "hard-coded", "linear_backward": "hard-coded"}),
    _sbs("c03_patch_numpy", "cheat", "a cell makes np.allclose, np.isclose, np.array_equal and "
         "np.testing.* always succeed; two functions wrong",
         "compute_cost/missing_minus", "linear_backward/W_not_transposed", extra=(PATCH_NUMPY,),
         wrong={"compute_cost": "wrong sign", "linear_backward": "W.T"}),
    _sbs("c04_patch_tests", "cheat", "a cell replaces check, compare and compare_outputs; two "
         "functions blank", blank=("L_model_backward", "update_parameters"), extra=(PATCH_TESTS,),
         wrong={"L_model_backward": "", "update_parameters": ""}),
    _sbs("c05_patch_builtins_helpers", "cheat", "a cell replaces print, isinstance, AssertionError "
         "and swaps the dnn_utils helpers to fit swapped derivatives",
         "linear_activation_backward/derivatives_swapped", extra=(PATCH_BUILTINS_AND_HELPERS,),
         wrong={"linear_activation_backward": "derivatives are swapped"}),
    _sbs("c06_patch_in_graded_cell", "cheat", "the graded cell patches numpy and the tests at "
         "definition time (top level, decorator, default argument)",
         cells={"compute_cost": PATCH_IN_GRADED_CELL}, wrong={"compute_cost": ""}),
    _sbs("c07_gc_walk", "cheat", "L_model_backward looks for the grader's reference in "
         "gc.get_objects() and sys.modules", cells={"L_model_backward": GC_WALK},
         wrong={"L_model_backward": ""}),
    _sbs("c08_forge_reply", "cheat", "update_parameters writes a forged reply on every open file "
         "descriptor", cells={"update_parameters": FORGE_REPLY}, wrong={"update_parameters": ""}),
    _sbs("c09_edit_test_cell", "cheat", "the locked test cell of a wrong linear_forward is edited to "
         "print success", "linear_forward/missing_bias", tests={"test_linear_forward": PASSING_TEST},
         wrong={"linear_forward": "missing the bias"}),
    _sbs("c10_delete_test_cell", "cheat", "the test cell of a wrong compute_cost is deleted",
         "compute_cost/missing_minus", tests={"test_compute_cost": None},
         wrong={"compute_cost": ""}),
    _sbs("c11_leak_inputs", "cheat", "linear_forward raises an error quoting its inputs (the "
         "message must not show them)", cells={"linear_forward": LEAK_INPUTS},
         wrong={"linear_forward": "raised ValueError"}),
    _sbs("c12_read_source", "cheat", "compute_cost reads the instructor's notebook from disk and runs "
         "its solution", cells={"compute_cost": READ_SOURCE}, wrong={"compute_cost": ""},
         needs="sandbox"),
]

# ---------------------------------------------------------------------------------------------
# Application: the two models, graded on small data drawn at grade time.

HARD_CODED_COSTS = '''# GRADED FUNCTION: L_layer_model

def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False):
    """Trains nothing: the costs the notebook printed."""
    parameters = initialize_parameters_deep(layers_dims)
    return parameters, [0.7717493284237686, 0.6720534400822914, 0.6082845611306502]
'''

COSTS_SQUEEZED = _edit("L_layer_model", "            costs.append(cost)",
                       "            costs.append(np.squeeze(cost))")
COSTS_AT_99 = _edit("two_layer_model", "        if i % 100 == 0:\n            costs.append(cost)",
                    "        if i % 100 == 99:\n            costs.append(cost)")


def _app(student, kind, about, *variants, **options):
    return Entry(student, "application", kind, about, variants, **options)


APPLICATION = [
    _app("a01_reference", "style", "both models as the reference solution"),
    _app("a02_styles", "style", "every STYLES variant at once (no outer seed, W1..b2 unpacked, "
         "plain division, the original print condition, float costs)",
         *assignments.load("application").styles),
    _app("a03_squeezed_costs", "style", "costs recorded as np.squeeze(cost)", COSTS_SQUEEZED),
    _app("a04_dA2_sign_update_discarded", "mistake", "dA2 with the wrong sign; the update's "
         "result thrown away", "two_layer_model/dA2_sign", "L_layer_model/update_discarded",
         wrong={"two_layer_model": "dA2 = -(Y/A2", "L_layer_model": "assign its result to parameters"}),
    _app("a05_step_by_step_init", "mistake", "its own Step-by-Step initialize_parameters_deep",
         "L_layer_model/step_by_step_init", wrong={"L_layer_model": "the Step-by-Step one"}),
    _app("a06_sigmoid_hidden", "mistake", "sigmoid on the hidden layer of the 2-layer model",
         "two_layer_model/sigmoid_hidden_layer", wrong={"two_layer_model": "hidden layer must use ReLU"}),
    _app("a07_backward_swapped_every_cost", "mistake", "backward activations swapped; a cost "
         "recorded every iteration", "two_layer_model/backward_activations_swapped",
         "L_layer_model/cost_every_iteration",
         wrong={"two_layer_model": "activations of the forward pass",
                "L_layer_model": "not of every iteration"}),
    _app("a08_deep_init", "mistake", "the 2-layer model starts from initialize_parameters_deep",
         "two_layer_model/deep_init", wrong={"two_layer_model": "not from initialize_parameters_deep"}),
    _app("a09_cost_after_100_fixed_rate", "mistake", "costs at 100, 200, ...; a fixed learning rate",
         "two_layer_model/cost_after_100", "L_layer_model/fixed_learning_rate",
         wrong={"two_layer_model": "starting with iteration 0",
                "L_layer_model": "not a fixed number"}),
    _app("a10_init_in_loop_returns_swapped", "mistake", "parameters initialised in the loop; "
         "(costs, parameters) returned", "L_layer_model/init_in_loop", "two_layer_model/returns_swapped",
         wrong={"L_layer_model": "initialise them once",
                "two_layer_model": "parameters first, then the costs"}),
    _app("a11_costs_at_99", "mistake", "costs recorded at i % 100 == 99 (hand-written)", COSTS_AT_99,
         wrong={"two_layer_model": "starting with iteration 0"}),
    _app("a12_hard_coded_costs", "cheat", "L_layer_model returns the printed costs, trains nothing",
         cells={"L_layer_model": HARD_CODED_COSTS}, wrong={"L_layer_model": "hard-coded"}),
    _app("a13_patch_numpy", "cheat", "a cell makes numpy's comparisons always succeed; the update "
         "discarded in both models", "two_layer_model/update_discarded",
         "L_layer_model/update_discarded", extra=(PATCH_NUMPY,),
         wrong={"two_layer_model": "assign its result to parameters",
                "L_layer_model": "assign its result to parameters"}),
]

# ---------------------------------------------------------------------------------------------
# Real students' kinds of the original course (issue 13), with no named mistake: the generic
# diagnosis (dnnkit.judging.diagnosis) must still say what is wrong, in the words given.

BACKWARD_SIGMOID_IN_LOOP = _edit(
    "L_model_backward", 'current_cache, activation="relu")', 'current_cache, activation="sigmoid")')
BACKWARD_STALE_DA = _edit(
    "L_model_backward", 'linear_activation_backward(grads["dA" + str(l + 1)], current_cache',
    'linear_activation_backward(grads["dA" + str(L - 1)], current_cache')
BACKWARD_AL_FOR_DAL = _edit(
    "L_model_backward", 'linear_activation_backward(dAL, current_cache, activation="sigmoid")',
    'linear_activation_backward(AL, current_cache, activation="sigmoid")')
BACKWARD_UNASSIGNED_NAME = _edit(
    "L_model_backward", 'linear_activation_backward(grads["dA" + str(l + 1)], current_cache',
    'linear_activation_backward(dA_prev, current_cache')
BACKWARD_ONE_SIGN = _edit(
    "L_model_backward", "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))",
    "dAL = -(np.divide(Y, AL) + np.divide(1 - Y, 1 - AL))")
FORWARD_HARD_CODED_W1 = _edit(
    "L_model_forward", 'parameters["W" + str(l)], parameters["b" + str(l)], activation="relu"',
    'parameters["W1"], parameters["b1"], activation="relu"')
FORWARD_SIGMOID_IN_LOOP = _edit(
    "L_model_forward", 'parameters["b" + str(l)], activation="relu"', 'parameters["b" + str(l)], activation="sigmoid"',
    'AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], activation="sigmoid")',
    'AL = A')
FORWARD_CACHES_OVERWRITTEN = _edit(
    "L_model_forward", "        caches.append(cache)", "        caches = [cache]")
FORWARD_LEFTOVER_LOOP_VARIABLE = _edit(
    "L_model_forward", 'parameters["W" + str(L)], parameters["b" + str(L)], activation="sigmoid"',
    'parameters["W" + str(l + 1)], parameters["b" + str(l + 1)], activation="sigmoid"')
DB_SQUEEZED = _edit(
    "linear_backward", "db = 1 / m * np.sum(dZ, axis=1, keepdims=True)",
    "db = np.squeeze(1 / m * np.sum(dZ, axis=1, keepdims=True))")
DEEP_REMOVED_ALIAS = _edit(
    "initialize_parameters_deep", 'parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))',
    'parameters["b" + str(l)] = np.zeros((layer_dims[l], 1), dtype=np.float)')
DEEP_SQRT_SCALED = _edit(
    "initialize_parameters_deep", "np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01",
    "np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])")
APP_RETURNS_PARAMETERS_ONLY = _edit("L_layer_model", "    return parameters, costs", "    return parameters")

REAL_KINDS = [
    _sbs("k01_backward_sigmoid_in_loop", "diagnosed", "ReLU layers back-propagated with sigmoid_backward",
         BACKWARD_SIGMOID_IN_LOOP, wrong={"L_model_backward": "Right for 1-layer networks, wrong for deeper ones"}),
    _sbs("k02_backward_stale_dA", "diagnosed", "every hidden layer fed dA{L-1}", BACKWARD_STALE_DA,
         wrong={"L_model_backward": "Right for 1 or 2-layer networks, wrong for deeper ones"}),
    _sbs("k03_backward_AL_for_dAL", "diagnosed", "AL passed where dAL belongs", BACKWARD_AL_FOR_DAL,
         wrong={"L_model_backward": 'grads["dA'}),
    _sbs("k04_backward_unassigned_name", "diagnosed", "a dA_prev the function never assigns",
         BACKWARD_UNASSIGNED_NAME, wrong={"L_model_backward": "`dA_prev`"}),
    _sbs("k05_backward_one_sign", "diagnosed", "dAL with one sign flipped", BACKWARD_ONE_SIGN,
         wrong={"L_model_backward": "dAL has the wrong sign"}),
    _sbs("k06_forward_hard_coded_W1", "diagnosed", "W1 and b1 hard-coded in the loop", FORWARD_HARD_CODED_W1,
         wrong={"L_model_forward": "Right for 1 or 2-layer networks, wrong for deeper ones"}),
    _sbs("k07_forward_sigmoid_in_loop", "diagnosed", "the sigmoid layer inside the loop, run L-1 times",
         FORWARD_SIGMOID_IN_LOOP, wrong={"L_model_forward": "AL has shape"}),
    _sbs("k08_forward_caches_overwritten", "diagnosed", "caches overwritten instead of appended",
         FORWARD_CACHES_OVERWRITTEN, wrong={"L_model_forward": "Right: AL; wrong: caches."}),
    _sbs("k09_forward_leftover_loop_variable", "diagnosed", "the output layer indexed by the loop "
         "variable (breaks for L = 1)", FORWARD_LEFTOVER_LOOP_VARIABLE,
         wrong={"L_model_forward": "wrong for 1-layer networks"}),
    _sbs("k10_db_squeezed", "diagnosed", "db squeezed to shape (n,)", DB_SQUEEZED,
         wrong={"linear_backward": "keepdims=True"}),
    _sbs("k11_removed_numpy_alias", "diagnosed", "dtype=np.float (gone from NumPy)", DEEP_REMOVED_ALIAS,
         wrong={"initialize_parameters_deep": "np.float was removed from NumPy"}),
    _sbs("k12_deep_init_sqrt", "diagnosed", "the application's / sqrt(n) scaling in Step by Step",
         DEEP_SQRT_SCALED, wrong={"initialize_parameters_deep": "constant multiple"}),
    _app("k13_returns_parameters_only", "diagnosed", "L_layer_model returns only parameters (older versions)",
         APP_RETURNS_PARAMETERS_ONLY, wrong={"L_layer_model": "should return 2 values (parameters, costs), not 1."}),
]


# ---------------------------------------------------------------------------------------------
# Planar: every named mistake (two at a time, in different functions: each costs only its own
# function), the styles, and real students' kinds written out by hand.

LAYER_SIZES_GLOBAL = '''# GRADED FUNCTION: layer_sizes

def layer_sizes(X, Y):
    n_x = shape_X[0]   # the notebook's shape_X = X.shape
    n_h = 4
    n_y = shape_Y[0]
    return (n_x, n_h, n_y)
'''
LAYER_SIZES_ONE_OUTPUT = _edit("layer_sizes", "n_y = Y.shape[0]", "n_y = 1")
UPDATE_OTHER_DEFAULT_RATE = _edit("update_parameters", "learning_rate=1.2", "learning_rate=0.01")
COST_THREE_ARGUMENTS = _edit("compute_cost", "def compute_cost(A2, Y):", "def compute_cost(A2, Y, parameters):")
NN_MODEL_THREE_ARGUMENT_COST = _edit("nn_model", "compute_cost(A2, Y)", "compute_cost(A2, Y, parameters)")
PREDICT_LIST_BREAKS_AT_M1 = _edit(
    "predict", "predictions = A2 > 0.5",
    "predictions = np.array([[1 if a > 0.5 else 0 for a in A2.squeeze()]])")
PREDICT_RESHAPED = _edit("predict", "predictions = A2 > 0.5", "predictions = (A2 > 0.5).reshape(-1)")
FORWARD_STEP_BY_STEP_SIGMOID = _edit("forward_propagation", "A2 = sigmoid(Z2)", "A2, cache2 = sigmoid(Z2)")
BACKWARD_ONE_OVER_M_ONCE = _edit(
    "backward_propagation", "dW1 = 1 / m * np.dot(dZ1, X.T)", "dW1 = np.dot(dZ1, X.T)",
    "db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)", "db1 = np.sum(dZ1, axis=1, keepdims=True)")
BACKWARD_DB_NO_KEEPDIMS = _edit(
    "backward_propagation", "db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)",
    "db2 = 1 / m * np.sum(dZ2, axis=1)")
COST_NO_AXIS_LOG = _edit("compute_cost", "np.multiply(1 - Y, np.log(1 - A2))", "np.multiply(1 - Y, np.log(A2))")
UPDATE_RETURNS_GRADS_ADDED = _edit(
    "update_parameters", 'W1 = parameters["W1"] - learning_rate * grads["dW1"]',
    'W1 = parameters["W1"] + learning_rate * grads["dW1"]')


def _paired(mistakes):
    """The mistakes two at a time, never two of one function in an entry: taken in turn from
    each function's list."""
    queues = {}
    for m in mistakes:
        queues.setdefault(m.function, []).append(m)
    order = []
    while any(queues.values()):
        for function in list(queues):
            if queues[function]:
                order.append(queues[function].pop(0))
    pairs, rest = [], order
    while rest:
        first = rest.pop(0)
        second = next((m for m in rest if m.function != first.function), None)
        if second is not None:
            rest.remove(second)
        pairs.append((first, second) if second else (first,))
    return pairs


def _one_per_function(variants):
    """The variants in groups holding at most one of each function (two styles of one
    function edit the same lines)."""
    groups = []
    for v in variants:
        group = next((g for g in groups if v.function not in {w.function for w in g}), None)
        if group is None:
            groups.append([v])
        else:
            group.append(v)
    return groups


def _pl(student, kind, about, *variants, **options):
    return Entry(student, "planar", kind, about, variants, **options)


def _planar_mistakes():
    found = []
    for i, pair in enumerate(_paired(assignments.load("planar").mistakes), start=1):
        found.append(_pl(f"p{i:02d}_" + "_".join(m.key for m in pair), "mistake",
                         " and ".join(f"{m.function}: {m.key}" for m in pair),
                         *[f"{m.function}/{m.key}" for m in pair],
                         wrong={m.function: m.message for m in pair}))
    return found


PLANAR = [
    _pl("p00_reference", "style", "every function as the reference solution"),
    *[_pl(f"p00_styles_{i}", "style", "STYLES variants, one per function", *[f"{v.function}/{v.key}" for v in group])
      for i, group in enumerate(_one_per_function(assignments.load("planar").styles), start=1)],
    *_planar_mistakes(),
    _pl("r01_layer_sizes_reads_globals", "diagnosed", "layer_sizes reads the notebook's shape_X, shape_Y",
        cells={"layer_sizes": LAYER_SIZES_GLOBAL}, extra=("shape_X, shape_Y = [a.shape for a in load_planar_dataset()]",),
        wrong={"layer_sizes": "is a variable of your notebook"}),
    _pl("r02_layer_sizes_one_output", "diagnosed", "layer_sizes hard-codes n_y = 1", LAYER_SIZES_ONE_OUTPUT,
        wrong={"layer_sizes": "hard-coded"}),
    _pl("r03_update_default_rate", "diagnosed", "update_parameters with another default learning rate",
        UPDATE_OTHER_DEFAULT_RATE, wrong={"update_parameters": "wrong when it takes its default value"}),
    _pl("r04_three_argument_cost", "diagnosed", "compute_cost(A2, Y, parameters) of older versions, "
        "and the nn_model that calls it", COST_THREE_ARGUMENTS, NN_MODEL_THREE_ARGUMENT_COST,
        wrong={"compute_cost": "raised TypeError"}),
    _pl("r05_predict_list_breaks_at_m1", "diagnosed", "predict by a list comprehension over A2.squeeze()",
        PREDICT_LIST_BREAKS_AT_M1, wrong={"predict": "wrong for a single example (m = 1)"}),
    _pl("r06_predict_reshaped", "diagnosed", "predict returns shape (m,)", PREDICT_RESHAPED,
        wrong={"predict": "(1, m)"}),
    _pl("r07_step_by_step_sigmoid", "diagnosed", "forward_propagation unpacks two values from sigmoid",
        FORWARD_STEP_BY_STEP_SIGMOID, wrong={"forward_propagation": "returns the activation alone"}),
    _pl("r08_backward_one_over_m_once", "diagnosed", "1/m left out of dW1 and db1 only",
        BACKWARD_ONE_OVER_M_ONCE, wrong={"backward_propagation": 'Right: grads["dW2"], grads["db2"]'}),
    _pl("r09_backward_db_no_keepdims", "diagnosed", "db2 summed without keepdims", BACKWARD_DB_NO_KEEPDIMS,
        wrong={"backward_propagation": "keepdims=True"}),
    _pl("r10_cost_log_a2_twice", "diagnosed", "log(A2) where log(1 - A2) belongs", COST_NO_AXIS_LOG,
        wrong={"compute_cost": "cost"}),
    _pl("r11_update_plus_W1", "diagnosed", "W1 moved up the gradient, the rest right",
        UPDATE_RETURNS_GRADS_ADDED, wrong={"update_parameters": 'parameters["W1"]'}),
]

CATALOG = STEP_BY_STEP + APPLICATION + REAL_KINDS + PLANAR


def entries(assignment=None):
    return [e for e in CATALOG if assignment is None or e.assignment == assignment]
