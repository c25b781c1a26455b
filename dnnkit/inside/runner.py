"""The sandboxed process in which one student's graded function runs during grading.

Trust model, in a few lines:
- it is forked fresh from the sandbox's zygote for each function (dnnkit.host.sandbox), which never
  ran student code: nothing of another student, or of another function, is in its memory;
- it never holds a reference solution: the other graded functions a student's function calls
  are stubs that ask the grader (`reference_stub`), which runs the reference outside the
  sandbox and sends back only the value;
- it makes no verdict: it sends back what the function returned (dnnkit.inside.wire), and the grader
  reads that strictly and compares. Student code can write anything on this channel; the
  worst it can send is a result it computed, which is what an honest function returns.

Protocol: the request is one JSON line on stdin; the reply one JSON line on fd 3: per case
{"ok": value, "printed": the start of what it printed} or {"error": ...}. In between,
each call of a reference stub writes {"call", "args", "kwargs", "random"} on fd 3 and reads the
answer {"ok", "random"} or {"raised", "message"} as one line on stdin.
"""
import builtins
import contextlib
import copy
import io
import json
import os

import numpy as np

from dnnkit.inside.wire import decode, encode

class Channel:
    def __init__(self, requests, replies):
        self.requests, self.replies = requests, replies

    def send(self, message):
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.replies, data):]

    def receive(self):
        line = self.requests.readline()
        if not line:
            raise SystemExit(0)   # the grader went away
        return json.loads(line)


def reference_stub(channel, name, random):
    """A stand-in for the reference `name`: the grader runs it and sends back its value (and,
    for functions that draw random numbers, numpy's global random state before and after)."""
    def call(*args, **kwargs):
        message = {"call": name, "args": encode(args), "kwargs": encode(kwargs)}
        if random:
            message["random"] = encode(np.random.get_state())
        channel.send(message)   # raw file descriptors: a redirected sys.stdout does not matter
        answer = channel.receive()
        if "raised" in answer:
            kind = getattr(builtins, answer["raised"], None)
            kind = kind if isinstance(kind, type) and issubclass(kind, Exception) else RuntimeError
            raise kind(answer["message"])
        if "random" in answer:
            np.random.set_state(decode(answer["random"]))
        return decode(answer["ok"])
    call.__name__ = call.__qualname__ = name
    return call


def run(request, channel):
    namespace = {"__name__": "__student__"}
    for name, random in request.get("references", {}).items():
        namespace[name] = reference_stub(channel, name, random)
    try:
        exec(compile(request["program"], "<your notebook>", "exec"), namespace)
        function = namespace[request["function"]]
    except BaseException as error:  # noqa: BLE001 (student code may raise anything)
        return {"program_error": describe(error)}
    results = []
    for case in request["cases"]:
        args, kwargs = decode(case["args"]), decode(case["kwargs"])
        if case.get("seed") is not None:  # for functions that draw from the caller's seed
            np.random.seed(case["seed"])
        try:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                value = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
            # what it printed, for print_cost=True (its start: the grader reads only numbers)
            results.append({"ok": encode(value), "printed": out.getvalue()[:20000]})
        except BaseException as error:  # noqa: BLE001
            results.append({"error": describe(error)})
    return {"results": results}


def describe(error):
    """What the grader may learn of an exception: its class (a built-in one by name) and the
    line of the student's own cell that raised it. The message is kept short: the grader
    shortens it again before a student sees it."""
    builtin = getattr(builtins, type(error).__name__, None) is type(error)
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<your notebook>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return {"type": type(error).__name__ if builtin else "", "message": str(error)[:300] if builtin else "",
            "line": line}


def main():
    channel = Channel(os.fdopen(0, "r"), 3)
    channel.send(run(channel.receive(), channel))


if __name__ == "__main__":
    main()
