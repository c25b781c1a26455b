"""Helpers of "Deep Neural Network: Application": the Step-by-Step building blocks, ready made.

Students wrote these functions in the Step-by-Step assignment; here they get working versions
so the application notebook can focus on putting them together. They behave exactly like the
Step-by-Step reference solution (a test checks it), with one deliberate difference:
``initialize_parameters_deep`` scales the weights by ``1 / sqrt(n[l-1])`` instead of ``0.01``
(and seeds with 1), which lets a deep network on 12288 inputs start learning at once.

Also here: ``load_data`` (the cat / non-cat images), ``predict``, ``plot_costs``,
``print_mislabeled_images`` and ``load_image`` (a picture of your own, for the last section).

This file holds Step-by-Step solutions: only the application assignment ships it.
"""
import copy

import numpy as np

from dnn_utils import relu, relu_backward, sigmoid, sigmoid_backward

# matplotlib and h5py are imported by the functions that need them: the grader imports this
# module (through the notebook's `from dnn_utils.dnn_app_utils import *`) for every graded
# function it runs, and never plots or reads the data set.

__all__ = [
    "sigmoid", "relu", "sigmoid_backward", "relu_backward", "load_data",
    "initialize_parameters", "initialize_parameters_deep",
    "linear_forward", "linear_activation_forward", "L_model_forward", "compute_cost",
    "linear_backward", "linear_activation_backward", "L_model_backward", "update_parameters",
    "predict", "plot_costs", "print_mislabeled_images", "load_image",
]


def load_data(directory="datasets"):
    """The cat / non-cat pictures: train_x_orig, train_y, test_x_orig, test_y, classes.

    Images (m, 64, 64, 3) uint8, labels (1, m), classes [b'non-cat', b'cat']; read from
    `directory` and checked by dnn_utils.catdata.load_data (a clear error names a missing,
    truncated or wrong file).
    """
    from dnn_utils import catdata
    return catdata.load_data(directory)


# ---------------------------------------------------------------------------------------------
# Initialisation

def initialize_parameters(n_x, n_h, n_y):
    """Parameters of a 2-layer network: W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).

    Weights are small random numbers (randn * 0.01, after np.random.seed(1)); biases are zero.
    """
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def initialize_parameters_deep(layer_dims):
    """Parameters of an L-layer network: Wl (layer_dims[l], layer_dims[l-1]), bl (layer_dims[l], 1).

    Unlike Step by Step (seed 3, weights * 0.01) this version seeds with 1 and divides the
    weights by sqrt(layer_dims[l-1]): with 12288 inputs, weights of 0.01 would make every Z
    nearly zero and the network would hardly learn.
    """
    np.random.seed(1)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = (np.random.randn(layer_dims[l], layer_dims[l - 1])
                                    / np.sqrt(layer_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


# ---------------------------------------------------------------------------------------------
# Forward propagation

def linear_forward(A, W, b):
    """Z = W·A + b; the cache is (A, W, b)."""
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    """One LINEAR -> ACTIVATION layer ("sigmoid" or "relu"); cache = (linear_cache, Z)."""
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        A, activation_cache = relu(Z)
    else:
        raise ValueError(f'activation must be "sigmoid" or "relu", not {activation!r}')
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID; returns AL and the list of L caches."""
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)],
                                             activation="relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)],
                                          activation="sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    """Cross-entropy cost, a 0-d value: -1/m Σ [y log(a) + (1 - y) log(1 - a)]."""
    m = Y.shape[1]
    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return np.squeeze(cost)


# ---------------------------------------------------------------------------------------------
# Backward propagation

def linear_backward(dZ, cache):
    """dA_prev = Wᵀ·dZ, dW = (1/m) dZ·A_prevᵀ, db = (1/m) Σ_columns dZ."""
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """One LINEAR -> ACTIVATION layer backwards: dZ = dA * g'(Z), then linear_backward."""
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    else:
        raise ValueError(f'activation must be "sigmoid" or "relu", not {activation!r}')
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    """Gradients of the cost: grads["dA" + str(l)] for l = 0 ... L-1 and
    grads["dW" + str(l)], grads["db" + str(l)] for l = 1 ... L."""
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], activation="sigmoid")
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = dA_prev, dW, db
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l],
                                                     activation="relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


def update_parameters(params, grads, learning_rate):
    """One step of gradient descent on a copy of params: W = W - α dW, b = b - α db."""
    parameters = copy.deepcopy(params)
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
    return parameters


# ---------------------------------------------------------------------------------------------
# Using a trained model

NOT_TRAINED = "No {what} yet: complete the model above and run its training cell first."


def predict(X, y, parameters):
    """Predict the labels of X (1 = cat when the output is above 0.5) and print the accuracy.

    Arguments:
    X -- data, (n_x, m)
    y -- true labels, (1, m)
    parameters -- the parameters of a trained model (2-layer or L-layer)

    Returns:
    p -- predictions, a (1, m) array of 0 and 1
    """
    if parameters is None:   # the model's exercise is not done yet
        print(NOT_TRAINED.format(what="parameters"))
        return None
    m = X.shape[1]
    probas, _ = L_model_forward(X, parameters)
    p = (probas > 0.5).astype(int)
    # Summing (p == y) / m, not computing sum / m, keeps the course's usual figures
    # (e.g. 0.9999999999999998 for 209 out of 209).
    print("Accuracy: " + str(np.sum((p == y) / m)))
    return p


def plot_costs(costs, learning_rate=0.0075):
    """Plot the costs recorded every 100 iterations."""
    if not len(costs) or any(c is None for c in costs):
        print(NOT_TRAINED.format(what="costs"))
        return
    import matplotlib.pyplot as plt
    plt.figure()
    plt.plot(np.squeeze(costs))
    plt.ylabel("cost")
    plt.xlabel("iterations (per hundreds)")
    plt.title("Learning rate = " + str(learning_rate))
    plt.show()


def print_mislabeled_images(classes, X, y, p, max_images=25, columns=5):
    """Show the images whose prediction p differs from the label y, with both labels.

    classes -- the class names (b'non-cat', b'cat'); X -- flattened images (n_x, m), scaled to
    [0, 1] or not; y, p -- labels and predictions, (1, m). Shows at most max_images of them.
    """
    if p is None:
        print(NOT_TRAINED.format(what="predictions"))
        return
    p, y = np.asarray(p).astype(int), np.asarray(y).astype(int)
    mislabeled = [int(i) for i in np.flatnonzero(p[0] != y[0])]
    print(f"{len(mislabeled)} mislabeled image(s) out of {y.shape[1]}: indices {mislabeled}")
    shown = mislabeled[:max_images]
    if not shown:
        return
    import matplotlib.pyplot as plt
    # One picture holding all the images (one matplotlib axes for all: many subplots are slow
    # to draw), each with its labels in the strip above it.
    side = int(round(np.sqrt(X.shape[0] / 3)))
    scale = 255. if X.max() > 1 else 1.
    gap, strip = 4, 26                       # pixels between images, and above each for labels
    rows, width, height = -(-len(shown) // columns), side + gap, side + strip
    grid = np.ones((rows * height, columns * width - gap, 3))
    plt.figure(figsize=(1.9 * columns, 1.9 * rows * height / width))
    for k, index in enumerate(shown):
        top, left = (k // columns) * height + strip, (k % columns) * width
        grid[top:top + side, left:left + side] = X[:, index].reshape((side, side, 3)) / scale
        plt.text(left + side / 2, top - 2,
                 f"#{index} Prediction: {classes[p[0, index]].decode('utf-8')}\n"
                 f"Class: {classes[y[0, index]].decode('utf-8')}",
                 ha="center", va="bottom", fontsize=8)
    plt.imshow(grid, interpolation="nearest")
    plt.axis("off")
    plt.show()


def load_image(path, num_px=64):
    """A picture file (PNG, or JPG) as a (num_px, num_px, 3) uint8 array like the data set's.

    Read with matplotlib (JPG through Pillow, which matplotlib uses); resized by picking the
    nearest pixel, with numpy only.
    """
    import matplotlib.pyplot as plt
    image = plt.imread(path)
    if image.dtype.kind == "f":          # PNG: floats in [0, 1]
        image = np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
    if image.ndim == 2:                  # greyscale: repeat into three channels
        image = np.stack([image] * 3, axis=-1)
    image = image[:, :, :3]              # drop an alpha channel
    rows = (np.arange(num_px) + 0.5) * image.shape[0] / num_px
    cols = (np.arange(num_px) + 0.5) * image.shape[1] / num_px
    return image[rows.astype(int)][:, cols.astype(int)].astype(np.uint8)
