"""`make bench`, the Dask part: `dnnkit grade --cluster` with 1 and 2 Dask workers on this machine.

Builds Step-by-Step submissions (the same mix as bench_grade.py), grades them with the local engine
(the reference grades), then on a `distributed.LocalCluster` of 1 and then 2 worker processes
(started before the clock runs, as a cluster is when course staff grade), checks that the grades
are identical, and prints each run's time, throughput and throughput per worker, with the cost of
one submission in worker-seconds and what that means for 10,000 and 100,000 submissions.
Not a test: nothing here asserts a time.
"""
import argparse
import glob
import json
import os
import resource
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_grade import ASSIGNMENT, ROOT, copy_course, make_class, run, scores  # noqa: E402

DNNKIT = os.path.join(ROOT, ".venv", "bin", "dnnkit")


def coordinator(address, course):
    """(seconds, CPU seconds) of one `dnnkit grade --cluster` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, _ = run([DNNKIT, "grade", ASSIGNMENT, "--cluster", address], course)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)   # the coordinator only (just reaped)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def on_cluster(workers, course):
    """(seconds, coordinator CPU seconds beyond its fixed start-up cost) of `dnnkit grade
    --cluster` on a fresh local cluster of `workers` processes."""
    from distributed import LocalCluster
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        seconds, cpu = coordinator(cluster.scheduler_address, course)
        _, fixed = coordinator(cluster.scheduler_address, course)   # all skipped: start-up only
    return seconds, max(cpu - fixed, 0.0)


def worker_seconds(course):
    """Mean time a worker spent on one submission (grading_status.json), start-up excluded."""
    times = []
    for path in glob.glob(os.path.join(course, "autograded", "*", ASSIGNMENT, "grading_status.json")):
        with open(path) as f:
            times.append(json.load(f)["seconds"])
    return sum(times) / len(times)


def sizing(per_submission, per_result):
    """Worker-hours, and wall-clock time on a few cluster sizes, for big courses: the workers'
    share, or the coordinator's (it records every result, one at a time) when that is larger."""
    lines = [f"sizing: {per_submission:.2f} worker-seconds per submission (1 worker = 1 core), "
             f"{per_result * 1000:.0f} ms of coordinator CPU per submission (so at most "
             f"{1 / per_result:.0f} results/s recorded):"]
    for n in (10_000, 100_000):
        hours = n * per_submission / 3600
        walls = ", ".join(f"{w} workers {max(hours / w, n * per_result / 3600) * 60:.0f} min"
                          for w in (16, 64, 256))
        lines.append(f"  {n:>7,} submissions: {hours:.1f} worker-hours; {walls}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="dnnkit-bench-dask-")
    try:
        base = copy_course(os.path.join(scratch, "base"))
        run([os.path.join(ROOT, ".venv", "bin", "nbgrader"), "generate_assignment", ASSIGNMENT,
             "--force"], base)
        make_class(base, args.n)
        roots = {}
        for name in ("local", "dask1", "dask2"):
            roots[name] = os.path.join(scratch, name)
            shutil.copytree(base, roots[name], symlinks=True)
        print(f"\n{args.n} Step-by-Step submissions, graded by the local engine and on Dask", flush=True)
        local_seconds, _ = run([DNNKIT, "grade", ASSIGNMENT, "--workers", "2"], roots["local"])
        reference = scores(roots["local"])
        seconds, recording = {}, {}
        for workers in (1, 2):
            print(f"`dnnkit grade --cluster` with {workers} Dask worker(s) ...", flush=True)
            seconds[workers], recording[workers] = on_cluster(workers, roots[f"dask{workers}"])
        print()
        same = True
        for workers in (1, 2):
            got = scores(roots[f"dask{workers}"])
            differ = sorted(k for k in set(reference) | set(got) if reference.get(k) != got.get(k))
            same &= not differ
            rate = args.n / seconds[workers]
            print(f"Dask, {workers} worker(s): {seconds[workers]:7.1f} s  {rate:5.2f} submissions/s  "
                  f"{rate / workers:5.2f} per worker  grades "
                  + ("IDENTICAL to the local engine" if not differ else f"{len(differ)} DIFFER: {differ[:3]}"))
        print(f"local engine, 2 workers:  {local_seconds:7.1f} s  {args.n / local_seconds:5.2f} submissions/s")
        print(f"speed-up from 1 to 2 Dask workers: {seconds[1] / seconds[2]:.2f}x (2 cores, "
              f"shared with the scheduler and the coordinator)")
        print(f"one submission: {seconds[1] / args.n:.2f} s of wall time with 1 worker (start-up "
              f"included), {worker_seconds(roots['dask1']):.2f} s of it in the worker")
        print(sizing(worker_seconds(roots["dask1"]), max(recording[2] / args.n, 0.001)))
        if not same:
            sys.exit(1)
    finally:
        if args.keep:
            print(f"scratch courses kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
