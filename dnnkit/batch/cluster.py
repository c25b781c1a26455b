"""Grading on an existing Dask distributed cluster (`dnnkit grade --cluster ADDRESS`).

The engine (dnnkit.batch.engine) hands its tasks to a `concurrent.futures` executor; `DaskExecutor` is
that executor on a Dask scheduler's workers instead of local processes. Each submission is one
Dask task running `dnnkit.batch.grading.grade` in the worker's grading sandbox (the same code and
sandbox as local grading); the result comes back to the coordinating process, which stays the
only writer of autograded/ and the gradebook. Dask provides the fault handling:
- a worker that dies mid-batch: the scheduler runs its tasks again on other workers, and each
  task's result reaches the coordinator once (a result already handed over is dropped on the
  cluster, so a later loss does not even recompute it);
- a submission that kills every worker it runs on (Dask's `allowed-failures`, default 3) comes
  back as a fault with a reason, like a worker death in local grading;
- an unreachable scheduler, no workers, or workers that lack the kit or the sandbox: a clear
  error from `DaskExecutor(address)` before anything is submitted, so nothing is written.
"""
import concurrent.futures as cf
import dataclasses
import os
import threading
import uuid

CONNECT_TIMEOUT = 20   # seconds to reach the scheduler
WORKERS_TIMEOUT = 60   # seconds to wait for the first worker
WORKER_DIED = "the grading worker died while grading it"   # the local engine's words


class ClusterError(Exception):
    """The cluster cannot grade: said before anything is submitted or written."""


def security(settings):
    """distributed's Security for GradeEngine's tls_* settings (None when they are not set)."""
    files = (settings.tls_ca_file, settings.tls_cert, settings.tls_key)
    if not any(files):
        return None
    missing = [name for name, f in zip(("tls_ca_file", "tls_cert", "tls_key"), files) if not os.path.isfile(f)]
    if missing:
        raise ClusterError("Dask TLS needs c.GradeEngine." + ", ".join(missing) + " (existing PEM files)")
    from distributed.security import Security
    return Security(tls_ca_file=files[0], tls_client_cert=files[1], tls_client_key=files[2],
                    require_encryption=True)


def check_address(address, secure):
    """Workers run the grader's code with the grading account's rights, and Dask runs whatever
    its clients send: outside this machine's loopback, only a TLS scheduler with certificates
    (mutual TLS) is used."""
    scheme, _, rest = address.partition("://")
    host = rest.rsplit(":", 1)[0].strip("[]") if rest else ""
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    if scheme == "tls" and not secure:
        raise ClusterError(f"{address} is a TLS address: set c.GradeEngine.tls_ca_file, tls_cert "
                           f"and tls_key in nbgrader_config.py")
    if scheme != "tls" and not loopback:
        raise ClusterError(f"refusing the unencrypted, unauthenticated Dask address {address}: "
                           f"whoever reaches that port can run code on the workers. Start the "
                           f"scheduler and workers with TLS certificates and use tls://host:port "
                           f"(docs/deployment.md, 'Grading on a cluster')")


def connect(address, timeout=CONNECT_TIMEOUT, secure=None):
    """A Dask client for the scheduler at `address`, checked to have workers that can grade."""
    from distributed import Client
    check_address(address, secure)
    try:
        client = Client(address, timeout=timeout, set_as_default=False, security=secure)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({type(error).__name__}: {error}). "
            f"Start one with `dask scheduler` and workers with `dask worker {address}`, or "
            f"leave out --cluster to grade on this machine.") from None
    try:
        check_workers(client, address)
    except BaseException:
        client.close()
        raise
    return client


def check_workers(client, address):
    """Every worker must have the kit installed, at the version of this coordinator, and a
    working grading sandbox (the start-up check of local grading, run on each worker)."""
    from importlib.metadata import version
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except TimeoutError:
        raise ClusterError(f"the Dask scheduler at {address} has no workers: start some with "
                           f"`dask worker {address}`") from None
    here = version("dnnkit")
    found = client.get_versions(packages=["dnnkit"])["workers"]
    wrong = {w: v["packages"].get("dnnkit") for w, v in found.items()
             if v["packages"].get("dnnkit") != here}
    if wrong:
        listed = ", ".join(f"{w} has {v or 'no dnnkit'}" for w, v in sorted(wrong.items()))
        raise ClusterError(f"Dask workers must run this kit (dnnkit {here}) in their Python: "
                           f"{listed}")
    problems = {w: p for w, p in client.run(_sandbox_problem).items() if p}
    if problems:
        listed = "; ".join(f"{w}: {p}" for w, p in sorted(problems.items()))
        raise ClusterError(f"Dask workers cannot grade: {listed}")
    client.register_plugin(CleanUp(), name="dnnkit-clean-up")


def _sandbox_problem():
    """On a worker: what its machine lacks for the grading sandbox ("" when nothing)."""
    from dnnkit.host import sandbox
    try:
        sandbox.check()
    except sandbox.SandboxError as error:
        return str(error)
    return ""


try:
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - distributed is in requirements.lock
    WorkerPlugin = object


class CleanUp(WorkerPlugin):
    """Stops a worker's grading sandbox and removes its scratch files when the worker closes."""

    def teardown(self, worker):
        from dnnkit.batch import grading
        grading.shutdown()


# A worker process keeps one grading sandbox (dnnkit.batch.grading): one task at a time in it, even
# when the worker was started with several threads.
_one_at_a_time = threading.Lock()


def on_worker(fn, task, course=None):
    """What a Dask worker runs for one submission (`course`: the task's course snapshot, sent
    separately so that it travels once per worker, not once per submission)."""
    if course is not None:
        task = dataclasses.replace(task, course=course)
    with _one_at_a_time:
        return fn(task)


def _same(value):
    return value


class DaskExecutor(cf.Executor):
    """`concurrent.futures` executor on the Dask cluster at `address` (see the module doc).

    `submit(fn, task)` returns a concurrent.futures.Future of `fn(task)`; when Dask gives up on
    a task because its workers kept dying, the future holds `on_lost(task, reason)` instead."""

    def __init__(self, address, on_lost, secure=None):
        self.address, self.on_lost = address, on_lost
        self.client = connect(address, secure=secure)
        self.batch = uuid.uuid4().hex[:8]
        self.count = 0
        self.pending = set()
        self.courses = {}   # course snapshot key -> Dask future holding it

    @property
    def workers(self):
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def submit(self, fn, task):
        self.count += 1
        name = f"{getattr(task, 'assignment', 'task')}-{getattr(task, 'student', self.count)}"
        args = (fn, task)
        course = getattr(task, "course", None)
        if dataclasses.is_dataclass(task) and course is not None:
            # A task of its own (not scattered data): Dask recomputes it if its workers die.
            if course.key not in self.courses:
                self.courses[course.key] = self.client.submit(
                    _same, course, key=f"dnnkit-course-{course.key[:12]}-{self.batch}")
            args = (fn, dataclasses.replace(task, course=None), self.courses[course.key])
        future = self.client.submit(on_worker, *args, key=f"dnnkit-grade-{name}-{self.batch}-"
                                    f"{self.count}", pure=False)
        self.pending.add(future)
        done = cf.Future()
        done.set_running_or_notify_cancel()
        future.add_done_callback(lambda f: self._settle(f, done, task))
        return done

    def _settle(self, future, done, task):
        """Dask future finished (in the client's thread): pass its outcome on, once."""
        from distributed import KilledWorker
        self.pending.discard(future)
        try:
            if future.status == "finished":
                done.set_result(future.result())
            elif future.status == "cancelled":
                done.set_exception(cf.CancelledError())
            else:
                error = future.exception()
                if isinstance(error, KilledWorker):
                    done.set_result(self.on_lost(task, f"{WORKER_DIED} (on every worker it was "
                                                       f"given to: the cluster gave up on it)"))
                else:
                    done.set_exception(error)
        except BaseException as error:  # noqa: BLE001 - the coordinator must hear of it
            if not done.done():
                done.set_exception(error)
        finally:
            future.release()   # the result is handed over: nothing to keep or recompute

    def shutdown(self, wait=True, *, cancel_futures=False):
        if cancel_futures and self.pending:
            self.client.cancel(list(self.pending))
        self.client.close()
