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
import urllib.parse

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
    # one summary: ✓/✗, points, the named mistake (once on the page, without the name again)
    assert re.search(r"✗\s*linear_backward\s*0 / 10\s*dW and db are m times too large", summary)
    assert re.search(r"✓\s*linear_forward\s*10 / 10\s*passed", summary)
    assert re.search(r"total\s*92 / 102", summary) and "What to do next" in summary
    # said once by the grader; the cell below keeps only what the public test printed itself
    assert summary.count("dW and db are m times too large") == 1
    assert eli.count("dW and db are m times too large") <= 2
    assert "Test cell (Score" not in eli   # nbgrader's anonymous list is gone
    body = eli.split("Building your Deep Neural Network", 1)[1]
    assert "public test(s) of linear_forward passed. The grader also runs it" in body  # public test output
    assert "✗ Graded: 0 / 10 for linear_backward (see Your results at the top)" in body
    page = BeautifulSoup(open(feedback_html(feedback, "eli_linear_backward")).read(), "html.parser")
    for link in page.select("table.dnnkit-results a[href^='#']"):   # each row leads to its exercise
        assert page.find(id=link["href"][1:]) is not None, link
    # self-contained: no script or stylesheet from the network, formulas as MathML, no raw $
    assert not page.select("script[src]") and not page.select("link[href^='http']")
    assert page.find("math") is not None and "$" not in eli.split("Your results", 1)[1]
    # and nothing else copied beside the page for each student
    assert sorted(os.listdir(os.path.dirname(feedback_html(feedback, "eli_linear_backward")))) == [
        NB + ".html", "timestamp.txt"]

    ben = BeautifulSoup(open(feedback_html(feedback, "ben_blank")).read(), "html.parser").get_text()
    assert HIDDEN_NOTE in ben  # the error raised inside a hidden test: a note only
    assert "fill in initialize_parameters first" in ben  # the public part's failure is kept
    assert "extra check of initialize_parameters" in ben  # and its printed output
    assert re.search(r"total\s*0 / 102", ben)

    ada = BeautifulSoup(open(feedback_html(feedback, "ada_complete")).read(), "html.parser").get_text()
    assert "Full marks." in ada and "✗" not in ada.split("Building your Deep Neural Network")[0]

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


@pytest.fixture(scope="module")
def reports(feedback):
    """`dnnkit report` (every assignment: only step_by_step is in this gradebook) run once, after
    `dnnkit feedback`: {"out": its output, page name: BeautifulSoup of reports/<page>.html}."""
    out = dnnkit(feedback, "report")
    folder = os.path.join(feedback, "reports")
    pages = {"out": out, "folder": folder}
    for name in (A, "index"):
        with open(os.path.join(folder, f"{name}.html"), encoding="utf-8") as f:
            pages[name] = BeautifulSoup(f.read(), "html.parser")
    return pages


def table_rows(table):
    """[[cell text]] of an HTML table's rows, header row included."""
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in table.find_all("tr")]


def local_targets(soup, folder):
    """{href: the file it opens, or None when it is a fragment of the page itself}, and every
    href must be relative (no scheme, no absolute path: the pages open from disk or e-mail)."""
    found = {}
    for a in soup.find_all("a", href=True):
        href = a["href"]
        assert not re.match(r"^[a-z][a-z0-9+.-]*:|^/", href), href
        path = href.split("#")[0]
        found[href] = os.path.normpath(os.path.join(folder, urllib.parse.unquote(path))) if path else None
    return found


def test_report_is_one_self_contained_page(reports):
    from PIL import Image
    folder = reports["folder"]
    for name in (A, "index"):
        assert f"instructor report: {os.path.join(folder, name + '.html')}" in reports["out"]
        assert os.path.getsize(os.path.join(folder, name + ".html")) < 300_000
    assert not os.path.exists(os.path.join(folder, "planar.html"))   # not in the gradebook
    soup = reports[A]
    images = soup.find_all("img")
    assert [i["alt"] for i in images] == ["histogram of total scores", "outcome per graded function"]
    for image in images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        picture = Image.open(io.BytesIO(base64.b64decode(image["src"][len(prefix):])))
        assert picture.format == "PNG" and picture.width > 200 and picture.height > 100
    for page in (soup, reports["index"]):   # nothing loaded from elsewhere, links resolve
        assert not page.find_all(["script", "link", "iframe", "object", "embed"])
        assert all(tag["src"].startswith("data:") for tag in page.find_all(attrs={"src": True}))
        for href, target in local_targets(page, folder).items():
            fragment = href.partition("#")[2]
            if target:
                assert os.path.isfile(target), href
            if fragment:
                linked = page if not target else BeautifulSoup(open(target, encoding="utf-8").read(),
                                                                "html.parser")
                assert linked.find(id=fragment), href
    text = soup.get_text(" ")
    assert re.search(r"gus_fault\s*fault\s*the kernel died", text)
    assert re.search(r"hana_late\s*missing\s*submitted but not graded yet", text)
    assert re.search(r"ivan_absent\s*missing\s*no submission", text)
    assert "6 students: 3 graded, 1 fault, 2 missing" in text
    assert "Building your Deep Neural Network: Step by Step" in soup.h1.get_text()
    for page in (soup, reports["index"]):   # the time, in UTC, ISO 8601
        assert re.search(r"Generated \d{4}-\d\d-\d\dT\d\d:\d\dZ \(UTC\)", page.get_text(" ")), page.p


def test_report_names_mistakes_by_title(reports):
    soup = reports[A]
    rows = table_rows(soup.find("table", class_="mistakes"))
    assert rows[1] == ["linear_backward", "dW and db are m times too large", "1", "eli_linear_backward",
                       "dW and db are m times too large: both need the 1/m factor."]
    assert "missing_1_over_m" not in soup.get_text()   # the key is for tests, not for people
    from dnnkit.staff import report
    titles = {key: title for (fn, key), (title, _) in report.mistake_titles("planar").items()}
    assert titles["examples_not_features"] == "n_x and n_y count rows"   # names keep their case
    assert all(0 < len(t) <= 72 for t in titles.values()), titles
    eli = soup.find(id="s-eli_linear_backward")
    cell = eli.find_all("td")[list(functions_of(soup)).index("linear_backward")]
    assert cell["class"] == ["k-mistake"] and cell["title"] == "dW and db are m times too large"


def functions_of(soup):
    """{function: its row of the page's function table, by column name}."""
    rows = table_rows(soup.find("table", class_="functions"))
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}


def test_report_tells_not_attempted_from_wrong_and_leaves_faults_out(reports):
    soup = reports[A]
    functions = functions_of(soup)
    assert len(functions) == 12
    # 3 graded submissions (gus_fault's is left out): ada and eli pass, ben left it as released
    assert functions["linear_forward"] == {
        "function": "linear_forward", "points": "10", "pass rate": "67 %", "passed": "2",
        "named mistake": "", "wrong, unexplained": "", "not attempted": "1", "crashed or hung": ""}
    assert functions["linear_backward"]["pass rate"] == "33 %"
    assert (functions["linear_backward"]["named mistake"], functions["linear_backward"]["not attempted"]) == ("1", "1")
    # a test cell of its own (no function cell to compare with the release): wrong, not "not attempted"
    assert functions["extra_hidden_fails"]["wrong, unexplained"] == "1"
    assert functions["extra_hidden_fails"]["not attempted"] == ""
    ben = [td["class"][0] for td in soup.find(id="s-ben_blank").find_all("td")[:12]]
    assert ben.count("k-blank") == 10 and ben.count("k-wrong") == 2
    text = " ".join(soup.get_text(" ").split())
    assert "1 fault (grading stopped: left out of every statistic" in text
    assert re.search(r"Over the 3 graded submissions: mean 64\.7\s*, median 92\s*, lowest 0, highest 102", text)
    help_rows = table_rows(soup.find(id="help").find_next("table"))
    assert [r[0] for r in help_rows[1:]] == ["ben_blank"] and help_rows[1][2] == "10 of 12"


def test_report_matrix_links_each_students_feedback(reports):
    soup = reports[A]
    matrix = soup.find("table", class_="matrix")
    links = {tr["id"]: [a["href"] for a in tr.find_all("a", href=True)] for tr in matrix.find_all("tr", id=True)}
    assert sorted(links) == sorted("s-" + s for s in GRADED + ["hana_late", "ivan_absent"])
    for student in GRADED:
        assert links["s-" + student] == [f"../feedback/{student}/{A}/{NB}.html"]
        assert os.path.samefile(os.path.join(reports["folder"], links["s-" + student][0]),
                                feedback_html(os.path.dirname(reports["folder"]), student))
    assert links["s-hana_late"] == links["s-ivan_absent"] == []   # no feedback file: no link
    assert "No due date in the gradebook" in soup.get_text()
    assert "1.5" in [td.get_text() for td in matrix.find(id="s-gus_fault").find_all("td")]  # grading s


def test_report_bins_scores_by_whole_points():
    from dnnkit.staff import report
    for maximum in (1, 10, 25, 26, 102, 250, 1000):
        bins = report.score_bins(maximum)
        assert bins[0][0] == 0 and bins[-1][1] == maximum and len(bins) <= 26
        assert all(isinstance(v, int) for b in bins for v in b)
        assert all(b[0] == a[1] + 1 for a, b in zip(bins, bins[1:]))   # adjacent, no overlap
    assert report.score_bins(25) == [(i, i) for i in range(26)]   # one bar per point
    assert report.score_bins(102)[-2:] == [(95, 99), (100, 102)]   # 90 and 100 apart
    for totals, maximum in (([0, 92, 102], 102), ([3, 7, 25], 25)):
        ax = report.histogram(totals, maximum).axes[0]
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert labels and all(re.fullmatch(r"\d+", t) for t in labels), labels
        assert labels[0] == "0" and int(labels[-1]) <= maximum
        assert sum(p.get_height() for p in ax.patches) == len(totals)


def test_report_overview_links_the_assignment_pages(reports):
    index = reports["index"]
    rows = table_rows(index.find("table"))
    assert rows[0] == ["assignment", "students", "graded", "fault", "missing", "mean", "median",
                       "out of", "under 60%", "late"]
    assert rows[2] == ["Building your Deep Neural Network: Step by Step (step_by_step)",
                       "6", "3", "1", "2", "64.7", "92", "102", "1", "—"]
    assert "not in the gradebook yet" in rows[1][1] and "not in the gradebook yet" in rows[3][1]
    assert [a["href"] for a in index.find("table").find_all("a")] == [f"{A}.html"]
    # who needs help: no submission counts 0, one not graded yet is left out
    help_rows = table_rows(index.find_all("table")[1])
    assert help_rows[0] == ["student", "average", A]
    assert help_rows[1:] == [["ben_blank", "0%", "0%"], ["ivan_absent", "0%", "missing"]]
    assert index.find_all("table")[1].find("a")["href"] == f"{A}.html#s-ben_blank"


def test_report_shows_lateness_from_the_gradebook(graded_course, tmp_path):
    import datetime
    import shutil
    from nbgrader.api import Gradebook
    from dnnkit.staff import report
    copy = str(tmp_path / "course")
    shutil.copytree(graded_course, copy, symlinks=True,
                    ignore=shutil.ignore_patterns("dnn_utils", "testCases", "feedback", "reports"))
    with Gradebook("sqlite:///" + os.path.join(copy, "gradebook.db")) as gb:
        gb.update_or_create_assignment(A, duedate=datetime.datetime(2026, 11, 27, 8, 0))
    soup = BeautifulSoup(report.render(copy, A), "html.parser")
    text = soup.get_text(" ")
    assert "Due 2026-11-27T08:00Z (UTC): 4 submitted late (ada_complete, ben_blank, eli_linear_backward, gus_fault)" in text
    ada = [td.get_text() for td in soup.find(id="s-ada_complete").find_all("td")]
    assert "2026-11-27T09:00Z" in ada and "1 h" in ada


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
