"""`dnnkit grade`: the coordinator of parallel, sandboxed, resumable autograding.

It reads the course once (nbgrader's config, the assignment's definition from the gradebook,
source files: a grading.CourseSnapshot), turns each submission in submitted/ into a
grading.Task, hands the tasks to an executor (`concurrent.futures`-style: here a local process
pool whose workers keep their imports and sandbox between submissions, or with --cluster the
workers of a Dask scheduler: dnnkit.batch.cluster) and records every result
as it comes back. It is the only writer of autograded/ and of the gradebook, through nbgrader's
Gradebook API, so `nbgrader export`, formgrader and `generate_feedback` work as after
`nbgrader autograde`.

Recording one result: the autograded folder is built aside and swapped in, the gradebook rows
are committed, and `grading_status.json` (with the submission's sha256) is written last; a batch
stopped at any point (Ctrl-C) therefore resumes by grading again what has no up-to-date status.
"""
import concurrent.futures
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

# jsonschema (under nbformat) imports the optional rfc3987_syntax, which builds a parser grammar
# at import: about a second per process start. Nothing here checks "iri" formats: go without it.
sys.modules.setdefault("rfc3987_syntax", None)

from traitlets import Integer, Unicode  # noqa: E402
from traitlets.config import LoggingConfigurable  # noqa: E402

from dnnkit.batch import grading  # noqa: E402
from dnnkit import outcome_store  # noqa: E402
from dnnkit.outcome import STATUS_FILE, Fault, Outcome  # noqa: E402


class GradeEngine(LoggingConfigurable):
    """Settings of `dnnkit grade` (c.GradeEngine.* in nbgrader_config.py)."""

    workers = Integer(0, help="Grading worker processes (0: one per CPU core).").tag(config=True)
    max_submission_mb = Integer(100, help="Largest submission folder graded (MiB).").tag(config=True)
    cluster = Unicode("", help="Address of a Dask scheduler (tls://host:8786) whose workers grade "
                      "instead of local processes (dnnkit.batch.cluster); --cluster overrides it.").tag(config=True)
    tls_ca_file = Unicode("", help="Dask TLS: the certificate authority that signed the scheduler's, "
                          "the workers' and this coordinator's certificates.").tag(config=True)
    tls_cert = Unicode("", help="Dask TLS: this coordinator's certificate (PEM).").tag(config=True)
    tls_key = Unicode("", help="Dask TLS: this coordinator's private key (PEM).").tag(config=True)


def load_config(root):
    """nbgrader's configuration for the course in `root`, read the way nbgrader's apps read it."""
    from nbgrader.apps.baseapp import NbGrader
    app = NbGrader()
    app.log_level = logging.ERROR
    app.load_cwd_config = False   # `root`'s config, not that of another course we may be in
    app.initialize([], root=root)
    return app.config, app.coursedir


# ----------------------------------------------------------------------------------------------
# Submissions
# ----------------------------------------------------------------------------------------------

class TooLarge(Exception):
    pass


def read_submission(path, limit):
    """({relative path: bytes}, {path: note}) of a submission folder; links are not followed."""
    files, notes, total = {}, {}, 0
    for dirpath, dirnames, filenames in os.walk(path):
        for name in list(dirnames):
            if os.path.islink(os.path.join(dirpath, name)):
                dirnames.remove(name)
                notes[os.path.relpath(os.path.join(dirpath, name), path)] = "a link: not graded"
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, path).replace(os.sep, "/")
            if os.path.islink(full) or not os.path.isfile(full):
                notes[rel] = "a link or special file: not graded"
                continue
            total += os.path.getsize(full)
            if total > limit:
                raise TooLarge(f"the submission is larger than {limit >> 20} MiB")
            with open(full, "rb") as f:
                files[rel] = f.read()
    return files, notes


def timestamp_of(files):
    from nbgrader.utils import parse_utc
    text = files.get("timestamp.txt", b"").decode("utf-8", "replace").strip()
    if not text:
        return None, ""
    try:
        return parse_utc(text), ""
    except (ValueError, OverflowError):
        return None, f"timestamp.txt is not a time ({text[:40]!r}): ignored"


def fault_result(task, reason):
    """A submission that could not be graded at all: zeros, flagged for a person."""
    notebooks = [grading.NotebookResult(name, "unreadable", reason=reason) for name in task.course.notebooks]
    return grading.Result(task.assignment, task.student, task.digest, "fault", reason,
                          [Fault("submission", reason, stops=True)], 0.0, notebooks)


# ----------------------------------------------------------------------------------------------
# Recording (the coordinator is the only writer)
# ----------------------------------------------------------------------------------------------

class Recorder:
    def __init__(self, config, coursedir, course):
        from nbgrader.api import Gradebook
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import AssignLatePenalties
        self.coursedir, self.course = coursedir, course
        self.gb = Gradebook(coursedir.db_url, coursedir.course_id)
        self.permissions = int(str(Autograde(coursedir=coursedir, config=config).permissions), 8)
        late = AssignLatePenalties(config=config)
        late.init_plugin()
        self.late_plugin = late.plugin_inst
        outcome_store.ensure(self.gb.db.get_bind())   # the Outcomes beside the grades

    def close(self):
        self.gb.close()

    def graded_students(self, assignment):
        return {s.student_id for s in self.gb.assignment_submissions(assignment)}

    def dest(self, student, assignment):
        return self.coursedir.format_path(self.coursedir.autograded_directory, student, assignment)

    def record(self, items):
        """Record [(task, result, timestamp)] together: each autograded folder staged beside its
        place, every gradebook row in one transaction, then each status file written and each
        folder swapped in (a folder is in place only once its grades are committed)."""
        staged = []
        try:
            for task, result, _ in items:
                staged.append(self._stage(task, result))
            self.save_grades([(result, timestamp) for _, result, timestamp in items])
        except BaseException:
            for new in staged:
                shutil.rmtree(new, ignore_errors=True)
            raise
        for (task, result, _), new in zip(items, staged):
            self._swap_in(task, result, new)

    def _stage(self, task, result):
        dest = self.dest(task.student, task.assignment)
        new = dest + ".dnnkit-new"
        for leftover in (new, dest + ".dnnkit-old"):
            shutil.rmtree(leftover, ignore_errors=True)
        files = grading.autograded_files(task.files, self.course)
        files.update({nb.name + ".ipynb": nb.text.encode("utf-8") for nb in result.notebooks if nb.text})
        for rel, data in files.items():
            path = os.path.join(new, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        return new

    def _swap_in(self, task, result, new):
        dest, old = self.dest(task.student, task.assignment), new[:-len(".dnnkit-new")] + ".dnnkit-old"
        result.outcome(self.course.key).write(os.path.join(new, STATUS_FILE))
        for dirpath, _, filenames in os.walk(new):   # like nbgrader's set_permissions
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), self.permissions)
        if os.path.exists(dest):
            os.rename(dest, old)
        os.rename(new, dest)
        shutil.rmtree(old, ignore_errors=True)

    def save_grades(self, batch):
        """The rows nbgrader's Autograde writes, for [(result, timestamp)] in one transaction:
        student, submission (timestamp), the scores and comments of SaveAutoGrades,
        AssignLatePenalties' penalty; zeros for missing notebooks. Gradebook.update_or_create_
        student and _submission commit once each per call: for a batch, their rows are made
        here as they make them, and committed once."""
        from nbgrader import utils as nbutils
        from nbgrader.api import Comment, Grade, Student, SubmittedAssignment, SubmittedNotebook, new_uuid
        gb, db = self.gb, self.gb.db
        students = sorted({result.student for result, _ in batch})
        try:
            known = {row.id for row in db.query(Student.id).filter(Student.id.in_(students))}
            for student in students:
                if gb.authenticator:   # as add_student and update_or_create_student do
                    gb.authenticator.add_student_to_course(student, gb.course_id)
                if student not in known:
                    db.add(Student(id=student))
            assignment = gb.find_assignment(self.course.assignment)
            submissions = {row.student_id: row for row in db.query(SubmittedAssignment).filter(
                SubmittedAssignment.assignment_id == assignment.id,
                SubmittedAssignment.student_id.in_(students))}
            # what Gradebook.add_submission makes, by ids (through the relationships, each row
            # would also be appended to the assignment's and the cells' loaded collections)
            notebooks = [(nb.id, [c.id for c in nb.grade_cells + nb.task_cells],
                          [c.id for c in nb.solution_cells + nb.task_cells]) for nb in assignment.notebooks]
            for result, timestamp in batch:
                submission = submissions.get(result.student)
                if submission is None:
                    submission = submissions[result.student] = SubmittedAssignment(
                        id=new_uuid(), assignment_id=assignment.id, student_id=result.student)
                    rows = [submission]
                    for notebook_id, graded, commented in notebooks:
                        nb = SubmittedNotebook(id=new_uuid(), notebook_id=notebook_id, assignment_id=submission.id)
                        rows += [nb, *(Grade(id=new_uuid(), cell_id=c, notebook_id=nb.id) for c in graded),
                                 *(Comment(id=new_uuid(), cell_id=c, notebook_id=nb.id) for c in commented)]
                    db.add_all(rows)
                if timestamp:
                    submission.timestamp = nbutils.parse_utc(timestamp)
            db.flush()
            rows = _rows_of(db, [submissions[result.student] for result, _ in batch])
            for result, _ in batch:
                self._scores(result, rows[submissions[result.student].id])
            db.flush()
            for result, _ in batch:
                submission = submissions[result.student]
                for nbr in result.notebooks:
                    if nbr.state == "graded":
                        self._late_penalty(submission, rows[submission.id][nbr.name]["notebook"],
                                           result.student)
            # the status file's Outcome and the judge's verdicts, committed with the grades
            outcome_store.put(db, self.coursedir.course_id, [
                (result.assignment, result.student, result.outcome(self.course.key),
                 [v for nb in result.notebooks if nb.text for v in outcome_store.verdicts_in(nb.text)])
                for result, _ in batch])
            db.commit()
        except BaseException:
            db.rollback()
            raise

    @staticmethod
    def _scores(result, notebooks):
        """SaveAutoGrades' scores and comments of one result; `notebooks`: its rows by notebook."""
        for nbr in result.notebooks:
            grades, comments = notebooks[nbr.name]["grades"], notebooks[nbr.name]["comments"]
            if nbr.state == "graded":
                for grade in grades:
                    if grade.cell.name in nbr.grades:
                        grade.auto_score = nbr.grades[grade.cell.name]
                        # SaveAutoGrades: a manual score or no auto score needs a person
                        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
                for comment in comments:
                    if comment.cell.name in nbr.comments:
                        comment.auto_comment = nbr.comments[comment.cell.name]
            else:   # missing (nbgrader: zero), or unreadable (zero, and flagged for a person)
                for grade in grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = nbr.state != "missing"

    def _late_penalty(self, submission, notebook, student):
        """AssignLatePenalties: the plugin's penalty, kept between 0 and the notebook's score."""
        self.gb.db.expire(notebook)
        notebook.late_submission_penalty = None
        seconds = submission.total_seconds_late
        if seconds > 0:
            penalty = self.late_plugin.late_submission_penalty(student, notebook.score, seconds)
            if penalty is not None:
                notebook.late_submission_penalty = min(max(penalty, 0), notebook.score)


def _rows_of(db, submissions):
    """{submission id: {notebook name: {"notebook", "grades", "comments"}}} of the submissions'
    rows, in three queries whatever their number (the lazy default asks once per row)."""
    from sqlalchemy.orm import joinedload
    from nbgrader.api import Comment, Grade, SubmittedNotebook
    ids = [s.id for s in submissions]
    rows = {i: {} for i in ids}
    notebooks = db.query(SubmittedNotebook).options(joinedload(SubmittedNotebook.notebook)).filter(
        SubmittedNotebook.assignment_id.in_(ids)).all()
    by_id = {}
    for nb in notebooks:
        by_id[nb.id] = rows[nb.assignment_id][nb.notebook.name] = {"notebook": nb, "grades": [], "comments": []}
    for model, key in ((Grade, "grades"), (Comment, "comments")):
        for row in db.query(model).options(joinedload(model.cell)).filter(model.notebook_id.in_(list(by_id))):
            by_id[row.notebook_id][key].append(row)
    return rows


def read_status(dest):
    return Outcome.read(os.path.join(dest, STATUS_FILE))


# ----------------------------------------------------------------------------------------------
# Progress
# ----------------------------------------------------------------------------------------------

class Progress:
    def __init__(self, total, out):
        self.total, self.out = total, out
        self.counts = {"graded": 0, "fault": 0, "missing": 0, "skipped": 0}
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = None   # the counts last shown (the final line is not shown twice)
        self.tty = out.isatty()

    def add(self, status):
        self.counts[status] += 1
        self.show()

    def show(self, final=False):
        done = sum(self.counts.values())
        now = time.monotonic()
        if not final and not self.tty and now - self.last < 5 and done < self.total:
            return
        if final and not self.tty and self.shown == self.counts:
            return
        self.last, self.shown = now, dict(self.counts)
        graded = done - self.counts["skipped"]
        elapsed = now - self.started
        rate = graded / elapsed if elapsed > 0 else 0
        left = self.total - done
        eta = f"{left / rate:.0f} s" if rate > 0 else "?"
        width = 30
        bar = "#" * int(width * done / max(self.total, 1))
        line = (f"[{bar:<{width}}] {done}/{self.total}  graded {self.counts['graded']}  fault "
                f"{self.counts['fault']}  missing {self.counts['missing']}  skipped "
                f"{self.counts['skipped']}  ETA {eta}")
        self.out.write(("\r" + line + ("\n" if final else "")) if self.tty else line + "\n")
        self.out.flush()


# ----------------------------------------------------------------------------------------------
# The batch
# ----------------------------------------------------------------------------------------------

def _terminated(*_):
    raise KeyboardInterrupt


def _worker_init(tmp):
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the coordinator handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tempfile.tempdir = tempfile.mkdtemp(prefix=f"worker-{os.getpid()}-", dir=tmp)
    multiprocessing.util.Finalize(None, grading.shutdown, exitpriority=10)


def local_executor(workers, tmp):
    """A pool of long-lived grading workers forked from this process (imports paid once)."""
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_init, initargs=(tmp,))


def grade(root, assignment, workers=None, force=False, students=None, out=None, cluster=None):
    """Grade `assignment`'s submissions; returns {student: status} (including "skipped")."""
    from dnnkit.host import sandbox
    out = out or sys.stderr
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)   # `kill` stops a batch as cleanly as Ctrl-C
    config, coursedir = load_config(root)
    settings = GradeEngine(config=config)
    executor = None
    if cluster or settings.cluster:   # connected and checked before anything is written
        from dnnkit.batch import cluster as dask_cluster
        try:
            executor = dask_cluster.DaskExecutor(cluster or settings.cluster, fault_result,
                                                 dask_cluster.security(settings))
        except dask_cluster.ClusterError as error:
            raise SystemExit(f"dnnkit grade: {error}") from None
        out.write(f"grading on the Dask cluster at {executor.address} "
                  f"({executor.workers} workers)\n")
    else:
        try:
            sandbox.check(sandbox.Sandbox(config=config))
        except sandbox.SandboxError as error:
            raise SystemExit(f"dnnkit grade: {error}") from None
    try:
        return _grade(root, assignment, config, coursedir, settings, workers, force, students,
                      out, executor)
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def _grade(root, assignment, config, coursedir, settings, workers, force, students, out, executor):
    from nbgrader.api import MissingEntry
    try:
        course = grading.snapshot(config, coursedir, assignment)
    except MissingEntry:
        raise SystemExit(f"dnnkit grade: {assignment} is not in the gradebook: run "
                         f"`dnnkit release {assignment}` first") from None
    submitted = os.path.join(coursedir.root, coursedir.submitted_directory)
    excluded = set(filter(None, coursedir.student_id_exclude.split(",")))
    names = sorted(s for s in (os.listdir(submitted) if os.path.isdir(submitted) else [])
                   if os.path.isdir(coursedir.format_path(coursedir.submitted_directory, s, assignment))
                   and s not in excluded and (not students or s in students))
    check_submissions(coursedir, assignment, names, students, excluded)

    recorder = Recorder(config, coursedir, course)
    outcome, reasons = {}, {}
    progress = Progress(len(names), out)
    tasks, timestamps = [], {}
    try:
        graded_before = recorder.graded_students(assignment)
        for student in names:
            path = coursedir.format_path(coursedir.submitted_directory, student, assignment)
            task = grading.Task(assignment, student, {}, course)
            try:
                task.files, notes = read_submission(path, settings.max_submission_mb << 20)
            except (TooLarge, OSError) as error:
                task.digest = f"unreadable:{error}"
                result = _record(recorder, task, fault_result(task, str(error)), None)
                outcome[student], reasons[student] = result.status, result.reason
                progress.add(result.status)
                continue
            task.files, clashes = grading.without_conflicts(task.files, course, STATUS_FILE)
            notes.update(clashes)
            task.digest = grading.digest_files(task.files)
            status = read_status(recorder.dest(student, assignment))
            if (not force and status and status.sha256 == task.digest
                    and status.course == course.key and student in graded_before):
                outcome[student] = "skipped"
                progress.add("skipped")
                continue
            timestamps[student], note = timestamp_of(task.files)
            if note:
                notes["timestamp.txt"] = note
            tasks.append((task, notes))
        if tasks:
            _run(tasks, timestamps, recorder, workers or settings.workers or os.cpu_count() or 1,
                 outcome, reasons, progress, executor)
    finally:
        recorder.close()
    progress.show(final=True)
    summary(assignment, outcome, reasons, time.monotonic() - progress.started, out)
    return outcome


class CannotGrade(Exception):
    """A request `grade` cannot carry out, said before anything is written. `code`: the
    command's exit code (2 a wrong student id, 3 nothing to do; dnnkit.staff.course)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def check_submissions(coursedir, assignment, names, students, excluded):
    """Stop before anything is written when there is nothing to grade (exit 3) or a student
    asked for has no submission (exit 2), naming what to do."""
    folder = coursedir.format_path(coursedir.submitted_directory, "<student>", assignment)
    where = os.path.relpath(folder, coursedir.root) + os.sep
    unknown = sorted(set(students or ()) - set(names))
    if unknown:
        submitted = os.path.join(coursedir.root, coursedir.submitted_directory)
        have = sorted(s for s in (os.listdir(submitted) if os.path.isdir(submitted) else [])
                      if os.path.isdir(coursedir.format_path(coursedir.submitted_directory, s, assignment))
                      and s not in excluded)
        known = ", ".join(have[:10]) + (f", ... ({len(have)} in all)" if len(have) > 10 else "")
        why = " (excluded by student_id_exclude)" if set(unknown) <= excluded else ""
        raise CannotGrade(f"dnnkit grade: no submission of {assignment} by {', '.join(unknown)}{why} "
                          f"in {where} (students with one: {known or 'none'})", 2)
    if not names:
        raise CannotGrade(f"dnnkit grade: nothing to grade: put submissions in {where} (nbgrader "
                          f"collect, or dnnkit sample-class {assignment})", 3)


def _run(tasks, timestamps, recorder, workers, outcome, reasons, progress, executor=None):
    tmp = tempfile.mkdtemp(prefix="dnnkit-grade-")
    executor = executor or local_executor(min(workers, len(tasks)), tmp)
    attempts = {}
    try:
        queue = list(tasks)
        while queue:
            futures = {executor.submit(grading.grade, task): (task, notes) for task, notes in queue}
            queue = []
            while futures:
                # everything finished since the last recording is recorded together: one
                # transaction however many workers a cluster has
                done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
                ready = []
                for future in done:
                    task, notes = futures.pop(future)
                    result = _result_of(future, task, attempts)
                    if result is None:   # a worker died: grade it again
                        queue.append((task, notes))
                        continue
                    result.faults.extend(Fault(where, why) for where, why in notes.items())
                    if notes and result.status == "graded":
                        result.reason = "; ".join(filter(None, [result.reason] + [f"{k}: {v}" for k, v in notes.items()]))
                    ready.append((task, result, timestamps.get(task.student)))
                with _interrupt_deferred():
                    recorded = record_all(recorder, ready)
                    for (task, _, _), result in zip(ready, recorded):
                        outcome[task.student], reasons[task.student] = result.status, result.reason
                        progress.add(result.status)
            if queue:
                executor.shutdown(wait=False, cancel_futures=True)
                executor = local_executor(min(workers, len(queue)), tmp)
    except KeyboardInterrupt:
        executor.shutdown(wait=False, cancel_futures=True)
        _stop_workers()
        left = len(tasks) - sum(1 for task, _ in tasks if task.student in outcome)
        progress.out.write(f"\ninterrupted: {left} submissions left; run the same command again "
                           f"to resume\n")
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _stop_workers()
        shutil.rmtree(tmp, ignore_errors=True)


def _result_of(future, task, attempts):
    """A finished grading's Result, a fault's, or None when it should be graded again."""
    try:
        return future.result()
    except concurrent.futures.process.BrokenProcessPool:
        attempts[task.student] = attempts.get(task.student, 0) + 1
        if attempts[task.student] < 3:
            return None
        return fault_result(task, "the grading worker died while grading it")
    except Exception as error:  # noqa: BLE001 (a grader bug must not stop the batch)
        return fault_result(task, f"the grader failed: {type(error).__name__}: {error}")


def _record(recorder, task, result, timestamp):
    """Record `result`; if that fails, record a fault naming why (the batch goes on)."""
    try:
        recorder.record([(task, result, timestamp)])
        return result
    except Exception as error:  # noqa: BLE001 (one submission must not stop the others)
        fault = fault_result(task, f"its result could not be recorded: {type(error).__name__}: {error}"[:400])
        try:
            recorder.record([(task, fault, timestamp)])
        except Exception:  # noqa: BLE001 (the summary still names it)
            pass
        return fault


def record_all(recorder, items):
    """Record [(task, result, timestamp)] in one transaction; if that fails, each on its own, so
    one bad result costs only itself. Returns what was recorded for each."""
    if len(items) > 1:
        try:
            recorder.record(items)
            return [result for _, result, _ in items]
        except Exception:  # noqa: BLE001 (then one by one, below)
            pass
    return [_record(recorder, task, result, timestamp) for task, result, timestamp in items]


class _interrupt_deferred:
    """Ctrl-C during the recording of a result takes effect once it is recorded."""

    def __enter__(self):
        self.interrupted = False
        self.previous = signal.signal(signal.SIGINT, self._note)

    def _note(self, *_):
        self.interrupted = True

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self.previous)
        if self.interrupted:
            raise KeyboardInterrupt


def _stop_workers():
    for child in multiprocessing.active_children():
        child.terminate()
        child.join(5)


def summary(assignment, outcome, reasons, seconds, out):
    """One line of counts ("step_by_step: 2 submissions: 1 graded, 1 fault (0.9 s)"), then a
    line per fault or missing notebook with its reason."""
    counts = {}
    for status in outcome.values():
        counts[status] = counts.get(status, 0) + 1
    total = len(outcome)
    graded = total - counts.get("skipped", 0)
    parts = [f"{counts.get(s, 0)} {s}" for s in ("graded", "fault", "missing", "skipped")
             if counts.get(s) or s in ("graded", "fault")]
    rate = f", {graded / seconds:.1f}/s" if seconds > 0 and graded > 1 else ""
    out.write(f"\n{assignment}: {total} submission{'' if total == 1 else 's'}: {', '.join(parts)} "
              f"({seconds:.1f} s{rate})\n")
    for status in ("fault", "missing"):
        for student in sorted(s for s, v in outcome.items() if v == status):
            out.write(f"  {status} {student}: {reasons.get(student, '')}\n")
    if counts.get("skipped"):
        out.write("  (skipped: unchanged since they were graded; --force grades them again)\n")
    out.flush()
