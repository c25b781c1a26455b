"""The process in which a student's graded functions run during grading.

It holds no reference solution of the function under test and makes no verdict: it builds a
fresh namespace per request, calls the function on copies of the inputs it is sent and sends
back what the function returned, encoded as JSON (never pickled). The grader compares.

Protocol: one JSON request per line on stdin; one JSON reply per line on the file descriptor
given as argv[1] (so prints of student code cannot be taken for replies).

Each request runs in a child forked for it: this process never runs student code, so nothing
one request's code leaves behind (patched modules or builtins, hooks, the reference functions
of an earlier request still in memory) reaches the next one, and the child never holds the
grader's channel. Nor does any process a request started outlive it: this process is their
subreaper (orphans come back to it, however often they fork) and kills what is left after
each request. So one runner can serve a grading worker's submissions one after another.
"""
import contextlib
import copy
import io
import json
import os
import select
import sys

import numpy as np

from testCases.public_tests import decode, encode

MAX_REPLY = 64 * 1024 * 1024
HOME = "."   # the (empty, writable) folder requests run in


def run(request):
    namespace = {"__name__": "__student__"}
    try:
        exec(compile(request["program"], "<your notebook>", "exec"), namespace)
        function = namespace[request["function"]]
    except BaseException as error:  # noqa: BLE001 (student code may raise anything)
        return {"program_error": f"{type(error).__name__}: {error}"}
    results = []
    for case in request["cases"]:
        args, kwargs = decode(case["args"]), decode(case["kwargs"])
        if case.get("seed") is not None:  # for functions that draw from the caller's seed
            np.random.seed(case["seed"])
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                value = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
            results.append({"ok": encode(value)})
        except BaseException as error:  # noqa: BLE001
            results.append({"error": f"{type(error).__name__}: {error}"[:500]})
    return {"results": results}


def isolated(request):
    """run(request) in a forked child; the JSON reply it sends back through its own pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no grader channel, no stdin
        try:
            with contextlib.suppress(OSError):   # the grader renews the folder per submission
                os.chdir(HOME)
            os.close(read_fd)
            os.closerange(3, write_fd)
            os.closerange(write_fd + 1, 1 << 16)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            reply = json.dumps(run(request))
            if len(reply) > MAX_REPLY:
                reply = json.dumps({"program_error": "the function returned far too much data"})
            with os.fdopen(write_fd, "w") as out:
                out.write(reply)
        finally:
            os._exit(0)
    os.close(write_fd)
    data, status = _collect(read_fd, pid)
    if os.WIFSIGNALED(status) or os.WEXITSTATUS(status):  # student code ended the child:
        code = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if os.WIFSIGNALED(status):  # end this process the same way, so the grader says so
            os.kill(os.getpid(), code)
        os._exit(code)
    if not data:
        return json.dumps({"program_error": "your code ended the Python process before returning"})
    try:
        json.loads(data)
    except ValueError:
        return json.dumps({"program_error": "your code wrote over the grader's channel"})
    return data.decode()


def _collect(read_fd, pid):
    """The child's reply and exit status: what it wrote until the pipe closed, or until it
    exited and the pipe was drained (a process it left behind may hold the pipe open)."""
    chunks, size, status = [], 0, None
    try:
        while size <= 2 * MAX_REPLY:
            ready, _, _ = select.select([read_fd], [], [], 0.02 if status is None else 0)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            elif status is not None:
                break
            else:
                done, wait_status = os.waitpid(pid, os.WNOHANG)
                status = wait_status if done else None
    finally:
        os.close(read_fd)
    if status is None:
        _, status = os.waitpid(pid, 0)
    return b"".join(chunks), status


PR_SET_CHILD_SUBREAPER = 36


def end_strays():
    """Kill every process left by the last request (orphans are reparented to this process).

    /proc is the sandbox's: its numbers are those of an outer PID namespace, and each process's
    NSpid line gives its number in ours, which kill() and waitpid() take."""
    import signal
    me, level = int(os.readlink("/proc/self")), len(_nspids("self")) - 1
    for _ in range(1000):   # each round kills what the previous round's victims left behind
        strays = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != me:
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    if ppid == me:
                        strays.append(_nspids(entry)[level])
                except (OSError, ValueError, IndexError):
                    continue   # gone meanwhile
        if not strays:
            return
        for pid in strays:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _nspids(pid):
    """A process's numbers in each PID namespace, the /proc mount's first."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(n) for n in line.split()[1:]]
    raise ValueError(pid)


def main():
    import ctypes
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    global HOME
    HOME = os.getcwd()
    replies = os.fdopen(int(sys.argv[1]), "w")
    for line in sys.stdin:
        reply = isolated(json.loads(line))
        end_strays()
        replies.write(reply + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
