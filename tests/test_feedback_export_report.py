"""Student feedback without leaks, the grade export and the instructor report (issue 6).

All run on the session's `graded_course` (tests/conftest.py): a scratch course graded by
`nbgrader autograde`, whose source also has two test cells with real hidden tests.
"""
import base64
import csv
import glob
import io
import os
import re
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup

from dnnkit.staff import course as course_mod
from dnnkit import notebook
from dnnkit.plugins.feedback import HIDDEN_NOTE

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
GRADED = ["ada_complete", "ben_blank", "eli_linear_backward", "gus_fault"]


def dnnkit(course, *args):
    """The `dnnkit` command, run in the course directory."""
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "dnnkit"), *args],
                            cwd=course, env=course_mod.tool_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert result.returncode == 0, result.stdout
    return result.stdout


def hidden_test_lines(course):
    """Every line of a hidden-test region (markers included) in the source notebooks of all
    assignments, except lines that the release shows students anyway."""
    lines = set()
    for path in glob.glob(os.path.join(course, "source", "*", "*.ipynb")):
        released = os.path.join(course, "release",
                                os.path.relpath(path, os.path.join(course, "source")))
        public = open(released, encoding="utf-8").read() if os.path.exists(released) else ""
        for cell in notebook.read(path).cells:
            inside = False
            for line in cell.source.split("\n"):
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                if inside and line.strip() and line.strip() not in public:
                    lines.add(line.strip())
                if "END HIDDEN TESTS" in line:
                    inside = False
    return lines


def page_text(path):
    """What a reader sees of an HTML file (code is split into highlighting spans in the HTML)."""
    raw = open(path, encoding="utf-8", errors="replace").read()
    if not path.endswith(".html"):
        return raw
    return raw + "\n" + BeautifulSoup(raw, "html.parser").get_text()


def leaks(folder, secrets):
    found = {}
    for path in glob.glob(os.path.join(folder, "**", "*"), recursive=True):
        if os.path.isfile(path):
            text = page_text(path)
            hits = sorted(s for s in secrets if s in text)
            if hits:
                found[os.path.relpath(path, folder)] = hits
    return found


@pytest.fixture(scope="module")
def feedback(graded_course):
    out = dnnkit(graded_course, "feedback", A)
    assert f"{len(GRADED)} HTML files" in out
    return graded_course


def feedback_html(course, student):
    return os.path.join(course, "feedback", student, A, NB + ".html")


def test_feedback_has_no_hidden_test_line(feedback):
    secrets = hidden_test_lines(feedback)
    # the judged cells' hidden comments and the real hidden tests of the extra cells
    assert "### BEGIN HIDDEN TESTS" in secrets and len(secrets) >= 6
    assert any("hidden input n_x=7" in s for s in secrets)
    assert sorted(os.listdir(os.path.join(feedback, "feedback"))) == GRADED
    for student in GRADED:
        assert os.path.exists(feedback_html(feedback, student))
    assert leaks(os.path.join(feedback, "feedback"), secrets) == {}


def test_plain_nbgrader_feedback_would_leak(feedback):
    """Without the kit's step, nbgrader's own feedback shows the hidden tests (source and
    traceback): the leak check above can fail."""
    plain = os.path.join(feedback, "plain_feedback")
    course_mod.nbgrader(feedback, "generate_feedback", A, "--force",
                        "--CourseDirectory.feedback_directory=plain_feedback",
                        '--GenerateFeedback.preprocessors=["nbgrader.preprocessors.GetGrades",'
                        '"nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]')
    secrets = hidden_test_lines(feedback)
    found = leaks(plain, secrets)
    assert set(found) >= {os.path.join(s, A, NB + ".html") for s in GRADED}
    # ben's hidden test failed: nbgrader shows its code in the traceback too
    ben = nbformat.read(os.path.join(feedback, "autograded", "ben_blank", A, NB + ".ipynb"), 4)
    tracebacks = "\n".join("\n".join(o.traceback) for c in ben.cells for o in c.get("outputs", [])
                           if o.output_type == "error")
    assert "hidden input n_x=7" in tracebacks and "hidden 9, 4" in tracebacks


def test_feedback_keeps_scores_public_output_and_named_mistake(feedback):
    eli = BeautifulSoup(open(feedback_html(feedback, "eli_linear_backward")).read(),
                        "html.parser").get_text()
    summary = eli[eli.index("Your results"):eli.index("Building your Deep Neural Network")]
    assert re.search(r"linear_backward\s+0 / 10\s+linear_backward: dW and db are m times too large",
                     summary)
    assert re.search(r"linear_forward\s+10 / 10\s+passed", summary)
    assert re.search(r"total\s+92 / 102", summary)
    body = eli.split("Building your Deep Neural Network", 1)[1]
    assert "public test(s) of linear_forward passed. The grader also runs it" in body  # public test output
    assert "Graded: linear_backward: dW and db are m times too large" in body  # the judge's verdict

    ben = BeautifulSoup(open(feedback_html(feedback, "ben_blank")).read(), "html.parser").get_text()
    assert HIDDEN_NOTE in ben  # the error raised inside a hidden test: a note only
    assert "fill in initialize_parameters first" in ben  # the public part's failure is kept
    assert "extra check of initialize_parameters" in ben  # and its printed output
    assert re.search(r"total\s+0 / 102", ben)

    gus = BeautifulSoup(open(feedback_html(feedback, "gus_fault")).read(), "html.parser").get_text()
    assert "Grading note: the kernel died (memory cap)" in gus


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_export_csv_tells_faults_and_missing_from_an_honest_zero(graded_course):
    out = dnnkit(graded_course, "export", A)
    path = os.path.join(graded_course, f"grades-{A}.csv")
    assert path in out and "6 students (3 graded, 1 fault, 2 missing)" in out
    rows = {r["student_id"]: r for r in read_csv(path)}
    source = notebook.read(notebook.source_notebook_path(graded_course, A, NB))
    functions = notebook.graded_functions(source)
    with open(path) as f:
        header = next(csv.reader(f))
    assert header == ["student_id", functions[0], "extra_hidden_fails", "extra_public_fails",
                      *functions[1:], "total", "max", "status", "reason"]
    assert sorted(rows) == GRADED + ["hana_late", "ivan_absent"]
    assert all(r["max"] == "102" for r in rows.values())
    ada, ben, eli, gus = (rows[s] for s in GRADED)
    assert [ada[f] for f in functions] == ["10"] * 10 and ada["total"] == "102"
    assert (ada["status"], ada["reason"]) == ("graded", "")
    assert [ben[f] for f in functions] == ["0"] * 10
    assert (ben["total"], ben["status"], ben["reason"]) == ("0", "graded", "")  # an honest 0
    assert eli["linear_backward"] == "0" and eli["total"] == "92" and eli["status"] == "graded"
    assert gus["status"] == "fault" and gus["total"] == "102"
    assert gus["reason"] == ("the kernel died (memory cap); "
                             "L_model_backward: killed over the 2 GiB memory cap")
    assert (rows["hana_late"]["status"], rows["hana_late"]["reason"]) == \
        ("missing", "submitted but not graded yet")
    ivan = rows["ivan_absent"]
    assert (ivan["status"], ivan["reason"], ivan["total"]) == ("missing", "no submission", "0")
    assert ivan["linear_forward"] == ""

    other = os.path.join(graded_course, "lms", "upload.csv")
    os.makedirs(os.path.dirname(other))
    dnnkit(graded_course, "export", A, "--output", other)
    assert read_csv(other) == read_csv(path)


def test_plain_nbgrader_export_keeps_working(graded_course):
    plain = os.path.join(graded_course, "nbgrader-grades.csv")
    course_mod.nbgrader(graded_course, "export", "--to", plain)
    rows = {r["student_id"]: r for r in read_csv(plain) if r["assignment"] == A}
    assert set(rows) >= set(GRADED)
    assert {s: float(rows[s]["score"]) for s in GRADED} == \
        {"ada_complete": 102, "ben_blank": 0, "eli_linear_backward": 92, "gus_fault": 102}


def test_report_is_one_self_contained_page(graded_course):
    from PIL import Image
    out = dnnkit(graded_course, "report", A)
    path = os.path.join(graded_course, "reports", f"{A}.html")
    assert f"instructor report: {path}" in out
    page = open(path, encoding="utf-8").read()
    soup = BeautifulSoup(page, "html.parser")
    images = soup.find_all("img")
    assert [i["alt"] for i in images] == ["histogram of total scores",
                                          "pass rate per graded function", "most frequent mistakes"]
    for image in images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        picture = Image.open(io.BytesIO(base64.b64decode(image["src"][len(prefix):])))
        assert picture.format == "PNG" and picture.width > 200 and picture.height > 100
    # nothing loaded from elsewhere
    assert not soup.find_all(["script", "link", "iframe", "object", "embed"])
    assert all(tag[attr].startswith(("data:", "#")) for attr in ("src", "href")
               for tag in soup.find_all(attrs={attr: True}))
    text = soup.get_text()
    assert re.search(r"linear_backward\s*missing_1_over_m\s*1\s*linear_backward: dW and db", text)
    assert re.search(r"gus_fault\s*fault\s*the kernel died", text)
    assert re.search(r"hana_late\s*missing\s*submitted but not graded yet", text)
    assert re.search(r"ivan_absent\s*missing\s*no submission", text)
    assert "6 students: 3 graded, 1 fault, 2 missing" in text


def test_feedback_refuses_to_leak_when_the_kit_step_is_not_loaded(graded_course, tmp_path):
    """nbgrader only logs a config file that fails to load and then renders plain feedback:
    `dnnkit feedback` must notice, remove what leaked and fail."""
    import shutil
    broken = str(tmp_path / "course")
    shutil.copytree(graded_course, broken, symlinks=True)
    shutil.rmtree(os.path.join(broken, "feedback"))
    with open(os.path.join(broken, "nbgrader_config.py"), "a") as f:
        f.write("\nraise RuntimeError('broken on purpose')\n")
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "dnnkit"),
                             "feedback", A], cwd=broken, env=course_mod.tool_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert result.returncode != 0 and "showed hidden tests" in result.stdout, result.stdout
    assert glob.glob(os.path.join(broken, "feedback", "*", A, "*.html")) == []


def test_autograde_without_the_judge_gives_no_points(graded_course, tmp_path):
    """If nbgrader_config.py fails to load, plain nbgrader autogrades without the judge: the
    hidden part of every test cell then fails it (fail closed) rather than let a public test,
    run in the student's own kernel, decide the points."""
    import shutil
    from nbgrader.api import Gradebook
    broken = str(tmp_path / "course")
    shutil.copytree(graded_course, broken, symlinks=True)
    with open(os.path.join(broken, "nbgrader_config.py"), "a") as f:
        f.write("\nraise RuntimeError('broken on purpose')\n")
    course_mod.nbgrader(broken, "autograde", A, "--force", "--student", "ada_complete")
    with Gradebook("sqlite:///" + os.path.join(broken, "gradebook.db")) as gb:
        notebook_ = gb.find_submission_notebook(NB, A, "ada_complete")
        scores = {g.name: g.auto_score for g in notebook_.grades if g.name.startswith("test_")}
    with Gradebook("sqlite:///" + os.path.join(graded_course, "gradebook.db")) as gb:
        judged = {g.name: g.auto_score for g in gb.find_submission_notebook(NB, A, "ada_complete").grades
                  if g.name.startswith("test_")}
    assert len(scores) == 10 and set(scores.values()) == {0}, scores
    assert set(judged.values()) == {10}, judged   # with the judge: full marks
    nb = nbformat.read(os.path.join(broken, "autograded", "ada_complete", A, NB + ".ipynb"), as_version=4)
    errors = {o.ename for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")
              for o in c.get("outputs", []) if o.output_type == "error"}
    assert errors == {"JudgeRequired"}, errors
