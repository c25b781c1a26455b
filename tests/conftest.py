import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
sys.path.insert(0, ROOT)


@pytest.fixture(scope="session")
def root():
    return ROOT

def copy_course(dest):
    """A scratch copy of the course directory (no working areas, no gradebook)."""
    from dnnkit.staff.course import copy_course as copy
    return copy(ROOT, dest)


def grade_exit_code(output):
    """The exit code `dnnkit grade` owes for the run its output describes: 1 when its summary
    line ("step_by_step: 9 submissions: 7 graded, 2 fault (...)") counts a fault, else 0."""
    import re
    faults = re.findall(r"^\S+: \d+ submissions?: .*?(\d+) fault", output, re.M)
    assert faults, f"no summary line in:\n{output[-3000:]}"
    return 1 if int(faults[-1]) else 0


@pytest.fixture
def course(tmp_path):
    return copy_course(tmp_path / "course")


# Two extra 1-point test cells with *real* hidden tests (code run in the kernel, unlike the judged
# test_<name> cells), so the graded course also has tracebacks that quote hidden-test code.
EXTRA_TESTS = {
    "extra_hidden_fails": 'print("extra check of initialize_parameters")\n'
                          '### BEGIN HIDDEN TESTS\n'
                          'extra = initialize_parameters(7, 3, 1)  # hidden input n_x=7, n_h=3\n'
                          'assert extra["W1"] is not None, "hidden shapes (3, 7) expected"\n'
                          '### END HIDDEN TESTS',
    "extra_public_fails": 'params = initialize_parameters(2, 2, 1)\n'
                          'assert params["W1"] is not None, "fill in initialize_parameters first"\n'
                          '### BEGIN HIDDEN TESTS\n'
                          'assert initialize_parameters(9, 4, 1)["b1"].shape == (4, 1)  # hidden 9, 4\n'
                          '### END HIDDEN TESTS',
}


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """A scratch Step-by-Step course graded once per session by `nbgrader autograde`:
    ada_complete, ben_blank, eli_linear_backward (a named mistake), gus_fault (graded, then given
    the grading_status.json `dnnkit grade` writes for a fault), hana_late (submitted after
    grading) and ivan_absent (on the roster only); the source has the EXTRA_TESTS cells."""
    import nbformat
    from dnnkit import assignments, notebook
    from dnnkit.outcome import STATUS_FILE, Fault, Outcome
    from dnnkit.staff import course as course_mod, submissions
    a, name = "step_by_step", "Building_your_Deep_Neural_Network_Step_by_Step"
    path = copy_course(tmp_path_factory.mktemp("graded") / "course")
    source_path = notebook.source_notebook_path(path, a, name)
    source = notebook.read(source_path)
    first_test = next(i for i, c in enumerate(source.cells) if notebook.is_test_cell(c))
    for offset, (grade_id, code) in enumerate(EXTRA_TESTS.items(), 1):
        cell = nbformat.v4.new_code_cell(code)
        cell.metadata.update({"deletable": False, "editable": False, "nbgrader": {
            "grade": True, "grade_id": grade_id, "locked": True, "points": 1,
            "schema_version": 3, "solution": False, "task": False}})
        source.cells.insert(first_test + offset, cell)
    nbformat.write(source, source_path)
    course_mod.nbgrader(path, "generate_assignment", a, "--force")
    release = notebook.read(submissions.release_notebook_path(path, a))
    functions = notebook.graded_functions(source)
    mistake = next(m for m in assignments.load(a).mistakes
                   if (m.function, m.key) == ("linear_backward", "missing_1_over_m"))
    for student, nb in {"ada_complete": submissions.make(release, source, functions),
                        "ben_blank": release,
                        "eli_linear_backward": submissions.make(release, source, functions, [mistake]),
                        "gus_fault": submissions.make(release, source, functions)}.items():
        submissions.write(path, a, student, nb)
    course_mod.nbgrader(path, "autograde", a, "--force")
    fault = Outcome("fault", "the kernel died (memory cap)", "0" * 64,
                    [Fault("L_model_backward", "killed over the 2 GiB memory cap", stops=True)], 1.5)
    fault.write(os.path.join(path, "autograded", "gus_fault", a, STATUS_FILE))
    from dnnkit.staff import results   # and in the gradebook, as `dnnkit grade` records it
    results.record_outcome(path, a, "gus_fault", fault)
    submissions.write(path, a, "hana_late", release)
    course_mod.nbgrader(path, "db", "student", "add", "ivan_absent")
    return path


@pytest.fixture(scope="session")
def planar_feedback(tmp_path_factory):
    """A scratch planar course graded by `dnnkit grade`, with feedback generated, for three
    students (issue 14): ada_full ran the whole notebook herself before submitting (full
    trainings, so her submission has their outputs), eli_mistake has the first demo mistake and
    no outputs, ben_blank submitted the untouched release."""
    from nbclient import NotebookClient
    from dnnkit import assignments, notebook
    from dnnkit.staff import course as course_mod, submissions
    a = "planar"
    path = copy_course(tmp_path_factory.mktemp("planar_feedback") / "course")
    course_mod.nbgrader(path, "generate_assignment", a, "--force")
    release_path = submissions.release_notebook_path(path, a)
    release = notebook.read(release_path)
    name = os.path.splitext(os.path.basename(release_path))[0]
    source = notebook.read(notebook.source_notebook_path(path, a, name))
    functions = notebook.graded_functions(source)
    full = submissions.make(release, source, functions)
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}   # as students run it
    NotebookClient(full, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(release_path)}}).execute(env=env)
    spec = assignments.load(a)
    mistake = [m for m in spec.mistakes if f"{m.function}/{m.key}" == spec.demo_mistakes[0]]
    for student, nb in {"ada_full": full, "ben_blank": release,
                        "eli_mistake": submissions.make(release, source, functions, mistake)}.items():
        submissions.write(path, a, student, nb)
    from dnnkit.batch import engine
    import io
    engine.grade(path, a, out=io.StringIO())
    course_mod.nbgrader(path, "generate_feedback", a, "--force")
    return path
