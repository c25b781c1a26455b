"""Issue-level self-checks of the Planar assignment, through nbgrader itself (the checks,
shared by every assignment, are in tests/course_checks.py)."""
from course_checks import *  # noqa: F401,F403 (collected here, run for the assignment below)

A = "planar"
NB = "Planar_data_classification_with_one_hidden_layer"
FUNCTIONS = 8  # graded functions, 10 points each


def test_the_original_courses_sigmoid_and_its_unpacking_mistake(course):
    """Planar's sigmoid returns the activation alone, as in the original course (`A2 =
    sigmoid(Z2)`, the reference, earns full marks); unpacking two values from it, the Step by
    Step habit, costs forward_propagation alone and is named."""
    import os
    import nbformat
    from dnnkit import assignments, notebook
    from dnnkit.staff import course as course_mod, submissions
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    release_nb = notebook.read(os.path.join(course, "release", A, NB + ".ipynb"))
    source_nb = notebook.read(notebook.source_notebook_path(course, A, NB))
    functions = notebook.graded_functions(source_nb)
    unpacked = next(m for m in assignments.load(A).mistakes if m.key == "sigmoid_unpacked")
    submissions.write(course, A, "textbook", submissions.make(release_nb, source_nb, functions))
    submissions.write(course, A, "unpacks", submissions.make(release_nb, source_nb, functions, [unpacked]))
    course_mod.nbgrader(course, "autograde", A, "--force")
    table = course_mod.scores(course, A)
    assert table["textbook"] == {"test_" + f: 10 for f in functions}
    assert {k for k, v in table["unpacks"].items() if v != 10} == {"test_forward_propagation"}
    graded = nbformat.read(os.path.join(course, "autograded", "unpacks", A, NB + ".ipynb"), as_version=4)
    verdict = next(c.metadata["dnnkit"] for c in graded.cells
                   if c.metadata.get("nbgrader", {}).get("grade_id") == "test_forward_propagation")
    assert "returns the activation alone" in verdict["message"], verdict


def test_documented_arguments_are_judged_too(course):
    """An nn_model that never computes the cost returns the right parameters, but fails with
    print_cost=True in the student's own notebook: the judge calls it that way too."""
    import os
    import nbformat
    from dnnkit import assignments, notebook
    from dnnkit.staff import course as course_mod, submissions
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    release_nb = notebook.read(os.path.join(course, "release", A, NB + ".ipynb"))
    source_nb = notebook.read(notebook.source_notebook_path(course, A, NB))
    functions = notebook.graded_functions(source_nb)
    silent = next(m for m in assignments.load(A).mistakes if m.key == "cost_never_computed")
    submissions.write(course, A, "no_cost", submissions.make(release_nb, source_nb, functions, [silent]))
    course_mod.nbgrader(course, "autograde", A, "--force")
    row = course_mod.scores(course, A)["no_cost"]
    assert {k for k, v in row.items() if v != 10} == {"test_nn_model"}, row
    graded = nbformat.read(os.path.join(course, "autograded", "no_cost", A, NB + ".ipynb"), as_version=4)
    verdict = next(c.metadata["dnnkit"] for c in graded.cells
                   if c.metadata.get("nbgrader", {}).get("grade_id") == "test_nn_model")
    assert "print_cost=True" in verdict["message"], verdict
