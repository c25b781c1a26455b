"""The grading sandbox: where student code runs during grading (notebook cells and the judge's
dnnkit.inside.runner processes).

Layers, all from Linux and Debian's bubblewrap (no container engine):

- **zygote**: one long-lived process per grading worker, started by `bwrap` with its own view of
  the file system (read-only system, Python and venv; of the course only one writable *box*
  directory), no network (own network namespace) and own PID/IPC/UTS namespaces. It imports the
  heavy modules once (numpy, IPython...) and never loads grader code, solutions or the gradebook,
  so what it forks holds no grader secrets.
- per student process, the zygote forks a **keeper** (keeps the zygote's few capabilities, talks
  to the grader over a socket) which unshares a fresh PID, IPC and mount namespace and forks an
  **init** there; init forks the **student process**, which gives up every capability (no new
  privileges either), sets rlimits (address space, processes, file size, no core files) and
  serves requests. When the student process ends, init exits and the kernel kills whatever is
  left in that PID namespace: nothing a submission started survives it.

Two modes (`c.Sandbox.mode`, "auto" picks one): **root** (the grader is root) gives each student
process a uid of its own (`uid_base` + ...); **user** (an ordinary instructor account, e.g. a
JupyterHub server) has bwrap make a user namespace for the zygote, and each student process a
nested one of its own. There the student's uid is the grader's on the host, so what root mode
gets from the uid comes from the namespaces: its process cap (RLIMIT_NPROC) counts the processes
of its own user namespace only (Linux >= 5.14), signals and /proc reach only its own PID
namespace, and every mount it sees is read-only but its private folders. A host that refuses
unprivileged user namespaces stops grading with the setting to change (`userns_problem`); student
code never runs unsandboxed.

The working copy is `/box/work` inside (a fresh host directory per submission), read-only like
everything else: each student process gets one private memory file system of `disk_mb`, shown
over it (a copy of its files), over `/box/run` and over `/tmp`, its own /proc, and a seccomp
filter (dnnkit.inside.seccomp), so nothing it writes or links reaches the host or a later student. `source/`, other submissions, the gradebook, the
repository's own helper packages and the grader's code are not in the sandbox's file system.
"""
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile

from traitlets import Enum, Integer, List, Unicode
from traitlets.config import Configurable

from dnnkit.inside.zygote import BOX, WORK

# What of the dnnkit package the sandbox sees: its `inside` folder, whole (grader code and the
# assignments' mistake catalogues, which quote solution lines, stay out). A module belongs to
# the sandbox by living in that folder, and to the grader by living anywhere else.
PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANDBOX_PATHS = (os.path.join(PACKAGE, "__init__.py"), os.path.join(PACKAGE, "inside"))

# What the keeper needs: the per-process namespaces and mounts, handing the private folders to
# the student's uid, the uid switch, signals; in user mode also CAP_SETFCAP, without which Linux
# (>= 5.12) refuses the nested namespace's uid map.
KEEPER_CAPS = ("CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL")


class SandboxError(RuntimeError):
    """The sandbox cannot run on this machine (message says what is missing) or failed to start."""


class Sandbox(Configurable):
    """Limits of student code during grading (set them in nbgrader_config.py as c.Sandbox.*)."""

    memory_mb = Integer(2048, help="Address-space cap of each student process (MiB).").tag(config=True)
    max_processes = Integer(64, help="Processes and threads one submission may run at once.").tag(config=True)
    max_file_mb = Integer(512, help="Largest file student code may write (MiB).").tag(config=True)
    disk_mb = Integer(512, help="All the files one student process may write, together (MiB): its "
                      "writable folders are a memory file system of this size, gone when it "
                      "ends.").tag(config=True)
    read_only_paths = List(Unicode(), help="Extra host paths student code may read (e.g. a data-set "
                           "folder), shown at the same path.").tag(config=True)
    preload = List(Unicode(), ["numpy", "IPython.core.interactiveshell"],
                   help="Modules the zygote imports once, before forking student processes.").tag(config=True)
    uid_base = Integer(200000, help="Student processes run as uid_base + (grading process id "
                       "mod 100000): in root mode a uid of their own on the host, so process caps "
                       "and kills apply to them alone.").tag(config=True)
    mode = Enum(["auto", "root", "user"], "auto", help="'root': the grader is root and gives student "
                "processes a uid of their own; 'user': an ordinary account, student processes in "
                "user namespaces of their own (bubblewrap; the host must allow unprivileged user "
                "namespaces); 'auto': root when the grader is root, else user.").tag(config=True)


def mode_of(settings):
    """The mode this grading process uses ("root" or "user")."""
    if settings.mode == "auto":
        return "root" if os.geteuid() == 0 else "user"
    return settings.mode


def check(settings=None):
    """Raise SandboxError naming what this machine lacks for the sandbox."""
    settings = Sandbox(config=settings.config) if settings else Sandbox()
    _require(mode_of(settings))
    settings.preload = []
    with Session(settings) as session:
        child = session.spawn("probe", 256 << 20)
        child.stdin.close()
        reply = child.replies.read().decode()
        child.close()
    if reply.strip() != "ok":
        raise SandboxError(f"the sandbox probe failed: {reply.strip() or 'no answer'}")


def _require(mode):
    missing = []
    if sys.platform != "linux":
        missing.append("Linux (namespaces, rlimits)")
    if mode == "root" and os.geteuid() != 0:
        missing.append("root for c.Sandbox.mode = 'root' (leave it 'auto' to grade as an "
                       "ordinary user)")
    if mode == "user" and os.geteuid() == 0:
        missing.append("an ordinary account for c.Sandbox.mode = 'user': as root, student "
                       "processes would keep uid 0's exemptions from the process cap (leave it "
                       "'auto')")
    if not shutil.which("bwrap"):
        missing.append("bubblewrap: install the Debian package with `apt-get install -y bubblewrap` "
                       "(`make venv` does it)")
    for prefix in {sys.prefix, os.path.realpath(sys.base_prefix)}:
        if os.path.realpath(prefix).startswith("/tmp/"):
            missing.append(f"a Python outside /tmp (the sandbox has a /tmp of its own, which "
                           f"hides {prefix}): make the venv elsewhere")
    if missing:
        raise SandboxError("the grading sandbox needs " + "; ".join(missing))
    if mode == "user":
        problem = userns_problem()
        if problem:
            raise SandboxError(problem)


# Host settings that refuse unprivileged user namespaces: (sysctl, refusing value, what to do).
USERNS_SETTINGS = (
    ("kernel.unprivileged_userns_clone", "0", "`sysctl -w kernel.unprivileged_userns_clone=1` "
     "(Debian before 11, some hardened kernels)"),
    ("user.max_user_namespaces", "0", "`sysctl -w user.max_user_namespaces=15000`"),
    ("kernel.apparmor_restrict_unprivileged_userns", "1", "Ubuntu's AppArmor restriction: give "
     "/usr/bin/bwrap a profile that allows user namespaces (see apparmor's "
     "`bwrap-userns-restrict` profile) or `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`"),
)
_userns_checked = {}


def userns_problem(sysctl_dir="/proc/sys"):
    """Empty when bwrap can make the user namespaces of user mode here, else what stops it and
    the setting to change (checked once per process: a bwrap that runs `true`)."""
    if sysctl_dir in _userns_checked:
        return _userns_checked[sysctl_dir]
    import subprocess
    caps = [arg for cap in KEEPER_CAPS + ("CAP_SETFCAP",) for arg in ("--cap-add", cap)]
    try:
        probe = subprocess.run(["bwrap", "--unshare-user", "--uid", "0", "--gid", "0",
                                "--unshare-pid", "--unshare-net", "--die-with-parent", *caps,
                                "--ro-bind", "/", "/", "true"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        said = "" if probe.returncode == 0 else (probe.stderr.strip() or f"exit code {probe.returncode}")
    except (OSError, subprocess.TimeoutExpired) as error:
        said = str(error)
    _userns_checked[sysctl_dir] = problem = userns_message(said, sysctl_dir) if said else ""
    return problem


def userns_message(said, sysctl_dir="/proc/sys"):
    """What to tell an instructor whose host refused bwrap's user namespace (`said`: bwrap's
    words), naming the host settings found refusing them (all of them when none is readable)."""
    found = []
    for name, refusing, fix in USERNS_SETTINGS:
        try:
            with open(os.path.join(sysctl_dir, *name.split("."))) as f:
                value = f.read().strip()
        except OSError:
            continue
        if value == refusing:
            found.append(f"{name} is {value}: {fix}")
    advice = ("change " + "; ".join(found)) if found else (
        "one of these host settings forbids them: " + "; ".join(
            f"{name} (must not be {refusing}: {fix})" for name, refusing, fix in USERNS_SETTINGS))
    import pwd
    user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() else "root"
    return (f"the grading sandbox cannot start as {user}: grading as an ordinary user needs "
            f"unprivileged user namespaces, and this host refuses them (bubblewrap said: "
            f"{said[:300]}). To grade as this user, {advice}. Or grade as root. Student code is "
            "never run outside the sandbox, so nothing was graded.")


# ----------------------------------------------------------------------------------------------
# Grader side
# ----------------------------------------------------------------------------------------------

class Child:
    """A confined student process: requests go to `stdin` (text), replies come from `replies`
    (binary, its own pipe so prints cannot pass for replies)."""

    def __init__(self, control, stdin, replies, on_close=None):
        self.control, self.stdin, self.replies = control, stdin, replies
        self.returncode = None
        self._on_close = on_close

    def interrupt(self):
        """KeyboardInterrupt in the student process (SIGINT)."""
        self._send(b"int")

    def kill(self):
        """The student process and everything it started."""
        self._send(b"kill")

    def _send(self, command):
        try:
            self.control.send(command)
        except OSError:
            pass

    def wait(self, timeout=None):
        """Exit code like subprocess (negative: killed by that signal); None if still running
        after `timeout` seconds."""
        if self.returncode is None:
            ready, _, _ = select.select([self.control], [], [], timeout)
            if not ready:
                return None
            try:
                message = self.control.recv(64)
            except OSError:   # e.g. ECONNRESET: the keeper ended with our "kill" unread
                message = b""
            status = int(message.split()[1]) if message.startswith(b"exit ") else None
            self.returncode = -signal.SIGKILL if status is None else os.waitstatus_to_exitcode(status)
        return self.returncode

    def close(self):
        self.kill()
        self.wait()
        for f in (self.stdin, self.replies, self.control):
            with contextlib.suppress(OSError):
                f.close()
        if self._on_close:
            self._on_close()


class Session:
    """A zygote (see the module doc) with its box directory, for one grading process.

    `work`: a host folder shown read-only as the working copy (plain `nbgrader autograde`); without
    it the box's own `work/` folder is used, refilled per submission with `prepare`.
    """

    def __init__(self, settings=None, work=None, shell=False, files=None, imports=""):
        self.settings = settings or Sandbox()
        self.mode = mode_of(self.settings)
        self.uid = self.settings.uid_base + os.getpid() % 100000
        self.root = scratch_dir("dnnkit-sandbox-")
        self.box = os.path.join(self.root, "box")
        for name in ("work", "run"):   # made here: bwrap would make them 0700
            os.makedirs(os.path.join(self.box, name))
        self.proc = None
        if files:   # the working copy's fixed part (the course's files), for the zygote's warm-up
            self.prepare(files)
        try:
            self._start(work, shell, imports if files else "")
        except BaseException:
            self.close()
            raise

    # -- life cycle
    def _start(self, work, shell, imports):
        _require(self.mode)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        preload = list(self.settings.preload) + (["dnnkit.inside.runner", "dnnkit.inside.shell"] if shell else [])
        argv = bwrap_command(self.box, work, self.settings.read_only_paths, self.mode) + [
            sys.executable, "-m", "dnnkit.inside.zygote", str(theirs.fileno()), json.dumps(preload),
            imports]
        import subprocess
        with open(os.path.join(self.root, "zygote.log"), "wb") as log:
            # its own session: a signal to the grader's process group (a Jupyter kernel
            # manager's interrupt, a Ctrl-C) is not one to bwrap; it dies with its parent
            self.proc = subprocess.Popen(argv, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, env=_zygote_env(),
                                         start_new_session=True)
        theirs.close()
        self.sock = ours
        ready, _, _ = select.select([ours], [], [], 120)
        message = ours.recv(4096) if ready else b""
        if message != b"ready":
            with open(os.path.join(self.root, "zygote.log"), "rb") as f:
                detail = f.read().decode(errors="replace").strip()[-2000:]
            said = message.decode(errors='replace') or detail or 'no answer'
            if self.mode == "user" and said.startswith("bwrap:"):
                raise SandboxError(userns_message(said))
            raise SandboxError(f"the sandbox did not start: {said}")

    def close(self):
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.proc.kill()   # bwrap --die-with-parent: its PID namespace goes with it
            self.proc.wait()
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- working copy
    @property
    def work_dir(self):
        return os.path.join(self.box, "work")

    def prepare(self, files=()):
        """A fresh working copy holding `files` ({relative path: bytes}). Student code never
        writes here (the box is read-only inside): each student process gets a copy of it in
        a memory file system of its own (see `_private_folders`)."""
        shutil.rmtree(self.work_dir, ignore_errors=True)
        os.makedirs(self.work_dir)
        for rel, data in dict(files).items():
            self.write(rel, data)

    def write(self, rel, data):
        path = os.path.join(self.work_dir, rel)
        if os.path.isabs(rel) or ".." in rel.split("/"):
            raise ValueError(f"not a path inside the working copy: {rel!r}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    # -- student processes
    def spawn(self, kind, memory_bytes, env=None, on_close=None, **extra):
        """Start a confined student process of `kind` ("shell", "runner", "kernel" or "probe";
        `extra`: more fields of the request, e.g. a kernel's connection file)."""
        control, keeper_control = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        request = {"kind": kind, "uid": self.uid, "mode": self.mode, "memory": int(memory_bytes or 0),
                   "nproc": self.settings.max_processes, "fsize": self.settings.max_file_mb << 20,
                   "disk": self.settings.disk_mb << 20,
                   "env": dict(_student_env(), **(env or {})), **extra}
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()],
                            [keeper_control.fileno(), req_r, rep_w])
        except OSError as error:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
            control.close()
            keeper_control.close()
            raise SandboxError(f"the sandbox is gone ({error})") from None
        keeper_control.close()
        os.close(req_r)
        os.close(rep_w)
        return Child(control, os.fdopen(req_w, "w"), os.fdopen(rep_r, "rb", buffering=0), on_close)

    def connect(self, port, timeout):
        """A TCP connection to 127.0.0.1:`port` *inside* the sandbox's network namespace (made
        by the zygote, handed over as a file descriptor), or None: how a Jupyter kernel in the
        sandbox is reached from outside it (dnnkit.plugins.kernel)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(self.sock, [json.dumps({"kind": "connect", "port": int(port),
                                                    "timeout": timeout}).encode()], [theirs.fileno()])
            theirs.close()
            if not select.select([ours], [], [], timeout + 1)[0]:
                return None
            _, fds, _, _ = socket.recv_fds(ours, 16, 1)
            return socket.socket(fileno=fds[0]) if fds else None
        except OSError:
            return None
        finally:
            ours.close()
            with contextlib.suppress(OSError):
                theirs.close()


OWNER = "owner"   # in a scratch folder: "pid start-time" of the process that made it


def scratch_dir(prefix):
    """A temporary folder marked with the process that made it, after removing the folders of
    `prefix` whose process is gone (e.g. a Dask worker killed mid-batch cannot clean up)."""
    root = tempfile.gettempdir()
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if name.startswith(prefix) and not _owner_alive(path):
            shutil.rmtree(path, ignore_errors=True)
    path = tempfile.mkdtemp(prefix=prefix)
    with open(os.path.join(path, OWNER), "w") as f:
        f.write(_identity(os.getpid()))
    return path


def _identity(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f"{pid} {f.read().rsplit(')', 1)[1].split()[19]}"   # field 22: start time


def _owner_alive(path):
    try:
        with open(os.path.join(path, OWNER)) as f:
            owner = f.read()
        pid = int(owner.split()[0])
    except (OSError, ValueError, IndexError):
        return True   # not marked (yet): leave it alone
    try:
        return _identity(pid) == owner   # the same pid may belong to a newer process
    except OSError:
        return False


def bwrap_command(box, work=None, read_only=(), mode="root"):
    """bwrap arguments for the zygote's view of the machine."""
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    caps = KEEPER_CAPS
    if mode == "user":   # the grader's uid is uid 0 of the zygote's user namespace
        args[1:1] = ["--unshare-user", "--uid", "0", "--gid", "0"]
        caps += ("CAP_SETFCAP",)
    for cap in caps:
        args.extend(["--cap-add", cap])
    bound = []

    def ro_bind(path, dest=None):
        dest = dest or path
        parents, parent = [], os.path.dirname(dest)
        while parent not in ("/", "") and not any(parent == b or parent.startswith(b + "/") for b in bound):
            parents.insert(0, parent)
            parent = os.path.dirname(parent)
        for p in parents:
            args.extend(["--perms", "0755", "--dir", p])
        args.extend(["--ro-bind", path, dest])
        bound.append(dest)

    ro_bind("/usr")
    for link in ("/bin", "/lib", "/lib32", "/lib64", "/sbin"):
        if os.path.islink(link):
            args.extend(["--symlink", os.readlink(link), link])
        elif os.path.isdir(link):
            ro_bind(link)
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/matplotlibrc"):
        if os.path.exists(path):
            ro_bind(path)
    for prefix in dict.fromkeys([os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
                                 sys.prefix]):
        if not any(prefix == b or prefix.startswith(b + "/") for b in bound):
            ro_bind(prefix)
    args.extend(["--perms", "0755", "--tmpfs", PACKAGE])   # hide the rest of the package
    for path in SANDBOX_PATHS:
        args.extend(["--ro-bind", path, path])
    args.extend(["--remount-ro", PACKAGE])
    for path in read_only:
        if os.path.exists(path):
            ro_bind(os.path.abspath(path))
    # Every mount read-only (in user mode bwrap's own folders belong to the student's host uid):
    # student processes write only in folders of their own (_private_folders).
    # No terminals: bwrap's /dev/pts would be shared by every student of the zygote.
    args.extend(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/pts", "--remount-ro", "/dev/pts",
                 "--remount-ro", "/dev", "--ro-bind", box, BOX])
    if work:
        args.extend(["--ro-bind", work, WORK])
    args.extend(["--tmpfs", "/tmp", "--remount-ro", "/", "--chdir", BOX])
    return args


def _zygote_env():
    env = {"PATH": "/usr/bin:/bin", "LANG": os.environ.get("LANG", "C.UTF-8"), "HOME": "/tmp",
           "PYTHONDONTWRITEBYTECODE": "1", "IPYTHONDIR": "/tmp/.ipython"}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(_student_env())
    return env


def _student_env():
    return {"PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
            "LANG": os.environ.get("LANG", "C.UTF-8"), "HOME": WORK, "TMPDIR": WORK,
            "MPLCONFIGDIR": WORK + "/.matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


@contextlib.contextmanager
def working_copy(path, parent=None):
    """A one-off session whose student processes see `path` as their (read-only) working copy
    (plain nbgrader's judge step, replay; a `dnnkit grade` worker has a session of its own)."""
    settings = Sandbox(parent=parent) if parent else Sandbox()
    settings.preload = ["numpy", "dnnkit.inside.runner"]   # enough for the judge's runner
    with Session(settings, work=os.path.abspath(path) if path else None) as session:
        yield session

