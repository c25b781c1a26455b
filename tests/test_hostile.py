"""The hostile catalog, through `dnnkit grade`: every fault gets a recorded result with a reason,
functions that are right keep their points (the judge grades each from its cell source), other
submissions are unaffected, the sandbox denies reads and writes outside the working copy and the
network, and nothing is left running or lying around afterwards.

One batch grades the whole catalog (short time limits set in the course's nbgrader_config.py).
"""
import ast
import json
import os
import socket
import subprocess
import threading

import nbformat
import pytest

from conftest import ROOT, copy_course, grade_exit_code

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
UID_BASE = 310000 + os.getpid() % 1000 * 100   # the uids of this batch's student processes

LIMITS = f"""
# hostile catalog: short limits
c.Execute.timeout = 5
c.ForkedExecute.notebook_timeout = 120
c.JudgeGradedFunctions.timeout = 10
c.Sandbox.memory_mb = 1024
c.Sandbox.max_processes = 32
c.Sandbox.uid_base = {UID_BASE}
"""


def call_cell(nb, function):
    return next(c for c in nb.cells if c.metadata.get("dnnkit", {}).get("shows") == function)


def graded_test_cell(nb, function):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_" + function)


def replace_call(code, function="linear_forward"):
    def edit(nb, course):
        call_cell(nb, function).source = code.format(course=course)
        return nb
    return edit


SNOOP = '''
import os
attempts = {{
    "source": lambda: open("{course}/source/step_by_step/Building_your_Deep_Neural_Network_Step_by_Step.ipynb").read(),
    "other student": lambda: open("{course}/submitted/ok_complete/step_by_step/Building_your_Deep_Neural_Network_Step_by_Step.ipynb").read(),
    "gradebook": lambda: open("{course}/gradebook.db", "rb").read(),
    "course folder": lambda: os.listdir("{course}"),
    "repository helpers": lambda: open("{root}/dnn_utils/dnn_app_utils.py").read(),
    "grader code": lambda: open("{root}/dnnkit/assignments/step_by_step.py").read(),
    "write shared memory": lambda: open("/dev/shm/dnnkit-hostile-marker", "w").write("x"),
    "write course": lambda: open("{course}/autograded/hacked.txt", "w").write("x"),
    "write usr": lambda: open("{venv}/hacked.txt", "w").write("x"),
    "network": lambda: __import__("socket").create_connection(("127.0.0.1", {port}), timeout=3),
}}
for what, attempt in attempts.items():
    try:
        attempt()
        print("ALLOWED", what)
    except Exception as error:
        print("DENIED", what, type(error).__name__)
open("/tmp/dnnkit-hostile-marker", "w").write("its own /tmp, gone when it ends")
open("mine.txt", "w").write("the working copy is writable")
print("own copy", open("mine.txt").read())
'''

JUDGE_SNOOP = '''# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    open("{course}/source/step_by_step/Building_your_Deep_Neural_Network_Step_by_Step.ipynb").read()
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache
'''

# The judge's runner serves one worker's submissions one after another: a process a request
# leaves behind must not live on to disturb later requests (here: kill each one, sparing the
# runner itself so that it is not restarted).
JUDGE_DAEMON = '''# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    import os, signal, time
    runner = os.getppid()
    if os.path.basename(os.getcwd()) == "run" and os.fork() == 0:   # in the judge's runner only
        os.setsid()
        time.sleep(2)
        while True:
            for pid in range(2, 3000):
                if pid not in (runner, os.getpid()):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            time.sleep(0.05)
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache
'''


# Try to create a file at every mount point in sight and in the places a program writes
# temporary files: only the student process's own private folders may take it (a folder shared
# with a later student, e.g. the sandbox's /tmp or /dev/shm, would pass answers on).
WRITE_ANYWHERE = '''
import os
places = {{"/", "/tmp", "/dev", "/dev/shm", "/var/tmp", "/box", "/box/work", "/box/run",
          os.path.expanduser("~"), os.path.dirname(os.__file__)}}
with open("/proc/self/mountinfo") as f:
    places.update(line.split()[4] for line in f)
writable = []
for place in sorted(places):
    if place.startswith(("/proc", "/sys")) or not os.path.isdir(place):
        continue
    probe = os.path.join(place, ".dnnkit-probe-%d" % os.getpid())
    try:
        open(probe, "x").close()
        os.remove(probe)
        writable.append(place)
    except OSError:
        pass
print("WRITABLE", writable)
'''


# Resources outside the rlimits: memory RLIMIT_AS does not count (memfd, SysV shared memory), a
# lease that stalls the grader's writes to a file its uid owns (user mode), kernel objects the
# kernel counts per host uid (inotify instances: in user mode the grader's own).
OUTSIDE_THE_CAPS = '''
import ctypes, fcntl, os, signal
libc = ctypes.CDLL(None, use_errno=True)
signal.signal(signal.SIGIO, signal.SIG_IGN)
def shared_memory():
    if libc.shmget(0, 100 << 20, 0o1600) < 0:
        raise OSError(ctypes.get_errno(), "shmget")
def lease():
    fd = os.open("{venv}/pyvenv.cfg", os.O_RDONLY)   # a file the grader owns in user mode
    fcntl.fcntl(fd, 1024, fcntl.F_RDLCK)
def inotify():
    count = 0
    while libc.inotify_init1(0) >= 0 and count < 1000:
        count += 1
    print("INOTIFY", count)
for name, attempt in (("memfd", lambda: os.memfd_create("m")), ("shared memory", shared_memory),
                      ("lease", lease), ("terminal", lambda: os.open("/dev/ptmx", os.O_RDWR))):
    try:
        attempt()
        print("ALLOWED", name)
    except OSError as error:
        print("DENIED", name, type(error).__name__)
inotify()
'''


def catalog(port, root=ROOT, venv=os.path.join(ROOT, ".venv")):
    """{student: (how the submission is made, expected status, expected total, words of the reason)}"""
    def edited_test(nb, course):
        graded_test_cell(nb, "linear_forward").source = 'print("All tests passed.")'
        return nb

    def deleted_test(nb, course):
        nb.cells.remove(graded_test_cell(nb, "linear_forward"))
        return nb

    def duplicated_test(nb, course):
        cell = graded_test_cell(nb, "linear_forward")
        nb.cells.insert(nb.cells.index(cell), nbformat.from_dict(json.loads(json.dumps(cell))))
        return nb

    def changed_points(nb, course):
        graded_test_cell(nb, "linear_forward").metadata.nbgrader["points"] = 1000
        return nb

    def changed_type(nb, course):
        cell = graded_test_cell(nb, "linear_forward")
        nb.cells[nb.cells.index(cell)] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
        return nb

    def judge_snoop(nb, course):
        next(c for c in nb.cells if c.source.startswith("# GRADED FUNCTION: linear_forward")).source = \
            JUDGE_SNOOP.format(course=course)
        return nb

    def judge_daemon(nb, course):
        next(c for c in nb.cells if c.source.startswith("# GRADED FUNCTION: linear_forward")).source = \
            JUDGE_DAEMON
        return nb

    def snoop(nb, course):
        call_cell(nb, "linear_forward").source = SNOOP.format(
            course=course, root=root, venv=venv, port=port)
        return nb

    return {
        "ok_complete": (None, "graded", 100, ""),
        "loop_forever": (replace_call("while True:\n    pass"), "fault", 100, "longer than 5 s"),
        "loop_ignores_interrupt": (replace_call(
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
            "fault", 100, "did not stop when interrupted"),
        "exits": (replace_call("import os\nos._exit(3)"), "fault", 100, "exit code 3"),
        "segfault": (replace_call("import ctypes\nctypes.string_at(0)"), "fault", 100, "SIGSEGV"),
        "memory_bomb": (replace_call("import numpy as np\nhog = [np.empty(10 ** 8) for _ in range(100)]"),
                        "fault", 100, "ran out of memory"),
        "fork_burst": (replace_call("import os, time\nfor _ in range(500):\n    if os.fork() == 0:\n"
                                    "        time.sleep(600)\n        os._exit(0)"),
                       "fault", 100, "process cap"),
        "output_flood": (replace_call("for i in range(3000):\n    print('spam ' * 2000)"),
                         "fault", 100, "printed more than"),
        "edited_test": (edited_test, "graded", 100, "locked cell edited"),
        "deleted_test": (deleted_test, "graded", 100, "test cell deleted"),
        "duplicated_test": (duplicated_test, "graded", 100, "duplicated"),
        "changed_points": (changed_points, "graded", 100, "points changed to 1000"),
        "changed_type": (changed_type, "graded", 100, "cell turned into markdown"),
        "invalid_json": (b'{"cells": [', "fault", 0, "could not be read"),
        "empty_file": (b"", "fault", 0, "could not be read"),
        "misnamed": ("my_notebook.ipynb", "missing", 0, "my_notebook.ipynb"),
        "extra_files": ("extras", "graded", 100, "a link"),
        "snoop": (snoop, "graded", 100, ""),
        "judge_snoop": (judge_snoop, "graded", 90, ""),
        "judge_daemon": (judge_daemon, "graded", 100, ""),
        "write_anywhere": (replace_call(WRITE_ANYWHERE), "graded", 100, ""),
        "outside_the_caps": (replace_call(OUTSIDE_THE_CAPS.replace("{venv}", venv)), "graded", 100, ""),
    }


def make_course(base, port, students=None, root=ROOT, venv=None):
    """A scratch course at base/course whose submitted/ holds the catalog's submissions (of
    `students`, default all); `root`, `venv`: the repository and venv the snoop tries to reach."""
    from dnnkit.staff import course as course_mod, submissions
    from dnnkit import notebook
    course = copy_course(base / "course")
    with open(os.path.join(course, "nbgrader_config.py"), "a") as f:
        f.write(LIMITS)
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    release = notebook.read(submissions.release_notebook_path(course, A))
    source = notebook.read(notebook.source_notebook_path(course, A, NB))
    complete = submissions.make(release, source, notebook.graded_functions(source))
    cases = {s: case for s, case in catalog(port, root, venv or os.path.join(root, ".venv")).items()
             if students is None or s in students}
    for student, (make, *_) in cases.items():
        nb = json.loads(json.dumps(complete))
        nb = nbformat.from_dict(nb)
        folder = submissions.write(course, A, student, nb)
        path = os.path.join(folder, NB + ".ipynb")
        if callable(make):
            nbformat.write(make(nb, course), path)
        elif isinstance(make, bytes):
            with open(path, "wb") as f:
                f.write(make)
        elif make == "extras":
            with open(os.path.join(folder, "notes.txt"), "w") as f:
                f.write("my notes")
            os.symlink(os.path.join(course, "gradebook.db"), os.path.join(folder, "gradebook_link"))
        elif make:
            os.rename(path, os.path.join(folder, make))
    return course, cases


def listening_server():
    """Something to (fail to) reach from inside the sandbox: (socket, accepted connections)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    connections = []
    threading.Thread(target=lambda: connections.append(server.accept()), daemon=True).start()
    return server, connections


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    server, connections = listening_server()
    course, cases = make_course(base, server.getsockname()[1])
    tmp = str(base / "tmp")
    os.makedirs(tmp)
    env = dict(os.environ, TMPDIR=tmp)
    result = subprocess.run([os.path.join(ROOT, ".venv", "bin", "dnnkit"), "grade", A, "--workers", "2"],
                            cwd=course, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    server.close()
    return course, cases, result, tmp, connections


def totals(course):
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        return {s.student_id: (s.score, s.max_score, s.needs_manual_grade)
                for s in gb.assignment_submissions(A)}


def status(course, student):
    with open(os.path.join(course, "autograded", student, A, "grading_status.json")) as f:
        return json.load(f)


def test_the_batch_finishes_and_records_everyone(hostile):
    course, cases, result, _, _ = hostile
    assert result.returncode == 1, result.stdout   # graded, with faults (docs/workflow.md)
    assert grade_exit_code(result.stdout) == 1
    assert set(totals(course)) == set(cases), result.stdout
    assert f"{len(cases)}/{len(cases)}" in result.stdout


@pytest.mark.parametrize("student", list(catalog(0)))
def test_each_fault_has_its_outcome(hostile, student):
    course, cases, result, _, _ = hostile
    _, expected_status, expected_total, words = cases[student]
    record = status(course, student)
    assert record["status"] == expected_status, record
    assert words in record["reason"] + json.dumps(record["faults"]), record
    if expected_status != "graded" or words:
        assert record["reason"], record   # distinguishable from an honest result
    score, maximum, needs_person = totals(course)[student]
    assert (score, maximum) == (expected_total, 100), (student, record)
    if student in ("invalid_json", "empty_file"):
        assert needs_person


def test_a_clean_submission_is_untouched_by_the_others(hostile):
    course, _, _, _, _ = hostile
    record = status(course, "ok_complete")
    assert (record["status"], record["reason"], record["faults"]) == ("graded", "", [])


def test_cells_after_a_fatal_fault_are_not_run_and_earn_nothing(hostile):
    course, _, _, _, _ = hostile
    nb = nbformat.read(os.path.join(course, "autograded", "segfault", A, NB + ".ipynb"), as_version=4)
    errors = [o.ename for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert "DeadKernelError" in errors and "CellNotRun" in errors


def test_deleted_test_cell_is_restored_and_graded(hostile):
    course, _, _, _, _ = hostile
    nb = nbformat.read(os.path.join(course, "autograded", "deleted_test", A, NB + ".ipynb"), as_version=4)
    cell = graded_test_cell(nb, "linear_forward")
    assert cell.metadata["dnnkit"]["passed"] is True


def test_sandbox_denies_everything_outside_the_working_copy(hostile):
    course, _, _, _, connections = hostile
    nb = nbformat.read(os.path.join(course, "autograded", "snoop", A, NB + ".ipynb"), as_version=4)
    text = "".join(o.get("text", "") for o in call_cell(nb, "linear_forward").outputs)
    assert "ALLOWED" not in text, text
    assert text.count("DENIED") == 10, text
    assert "own copy the working copy is writable" in text
    assert not os.path.exists("/tmp/dnnkit-hostile-marker")
    assert not os.path.exists(os.path.join(course, "autograded", "hacked.txt"))
    assert not os.path.exists(os.path.join(ROOT, ".venv", "hacked.txt"))
    assert not connections


def writable_places(course):
    nb = nbformat.read(os.path.join(course, "autograded", "write_anywhere", A, NB + ".ipynb"), as_version=4)
    text = "".join(o.get("text", "") for o in call_cell(nb, "linear_forward").outputs)
    assert "WRITABLE" in text, text
    return set(ast.literal_eval(text.split("WRITABLE", 1)[1].strip()))


def outside_the_caps(course):
    """{attempt: "ALLOWED"/"DENIED"} and the inotify instances the student could take."""
    nb = nbformat.read(os.path.join(course, "autograded", "outside_the_caps", A, NB + ".ipynb"), as_version=4)
    text = "".join(o.get("text", "") for o in call_cell(nb, "linear_forward").outputs)
    verdicts = {" ".join(line.split()[1:-1] if line.startswith("DENIED") else line.split()[1:]): line.split()[0]
                for line in text.splitlines() if line.startswith(("ALLOWED", "DENIED"))}
    return verdicts, int(text.split("INOTIFY")[1].split()[0])


def test_memory_leases_and_terminals_outside_the_caps_are_refused(hostile):
    course, _, _, _, _ = hostile
    verdicts, _ = outside_the_caps(course)
    assert verdicts == dict.fromkeys(["memfd", "shared memory", "lease", "terminal"], "DENIED")


def test_only_private_folders_are_writable(hostile):
    course, _, _, _, _ = hostile
    assert writable_places(course) == {"/box/work", "/box/run", "/tmp"}


def test_judge_runner_is_sandboxed_too(hostile):
    course, _, _, _, _ = hostile
    nb = nbformat.read(os.path.join(course, "autograded", "judge_snoop", A, NB + ".ipynb"), as_version=4)
    verdict = graded_test_cell(nb, "linear_forward").metadata["dnnkit"]
    assert verdict["passed"] is False
    assert "FileNotFoundError" in verdict["message"]


def test_extra_files_are_kept_and_links_are_not_followed(hostile):
    course, _, _, _, _ = hostile
    folder = os.path.join(course, "autograded", "extra_files", A)
    assert os.path.exists(os.path.join(folder, "notes.txt"))
    assert not os.path.exists(os.path.join(folder, "gradebook_link"))


def test_nothing_left_running_or_lying_around(hostile):
    _, _, _, tmp, _ = hostile
    assert os.listdir(tmp) == []
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                uid = int(next(line for line in f if line.startswith("Uid:")).split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except (OSError, StopIteration):
            continue
        if UID_BASE <= uid < UID_BASE + 100000 or tmp in cmdline:
            leftovers.append((pid, uid, cmdline[:200]))
    assert leftovers == []
