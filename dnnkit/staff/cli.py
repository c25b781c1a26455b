"""`dnnkit`: course-staff commands, a thin layer over nbgrader run in the course directory."""
import argparse
import os
import shutil
import sys
import time
import warnings

from dnnkit.outcome import function_of
from dnnkit.staff import course

KNOWN = ", ".join(course.ASSIGNMENTS)   # the assignment ids, for messages and --help


def cmd_expected(args, root):
    for assignment in _assignments(args):
        _expected(root, assignment)


def _expected(root, assignment):
    from dnnkit.staff import expected
    print(f"{assignment}: expected outputs from the reference solution (runs it) ...", flush=True)
    for path in expected.update(root, assignment):
        print(f"updated {os.path.relpath(path, root)}")


def cmd_release(args, root):
    """Expected outputs from the reference, then nbgrader generate_assignment."""
    for assignment in _assignments(args):
        _expected(root, assignment)
        print(f"{assignment}: nbgrader generate_assignment ...", flush=True)
        course.nbgrader(root, "generate_assignment", assignment, "--force")
        print(f"released release/{assignment}/", flush=True)


def cmd_sample_class(args, root):
    from dnnkit.staff import submissions
    for assignment in _assignments(args):
        for student, description in submissions.sample_class(root, assignment).items():
            print(f"submitted/{student}/{assignment}: {description}")


def cmd_scores(args, root):
    for assignment in _assignments(args):
        print_scores(root, assignment)


def print_scores(root, assignment):
    table = course.scores(root, assignment)
    maxima = course.max_scores(root, assignment)
    cells = list(maxima)
    names = [function_of(c) for c in cells]
    width = max([len(s) for s in table] + [7])
    print(f"\n{assignment}: points per graded function (f1..f{len(cells)}), total out of "
          f"{sum(maxima.values()):g}")
    print(" ".ljust(width) + "".join(f"{'f' + str(i + 1):>5}" for i in range(len(cells))) + "  total")
    for student in sorted(table):
        row = table[student]
        scores = [row.get(c) for c in cells]
        total = sum(s or 0 for s in scores)
        print(student.ljust(width) + "".join(f"{'-' if s is None else format(s, 'g'):>5}" for s in scores)
              + f"{total:>7g}")
    print("  " + "  ".join(f"f{i + 1} {n}" for i, n in enumerate(names)))


def cmd_feedback(args, root):
    """nbgrader generate_feedback; the kit's configuration keeps hidden tests out of it."""
    import glob
    for assignment in _assignments(args):
        print(f"{assignment}: nbgrader generate_feedback ...", flush=True)
        result = course.nbgrader(root, "generate_feedback", assignment, "--force", check=False)
        if result.returncode != 0:  # nbgrader goes on past a bad notebook: say so, keep the rest
            print(f"warning: nbgrader generate_feedback {assignment} reported errors:\n"
                  + "\n".join(result.stdout.strip().split("\n")[-5:]))
        files = glob.glob(os.path.join(root, "feedback", "*", assignment, "*.html"))
        # nbgrader only logs a config file it cannot load, then renders plain (leaking) feedback
        leaking = [f for f in files if "BEGIN HIDDEN TESTS" in open(f, encoding="utf-8").read()]
        for path in leaking:
            os.remove(path)
        if leaking:
            raise SystemExit(f"dnnkit feedback: removed {len(leaking)} feedback files that showed "
                             f"hidden tests: nbgrader ran without the kit's feedback step (does "
                             f"nbgrader_config.py load? see `nbgrader generate_feedback --debug`)")
        print(f"feedback {assignment}: {len(files)} HTML files in feedback/<student>/{assignment}/")
        unread = _without_notebook(root, assignment)
        if unread:
            print(f"  none for {', '.join(unread)}: no autograded notebook (a fault: its reason is "
                  f"in `dnnkit export {assignment}`)")


def cmd_export(args, root):
    """Grades for the LMS. --format csv|canvas|moodle: one file for every chosen assignment
    (dnnkit.staff.lms). Without --format, as before: grades-<assignment>.csv per assignment (a
    row per student, a column per graded function, total, max, status, reason)."""
    from dnnkit.staff import results
    chosen = _assignments(args)
    fmt = getattr(args, "format", None)
    if fmt:
        from dnnkit.staff import lms
        path = getattr(args, "output", None) or os.path.join(root, lms.DEFAULT_FILE[fmt])
        data = lms.write(root, chosen, fmt, path)
        counts = {s: sum(r.status == s for _, _, rows in data.values() for r in rows.values())
                  for s in ("graded", "fault", "missing")}
        print(f"{fmt} grades of {', '.join(chosen)} written to {path} (submissions: "
              + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")")
        if counts["fault"] and fmt != "csv":
            print(f"note: {counts['fault']} faulty submissions are blank there: see their reason "
                  f"with `dnnkit export --format csv`")
        return
    if getattr(args, "output", None) and len(chosen) > 1:
        raise SystemExit("dnnkit export: --output takes exactly one assignment (or give --format)")
    for assignment in chosen:
        path = getattr(args, "output", None) or os.path.join(root, f"grades-{assignment}.csv")
        rows = results.write_csv(root, assignment, path)
        counts = {s: sum(r.status == s for r in rows) for s in ("graded", "fault", "missing")}
        print(f"grades written to {path}: {len(rows)} students ("
              + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")")


def cmd_roster(args, root):
    """`dnnkit roster import FILE`: names, e-mails and LMS ids into the gradebook."""
    from dnnkit.staff import roster
    try:
        added, updated = roster.import_roster(root, args.file)
    except roster.RosterError as error:
        raise SystemExit(f"dnnkit roster import: {error}") from None
    print(f"roster {args.file}: {added} students added, {updated} updated in the gradebook")


def cmd_report(args, root, quiet=False):
    """The instructor reports: reports/<assignment>.html (figures embedded) and the course
    overview reports/index.html."""
    from dnnkit.staff import report
    paths = report.write_all(root, _assignments(args))
    for path in paths if not quiet else []:
        print(f"instructor report: {path}")
    return paths


DEMO_MARK = ".dnnkit-demo"   # in the demo's scratch copy: what `dnnkit demo` may replace


def demo_folder(root, path=None):
    """Where the demo runs: `path`, default <root>/demo/ (ignored by git). It must be new, empty
    or a scratch copy an earlier demo made (it is then replaced), and it may not hold the
    course or sit inside one of its folders."""
    scratch = os.path.realpath(path or os.path.join(root, "demo"))
    root = os.path.realpath(root)
    inside = [name for name in course.COURSE_FILES + ["submitted", "autograded", "feedback", "reports"]
              if scratch == os.path.join(root, name) or scratch.startswith(os.path.join(root, name) + os.sep)]
    if scratch == root or root.startswith(scratch + os.sep) or inside:
        raise SystemExit(f"dnnkit demo: {scratch} is part of the course at {root}: choose another "
                         f"--dir")
    if os.path.lexists(scratch):
        if os.path.isdir(scratch) and not os.path.islink(scratch) and os.path.isfile(
                os.path.join(scratch, DEMO_MARK)):
            shutil.rmtree(scratch)
        elif not (os.path.isdir(scratch) and not os.listdir(scratch)):
            raise SystemExit(f"dnnkit demo: {scratch} exists and is not a copy made by `dnnkit "
                             f"demo` (no {DEMO_MARK} in it): remove it or choose another --dir")
    return scratch


def cmd_demo(args, root):
    """The course-staff path on a sample class, in a scratch copy of the course: dnnkit release,
    sample-class, grade, feedback, export, scores, report. Nothing of the course itself is
    written: its submitted/, autograded/, feedback/, gradebook, CSVs, reports, release/ and
    expected outputs stay byte for byte as they were."""
    from dnnkit.batch import engine
    started = time.monotonic()
    scratch = demo_folder(root, getattr(args, "dir", None))
    course.copy_course(root, scratch)
    with open(os.path.join(scratch, DEMO_MARK), "w") as f:
        f.write(f"A scratch copy of the course at {root}, made by `dnnkit demo`, which replaces "
                f"it on its next run.\n")
    print(f"== a scratch copy of the course: {scratch}\n"
          f"   (the course's own submitted/, autograded/, feedback/ and gradebook are not touched)")
    every = argparse.Namespace(assignment=[], all=True, output=None)
    print("== dnnkit release")
    cmd_release(every, scratch)
    print("== dnnkit sample-class")
    cmd_sample_class(every, scratch)
    for assignment in course.ASSIGNMENTS:
        print(f"== dnnkit grade {assignment}", flush=True)
        try:
            engine.grade(scratch, assignment, out=sys.stdout)
        except KeyboardInterrupt:
            raise SystemExit(130) from None
    print("== dnnkit feedback")
    cmd_feedback(every, scratch)
    print("== dnnkit export")
    cmd_export(every, scratch)
    print("\n== dnnkit scores")
    for assignment in course.ASSIGNMENTS:
        print_scores(scratch, assignment)
    print("\n== dnnkit report")
    reports = cmd_report(every, scratch, quiet=True)
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s, in the scratch copy {scratch}")
    print("(a course of its own: run dnnkit commands there; the next `dnnkit demo` replaces it)")
    print(f"feedback: {os.path.join(scratch, 'feedback')}/<student>/<assignment>/*.html")
    for assignment in course.ASSIGNMENTS:
        print(f"grades for the LMS: {os.path.join(scratch, f'grades-{assignment}.csv')}")
    for path in reports:
        print(f"instructor report: {path}")


def cmd_data(args, root):
    """The application's cat / non-cat files in source/application/datasets/: the kit's
    stand-in set (what the repository ships), or the real files from a path staff give."""
    from dnn_utils import catdata
    from dnnkit.staff import datasets
    dest = os.path.join(root, "source", "application", "datasets")
    try:
        if args.which == "standin":
            paths = datasets.make_standin_dataset(dest)
        else:
            if not args.source:
                raise SystemExit("dnnkit data real: give the folder of the real files with --from PATH")
            paths = datasets.use_real_data(args.source, dest)
    except catdata.DatasetError as error:
        raise SystemExit(f"dnnkit data: {error}")
    for path in paths:
        print(f"wrote {os.path.relpath(path, root)}")
    print("now run `dnnkit release application` to put them into release/application/")


def cmd_accuracy(args, root):
    """Grade the catalog of known submissions (dnnkit.staff.catalog) in a scratch copy; print figures."""
    from dnnkit.staff import accuracy
    started = time.monotonic()
    for assignment in args.assignment or course.ASSIGNMENTS:
        if os.path.isdir(os.path.join(root, "release", assignment)):
            accuracy.notebooks(root, assignment)   # a broken notebook named in the course, not the copy
    outcomes = accuracy.measure(root, list(args.assignment or []) or None, out=sys.stdout)
    print(accuracy.report(outcomes))
    print(f"(graded in {time.monotonic() - started:.0f} s)")
    if not all(o.exact for o in outcomes):
        raise SystemExit(1)


def cmd_replay(args, root):
    from dnnkit.staff import replay
    replay.replay(root, args.assignment, args.student_id, args.function)


def cmd_grade(args, root):
    from dnnkit.batch import engine
    try:
        outcome = engine.grade(root, args.assignment, workers=args.workers, force=args.force,
                               students=args.student, cluster=args.cluster)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except engine.CannotGrade as error:
        course.stop(str(error), error.code)
    if "fault" in outcome.values():   # graded, but some need a person (docs/workflow.md)
        raise SystemExit(course.FAULTS)


def _assignments(args):
    chosen = list(getattr(args, "assignment", []) or [])
    return course.ASSIGNMENTS if getattr(args, "all", False) or not chosen else chosen


EXIT_CODES = """exit codes: 0 done; 1 it ran, but not everything went right (a submission faulted,
a step failed: see the messages); 2 a wrong command line (an unknown option, assignment or
student id); 3 nothing to do, or an earlier step is missing (the message names it)."""


def _check_ids(args):
    """Every assignment id on the command line is one of course.ASSIGNMENTS: checked here,
    once, before any work (else exit 2). `dnnkit grade --student ID... ASSIGNMENT` (the
    assignment after --student's values) is read as meant."""
    if args.command == "grade" and args.assignment is None:
        given = args.student or []
        known = [s for s in given if s in course.ASSIGNMENTS]
        if not known and len(given) < 2:
            course.stop(f"dnnkit grade: which assignment? give one of: {KNOWN}", course.USAGE)
        args.assignment = (known or given)[-1]
        given.remove(args.assignment)
        args.student = given or None
        if not args.student:
            course.stop("dnnkit grade: --student needs at least one student id", course.USAGE)
    chosen = getattr(args, "assignment", None)
    for assignment in [chosen] if isinstance(chosen, str) else chosen or []:
        if assignment not in course.ASSIGNMENTS:
            course.stop(f"dnnkit {args.command}: unknown assignment '{assignment}' (known: {KNOWN})",
                        course.USAGE)


def _notebooks(root, *folders):
    import glob
    return glob.glob(os.path.join(root, *folders, "*.ipynb"))


def _without_notebook(root, assignment):
    """Students whose autograded/<student>/<assignment>/ holds no notebook (grading faulted)."""
    import glob
    return sorted(os.path.basename(os.path.dirname(folder))
                  for folder in glob.glob(os.path.join(root, "autograded", "*", assignment))
                  if os.path.isdir(folder) and not _notebooks(folder))


def _missing_step(command, root, assignment, released, strict=True):
    """Why `command` has nothing to work on in `assignment`, naming the step to take first (None:
    it can run). `strict`: also when the result would only be empty (export, report)."""
    import glob
    if command in ("expected", "release", "replay", "accuracy") and not _notebooks(
            root, "source", assignment):
        return f"no source notebook in source/{assignment}/: the course is incomplete"
    if command in ("sample-class", "accuracy") and not _notebooks(root, "release", assignment):
        return f"no notebook in release/{assignment}/: run `dnnkit release {assignment}` first"
    if command == "accuracy":
        from dnnkit.staff import catalog
        if not catalog.entries(assignment):
            return f"the catalog (dnnkit/staff/catalog.py) has no submission of {assignment}"
    if command not in ("grade", "scores", "feedback", "export", "report"):
        return None
    if assignment not in released():
        return f"{assignment} is not in the gradebook: run `dnnkit release {assignment}` first"
    submitted = os.path.join("submitted", "<student>", assignment) + os.sep
    if glob.glob(os.path.join(root, "submitted", "*", assignment)):
        grade_first = f"run `dnnkit grade {assignment}` first"
    else:
        grade_first = (f"put submissions in {submitted} (nbgrader collect, or dnnkit sample-class "
                       f"{assignment}), then run `dnnkit grade {assignment}`")
    if command == "feedback" and not glob.glob(os.path.join(root, "autograded", "*", assignment, "*.ipynb")):
        faulted = _without_notebook(root, assignment)
        if faulted:
            return (f"no autograded notebook of {assignment}: grading faulted for every submission "
                    f"({', '.join(faulted[:10])}; their reasons: `dnnkit export {assignment}`)")
        return f"nothing autograded for {assignment}: {grade_first}"
    if command == "scores" and not course.scores(root, assignment):
        return f"nothing graded yet for {assignment}: {grade_first}"
    if strict and command in ("export", "report"):
        from dnnkit.staff import results
        if not results.students(root, assignment):
            return f"no students and no submissions for {assignment}: {grade_first}"
    return None


def _preflight(args, root):
    """Stop (exit 3) before any work when the chosen assignments give the command nothing to do,
    naming the step to take first. For every assignment (none named, or --all), those not
    ready are skipped with a note, and only none ready is an error."""
    import functools
    chosen = getattr(args, "assignment", None)
    if args.command not in ("expected", "release", "sample-class", "scores", "feedback", "export",
                            "report", "accuracy", "replay", "grade"):
        return
    released = functools.cache(lambda: course.released(root))
    if isinstance(chosen, str) or (chosen and not getattr(args, "all", False)):
        for assignment in [chosen] if isinstance(chosen, str) else chosen:
            why = _missing_step(args.command, root, assignment, released)
            if why:
                course.stop(f"dnnkit {args.command}: {why}", course.NOTHING_TO_DO)
        return
    why = {a: _missing_step(args.command, root, a, released, strict=False) for a in course.ASSIGNMENTS}
    ready = [a for a in course.ASSIGNMENTS if not why[a]]
    if not ready or not any(_missing_step(args.command, root, a, released) is None for a in ready):
        reasons = "; ".join(why[a] or _missing_step(args.command, root, a, released)
                            for a in course.ASSIGNMENTS)
        course.stop(f"dnnkit {args.command}: nothing to do: {reasons}", course.NOTHING_TO_DO)
    for assignment in course.ASSIGNMENTS:
        if why[assignment]:
            print(f"dnnkit {args.command}: skipping {assignment}: {why[assignment]}", file=sys.stderr)
    args.assignment, args.all = ready, False


def _line_buffered():
    """Progress reaches a pipe or a log as each line is printed."""
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except (AttributeError, ValueError, OSError):
        pass


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dnnkit", description=f"{__doc__}\n\nAssignment ids, "
                                     f"in course order: {KNOWN}.", epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_ in [
        ("expected", cmd_expected, "regenerate expected outputs from the reference solution, and the figures"),
        ("release", cmd_release, "expected outputs, then nbgrader generate_assignment"),
        ("sample-class", cmd_sample_class, "put a small sample class into submitted/"),
        ("scores", cmd_scores, "print the per-student, per-function score table"),
        ("feedback", cmd_feedback, "feedback/<student>/<assignment>/*.html, without hidden tests"),
        ("export", cmd_export, "grades-<assignment>.csv: per-function points, total, status"),
        ("report", cmd_report, "reports/<assignment>.html: the instructor report with plots"),
        ("demo", cmd_demo, "in a scratch copy of the course (demo/): release, a sample class, "
                           "grade, feedback, export, scores, report"),
        ("accuracy", cmd_accuracy, "grade the catalog of known submissions; print how right "
                                   "the grader is"),
    ]:
        p = sub.add_parser(name, help=help_, description=help_, epilog=EXIT_CODES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        if name != "demo":
            p.add_argument("assignment", nargs="*", help=f"assignment ids: {KNOWN} (default: all)")
            p.add_argument("--all", action="store_true", help="every assignment")
        if name == "demo":
            p.add_argument("--dir", help="the scratch copy to run in (default: demo/ in the course "
                                         "directory; an earlier demo's copy there is replaced)")
        if name == "export":
            p.add_argument("--output", help="CSV path (default: grades-<assignment>.csv for one "
                                            "assignment; with --format, grades-<format>.csv, "
                                            "grades-course.csv for csv)")
            p.add_argument("--format", choices=["csv", "canvas", "moodle"],
                           help="one file for every chosen assignment: the LMS's import format, "
                                "or csv (the kit's own, per function, late penalty, submission time)")
    p = sub.add_parser("data", help="install the application's data set: the kit's stand-in "
                                    "or the real files")
    p.add_argument("which", choices=["standin", "real"])
    p.add_argument("--from", dest="source", metavar="PATH",
                   help="folder with train_catvnoncat.h5 and test_catvnoncat.h5 (for `real`)")
    p.set_defaults(func=cmd_data)
    p = sub.add_parser("roster", help="import students' names, e-mails and LMS ids into the gradebook")
    p.add_argument("action", choices=["import"])
    p.add_argument("file", help="CSV: id, first_name, last_name, email, lms_user_id (or a Canvas "
                                "gradebook export)")
    p.set_defaults(func=cmd_roster)
    p = sub.add_parser("replay", help="judge one student's functions again as grading did and show "
                                      "the hidden inputs behind each verdict (for course staff)",
                       epilog=EXIT_CODES)
    p.add_argument("assignment", help=f"one of {KNOWN}")
    p.add_argument("student_id")
    p.add_argument("function", nargs="*", help="graded functions (default: all)")
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("grade", help="autograde submitted/ into autograded/ and the gradebook: "
                                     "parallel, sandboxed, resumable", epilog=EXIT_CODES)
    p.add_argument("assignment", nargs="?", help=f"one of {KNOWN}")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    p.add_argument("--force", action="store_true", help="grade again what is already graded")
    p.add_argument("--student", action="extend", nargs="+", metavar="ID",
                   help="only these students (before or after the assignment; each must have a "
                        "submission)")
    p.add_argument("--cluster", metavar="ADDRESS", help="grade on the workers of this Dask "
                   "scheduler (tls://host:8786; tcp:// on this machine only) instead of local processes")
    p.set_defaults(func=cmd_grade)
    args = parser.parse_args(argv)
    _check_ids(args)
    _line_buffered()
    root = course.find_root()
    os.environ["PATH"] = course.tool_env()["PATH"]
    from dnnkit.notebook import NotebookError
    with warnings.catch_warnings():
        if not sys.warnoptions:   # no library warnings (SQLAlchemy's SAWarning...); -W shows them
            warnings.simplefilter("ignore")
        try:
            _preflight(args, root)
            args.func(args, root)
        except NotebookError as error:   # a notebook that is not one: name it, no traceback
            course.stop(f"dnnkit {args.command}: {error}", course.FAULTS)


if __name__ == "__main__":
    sys.exit(main())
