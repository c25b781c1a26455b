"""`dnnkit grade --cluster`: grading on a real Dask cluster gives what local grading gives.

A `distributed.LocalCluster` (a scheduler and two worker processes talking over loopback) grades
the project's catalog (dnnkit.staff.catalog) plus a few submissions that break limits, while the test
kills one worker in the middle of the batch. The same submissions graded by the local engine are
the reference: same scores, same statuses and reasons, every submission recorded exactly once.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import nbformat
import pytest

from conftest import grade_exit_code

from dnnkit.staff import accuracy, catalog, course as course_mod, submissions
from dnnkit import notebook

A = "step_by_step"
DNNKIT = os.path.join(os.path.dirname(sys.executable), "dnnkit")
LIMITS = f"""
# limits the submissions below break (loose enough for a busy machine)
c.Execute.timeout = 15
c.Sandbox.memory_mb = 1024
c.Sandbox.uid_base = {420000 + os.getpid() % 1000 * 100}
"""
# Loaded CI machines can starve Dask's event loops for a while: patience, not failures.
DASK_ENV = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "60s",
            "DASK_DISTRIBUTED__COMM__TIMEOUTS__TCP": "120s"}


def over_the_limits():
    """{student: edit of a complete notebook}: each breaks a limit of the sandbox."""
    def call_cell(code):
        def edit(nb):
            next(c for c in nb.cells if c.metadata.get("dnnkit", {}).get("shows")).source = code
            return nb
        return edit
    return {
        "zz_loop_forever": call_cell("while True:\n    pass"),
        "zz_memory_bomb": call_cell("hog = bytearray(8 * 1024 ** 3)"),
        "zz_exits": call_cell("import os\nos._exit(3)"),
        "zz_invalid_json": b'{"cells": [',
        "zz_misnamed": "my_notebook.ipynb",
    }


def make_course(root, path, address=None):
    course = course_mod.copy_course(root, str(path))
    with open(os.path.join(course, "nbgrader_config.py"), "a") as f:
        f.write(LIMITS)
        if address:   # the nbgrader_config.py setting, instead of --cluster
            f.write(f"c.GradeEngine.cluster = {address!r}\n")
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    accuracy.build(course, A, catalog.entries(A))
    release = notebook.read(submissions.release_notebook_path(course, A))
    name = os.path.splitext(os.path.basename(submissions.release_notebook_path(course, A)))[0]
    source = notebook.read(notebook.source_notebook_path(course, A, name))
    complete = submissions.make(release, source, notebook.graded_functions(source))
    for student, edit in over_the_limits().items():
        folder = submissions.write(course, A, student, nbformat.from_dict(json.loads(json.dumps(complete))))
        path = os.path.join(folder, name + ".ipynb")
        if callable(edit):
            nbformat.write(edit(nbformat.read(path, as_version=4)), path)
        elif isinstance(edit, bytes):
            with open(path, "wb") as f:
                f.write(edit)
        else:
            os.rename(path, os.path.join(folder, edit))
    return course


def students(course):
    return sorted(os.listdir(os.path.join(course, "submitted")))


def grade(course, *args, **popen):
    return subprocess.Popen([DNNKIT, "grade", A, *args], cwd=course, text=True,
                            env=dict(course_mod.tool_env(), **DASK_ENV),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen)


def recorded(course):
    """What grading recorded: gradebook scores and grading_status.json, per student."""
    from nbgrader.api import Gradebook
    found = {}
    with Gradebook(course_mod.db_url(course)) as gb:
        for submission in gb.assignment_submissions(A):
            scores = {g.name: g.auto_score for nb in submission.notebooks for g in nb.grades}
            found[submission.student_id] = {"scores": scores}
        rows = gb.db.execute(__import__("sqlalchemy").text(
            "SELECT count(*) FROM submitted_assignment")).scalar()
    for student in found:
        with open(os.path.join(course, "autograded", student, A, "grading_status.json")) as f:
            status = json.load(f)
        found[student].update(status=status["status"], reason=status["reason"],
                              faults=status["faults"])
    return found, rows


def final_counts(output):
    """(done, total, graded, fault, missing) of the last progress line."""
    lines = re.findall(r"(\d+)/(\d+)  graded (\d+)  fault (\d+)  missing (\d+)", output)
    return tuple(map(int, lines[-1]))


@pytest.fixture(scope="module")
def dask_cluster():
    import dask
    from distributed import LocalCluster
    with dask.config.set({"distributed.comm.timeouts.connect": "60s",
                          "distributed.comm.timeouts.tcp": "120s"}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        try:
            yield cluster
        finally:
            cluster.close()


@pytest.fixture(scope="module")
def local_and_cluster(root, tmp_path_factory, dask_cluster):
    """The same submissions graded locally, then on the cluster (a worker killed mid-batch)."""
    from distributed import Client
    base = tmp_path_factory.mktemp("dask")
    local = make_course(root, base / "local")
    run = grade(local, "--workers", "2")
    local_output = run.communicate()[0]
    assert run.returncode == grade_exit_code(local_output), local_output

    on_cluster = make_course(root, base / "cluster", address=dask_cluster.scheduler_address)
    killed = []
    with Client(dask_cluster.scheduler_address, set_as_default=False) as client:
        pids = client.run(os.getpid)
        run = grade(on_cluster)
        autograded = os.path.join(on_cluster, "autograded")
        while run.poll() is None and not killed:   # mid-batch: after a first result, while busy
            busy = {w: [k for k in keys if str(k).startswith("dnnkit-grade-")]
                    for w, keys in client.processing().items()}
            busy = {w: keys for w, keys in busy.items() if keys and w in pids}
            if busy and any(os.scandir(autograded)):
                worker, keys = sorted(busy.items())[0]
                os.kill(pids[worker], signal.SIGKILL)
                killed.append((worker, keys))
            time.sleep(0.2)
        cluster_output = run.communicate()[0]
    assert run.returncode == grade_exit_code(cluster_output), cluster_output
    return local, local_output, on_cluster, cluster_output, killed


def test_cluster_grades_exactly_like_the_local_engine(local_and_cluster):
    local, _, on_cluster, output, _ = local_and_cluster
    assert "grading on the Dask cluster at tcp://127.0.0.1:" in output
    expected, _ = recorded(local)
    got, _ = recorded(on_cluster)
    assert set(expected) == set(students(local)) and len(expected) > 60
    assert {s: r["scores"] for s, r in got.items()} == {s: r["scores"] for s, r in expected.items()}
    assert {s: (r["status"], r["reason"]) for s, r in got.items()} == \
        {s: (r["status"], r["reason"]) for s, r in expected.items()}


def test_limits_are_faults_with_reasons_like_local_ones(local_and_cluster):
    _, _, on_cluster, _, _ = local_and_cluster
    got, _ = recorded(on_cluster)
    expected = {"zz_loop_forever": ("fault", "longer than 15 s"),
                "zz_memory_bomb": ("fault", "out of memory"),
                "zz_exits": ("fault", "exit code 3"),
                "zz_invalid_json": ("fault", "could not be read"),
                "zz_misnamed": ("missing", "my_notebook.ipynb")}
    for student, (status, words) in expected.items():
        assert got[student]["status"] == status, got[student]
        assert words in got[student]["reason"], got[student]


def test_a_worker_killed_mid_batch_loses_nothing_and_records_nothing_twice(local_and_cluster):
    _, _, on_cluster, output, killed = local_and_cluster
    assert killed, "the batch ended before a worker could be killed"
    got, rows = recorded(on_cluster)
    everyone = students(on_cluster)
    assert sorted(got) == everyone and rows == len(everyone)
    done, total, graded, fault, missing = final_counts(output)
    assert done == total == graded + fault + missing == len(everyone)   # each recorded once
    for _, keys in killed:   # what the killed worker held was graded elsewhere, once
        for key in keys:
            student = next(s for s in everyone if f"-{s}-" in str(key))
            assert got[student]["status"] in ("graded", "fault", "missing")
            assert "worker died" not in got[student]["reason"]


def test_unreachable_scheduler_is_a_clear_error_before_anything_is_written(root, tmp_path):
    course = course_mod.copy_course(root, str(tmp_path / "course"))
    course_mod.nbgrader(course, "generate_assignment", A, "--force")
    submissions.sample_class(course, A)
    with socket.socket() as s:   # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    run = grade(course, "--cluster", address)
    output = run.communicate()[0]
    assert run.returncode != 0
    assert f"cannot reach the Dask scheduler at {address}" in output
    assert os.listdir(os.path.join(course, "autograded")) in ([], [".gitkeep"])
    assert recorded(course) == ({}, 0)


def _kill_the_worker(task):
    os._exit(1)


def test_a_submission_that_kills_every_worker_comes_back_as_a_fault(dask_cluster):
    """Dask runs it again on another worker after each death, then gives up: the coordinator
    gets a fault with a reason instead of an exception (and the other tasks still run)."""
    from dnnkit.batch.cluster import WORKER_DIED, DaskExecutor
    executor = DaskExecutor(dask_cluster.scheduler_address, lambda task, reason: ("lost", reason))
    try:
        deadly, fine = executor.submit(_kill_the_worker, "x"), executor.submit(len, "fine")
        assert fine.result(timeout=600) == 4
        status, reason = deadly.result(timeout=900)
    finally:
        executor.shutdown()
    assert status == "lost" and WORKER_DIED in reason
