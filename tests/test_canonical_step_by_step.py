"""The spec's canonical values, pinned to 1e-8: fixtures and the reference solution."""
import copy

import numpy as np
import pytest

from dnnkit import notebook
from dnnkit.judging.judge import Judge
from testCases import step_by_step as tc

A = np.array


@pytest.fixture(scope="module")
def ref(root):
    path = notebook.source_notebook_path(root, "step_by_step",
                                         "Building_your_Deep_Neural_Network_Step_by_Step")
    return Judge("step_by_step", notebook.read(path)).reference


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-8)


def test_initialize_parameters(ref):
    p = ref["initialize_parameters"](*tc.initialize_parameters_test_case())
    close(p["W1"], [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]])
    close(p["b1"], np.zeros((2, 1)))
    close(p["W2"], [[0.01744812, -0.00761207]])
    close(p["b2"], [[0.]])


def test_initialize_parameters_deep(ref):
    p = ref["initialize_parameters_deep"](tc.initialize_parameters_deep_test_case())
    close(p["W1"][0], [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388])
    close(p["W2"][0], [-0.01185047, -0.0020565, 0.01486148, 0.00236716])
    assert p["W1"].shape == (4, 5) and p["W2"].shape == (3, 4)
    close(p["b1"], np.zeros((4, 1)))
    close(p["b2"], np.zeros((3, 1)))


def test_linear_forward(ref):
    Z, cache = ref["linear_forward"](*tc.linear_forward_test_case())
    close(Z, [[3.26295337, -1.23429987]])


def test_linear_activation_forward(ref):
    args = tc.linear_activation_forward_test_case()
    close(ref["linear_activation_forward"](*args, "sigmoid")[0], [[0.96890023, 0.11013289]])
    close(ref["linear_activation_forward"](*args, "relu")[0], [[3.43896131, 0.]])


def test_L_model_forward(ref):
    AL, caches = ref["L_model_forward"](*tc.L_model_forward_test_case())
    close(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]])
    assert len(caches) == 3


def test_compute_cost(ref):
    assert abs(float(ref["compute_cost"](*tc.compute_cost_test_case())) - 0.2797765635793422) < 1e-15


def test_linear_backward(ref):
    dA_prev, dW, db = ref["linear_backward"](*tc.linear_backward_test_case())
    close(dA_prev, [[0.51822968, -0.19517421], [-0.40506361, 0.15255393], [2.37496825, -0.89445391]])
    close(dW, [[-0.10076895, 1.40685096, 1.64992505]])
    close(db, [[0.50629448]])


def test_linear_activation_backward(ref):
    dA, cache = tc.linear_activation_backward_test_case()
    dA_prev, dW, db = ref["linear_activation_backward"](dA, cache, "sigmoid")
    close(dA_prev, [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]])
    close(dW, [[0.10266786, 0.09778551, -0.01968084]])
    close(db, [[-0.05729622]])
    dA_prev, dW, db = ref["linear_activation_backward"](dA, cache, "relu")
    close(dA_prev, [[0.44090989, 0.], [0.37883606, 0.], [-0.2298228, 0.]])
    close(dW, [[0.44513824, 0.37371418, -0.10478989]])
    close(db, [[-0.20837892]])


def test_L_model_backward(ref):
    g = ref["L_model_backward"](*tc.L_model_backward_test_case())
    close(g["dW1"], [[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0., 0., 0., 0.],
                     [0.05283652, 0.01005865, 0.01777766, 0.0135308]])
    close(g["db1"], [[-0.22007063], [0.], [-0.02835349]])
    close(g["dA1"], [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]])
    close(g["dA0"], [[0., 0.52257901], [0., -0.3269206], [0., -0.32070404], [0., -0.74079187]])
    close(g["dW2"], [[-0.39202432, -0.13325855, -0.04601089]])
    close(g["db2"], [[0.15187861]])
    assert sorted(g) == ["dA0", "dA1", "dW1", "dW2", "db1", "db2"]


def test_update_parameters(ref):
    params, grads, lr = tc.update_parameters_test_case()
    before = copy.deepcopy(params)
    p = ref["update_parameters"](params, grads, lr)
    close(p["W1"], [[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
                    [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
                    [-1.0535704, -0.86128581, 0.68284052, 2.20374577]])
    close(p["b1"], [[-0.04659241], [-1.28888275], [0.53405496]])
    close(p["W2"], [[-0.55569196, 0.0354055, 1.32964895]])
    close(p["b2"], [[-0.84610769]])
    for k in before:  # the reference leaves the caller's dictionary as it was
        np.testing.assert_array_equal(params[k], before[k])
