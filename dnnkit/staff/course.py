"""The course directory: where it is, running nbgrader in it, reading its gradebook."""
import os
import re
import subprocess
import sys

# Assignment ids, in course order.
ASSIGNMENTS = ["planar", "step_by_step", "application"]

# The exit codes of every `dnnkit` command (docs/workflow.md, "Exit codes and messages").
DONE = 0          # it did what was asked
FAULTS = 1        # it ran, but not everything went right (a submission faulted, a step failed)
USAGE = 2         # a wrong command line: an unknown option, assignment or student id
NOTHING_TO_DO = 3  # nothing to work on, or an earlier step is missing: the message names it


def stop(message, code):
    """End a command: `message` on stderr (one line, "dnnkit <command>: ..."), exit `code`."""
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(code)


def find_root(start=None):
    """The course directory: DNNKIT_ROOT, else the nearest folder with nbgrader_config.py."""
    if os.environ.get("DNNKIT_ROOT"):
        return os.path.abspath(os.environ["DNNKIT_ROOT"])
    path = os.path.abspath(start or os.getcwd())
    while True:
        if os.path.exists(os.path.join(path, "nbgrader_config.py")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            raise SystemExit("dnnkit: no nbgrader_config.py here or above: run it in the course directory")
        path = parent


# What a scratch copy of the course needs (no working areas, no gradebook).
COURSE_FILES = ["nbgrader_config.py", "source", "release", "testCases", "dnn_utils"]


# Appended to a copy's nbgrader_config.py: whatever gradebook the course uses (say a PostgreSQL
# db_url its TAs share), a scratch copy keeps a SQLite file of its own, next to its config.
OWN_GRADEBOOK = '''
# A scratch copy (dnnkit.staff.course.copy_course): a gradebook of its own, never the course's.
import os as _os
c.CourseDirectory.db_url = "sqlite:///" + _os.path.join(
    _os.path.dirname(_os.path.abspath(__file__)), "gradebook.db")
'''


def copy_course(root, dest):
    """A scratch copy of the course directory `root` at `dest` (for checks that grade and for
    the demo): the course's files, empty working areas and a gradebook of its own (gradebook.db
    in the copy, even when the course's nbgrader_config.py names another database)."""
    import shutil
    os.makedirs(dest, exist_ok=True)
    for name in COURSE_FILES:
        src = os.path.join(root, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dest, name), symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy(src, os.path.join(dest, name))
    with open(os.path.join(dest, "nbgrader_config.py"), "a") as f:
        f.write(OWN_GRADEBOOK)
    for area in ("submitted", "autograded", "feedback"):
        os.makedirs(os.path.join(dest, area), exist_ok=True)
    return str(dest)


def tool_env():
    """The environment for nbgrader: it calls `alembic` and `jupyter` by name, so the venv's
    bin folder must come first on PATH even when the venv is not activated."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("DNNKIT_JUDGE", None)   # each nbgrader run sets it by loading the course's config
    return env


def nbgrader(root, *args, check=True, quiet=True):
    """Run an nbgrader command in the course directory."""
    cmd = [os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args]
    result = subprocess.run(cmd, cwd=root, env=tool_env(), text=True,
                            stdout=subprocess.PIPE if quiet else None,
                            stderr=subprocess.STDOUT if quiet else None)
    if quiet:   # what may be shown: nbgrader's own lines, not its libraries' warnings
        result.stdout = without_warnings(result.stdout or "")
    if check and result.returncode != 0:
        raise SystemExit(f"dnnkit: `nbgrader {' '.join(args)}` failed:\n{result.stdout or ''}")
    return result


_WARNING = re.compile(r"^\S.*:\d+: \w*Warning: ")


def without_warnings(text):
    """`text` without Python warning blocks ("path.py:12: SAWarning: ..." and the indented
    source line after it), which libraries under nbgrader (SQLAlchemy) print on stderr. The
    kernels nbgrader starts keep their warnings: only what dnnkit shows is filtered."""
    kept, skipping = [], False
    for line in text.split("\n"):
        if _WARNING.match(line):
            skipping = True
            continue
        if skipping and line.startswith((" ", "\t")):
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept)


def db_url(root):
    """The gradebook's database: `c.CourseDirectory.db_url` in nbgrader_config.py (e.g.
    "postgresql://user@host/course"), else nbgrader's default, the SQLite file gradebook.db.
    Read through the same configuration loading as nbgrader's own commands (engine.load_config),
    so dnnkit and plain nbgrader always use the same gradebook."""
    from dnnkit.batch.engine import load_config
    return load_config(root)[1].db_url


def released(root):
    """The ids of the assignments the gradebook knows (`dnnkit release` puts them there); a
    SQLite gradebook that does not exist yet is not created."""
    from nbgrader.api import Gradebook
    url = db_url(root)
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return set()
    with Gradebook(url) as gb:
        return {a.name for a in gb.assignments}


def scores(root, assignment):
    """{student: {grade_id: score}} from the gradebook, for graded test cells."""
    from nbgrader.api import Gradebook, MissingEntry
    table = {}
    with Gradebook(db_url(root)) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:
            return table
        for submission in submissions:
            row = table.setdefault(submission.student_id, {})
            for nb in submission.notebooks:
                for grade in nb.grades:
                    if grade.max_score:
                        row[grade.name] = grade.score
    return table


def max_scores(root, assignment):
    from nbgrader.api import Gradebook
    with Gradebook(db_url(root)) as gb:
        a = gb.find_assignment(assignment)
        return {c.name: c.max_score for nb in a.notebooks for c in nb.grade_cells}
