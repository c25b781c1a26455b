"""Hostile students, round two: submissions that try to earn points for nothing, read what they
must not (the reference, hidden inputs, other students' code), or hurt other submissions and
the course. Every one is graded through both entry points, `dnnkit grade` and plain
`nbgrader autograde`, in two copies of one course, with both CPU cores kept busy meanwhile.

Most start from the *blank* release notebook: whatever their code does, they must score 0.
Each is followed (in name order) by honest students, who must get exactly their points.
"""
import json
import os
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT, copy_course
from both_ways import decided, function_points

A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
UID_BASE = 320000 + os.getpid() % 1000 * 100
LIMITS = f"""
# hostile catalog, round two: short limits
c.Execute.timeout = 5
c.ForkedExecute.notebook_timeout = 120
c.JudgeGradedFunctions.timeout = 10
c.Sandbox.memory_mb = 1024
c.Sandbox.max_processes = 32
c.Sandbox.disk_mb = 64
c.Sandbox.uid_base = {UID_BASE}
c.GradeEngine.workers = 1
"""
MARKER = "MARKER-" + "of-alice-" + "4417"   # built so that this file does not hold it whole


def graded_cell(nb, function):
    return next(c for c in nb.cells if c.source.lstrip().startswith(f"# GRADED FUNCTION: {function}"))


def functions(nb):
    return [c.source.split(":", 1)[1].split("\n")[0].strip() for c in nb.cells
            if c.cell_type == "code" and c.source.lstrip().startswith("# GRADED FUNCTION:")]


def every_function(body):
    """Every graded cell defines its function as `body` (taking any arguments)."""
    def edit(nb):
        for name in functions(nb):
            graded_cell(nb, name).source = (f"# GRADED FUNCTION: {name}\n\ndef {name}(*args, **kwargs):\n"
                                            + "".join("    " + l + "\n" for l in body.split("\n")))
        return nb
    return edit


def first_cell(code):
    """An ordinary cell at the top of the notebook runs `code`."""
    def edit(nb):
        nb.cells.insert(1, nbformat.v4.new_code_cell(code))
        return nb
    return edit


def one_function(name, body, args="*args, **kwargs"):
    def edit(nb):
        graded_cell(nb, name).source = (f"# GRADED FUNCTION: {name}\n\ndef {name}({args}):\n"
                                        + "".join("    " + l + "\n" for l in body.split("\n")))
        return nb
    return edit


FORGED = r'''import os
os.write(3, b'{"results": []}\n')
os._exit(0)'''
FORGED_MANY = r'''import os, json
os.write(3, (json.dumps({"results": [{"ok": {"t": "none"}}] * 12}) + "\n\n\n\n").encode())
os._exit(0)'''
DTYPE_BOMB = r'''import os
os.write(3, b'{"results": [{"ok": {"t": "array", "dtype": "<U268435456", "shape": [1], "v": ["x"]}}]}\n')
os._exit(0)'''
HUGE_KEY = r'''import os
os.write(3, b'{"results": [{"ok": {"t": "dict", "v": [["' + b"7" * 5_000_000 + b'", {"t": "none"}]]}}]}\n')
os._exit(0)'''
HUGE_REPLY = r'''import os
os.write(3, b"[" * 100_000_000)
os._exit(0)'''
VALUE_CELLS = '''import testCases.public_tests as t
t.check = lambda *args, **kwargs: None
t.judge_required = lambda: "full marks"
'''
HELPERS = '''import importlib, os
found = []
for name in ("dnn_utils.dnn_app_utils", "dnnkit.assignments.step_by_step", "dnnkit.judging.judge"):
    try:
        importlib.import_module(name)
        found.append(name)
    except Exception:
        pass
for path in ("/box/helpers", "/box/helpers/dnn_utils/dnn_app_utils.py"):
    if os.path.exists(path):
        found.append(path)
raise RuntimeError("FOUND " + " ".join(found))'''
# Reads everything a process can see of the reference of a function it may call.
REFERENCE_SNOOP = '''import gc, inspect, sys
seen = []
try:
    seen.append(inspect.getsource(linear_activation_forward))
except Exception:
    pass
code = getattr(linear_activation_forward, "__code__", None)
if code is not None:
    seen += [repr(c) for c in code.co_consts] + list(code.co_names)
frame = sys._getframe()
while frame is not None:
    seen += [repr(v)[:2000] for v in frame.f_globals.values()]
    frame = frame.f_back
seen += [o for o in gc.get_objects() if isinstance(o, str) and len(o) > 30]
raise ValueError(" | ".join(seen)[-3000:])'''
MEMORY_SCAN = '''import ctypes, re
marker = re.compile(b"MARKER-of-alic(e)-4417")   # the marker itself is never in this process
found, scanned = [], 0
with open("/proc/self/maps") as maps:
    regions = [line.split() for line in maps]
for region in regions:
    if not region[1].startswith("r") or (len(region) > 5 and region[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
        continue
    start, end = (int(x, 16) for x in region[0].split("-"))
    try:
        data = ctypes.string_at(start, end - start)
    except Exception:
        continue
    scanned += len(data)
    if marker.search(data):
        found.append(region[0])
raise RuntimeError(("FOUND-IT " if found else "clean ") + str(len(found)) + " of " + str(scanned >> 20) + " MiB")'''
HIDDEN_INPUTS = '''import numpy as np
raise ValueError(str((np.asarray(args[0]) * 1e6).astype(int).tolist()))'''
USERNS = '''import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for flag, name in ((0x10000000, "user"), (0x00020000, "mount"), (0x40000000, "net")):
    print(name, "ALLOWED" if libc.unshare(flag) == 0 else "DENIED")
'''
DISK = '''import os
written = 0
for i in range(8):
    fd = os.open(f"fill{i}", os.O_CREAT | os.O_WRONLY)
    try:
        os.posix_fallocate(fd, 0, 100 << 20)
        written += 100
    except OSError as error:
        print("refused", error.errno)
    os.close(fd)
print("MiB", written)
'''
OUTPUT_BYPASS = '''from IPython.display import display
display({"text/plain": "x"}, raw=True, metadata={"text/plain": {"pad": "m" * (30 << 20)}})
raise ValueError("e" * (30 << 20))'''
LONG_TRACEBACK = '''raise ValueError(" " * 3_000_000 + "x")'''
PLANT_LINK = '''import os
os.symlink("{gradebook}", "planted.ipynb")
os.symlink("{gradebook}", "Building_your_Deep_Neural_Network_Step_by_Step.ipynb.lnk")
open("made-by-student.txt", "w").write("x")
print("planted")'''
IGNORES_INTERRUPT = '''import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass'''
EDITED_AND_SLOW = '''import os, sys
caller = sys._getframe(1).f_code
if os.environ.get("NBGRADER_EXECUTION") and caller.co_name == "check" and caller.co_filename.endswith("public_tests.py"):
    while True:
        pass
Z = np.dot(W, A) + b
cache = (A, W, b)
return Z, cache'''


def catalog(course):
    """{student: (edit of the blank release or of a complete notebook ("complete", edit),
    expected total, words expected in the status)}. Sorted by name, as graded."""
    gradebook = os.path.join(course, "gradebook.db")
    return {
        "a_forged_empty_reply": (every_function(FORGED), 0),
        "a_forged_extra_lines": (every_function(FORGED_MANY), 0),
        "a_honest_after_forgery": (("complete", None), 100),
        "b_dtype_bomb": (every_function(DTYPE_BOMB), 0),
        "b_huge_key": (every_function(HUGE_KEY), 0),
        "b_huge_reply": (every_function(HUGE_REPLY), 0),
        "b_honest_after_bombs": (("complete", None), 100),
        "c_test_cells_end_with_a_value": (first_cell(VALUE_CELLS), 0),
        "c_helpers_and_grader_code": (every_function(HELPERS), 0),
        "d_reference_snoop": (one_function("L_model_forward", REFERENCE_SNOOP), 0),
        "d_hidden_inputs": (one_function("linear_forward", HIDDEN_INPUTS), 0),
        "e_alice_marker": (("complete", one_function("linear_backward",
                                                     f'marker = "{MARKER}"\nraise ValueError("no")')), 90),
        "e_bob_scans_memory": (("complete", one_function("linear_backward", MEMORY_SCAN)), 90),
        "f_new_namespaces": (("complete", first_cell(USERNS)), 100),
        "f_fills_the_disk": (("complete", first_cell(DISK)), 100),
        "f_output_bypass": (("complete", first_cell(OUTPUT_BYPASS)), 100),
        "f_long_traceback": (("complete", first_cell(LONG_TRACEBACK)), 100),
        "g_plants_links": (("complete", first_cell(PLANT_LINK.format(gradebook=gradebook))), 100),
        # plain nbgrader cannot copy it (a file where the course has a folder): not graded, flagged
        "g_shadows_kit_files": (("complete", "shadow"), {"dnnkit": 100, "nbgrader": 0}),
        "g_submits_a_link": (("complete", "link"), 0),
        "h_edited_test_cell_times_out": (("complete", "edited+slow"), 100),
        # with both cores busy this once ended in ConnectionResetError and 0 for everything
        "i_cost_ignores_interrupt": (("complete", one_function("compute_cost", IGNORES_INTERRUPT, "AL, Y")), 90),
        "z_honest_last": (("complete", None), 100),
    }


def build(course, release, complete):
    from dnnkit.staff import submissions
    made = {}
    for student, (how, total) in catalog(course).items():
        base, edit = how if isinstance(how, tuple) else ("blank", how)
        nb = nbformat.from_dict(json.loads(json.dumps(complete if base == "complete" else release)))
        folder = submissions.write(course, A, student, nb)
        path = os.path.join(folder, NB + ".ipynb")
        if callable(edit):
            nbformat.write(edit(nb), path)
        elif edit == "shadow":
            os.makedirs(os.path.join(folder, "grading_status.json"))
            with open(os.path.join(folder, "grading_status.json", "x"), "w") as f:
                f.write("x")
            with open(os.path.join(folder, "testCases"), "w") as f:
                f.write("x = 1\n")
        elif edit == "link":
            os.remove(path)
            os.symlink(os.path.join(course, "source", A, NB + ".ipynb"), path)
            os.symlink(os.path.join(course, "gradebook.db"), os.path.join(folder, "gradebook.db"))
        elif edit == "edited+slow":
            nb = one_function("linear_forward", EDITED_AND_SLOW, "A, W, b")(nb)
            cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_linear_forward")
            cell.source += "\n# my own note"
            nbformat.write(nb, path)
        made[student] = total
    return made


def saturate():
    """Two busy loops: both cores taken while the batch runs."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{path: (course, expected totals, command output)} for "dnnkit" and "nbgrader"."""
    from dnnkit.staff import course as course_mod, submissions
    from dnnkit import notebook
    out = {}
    for way in ("dnnkit", "nbgrader"):
        base = tmp_path_factory.mktemp(way)
        course = copy_course(base / "course")
        with open(os.path.join(course, "nbgrader_config.py"), "a") as f:
            f.write(LIMITS)
        course_mod.nbgrader(course, "generate_assignment", A, "--force")
        release = notebook.read(submissions.release_notebook_path(course, A))
        source = notebook.read(notebook.source_notebook_path(course, A, NB))
        complete = submissions.make(release, source, notebook.graded_functions(source))
        expected = build(course, release, complete)
        tmp = str(base / "tmp")
        os.makedirs(tmp)
        env = dict(os.environ, TMPDIR=tmp)
        command = ([os.path.join(ROOT, ".venv", "bin", "dnnkit"), "grade", A] if way == "dnnkit" else
                   [os.path.join(ROOT, ".venv", "bin", "nbgrader"), "autograde", A])
        busy = saturate()
        try:
            run = subprocess.run(command, cwd=course, env=env, text=True, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=2400)
            feedback = subprocess.run([os.path.join(ROOT, ".venv", "bin", "nbgrader"), "generate_feedback",
                                       A], cwd=course, env=env, text=True, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, timeout=1200)
        finally:
            for p in busy:
                p.kill()
        out[way] = course, expected, run.stdout + feedback.stdout, tmp
    return out


def totals(course):
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + os.path.join(course, "gradebook.db")) as gb:
        return {s.student_id: s.score for s in gb.assignment_submissions(A)}


def autograded(course, student):
    path = os.path.join(course, "autograded", student, A, NB + ".ipynb")
    return nbformat.read(path, as_version=4) if os.path.exists(path) else None


def verdict_texts(course, student):
    """Everything the student is shown: the autograded notebook's outputs and the feedback."""
    texts = []
    nb = autograded(course, student)
    if nb is not None:
        texts += [json.dumps(c.get("outputs", [])) + json.dumps(c.metadata.get("dnnkit", {})) for c in nb.cells]
    for path in (os.path.join(course, "feedback", student, A, NB + ".html"),):
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                texts.append(f.read())
    return "\n".join(texts)


WAYS = ["dnnkit", "nbgrader"]
STUDENTS = list(catalog("/course"))


@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("student", STUDENTS)
def test_each_gets_exactly_its_points(graded, way, student):
    course, expected, output, _ = graded[way]
    got = totals(course).get(student, 0.0)
    want = expected[student][way] if isinstance(expected[student], dict) else expected[student]
    assert got == want, (student, got, output[-3000:])


# Where the two entry points differ on purpose: plain nbgrader cannot copy a file where the
# course has a folder, and grades nothing of a submission that is a link.
DIFFERENT_WAYS = {"g_shadows_kit_files", "g_submits_a_link"}


@pytest.mark.slow
def test_both_entry_points_give_the_same_points_verdicts_and_statuses(graded):
    """`dnnkit grade` and plain `nbgrader autograde`, on every hostile case: each test cell's
    points, each function's verdict (passed, mistake, fault, cases, seed, message) and the
    submission's status (graded or fault)."""
    from dnnkit.staff import results
    (ours, _, _, _), (plain, _, _, _) = graded["dnnkit"], graded["nbgrader"]
    points = {way: function_points(course, A) for way, course in (("dnnkit", ours), ("nbgrader", plain))}
    statuses = set()
    for student in STUDENTS:
        if student in DIFFERENT_WAYS:
            continue
        assert points["dnnkit"].get(student) == points["nbgrader"].get(student), student
        assert decided(results.verdicts_of(ours, A, student)) == decided(results.verdicts_of(plain, A, student)), student
        status = results.status_of(ours, A, student)[0]
        assert status == results.status_of(plain, A, student)[0], (student, results.status_of(ours, A, student),
                                                                  results.status_of(plain, A, student))
        statuses.add(status)
    assert statuses == {"graded", "fault"}   # both kinds compared


@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_nothing_of_the_reference_or_of_other_students_reaches_a_student(graded, way, root):
    from dnnkit import notebook
    course, _, _, _ = graded[way]
    from dnnkit.staff import submissions
    source = notebook.read(notebook.source_notebook_path(course, A, NB))
    release = json.dumps(notebook.read(submissions.release_notebook_path(course, A)))
    solution = set()
    for cell in source.cells:
        inside = False
        for line in cell.source.split("\n"):
            inside = (inside or "BEGIN SOLUTION" in line) and "END SOLUTION" not in line
            if inside and "=" in line and len(line.strip()) > 12 and line.strip() not in release:
                solution.add(line.strip())
    assert len(solution) > 20
    for student in ("d_reference_snoop", "d_hidden_inputs", "c_helpers_and_grader_code"):   # blank ones
        text = verdict_texts(course, student)
        assert text, student
        shown = [line for line in solution if line in text]
        assert shown == [], (student, shown[:3])
    assert MARKER not in verdict_texts(course, "e_bob_scans_memory")
    bob = verdict_texts(course, "e_bob_scans_memory")
    import re
    assert not re.search(r"FOUND-IT \d", bob) and "clean 0 of" in bob
    judged = verdicts(course, "c_helpers_and_grader_code")
    assert judged.count("raised RuntimeError: FOUND") == 10, judged   # every function looked
    found = " ".join(re.findall(r"FOUND ([^`]*) at `", judged))
    assert found.strip() == "", found   # nothing of the repository's helpers or grader code
    hidden = verdicts(course, "d_hidden_inputs")
    assert "raised ValueError" in hidden and not re.search(r"\d{4,}", hidden.split(" at `")[0]), hidden


def verdicts(course, student):
    """The judge's messages for a student (what it measured on the hidden cases)."""
    nb = autograded(course, student)
    return "\n".join(c.metadata.get("dnnkit", {}).get("message", "") for c in nb.cells)


@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_the_sandbox_holds(graded, way):
    course, _, _, tmp = graded[way]
    ns = autograded(course, "f_new_namespaces")
    text = json.dumps([c.get("outputs", []) for c in ns.cells])
    assert "ALLOWED" not in text and text.count("DENIED") == 3, text[:2000]
    disk = json.dumps([c.get("outputs", []) for c in autograded(course, "f_fills_the_disk").cells])
    assert "MiB 0" in disk or "MiB 100" in disk, disk[:2000]
    assert os.listdir(tmp) == [] or all(os.path.getsize(os.path.join(dp, f)) < 50 << 20
                                        for dp, _, fs in os.walk(tmp) for f in fs)
    size = os.path.getsize(os.path.join(course, "autograded", "f_output_bypass", A, NB + ".ipynb"))
    assert size < 20 << 20, size
    folder = os.path.join(course, "autograded", "g_plants_links", A)
    assert not any(os.path.islink(os.path.join(dp, f)) for dp, ds, fs in os.walk(folder) for f in fs + ds)
    assert not os.path.exists(os.path.join(folder, "made-by-student.txt"))
    assert totals(course)["z_honest_last"] == 100   # the gradebook survived


@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_links_and_the_kits_own_file_names_are_flagged(graded, way):
    course, _, output, _ = graded[way]
    linked = os.path.join(course, "autograded", "g_submits_a_link", A)
    for dirpath, _, filenames in os.walk(linked):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as f:
                data = f.read()
            assert b"### BEGIN SOLUTION" not in data and not data.startswith(b"SQLite format"), name
    for area in ("autograded", "feedback"):
        for dirpath, _, filenames in os.walk(os.path.join(course, area)):
            for name in filenames:
                with open(os.path.join(dirpath, name), "rb") as f:
                    assert not f.read(16).startswith(b"SQLite format"), os.path.join(dirpath, name)
    if way == "dnnkit":
        with open(os.path.join(linked, "grading_status.json")) as f:
            status = json.load(f)
        assert "link" in json.dumps(status), status
        with open(os.path.join(course, "autograded", "g_shadows_kit_files", A, "grading_status.json")) as f:
            status = json.load(f)
        assert "course's own files" in json.dumps(status), status
    else:
        assert "g_submits_a_link" in output and "links" in output


@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_an_edited_test_cell_that_times_out_keeps_the_points(graded, way):
    course, _, _, _ = graded[way]
    assert totals(course)["h_edited_test_cell_times_out"] == 100
    if way == "dnnkit":
        with open(os.path.join(course, "autograded", "h_edited_test_cell_times_out", A,
                               "grading_status.json")) as f:
            status = json.load(f)
        reasons = json.dumps(status)
        assert "locked cell edited" in reasons and "longer than" in reasons, status


@pytest.mark.slow
def test_export_and_report_survive_a_students_own_status_file(graded, tmp_path):
    """Under plain nbgrader a student's grading_status.json is not the grader's: not copied,
    not read; CSV cells that look like formulas are escaped."""
    from dnnkit.staff import results
    course, _, _, _ = graded["nbgrader"]
    folder = os.path.join(course, "autograded", "z_honest_last", A)
    with open(os.path.join(folder, "grading_status.json"), "w") as f:
        f.write('{"status": "graded", "reason": "=HYPERLINK(\\"http://x\\")", "faults": []}')
    assert results.status_of(course, A, "z_honest_last") == ("graded", "")
    path = tmp_path / "grades.csv"
    results.write_csv(course, A, str(path))
    assert "=HYPERLINK" not in path.read_text().replace("'=", "")
    assert results.cell("=1+2") == "'=1+2" and results.cell("ok") == "ok"
