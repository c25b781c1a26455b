"""`make bench`: plain serial `nbgrader autograde` against `dnnkit grade`, same run, same machine.

Builds 200 Step-by-Step submissions (dnnkit.staff.submissions: complete, complete in other styles,
blank, half done, one typical mistake), copies the course twice, times plain `nbgrader autograde`
(one process, a Jupyter kernel per notebook) on the first copy and `dnnkit grade` on the second,
checks that the gradebooks agree exactly on the submissions both graded, and prints the times,
the ratio and the engine's overhead per submission.

Plain nbgrader takes seconds per submission, so by default it grades an evenly spread subset
(--plain N, default 40) and its time for 200 is extrapolated linearly from that (the output says
so); --plain 200 times all of them. Not a test: nothing here asserts a time.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
ASSIGNMENT = "step_by_step"
UID_BASE = 410000


def copy_course(dest):
    from dnnkit.staff.course import copy_course as copy
    return copy(ROOT, dest)


def make_class(root, n):
    """n students: a repeating mix of 10 kinds of submissions."""
    from dnnkit import assignments, notebook
    from dnnkit.staff import submissions
    spec = assignments.load(ASSIGNMENT)
    release_nb = notebook.read(submissions.release_notebook_path(root, ASSIGNMENT))
    name = os.path.splitext(os.path.basename(submissions.release_notebook_path(root, ASSIGNMENT)))[0]
    source_nb = notebook.read(notebook.source_notebook_path(root, ASSIGNMENT, name))
    functions = notebook.graded_functions(source_nb)
    kinds = []
    for i in range(n):
        kind = i % 10
        if kind in (0, 1, 2):
            nb, what = submissions.make(release_nb, source_nb, functions), "complete"
        elif kind == 3:
            nb, what = submissions.make(release_nb, source_nb, functions, spec.styles), "styles"
        elif kind == 4:
            nb, what = release_nb, "blank"
        elif kind == 5:
            nb, what = submissions.make(release_nb, source_nb, functions[:len(functions) // 2]), "half"
        else:
            mistake = spec.mistakes[i % len(spec.mistakes)]
            nb, what = submissions.make(release_nb, source_nb, functions, [mistake]), "mistake"
        student = f"s{i:03d}"
        submissions.write(root, ASSIGNMENT, student, nb)
        kinds.append((student, what))
    return kinds


def env():
    e = dict(os.environ)
    e["PATH"] = os.path.join(ROOT, ".venv", "bin") + os.pathsep + e.get("PATH", "")
    return e


def run(cmd, cwd, tmp=None):
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=cwd, env=dict(env(), **({"TMPDIR": tmp} if tmp else {})),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}")
    return seconds, result.stdout


def stray_processes(tmp):
    """Processes left by the run: student uids, or anything holding its temp folder."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                uid = int(next(line for line in f if line.startswith("Uid:")).split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except (OSError, StopIteration):
            continue
        if UID_BASE <= uid < UID_BASE + 100000 or tmp in cmdline:
            found.append(f"pid {pid} uid {uid}")
    return found


def scores(root):
    from nbgrader.api import Gradebook
    table = {}
    with Gradebook("sqlite:///" + os.path.join(root, "gradebook.db")) as gb:
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for nb in submission.notebooks:
                for grade in nb.grades:
                    table[(submission.student_id, grade.name)] = (grade.auto_score, grade.needs_manual_grade)
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="submissions (default 200)")
    parser.add_argument("--plain", type=int, default=40, help="submissions plain nbgrader grades "
                        "(default 40; the rest is extrapolated)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="dnnkit-bench-")
    try:
        base = copy_course(os.path.join(scratch, "base"))
        nbgrader = os.path.join(ROOT, ".venv", "bin", "nbgrader")
        run([nbgrader, "generate_assignment", ASSIGNMENT, "--force"], base)
        kinds = make_class(base, args.n)
        plain_root, engine_root = (os.path.join(scratch, d) for d in ("plain", "engine"))
        shutil.copytree(base, plain_root, symlinks=True)
        shutil.copytree(base, engine_root, symlinks=True)
        with open(os.path.join(engine_root, "nbgrader_config.py"), "a") as f:
            f.write(f"\nc.Sandbox.uid_base = {UID_BASE}  # bench: uids of its own, to look for leftovers\n")
        engine_tmp = os.path.join(scratch, "engine-tmp")
        os.makedirs(engine_tmp)
        subset = [s for s, _ in kinds][::max(1, args.n // max(1, min(args.plain, args.n)))][:args.plain]
        for student, _ in kinds:
            if student not in subset:
                shutil.rmtree(os.path.join(plain_root, "submitted", student))
        mix = {}
        for _, what in kinds:
            mix[what] = mix.get(what, 0) + 1
        print(f"{args.n} Step-by-Step submissions: " + ", ".join(f"{v} {k}" for k, v in mix.items()))

        print(f"plain `nbgrader autograde` (serial) on {len(subset)} of them ...", flush=True)
        plain_seconds, _ = run([nbgrader, "autograde", ASSIGNMENT], plain_root)
        print(f"`dnnkit grade --workers {args.workers}` on all {args.n} ...", flush=True)
        engine_seconds, output = run([os.path.join(ROOT, ".venv", "bin", "dnnkit"), "grade", ASSIGNMENT,
                                      "--workers", str(args.workers)], engine_root, tmp=engine_tmp)
        leftovers = os.listdir(engine_tmp) + stray_processes(engine_tmp)

        plain, engine = scores(plain_root), scores(engine_root)
        compared = {k: v for k, v in engine.items() if k[0] in subset}
        differ = sorted(k for k in set(plain) | set(compared) if plain.get(k) != compared.get(k))
        statuses, cells, judge, seconds = {}, 0.0, 0.0, 0.0
        for student, _ in kinds:
            path = os.path.join(engine_root, "autograded", student, ASSIGNMENT, "grading_status.json")
            with open(path) as f:
                status = json.load(f)
            statuses[status["status"]] = statuses.get(status["status"], 0) + 1
            cells += status["timing"]["cells"]
            judge += status["timing"]["judge"]
            seconds += status["seconds"]

        plain_200 = plain_seconds * args.n / len(subset)
        ratio = plain_200 / engine_seconds
        per = engine_seconds / args.n
        overhead = (engine_seconds * args.workers - cells - judge) / args.n
        print()
        print(f"grades: {len(compared)} graded cells compared on {len(subset)} submissions: "
              + ("IDENTICAL" if not differ else f"{len(differ)} DIFFER, e.g. {differ[:3]}"))
        print(f"dnnkit statuses: {statuses}")
        extrapolated = "" if len(subset) == args.n else (
            f"  (measured {plain_seconds:.1f} s on {len(subset)}, extrapolated linearly)")
        print(f"plain nbgrader autograde, {args.n} submissions: {plain_200:8.1f} s{extrapolated}")
        print(f"dnnkit grade ({args.workers} workers), {args.n}:      {engine_seconds:8.1f} s")
        print(f"ratio: {ratio:.1f}x")
        print(f"per submission: plain {plain_seconds / len(subset):.3f} s, dnnkit {per:.3f} s wall; "
              f"in a worker: {seconds / args.n:.3f} s of which cells {cells / args.n:.3f} s, "
              f"judge {judge / args.n:.3f} s")
        print(f"engine overhead per submission (worker time beyond its cells and the judge, start-up, "
              f"records and gradebook included): {overhead * 1000:.0f} ms")
        print("after dnnkit grade: " + ("no stray processes or temp files" if not leftovers
                                        else f"LEFTOVERS {leftovers}"))
        if differ or leftovers:
            sys.exit(1)
    finally:
        if args.keep:
            print(f"scratch courses kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
