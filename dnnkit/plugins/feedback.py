"""Student feedback without leaks: an nbgrader generate_feedback step.

Plain `nbgrader generate_feedback` renders the autograded notebook as it is: the test cells with
their hidden tests restored, and tracebacks that quote the code (and so the inputs) of a hidden
test that failed. `StudentFeedback`, registered after GetGrades by `dnnkit.plugins.nbgrader_ext.configure`,
- removes each hidden-test region (markers included) from the cells' source;
- drops every traceback line that shows a hidden-test line, and replaces an error raised inside
  a hidden-test region by a short note (its message may quote hidden inputs), keeping the public
  test's output and the judge's verdict (the `GradingFailure` error that names the mistake);
- puts a summary at the top: the points of each graded function and what the judge found.
"""
import os
import re

from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from dnnkit.outcome import METADATA_KEY, STATUS_FILE, Outcome, Verdict, function_of

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
        text = output.get("text", "")
        output["text"] = without_hidden(text if isinstance(text, str) else "".join(text), secrets)
    else:
        data = output.get("data", {})
        for mime in [m for m in data if m.startswith("text/")]:
            text = data[mime] if isinstance(data[mime], str) else "".join(data[mime])
            data[mime] = without_hidden(text, secrets)


def _escape(text):
    return re.sub(r"([\\`*_|<>\[\]#])", r"\\\1", " ".join(str(text).split()))


def summary(nb, status=None):
    """Markdown: points per graded function and the judge's finding, then the total."""
    rows, total, maximum = [], 0.0, 0.0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") and meta.get("points")):
            continue
        verdict = Verdict.of_cell(cell)
        name = verdict.name if verdict else function_of(meta.get("grade_id", ""))
        score = meta.get("score") or 0
        points = meta.get("points") or 0
        total, maximum = total + score, maximum + points
        if not verdict:
            finding = "see the test cell below"
        elif verdict.passed:
            finding = f"passed ({verdict.cases} hidden tests)"
        else:
            finding = verdict.message or "failed"
        rows.append(f"| `{name}` | {score:g} / {points:g} | {_escape(finding)} |")
    text = ["## Your results", ""]
    if status and status.status != "graded":
        text += [f"**Grading note:** {_escape(status.reason or status.status)}", ""]
    text += ["| graded function | points | what the grader found |", "|---|---|---|", *rows,
             f"| **total** | **{total:g} / {maximum:g}** | |", "",
             "Each function was graded on its own, on hidden inputs drawn at grading time. "
             "The test cells below keep the output of the public tests."]
    return "\n".join(text)


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
        top = new_markdown_cell(summary(nb, status))
        top.metadata[METADATA_KEY] = {"feedback_summary": True}
        nb.cells.insert(0, top)
        return nb, resources
