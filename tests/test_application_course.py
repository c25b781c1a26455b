"""Issue-level self-checks of "Deep Neural Network: Application", through nbgrader itself.

The checks every assignment gets are in tests/course_checks.py; below, two of them adapted to
this assignment, then its own: the data set it ships, the grading catalogue of the two models,
and the full-data training (cut short under the autograder, complete as students run it).
"""
import os
import re
import shutil
import time

import h5py
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import course_checks
from conftest import SHARED_DATA
from course_checks import *  # noqa: F401,F403 (collected here, run for the assignment below)
from dnn_utils import catdata
from dnnkit.staff import datasets
from dnnkit import assignments, notebook
from dnnkit.staff import course as course_mod, submissions
from dnnkit.judging.judge import Case, Judge

A = "application"
NB = "Deep_Neural_Network_Application"
FUNCTIONS = 2  # graded functions, 10 points each

REAL_DATA = os.path.join(SHARED_DATA, "catvnoncat")


# ---------------------------------------------------------------------------------------------
# Shared checks, adapted

def test_release_leaks_no_solution_or_hidden_test(root, source_path):
    """As in course_checks, with this assignment's smaller number of solution lines."""
    secret = course_checks._solution_lines(notebook.read(source_path))
    assert len(secret) > 12
    for folder, _, files in os.walk(os.path.join(root, "release", A)):
        for name in files:
            if name.endswith(".h5"):
                continue
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            if name.endswith(".ipynb"):
                text = "\n".join(c.source for c in nbformat.reads(text, 4).cells)
            found = [line for line in secret if line in text]
            assert found == [], f"{name} contains solution or hidden-test lines: {found[:3]}"


def test_expected_outputs_are_what_the_reference_prints(source_path, n_functions, monkeypatch):
    # The Expected output blocks come from the fixture cells only; cutting the full-data
    # training (as under nbgrader) saves two minutes and changes none of them.
    monkeypatch.setenv("NBGRADER_EXECUTION", "expected")
    course_checks.test_expected_outputs_are_what_the_reference_prints(source_path, n_functions)


# ---------------------------------------------------------------------------------------------
# The data set the kit ships

def _h5_contents(path):
    with h5py.File(path, "r") as f:
        return {key: (f[key].dtype, f[key].shape, f[key][()]) for key in f}


@pytest.mark.parametrize("where", ["source", "release"])
def test_shipped_data_is_the_standin_the_generator_makes(root, tmp_path, where):
    datasets.make_standin_dataset(tmp_path)
    for name in catdata.SCHEMA:
        shipped = _h5_contents(os.path.join(root, where, A, "datasets", name))
        fresh = _h5_contents(tmp_path / name)
        assert list(shipped) == list(fresh), name
        for key, (dtype, shape, values) in fresh.items():
            assert shipped[key][:2] == (dtype, shape), (name, key)
            np.testing.assert_array_equal(shipped[key][2], values, err_msg=f"{name}: {key}")
    catdata.load_data(os.path.join(root, where, A, "datasets"))   # and it passes the checks


@pytest.mark.skipif(not os.path.isdir(REAL_DATA), reason="the real cat files are not on this machine")
def test_repository_holds_no_copy_of_the_real_files(root):
    real = {name: _h5_contents(os.path.join(REAL_DATA, name)) for name in catdata.SCHEMA}
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".venv", ".git", "submitted", "autograded", "feedback")]
        found += [os.path.join(folder, f) for f in files if f.endswith(".h5")]
    assert sorted(os.path.relpath(p, root) for p in found) == sorted(
        os.path.join(w, A, "datasets", n) for w in ("source", "release") for n in catdata.SCHEMA)
    for path in found:
        name = os.path.basename(path)
        x_key = catdata.SCHEMA[name][0]
        assert not np.array_equal(_h5_contents(path)[x_key][2], real[name][x_key][2]), path


def test_data_command_installs_the_standin_or_checked_real_files(tmp_path, monkeypatch):
    from dnnkit.staff import cli
    monkeypatch.setenv("DNNKIT_ROOT", str(tmp_path))   # a scratch course, not this repository
    monkeypatch.setenv("PATH", os.environ["PATH"])
    dest = tmp_path / "source" / A / "datasets"
    cli.main(["data", "standin"])
    standin = {name: (dest / name).read_bytes() for name in catdata.SCHEMA}
    catdata.load_data(dest)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "train_catvnoncat.h5").write_bytes(b"not an HDF5 file")
    with pytest.raises(SystemExit, match="train_catvnoncat.h5: not a readable HDF5 file"):
        cli.main(["data", "real", "--from", str(tmp_path / "bad")])
    with pytest.raises(SystemExit, match="--from"):
        cli.main(["data", "real"])
    assert {name: (dest / name).read_bytes() for name in catdata.SCHEMA} == standin  # untouched
    if os.path.isdir(REAL_DATA):
        try:
            cli.main(["data", "real", "--from", REAL_DATA])
            for name in catdata.SCHEMA:
                with open(os.path.join(REAL_DATA, name), "rb") as f:
                    assert (dest / name).read_bytes() == f.read()
        finally:   # the real files never stay anywhere but where they came from
            for name in catdata.SCHEMA:
                (dest / name).unlink(missing_ok=True)


def test_only_the_application_ships_its_helpers(root):
    """dnn_app_utils holds Step-by-Step solutions: no other assignment may link or release it."""
    for assignment in course_mod.ASSIGNMENTS:
        for area in ("source", "release"):
            path = os.path.join(root, area, assignment, "dnn_utils", "dnn_app_utils.py")
            assert os.path.exists(path) == (assignment == A), path
    for name in ("__init__.py", "catdata.py", "dnn_app_utils.py"):
        link = os.path.join(root, "source", A, "dnn_utils", name)
        assert os.readlink(link) == os.path.join("..", "..", "..", "dnn_utils", name)


# ---------------------------------------------------------------------------------------------
# The grading catalogue: every known mistake loses the points and is named, every accepted
# style gets them (graded here in-process, on the judge's hidden cases)

@pytest.fixture(scope="module")
def judge(source_path):
    return Judge(A, notebook.read(source_path))


def _verdicts(judge, variant, seeds=(0, 1)):
    verdicts = []
    function = judge.mutant(variant)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        cases = [Case(*c) for c in judge.spec.hidden_cases[variant.function](rng, judge.reference)]
        with np.errstate(all="ignore"):   # results as the judge reads them from a student's process
            results = [judge.run_reference(function, case) for case in cases]
            verdicts.append(judge.verdict(variant.function, cases, results))
    return verdicts


def test_every_mistake_fails_the_hidden_tests_and_is_named(judge):
    spec = assignments.load(A)
    assert {m.function for m in spec.mistakes} == {"two_layer_model", "L_layer_model"}
    assert len(spec.mistakes) >= 14
    for mistake in spec.mistakes:
        for verdict in _verdicts(judge, mistake):
            assert not verdict.passed, mistake.key
            assert verdict.mistake == mistake.key, (mistake.function, mistake.key, verdict.message)


def test_every_accepted_style_passes(judge):
    spec = assignments.load(A)
    assert {s.function for s in spec.styles} == {"two_layer_model", "L_layer_model"}
    for style in spec.styles:
        for verdict in _verdicts(judge, style):
            assert verdict.passed, (style.function, style.key, verdict.message)


def test_hidden_cases_are_small(judge):
    """Grading trains on tiny data sets for a few hundred iterations, never on the pictures."""
    for name in ("two_layer_model", "L_layer_model"):
        cases = [Case(*c) for c in judge.spec.hidden_cases[name](np.random.default_rng(0), judge.reference)]
        assert len(cases) >= 4 and min(c.kwargs["num_iterations"] for c in cases) == 1
        assert sum(c.kwargs["num_iterations"] for c in cases) <= 1000
        assert all(c.args[0].size <= 100 for c in cases)
        assert any(c.args[0].shape[1] == 1 for c in cases)


# ---------------------------------------------------------------------------------------------
# Training on the full data: cut short under the autograder, complete as students run it

def _printed(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")


def _training_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and "num_iterations=num_iterations" in c.source]


def test_autograde_cuts_the_full_data_training_short(course):
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    release_nb = notebook.read(os.path.join(course, "release", A, NB + ".ipynb"))
    source_nb = notebook.read(notebook.source_notebook_path(course, A, NB))
    functions = notebook.graded_functions(source_nb)
    submissions.write(course, A, "complete", submissions.make(release_nb, source_nb, functions))
    started = time.monotonic()
    course_mod.nbgrader(course, "autograde", A, "--force")
    print(f"\nautograding one {A} submission took {time.monotonic() - started:.1f} s")
    assert course_mod.scores(course, A)["complete"] == {"test_" + f: 10 for f in functions}
    graded = notebook.read(os.path.join(course, "autograded", "complete", A, NB + ".ipynb"))
    training = _training_cells(graded)
    assert len(training) == 2
    for cell in training:
        assert re.findall(r"Cost after iteration (\d+):", _printed(cell)) == ["0", "4"]


@pytest.mark.slow
def test_source_notebook_runs_as_students_run_it(root, tmp_path, monkeypatch):
    """Top to bottom without the autograder's cut: 2500 iterations per model on the shipped
    data, the cost going down, then a picture of the student's own in the last section."""
    import matplotlib.pyplot as plt
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    folder = tmp_path / A
    shutil.copytree(os.path.join(root, "source", A), folder, symlinks=False)
    picture = np.zeros((90, 120, 3))
    picture[20:70, 30:90] = [0.9, 0.6, 0.2]
    plt.imsave(folder / "my_image.jpg", picture)
    nb = notebook.read(str(folder / (NB + ".ipynb")))
    NotebookClient(nb, timeout=1800, resources={"metadata": {"path": str(folder)}}).execute()
    for cell in _training_cells(nb):
        found = re.findall(r"Cost after iteration (\d+): (\S+)", _printed(cell))
        assert [int(i) for i, _ in found] == list(range(0, 2500, 100)) + [2499]
        costs = [float(c) for _, c in found]
        assert costs[-1] < costs[0] / 2
    own = [c for c in nb.cells if c.cell_type == "code" and "my_image" in c.source]
    assert len(own) == 1 and "your L-layer model predicts a" in _printed(own[0])
