"""Student feedback without leaks: an nbgrader generate_feedback step.

Plain `nbgrader generate_feedback` renders the autograded notebook as it is: the test cells with
their hidden tests restored, and tracebacks that quote the code (and so the inputs) of a hidden
test that failed. `StudentFeedback`, registered after GetGrades by `dnnkit.plugins.nbgrader_ext.configure`,
- removes each hidden-test region (markers included) from the cells' source;
- drops every traceback line that shows a hidden-test line, and replaces an error raised inside
  a hidden-test region by a short note (its message may quote hidden inputs), keeping the public
  test's output and the judge's verdict (the `GradingFailure` error that names the mistake);
- shows, in each cell grading shortens (tagged `shortened-while-grading`), the outputs of the
  student's submitted notebook, or a note: never the few-iteration run as the student's result;
- puts one summary at the top: per function ✓/✗, points, what the judge found (said there once:
  each test cell keeps its public test's output and a line pointing up), a link to the exercise,
  the total after any late penalty, and what to do next.
"""
import html
import os
import re

import nbformat
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from dnnkit.outcome import METADATA_KEY, STATUS_FILE, Outcome, Verdict, function_of

SHORTENED_TAG = "shortened-while-grading"   # the notebooks' long trainings (dnn_utils.training_iterations)

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_FRAME = re.compile(r"Cell In\s*\[\d*\],\s*line (\d+)")
# IPython prefixes each quoted source line with an arrow and/or its line number.
# (No two repeats can match the same characters: a line of student output can be very long.)
QUOTED_LINE = re.compile(r"^\s*(?:-*>\s*)?\d+\s?")
LONGEST_LINE = 4000   # longer lines of output are not matched against hidden-test lines in full
HIDDEN_NOTE = "A hidden test of this cell failed (its code and inputs are not shown in feedback)."
VERDICT_ERROR = "GradingFailure"   # set by dnnkit.judging.judge.apply_verdict: written for students


def hidden_regions(source, begin="BEGIN HIDDEN TESTS", end="END HIDDEN TESTS"):
    """[(first, last)] 1-based line numbers of each hidden-test region, markers included."""
    regions, start = [], None
    for number, line in enumerate(source.split("\n"), 1):
        if begin in line and start is None:
            start = number
        elif end in line and start is not None:
            regions.append((start, number))
            start = None
    if start is not None:  # no END marker: everything after BEGIN is hidden
        regions.append((start, len(source.split("\n"))))
    return regions


def hidden_lines(source, regions):
    lines = source.split("\n")
    return {lines[n - 1].strip() for first, last in regions for n in range(first, last + 1)
            if lines[n - 1].strip()}


def without_regions(source, regions):
    hidden = {n for first, last in regions for n in range(first, last + 1)}
    return "\n".join(l for n, l in enumerate(source.split("\n"), 1) if n not in hidden)


def shows_hidden(line, secrets):
    plain = ANSI.sub("", line[:LONGEST_LINE])
    if any(len(s) > 3 and s in plain for s in secrets if len(plain) > len(s) + 40):
        return True   # a hidden line quoted inside a longer one
    return plain.strip() in secrets or QUOTED_LINE.sub("", plain, count=1).strip() in secrets


def clean_error(output, secrets, regions):
    """Remove what shows hidden tests from an error output (in place)."""
    if output.get("ename") == VERDICT_ERROR:
        return
    text = ANSI.sub("", "\n".join(output.get("traceback", [])))
    frame = CELL_FRAME.search(text)
    if frame and any(first <= int(frame.group(1)) <= last for first, last in regions):
        output["ename"], output["evalue"] = "HiddenTestFailed", ""
        output["traceback"] = [HIDDEN_NOTE]
        return
    output["traceback"] = [without_hidden(entry, secrets) for entry in output.get("traceback", [])]
    if any(len(s) > 3 and s in output.get("evalue", "") for s in secrets):
        output["evalue"] = ""


def without_hidden(text, secrets):
    return "\n".join(l for l in text.split("\n") if not shows_hidden(l, secrets))


def clean_output(output, secrets, regions):
    """Remove what shows hidden tests from any output (in place): code of the student's can
    print the hidden lines it finds in its kernel (IPython's history, the callers' frames)."""
    if output.get("output_type") == "error":
        clean_error(output, secrets, regions)
    elif output.get("output_type") == "stream":
        output["text"] = without_hidden(_joined(output.get("text", "")), secrets)
    else:
        data = output.get("data", {})
        for mime in [m for m in data if m.startswith("text/")]:
            data[mime] = without_hidden(_joined(data[mime]), secrets)


def _escape(text):
    return html.escape(" ".join(str(text).split()))


def anchor(function):
    return f"exercise-{function}"


def summary(nb, status=None, late_penalty=0.0):
    """The page's one summary (HTML in a markdown cell): a row per graded function with ✓/✗,
    its points, what the grader found (said once, here) and a link to the exercise; the total
    after any late penalty; what to do next."""
    rows, total, maximum, failed = [], 0.0, 0.0, []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") and meta.get("points")):
            continue
        verdict = Verdict.of_cell(cell)
        name = verdict.name if verdict else function_of(meta.get("grade_id", ""))
        score, points = meta.get("score") or 0, meta.get("points") or 0
        total, maximum = total + score, maximum + points
        full = score >= points
        if not verdict:
            finding = "graded by the test cell below"
        elif verdict.passed:
            finding = f"passed its {verdict.cases} hidden tests"
        else:   # the row names the function: the message need not say it again
            finding = re.sub(rf"^{re.escape(name)}:\s*", "", verdict.message) or "failed its hidden tests"
        if not full:
            failed.append(name)
        rows.append(f'<tr class="{"pass" if full else "fail"}"><td>{"✓" if full else "✗"}</td>'
                    f'<td><a href="#{anchor(name)}"><code>{_escape(name)}</code></a></td>'
                    f"<td>{score:g} / {points:g}</td><td>{_escape(finding)}</td></tr>")
    after = max(total - (late_penalty or 0), 0)
    text = [STYLE, '<div class="dnnkit-summary">', "<h2>Your results</h2>"]
    if status and status.status != "graded":
        text.append(f"<p><strong>Grading note:</strong> {_escape(status.reason or status.status)}</p>")
    text += ['<table class="dnnkit-results"><tr><th></th><th>graded function</th><th>points</th>'
             "<th>what the grader found</th></tr>", *rows]
    if late_penalty:
        text.append(f"<tr><td></td><td>late submission penalty</td><td>−{late_penalty:g}</td>"
                    "<td></td></tr>")
    text += [f"<tr><td></td><td><strong>total</strong></td><td><strong>{after:g} / {maximum:g}"
             "</strong></td><td></td></tr>", "</table>"]
    if not failed and maximum:
        text.append("<p><strong>Full marks.</strong> Every graded function passed its hidden tests: "
                    "well done.</p>")
    elif failed:
        text.append(f"<p><strong>What to do next:</strong> open your notebook at the "
                    f"function{'s' if len(failed) > 1 else ''} marked ✗ (the links above lead to "
                    f"them), fix what the grader found, and run the public test under each "
                    f"exercise again. The grader runs each function on its own, on other inputs "
                    f"than the public tests (other shapes, deeper networks, other seeds).</p>")
    text.append("<p>Cells marked “shortened while grading” show the outputs of your own "
                "submitted notebook: grading runs the long trainings for a few iterations "
                "only.</p></div>" if any(_shortened(c) for c in nb.cells) else "</div>")
    return "\n".join(text)


STYLE = """<style>
table.dnnkit-results { border-collapse: collapse; margin: 0.5em 0 1em; }
table.dnnkit-results td, table.dnnkit-results th { border: 1px solid #ddd; padding: 0.3em 0.7em;
  vertical-align: top; text-align: left; }
table.dnnkit-results td:nth-child(3) { white-space: nowrap; }
table.dnnkit-results tr.pass td:first-child { color: #1a7f37; font-weight: bold; }
table.dnnkit-results tr.fail td:first-child { color: #c62828; font-weight: bold; }
table.dnnkit-results tr.fail { background: #fff5f5; }
.equation { display: flex; justify-content: center; align-items: center; margin: 0.6em 0; }
.equation .eq-number { margin-left: auto; padding-left: 2em; }
.equation math { margin-left: auto; }
</style>"""

SHORTENED_NOTE = ("Shortened while grading (a few iterations only); below: the outputs of this cell "
                  "in your submitted notebook.")
NOT_RUN_NOTE = ("Shortened while grading (a few iterations only), and your submitted notebook has "
                "no outputs of this cell: run the notebook in full to see them.")


def _shortened(cell):
    """A long training's cell. A tag in a test or answer cell (a student can write tags) never
    counts: their outputs are the grader's."""
    return (cell.cell_type == "code" and SHORTENED_TAG in cell.metadata.get("tags", [])
            and not cell.metadata.get("nbgrader"))


OWN_TEXT, OWN_IMAGES = 100_000, 12   # of a cell's own outputs shown (a run prints and plots little)


def own_outputs(outputs, secrets=()):
    """What feedback shows of a submitted cell's outputs: prints and PNG plots only (no HTML or
    script a student's notebook could carry into a page TAs open too), within bounds."""
    shown, text, images = [], 0, 0
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream" and text < OWN_TEXT:
            piece = _text(output)[:OWN_TEXT - text]
            text += len(piece)
            shown.append({"output_type": "stream", "name": output.get("name") == "stderr" and
                          "stderr" or "stdout", "text": piece})
        elif kind in ("display_data", "execute_result") and images < OWN_IMAGES:
            data = output.get("data", {})
            if isinstance(data.get("image/png"), str):
                images += 1
                shown.append({"output_type": "display_data", "metadata": {},
                              "data": {"image/png": data["image/png"]}})
    for output in shown:
        clean_output(output, set(secrets), [])
    return shown


def submitted_cells(resources):
    """{cell id: outputs} of the student's submitted notebook, when it is found."""
    here = resources.get("metadata", {}).get("path") or ""
    info = resources.get("nbgrader", {})
    # <root>/autograded/<student>/<assignment> -> <root>/submitted/<student>/<assignment>
    path = os.path.normpath(os.path.join(here, "..", "..", "..", "submitted", info.get("student", ""),
                            info.get("assignment", ""), resources.get("unique_key", "") + ".ipynb"))
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:   # no submitted copy here (another machine graded it): notes only
        return {}
    return {c.get("id"): c.get("outputs", []) for c in nb.cells if c.cell_type == "code"}


def restore_shortened(nb, resources, secrets=()):
    """Each cell grading shortened shows the submission's own outputs of it, or says why not:
    never the few-iteration run's plot or accuracy as if it were the student's result."""
    own = None
    for cell in nb.cells:
        if not _shortened(cell):
            continue
        own = submitted_cells(resources) if own is None else own
        outputs = own_outputs(own.get(cell.get("id")) or [], secrets)
        note = {"output_type": "stream", "name": "stdout",
                "text": (SHORTENED_NOTE if outputs else NOT_RUN_NOTE) + "\n"}
        cell.outputs = [nbformat.from_dict(o) for o in _merged_streams([note, *outputs])]


def _merged_streams(outputs):
    """Consecutive prints of one stream as one output (one box on the page, as in Jupyter)."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else {}
        if (output.get("output_type") == "stream" and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            merged[-1] = dict(previous, text=_text(previous) + _text(output))
        else:
            merged.append(output)
    return merged


def _text(output):
    return _joined(output.get("text", ""))


def _joined(text):
    """A notebook's text: a string, or the list of lines nbformat also allows."""
    return text if isinstance(text, str) else "".join(text)


def add_anchors(nb):
    """An anchor above each exercise the summary links to: its solution cell, or for a test
    cell with none (a plain nbgrader test), the test cell itself."""
    solutions = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    for index in reversed(range(len(nb.cells))):
        meta = nb.cells[index].metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id") or ""
        is_test = meta.get("grade") and meta.get("points") and not meta.get("solution")
        if (meta.get("solution") and grade_id) or (is_test and function_of(grade_id) not in solutions):
            target = anchor(function_of(grade_id))
            nb.cells.insert(index, new_markdown_cell(f'<a id="{target}"></a>'))


def point_to_summary(cell, verdict):
    """The verdict in a test cell: one line that points to the summary (its message is there)."""
    score = cell.metadata.get("nbgrader", {}).get("score") or 0
    points = cell.metadata.get("nbgrader", {}).get("points") or 0
    kept = [o for o in cell.get("outputs", []) if not (
        o.get("output_type") == "error" and o.get("ename") == VERDICT_ERROR) and not (
        o.get("output_type") == "stream" and str(o.get("text", "")).startswith("Graded: "))]
    mark = "✓" if score >= points else "✗"
    kept.append(nbformat.from_dict({"output_type": "stream", "name": "stdout", "text":
                f"{mark} Graded: {score:g} / {points:g} for {verdict.name} (see Your results at the "
                f"top).\n"}))
    cell.outputs = kept


class StudentFeedback(NbGraderPreprocessor):
    """generate_feedback step: no hidden tests in the feedback, a score summary on top."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def preprocess(self, nb, resources):
        secrets, cells = set(), []
        for cell in nb.cells:
            regions = hidden_regions(cell.source, self.begin_test_delimeter,
                                     self.end_test_delimeter)
            if regions:
                secrets |= hidden_lines(cell.source, regions)
                cell.source = without_regions(cell.source, regions)
            cells.append((cell, regions))
        for cell, regions in cells:
            for output in cell.get("outputs", []):
                clean_output(output, secrets, regions)
        status = Outcome.read(os.path.join(resources.get("metadata", {}).get("path") or "", STATUS_FILE))
        restore_shortened(nb, resources, secrets)
        for cell in list(nb.cells):
            verdict = Verdict.of_cell(cell)
            if verdict:
                point_to_summary(cell, verdict)
        add_anchors(nb)
        penalty = resources.get("nbgrader", {}).get("late_penalty") or 0
        top = new_markdown_cell(summary(nb, status, penalty))
        top.metadata[METADATA_KEY] = {"feedback_summary": True}
        nb.cells.insert(0, top)
        return nb, resources
