"""Canonical fixtures of "Building your Deep Neural Network: Step by Step".

Every fixture is drawn with ``np.random.randn`` after the seed given in the course spec, in the
order listed there, so students everywhere see the same numbers.
"""
import numpy as np


def initialize_parameters_test_case():
    return 3, 2, 1


def initialize_parameters_deep_test_case():
    return [5, 4, 3]


def linear_forward_test_case():
    np.random.seed(1)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    return A, W, b


def linear_activation_forward_test_case():
    np.random.seed(2)
    A_prev = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    return A_prev, W, b


def L_model_forward_test_case():
    np.random.seed(6)
    X = np.random.randn(5, 4)
    W1 = np.random.randn(4, 5)
    b1 = np.random.randn(4, 1)
    W2 = np.random.randn(3, 4)
    b2 = np.random.randn(3, 1)
    W3 = np.random.randn(1, 3)
    b3 = np.random.randn(1, 1)
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
    return X, parameters


def compute_cost_test_case():
    Y = np.asarray([[1, 1, 0]])
    AL = np.array([[.8, .9, 0.4]])
    return AL, Y


def linear_backward_test_case():
    np.random.seed(1)
    dZ = np.random.randn(1, 2)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    return dZ, (A, W, b)


def linear_activation_backward_test_case():
    np.random.seed(2)
    dA = np.random.randn(1, 2)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    Z = np.random.randn(1, 2)
    return dA, ((A, W, b), Z)


def L_model_backward_test_case():
    np.random.seed(3)
    AL = np.random.randn(1, 2)
    Y = np.array([[1, 0]])
    A1 = np.random.randn(4, 2)
    W1 = np.random.randn(3, 4)
    b1 = np.random.randn(3, 1)
    Z1 = np.random.randn(3, 2)
    A2 = np.random.randn(3, 2)
    W2 = np.random.randn(1, 3)
    b2 = np.random.randn(1, 1)
    Z2 = np.random.randn(1, 2)
    caches = (((A1, W1, b1), Z1), ((A2, W2, b2), Z2))
    return AL, Y, caches


def update_parameters_test_case():
    np.random.seed(2)
    W1 = np.random.randn(3, 4)
    b1 = np.random.randn(3, 1)
    W2 = np.random.randn(1, 3)
    b2 = np.random.randn(1, 1)
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    np.random.seed(3)
    dW1 = np.random.randn(3, 4)
    db1 = np.random.randn(3, 1)
    dW2 = np.random.randn(1, 3)
    db2 = np.random.randn(1, 1)
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return parameters, grads, 0.1


# What each public test runs: the names of the function's outputs (for messages) and its cases,
# each a fixture above with extra keyword arguments. `dnnkit expected` computes the expected
# values of these cases with the reference solution.
PUBLIC_CASES = {
    "initialize_parameters": {"outputs": "parameters", "cases": [
        ("initialize_parameters(3, 2, 1)", "initialize_parameters_test_case", {})]},
    "initialize_parameters_deep": {"outputs": "parameters", "cases": [
        ("initialize_parameters_deep([5, 4, 3])", "initialize_parameters_deep_test_case", {})]},
    "linear_forward": {"outputs": ("Z", "cache"), "cases": [
        ("linear_forward", "linear_forward_test_case", {})]},
    "linear_activation_forward": {"outputs": ("A", "cache"), "cases": [
        ("with sigmoid", "linear_activation_forward_test_case", {"activation": "sigmoid"}),
        ("with ReLU", "linear_activation_forward_test_case", {"activation": "relu"})]},
    "L_model_forward": {"outputs": ("AL", "caches"), "cases": [
        ("L_model_forward", "L_model_forward_test_case", {})]},
    "compute_cost": {"outputs": "cost", "cases": [
        ("compute_cost", "compute_cost_test_case", {})]},
    "linear_backward": {"outputs": ("dA_prev", "dW", "db"), "cases": [
        ("linear_backward", "linear_backward_test_case", {})]},
    "linear_activation_backward": {"outputs": ("dA_prev", "dW", "db"), "cases": [
        ("with sigmoid", "linear_activation_backward_test_case", {"activation": "sigmoid"}),
        ("with ReLU", "linear_activation_backward_test_case", {"activation": "relu"})]},
    "L_model_backward": {"outputs": "grads", "cases": [
        ("L_model_backward", "L_model_backward_test_case", {})]},
    "update_parameters": {"outputs": "parameters", "cases": [
        ("update_parameters", "update_parameters_test_case", {})]},
}
