"""Canonical fixtures of "Deep Neural Network: Application".

The models train on the full data in the notebook; their public tests use tiny random data
sets instead (a few examples, a few hundred iterations), so they run in a blink and show exactly
which numbers a correct model produces.
"""
import numpy as np


def two_layer_model_test_case():
    """X (5, 10), random 0/1 labels Y (1, 10), and the layer sizes (n_x, n_h, n_y)."""
    np.random.seed(1)
    X = np.random.randn(5, 10)
    Y = (np.random.randn(1, 10) > 0).astype(int)
    return X, Y, (5, 4, 1)


def L_layer_model_test_case():
    """X (6, 10), random 0/1 labels Y (1, 10), and the layer sizes of a 3-layer network."""
    np.random.seed(2)
    X = np.random.randn(6, 10)
    Y = (np.random.randn(1, 10) > 0).astype(int)
    return X, Y, [6, 5, 3, 1]


# What each public test runs (see testCases/step_by_step.py): the names of the outputs and the
# cases, each a fixture above with keyword arguments. One iteration first: it checks a single
# step of gradient descent, whose result stays meaningful even when a mistake makes the longer
# run blow up.
PUBLIC_CASES = {
    "two_layer_model": {"outputs": ("parameters", "costs"), "cases": [
        ("two_layer_model, 1 iteration", "two_layer_model_test_case",
         {"learning_rate": 0.5, "num_iterations": 1}),
        ("two_layer_model, 250 iterations", "two_layer_model_test_case",
         {"learning_rate": 0.5, "num_iterations": 250})]},
    "L_layer_model": {"outputs": ("parameters", "costs"), "cases": [
        ("L_layer_model, 1 iteration", "L_layer_model_test_case",
         {"learning_rate": 0.1, "num_iterations": 1}),
        ("L_layer_model, 250 iterations", "L_layer_model_test_case",
         {"learning_rate": 0.1, "num_iterations": 250})]},
}
