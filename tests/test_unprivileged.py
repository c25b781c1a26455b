"""Grading as an ordinary instructor account (issue 12), the way a JupyterHub server or
formgrader runs: a real user made with `useradd`, a copy of the course in its home, its own venv
made with Debian's /usr/bin/python3 from requirements.lock, every command run with its uid.
The sandbox picks its user mode there (dnnkit.host.sandbox: nested user namespaces, no uid of its own).

- the sample class through `dnnkit grade` and through plain `nbgrader autograde`: the same
  grades as root's `dnnkit grade`;
- part of the hostile catalog (tests/test_hostile.py): network, reading source/ and the
  gradebook, writing anywhere but private folders (the user owns its course and venv: only the
  read-only mounts protect them), a process spray, a memory bomb, a daemon left behind; and
  nothing of the user's left running afterwards;
- formgrader's Autograde button in that user's JupyterLab (Chromium), and the score appears.

Needs root to create the account (CI runs as root); the account and its venv (made by `make
venv` as the account) are kept between runs.
"""
import os
import pwd
import re
import shutil
import subprocess
import sys

import pytest

import test_hostile
from conftest import ROOT, grade_exit_code
from test_browser import SHOTS, browser, chromium, jupyter_lab  # noqa: F401 (fixtures)

USER = "dnnkit-ta"
PYTHON = "/usr/bin/python3"   # Debian's
A = "step_by_step"
SKIP_IN_COPY = {".git", ".venv", "__pycache__", ".pytest_cache", "submitted", "autograded",
                "feedback", "gradebook.db", "test-output", "reports", "demo"}


class Account:
    """An ordinary user with a copy of the course kit (`kit`) and a venv of its own (`bin`)."""

    def __init__(self, name):
        entry = pwd.getpwnam(name)
        self.name, self.uid, self.gid, self.home = name, entry.pw_uid, entry.pw_gid, entry.pw_dir
        self.kit = os.path.join(self.home, "kit")
        self.venv = os.path.join(self.kit, ".venv")   # where `make` makes it
        self.bin = os.path.join(self.venv, "bin")

    def env(self):
        return {"HOME": self.home, "USER": self.name, "LOGNAME": self.name, "LANG": "C.UTF-8",
                "PATH": f"{self.bin}:/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"}

    def popen_args(self):
        return {"user": self.uid, "group": self.gid, "extra_groups": [], "umask": 0o022}

    def run(self, *cmd, cwd=None, timeout=1800, check=True):
        result = subprocess.run(list(cmd), cwd=cwd or self.home, env=self.env(), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                timeout=timeout, **self.popen_args())
        if check:
            assert result.returncode == 0, f"{' '.join(cmd)} as {self.name}:\n{result.stdout[-4000:]}"
        return result

    def own(self, path):
        for dirpath, dirnames, filenames in os.walk(path):
            for name in [dirpath] + [os.path.join(dirpath, n) for n in dirnames + filenames]:
                os.lchown(name, self.uid, self.gid)

    def course(self, name):
        """A scratch course in the account's home (as copy_course makes one), owned by it."""
        from dnnkit.staff.course import copy_course
        path = os.path.join(self.home, "courses", name)
        shutil.rmtree(path, ignore_errors=True)
        copy_course(self.kit, path)
        self.own(os.path.join(self.home, "courses"))
        return path

    def processes(self):
        """(pid, command line) of every process running with this account's uid."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.stat(f"/proc/{pid}").st_uid != self.uid:
                    continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    found.append((pid, f.read().replace(b"\0", b" ").decode(errors="replace")[:200]))
            except OSError:
                continue
        return found


def _debian_python():
    if not os.path.exists(PYTHON):
        pytest.skip(f"{PYTHON} (Debian's python3) is not installed")
    version = subprocess.run([PYTHON, "-c", "import sys; print(sys.version_info[:2] >= (3, 11) "
                              "and sys.version_info[:2] <= (3, 13))"], text=True,
                             stdout=subprocess.PIPE).stdout.strip()
    if version != "True":
        pytest.skip(f"{PYTHON} is not a Python 3.11-3.13")


@pytest.fixture(scope="session")
def account():
    if os.geteuid() != 0:
        pytest.skip("makes an account with useradd, so it runs as root (as CI does); run as an "
                    "ordinary user, the whole suite is already this test")
    _debian_python()
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", USER], check=True)
    user = Account(USER)
    os.makedirs(user.kit, exist_ok=True)
    for name in os.listdir(user.kit):   # the kit as it is now, from this checkout (its venv kept)
        path = os.path.join(user.kit, name)
        if name != ".venv":
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
    shutil.copytree(ROOT, user.kit, symlinks=True, dirs_exist_ok=True, ignore=lambda d, names: [
        n for n in names if n in SKIP_IN_COPY or n.endswith(".egg-info")])
    user.own(user.kit)
    # as an instructor sets up: the Makefile picks the interpreter (Debian's python3: pyenv's is
    # not the account's) and (re)installs the lock when it changed since the venv was made
    result = user.run("make", "venv", cwd=user.kit)
    assert os.path.realpath(os.path.join(user.bin, "python")).startswith("/usr/"), result.stdout
    return user


def totals(course, assignment=A):
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        return {s.student_id: s.score for s in gb.assignment_submissions(assignment)}


def recorded_grades(course):
    """Grades the autograder has written into the gradebook."""
    if not os.path.exists(os.path.join(course, "gradebook.db")):
        return 0
    from nbgrader.api import Grade, Gradebook
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        return gb.db.query(Grade).filter(Grade.auto_score.isnot(None)).count()


@pytest.fixture(scope="module")
def root_grades(tmp_path_factory):
    """The sample class graded by root's `dnnkit grade` (the reference for the user's runs)."""
    from conftest import copy_course
    course = copy_course(tmp_path_factory.mktemp("root-sample") / "course")
    dnnkit = os.path.join(ROOT, ".venv", "bin", "dnnkit")
    for command in (["release", A], ["sample-class", A], ["grade", A]):
        result = subprocess.run([dnnkit, *command], cwd=course, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert result.returncode == 0, result.stdout
    return totals(course)


def test_dnnkit_grade_as_an_ordinary_user_gives_roots_grades(account, root_grades):
    course = account.course("sample-dnnkit")
    dnnkit = os.path.join(account.bin, "dnnkit")
    account.run(dnnkit, "release", A, cwd=course)
    account.run(dnnkit, "sample-class", A, cwd=course)
    result = account.run(dnnkit, "grade", A, cwd=course)
    assert "needs root" not in result.stdout
    assert totals(course) == root_grades, result.stdout
    assert len(root_grades) >= 6 and len(set(root_grades.values())) > 2   # a class, not one score


def test_plain_nbgrader_as_an_ordinary_user_gives_roots_grades(account, root_grades):
    course = account.course("sample-nbgrader")
    account.run(os.path.join(account.bin, "dnnkit"), "release", A, cwd=course)
    account.run(os.path.join(account.bin, "dnnkit"), "sample-class", A, cwd=course)
    result = account.run(os.path.join(account.bin, "nbgrader"), "autograde", A, cwd=course)
    assert totals(course) == root_grades, result.stdout[-4000:]


HOSTILE = ["ok_complete", "snoop", "write_anywhere", "outside_the_caps", "memory_bomb", "fork_burst",
           "judge_daemon", "judge_snoop", "loop_forever"]


@pytest.fixture(scope="module")
def hostile(account, tmp_path_factory):
    """Part of the hostile catalog in the account's own course, graded by the account."""
    import pathlib
    base = pathlib.Path(account.home) / "hostile"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir()
    server, connections = test_hostile.listening_server()
    course, cases = test_hostile.make_course(base, server.getsockname()[1], HOSTILE,
                                             root=account.kit, venv=account.venv)
    account.own(str(base))
    result = account.run(os.path.join(account.bin, "dnnkit"), "grade", A, "--workers", "2",
                         cwd=course, check=False)
    server.close()
    return course, cases, result, connections


def test_hostile_class_as_an_ordinary_user(hostile):
    course, cases, result, connections = hostile
    assert result.returncode == grade_exit_code(result.stdout) == 1, result.stdout
    scores = totals(course)
    for student, (_, expected_status, expected_total, words) in cases.items():
        record = test_hostile.status(course, student)
        assert record["status"] == expected_status, (student, record)
        assert words in record["reason"] + str(record["faults"]), (student, record)
        assert scores[student] == expected_total, (student, record)
    assert not connections


def test_an_ordinary_users_sandbox_denies_what_roots_does(hostile, account):
    course, _, _, _ = hostile
    nb = test_hostile.nbformat.read(os.path.join(course, "autograded", "snoop", A,
                                                 test_hostile.NB + ".ipynb"), as_version=4)
    text = "".join(o.get("text", "") for o in test_hostile.call_cell(nb, "linear_forward").outputs)
    assert "ALLOWED" not in text and text.count("DENIED") == 10, text
    # the account owns its course and venv: only the sandbox's read-only view protects them
    assert not os.path.exists(os.path.join(account.venv, "hacked.txt"))
    assert not os.path.exists(os.path.join(course, "autograded", "hacked.txt"))
    assert test_hostile.writable_places(course) == {"/box/work", "/box/run", "/tmp"}
    verdicts, inotify = test_hostile.outside_the_caps(course)
    assert set(verdicts.values()) == {"DENIED"} and len(verdicts) == 4, verdicts
    # counted against the grader's account on the host: the student's namespace allows few
    assert 0 < inotify <= 16


def test_nothing_of_the_account_left_running(hostile, account):
    import time
    deadline = time.monotonic() + 10   # sandboxes die with the grader, a moment after it exits
    while account.processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert account.processes() == []


def test_formgrader_autograde_as_an_ordinary_user(account, browser, root_grades):  # noqa: F811
    course = account.course("formgrader")
    dnnkit = os.path.join(account.bin, "dnnkit")
    account.run(dnnkit, "release", A, cwd=course)
    account.run(dnnkit, "sample-class", A, cwd=course)
    # formgrader lists the submissions of the gradebook's students
    account.run(os.path.join(account.bin, "nbgrader"), "db", "student", "add", "ada_complete", cwd=course)
    scratch = os.path.join(account.home, "lab-scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    with jupyter_lab(course, scratch, account) as (url, token):
        page = browser.new_page()
        page.goto(f"{url}/formgrader/manage_assignments?token={token}")
        page.locator("tr", has_text=A).first.wait_for()
        page.goto(f"{url}/formgrader/manage_submissions/{A}?token={token}")
        row = page.locator("tr", has_text="ada_complete").first
        row.wait_for()
        row.locator(".autograde a").click()
        page.get_by_text("Successfully autograded").wait_for(timeout=300_000)
        expected = root_grades["ada_complete"]
        page.reload()
        row = page.locator("tr", has_text="ada_complete").first
        row.wait_for()
        assert re.search(rf"graded\s+{expected:g} / ", row.inner_text()), row.inner_text()
        page.screenshot(path=os.path.join(SHOTS, "formgrader-autograde-user.png"), full_page=True)
        page.close()
    assert totals(course)["ada_complete"] == expected


# Runs a command as the account inside a user namespace whose own limit of user namespaces is
# 0 (user.max_user_namespaces counts per namespace): a host that refuses unprivileged ones, for
# the account's programs, without changing this machine's settings.
REFUSING_HOST = r'''
import ctypes, os, sys
uid, gid, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
ready_r, ready_w = os.pipe()
mapped_r, mapped_w = os.pipe()
child = os.fork()
if child == 0:
    if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:   # CLONE_NEWUSER
        os._exit(90)
    os.write(ready_w, b"u")
    os.read(mapped_r, 1)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    os.execv(argv[0], argv)
os.read(ready_r, 1)
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{child}/{name}", "w") as f:
        f.write("0 0 65536")
os.write(mapped_w, b"m")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
'''


def test_a_host_that_refuses_user_namespaces_stops_grading_before_anything_is_written(account, tmp_path):
    course = account.course("refused")
    dnnkit = os.path.join(account.bin, "dnnkit")
    account.run(dnnkit, "release", A, cwd=course)
    account.run(dnnkit, "sample-class", A, cwd=course)
    script = tmp_path / "refusing_host.py"
    script.write_text(REFUSING_HOST)
    for command in ([dnnkit, "grade", A], [os.path.join(account.bin, "nbgrader"), "autograde", A]):
        result = subprocess.run([sys.executable, str(script), str(account.uid), str(account.gid),
                                 *command], cwd=course, env=account.env(), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        said = result.stdout
        assert result.returncode != 0, said
        assert "user.max_user_namespaces is 0" in said and "sysctl -w user.max_user_namespaces" in said, said
        assert f"cannot start as {USER}" in said, said
        assert recorded_grades(course) == 0, said
        autograded = os.path.join(course, "autograded")
        assert not os.path.exists(autograded) or not any(
            files for _, _, files in os.walk(autograded)), said


def test_the_refusal_names_each_host_setting_found(tmp_path):
    from dnnkit.host import sandbox
    sysctl = tmp_path / "sys"
    for name, value in (("kernel.unprivileged_userns_clone", "0"), ("user.max_user_namespaces", "15000"),
                        ("kernel.apparmor_restrict_unprivileged_userns", "1")):
        path = sysctl.joinpath(*name.split("."))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
    said = sandbox.userns_message("bwrap: setting up uid map: Permission denied", str(sysctl))
    assert "kernel.unprivileged_userns_clone is 0" in said
    assert "kernel.apparmor_restrict_unprivileged_userns is 1" in said and "AppArmor" in said
    assert "user.max_user_namespaces is" not in said   # 15000 refuses nothing
    assert "setting up uid map" in said and "Or grade as root" in said
    # nothing readable (another kernel, a container): every setting is named
    nothing = sandbox.userns_message("bwrap: No permissions to create new namespace", str(tmp_path / "none"))
    assert all(name in nothing for name, _, _ in sandbox.USERNS_SETTINGS)


def test_make_demo_as_an_ordinary_user(account, root_grades):
    result = account.run("make", "demo", cwd=account.kit)
    assert "instructor report:" in result.stdout, result.stdout[-3000:]
    demo = os.path.join(account.kit, "demo")
    assert totals(demo) == root_grades, result.stdout[-3000:]   # the same sample class
    for assignment in ("planar", "application"):
        assert len(totals(demo, assignment)) == len(root_grades), assignment   # the same students
