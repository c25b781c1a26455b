"""What a student sees in feedback (issue 14), on a planar course graded by `dnnkit grade`
(the `planar_feedback` fixture: a full run, one mistake, a blank):

- cells that grading shortens show the student's own submitted outputs, or a note when there
  are none: never the few-iteration run's accuracy or plot as the student's result;
- one summary on top; full marks say so;
- the notebook's own cells run cleanly under grading (`%matplotlib inline` included);
- the page is self-contained (MathML, inlined figures, no script) and alone in its folder.
The browser's view of the same pages: tests/test_browser.py.
"""
import os

import nbformat
from bs4 import BeautifulSoup

from dnnkit.plugins.feedback import NOT_RUN_NOTE, SHORTENED_NOTE, SHORTENED_TAG

A, NB = "planar", "Planar_data_classification_with_one_hidden_layer"


def page(course, student):
    with open(os.path.join(course, "feedback", student, A, NB + ".html"), encoding="utf-8") as f:
        return BeautifulSoup(f.read(), "html.parser")


def shortened_cells(course, area, student):
    nb = nbformat.read(os.path.join(course, area, student, A, NB + ".ipynb"), as_version=4)
    return [c for c in nb.cells if SHORTENED_TAG in c.metadata.get("tags", [])]


def text_of(outputs):
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def test_shortened_cells_show_the_students_own_run(planar_feedback):
    graded = shortened_cells(planar_feedback, "autograded", "ada_full")
    submitted = shortened_cells(planar_feedback, "submitted", "ada_full")
    assert len(graded) == 3
    # under grading the training was cut short: its accuracy is not the student's
    assert "Cost after iteration 1000" not in text_of(graded[0].outputs)
    assert "Accuracy: 90.5 %" not in "".join(text_of(c.outputs) for c in graded)
    text = page(planar_feedback, "ada_full").get_text()
    assert text.count(SHORTENED_NOTE) == 3
    for cell in submitted:   # every output of her own run is on the page
        for line in text_of(cell.outputs).splitlines():
            assert line in text
    assert "Accuracy: 90.5 %" in text and "Cost after iteration 9000" in text
    own_figures = sum("image/png" in o.get("data", {}) for c in submitted for o in c.outputs)
    assert own_figures >= 6   # the trained boundary and the five of the sweep
    blank = " ".join(o.get_text() for o in page(planar_feedback, "ben_blank").select(".output_area"))
    assert blank.count(NOT_RUN_NOTE) == 3 and "Accuracy: " not in blank


def test_the_notebooks_own_cells_run_cleanly_under_grading(planar_feedback):
    """A complete submission has no error output outside its test cells: `%matplotlib inline`
    (the first line of the packages cell) works in the grading shell."""
    nb = nbformat.read(os.path.join(planar_feedback, "autograded", "ada_full", A, NB + ".ipynb"), 4)
    errors = [(i, o.get("ename")) for i, c in enumerate(nb.cells) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []


def test_one_summary_and_full_marks_say_so(planar_feedback):
    ada = page(planar_feedback, "ada_full")
    rows = ada.select("table.dnnkit-results tr.pass")
    assert len(rows) == 8 and not ada.select("table.dnnkit-results tr.fail")
    assert "Full marks." in ada.get_text() and "Test cell (Score" not in ada.get_text()
    eli = page(planar_feedback, "eli_mistake")
    failed = eli.select("table.dnnkit-results tr.fail")
    assert len(failed) == 1 and "✗" in failed[0].get_text()
    assert "What to do next" in eli.get_text() and "Full marks" not in eli.get_text()
    # a blank function is told to fill in its lines, not how its (absent) random draws behave
    blank = page(planar_feedback, "ben_blank").select_one("table.dnnkit-results").get_text()
    assert "fill in the line" in blank and "random state" not in blank
    link = failed[0].find("a")["href"]
    assert eli.find(id=link[1:]) is not None


def test_pages_are_self_contained_and_alone(planar_feedback):
    for student in ("ada_full", "ben_blank", "eli_mistake"):
        soup = page(planar_feedback, student)
        assert not soup.select("script[src]") and not soup.select("link[href]")
        assert not [img["src"] for img in soup.find_all("img") if not img["src"].startswith("data:")]
        markdown = " ".join(d.get_text() for d in soup.select(".text_cell_render"))
        assert "$" not in markdown and len(soup.find_all("math")) > 20
        folder = os.path.join(planar_feedback, "feedback", student, A)
        assert sorted(os.listdir(folder)) == [NB + ".html", "timestamp.txt"]


def test_a_submissions_own_outputs_are_prints_and_plots_only(tmp_path):
    """Hostile: the submitted notebook's outputs carry a script, a flood of text, and a tag on
    a test cell (cells' tags are the student's to write). Feedback shows prints (bounded) and
    PNG plots of the long trainings only, and never touches a test cell's outputs."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    from dnnkit.plugins.feedback import OWN_TEXT, restore_shortened

    def notebook_(outputs):
        training = new_code_cell("train()", id="training", outputs=outputs)
        training.metadata["tags"] = [SHORTENED_TAG]
        test = new_code_cell("check()", id="test", outputs=[new_output("stream", text="✗ Graded: 0 / 10\n")])
        test.metadata.update(tags=[SHORTENED_TAG], nbgrader={"grade": True, "grade_id": "test_f",
                                                            "points": 10, "locked": True})
        return new_notebook(cells=[training, test])

    hostile = [new_output("display_data", data={"text/html": "<script>alert(1)</script>",
                                                 "image/png": "iVBORw0KGgo="}),
               new_output("display_data", data={"text/html": "<img src=x onerror=alert(1)>"}),
               new_output("stream", text="Cost after iteration 0: 0.69\n" * 20000)]
    submitted = notebook_(hostile)
    submitted.cells[1].outputs = [new_output("stream", text="✓ Graded: 10 / 10\n")]
    folder = tmp_path / "submitted" / "ada" / "planar"
    folder.mkdir(parents=True)
    nbformat.write(submitted, str(folder / "nb.ipynb"))
    graded = notebook_([new_output("stream", text="Cost after iteration 0: 0.69\n")])
    here = tmp_path / "autograded" / "ada" / "planar"
    restore_shortened(graded, {"metadata": {"path": str(here)}, "unique_key": "nb",
                               "nbgrader": {"student": "ada", "assignment": "planar"}})
    shown = graded.cells[0].outputs
    assert [sorted(o.get("data", {})) for o in shown if o.output_type == "display_data"] == [["image/png"]]
    assert "script" not in json_of(shown) and "onerror" not in json_of(shown)
    assert sum(len(o.get("text", "")) for o in shown) <= OWN_TEXT + len(SHORTENED_NOTE) + 1
    assert text_of(graded.cells[1].outputs) == "✗ Graded: 0 / 10\n"   # the grader's, kept


def json_of(outputs):
    import json
    return json.dumps(outputs)
