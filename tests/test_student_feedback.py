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
