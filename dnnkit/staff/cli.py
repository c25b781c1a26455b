"""`dnnkit`: course-staff commands, a thin layer over nbgrader run in the course directory."""
import argparse
import os
import shutil
import sys
import time

from dnnkit.outcome import function_of
from dnnkit.staff import course


def cmd_expected(args, root):
    from dnnkit.staff import expected
    for assignment in _assignments(args):
        for path in expected.update(root, assignment):
            print(f"updated {os.path.relpath(path, root)}")


def cmd_release(args, root):
    """Expected outputs from the reference, then nbgrader generate_assignment."""
    cmd_expected(args, root)
    for assignment in _assignments(args):
        course.nbgrader(root, "generate_assignment", assignment, "--force")
        print(f"released release/{assignment}/")


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


def cmd_export(args, root):
    """CSV for an LMS: a row per student, a column per graded function, total, max, status."""
    from dnnkit.staff import results
    chosen = _assignments(args)
    if getattr(args, "output", None) and len(chosen) > 1:
        raise SystemExit("dnnkit export: --output takes exactly one assignment")
    for assignment in chosen:
        path = getattr(args, "output", None) or os.path.join(root, f"grades-{assignment}.csv")
        rows = results.write_csv(root, assignment, path)
        counts = {s: sum(r.status == s for r in rows) for s in ("graded", "fault", "missing")}
        print(f"grades written to {path}: {len(rows)} students ("
              + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")")


def cmd_report(args, root, quiet=False):
    """The instructor report: reports/<assignment>.html, figures embedded."""
    from dnnkit.staff import report
    paths = [report.write(root, assignment) for assignment in _assignments(args)]
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
    outcomes = accuracy.measure(root, list(args.assignment or []) or None)
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
        engine.grade(root, args.assignment, workers=args.workers, force=args.force,
                     students=args.student, cluster=args.cluster)
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _assignments(args):
    chosen = list(getattr(args, "assignment", []) or [])
    return course.ASSIGNMENTS if getattr(args, "all", False) or not chosen else chosen


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dnnkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_ in [
        ("expected", cmd_expected, "regenerate expected outputs from the reference solution"),
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
        p = sub.add_parser(name, help=help_)
        p.set_defaults(func=func)
        if name != "demo":
            p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
            p.add_argument("--all", action="store_true", help="every assignment")
        if name == "demo":
            p.add_argument("--dir", help="the scratch copy to run in (default: demo/ in the course "
                                         "directory; an earlier demo's copy there is replaced)")
        if name == "export":
            p.add_argument("--output", help="CSV path (one assignment; default "
                                            "grades-<assignment>.csv in the course directory)")
    p = sub.add_parser("data", help="install the application's data set: the kit's stand-in "
                                    "or the real files")
    p.add_argument("which", choices=["standin", "real"])
    p.add_argument("--from", dest="source", metavar="PATH",
                   help="folder with train_catvnoncat.h5 and test_catvnoncat.h5 (for `real`)")
    p.set_defaults(func=cmd_data)
    p = sub.add_parser("replay", help="judge one student's functions again as grading did and show "
                                      "the hidden inputs behind each verdict (for course staff)")
    p.add_argument("assignment")
    p.add_argument("student_id")
    p.add_argument("function", nargs="*", help="graded functions (default: all)")
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("grade", help="autograde submitted/ into autograded/ and the gradebook: "
                                     "parallel, sandboxed, resumable")
    p.add_argument("assignment")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    p.add_argument("--force", action="store_true", help="grade again what is already graded")
    p.add_argument("--student", nargs="+", metavar="ID", help="only these students")
    p.add_argument("--cluster", metavar="ADDRESS", help="grade on the workers of this Dask "
                   "scheduler (tls://host:8786; tcp:// on this machine only) instead of local processes")
    p.set_defaults(func=cmd_grade)
    args = parser.parse_args(argv)
    root = course.find_root()
    os.environ["PATH"] = course.tool_env()["PATH"]
    args.func(args, root)


if __name__ == "__main__":
    sys.exit(main())
