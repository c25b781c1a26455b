"""The kernel command of dnnkit.plugins.kernel's SandboxedKernelManager: a Jupyter kernel in the grading
sandbox, reached through a relay (see dnnkit.plugins.kernel for why and how). Imports only the sandbox:
it starts once per graded notebook."""
import json
import os
import select
import signal
import socket
import sys

MAX_FOLDER = 200 << 20        # bytes of the notebook's folder copied into the sandbox
MAX_KERNEL_OUTPUT = 256 << 20  # bytes the kernel may send in all before it is ended
STARTUP = 60                   # seconds for the kernel to start listening


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
                raise SystemExit(f"dnnkit.plugins.kernel: {path} holds more than {MAX_FOLDER >> 20} MiB")
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
    from dnnkit.host.sandbox import Sandbox, Session
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
