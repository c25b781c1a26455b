"""Plain `nbgrader autograde` with its Jupyter kernel inside the grading sandbox.

nbgrader's Execute starts an ordinary kernel: as the grading user, with the course, the
gradebook and the grader's environment in reach. `SandboxedExecute` (put in Execute's place by
dnnkit.plugins.nbgrader_ext) gives it a kernel manager whose kernel command is dnnkit.host.kernel_relay: a
small process outside the sandbox that

- copies the notebook's folder (no links) into the box of a fresh dnnkit.host.sandbox.Session, and
  starts ipykernel there as a student process (own uid, no network, memory/process/file/disk
  caps, a clean environment holding no secrets, a private copy of the folder to write in);
- listens on the connection file's ports on the host's loopback and relays each connection to
  the same port on the sandbox's own loopback (ZeroMQ's traffic, signatures and all, passes
  unchanged), counting what the kernel sends;
- forwards SIGINT (the manager's interrupt) to the kernel, and on SIGTERM or when the manager
  kills it, ends the sandbox: nothing the notebook started survives.
"""
import json
import sys

from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

from dnnkit import context
from dnnkit.plugins.executor import cell_label, error_fault

class SandboxedKernelManager(AsyncKernelManager):
    def format_kernel_cmd(self, extra_arguments=None):
        from dnnkit.host.sandbox import Sandbox
        settings = Sandbox(config=self.config)
        limits = {name: getattr(settings, name) for name in settings.trait_names()
                  if settings.trait_metadata(name, "config")}
        # -I: the kernel starts in the student's folder, which must not come first on sys.path
        return [sys.executable, "-I", "-m", "dnnkit.host.kernel_relay", self.connection_file, json.dumps(limits)]


_sandbox_checked = False


def _check_sandbox(config):
    """Once per grading process: the sandbox starts here, else a SandboxError that names what
    the host lacks (never a kernel outside it, never zeros for every cell)."""
    global _sandbox_checked
    if not _sandbox_checked:
        from dnnkit.host import sandbox
        sandbox.check(sandbox.Sandbox(config=config))
        _sandbox_checked = True


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the grading sandbox.

    A kernel that stops answering (a cell that ignores its interrupt, a crash) ends the run
    there, as in `dnnkit grade`: the cells not run get a CellNotRun error (so none earns points
    unexecuted) and grading goes on, so the judge still grades every function. nbgrader's own
    Execute would fail the whole notebook, every correct function with it. What went wrong is
    recorded as ForkedExecute records it (the NotebookRun's `faults`, by cell label): a cell
    that timed out, hit the memory or process cap, or where the kernel stopped."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        from dnnkit.host.sandbox import Sandbox
        _check_sandbox(self.config)   # SandboxError: nbgrader fails the notebook, no grade saved
        self._faults = context.ensure(resources).faults
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except Exception as error:  # noqa: BLE001 (nbclient's timeouts, a dead kernel, ...)
            self.log.warning("The kernel stopped answering (%s): the remaining cells are not run",
                             type(error).__name__)
            reason = f"not run: the notebook's kernel stopped answering ({type(error).__name__})"
            unrun = [(index, cell) for index, cell in enumerate(nb.cells)
                     if cell.cell_type == "code" and cell.source.strip()
                     and cell.get("execution_count") is None and not cell.get("outputs")]
            for _, cell in unrun:
                cell.outputs = [NotebookNode(output_type="error", ename="CellNotRun", evalue=reason,
                                             traceback=[f"CellNotRun: {reason}"])]
            where = cell_label(unrun[0][1], unrun[0][0]) if unrun else "notebook"
            self._faults.setdefault(where, f"the notebook's kernel stopped answering ({type(error).__name__})")
        settings = Sandbox(config=self.config)
        for index, cell in enumerate(nb.cells):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if error_fault(errors, settings):
                self._faults.setdefault(cell_label(cell, index), error_fault(errors, settings))
        return nb, resources

    async def _async_handle_timeout(self, timeout, cell=None):
        index = next((i for i, c in enumerate(self.nb.cells) if c is cell), None)
        where = "notebook" if index is None else cell_label(cell, index)
        self._faults[where] = f"took longer than {timeout:g} s (the cell limit): interrupted"
        return await super()._async_handle_timeout(timeout, cell)
