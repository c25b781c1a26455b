"""`make demo` (`dnnkit demo`) in a live course: it runs the sample class through the
course-staff path in a scratch copy (demo/), and leaves every byte of the course as it was.

One demo run (about two and a half minutes on 2 cores: it releases and grades the three
assignments) in a fresh git repository of the kit as it is here, holding a course's real data:
a submitted notebook of a student who is not in the sample class (and one of a student whose
name is), autograded and feedback folders, a gradebook with content, exported grades and a
report.
"""
import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
DNNKIT = os.path.join(os.path.dirname(sys.executable), "dnnkit")


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout


def clone_of_the_kit(dest):
    """A git repository of the kit as it is in ROOT, committed or not (the files git tracks or
    would track, committed once): a fresh clone of it with these changes."""
    names = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, names.split("\0")):
        src, dst = os.path.join(ROOT, name), os.path.join(dest, name)
        if not os.path.lexists(src):   # deleted in the work tree, not yet committed
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-q", "-m", "kit",
        cwd=dest)
    return str(dest)


def add_real_data(course):
    """What a live course holds in its working areas (none of it is the sample class's)."""
    from nbgrader.api import Gradebook
    release = os.path.join(course, "release", A, NB + ".ipynb")
    for student in ("zoe_real", "ada_complete"):   # a name the sample class also uses
        folder = os.path.join(course, "submitted", student, A)
        os.makedirs(folder)
        with open(release, encoding="utf-8") as f:
            text = f.read().replace("### START CODE HERE ###", f"### START CODE HERE ### {student}", 1)
        with open(os.path.join(folder, NB + ".ipynb"), "w", encoding="utf-8") as f:
            f.write(text)
        with open(os.path.join(folder, "timestamp.txt"), "w") as f:
            f.write("2026-10-01 12:00:00.000000 UTC")
    graded = os.path.join(course, "autograded", "zoe_real", A)
    os.makedirs(graded)
    shutil.copy(os.path.join(course, "submitted", "zoe_real", A, NB + ".ipynb"), graded)
    with open(os.path.join(graded, "grading_status.json"), "w") as f:
        f.write('{"status": "graded", "reason": "", "faults": {}, "seconds": 1.0}')
    feedback = os.path.join(course, "feedback", "zoe_real", A)
    os.makedirs(feedback)
    with open(os.path.join(feedback, NB + ".html"), "w") as f:
        f.write("<html><body>zoe's feedback</body></html>")
    from dnnkit.staff.course import tool_env
    with pytest.MonkeyPatch.context() as patch:   # nbgrader runs `alembic` by name
        patch.setenv("PATH", tool_env()["PATH"])
        with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
            gb.add_student("zoe_real", first_name="Zoe", last_name="Real")
            gb.add_assignment(A)
    with open(os.path.join(course, f"grades-{A}.csv"), "w") as f:
        f.write("student_id,total\nzoe_real,87\n")
    os.makedirs(os.path.join(course, "reports"))
    with open(os.path.join(course, "reports", f"{A}.html"), "w") as f:
        f.write("<html>the course's report</html>")


def tree(path, skip=(".git", "demo")):
    """{relative path: sha256 of the bytes (or a link's target)} of every file and folder."""
    found = {}
    for folder, dirs, files in os.walk(path):
        rel = os.path.relpath(folder, path)
        dirs[:] = [d for d in dirs if d != "__pycache__" and not (rel == "." and d in skip)]
        found[rel + "/"] = "dir"
        for name in files:
            full = os.path.join(folder, name)
            key = os.path.normpath(os.path.join(rel, name))
            if os.path.islink(full):
                found[key] = "-> " + os.readlink(full)
            else:
                with open(full, "rb") as f:
                    found[key] = hashlib.sha256(f.read()).hexdigest()
    return found


def kit_data():
    """What the kit's generators write, in the kit the demo's code is imported from: its
    expected values, source and release notebooks (the demo must not write these either)."""
    return {name: tree(os.path.join(ROOT, name)) for name in ("testCases", "source", "release")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    course = clone_of_the_kit(tmp_path_factory.mktemp("live") / "course")
    add_real_data(course)
    before, kit_before = tree(course), kit_data()
    env = {k: v for k, v in os.environ.items() if k != "DNNKIT_ROOT"}
    env["OPENBLAS_NUM_THREADS"] = "1"
    result = subprocess.run([DNNKIT, "demo"], cwd=course, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800)
    assert result.returncode == 0, result.stdout[-5000:]
    return course, before, kit_before, result.stdout


@pytest.mark.slow
def test_demo_leaves_the_course_as_it_was(demo):
    course, before, kit_before, output = demo
    after = tree(course)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert changed == []
    assert kit_data() == kit_before
    scratch = os.path.join(course, "demo")
    assert f"a scratch copy of the course: {scratch}" in output
    for assignment in ("planar", "step_by_step", "application"):
        assert f"grades written to {scratch}/grades-{assignment}.csv: 7 students (7 graded, 0 fault, " \
               f"0 missing)" in output   # one class, no phantom "missing" student
        assert f"instructor report: {scratch}/reports/{assignment}.html" in output
        assert os.path.exists(os.path.join(scratch, "reports", f"{assignment}.html"))
        assert len(os.listdir(os.path.join(scratch, "feedback"))) == 7
    assert not os.path.exists(os.path.join(scratch, "submitted", "zoe_real"))
    # dnnkit grade recorded every result (its status files), in the copy's own gradebook
    assert os.path.exists(os.path.join(scratch, "autograded", "eli_mistake", A, "grading_status.json"))
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + os.path.join(scratch, "gradebook.db")) as gb:
        assert "zoe_real" not in {s.id for s in gb.students}
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        assert {s.id for s in gb.students} == {"zoe_real"}


@pytest.mark.slow
def test_demo_in_a_git_clone_leaves_git_status_clean(demo):
    course, _, _, _ = demo
    assert git("status", "--porcelain", "--untracked-files=all", cwd=course) == ""


def test_demo_replaces_only_its_own_copy(tmp_path):
    from dnnkit.staff import cli
    course = str(tmp_path / "course")
    os.makedirs(os.path.join(course, "submitted"))
    mine = os.path.join(course, "demo")
    assert cli.demo_folder(course) == os.path.realpath(mine)
    os.makedirs(mine)
    assert cli.demo_folder(course) == os.path.realpath(mine)   # empty: fine
    with open(os.path.join(mine, "notes.txt"), "w") as f:
        f.write("a TA's own folder called demo")
    with pytest.raises(SystemExit, match="not a copy made by `dnnkit demo`"):
        cli.demo_folder(course)
    assert os.path.exists(os.path.join(mine, "notes.txt"))
    with open(os.path.join(mine, cli.DEMO_MARK), "w") as f:
        f.write("made by dnnkit demo")
    cli.demo_folder(course)
    assert not os.path.exists(mine)   # an earlier demo's copy is replaced
    for inside in (course, os.path.dirname(course), os.path.join(course, "submitted", "demo"),
                   os.path.join(course, "source")):
        with pytest.raises(SystemExit, match="part of the course"):
            cli.demo_folder(course, inside)
