"""The application's reference solution reproduces the spec's canonical figures on the real data.

The real files live outside the project (../shared/data/catvnoncat/ on the team's machines) and
are read there, never copied in; without them these checks are skipped. Each model trains for
the full 2500 iterations (about a minute of CPU each), hence `slow`; CI runs them.
"""
import contextlib
import io
import os
import re

import numpy as np
import pytest

from conftest import SHARED_DATA
from dnn_utils.catdata import load_data
from dnnkit import notebook
from dnnkit.judging.judge import Judge

REAL_DATA = os.path.join(SHARED_DATA, "catvnoncat")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.path.isdir(REAL_DATA),
                                 reason=f"the real cat files are not at {REAL_DATA}")]

# /work/shared/spec/application.md, "Canonical figures on the real data".
SPEC = {
    "two_layer_model": {
        "layers_dims": (12288, 7, 1),
        "costs": {0: 0.693049735659989, 100: 0.6464320953428849,
                  2400: 0.04855478562877021, 2499: 0.04421498215868956},
        "train_accuracy": 0.9999999999999998, "test_accuracy": 0.72},
    "L_layer_model": {
        "layers_dims": [12288, 20, 7, 5, 1],
        "costs": {0: 0.7717493284237686, 100: 0.6720534400822914,
                  2400: 0.09287821526472397, 2499: 0.08843994344170202},
        "train_accuracy": 0.9856459330143539, "test_accuracy": 0.8,
        "mislabeled_test": [5, 11, 13, 19, 28, 29, 34, 38, 44, 45]},
}


@pytest.fixture(scope="module")
def ref(root):
    path = notebook.source_notebook_path(root, "application", "Deep_Neural_Network_Application")
    return Judge("application", notebook.read(path)).reference


@pytest.fixture(scope="module")
def data():
    train_x_orig, train_y, test_x_orig, test_y, classes = load_data(REAL_DATA)
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50) and classes.tolist() == [b"non-cat", b"cat"]
    assert (int(train_y.sum()), int(test_y.sum())) == (72, 33)
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255.
    assert train_x.shape == (12288, 209) and test_x.shape == (12288, 50)
    return train_x, train_y, test_x, test_y


def printed(function, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = function(*args, **kwargs)
    return value, out.getvalue()


@pytest.mark.parametrize("model", list(SPEC))
def test_reference_reproduces_the_canonical_figures(ref, data, model):
    spec = SPEC[model]
    train_x, train_y, test_x, test_y = data
    (parameters, costs), text = printed(ref[model], train_x, train_y, spec["layers_dims"],
                                        num_iterations=2500, print_cost=True)
    shown = {int(i): float(c) for i, c in re.findall(r"^Cost after iteration (\d+): (\S+)$", text, re.M)}
    assert list(shown) == list(range(0, 2500, 100)) + [2499]
    assert len(costs) == 25   # recorded at 0, 100, ..., 2400
    assert [float(c) for c in costs] == [shown[i] for i in range(0, 2500, 100)]
    for i, value in spec["costs"].items():
        assert shown[i] == pytest.approx(value, rel=1e-12, abs=0), (model, i)

    for x, y, key in ((train_x, train_y, "train_accuracy"), (test_x, test_y, "test_accuracy")):
        predictions, text = printed(ref["predict"], x, y, parameters)
        accuracy = float(re.fullmatch(r"Accuracy: (\S+)\n", text).group(1))
        assert accuracy == pytest.approx(spec[key], rel=1e-12, abs=0), (model, key)
        assert predictions.shape == y.shape and set(np.unique(predictions)) <= {0, 1}
    if "mislabeled_test" in spec:
        assert np.flatnonzero(predictions[0] != test_y[0]).tolist() == spec["mislabeled_test"]
