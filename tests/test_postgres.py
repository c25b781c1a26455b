"""The kit with its gradebook in a real PostgreSQL server (Debian's packages, on loopback).

The set-up installs the server when it is missing (as root: apt-get), starts a throwaway cluster
on a free port in a temp folder, and stops it at the end. The course only changes one line of
its nbgrader_config.py: `c.CourseDirectory.db_url = "postgresql://..."`.
"""
import csv
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

import pytest

from dnnkit.staff import course as course_mod, submissions
from dnnkit import notebook

A = "step_by_step"
VENV_BIN = os.path.dirname(sys.executable)


def _server_bin():
    """The folder of Debian's PostgreSQL server programs; installs them when missing."""
    def found():
        return sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(p.split("/")[-3]))
    if not found():
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip("PostgreSQL is not installed and this user cannot apt-get install it")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run("apt-get update -q && apt-get install -y -q postgresql", shell=True,
                       check=True, env=env, stdout=subprocess.DEVNULL)
        # The package may start its default cluster: this test runs its own, stop that one.
        for path in found():
            subprocess.run(["pg_ctlcluster", path.split("/")[-3], "main", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return os.path.dirname(found()[-1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A throwaway PostgreSQL cluster: trust authentication, loopback only."""

    def __init__(self):
        self.bin = _server_bin()
        self.folder = tempfile.mkdtemp(prefix="dnnkit-pg-")
        # The server refuses to run as root: run it as the `postgres` user the package made.
        self.as_user = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres")
        self.data = os.path.join(self.folder, "data")
        self.port = _free_port()
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "log"), "-w",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                        f"-c fsync=off", "start")

    def _run(self, program, *args):
        subprocess.run([*self.as_user, os.path.join(self.bin, program), *args], check=True,
                       cwd=self.folder, stdout=subprocess.DEVNULL)

    def url(self, database):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        import psycopg
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def query(self, database, sql):
        import psycopg
        with psycopg.connect(self.url(database)) as conn:
            return conn.execute(sql).fetchall()

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    server = Server()
    try:
        yield server
    finally:
        server.stop()


def use_database(course, url):
    """What course staff do: one line in the course's nbgrader_config.py."""
    with open(os.path.join(course, "nbgrader_config.py"), "a") as f:
        f.write(f"\nc.CourseDirectory.db_url = {url!r}\n")


def run(course, *cmd):
    """A course-staff command in the course directory (venv first on PATH, as documented)."""
    env = dict(course_mod.tool_env())
    env.pop("DNNKIT_ROOT", None)
    program = os.path.join(VENV_BIN, cmd[0])
    result = subprocess.run([program, *cmd[1:]], cwd=course, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}"
    return result.stdout


def write_class(course, assignment, plan):
    """Submissions from the release: {student: functions solved (None = all), mistakes}."""
    from dnnkit import assignments
    release_path = submissions.release_notebook_path(course, assignment)
    release_nb = notebook.read(release_path)
    name = os.path.splitext(os.path.basename(release_path))[0]
    source_nb = notebook.read(notebook.source_notebook_path(course, assignment, name))
    functions = notebook.graded_functions(source_nb)
    spec = assignments.load(assignment)
    by_key = {f"{m.function}/{m.key}": m for m in spec.mistakes}
    for student, (count, mistakes) in plan.items():
        solved = functions if count is None else functions[:count]
        nb = submissions.make(release_nb, source_nb, solved, [by_key[k] for k in mistakes])
        submissions.write(course, assignment, student, nb)
    return functions


def gradebook_contents(server, database):
    """Everything the gradebook holds that does not depend on row ids or timestamps, read
    through nbgrader's API, plus every table's row count (duplicates would show there)."""
    from nbgrader.api import Gradebook
    contents = {"rows": {table: server.query(database, f"SELECT count(*) FROM {table}")[0][0]
                         for table in ("assignment", "notebook", "base_cell", "student",
                                       "submitted_assignment", "submitted_notebook", "grade",
                                       "comment")}}
    with Gradebook(server.url(database)) as gb:
        contents["students"] = sorted(s.id for s in gb.students)
        contents["notebooks"] = notebooks = {}
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                for nb in submission.notebooks:
                    key = (assignment.name, submission.student_id, nb.name)
                    notebooks[key] = (
                        sorted((g.name, g.auto_score, g.manual_score, g.max_score) for g in nb.grades),
                        sorted((c.name, c.auto_comment or "") for c in nb.comments))
    return contents


def test_release_grade_feedback_export_report_against_postgresql(course, postgres):
    url = postgres.create_database("course_e2e")
    use_database(course, url)
    assert course_mod.db_url(course) == url  # dnnkit reads the same setting nbgrader uses

    run(course, "nbgrader", "generate_assignment", A, "--force")
    functions = write_class(course, A, {
        "ada": (None, []), "ben": (0, []), "cai": (5, []),
        "eli": (None, ["linear_backward/missing_1_over_m"])})
    run(course, "nbgrader", "autograde", A)
    run(course, "nbgrader", "generate_feedback", A)
    run(course, "nbgrader", "export", "--to", "grades.csv")
    scores_table = run(course, "dnnkit", "scores", A)
    run(course, "dnnkit", "export", A, "--output", "dnnkit-grades.csv")
    run(course, "dnnkit", "report", A)

    assert not os.path.exists(os.path.join(course, "gradebook.db"))  # nothing went to SQLite
    totals = {s: t for s, t in postgres.query(
        "course_e2e", "SELECT sa.student_id, sum(g.auto_score) FROM grade g "
                      "JOIN submitted_notebook sn ON sn.id = g.notebook_id "
                      "JOIN submitted_assignment sa ON sa.id = sn.assignment_id GROUP BY 1")}
    points = 100 // len(functions)
    assert totals == {"ada": 100, "ben": 0, "cai": 5 * points, "eli": 100 - points}
    with open(os.path.join(course, "grades.csv")) as f:
        exported = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert exported == totals
    assert "eli" in scores_table and course_mod.scores(course, A)["eli"]["test_linear_backward"] == 0
    with open(os.path.join(course, "dnnkit-grades.csv")) as f:
        assert {r["student_id"]: float(r["total"]) for r in csv.DictReader(f)} == totals
    for student in totals:
        assert glob.glob(os.path.join(course, "feedback", student, A, "*.html")), student
    assert glob.glob(os.path.join(course, "reports", f"{A}*.html"))
    # graded elsewhere (no local autograded/): the statuses come from the gradebook's kit table
    shutil.rmtree(os.path.join(course, "autograded"))
    run(course, "dnnkit", "export", "--format", "csv", "--output", "course.csv")
    with open(os.path.join(course, "course.csv")) as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert {s: (rows[s][f"{A}/status"], float(rows[s][f"{A}/total"])) for s in totals} == \
        {s: ("graded", t) for s, t in totals.items()}
    assert postgres.query("course_e2e", "SELECT count(*) FROM dnnkit_outcome")[0][0] == len(totals)


def grade_command(assignment):
    return ["dnnkit", "grade", assignment]


def test_two_grading_runs_at_once_on_different_assignments(root, tmp_path, postgres):
    """Two `dnnkit grade` runs on different assignments, at the same time, same gradebook:
    the result is exactly what grading one after the other gives."""
    assignments_ = course_mod.ASSIGNMENTS[:2]
    assert len(assignments_) == 2
    plan = {"ada": (None, []), "ben": (0, []), "cai": (2, [])}  # same students in both
    contents = {}
    for mode in ("serial", "concurrent"):
        course = course_mod.copy_course(root, str(tmp_path / mode))
        use_database(course, postgres.create_database(mode))
        for assignment in assignments_:
            run(course, "nbgrader", "generate_assignment", assignment, "--force")
            write_class(course, assignment, plan)
        if mode == "serial":
            for assignment in assignments_:
                run(course, *grade_command(assignment))
        else:
            errors = []

            def grade(assignment):
                try:
                    run(course, *grade_command(assignment))
                except AssertionError as error:
                    errors.append(str(error))
            threads = [threading.Thread(target=grade, args=(a,)) for a in assignments_]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
        contents[mode] = gradebook_contents(postgres, mode)
    serial, concurrent = contents["serial"], contents["concurrent"]
    assert serial["students"] == sorted(plan)
    assert serial["rows"]["submitted_assignment"] == 2 * len(plan)
    graded = [g for grades, _ in serial["notebooks"].values() for g in grades]
    assert len(serial["notebooks"]) == 2 * len(plan)
    assert any(auto for _, auto, _, _ in graded)  # something was really graded
    assert concurrent == serial
