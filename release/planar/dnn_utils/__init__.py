"""Helpers students use: the activations and their derivatives, and the length of the
notebooks' long trainings.

Each forward activation returns ``(A, Z)``; ``Z`` is kept as the activation cache that the
backward pass needs.
"""
import os

import numpy as np

__all__ = ["sigmoid", "relu", "sigmoid_backward", "relu_backward", "training_iterations"]

def training_iterations(full, while_graded=5):
    """`full` when you run the notebook; `while_graded` while nbgrader grades or validates it
    (it sets NBGRADER_EXECUTION), so that grading takes seconds. Your functions are graded on
    their own inputs, never on these trainings; the feedback shows your own outputs of them."""
    return while_graded if os.environ.get("NBGRADER_EXECUTION") else full


def sigmoid(Z):
    """Sigmoid activation. Returns A = 1 / (1 + exp(-Z)) and the cache Z."""
    A = 1 / (1 + np.exp(-Z))
    return A, Z


def relu(Z):
    """ReLU activation. Returns A = max(0, Z) and the cache Z."""
    A = np.maximum(0, Z)
    return A, Z


def sigmoid_backward(dA, Z):
    """Gradient through a sigmoid unit: dZ = dA * s * (1 - s) with s = sigmoid(Z)."""
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def relu_backward(dA, Z):
    """Gradient through a ReLU unit: dA where Z > 0, zero elsewhere."""
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ
