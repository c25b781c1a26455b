"""Helpers for "Planar data classification with one hidden layer".

Data (the flower and four extra 2-D datasets), the two plots students expect, and a tiny numpy
logistic-regression baseline so the notebook needs no scikit-learn. Arrays follow the course
convention: X is (n_features, m) with one column per example, Y is (1, m).
"""
import numpy as np


__all__ = [
    "load_planar_dataset",
    "load_extra_datasets",
    "plot_decision_boundary",
    "plot_dataset",
    "train_logistic_regression",
    "predict_logistic",
]


def load_planar_dataset():
    """The 2-class "flower": returns X (2, 400) float64 and Y (1, 400) uint8.

    Follows the spec to the letter: the checks it pins (X[:, :3], X.sum()) depend on the global
    legacy generator, the seed, and the order of the random draws below.
    """
    np.random.seed(1)
    m = 400  # number of examples
    N = int(m / 2)  # points per class
    D = 2  # dimensionality
    a = 4  # maximum ray of the flower
    X = np.zeros((m, D))  # one row per example; transposed on return
    Y = np.zeros((m, 1), dtype="uint8")  # labels (0 for red, 1 for blue)

    for j in range(2):
        ix = range(N * j, N * (j + 1))
        # The angle noise must be drawn before the radius noise: swapping them changes the data.
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + np.random.randn(N) * 0.2  # radius, from the noisy angle
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j

    return X.T, Y.T


# ---------------------------------------------------------------------------------------------
# Extra datasets, numpy-only stand-ins for scikit-learn's make_circles / make_moons / make_blobs /
# make_gaussian_quantiles (the kit does not depend on scikit-learn). Each uses its own seeded
# Generator, so loading them is deterministic and never disturbs the global legacy seed that the
# graded functions rely on.
# ---------------------------------------------------------------------------------------------

def _noisy_circles(rng, n, factor=0.5, noise=0.3):
    """Two concentric circles (outer label 0, inner label 1) plus Gaussian noise."""
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    pts = np.r_[np.c_[np.cos(t_out), np.sin(t_out)],
                factor * np.c_[np.cos(t_in), np.sin(t_in)]]
    labels = np.r_[np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)]
    pts = pts + rng.normal(scale=noise, size=pts.shape)
    return pts, labels


def _noisy_moons(rng, n, noise=0.2):
    """Two interleaving half circles plus Gaussian noise."""
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    pts = np.r_[np.c_[np.cos(t_out), np.sin(t_out)],
                np.c_[1 - np.cos(t_in), 0.5 - np.sin(t_in)]]
    labels = np.r_[np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)]
    pts = pts + rng.normal(scale=noise, size=pts.shape)
    return pts, labels


def _blobs(rng, n, n_centers=6, radius=6.0, std=1.0):
    """Gaussian blobs centred on a regular hexagon, labels alternating around it, so each class
    is three separate clusters (like the original course's ``make_blobs(...) % 2``). The centres
    are fixed rather than random so the blobs never merge, whatever the seed."""
    angles = 2 * np.pi * np.arange(n_centers) / n_centers
    centers = radius * np.c_[np.cos(angles), np.sin(angles)]
    which = np.arange(n) % n_centers  # equal-sized blobs
    pts = centers[which] + rng.normal(scale=std, size=(n, 2))
    return pts, which % 2


def _gaussian_quantiles(rng, n, cov=0.5):
    """One isotropic Gaussian cloud split at the median radius: inner half label 0, outer 1."""
    pts = rng.normal(scale=np.sqrt(cov), size=(n, 2))
    radius2 = (pts ** 2).sum(axis=1)
    # Rank by radius rather than thresholding, so the two classes have exactly n/2 points each.
    labels = np.zeros(n, dtype=int)
    labels[np.argsort(radius2)[n // 2:]] = 1
    return pts, labels


def load_extra_datasets(n=200, seed=0):
    """Four more 2-class datasets to try the network on.

    Returns a dict name -> (X, Y) with X (2, n) float64 and Y (1, n) int of 0/1, for
    "noisy_circles", "noisy_moons", "blobs" and "gaussian_quantiles". Same arguments, same data.
    """
    makers = {
        "noisy_circles": _noisy_circles,
        "noisy_moons": _noisy_moons,
        "blobs": _blobs,
        "gaussian_quantiles": _gaussian_quantiles,
    }
    datasets = {}
    for k, (name, make) in enumerate(makers.items()):
        # One generator per dataset, so adding or changing one does not change the others.
        rng = np.random.default_rng([seed, k])
        pts, labels = make(rng, n)
        perm = rng.permutation(n)  # shuffle so the classes are not in two contiguous runs
        datasets[name] = (pts[perm].T, labels[perm].reshape(1, n))
    return datasets


# ---------------------------------------------------------------------------------------------
# Plots. pyplot is imported inside the functions so that loading the data never needs a GUI
# backend; the caller (notebook or test) chooses the backend.
# ---------------------------------------------------------------------------------------------

def _get_ax(ax):
    import matplotlib.pyplot as plt
    return plt.gca() if ax is None else ax


def plot_decision_boundary(model, X, y, ax=None, title=None):
    """Shade the regions ``model`` assigns to each class, then scatter the data over them.

    ``model`` takes an (k, 2) array whose rows are grid points and returns k predictions in any
    shape (e.g. ``lambda x: predict(parameters, x.T)``). ``X`` is (2, m); ``y`` is (1, m) or
    (m,). Returns the Axes.
    """
    import matplotlib.pyplot as plt
    ax = _get_ax(ax)
    # Grid covering the data with a margin of 1 on every side, step 0.01.
    x_min, x_max = X[0, :].min() - 1, X[0, :].max() + 1
    y_min, y_max = X[1, :].min() - 1, X[1, :].max() + 1
    h = 0.01
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    # The model may return booleans of shape (1, k); contourf needs floats on the grid's shape.
    Z = np.asarray(model(np.c_[xx.ravel(), yy.ravel()]), dtype=float).reshape(xx.shape)
    ax.contourf(xx, yy, Z, cmap=plt.cm.Spectral)
    # Flatten the labels so (1, m) and (m,) behave the same on every matplotlib version.
    ax.scatter(X[0, :], X[1, :], c=np.ravel(y), cmap=plt.cm.Spectral, s=40, edgecolors="k",
               linewidths=0.3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_dataset(X, Y, ax=None, title=None):
    """Scatter a 2-D dataset, one colour per class (red 0, blue 1 on the Spectral map)."""
    import matplotlib.pyplot as plt
    ax = _get_ax(ax)
    ax.scatter(X[0, :], X[1, :], c=np.ravel(Y), cmap=plt.cm.Spectral, s=40, edgecolors="k",
               linewidths=0.3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title is not None:
        ax.set_title(title)
    return ax


def sigmoid(x):
    """The sigmoid 1 / (1 + exp(-x)), elementwise: the activation alone, as in the original
    planar assignment (Step by Step's dnn_utils.sigmoid also returns its cache, Z)."""
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------------------------
# Logistic-regression baseline: shows that a straight line cannot split the flower (~47 %).
# ---------------------------------------------------------------------------------------------

def predict_logistic(params, X):
    """0/1 predictions of shape (1, m) for X of shape (n_x, m)."""
    A = sigmoid(np.dot(params["w"].T, X) + params["b"])
    return (A > 0.5).astype(int)


def train_logistic_regression(X, Y, num_iterations=1000, learning_rate=0.5):
    """Fit logistic regression by plain batch gradient descent on the cross-entropy.

    X is (n_x, m), Y is (1, m). Starts from zero weights, so the result is deterministic and
    does not touch any random state. Returns a predict function X -> (1, m) array of 0/1; the
    learned parameters are available as its ``params`` attribute (dict with "w", "b").
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).reshape(1, -1)  # uint8 labels would wrap in A - Y
    n_x, m = X.shape
    w = np.zeros((n_x, 1))
    b = 0.0
    for _ in range(num_iterations):
        A = sigmoid(np.dot(w.T, X) + b)
        dZ = A - Y  # gradient of the mean cross-entropy w.r.t. the logits (times m)
        w -= learning_rate * np.dot(X, dZ.T) / m
        b -= learning_rate * np.sum(dZ) / m
    params = {"w": w, "b": b}

    def predict(X_new):
        return predict_logistic(params, X_new)

    predict.params = params
    return predict
