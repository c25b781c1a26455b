"""Stage tests of one submission's sanitize step in `dnnkit grade` (dnnkit.batch.grading), in
this process: nbgrader's own repairs, and the notes the grader keeps of them, without a run.

Each case is the released Step-by-Step notebook with one thing a student might do to it, named
by what must come of it.
"""
import copy
import inspect
import os
import textwrap

import nbformat
import pytest

from dnnkit.outcome import Fault, Outcome

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from dnnkit.batch import engine, grading
    from dnnkit.staff import course as course_mod
    root = course_mod.copy_course(ROOT, str(tmp_path_factory.mktemp("stage") / "course"))
    course_mod.nbgrader(root, "generate_assignment", A, "--force")
    config, coursedir = engine.load_config(root)
    return grading.snapshot(config, coursedir, A)


def graded_test_cell(nb, function="linear_forward"):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_" + function)


def edit_test_cell(nb):
    graded_test_cell(nb, "linear_forward").source += "\nprint('mine')"


def change_points(nb):
    graded_test_cell(nb, "linear_forward").metadata.nbgrader.points = 1000


def make_it_markdown(nb):
    graded_test_cell(nb, "linear_forward").cell_type = "markdown"
    del graded_test_cell(nb, "linear_forward")["outputs"], graded_test_cell(nb, "linear_forward")["execution_count"]


def unlock(nb):   # nbgrader counts a test cell locked whatever its flag says: nothing to note
    graded_test_cell(nb, "linear_forward").metadata.nbgrader.locked = False


def delete_test_cell(nb):
    nb.cells.remove(graded_test_cell(nb, "linear_forward"))


def duplicate_test_cell(nb):
    cell = graded_test_cell(nb, "linear_forward")
    nb.cells.insert(nb.cells.index(cell), copy.deepcopy(cell))


def invent_a_grade_id(nb):   # (plain nbgrader raises KeyError on it and grades nothing)
    graded_test_cell(nb, "linear_forward").metadata.nbgrader.grade_id = "test_my_own"


CASES = {   # the student's change: the notes it must leave
    "edited_test_cell_is_restored_and_noted": (edit_test_cell, ["locked cell edited"]),
    "changed_points_are_reset_and_noted": (change_points, ["points changed to 1000: nbgrader reset them to"]),
    "a_test_cell_made_markdown_is_code_again": (make_it_markdown, ["cell turned into markdown"]),
    "an_unlocked_test_cell_is_still_graded_as_locked": (unlock, []),
    "a_deleted_test_cell_is_restored_and_noted": (delete_test_cell, ["test cell deleted"]),
    "a_duplicated_test_cell_is_ignored_and_noted": (duplicate_test_cell, ["cell duplicated"]),
    "an_invented_grade_id_is_ignored_and_noted": (invent_a_grade_id, ["unknown grade id", "test cell deleted"]),
}


def sanitized(snapshot, change):
    from dnnkit.batch import grading
    nb = nbformat.read(os.path.join(ROOT, "release", A, NB + ".ipynb"), as_version=4)
    if change:
        change(nb)
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    sanitize, _ = grading.pipeline_steps(copy.deepcopy(snapshot.config))
    resources = grading.notebook_resources(snapshot, grading.Definition(snapshot), "ada", NB, "/nowhere")
    nb, resources = grading._run(sanitize, nb, resources)
    return nb, resources["dnnkit"].notes


def test_an_untouched_notebook_leaves_no_note(snapshot):
    assert sanitized(snapshot, None)[1] == []


@pytest.mark.parametrize("case", CASES)
def test_each_repair_is_made_and_noted_once(snapshot, case):
    change, words = CASES[case]
    nb, notes = sanitized(snapshot, change)
    assert len(notes) == len(words), notes
    for note, text in zip(sorted(notes, key=lambda n: n.why), sorted(words)):
        assert isinstance(note, Fault) and not note.stops and text in note.why, notes
    restored = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                == "test_linear_forward"]   # nbgrader's repair itself: the source's cell, once
    source = graded_test_cell(nbformat.reads(snapshot.source_notebooks[NB], as_version=4))
    assert len(restored) == 1, case
    if "test cell deleted" not in words:   # a restored cell starts with nbgrader's notice
        assert (restored[0].cell_type, restored[0].source) == (source.cell_type, source.source), case
    assert float(restored[0]["metadata"]["nbgrader"]["points"]) == float(source.metadata.nbgrader.points)


def test_the_snapshot_adapter_restates_nbgraders_overwrite_cells():
    """OverwriteCellsFromSnapshot repeats nbgrader's OverwriteCells.preprocess but for where the
    source cells come from. If nbgrader's body changes (an upgrade), this fails first: then
    update the adapter to the new body, and this text."""
    from nbgrader.preprocessors import OverwriteCells
    body = textwrap.dedent(inspect.getsource(OverwriteCells.preprocess)).split('"""')[-1] \
        if '"""' in inspect.getsource(OverwriteCells.preprocess) else \
        textwrap.dedent(inspect.getsource(OverwriteCells.preprocess))
    statements = [line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert statements[1:] == [
        "self.notebook_id = resources['nbgrader']['notebook']",
        "self.assignment_id = resources['nbgrader']['assignment']",
        "self.db_url = resources['nbgrader']['db_url']",
        "self.gradebook = Gradebook(self.db_url)",
        "with self.gradebook:",
        "nb, resources = super(OverwriteCells, self).preprocess(nb, resources)",
        "if self.add_missing_cells:",
        "nb, resources = self.add_missing_grade_cells(nb, resources)",
        "nb, resources = self.add_missing_task_cells(nb, resources)",
        "return nb, resources",
    ], statements


def test_a_test_cell_no_longer_marked_graded_is_graded_again_and_noted(snapshot):
    """(plain nbgrader raises "Inconsistent checksums" on it and grades nothing of the notebook)"""
    def ungrade(nb):
        graded_test_cell(nb).metadata.nbgrader.grade = False
    nb, notes = sanitized(snapshot, ungrade)
    assert [n.why for n in notes] == ["grade or solution flag changed: restored from the source"], notes
    cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_linear_forward"]
    assert len(cells) == 1 and cells[0]["metadata"]["nbgrader"]["grade"] is True


@pytest.mark.parametrize("grade_id", [5, True, ["test_linear_forward"], {"id": 1}])
def test_a_grade_id_nbgrader_never_made_costs_nothing(snapshot, grade_id):
    """Metadata a student can write on any cell: no crash of the grader's own step (the
    notebook would score 0), and every note it leaves reads back from the status file."""
    def odd(nb):
        nb.cells[0].metadata["nbgrader"] = {"grade_id": grade_id, "grade": False, "solution": False,
                                            "locked": False, "schema_version": 3}
    _, notes = sanitized(snapshot, odd)
    assert Outcome.from_json(Outcome("graded", "", "0" * 64, notes).to_json()) is not None, notes
