"""The grader is right: the catalog of known submissions (dnnkit.staff.catalog), graded by nbgrader.

- fast: the catalog covers the issue's accepted styles, mistakes and cheats; every variant
  applies; the *public* test (check() run on the student's function, in this process) passes
  every correct function and names every mistake that shows on the canonical fixture;
- slow: every submission graded through real `nbgrader autograde` (one run per assignment, the
  same code as `dnnkit accuracy`), every per-function outcome and diagnosis asserted.
"""
import contextlib
import io
import os

import pytest

from dnnkit.staff import accuracy, catalog, course
from dnnkit import assignments, notebook
from dnnkit.judging.judge import Judge
from testCases import public_tests

ASSIGNMENTS = [a for a in course.ASSIGNMENTS if catalog.entries(a)]

# The issue's named mistakes (item 5) -> the catalog students who make them.
ISSUE_MISTAKES = {
    "missing 1/m": ["m22_backward_no_1_over_m", "m23_dw_loop_no_m"],
    "sum over the wrong axis": ["m24_db_axis_0", "m25_db_axis_0_hand", "m26_db_no_axis"],
    "missing keepdims": ["m27_db_no_keepdims"],
    "W instead of W.T": ["m28_W_not_transposed"],
    "extra 1/m on dA_prev": ["m29_dA_prev_over_m", "m30_dA_prev_over_m_hand"],
    "relu/sigmoid swapped": ["m10_activations_swapped", "m11_else_sigmoid"],
    "older dA key convention": ["m35_old_keys", "m41_two_mistakes", "m43_old_course_backward"],
    "dAL sign error": ["m33_dAL_sign", "m34_dAL_sign_hand"],
    "dAL fed to every layer": ["m36_dAL_every_layer"],
    "missing return": ["m40_no_return"],
    "gradient ascent": ["m37_gradient_ascent", "m42_two_mistakes"],
    "a layer or the biases not updated": ["m38_biases_not_updated", "m39_layer_not_updated"],
    "missing minus or 1/m in the cost": ["m16_cost_no_minus", "m17_cost_no_1_over_m",
                                         "m18_cost_sums_no_mean"],
    "unsqueezed cost": ["m19_cost_unsqueezed", "m20_cost_keepdims"],
    "ReLU on the output layer": ["m12_relu_output", "m13_relu_output_positional"],
    "missing bias": ["m08_forward_no_bias"],
    "cache tuple in the wrong order": ["m09_cache_orders"],
    "transposed weight shapes": ["m03_init_transposed"],
    "non-zero initial biases": ["m01_init_nonzero_biases", "m02_init_ones_biases"],
    "wrong seed placement": ["m04_init_seed", "m06_deep_seed_in_loop"],
}
# The spec's accepted styles -> the catalog students who write them.
ACCEPTED_STYLES = {
    "in-place update_parameters with -=": ["s02_styles", "s04_shallow_copy"],
    "in-place update_parameters rebinding the keys": ["s03_in_place_rebind"],
    "compute_cost returning a 0-d array": ["s05_cost_0d_array"],
    "compute_cost returning a float": ["s06_cost_float"],
    "@, np.dot, np.matmul": ["s08_matmul", "s01_reference"],
    "else: instead of elif": ["s09_else"],
}
CHEATS = {
    "hard-coded outputs": ["c01_hard_coded_cost", "c02_hard_coded_arrays"],
    "numpy comparisons monkeypatched": ["c03_patch_numpy", "c06_patch_in_graded_cell"],
    "test helpers replaced": ["c04_patch_tests", "c06_patch_in_graded_cell"],
    "builtins and dnn_utils helpers replaced": ["c05_patch_builtins_helpers"],
    "grader objects read or patched": ["c07_gc_walk", "c08_forge_reply", "c12_read_source"],
    "locked test cell edited": ["c09_edit_test_cell"],
    "test cell deleted": ["c10_delete_test_cell"],
}


def by_student():
    return {e.student: e for e in catalog.CATALOG}


def test_catalog_is_large_and_each_entry_well_formed():
    entries = catalog.CATALOG
    assert len(entries) >= 40
    assert len({e.student for e in entries}) == len(entries)
    for e in entries:
        assert e.kind in ("style", "mistake", "diagnosed", "cheat"), e.student
        assert e.assignment in course.ASSIGNMENTS, e.student
        functions = set(notebook.graded_functions(_notebooks(e.assignment)[1]))
        assert set(e.wrong) <= functions and set(e.blank) <= set(e.wrong), e.student
        assert (e.kind == "style") == (not e.wrong), e.student
        if e.kind in ("mistake", "diagnosed"):  # realistic: one or two functions wrong, each named
            assert 1 <= len(e.wrong) <= 2 and all(e.wrong.values()), e.student


@pytest.mark.parametrize("table, kind", [(ISSUE_MISTAKES, "mistake"), (ACCEPTED_STYLES, "style"),
                                         (CHEATS, "cheat")])
def test_catalog_covers_the_issue(table, kind):
    known = by_student()
    for what, students in table.items():
        assert students, what
        for student in students:
            assert student in known and known[student].kind == kind, (what, student)


def _key(variant):
    return variant if isinstance(variant, str) else f"{variant.function}/{variant.key}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_style_and_mistake_of_the_assignment_is_in_the_catalog(assignment):
    spec = assignments.load(assignment)
    entries = catalog.entries(assignment)
    used = {_key(v) for e in entries for v in e.variants}
    assert {f"{v.function}/{v.key}" for v in spec.styles} <= used
    # each known mistake is made by a catalog student (as the mutant or in a hand-written form)
    # whose expected diagnosis is part of that mistake's message
    words = {w for e in entries for w in e.wrong.values() if w}
    unmade = [m.key for m in spec.mistakes if not any(w in m.message for w in words)]
    assert unmade == []


_NOTEBOOKS = {}


def _notebooks(assignment):
    if assignment not in _NOTEBOOKS:
        _NOTEBOOKS[assignment] = accuracy.notebooks(course.find_root(os.path.dirname(__file__)),
                                                    assignment)
    return _NOTEBOOKS[assignment]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_entry_builds_and_every_variant_applies(assignment):
    spec = assignments.load(assignment)
    release_nb, source_nb = _notebooks(assignment)
    reference = notebook.reference_cells(source_nb)
    for v in spec.mistakes + spec.styles:
        assert v.apply(reference[v.function]) != reference[v.function], v.key
    for entry in catalog.entries(assignment):
        nb = accuracy.make(entry, release_nb, source_nb)
        for name in entry.cells:
            assert notebook.student_cell(nb, name).source == entry.cells[name]


# ---------------------------------------------------------------------------------------------
# The public tests name the same mistakes (in-process, no nbgrader).

def public_check(assignment, judge, nb, name):
    """(passed, what the student sees) for check() on the function of `nb`, next to the
    reference versions of the other functions (the student's own where the judge keeps the
    student's signature of a callee: Judge.conventions)."""
    namespace = dict(judge.reference)
    source = notebook.definitions_only(notebook.student_cell(nb, name).source)
    for callee in judge.conventions(judge.stubs(name, source), nb):
        exec(compile(notebook.definitions_only(notebook.student_cell(nb, callee).source), "<student>", "exec"),
             namespace)
    exec(compile(source, "<student>", "exec"), namespace)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            public_tests.check(assignment, name, namespace[name])
            return True, out.getvalue()
        except AssertionError as error:
            return False, out.getvalue() + str(error)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_public_tests_pass_correct_functions_and_name_the_mistakes_they_show(assignment):
    release_nb, source_nb = _notebooks(assignment)
    judge = Judge(assignment, source_nb)
    shown, problems = 0, []
    for entry in catalog.entries(assignment):
        if entry.kind == "cheat":  # cheats beat the public test in the kernel; the judge decides
            continue
        nb = accuracy.make(entry, release_nb, source_nb)
        for name in notebook.graded_functions(source_nb):
            passed, text = public_check(assignment, judge, nb, name)
            if name not in entry.wrong:
                if not passed:
                    problems.append(f"{entry.student}: correct {name} failed: {text}")
            elif not passed and entry.kind == "mistake":   # it shows on the fixture: the public
                # test names it (a "diagnosed" kind is named by the judge alone)
                shown += 1
                if entry.wrong[name] not in text:
                    problems.append(f"{entry.student}: {name}: {entry.wrong[name]!r} not in {text!r}")
    assert problems == []
    made = sum(len(e.wrong) for e in catalog.entries(assignment) if e.kind == "mistake")
    assert shown >= 2 * made // 3   # most mistakes show on the canonical fixtures


# ---------------------------------------------------------------------------------------------
# Through nbgrader: the grader's verdicts on the whole catalog.

@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    outcomes = accuracy.measure(root, ASSIGNMENTS, workdir=str(tmp_path_factory.mktemp("catalog")))
    return {o.entry.student: o for o in outcomes}


def _sandboxed():
    """Whether the judge's runner confines student code (then it cannot read source/)."""
    try:
        from dnnkit.host import sandbox
        sandbox.check()
    except Exception:  # no sandbox module, or the machine lacks what it needs
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("student", [e.student for e in catalog.CATALOG])
def test_nbgrader_judges_the_submission_right(graded, student):
    outcome = graded[student]
    if outcome.entry.needs == "sandbox" and not _sandboxed():
        pytest.xfail("reading source/ from disk is stopped only by the grading sandbox")
    assert outcome.false_accepts == [], outcome.messages
    assert outcome.false_rejects == [], outcome.messages
    assert outcome.unnamed == [], {f: (outcome.entry.wrong[f], outcome.messages[f])
                                   for f in outcome.unnamed}
    assert outcome.leaks == [], {f: outcome.messages[f] for f in outcome.leaks}
    for function in outcome.entry.wrong:  # a wrong function is told why (unless its cell is gone)
        deleted = "test_" + function in outcome.entry.tests and not outcome.entry.tests["test_" + function]
        assert outcome.messages[function] or deleted, function


@pytest.mark.slow
def test_accuracy_figures(graded):
    outcomes = [o for o in graded.values() if not o.entry.needs or _sandboxed()]
    f = accuracy.figures(outcomes)
    assert f.submissions >= 40
    assert (f.false_accepts, f.false_rejects, f.leaks) == (0, 0, 0), accuracy.report(outcomes)
    assert f.named == f.diagnoses > 40
    assert f.exact == f.submissions
    text = accuracy.report(outcomes)
    assert f"submissions judged exactly right: {f.submissions} of {f.submissions}" in text
    assert "false accepts (wrong functions given points): 0 of" in text
    assert f"mistakes whose diagnosis was named: {f.named} of {f.named} (100%)" in text
