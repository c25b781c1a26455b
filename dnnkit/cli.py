"""`dnnkit`: course-staff commands, a thin layer over nbgrader run in the course directory."""
import argparse
import os
import shutil
import sys
import time

from dnnkit import course


def cmd_expected(args, root):
    from dnnkit import expected
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
    from dnnkit import submissions
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
    names = [c[len("test_"):] if c.startswith("test_") else c for c in cells]
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


def cmd_demo(args, root):
    """Release, a sample class, autograde, feedback, export, and the score table."""
    started = time.monotonic()
    for area in ("submitted", "autograded", "feedback"):
        folder = os.path.join(root, area)
        for entry in os.listdir(folder) if os.path.isdir(folder) else []:
            if entry != ".gitkeep":
                shutil.rmtree(os.path.join(folder, entry), ignore_errors=True)
    if os.path.exists(os.path.join(root, "gradebook.db")):
        os.remove(os.path.join(root, "gradebook.db"))
    args.assignment, args.all = [], True
    print("== release")
    cmd_release(args, root)
    print("== sample class")
    cmd_sample_class(args, root)
    for assignment in _assignments(args):
        print(f"== autograde {assignment}")
        course.nbgrader(root, "autograde", assignment, "--force")
        print(f"== feedback {assignment}")
        course.nbgrader(root, "generate_feedback", assignment, "--force")
    print("== export")
    course.nbgrader(root, "export", "--to", os.path.join(root, "grades.csv"))
    print(f"grades written to {os.path.join(root, 'grades.csv')}")
    for assignment in _assignments(args):
        print_scores(root, assignment)
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")


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
        ("demo", cmd_demo, "release, grade a sample class, feedback, export, scores"),
    ]:
        p = sub.add_parser(name, help=help_)
        p.set_defaults(func=func)
        if name != "demo":
            p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
            p.add_argument("--all", action="store_true", help="every assignment")
    args = parser.parse_args(argv)
    root = course.find_root()
    os.environ["PATH"] = course.tool_env()["PATH"]
    args.func(args, root)


if __name__ == "__main__":
    sys.exit(main())
