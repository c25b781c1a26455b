"""Grading one submission: the unit of work of `dnnkit grade`, wherever it runs.

`grade(task)` takes a picklable `Task` (the submitted files and a `CourseSnapshot`: the nbgrader
config, the assignment's definition from the gradebook, the source files) and returns a picklable
`Result`: each notebook as nbgrader would write it into autograded/, the scores and comments
nbgrader's SaveAutoGrades would store, and a status with reasons. It writes neither autograded/
nor the gradebook: the coordinator (dnnkit.batch.engine) does, so a result lands once, whether it was
computed by a local worker or, later, on another machine.

It runs nbgrader's own per-notebook pipeline, i.e. the preprocessors configured in
`c.Autograde.sanitize_preprocessors` and `c.Autograde.autograde_preprocessors` (the judge
included), exactly as nbgrader's Autograde converter chains them, with these substitutions:
- Execute → ForkedExecute (the sandboxed, forked, pre-imported Python; dnnkit.plugins.executor);
- OverwriteCells, OverwriteKernelspec → the same classes reading the assignment definition from
  the snapshot instead of the database (no gradebook on a worker);
- CheckCellMetadata → the same check with the schema compiled once (nbgrader re-checks the JSON
  schema itself for every cell, most of a submission's bookkeeping time);
- SaveAutoGrades, AssignLatePenalties (they write the gradebook) → done by the coordinator from
  the scores computed here with nbgrader's own `determine_grade`.
"""
import copy
import fnmatch
import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)
from nbgrader.preprocessors.base import NbGraderPreprocessor
from traitlets.utils.importstring import import_item

from dnnkit import assignments, context, notebook
from dnnkit.outcome import Fault, Outcome, decide, verdict_faults
from dnnkit.host import sandbox


# ----------------------------------------------------------------------------------------------
# What travels to a worker and back
# ----------------------------------------------------------------------------------------------

@dataclass
class CellDef:
    """A source cell of the gradebook (what OverwriteCells restores from)."""
    name: str
    cell_type: str
    locked: bool
    checksum: str
    source: str


@dataclass
class GradedDef:
    name: str
    max_score: float
    cell_type: str


@dataclass
class SolutionDef:
    name: str


@dataclass
class NotebookDef:
    name: str
    kernelspec: str
    source_cells: list
    grade_cells: list
    solution_cells: list
    task_cells: list


@dataclass
class CourseSnapshot:
    """What a worker needs of the course to grade an assignment, read once by the coordinator."""
    assignment: str
    config: object                      # traitlets Config (nbgrader_config.py and defaults)
    notebooks: dict                     # {notebook name: NotebookDef} from the gradebook
    source_files: dict                  # {relative path: bytes}: source/<assignment>/ minus notebooks
    source_notebooks: dict              # {notebook name: text}: the reference, for the judge
    ignore: list                        # CourseDirectory.ignore patterns
    released: dict = field(default_factory=dict)   # {notebook: {grade id: source}} of locked
                                                   # cells as released (to notice edits)
    key: str = ""

    def __post_init__(self):
        if not self.key:
            digest = hashlib.sha256(self.assignment.encode())
            for rel, data in sorted(self.source_files.items()):
                digest.update(rel.encode() + b"\0" + data)
            for name, text in sorted(self.source_notebooks.items()):
                digest.update(name.encode() + b"\0" + text.encode())
            digest.update(repr(sorted(self.notebooks)).encode())
            # the hidden cases' definitions and the judge decide verdicts too
            digest.update(assignments.definition_source(self.assignment))
            self.key = digest.hexdigest()


@dataclass
class Task:
    assignment: str
    student: str
    files: dict                         # {relative path: bytes} of submitted/<student>/<assignment>/
    course: CourseSnapshot
    digest: str = ""                    # sha256 of the files (resume key)


@dataclass
class NotebookResult:
    name: str
    state: str                          # "graded", "missing" or "unreadable"
    text: str = None                    # the autograded notebook, as nbgrader writes it
    grades: dict = field(default_factory=dict)     # grade id -> auto_score
    comments: dict = field(default_factory=dict)   # grade id -> auto_comment
    reason: str = ""


@dataclass
class Result:
    assignment: str
    student: str
    digest: str
    status: str                         # "graded", "fault" or "missing"
    reason: str
    faults: list                        # [outcome.Fault], in the order found
    seconds: float
    notebooks: list
    cells_seconds: float = 0.0          # time spent running the notebooks' cells
    judge_seconds: float = 0.0          # time from the end of execution to the end of grading

    def outcome(self, course_key):
        """What the status file records of it (read back by feedback, exports and reports)."""
        return Outcome(self.status, self.reason, self.digest, self.faults, round(self.seconds, 3),
                       {"cells": round(self.cells_seconds, 3), "judge": round(self.judge_seconds, 3)},
                       course_key)


def digest_files(files):
    digest = hashlib.sha256()
    for rel, data in sorted(files.items()):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def ignored(rel, patterns):
    """nbgrader's find_all_files rule: a file is skipped when its name or a folder's matches."""
    return any(fnmatch.fnmatch(part, p) for part in rel.split("/") for p in patterns)


def without_conflicts(files, course, status_file="grading_status.json"):
    """({path: bytes}, {path: note}): the submitted files minus those that would take the place
    of a file the kit writes beside them (the course's files, the notebooks, the status file),
    or sit under one as if it were a folder (a file named `testCases`, a folder named
    `grading_status.json`): they are left out and noted, never written."""
    ours = set(course.source_files) | {n + ".ipynb" for n in course.notebooks} | {status_file}
    folders = {"/".join(p.split("/")[:i]) for p in ours for i in range(1, p.count("/") + 1)}
    kept, notes = {}, {}
    for rel, data in files.items():
        parents = {"/".join(rel.split("/")[:i]) for i in range(1, rel.count("/") + 1)}
        if rel in folders or parents & ours or (rel in ours and not rel.endswith(".ipynb")):
            notes[rel] = "has the name of one of the course's own files: not graded"
        else:
            kept[rel] = data
    return kept, notes


def autograded_files(files, course):
    """The non-notebook files nbgrader's Autograde puts beside the notebooks: the submission's
    own (minus ignored ones), then the source's over them."""
    out = {rel: data for rel, data in files.items()
           if not rel.endswith(".ipynb") and not ignored(rel, course.ignore)}
    out.update(course.source_files)
    return out


# ----------------------------------------------------------------------------------------------
# The coordinator's side: the snapshot
# ----------------------------------------------------------------------------------------------

def snapshot(config, coursedir, assignment):
    """Read the assignment's definition (gradebook) and source files once."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde
    notebooks = {}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            notebooks[nb.name] = NotebookDef(
                nb.name, nb.kernelspec,
                [CellDef(c.name, c.cell_type, c.locked, c.checksum, c.source) for c in nb.source_cells],
                [GradedDef(c.name, c.max_score, c.cell_type) for c in nb.grade_cells],
                [SolutionDef(c.name) for c in nb.solution_cells],
                [GradedDef(c.name, c.max_score, c.cell_type) for c in nb.task_cells])
    source = coursedir.format_path(coursedir.source_directory, ".", assignment)
    exclude = set(Autograde(config=config).exclude_overwriting.get(assignment, []))
    files = {}
    for path in utils.find_all_files(source, coursedir.ignore + ["*.ipynb"]):
        rel = os.path.relpath(path, source).replace(os.sep, "/")
        if rel not in exclude:
            with open(path, "rb") as f:
                files[rel] = f.read()
    source_notebooks, released = {}, {}
    release = coursedir.format_path(coursedir.release_directory, ".", assignment)
    for name in notebooks:
        with open(os.path.join(source, name + ".ipynb"), encoding="utf-8") as f:
            source_notebooks[name] = f.read()
        path = os.path.join(release, name + ".ipynb")
        if os.path.exists(path):
            released[name] = {c.metadata.nbgrader["grade_id"]: c.source
                              for c in nbformat.read(path, as_version=4).cells
                              if utils.is_locked(c) and "grade_id" in c.metadata.get("nbgrader", {})}
    return CourseSnapshot(assignment, copy.deepcopy(config), notebooks, files, source_notebooks,
                          list(coursedir.ignore), released)


# ----------------------------------------------------------------------------------------------
# Substituted steps
# ----------------------------------------------------------------------------------------------

class Definition:
    """The read-only part of nbgrader's Gradebook API that OverwriteCells and OverwriteKernelspec
    call, answered from the snapshot."""

    def __init__(self, course):
        self.course = course

    def find_notebook(self, name, assignment):
        try:
            return self.course.notebooks[name]
        except KeyError:
            raise MissingEntry() from None

    def find_source_cell(self, name, notebook, assignment):
        for cell in self.find_notebook(notebook, assignment).source_cells:
            if cell.name == name:
                return cell
        raise MissingEntry()

    def cell_names(self, notebook):
        return {cell.name for cell in self.course.notebooks[notebook].source_cells}

    def find_graded_cell(self, name, notebook, assignment):
        nb = self.find_notebook(notebook, assignment)
        for cell in nb.grade_cells + nb.task_cells:
            if cell.name == name:
                return cell
        raise MissingEntry()


# What nbgrader repairs in a submission, in the words of the grading note. Noted where it
# happens (the submitted cells, OverwriteCells.report_change), not read back from nbgrader's log.
REPAIRED = {
    "edited": "locked cell edited: nbgrader restored it from the source",
    "duplicated": "cell duplicated: nbgrader ignored the copies",
    "unknown": "unknown grade id: nbgrader ignored the cell",
    "deleted": "test cell deleted: nbgrader restored it from the source",
    "points": "points changed to {new:g}: nbgrader reset them to {old:g}",
    "cell_type": "cell turned into {new}: nbgrader made it {old} again",
    "locked": "lock removed: nbgrader locked it again",
    "flags": "grade or solution flag changed: restored from the source",
}


def _note(resources, grade_id, kind, **values):
    """One note per cell and kind (nbgrader may report a change twice)."""
    notes = context.of(resources).notes
    fault = Fault(grade_id, REPAIRED[kind].format(**values))
    if fault not in notes:
        notes.append(fault)


class NoteEditedCells(NbGraderPreprocessor):
    """Notes, in the submission as it came, locked cells whose source differs from the release
    (nbgrader's own report fires for every test cell with hidden tests, edited or not), grade
    ids used twice and grade ids the assignment does not have."""

    def preprocess(self, nb, resources):
        run, seen = context.of(resources), set()
        released, known = run.released, run.definition.cell_names(resources["nbgrader"]["notebook"])
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(grade_id, str):   # none, or not one nbgrader could have made
                continue
            if meta.get("grade") or meta.get("solution") or meta.get("locked"):   # as DeduplicateIds
                if grade_id in seen:
                    _note(resources, grade_id, "duplicated")
                seen.add(grade_id)
            if grade_id not in known:
                _note(resources, grade_id, "unknown")
            elif grade_id in released and cell.get("source") != released[grade_id]:
                _note(resources, grade_id, "edited")
        return nb, resources


class OverwriteCellsFromSnapshot(OverwriteCells):
    """nbgrader's OverwriteCells.preprocess, statement for statement, but for where the source
    cells come from: the snapshot (`Definition`) instead of a gradebook connection per notebook
    (tests/test_outcome.py pins nbgrader's body, so an nbgrader upgrade that changes it fails
    there first). Its repairs are noted through `report_change`, nbgrader's one report of them."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.gradebook = context.of(resources).definition
        self._resources = resources
        self._restore_flags(nb, resources)
        nb, resources = super(OverwriteCells, self).preprocess(nb, resources)
        for cell in nb.cells:
            # DeduplicateIds leaves {} on copies, and an unknown grade id is deleted from its
            # cell: left so, add_missing_*_cells raise KeyError (plain nbgrader then grades
            # nothing of the notebook). They are ordinary cells now; the real ones come back.
            meta = cell.metadata.get("nbgrader", None)
            if meta is not None and "grade_id" not in meta:
                del cell.metadata["nbgrader"]
        if self.add_missing_cells:
            present = {c.metadata.nbgrader["grade_id"] for c in nb.cells   # as add_missing_grade_cells
                       if utils.is_grade(c) or utils.is_solution(c)}
            for cell in self.gradebook.find_notebook(self.notebook_id, self.assignment_id).grade_cells:
                if cell.name not in present:
                    _note(resources, cell.name, "deleted")
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources

    def _restore_flags(self, nb, resources):
        """A known cell's grade and solution flags as in the source: nbgrader restores its
        source and lock but not these, then finds its checksum inconsistent and grades nothing
        of the notebook (plain nbgrader does; RuntimeError "Inconsistent checksums")."""
        definition = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        graded = {c.name for c in definition.grade_cells}
        solutions = {c.name for c in definition.solution_cells}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if isinstance(grade_id, str) and grade_id in graded | solutions:
                flags = {"grade": grade_id in graded, "solution": grade_id in solutions}
                if any(bool(meta.get(k)) != v for k, v in flags.items()):
                    _note(resources, grade_id, "flags")
                    meta.update(flags)

    def report_change(self, name, attr, old, new):
        super().report_change(name, attr, old, new)
        if attr in REPAIRED:   # a changed checksum is an edit, noted by NoteEditedCells
            _note(self._resources, name, attr, old=old, new=new)


class OverwriteKernelspecFromSnapshot(OverwriteKernelspec):
    """nbgrader's OverwriteKernelspec; the kernelspec comes from the snapshot."""

    def preprocess(self, nb, resources):
        kernelspec = context.of(resources).definition.find_notebook(
            resources["nbgrader"]["notebook"], resources["nbgrader"]["assignment"]).kernelspec
        if kernelspec:
            nb.metadata["kernelspec"] = json.loads(kernelspec)
        return nb, resources


class _CompiledValidator(MetadataValidator):
    """Valid metadata passes a schema compiled once; anything else goes through nbgrader's own
    check, which raises its usual errors."""

    def __init__(self):
        super().__init__()
        import jsonschema
        self._compiled = jsonschema.validators.validator_for(self.schema)(self.schema)

    def validate_cell(self, cell):
        meta = cell.metadata.get("nbgrader")
        if meta is None or (meta.get("schema_version", 0) == self.schema_version
                            and self._compiled.is_valid(meta)):
            return
        super().validate_cell(cell)


class CheckCellMetadataCompiled(CheckCellMetadata):
    _validator = None

    def preprocess(self, nb, resources):
        if CheckCellMetadataCompiled._validator is None:
            CheckCellMetadataCompiled._validator = _CompiledValidator()
        import nbgrader.preprocessors.checkcellmetadata as check
        try:
            self._validator.validate_nb(nb)
        except check.ValidationError:
            return super().preprocess(nb, resources)   # nbgrader's logging and error
        return nb, resources


def _substitute(step):
    from dnnkit.plugins.executor import ForkedExecute
    from dnnkit.plugins.kernel import SandboxedExecute
    from dnnkit.plugins.links import RefuseLinks
    from dnnkit.plugins.output_cap import CapOutputs
    from dnnkit.plugins.record_outcome import RecordOutcome
    step = import_item(step) if isinstance(step, str) else step
    if step in (RefuseLinks, CapOutputs, RecordOutcome):   # the engine reads submissions without
        return None   # following links, its executor caps outputs, its coordinator writes the status
    return {Execute: ForkedExecute, SandboxedExecute: ForkedExecute, OverwriteCells: OverwriteCellsFromSnapshot,
            OverwriteKernelspec: OverwriteKernelspecFromSnapshot,
            CheckCellMetadata: CheckCellMetadataCompiled}.get(step, step)


COORDINATOR_STEPS = (SaveAutoGrades, AssignLatePenalties)   # they write the gradebook


class Steps(NbGraderPreprocessor):
    """The configured preprocessors, run in order as one nbconvert step: nbconvert validates the
    whole notebook after each step it runs, a tenth of a second per notebook for nothing."""

    def __init__(self, steps=(), **kwargs):
        super().__init__(**kwargs)
        self.steps = [step(parent=self) for step in steps]

    def preprocess(self, nb, resources):
        for step in self.steps:
            nb, resources = step(nb, resources)
        return nb, resources


# ----------------------------------------------------------------------------------------------
# The worker's side
# ----------------------------------------------------------------------------------------------

# nbgrader's preprocessors log their repairs; they are noted where they happen (REPAIRED), so
# the log itself goes nowhere (a worker's stderr is not read).
LOG = logging.getLogger("dnnkit.batch.grading")
LOG.propagate = False
LOG.addHandler(logging.NullHandler())

class _Pipeline:
    """One course snapshot made ready in a worker: exporters and a scratch root holding the
    source notebooks (where the judge reads the reference)."""

    def __init__(self, course):
        self.course = course
        self.root = sandbox.scratch_dir("dnnkit-course-")
        folder = os.path.join(self.root, "source", course.assignment)
        os.makedirs(folder)
        for name, text in course.source_notebooks.items():
            with open(os.path.join(folder, name + ".ipynb"), "w", encoding="utf-8") as f:
                f.write(text)
        config = copy.deepcopy(course.config)
        config.CourseDirectory.root = self.root
        config.Exporter.default_preprocessors = []
        self.sanitize, self.autograde = pipeline_steps(config)
        self.definition = Definition(course)
        imports = "\n".join(dict.fromkeys(   # the source notebooks' imports, in order, once
            line for text in course.source_notebooks.values()
            for line in notebook.setup_code(nbformat.reads(text, as_version=4)).split("\n") if line))
        self.session = sandbox.Session(sandbox.Sandbox(config=config), shell=True,
                                       files=autograded_files({}, course), imports=imports)

    def alive(self):
        return self.session.proc is not None and self.session.proc.poll() is None

    def close(self):
        self.session.close()
        shutil.rmtree(self.root, ignore_errors=True)


def pipeline_steps(config):
    """(sanitize, autograde): nbgrader's Autograde preprocessor lists as configured, with the
    substitutions (_substitute), NoteEditedCells first and the gradebook writers left to the
    coordinator."""
    from nbgrader.converters import Autograde
    converter = Autograde(config=config)
    autograde = [s for s in converter.autograde_preprocessors
                 if (import_item(s) if isinstance(s, str) else s) not in COORDINATOR_STEPS]
    return tuple(Steps(steps=[s for s in map(_substitute, steps) if s is not None], config=config, log=LOG)
                 for steps in ([NoteEditedCells] + list(converter.sanitize_preprocessors), autograde))


def notebook_resources(course, definition, student, name, path, session=None):
    """The nbconvert resources one notebook of a submission is graded with (`session`: the
    worker's sandbox, where ForkedExecute and the judge start student processes)."""
    return {
        "unique_key": name, "output_files_dir": f"{name}_files",
        "nbgrader": {"student": student, "assignment": course.assignment, "notebook": name,
                     "db_url": None},
        "metadata": {"name": name, "path": path},
        context.KEY: context.NotebookRun(session, definition, course.released.get(name, {})),
    }


_pipeline = None


def _ready(course):
    global _pipeline
    if _pipeline is None or _pipeline.course.key != course.key or not _pipeline.alive():
        if _pipeline is not None:
            _pipeline.close()
        _pipeline = None
        _pipeline = _Pipeline(course)
    return _pipeline


def shutdown():
    """Stop this process's sandbox and remove its scratch files."""
    global _pipeline
    if _pipeline is not None:
        _pipeline.close()
        _pipeline = None


def grade(task):
    """Grade one submission (see the module doc). Never raises for anything a submission does."""
    started = time.monotonic()
    course = task.course
    pipe = _ready(course)
    pipe.session.prepare(autograded_files(task.files, course))
    notebooks, faults = [], []
    info = {"cells_seconds": 0.0, "judge_seconds": 0.0}
    for name in sorted(course.notebooks):
        notebooks.append(_grade_notebook(pipe, task, name, faults, info))
    status, reason = _status(task, notebooks, faults)
    return Result(task.assignment, task.student, task.digest, status, reason, faults,
                  time.monotonic() - started, notebooks, info["cells_seconds"], info["judge_seconds"])


def _grade_notebook(pipe, task, name, faults, info):
    """Grade one notebook; what went wrong is appended to `faults` (two at one cell, say a
    locked cell edited *and* timing out, are two entries)."""
    filename = name + ".ipynb"
    if filename not in task.files:
        return NotebookResult(name, "missing", reason=f"no {filename} was submitted")
    resources = notebook_resources(task.course, pipe.definition, task.student, name,
                                   pipe.session.work_dir, pipe.session)
    try:
        text = task.files[filename].decode("utf-8")
        nb, resources = _run(pipe.sanitize, nbformat.reads(text, as_version=4), resources)
        sanitized = nbformat.writes(nb)
    except Exception as error:  # noqa: BLE001 (invalid JSON, bad metadata...)
        unreadable = isinstance(error, (ValueError, UnicodeError)) or "nbformat" in type(error).__module__
        reason = (f"{filename} could not be read" if unreadable else
                  f"nbgrader could not grade {filename}") + f": {_short(error)}"
        faults.append(Fault(filename, reason, stops=True))
        return NotebookResult(name, "unreadable", reason=reason)
    run = context.of(resources)
    faults.extend(run.notes)
    pipe.session.write(filename, sanitized.encode("utf-8"))
    try:
        with utils.setenv(NBGRADER_EXECUTION="autograde"):   # nbgrader reads the sanitized file
            nb, resources = _run(pipe.autograde, nbformat.reads(sanitized, as_version=4), resources)
        output = nbformat.writes(nb)
    except Exception as error:  # noqa: BLE001
        reason = f"nbgrader could not grade {filename}: {_short(error)}"
        faults.append(Fault(filename, reason, stops=True))
        return NotebookResult(name, "unreadable", reason=reason)
    finished = time.monotonic()
    info["cells_seconds"] += run.cells_seconds
    info["judge_seconds"] += finished - (run.executed_at or finished)
    faults.extend(Fault(where, why, stops=True) for where, why in run.faults.items())
    result = NotebookResult(name, "graded", output)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if utils.is_grade(cell):   # what nbgrader's SaveAutoGrades stores
            result.grades[grade_id] = utils.determine_grade(cell, LOG)[0]
        if utils.is_solution(cell) or utils.is_task(cell):
            unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
            result.comments[grade_id] = "No response." if unchanged and not utils.is_task(cell) else None
    faults.extend(verdict_faults(nb.cells))
    return result


def _run(steps, nb, resources):
    """What nbconvert's Exporter does with its preprocessors, without its three deep copies of
    the notebook and one of the resources per call (a fifth of a submission's bookkeeping):
    the notebook here was just parsed and belongs to this call alone."""
    resources, metadata = _resources_dict(resources), resources.get("metadata", {})
    resources["metadata"] = _resources_dict(metadata)
    nb, resources = steps(nb, resources)
    nbformat.validate(nb)   # as the Exporter validates after its preprocessors
    return nb, resources


def _resources_dict(values):
    """nbconvert's resources type: a dict whose missing keys read as ""."""
    resources = ResourcesDict()
    resources.update(values)
    return resources


def _short(error):
    text = f"{type(error).__name__}: {error}".strip()
    return text if len(text) < 300 else text[:300] + "..."


def _status(task, notebooks, faults):
    states = [nb.state for nb in notebooks]
    if states and all(s == "missing" for s in states):
        found = sorted(f for f in task.files if f.endswith(".ipynb"))
        expected = ", ".join(nb.name + ".ipynb" for nb in notebooks)
        return "missing", (f"no {expected} in the submission" +
                           (f" (found: {', '.join(found)})" if found else ""))
    return decide(faults, {nb.name + ".ipynb": nb.reason for nb in notebooks if nb.state == "unreadable"},
                  [nb.reason for nb in notebooks if nb.state == "missing"])
