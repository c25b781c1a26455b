"""Helpers students use: the activations and their derivatives.

Each forward activation returns ``(A, Z)``; ``Z`` is kept as the activation cache that the
backward pass needs.
"""
import numpy as np

__all__ = ["sigmoid", "relu", "sigmoid_backward", "relu_backward"]


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
