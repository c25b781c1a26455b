"""dnn_utils.dnn_app_utils: the building blocks the application assignment gives students.

They must behave exactly like the Step-by-Step reference solution (taken from its source
notebook, as the judge takes it), except initialize_parameters_deep, which follows the
application's own rule; the helpers print, plot and load what the notebook shows.
"""
import contextlib
import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dnn_utils import dnn_app_utils as app  # noqa: E402
from dnnkit import notebook  # noqa: E402
from dnnkit.judging.judge import Judge  # noqa: E402


@pytest.fixture(scope="module")
def sbs(root):
    path = notebook.source_notebook_path(root, "step_by_step",
                                         "Building_your_Deep_Neural_Network_Step_by_Step")
    return Judge("step_by_step", notebook.read(path)).reference


@pytest.fixture
def figures(monkeypatch):
    """Plots stay open (plt.show does nothing) so a test can look at them."""
    plt.close("all")
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    yield
    plt.close("all")


def same(a, b):
    """Equal structure, and arrays equal to the last bits (1e-13 relative)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b)
        for k in a:
            same(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)


NETWORKS = [[5, 4, 3, 1], [3, 1], [7, 6, 1], [4, 8, 5, 3, 1]]


def network(rng, dims, m):
    params = {}
    for l in range(1, len(dims)):
        params["W" + str(l)] = rng.standard_normal((dims[l], dims[l - 1]))
        params["b" + str(l)] = rng.standard_normal((dims[l], 1))
    return rng.standard_normal((dims[0], m)), params


@pytest.mark.parametrize("seed", range(4))
def test_building_blocks_behave_like_the_step_by_step_reference(sbs, seed):
    rng = np.random.default_rng(seed)
    n = rng.standard_normal
    for dims in NETWORKS:
        for m in (1, 6):
            X, params = network(rng, dims, m)
            Y = (rng.uniform(size=(1, m)) > 0.5).astype(int)
            for f in ("L_model_forward",):
                same(app.L_model_forward(X, params), sbs[f](X, params))
            AL, caches = sbs["L_model_forward"](X, params)
            same(app.compute_cost(AL, Y), sbs["compute_cost"](AL, Y))
            same(app.L_model_backward(AL, Y, caches), sbs["L_model_backward"](AL, Y, caches))
            grads = {"d" + k: n(v.shape) for k, v in params.items()}
            before = {k: v.copy() for k, v in params.items()}
            same(app.update_parameters(params, grads, 0.3), sbs["update_parameters"](params, grads, 0.3))
            same(params, before)  # both leave the caller's dictionary alone
    for a, b, m in [(3, 1, 2), (1, 1, 1), (4, 7, 3)]:
        A, W, bias, dZ, Z = n((a, m)), n((b, a)), n((b, 1)), n((b, m)), n((b, m))
        same(app.linear_forward(A, W, bias), sbs["linear_forward"](A, W, bias))
        same(app.linear_backward(dZ, (A, W, bias)), sbs["linear_backward"](dZ, (A, W, bias)))
        for act in ("sigmoid", "relu"):
            same(app.linear_activation_forward(A, W, bias, act),
                 sbs["linear_activation_forward"](A, W, bias, act))
            same(app.linear_activation_backward(dZ, ((A, W, bias), Z), act),
                 sbs["linear_activation_backward"](dZ, ((A, W, bias), Z), act))
    for dims in [(3, 2, 1), (12, 7, 1), (1, 1, 1)]:
        np.random.seed(seed)  # the seed inside must win over the caller's state
        same(app.initialize_parameters(*dims), sbs["initialize_parameters"](*dims))


def test_initialize_parameters_deep_is_the_applications_own(sbs):
    dims = [6, 5, 3, 1]
    np.random.seed(99)
    params = app.initialize_parameters_deep(dims)
    np.random.seed(1)
    for l in range(1, len(dims)):
        W = np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        np.testing.assert_array_equal(params["W" + str(l)], W)
        np.testing.assert_array_equal(params["b" + str(l)], np.zeros((dims[l], 1)))
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    step_by_step = sbs["initialize_parameters_deep"](dims)   # seed 3, * 0.01: not this one
    assert not np.allclose(params["W1"], step_by_step["W1"])


def run(function, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = function(*args)
    return value, out.getvalue()


def test_predict_thresholds_above_one_half_and_prints_the_accuracy():
    # One sigmoid unit reading the first feature: probability = sigmoid(x0).
    params = {"W1": np.array([[1.0, 0.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[2.0, -1.0, 0.0, 3.0], [5.0, 5.0, 5.0, 5.0]])   # x0 = 0 gives exactly 0.5
    y = np.array([[1, 1, 0, 0]])
    p, printed = run(app.predict, X, y, params)
    assert p.shape == (1, 4) and p.tolist() == [[1, 0, 0, 1]]
    assert printed == "Accuracy: 0.5\n"
    # The course's figures sum (p == y) / m: 209 right out of 209 prints 0.9999999999999998.
    X = np.ones((2, 209))
    _, printed = run(app.predict, X, np.ones((1, 209), dtype=int), params)
    assert printed == "Accuracy: 0.9999999999999998\n"


def test_predict_and_plots_explain_a_model_that_is_not_done_yet(figures):
    p, printed = run(app.predict, np.ones((3, 2)), np.ones((1, 2)), None)
    assert p is None and "complete the model above" in printed
    _, printed = run(app.plot_costs, [None, None], 0.0075)
    assert "complete the model above" in printed and not plt.get_fignums()
    _, printed = run(app.print_mislabeled_images, np.array([b"non-cat", b"cat"]),
                     np.ones((12, 2)), np.ones((1, 2)), None)
    assert "complete the model above" in printed and not plt.get_fignums()


def test_plot_costs_draws_the_recorded_costs(figures):
    costs = [np.array(0.7), np.array(0.5), np.array(0.3)]
    app.plot_costs(costs, 0.0075)
    ax = plt.gcf().axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.7, 0.5, 0.3])
    assert "0.0075" in ax.get_title() and "hundreds" in ax.get_xlabel()


def test_print_mislabeled_images_shows_each_wrong_picture_with_both_labels(figures):
    classes = np.array([b"non-cat", b"cat"])
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(64 * 64 * 3, 8))
    y = np.array([[1, 0, 1, 1, 0, 0, 1, 0]])
    p = np.array([[1, 1, 0, 1, 0, 1, 1, 0]])
    _, printed = run(app.print_mislabeled_images, classes, X, y, p, 25, 2)
    assert "indices [1, 2, 5]" in printed
    ax = plt.gcf().axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["#1 Prediction: cat\nClass: non-cat", "#2 Prediction: non-cat\nClass: cat",
                      "#5 Prediction: cat\nClass: non-cat"]
    grid = ax.images[0].get_array()
    for text, index in zip(ax.texts, (1, 2, 5)):   # each picture right below its labels
        x, y_top = text.get_position()
        left, top = int(x - 32), int(y_top + 2)
        np.testing.assert_array_equal(grid[top:top + 64, left:left + 64], X[:, index].reshape(64, 64, 3))
    _, printed = run(app.print_mislabeled_images, classes, X, y, y)
    assert "0 mislabeled" in printed and len(plt.get_fignums()) == 1


def test_load_image_gives_a_picture_like_the_data_sets(tmp_path):
    picture = np.zeros((100, 80, 4))        # RGBA: left half red, right half blue
    picture[..., 3] = 1
    picture[:, :40, 0] = 1
    picture[:, 40:, 2] = 1
    plt.imsave(tmp_path / "mine.png", picture)
    image = app.load_image(tmp_path / "mine.png", 64)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert (image[:, :32] == [255, 0, 0]).all() and (image[:, 32:] == [0, 0, 255]).all()
    plt.imsave(tmp_path / "mine.jpg", np.full((30, 50, 3), 0.5))   # JPG through Pillow
    image = app.load_image(tmp_path / "mine.jpg", 64)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert np.abs(image.astype(int) - 128).max() <= 2
