"""ForkedExecute: nbgrader's Execute step, run in the grading sandbox instead of a Jupyter kernel.

`dnnkit grade` puts it in place of `Execute` in `c.Autograde.autograde_preprocessors`. It keeps
Execute's settings and behaviour (it subclasses it): `c.Execute.timeout` per cell, errors recorded
as outputs and execution going on (allow_errors), the CellTimeoutError output on a time-out,
`skip-execution` tags, execution counts, nbclient's timing metadata and the kernel's
language_info, the `NBGRADER_EXECUTION` variable and the notebook's folder as working directory.
What changes is where cells run: in a Python process forked from the sandbox's pre-imported
zygote (dnnkit.inside.shell), which costs milliseconds instead of a kernel start.

Faults a kernel would not survive end here with a recorded reason instead of a lost submission:
the process crashing or exiting (the cell gets a DeadKernelError output, the cells after it a
CellNotRun error so none of them can earn points unexecuted), a cell ignoring its interrupt after
the time-out (killed), the whole notebook over `notebook_timeout`, output beyond `max_output_mb`.
They are listed in the notebook's dnnkit.context.NotebookRun (`faults`: {cell label: reason}).
"""
import datetime
import json
import os
import select
import signal
import time

from nbformat import NotebookNode, from_dict
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer

from dnnkit import context
from dnnkit.host import sandbox

GRACE = 3.0   # seconds a cell has to stop after its interrupt


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def cell_label(cell, index):
    """How reports name a cell: its grade id, its graded function, or its position."""
    meta = cell.get("metadata", {})
    grade_id = meta.get("nbgrader", {}).get("grade_id")
    if grade_id:
        return grade_id
    shows = meta.get("dnnkit", {}).get("shows")
    return f"cell {index + 1}" + (f" (calls {shows})" if shows else "")


def error_fault(errors, settings):
    """Why a cell whose error outputs are `errors` hit one of the sandbox's limits, or ""."""
    names = {o.get("ename") for o in errors}
    if "MemoryError" in names:
        return f"ran out of memory (the cap is {settings.memory_mb} MiB)"
    if "BlockingIOError" in names:   # fork() refused: RLIMIT_NPROC
        return f"hit the process cap ({settings.max_processes} processes)"
    return ""


def signal_name(code):
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


class Kernel:
    """A sandboxed dnnkit.inside.shell process, spoken to line by line."""

    def __init__(self, session, memory_bytes, env):
        self.child = session.spawn("shell", memory_bytes, env=env)
        self.buffer = b""
        self.language_info = None
        hello = self._read(time.monotonic() + 60)
        if isinstance(hello, dict):
            self.language_info = hello.get("language_info")

    def _read(self, deadline, limit=64 << 20):
        """One reply (dict), "timeout", or "dead" (also for a reply over `limit` bytes, or not
        of the shell's form: the process is the student's, and so is what it writes)."""
        fd = self.child.replies.fileno()
        while b"\n" not in self.buffer:
            if len(self.buffer) > limit:
                return "dead"
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(fd, 1 << 20)
                except OSError:  # e.g. ConnectionResetError: the process died mid-reply
                    return "dead"
                if not chunk:
                    return "dead"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except (ValueError, RecursionError, MemoryError):
            return "dead"
        return reply if isinstance(reply, dict) else "dead"

    def run(self, code, timeout, max_output):
        """(reply or None, fault reason or "", timed_out)."""
        try:
            self.child.stdin.write(json.dumps({"code": code, "max_output": max_output}) + "\n")
            self.child.stdin.flush()
        except (BrokenPipeError, OSError):
            return None, self._death(), False
        reply = _checked(self._read(time.monotonic() + timeout, 2 * max_output + (1 << 20)))
        if reply == "timeout":
            try:
                self.child.interrupt()
                reply = _checked(self._read(time.monotonic() + GRACE, 2 * max_output + (1 << 20)))
            except OSError:  # it died while being interrupted
                reply = "dead"
            if isinstance(reply, dict):
                return reply, "", True
            try:
                self.child.kill()
            except OSError:  # already gone
                pass
            return None, (f"still running {timeout:g} s after it started and did not stop when "
                          f"interrupted: the grader killed it"), True
        if reply == "dead":
            return None, self._death(), False
        return reply, "", False

    def _death(self):
        code = self.child.wait(5)
        if code is None:
            self.child.kill()
            code = self.child.wait()
        how = signal_name(code) if code < 0 else f"exit code {code}"
        hint = {"SIGSEGV": " (a segmentation fault)", "SIGKILL": " (killed: out of memory or a limit)"}
        return f"the notebook's Python process stopped ({how}{hint.get(how, '')})"

    def close(self):
        self.child.close()


class ForkedExecute(Execute):
    """nbgrader's Execute, in a process forked from the sandbox's pre-imported zygote."""

    notebook_timeout = Integer(600, help="Seconds all the cells of one notebook may take together."
                               ).tag(config=True)
    max_output_mb = Float(1.0, help="Output (MiB) kept per cell; the rest is dropped and reported."
                          ).tag(config=True)

    def preprocess(self, nb, resources):
        run = context.of(resources)
        session = run.session if run else None
        if session is None:
            raise sandbox.SandboxError("ForkedExecute runs inside `dnnkit grade` (no sandbox session)")
        faults = run.faults
        settings = session.settings
        env = {"NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "")}
        if os.environ.get("DNNKIT_JUDGE"):   # set by the judge step (dnnkit.judging.judge), as for nbgrader's kernels
            env["DNNKIT_JUDGE"] = os.environ["DNNKIT_JUDGE"]
        started = time.monotonic()
        deadline = started + self.notebook_timeout
        kernel = Kernel(session, settings.memory_mb << 20, env)
        if kernel.language_info:
            nb.metadata["language_info"] = kernel.language_info
        stopped = ""   # why the remaining cells cannot run
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if self.skip_cells_with_tag in cell.metadata.get("tags", []):
                    continue
                label = cell_label(cell, index)
                if stopped:
                    cell.outputs = [_error("CellNotRun", f"not run: {stopped}")]
                    continue
                if self.record_timing:
                    cell.metadata["execution"] = {"iopub.status.busy": _now()}
                left = deadline - time.monotonic()
                timeout = min(self.timeout if self.timeout and self.timeout > 0 else left, left)
                cell.outputs = []
                if self.record_timing:
                    cell.metadata["execution"]["iopub.execute_input"] = _now()
                reply, fault, timed_out = kernel.run(cell.source, max(timeout, 0.001),
                                                     int(self.max_output_mb * (1 << 20)))
                if self.record_timing:
                    cell.metadata["execution"]["shell.execute_reply"] = _now()
                    cell.metadata["execution"]["iopub.status.idle"] = _now()
                if reply is not None:
                    cell.outputs = [from_dict(o) for o in reply["outputs"]]
                    cell.execution_count = reply["execution_count"]
                    if reply["truncated"]:
                        faults[label] = (f"printed more than {self.max_output_mb:g} MiB: the rest "
                                         f"was dropped")
                over_cap = time.monotonic() >= deadline
                if timed_out:
                    # what nbgrader's Execute records for a cell that timed out
                    self.on_cell_executed(cell=cell, execute_reply={"content": dict(
                        self.error_on_timeout, status="error")})
                    faults[label] = fault or (f"took longer than {timeout:g} s "
                                              f"({'the notebook cap' if over_cap else 'the cell limit'}): interrupted")
                elif fault:
                    faults[label] = fault
                    cell.outputs.append(_error("DeadKernelError", fault))
                elif reply["status"] == "error":
                    errors = [o for o in reply["outputs"] if o["output_type"] == "error"]
                    if error_fault(errors, settings):
                        faults[label] = error_fault(errors, settings)
                    content = dict(errors[-1]) if errors else {"ename": "Error", "evalue": "", "traceback": []}
                    content["status"] = "error"
                    self.on_cell_executed(cell=cell, execute_reply={"content": content})
                if fault:
                    stopped = f"the notebook stopped at {label}"
                elif over_cap:
                    stopped = f"the notebook used up its {self.notebook_timeout} s"
                    faults.setdefault("notebook", f"took longer than {self.notebook_timeout} s in all: "
                                                  f"the remaining cells were not run")
        finally:
            kernel.close()
            run.cells_seconds += time.monotonic() - started
            run.executed_at = time.monotonic()
        return nb, resources


def _checked(reply):
    """A cell reply as dnnkit.inside.shell writes it, its outputs valid nbformat outputs (others are
    dropped); "dead" for anything else."""
    if not isinstance(reply, dict) or not {"execution_count", "status", "outputs", "truncated"} <= set(reply):
        return reply if reply in ("timeout", "dead") else "dead"
    if not isinstance(reply["outputs"], list) or reply["status"] not in ("ok", "error") \
            or not isinstance(reply["execution_count"], (int, type(None))):
        return "dead"
    reply["outputs"] = [o for o in reply["outputs"] if _valid_output(o)]
    reply["truncated"] = bool(reply["truncated"])
    return reply


def _valid_output(output):
    """An output of the form nbformat 4 allows (checked by hand: a schema validation per
    output would cost more than running most cells)."""
    if not isinstance(output, dict):
        return False
    kind = output.get("output_type")
    fields = {"stream": {"name", "text"}, "display_data": {"data", "metadata"},
              "execute_result": {"data", "metadata", "execution_count"},
              "error": {"ename", "evalue", "traceback"}}.get(kind)
    if fields is None or set(output) != fields | {"output_type"}:
        return False
    if kind == "stream":
        return output["name"] in ("stdout", "stderr") and isinstance(output["text"], str)
    if kind == "error":
        return (isinstance(output["ename"], str) and isinstance(output["evalue"], str)
                and isinstance(output["traceback"], list) and all(isinstance(t, str) for t in output["traceback"]))
    if kind == "execute_result" and not isinstance(output["execution_count"], (int, type(None))):
        return False
    data = output["data"]
    return isinstance(output["metadata"], dict) and isinstance(data, dict) and all(
        isinstance(k, str) and "/" in k and (isinstance(v, str) or isinstance(v, dict) and k.endswith("json")
                                             or isinstance(v, list) and all(isinstance(x, str) for x in v))
        for k, v in data.items())


def _error(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
