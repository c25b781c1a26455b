"""The spec's canonical values of "Planar data classification with one hidden layer", through the
reference solution taken from the source notebook; and the figures of the solved release."""
import base64
import contextlib
import io
import os

import numpy as np
import pytest

from dnn_utils.planar import load_planar_dataset
from dnnkit import notebook
from dnnkit.judging.judge import Judge
from testCases import planar as tc

NB = "Planar_data_classification_with_one_hidden_layer"


@pytest.fixture(scope="module")
def ref(root):
    return Judge("planar", notebook.read(notebook.source_notebook_path(root, "planar", NB))).reference


@pytest.fixture(scope="module")
def flower():
    return load_planar_dataset()


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-8)


def accuracy(ref, parameters, X, Y):
    """Percent of the points predict() labels right (exact: integer count over 400)."""
    return 100 * np.sum(ref["predict"](parameters, X) == Y) / Y.size


def test_layer_sizes(ref):
    assert ref["layer_sizes"](*tc.layer_sizes_test_case()) == (5, 4, 2)


def test_initialize_parameters_after_seed_2(ref):
    np.random.seed(2)
    p = ref["initialize_parameters"](*tc.initialize_parameters_test_case())
    close(p["W1"], [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
                    [-0.01793436, -0.00841747], [0.00502881, -0.01245288]])
    close(p["W2"], [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]])
    assert p["b1"].shape == (4, 1) and p["b2"].shape == (1, 1)
    assert not p["b1"].any() and not p["b2"].any()


def test_initialize_parameters_draws_from_the_callers_seed(ref):
    np.random.seed(5)
    first = ref["initialize_parameters"](2, 4, 1)["W1"]
    second = ref["initialize_parameters"](2, 4, 1)["W1"]  # no seed inside: new draws
    assert not np.allclose(first, second)


def test_compute_cost(ref):
    cost = ref["compute_cost"](*tc.compute_cost_test_case())
    assert type(cost) is float
    assert abs(cost - 0.22944289410146546) < 1e-15


def test_flower_printed_costs_and_accuracy(ref, flower):
    X, Y = flower
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        parameters = ref["nn_model"](X, Y, 4, num_iterations=10000, print_cost=True)
    lines = printed.getvalue().splitlines()
    # Exact up to iteration 6000; later ones drift across numpy builds (spec).
    assert lines[:7] == ["Cost after iteration %d: %s" % (1000 * i, c) for i, c in enumerate(
        ["0.693162", "0.258625", "0.239334", "0.230802", "0.225528", "0.221845", "0.219094"])]
    assert [line.split(":")[0] for line in lines] == \
        ["Cost after iteration %d" % i for i in range(0, 10000, 1000)]
    assert accuracy(ref, parameters, X, Y) >= 90


@pytest.mark.slow
def test_hidden_layer_sweep(ref, flower):
    X, Y = flower
    accuracies = [accuracy(ref, ref["nn_model"](X, Y, n_h, num_iterations=5000), X, Y)
                  for n_h in (1, 2, 3, 4, 5)]
    assert accuracies == [67.5, 67.25, 90.75, 90.5, 91.25]


@pytest.mark.slow
def test_solved_release_draws_every_figure(root, monkeypatch):
    """Run the release with every exercise solved, as a student would (inline backend, full
    training), and keep its figures in test-output/planar/ for a look."""
    from nbclient import NotebookClient

    from dnnkit.staff import submissions
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # the students' full runs
    folder = os.path.join(root, "release", "planar")
    release = notebook.read(os.path.join(folder, NB + ".ipynb"))
    source = notebook.read(notebook.source_notebook_path(root, "planar", NB))
    nb = submissions.make(release, source, notebook.graded_functions(source))
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": folder}}).execute()

    names = ["flower", "logistic_regression", "trained_n_h_4"] + \
            ["sweep_n_h_%d" % n for n in range(1, 6)] + ["extra_datasets"]
    images, text = [], ""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                images.append(base64.b64decode(output["data"]["image/png"]))
            text += output.get("text", "")
    assert len(images) == len(names)
    out = os.path.join(root, "test-output", "planar")
    os.makedirs(out, exist_ok=True)
    import matplotlib.image as mpimg
    for i, (name, png) in enumerate(zip(names, images), start=1):
        path = os.path.join(out, "%02d_%s.png" % (i, name))
        with open(path, "wb") as f:
            f.write(png)
        pixels = mpimg.imread(path)[..., :3]
        assert pixels.shape[0] > 200 and pixels.shape[1] > 200, name
        coloured = np.mean(pixels.min(axis=-1) < 0.95)  # not background white
        if "n_h" in name or "logistic" in name:  # a boundary fills the plotting area
            assert coloured > 0.4, name
        else:  # a scatter leaves it mostly white
            assert 0.02 < coloured < 0.5, name
    # The notebook's own prints: the baseline, the trained network and the sweep (spec values).
    assert "Accuracy of logistic regression: 47 %" in text
    assert "Cost after iteration 6000: 0.219094" in text
    for n_h, value in zip(range(1, 6), ["67.5", "67.25", "90.75", "90.5", "91.25"]):
        assert "Accuracy for %d hidden units: %s %%" % (n_h, value) in text
