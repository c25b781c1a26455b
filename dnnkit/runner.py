"""The process in which a student's graded functions run during grading.

It holds no reference solution of the function under test and makes no verdict: it builds a
fresh namespace per request, calls the function on copies of the inputs it is sent and sends
back what the function returned, encoded as JSON (never pickled). The grader compares.

Protocol: one JSON request per line on stdin; one JSON reply per line on the file descriptor
given as argv[1] (so prints of student code cannot be taken for replies).

Each request runs in a child forked for it: this process never runs student code, so nothing
one request's code leaves behind (patched modules or builtins, hooks, the reference functions
of an earlier request still in memory) reaches the next one, and the child never holds the
grader's channel.
"""
import contextlib
import copy
import io
import json
import os
import sys

import numpy as np

from testCases.public_tests import decode, encode

MAX_REPLY = 64 * 1024 * 1024


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
    with os.fdopen(read_fd, "rb") as pipe:
        data = pipe.read(2 * MAX_REPLY)
    _, status = os.waitpid(pid, 0)
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


def main():
    replies = os.fdopen(int(sys.argv[1]), "w")
    for line in sys.stdin:
        replies.write(isolated(json.loads(line)) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
