"""Stage tests of the typed outcome (dnnkit.outcome) and of the code that reads it: no grading run.

What a student controls (a notebook's metadata, a file named like the status file) must never
read as the grader's record; two faults at one place are two faults; feedback and exports say
what the record says, once.
"""
import json
import os

import nbformat
import pytest

from dnnkit.outcome import FAULT_KINDS, STATUS_FILE, Fault, Outcome, Verdict, function_of, grade_id_of

FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")


def verdict(**changes):
    return dict(Verdict("sigmoid", False, "sigmoid: the wrong sign", 5, "sign", "", 2 ** 63 + 5).to_json(),
                **changes)


def test_a_verdict_reads_back_as_written():
    v = Verdict("sigmoid", False, "sigmoid: the wrong sign", 5, "sign", "", 2 ** 63 + 5)
    assert Verdict.from_json(json.loads(json.dumps(v.to_json()))) == v
    for fault in FAULT_KINDS:   # every kind the judge writes (tests/test_judge_robustness: each)
        v = Verdict("relu", False, "relu: ...", 3, fault=fault)
        assert Verdict.from_json(v.to_json()) == v


@pytest.mark.parametrize("forged", [
    verdict(passed=1), verdict(passed="yes"), verdict(cases=5.0), verdict(cases=True),
    verdict(fault="lucky"), verdict(message=None), verdict(function=""), verdict(function=["x"]),
    verdict(seed="not hex"), verdict(seed=7), {k: v for k, v in verdict().items() if k != "passed"},
    "passed", None, [],
], ids=lambda v: json.dumps(v)[:40])
def test_anything_but_a_verdict_the_judge_wrote_reads_as_none(forged):
    assert Verdict.from_json(forged) is None


def test_a_verdict_counts_only_on_its_own_functions_test_cell():
    cell = nbformat.v4.new_code_cell("", metadata={
        "nbgrader": {"grade_id": grade_id_of("relu"), "grade": True, "points": 5},
        "dnnkit": Verdict("sigmoid", True, cases=5).to_json()})
    assert Verdict.of_cell(cell) is None
    cell.metadata.nbgrader.grade_id = "test_sigmoid"
    assert Verdict.of_cell(cell) == Verdict("sigmoid", True, cases=5)
    assert function_of("test_sigmoid") == "sigmoid" and function_of("cell-3") == "cell-3"


def test_an_outcome_reads_back_as_written(tmp_path):
    outcome = Outcome("fault", "test_L_model_forward: took longer than 60 s", "ab" * 32,
                      [Fault("test_L_model_forward", "locked cell edited: nbgrader restored it"),
                       Fault("test_L_model_forward", "took longer than 60 s", stops=True)],
                      4.5, {"cells": 4.0, "judge": 0.5}, "key")
    outcome.write(tmp_path / STATUS_FILE)
    assert Outcome.read(tmp_path / STATUS_FILE) == outcome


@pytest.mark.parametrize("name", sorted(os.listdir(os.path.join(FILES, "status"))))
def test_a_status_file_the_grader_did_not_write_reads_as_none(name):
    """tests/files/status/: files a student could submit under the status file's name (plain
    nbgrader copies them) or that an older kit wrote; each named by what is wrong with it."""
    assert Outcome.read(os.path.join(FILES, "status", name)) is None


def test_a_status_file_of_the_kit_before_is_still_read():
    """tests/files/older_kit_status.json: faults as {where: why}, as the kit wrote them before
    the typed outcome (read, so exports and feedback keep their reasons until a regrade)."""
    outcome = Outcome.read(os.path.join(FILES, "older_kit_status.json"))
    assert outcome.status == "graded" and outcome.faults == [Fault("sigmoid", "not defined", stops=False)]


def test_links_folders_and_huge_files_are_not_status_files(tmp_path):
    good = tmp_path / "good.json"
    Outcome("graded", "", "0" * 64).write(good)
    assert Outcome.read(good) is not None
    os.symlink(good, tmp_path / "link.json")
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "huge.json").write_text(json.dumps(dict(Outcome("graded", "", "0" * 64).to_json(),
                                                        reason="x" * (2 << 20))))
    for name in ("link.json", "folder.json", "huge.json", "absent.json"):
        assert Outcome.read(tmp_path / name) is None, name


def test_two_faults_at_one_cell_are_both_kept_and_the_status_follows_the_serious_one():
    """The case that once raised TypeError (dict(..., **faults, **runtime)) and lost the points
    of a whole submission: a locked test cell edited *and* timing out."""
    from dnnkit.batch import grading
    notebooks = [grading.NotebookResult("nb", "graded", "{}")]
    edited = Fault("test_L_model_forward", "locked cell edited: nbgrader restored it")
    slow = Fault("test_L_model_forward", "took longer than 60 s", stops=True)
    status, reason = grading._status(None, notebooks, [edited, slow])
    assert status == "fault" and "took longer than 60 s" in reason
    status, reason = grading._status(None, notebooks, [edited])
    assert (status, reason) == ("graded", str(edited))


def test_an_unreadable_notebook_is_a_fault_named_once():
    from dnnkit.batch import grading
    broken = grading.NotebookResult("nb", "unreadable", reason="nb.ipynb could not be read: bad JSON")
    status, reason = grading._status(None, [broken], [Fault("nb.ipynb", broken.reason, stops=True)])
    assert (status, reason) == ("fault", broken.reason)


def test_exports_tell_each_fault_once(tmp_path):
    from dnnkit.staff import results
    folder = tmp_path / "autograded" / "ada" / "a1"
    folder.mkdir(parents=True)
    told, untold = Fault("sigmoid", "not defined"), Fault("timestamp.txt", "unreadable, ignored")
    Outcome("graded", str(told), "0" * 64, [told, untold]).write(folder / STATUS_FILE)
    status, reason = results.status_of(str(tmp_path), "a1", "ada")
    assert status == "graded" and reason == f"{told}; {untold}"


def test_feedback_shows_the_judges_verdicts_and_ignores_forged_ones():
    """tests/files/feedback/forged_verdict_on_another_cell.ipynb: relu's test cell carries a
    passing "verdict" for sigmoid (metadata a student can write), and sigmoid's own cell a real
    failing one."""
    from dnnkit.plugins.feedback import summary
    nb = nbformat.read(os.path.join(FILES, "feedback", "forged_verdict_on_another_cell.ipynb"), as_version=4)
    text = summary(nb, Outcome("graded", "", "0" * 64))
    rows = {line.split("<code>")[1].split("</code>")[0]: line
            for line in text.splitlines() if line.startswith("<tr class=")}
    assert "the wrong sign" in rows["sigmoid"] and "passed" not in rows["sigmoid"]
    assert "✗" in rows["sigmoid"] and 'href="#exercise-sigmoid"' in rows["sigmoid"]
    assert "graded by the test cell below" in rows["relu"]
    assert "Grading note" not in text
    assert "<strong>Grading note:</strong> took longer" in summary(
        nb, Outcome("fault", "took longer than 60 s", "0" * 64))


def test_every_fault_the_judge_writes_is_one_the_outcome_reads():
    """A kind missing from FAULT_KINDS would make its verdicts vanish from feedback and reports."""
    import re
    from dnnkit.judging import judge
    written = set(re.findall(r'fault="(\w*)"', open(judge.__file__).read()))
    assert {"crash", "syntax"} <= written <= set(FAULT_KINDS)
