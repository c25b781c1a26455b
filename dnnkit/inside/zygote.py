"""The sandbox from inside: the zygote, and the keeper, init and student processes it forks
(see dnnkit.host.sandbox for the design; this side never imports grader code).

The zygote runs as `python -m dnnkit.inside.zygote` under bwrap, which mounts the `dnnkit/inside`
folder (and `dnnkit/__init__.py`) and no other file of the package.
"""
import contextlib
import ctypes
import importlib
import json
import os
import select
import signal
import socket
import sys

BOX = "/box"                 # inside the sandbox
WORK = BOX + "/work"         # the submission's working copy
RUN = BOX + "/run"           # empty writable folder (cwd of the judge's runner)
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x20000000, 0x10000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 0x1000, 0x4000, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT = 1, 38, 24, 47


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option, value):
    if _libc().prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option})")


def _zygote(sock_fd, preload, imports=""):
    sock = socket.socket(fileno=sock_fd)
    try:
        for name in preload:
            importlib.import_module(name)
        _import_helpers(imports)
        if "dnnkit.inside.shell" in preload:
            sys.modules["dnnkit.inside.shell"].prepare()
    except BaseException as error:  # noqa: BLE001 (reported to the grader)
        sock.send(f"preloading failed: {type(error).__name__}: {error}".encode())
        os._exit(1)
    import gc
    gc.freeze()   # preloaded objects stay out of the collector: forks share their pages longer
    sock.send(b"ready")
    while True:
        message, fds, _, _ = socket.recv_fds(sock, 1 << 16, 8)
        with contextlib.suppress(ChildProcessError):   # reap finished keepers (CPU accounting)
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        if not message:
            os._exit(0)   # the grader closed its end
        request = json.loads(message)
        if os.fork() == 0:
            sock.close()
            try:
                (_connector if request["kind"] == "connect" else _keeper)(request, *fds)
            finally:
                os._exit(1)
        for fd in fds:
            os.close(fd)


def _import_helpers(imports):
    """Run the course's import statements (`imports`: from its source notebooks) in the zygote,
    from the working copy as the session starts: the course's own files, no submission's yet.
    Every student process forked later has these modules loaded instead of compiling them
    again, and the judge's runner, which serves a worker's submissions one after another,
    takes its encoder (testCases.public_tests) from them rather than from a submission's files."""
    if not imports:
        return
    sys.path.insert(0, WORK)
    try:
        for statement in imports.split("\n") + ["import testCases.public_tests"]:
            try:
                exec(compile(statement, "<course imports>", "exec"), {})
            except Exception:  # noqa: BLE001 (a notebook that needs it reports it when it runs)
                pass
    finally:
        sys.path.remove(WORK)


def _connector(request, reply_fd):
    """Connect to a port of the sandbox's loopback (retrying while a kernel starts) and hand
    the connected socket to the grader."""
    import time
    reply = socket.socket(fileno=reply_fd)
    deadline = time.monotonic() + request["timeout"]
    while time.monotonic() < deadline:
        try:
            conn = socket.create_connection(("127.0.0.1", request["port"]), timeout=1)
        except OSError:
            time.sleep(0.02)
            continue
        socket.send_fds(reply, [b"ok"], [conn.fileno()])
        os._exit(0)
    os._exit(1)


def _keeper(request, control_fd, req_r, rep_w):
    """Keeps the zygote's capabilities: starts init in a new PID namespace and relays signals and
    the exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    control = socket.socket(fileno=control_fd)
    libc = _libc()
    if libc.unshare(CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNS) != 0 or \
            libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        control.send(b"error unshare")
        os._exit(1)
    status_r, status_w = os.pipe()
    init = os.fork()
    if init == 0:
        control.close()
        os.close(status_r)
        _init(request, req_r, rep_w, status_w)
    os.close(req_r)
    os.close(rep_w)
    os.close(status_w)
    status = b""
    while True:
        ready, _, _ = select.select([control, status_r], [], [])
        if control in ready:
            command = control.recv(16)
            if command == b"int":
                with contextlib.suppress(ProcessLookupError):
                    os.kill(init, signal.SIGINT)
                continue
            with contextlib.suppress(ProcessLookupError):   # "kill", or the grader went away
                os.kill(init, signal.SIGKILL)
        if status_r in ready or control in ready:
            status = os.read(status_r, 64)
            break
    os.waitpid(init, 0)
    with contextlib.suppress(OSError):
        control.send(b"exit " + status if status else b"killed")
    os._exit(0)


def _init(request, req_r, rep_w, status_w):
    """PID 1 of the submission's namespace: forwards SIGINT, reaps, reports, and by exiting
    makes the kernel kill every process left in the namespace."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    student = os.fork()
    if student == 0:
        os.close(status_w)
        _student(request, req_r, rep_w)
    os.close(req_r)
    os.close(rep_w)
    signal.signal(signal.SIGINT, lambda *_: os.kill(student, signal.SIGINT))
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if pid == student:
            os.write(status_w, str(status).encode())
            os._exit(0)


def _student(request, req_r, rep_w):
    try:
        os.dup2(req_r, 0)
        os.dup2(rep_w, 3)
        null = os.open("/dev/null", os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.closerange(4, 1 << 16)
        kept = _private_folders(request)
        uid = request["uid"]
        if request["mode"] == "user":
            _own_user_namespace(uid)   # before the process cap: it counts this namespace only
            _set_limits(request)
            _drop_capabilities()
        else:
            _set_limits(request)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)   # drops every capability
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _refill(kept)
        from dnnkit.inside import seccomp
        seccomp.install()   # no new namespaces, mounts or tracing of other processes
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        kind = request["kind"]
        if kind == "shell":
            os.chdir(WORK)
            sys.path[0] = ""
            sys.modules["dnnkit.inside.shell"].serve(0, 3)
        elif kind == "runner":
            os.chdir(RUN)
            sys.path[0] = WORK
            from dnnkit.inside import runner
            runner.main()
        elif kind == "kernel":   # a Jupyter kernel (plain nbgrader autograde, dnnkit.plugins.kernel)
            os.chdir(WORK)
            connection = os.path.join(RUN, "kernel.json")
            with open(connection, "w") as f:
                f.write(request["connection"])
            os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection,
                                      "--HistoryManager.hist_file=:memory:"])
        elif kind == "probe":
            os.write(3, _probe().encode())
    except BaseException:  # noqa: BLE001 (the grader sees the exit status)
        import traceback
        with contextlib.suppress(OSError):
            os.write(3, traceback.format_exc().encode()[-2000:])
        os._exit(70)
    os._exit(0)


def _set_limits(request):
    import resource
    for limit, value in ((resource.RLIMIT_AS, request["memory"]),
                         (resource.RLIMIT_NPROC, request["nproc"]),
                         (resource.RLIMIT_FSIZE, request["fsize"]),
                         (resource.RLIMIT_CORE, 0),
                         # kernel memory outside RLIMIT_AS: pipes, sockets, epoll watches (fds),
                         # queued signals and message queues (counted per user namespace)
                         (resource.RLIMIT_NOFILE, FILES_OPEN),
                         (resource.RLIMIT_SIGPENDING, 1024),
                         (resource.RLIMIT_MSGQUEUE, 0)):
        if value or limit in (resource.RLIMIT_CORE, resource.RLIMIT_MSGQUEUE):
            resource.setrlimit(limit, (value, value))


FILES_OPEN = 1024   # a student process's open files (Linux's usual soft limit)
# User mode: the kernel counts these per host uid, shared with the grader's account, and charges
# a nested user namespace's use up its chain: small limits in the student's own namespace keep it
# from exhausting the grader's (measured by the red team: all 128 inotify instances taken).
NAMESPACE_LIMITS = {"max_inotify_instances": 16, "max_inotify_watches": 8192,
                    "max_fanotify_groups": 0, "max_fanotify_marks": 0, "max_user_namespaces": 0,
                    "max_mnt_namespaces": 0, "max_pid_namespaces": 0, "max_net_namespaces": 0,
                    "max_ipc_namespaces": 0, "max_uts_namespaces": 0, "max_cgroup_namespaces": 0,
                    "max_time_namespaces": 0}


def _own_user_namespace(uid):
    """User mode: a user namespace of this process's own, where it is `uid` (uid 0 of the
    zygote's namespace, the grader's uid on the host, seen from outside). Linux counts a
    process cap per user namespace and uid, so RLIMIT_NPROC set now counts this student's
    processes alone; no uid but this one exists in it, so there is nothing to switch to."""
    if _libc().unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "a user namespace for the student process")
    for name, text in (("uid_map", f"{uid} 0 1"), ("setgroups", "deny"), ("gid_map", f"{uid} 0 1")):
        fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    for name, value in NAMESPACE_LIMITS.items():   # this namespace's own (it holds CAP_SYS_RESOURCE)
        with contextlib.suppress(FileNotFoundError):   # a kernel without that limit
            with open(f"/proc/sys/user/{name}", "w") as f:
                f.write(str(value))


def _drop_capabilities():
    """No capabilities left, in any set (a new user namespace grants them all to its first
    process; root mode's uid switch drops them by itself)."""
    libc = _libc()
    cap = 0
    while libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    _prctl(PR_CAP_AMBIENT, 4)   # PR_CAP_AMBIENT_CLEAR_ALL
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)   # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()                  # effective, permitted, inheritable: none
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "dropping capabilities")


def _private_folders(request):
    """Before the uid switch: a memory file system of `disk` bytes, owned by the student's uid,
    mounted over the working copy (student processes see a copy of it, so what they write or
    link there never reaches the host) and over the run folder; it is gone when the process's
    namespaces end. Returns the working copy's files, read before they were covered."""
    files = []
    if request["kind"] != "runner":
        for dirpath, dirnames, filenames in os.walk(WORK):
            for name in filenames:
                path = os.path.join(dirpath, name)
                if not os.path.islink(path) and os.path.isfile(path):
                    with open(path, "rb") as f:
                        files.append((os.path.relpath(path, WORK), f.read()))
    # the files' owner seen from the keeper: the student's own uid, or in user mode uid 0 of the
    # zygote's namespace (the uid the student's nested namespace maps to)
    owner, libc = request["uid"] if request["mode"] == "root" else 0, _libc()
    options = f"size={max(request['disk'], 1 << 20)},nr_inodes=20000,mode=0755"
    # A /proc of this process's own PID namespace: no other process (the zygote's command
    # line with the grader's paths, another student process) is in sight.
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        raise OSError(ctypes.get_errno(), "mounting a private /proc")
    # One memory file system (one disk budget), shown at three places: the working copy (the
    # runner reads the box's own, read-only), the run folder and /tmp (bwrap's /tmp is the
    # zygote's, shared by every student of this worker).
    if libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()) != 0:
        raise OSError(ctypes.get_errno(), "mounting the private folders")
    shown = {"run": RUN, "tmp": "/tmp"} if request["kind"] == "runner" else \
        {"work": WORK, "run": RUN, "tmp": "/tmp"}
    for name, target in shown.items():   # /tmp last: it covers the others' sources
        source = "/tmp/" + name
        os.mkdir(source, 0o700)
        os.chown(source, owner, owner)
        if libc.mount(source.encode(), target.encode(), None, MS_BIND, None) != 0:
            raise OSError(ctypes.get_errno(), f"mounting the private folder {target}")
    return files


def _refill(files):
    for rel, data in files:
        path = os.path.join(WORK, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def _probe():
    """What the start-up check verifies from inside."""
    if os.getuid() == 0:
        return "student code runs as root"
    with open("/proc/self/status") as f:
        effective = next(line for line in f if line.startswith("CapEff:")).split()[1]
    if int(effective, 16):
        return f"student code has capabilities ({effective})"
    writable = writable_mounts()
    if writable:
        return f"student code can write outside its private folders: {writable}"
    with open("/proc/net/dev") as f:
        interfaces = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    if set(interfaces) - {"lo"}:
        return f"student code has network interfaces {interfaces}"
    try:
        open("/usr/dnnkit-probe", "w")
        return "student code can write outside its working copy"
    except OSError:
        pass
    return "ok"


def writable_mounts():
    """Mount points in sight that are not read-only, but this process's private folders (and
    /proc, whose files have permissions of their own, and devices: /dev/null...)."""
    import stat
    private = {WORK, RUN, "/tmp", "/proc"}
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")
            if point in private or point.startswith("/proc/"):
                continue
            with contextlib.suppress(OSError):
                if not stat.S_ISCHR(os.stat(point).st_mode) and not os.statvfs(point).f_flag & os.ST_RDONLY:
                    found.append(point)
    return found


if __name__ == "__main__":
    _zygote(int(sys.argv[1]), json.loads(sys.argv[2]), *sys.argv[3:])
