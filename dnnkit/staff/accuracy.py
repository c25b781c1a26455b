"""How right the grader is: grade the catalog (dnnkit.staff.catalog) through `dnnkit grade` and count.

`measure()` builds every catalog submission of the chosen assignments in a scratch copy of the
course, runs `nbgrader generate_assignment` and one `dnnkit grade` per assignment (the path the
README recommends; plain `nbgrader autograde` runs the same steps), and
compares what was recorded (points in the gradebook, the judge's message in each test
cell's metadata) with what the catalog expects. `dnnkit accuracy` prints the figures;
tests/test_catalog.py asserts them.
"""
import os
import tempfile
from dataclasses import dataclass, field

import nbformat

from dnnkit import assignments, notebook
from dnnkit.staff import catalog, course, results, submissions
from dnnkit.judging.judge import LONG_NUMBER  # a message never shows numbers like these


@dataclass
class Evaluation:
    """What grading gave one catalog submission, and where it differs from the catalog."""
    entry: catalog.Entry
    points: dict                    # function -> points (0 when nbgrader recorded none)
    messages: dict                  # function -> the judge's message
    false_accepts: list = field(default_factory=list)   # wrong functions given points
    false_rejects: list = field(default_factory=list)   # correct functions denied points
    unnamed: list = field(default_factory=list)         # wrong functions whose mistake was not named
    leaks: list = field(default_factory=list)           # messages that show hidden tests or inputs
    generic: list = field(default_factory=list)         # wrong functions told by the generic
                                                        # diagnosis (no named mistake matched)

    @property
    def exact(self):
        return not (self.false_accepts or self.false_rejects or self.unnamed or self.leaks)


def make(entry, release_nb, source_nb):
    """The notebook of one catalog entry (nbformat), built from the release and the reference."""
    spec = assignments.load(entry.assignment)
    known = {f"{v.function}/{v.key}": v for v in spec.mistakes + spec.styles}
    variants = [known[v] if isinstance(v, str) else v for v in entry.variants]
    solved = [f for f in notebook.graded_functions(source_nb) if f not in entry.blank]
    nb = submissions.make(release_nb, source_nb, solved, variants, replace=entry.cells)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    for offset, source in enumerate(entry.extra, start=1):
        nb.cells.insert(first_code + offset, nbformat.v4.new_code_cell(source))
    for grade_id, source in entry.tests.items():
        index = next(i for i, c in enumerate(nb.cells)
                     if notebook.nbgrader_meta(c).get("grade_id") == grade_id)
        if source is None:
            del nb.cells[index]
        else:
            nb.cells[index].source = source
    return nb


def notebooks(root, assignment):
    """(release notebook, source notebook) of an assignment."""
    release_path = submissions.release_notebook_path(root, assignment)
    source_path = notebook.source_notebook_path(
        root, assignment, os.path.splitext(os.path.basename(release_path))[0])
    return notebook.read(release_path), notebook.read(source_path)


def build(root, assignment, entries):
    """Write each entry's notebook into root/submitted/<student>/<assignment>/."""
    release_nb, source_nb = notebooks(root, assignment)
    for entry in entries:
        submissions.write(root, assignment, entry.student, make(entry, release_nb, source_nb))


def grade(root, assignment):
    """Through `dnnkit grade`, the path the README recommends for real classes."""
    import io
    from dnnkit.batch import engine
    course.nbgrader(root, "generate_assignment", assignment, "--force")  # fills the gradebook
    engine.grade(root, assignment, force=True, out=io.StringIO())


def hidden_text(root, assignment):
    """The lines of the source notebook's hidden-test regions (none may reach a student)."""
    source = notebooks(root, assignment)[1]
    lines, inside = set(), False
    for cell in source.cells:
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                lines.add(line.strip())
    return lines


def evaluate(entry, result, maxima, hidden):
    """Compare one graded submission with its catalog entry; `maxima`: {function: max points}."""
    functions = list(maxima)
    points = {f: result.scores.get(f) or 0 for f in functions}
    messages = {f: result.verdicts[f].message if f in result.verdicts else "" for f in functions}
    outcome = Evaluation(entry, points, messages)
    for f in functions:
        if f in entry.wrong:
            verdict = result.verdicts.get(f)
            if verdict is not None and not verdict.passed and not verdict.mistake and not verdict.fault:
                outcome.generic.append(f)
            if points[f] > 0:
                outcome.false_accepts.append(f)
            elif entry.wrong[f] and entry.wrong[f] not in messages[f]:
                outcome.unnamed.append(f)
        elif points[f] < maxima[f]:
            outcome.false_rejects.append(f)
        message = messages[f]
        if LONG_NUMBER.search(message) or any(line in message for line in hidden):
            outcome.leaks.append(f)
    return outcome


def measure(root, chosen=None, workdir=None, students=None, out=None):
    """[Evaluation] for every catalog entry of the chosen assignments (default: all that have
    entries), or only for the `students` given. Grades in `workdir` (default: a temporary
    folder, removed afterwards). `out`: a line there as each assignment starts and ends."""
    import shutil
    import time
    chosen = [a for a in (chosen or course.ASSIGNMENTS) if catalog.entries(a)]
    scratch_root = workdir or tempfile.mkdtemp(prefix="dnnkit-accuracy-")
    scratch = course.copy_course(root, os.path.join(scratch_root, "course"))
    outcomes = []
    try:
        for assignment in chosen:
            entries = [e for e in catalog.entries(assignment) if not students or e.student in students]
            if not entries:
                continue
            started = time.monotonic()
            if out:
                out.write(f"accuracy {assignment}: {len(entries)} catalog submissions (build, "
                          f"nbgrader generate_assignment, dnnkit grade) ...\n")
                out.flush()
            build(scratch, assignment, entries)
            grade(scratch, assignment)
            if out:
                out.write(f"accuracy {assignment}: graded in {time.monotonic() - started:.0f} s\n")
                out.flush()
            maxima = results.graded_functions(scratch, assignment)
            graded = {r.student: r for r in results.collect(scratch, assignment)}
            hidden = hidden_text(scratch, assignment)
            outcomes += [evaluate(e, graded[e.student], maxima, hidden) for e in entries]
    finally:
        if workdir is None:
            shutil.rmtree(scratch_root, ignore_errors=True)
    return outcomes


@dataclass
class Figures:
    submissions: int
    exact: int
    wrong_functions: int
    false_accepts: int
    correct_functions: int
    false_rejects: int
    diagnoses: int
    named: int
    leaks: int
    generic: int = 0            # wrong functions told without a named mistake
    generic_named: int = 0      # ... whose message has the catalogue's words


def figures(outcomes):
    wrong = sum(len(o.entry.wrong) for o in outcomes)
    diagnoses = sum(1 for o in outcomes for words in o.entry.wrong.values() if words)
    return Figures(
        submissions=len(outcomes), exact=sum(o.exact for o in outcomes),
        wrong_functions=wrong, false_accepts=sum(len(o.false_accepts) for o in outcomes),
        correct_functions=sum(len(o.points) for o in outcomes) - wrong,
        false_rejects=sum(len(o.false_rejects) for o in outcomes),
        diagnoses=diagnoses, named=diagnoses - sum(len(o.unnamed) for o in outcomes),
        leaks=sum(len(o.leaks) for o in outcomes),
        generic=sum(len(o.generic) for o in outcomes),
        generic_named=sum(1 for o in outcomes for f in o.generic if o.entry.wrong[f] and f not in o.unnamed))


def report(outcomes):
    """The figures and every difference, as printed by `dnnkit accuracy`."""
    f = figures(outcomes)
    lines = []
    for o in outcomes:
        if not o.exact:
            e = o.entry
            parts = [f"false accept {', '.join(o.false_accepts)}" if o.false_accepts else "",
                     f"false reject {', '.join(o.false_rejects)}" if o.false_rejects else "",
                     "; ".join(f"{fn} not named ({e.wrong[fn]!r} not in {o.messages[fn]!r})"
                               for fn in o.unnamed),
                     f"message shows hidden text or inputs: {', '.join(o.leaks)}" if o.leaks else ""]
            note = " (expected to hold only with a sandbox)" if e.needs else ""
            lines.append(f"  ✗ {e.assignment}/{e.student} [{e.kind}]{note}: "
                         + "; ".join(p for p in parts if p))
    share = f"{100 * f.named / f.diagnoses:.0f}%" if f.diagnoses else "n/a"
    lines += [
        f"submissions judged exactly right: {f.exact} of {f.submissions}",
        f"false accepts (wrong functions given points): {f.false_accepts} of {f.wrong_functions}",
        f"false rejects (correct functions denied points): {f.false_rejects} of {f.correct_functions}",
        f"mistakes whose diagnosis was named: {f.named} of {f.diagnoses} ({share})",
        f"messages showing hidden tests or inputs: {f.leaks}",
        f"wrong functions no named mistake explains, told by the generic diagnosis: {f.generic} of "
        f"{f.wrong_functions} ({f.generic_named} with the catalogue's words)",
    ]
    return "\n".join(lines)
