"""The reference functions a student's function calls, run outside the sandbox on its behalf.

A student's `L_model_forward` is judged with the *reference* `linear_activation_forward`, so that
a mistake in one function costs only that one. The reference's code never enters the student's
process (code there can read anything in its own memory): dnnkit.inside.runner gives the student a stub
whose calls the judge forwards here, to a separate process of the grader's that holds the
reference namespace, has its own memory cap (arguments come from student code), runs nothing
but reference code on decoded values, and answers with the value only.

Protocol (one JSON line each way): first {"setup", "definitions"} -> "ready"; then per call
{"call", "args", "kwargs"[, "random"][, "fit"]} -> {"ok"[, "random"]} or {"raised", "message"}
("fit": the judge's, for a call made with the student's own signature of the callee).
"""
import contextlib
import io
import json
import os
import select
import subprocess
import sys
import time

import numpy as np

from dnnkit.inside.wire import Forged, decode, encode


MAX_ANSWER = 32 << 20   # bytes of one answer (as dnnkit.judging.judge.MAX_MESSAGE)


class ReferenceTimeout(Exception):
    pass


class ReferenceServer:
    """The grader's end: one server process per judge, started when first needed."""

    def __init__(self, setup, definitions, memory_bytes):
        self.hello = json.dumps({"setup": setup, "definitions": definitions}) + "\n"
        self.memory_bytes = memory_bytes
        self.proc = None

    def _start(self):
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "OPENBLAS_NUM_THREADS",
                                                             "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = "1"
        # -I and cwd "/": no folder of the grader's (a student's, say) comes first on sys.path
        self.proc = subprocess.Popen([sys.executable, "-I", "-m", "dnnkit.judging.reference"], cwd="/",
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        import resource
        with contextlib.suppress(OSError):
            resource.prlimit(self.proc.pid, resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        self.proc.stdin.write(self.hello.encode())
        self.proc.stdin.flush()
        # Its start (imports) is not charged to the student's time limit.
        ready, _, _ = select.select([self.proc.stdout.fileno()], [], [], 120)
        if not ready or self.proc.stdout.readline() != b"ready\n":
            self.close()
            raise RuntimeError("the reference functions' process did not start")

    def call(self, line, deadline):
        """The answer (a JSON line, bytes) to a call line (str) from the student's process."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
            fd = self.proc.stdout.fileno()
            ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise ReferenceTimeout()
            answer = self.proc.stdout.readline(MAX_ANSWER + 1)
        except (BrokenPipeError, OSError):
            answer = b""
        if not answer.endswith(b"\n"):   # it died (its memory cap), or an answer over MAX_ANSWER:
                                          # the student's inputs were too big
            self.close()
            return _raised("MemoryError", "the reference function could not run on these inputs")
        return answer

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                with contextlib.suppress(OSError):
                    f.close()
            self.proc = None


def _raised(kind, message):
    return (json.dumps({"raised": kind, "message": message[:300]}) + "\n").encode()


def answer(namespace, line):
    try:
        request = json.loads(line)
        function = namespace[request["call"]]
        args, kwargs = decode(request["args"]), decode(request["kwargs"])
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise Forged("not a call")
        fit = request.get("fit")   # set by the judge, never by the student: see Judge.conventions
        if fit:
            args = args[:int(fit["positional"])]
            kwargs = {k: v for k, v in kwargs.items() if k not in fit["drop"]}
        if "random" in request:
            np.random.set_state(decode(request["random"]))
    except Exception as error:  # noqa: BLE001 (the call is the student's: anything may be wrong)
        return _raised("RuntimeError", f"a malformed call of a reference function ({type(error).__name__})")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            value = function(*args, **kwargs)
        reply = {"ok": encode(value)}
    except Exception as error:  # noqa: BLE001 (the student passed inputs the reference rejects)
        return _raised(type(error).__name__, str(error))
    if "random" in request:
        reply["random"] = encode(np.random.get_state())
    data = (json.dumps(reply) + "\n").encode()
    if len(data) > MAX_ANSWER:
        return _raised("MemoryError", "the reference function's result is far too large")
    return data


def main():
    hello = json.loads(sys.stdin.readline())
    namespace = {"__name__": "__reference__"}
    exec(compile(hello["setup"], "<setup>", "exec"), namespace)
    for source in hello["definitions"]:
        exec(compile(source, "<reference>", "exec"), namespace)
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        out.write(answer(namespace, line))
        out.flush()


if __name__ == "__main__":
    main()
