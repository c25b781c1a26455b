"""Plain `nbgrader autograde` with its Jupyter kernel inside the grading sandbox.

nbgrader's Execute starts an ordinary kernel: as the grading user, with the course, the
gradebook and the grader's environment in reach. `SandboxedExecute` (put in Execute's place by
dnnkit.nbgrader_ext) gives it a kernel manager whose kernel command is dnnkit.kernel_relay: a
small process outside the sandbox that

- copies the notebook's folder (no links) into the box of a fresh dnnkit.sandbox.Session, and
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
from nbgrader.preprocessors import Execute

class SandboxedKernelManager(AsyncKernelManager):
    def format_kernel_cmd(self, extra_arguments=None):
        from dnnkit.sandbox import Sandbox
        settings = Sandbox(config=self.config)
        limits = {name: getattr(settings, name) for name in settings.trait_names()
                  if settings.trait_metadata(name, "config")}
        # -I: the kernel starts in the student's folder, which must not come first on sys.path
        return [sys.executable, "-I", "-m", "dnnkit.kernel_relay", self.connection_file, json.dumps(limits)]


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the grading sandbox."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)
