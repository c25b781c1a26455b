"""Plain `nbgrader autograde` with its Jupyter kernel inside the grading sandbox.

nbgrader's Execute starts an ordinary kernel: as the grading user, with the course, the
gradebook and the grader's environment in reach. `SandboxedExecute` (put in Execute's place by
dnnkit.nbgrader_ext) gives it a kernel manager whose kernel command is this module: a small
process outside the sandbox that

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
import os
import select
import signal
import socket
import sys

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute

MAX_FOLDER = 200 << 20        # bytes of the notebook's folder copied into the sandbox
MAX_KERNEL_OUTPUT = 256 << 20  # bytes the kernel may send in all before it is ended
STARTUP = 60                   # seconds for the kernel to start listening


class SandboxedKernelManager(AsyncKernelManager):
    def format_kernel_cmd(self, extra_arguments=None):
        from dnnkit.sandbox import Sandbox
        settings = Sandbox(config=self.config)
        limits = {name: getattr(settings, name) for name in settings.trait_names()
                  if settings.trait_metadata(name, "config")}
        return [sys.executable, "-m", "dnnkit.kernel", self.connection_file, json.dumps(limits)]


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the grading sandbox."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)


def folder_files(path):
    """{relative path: bytes} of a folder, links and special files left out, size bounded."""
    files, total = {}, 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            total += os.path.getsize(full)
            if total > MAX_FOLDER:
                raise SystemExit(f"dnnkit.kernel: {path} holds more than {MAX_FOLDER >> 20} MiB")
            with open(full, "rb") as f:
                files[os.path.relpath(full, path)] = f.read()
    return files


def relay(session, listeners, child, stop):
    """Relay connections until the kernel ends, `stop` is set, or the kernel has sent more than
    MAX_KERNEL_OUTPUT. `listeners`: {listening host socket: port}."""
    peers, inside, sent = {}, set(), 0

    def drop(sock):
        for s in (sock, peers.pop(sock, None)):
            if s is not None:
                peers.pop(s, None)
                inside.discard(s)
                s.close()

    while not stop:
        try:
            readable, _, _ = select.select([*listeners, *peers, child.control], [], [], 0.5)
        except InterruptedError:
            continue
        if child.control in readable:   # the kernel process ended
            return
        for sock in readable:
            if sock in listeners:
                outside, _ = sock.accept()
                conn = session.connect(listeners[sock], STARTUP)
                if conn is None:
                    outside.close()
                    continue
                peers[outside], peers[conn] = conn, outside
                inside.add(conn)
            elif sock in peers:
                try:
                    data = sock.recv(1 << 16)
                    if data:
                        peers[sock].sendall(data)
                except OSError:
                    data = b""
                if not data:
                    drop(sock)
                elif sock in inside:
                    sent += len(data)
                    if sent > MAX_KERNEL_OUTPUT:
                        return


def main(connection_file, limits):
    from dnnkit.sandbox import Sandbox, Session
    with open(connection_file) as f:
        connection = json.load(f)
    listeners = {}
    for key in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((connection.get("ip") or "127.0.0.1", connection[key]))
        sock.listen(16)
        listeners[sock] = connection[key]
    settings = Sandbox(**json.loads(limits))
    settings.preload = []
    stop = []
    with Session(settings, files=folder_files(os.getcwd())) as session:
        inner = dict(connection, ip="127.0.0.1", transport="tcp")
        env = {k: os.environ[k] for k in ("NBGRADER_EXECUTION", "DNNKIT_JUDGE") if k in os.environ}
        child = session.spawn("kernel", settings.memory_mb << 20, env=env,
                              connection=json.dumps(inner))
        signal.signal(signal.SIGINT, lambda *_: child.interrupt())
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        try:
            relay(session, listeners, child, stop)
        finally:
            child.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
