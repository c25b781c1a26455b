"""Issue-level self-checks of one assignment, through nbgrader itself.

Each tests/test_<assignment>_course.py names its assignment: `A` (the id), `NB` (the notebook's
name) and `FUNCTIONS` (how many graded functions, 10 points each), then imports these checks,
which read those names from the module that runs them.
"""
import filecmp
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from dnnkit import assignments, notebook
from dnnkit.staff import course as course_mod, expected, submissions

__all__ = ["assignment", "nb_name", "n_functions", "source_path", "release_path",
           "test_source_notebook_passes_every_test",
           "test_release_fails_every_graded_test_and_nothing_else",
           "test_release_leaks_no_solution_or_hidden_test",
           "test_release_keeps_code_here_markers_and_hints",
           "test_release_scaffolds_have_the_solutions_shape",
           "test_expected_outputs_are_what_the_reference_prints",
           "test_expected_json_is_generated_from_the_reference",
           "test_release_is_what_nbgrader_generates_today",
           "test_autograde_full_blank_and_one_mistake_each",
           "test_figures_are_drawn_by_the_kit_and_current"]


@pytest.fixture(scope="module")
def assignment(request):
    return request.module.A


@pytest.fixture(scope="module")
def nb_name(request):
    return request.module.NB


@pytest.fixture(scope="module")
def n_functions(request):
    return request.module.FUNCTIONS


@pytest.fixture(scope="module")
def source_path(root, assignment, nb_name):
    return notebook.source_notebook_path(root, assignment, nb_name)


@pytest.fixture(scope="module")
def release_path(root, assignment, nb_name):
    return os.path.join(root, "release", assignment, nb_name + ".ipynb")


def validate(path):
    from nbgrader.validator import Validator
    return Validator().validate(path)


def test_source_notebook_passes_every_test(source_path):
    result = validate(source_path)
    assert result == {}, result  # the Validator's result, not a CLI exit code


def test_release_fails_every_graded_test_and_nothing_else(release_path, source_path, n_functions):
    nb = notebook.read(release_path)
    NotebookClient(nb, timeout=300, allow_errors=True,
                   resources={"metadata": {"path": os.path.dirname(release_path)}}).execute()
    failed_tests, other_errors = [], []
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if notebook.is_test_cell(cell):
            if errors:
                failed_tests.append(notebook.nbgrader_meta(cell)["grade_id"])
                # what the student sees of a failed public test, in the notebook and in the
                # Validate dialog (which shows the traceback only): the ✗ lines and no traceback
                # into the harness (PublicTestFailed._render_traceback_)
                assert errors[0].ename == "PublicTestFailed", errors[0]
                shown = "\n".join(errors[0].traceback)
                assert "public_tests" not in shown and "Traceback" not in shown
                assert shown.count("\n✗ ") >= 1 and shown.split("\n")[1].startswith("✗ ")
        elif errors:
            other_errors.append((cell.source[:60], errors[0].evalue))
    assert other_errors == []
    source = notebook.read(source_path)
    assert failed_tests == ["test_" + f for f in notebook.graded_functions(source)]
    assert len(failed_tests) == n_functions


def _solution_lines(nb):
    lines = set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.split("\n"):
            if "### BEGIN SOLUTION" in line or "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END SOLUTION" in line or "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip() and not re.fullmatch(r"for .+ in .+:", line.strip()):
                lines.add(line.strip())   # (a loop's header is part of the scaffold, as in the original)
    return lines


def test_release_leaks_no_solution_or_hidden_test(root, source_path, assignment):
    secret = _solution_lines(notebook.read(source_path))
    assert len(secret) > 30
    for folder, _, files in os.walk(os.path.join(root, "release", assignment)):
        for name in files:
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            if name.endswith(".ipynb"):
                text = "\n".join(c.source for c in nbformat.reads(text, 4).cells)
            found = [line for line in secret if line in text]
            assert found == [], f"{name} contains solution or hidden-test lines: {found[:3]}"


def test_release_keeps_code_here_markers_and_hints(release_path, source_path, n_functions):
    release = notebook.read(release_path)
    src = notebook.read(source_path)
    for kind in ("### START CODE HERE ###", "### END CODE HERE ###"):
        assert sum(c.source.count(kind) for c in release.cells) == \
            sum(c.source.count(kind) for c in src.cells) >= n_functions
    hints = re.findall(r"### START CODE HERE ### \(≈ \d+ lines? of code\)",
                       "\n".join(c.source for c in release.cells if c.cell_type == "code"))
    assert len(hints) == sum(c.source.count("### START CODE HERE ###") for c in release.cells
                             if c.cell_type == "code")
    assert all(not c.get("outputs") for c in release.cells if c.cell_type == "code")


def _regions(source):
    """The lines between each START CODE HERE and END CODE HERE of a cell."""
    found, inside = [], None
    for line in source.split("\n"):
        if "### START CODE HERE ###" in line:
            inside = []
        elif "### END CODE HERE ###" in line and inside is not None:
            found.append([l for l in inside if l.strip() and "SOLUTION" not in l])
            inside = None
        elif inside is not None:
            inside.append(line)
    return found


PLACEHOLDER = re.compile(r"\s*(pass|for .+ in .+:|[\w\[\]\"' +\-()., ]+ = None(, None)*|[\w.\[\]]+\.\w+\((None(, None)*)?\))$")


def test_release_scaffolds_have_the_solutions_shape(release_path, source_path):
    """Each region of the release shows the solution's lines as placeholders of the same shape
    (`grads["dA" + str(L - 1)] = None`, `caches.append(None)`), `pass` only where the solution
    assigns nothing, and no right-hand side of the solution."""
    release = {notebook.graded_name(c): c.source for c in notebook.read(release_path).cells if notebook.graded_name(c)}
    for cell in notebook.read(source_path).cells:
        name = notebook.graded_name(cell)
        if not name:
            continue
        for solved, shown in zip(_regions(cell.source), _regions(release[name])):
            assert all(PLACEHOLDER.match(line) for line in shown), (name, shown)
            assigns = sum(bool(re.match(r"\s*[\w\[\]\"' +\-()., ]+ (=|-=|\+=) ", l)) for l in solved)
            assert assigns == 0 or not any(l.strip() == "pass" for l in shown), (name, shown)


def test_expected_outputs_are_what_the_reference_prints(source_path, n_functions):
    nb = notebook.read(source_path)
    regenerated = expected.with_expected_blocks(nb, expected.printed_outputs(source_path))
    blocks = [c.source for c in nb.cells if c.metadata.get("dnnkit", {}).get("expected_output_of")]
    assert len(blocks) == n_functions
    assert [c.source for c in regenerated.cells] == [c.source for c in nb.cells]


def test_expected_json_is_generated_from_the_reference(source_path, assignment):
    data = expected.expected_json(assignment, notebook.read(source_path))
    with open(expected.expected_path(assignment)) as f:
        assert expected.dumps(data) == f.read()


def test_release_is_what_nbgrader_generates_today(course, root, assignment):
    import shutil
    shutil.rmtree(os.path.join(course, "release"))
    course_mod.nbgrader(course, "generate_assignment", assignment, "--force")
    mine_dir = os.path.join(root, "release", assignment)
    fresh_dir = os.path.join(course, "release", assignment)
    cmp = filecmp.dircmp(mine_dir, fresh_dir, ignore=["__pycache__"])

    def differences(c):
        found = c.left_only + c.right_only + c.diff_files + c.funny_files
        for sub in c.subdirs.values():
            found += differences(sub)
        return found
    assert differences(cmp) == []
    for folder, _, files in os.walk(mine_dir):
        for name in files:  # dircmp compares shallowly; compare the bytes too
            if "__pycache__" in folder:
                continue
            mine = os.path.join(folder, name)
            fresh = os.path.join(fresh_dir, os.path.relpath(mine, mine_dir))
            assert open(mine, "rb").read() == open(fresh, "rb").read(), mine


def test_autograde_full_blank_and_one_mistake_each(course, assignment, nb_name, n_functions):
    course_mod.nbgrader(course, "generate_assignment", assignment, "--force")  # fills the gradebook
    spec = assignments.load(assignment)
    release_nb = notebook.read(os.path.join(course, "release", assignment, nb_name + ".ipynb"))
    source_nb = notebook.read(notebook.source_notebook_path(course, assignment, nb_name))
    functions = notebook.graded_functions(source_nb)
    submissions.write(course, assignment, "complete",
                      submissions.make(release_nb, source_nb, functions))
    submissions.write(course, assignment, "blank", release_nb)
    first = {}
    for m in spec.mistakes:
        first.setdefault(m.function, m)
    assert set(first) == set(functions)
    for name, mistake in first.items():
        submissions.write(course, assignment, "one_" + name,
                          submissions.make(release_nb, source_nb, functions, [mistake]))
    course_mod.nbgrader(course, "autograde", assignment, "--force")
    table = course_mod.scores(course, assignment)
    assert table["complete"] == {"test_" + f: 10 for f in functions}
    assert table["blank"] == {"test_" + f: 0 for f in functions}
    for name in functions:
        row = table["one_" + name]
        assert {k for k, v in row.items() if v != 10} == {"test_" + name}, (name, row)
        assert sum(row.values()) == 10 * (n_functions - 1)


IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def test_figures_are_drawn_by_the_kit_and_current(root, assignment, source_path, release_path):
    """The notebook's figures are what dnnkit.staff.figures draws today, byte for byte (whatever
    the caller's matplotlib style), in source/ and in release/; every image a markdown cell shows
    is one of them, has an alt text and exists; every drawn figure is shown."""
    import matplotlib
    from dnnkit.staff import figures
    drawn = figures.drawn(assignment)
    assert drawn, f"no figures for {assignment}"
    with matplotlib.rc_context({"font.size": 30, "svg.fonttype": "none", "lines.linewidth": 4}):
        assert figures.drawn(assignment) == drawn   # the style of the caller changes nothing
    for where in ("source", "release"):
        folder = figures.images_dir(root, assignment, where)
        assert sorted(os.listdir(folder)) == sorted(drawn), \
            f"{where}/{assignment}/images/ is not what the kit draws: run `dnnkit release {assignment}`"
        for name, data in drawn.items():
            with open(os.path.join(folder, name), "rb") as f:
                assert f.read() == data, \
                    f"{where}/{assignment}/images/{name} is stale: run `dnnkit release {assignment}`"
    for path in (source_path, release_path):
        shown = []
        for cell in notebook.read(path).cells:
            if cell.cell_type == "markdown":
                shown += IMAGE.findall(cell.source)
        assert all(alt.strip() for alt, _ in shown), shown
        targets = [target for _, target in shown]
        assert sorted(targets) == sorted("images/" + name for name in drawn), (path, targets)
        for target in targets:
            assert os.path.isfile(os.path.join(os.path.dirname(path), target)), target
