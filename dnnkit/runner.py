"""The process in which a student's graded functions run during grading.

It holds no reference solution of the function under test and makes no verdict: it builds a
fresh namespace per request, calls the function on copies of the inputs it is sent and sends
back what the function returned, encoded as JSON (never pickled). The grader compares.

Protocol: one JSON request per line on stdin; one JSON reply per line on the file descriptor
given as argv[1] (so prints of student code cannot be taken for replies).
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


def main():
    reply_fd = int(sys.argv[1])
    replies = os.fdopen(reply_fd, "w")
    for line in sys.stdin:
        reply = json.dumps(run(json.loads(line)))
        if len(reply) > MAX_REPLY:
            reply = json.dumps({"program_error": "the function returned far too much data"})
        replies.write(reply + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
