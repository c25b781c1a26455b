"""`make bench`, part 3: what the coordinator of `dnnkit grade` costs per result, on its own.

Workers grade; one coordinator records every result (autograded folder, gradebook rows, status
file), so its cost per result caps the whole batch's rate however many workers a cluster has.
This feeds the Recorder prepared results (each Step-by-Step notebook as released, with full
marks: the same rows and files as a real result) and times recording them in one batch, as the
coordinator does with whatever finished since its last recording (CPU and wall; SQLite gradebook).
Not a test: nothing here asserts a time.
"""
import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
ASSIGNMENT = "step_by_step"


def prepared(course, n):
    """n (Task, Result) pairs as workers return them."""
    import nbformat
    from nbgrader import utils
    from dnnkit.batch import grading
    tasks = []
    for i in range(n):
        student = f"r{i:05d}"
        notebooks = []
        for name in sorted(course.notebooks):
            text = course.source_notebooks[name]
            nb = nbformat.reads(text, as_version=4)
            result = grading.NotebookResult(name, "graded", text)
            for cell in nb.cells:
                if utils.is_grade(cell):
                    result.grades[cell.metadata.nbgrader.grade_id] = cell.metadata.nbgrader.points
                if utils.is_solution(cell):
                    result.comments[cell.metadata.nbgrader.grade_id] = None
            notebooks.append(result)
        task = grading.Task(ASSIGNMENT, student, dict(course.source_files), course, f"{i:064x}")
        tasks.append((task, grading.Result(ASSIGNMENT, student, task.digest, "graded", "", [], 1.0,
                                           notebooks)))
    return tasks


def measure(root, n):
    from dnnkit.batch import engine, grading
    from dnnkit.staff import course as course_mod
    config, coursedir = engine.load_config(root)
    course = grading.snapshot(config, coursedir, ASSIGNMENT)
    pairs = prepared(course, n)
    recorder = engine.Recorder(config, coursedir, course)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        engine.record_all(recorder, [(task, result, None) for task, result in pairs])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        recorder.close()
    scores = course_mod.scores(root, ASSIGNMENT)
    assert len(scores) >= n, f"{len(scores)} students in the gradebook, {n} recorded"
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="results to record (default 400)")
    args = parser.parse_args()
    from dnnkit.staff import course as course_mod
    with tempfile.TemporaryDirectory(prefix="dnnkit-bench-record-") as tmp:
        root = course_mod.copy_course(ROOT, os.path.join(tmp, "course"))
        course_mod.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
        wall, cpu = measure(root, args.n)
    print(f"recording {args.n} results (SQLite gradebook): {wall:.2f} s wall, {cpu:.2f} s CPU: "
          f"{1000 * cpu / args.n:.1f} ms of coordinator CPU and {1000 * wall / args.n:.1f} ms wall "
          f"per result, at most {args.n / wall:.0f} results/s whatever the number of workers")


if __name__ == "__main__":
    main()
