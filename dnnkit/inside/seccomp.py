"""A seccomp filter for student processes: no new namespaces, no mounts, no tracing or reading
the memory of other processes, no kernel keyrings, BPF, userfaultfd, perf events or io_uring
(whose operations a filter cannot see), no memfd files or SysV shared memory (memory that RLIMIT_AS does not count),
no file leases (in the sandbox's user mode the student's host uid owns the grader's files: a
lease would stall the grader's own writes to them).

Why: the sandbox (dnnkit.host.sandbox) confines student code with namespaces; a student process that
could make a user namespace of its own (`unshare(CLONE_NEWUSER)`) would hold every capability
inside it, and with them much more of the kernel to attack. The filter is classic BPF built here
(no libseccomp needed); the calls it refuses fail with EPERM (clone3 with ENOSYS, so that the C
library falls back to clone, whose flags a filter can read).
"""
import ctypes
import errno
import platform
import struct

# Calls added to Linux after 5.0 have one number on every architecture.
UNIFIED = {"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
           "fspick": 433, "mount_setattr": 442, "open_tree_attr": 467,
           "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
           "pidfd_getfd": 438, "process_madvise": 440}
# (AUDIT_ARCH, {name: number}) for the architectures the kit grades on
ARCHES = {
    "x86_64": (0xC000003E, {"clone": 56, "unshare": 272, "clone3": 435, "setns": 308,
                            "mount": 165, "umount2": 166, "pivot_root": 155, "ptrace": 101,
                            "process_vm_readv": 310, "process_vm_writev": 311, "keyctl": 250,
                            "add_key": 248, "request_key": 249, "bpf": 321, "userfaultfd": 323,
                            "perf_event_open": 298, "open_by_handle_at": 304,
                            "memfd_create": 319, "shmget": 29, "fcntl": 72, **UNIFIED}),
    "aarch64": (0xC00000B7, {"clone": 220, "unshare": 97, "clone3": 435, "setns": 268,
                             "mount": 40, "umount2": 39, "pivot_root": 41, "ptrace": 117,
                             "process_vm_readv": 270, "process_vm_writev": 271, "keyctl": 219,
                             "add_key": 217, "request_key": 218, "bpf": 280, "userfaultfd": 282,
                             "perf_event_open": 241, "open_by_handle_at": 265,
                             "memfd_create": 279, "shmget": 194, "fcntl": 25, **UNIFIED}),
}
NAMESPACE_FLAGS = 0x7E020080   # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME

LD_W_ABS, JEQ_K, JSET_K, JGE_K, RET_K = 0x20, 0x15, 0x45, 0x35, 0x06
ALLOW, KILL = 0x7FFF0000, 0x80000000
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
F_SETLEASE = 1024
ARGUMENTS_CHECKED = ("clone", "fcntl")   # refused for some arguments only (below)


def _errno(code):
    return 0x00050000 | code


def program(arch=None):
    """The filter's instructions as (code, jt, jf, k) tuples."""
    audit_arch, numbers = ARCHES[arch or platform.machine()]
    insns = [(LD_W_ABS, 0, 0, 4), (JEQ_K, 1, 0, audit_arch), (RET_K, 0, 0, KILL),
             (LD_W_ABS, 0, 0, 0)]
    if audit_arch == ARCHES["x86_64"][0]:   # the x32 ABI's numbers: refused
        insns += [(JGE_K, 0, 1, 0x40000000), (RET_K, 0, 0, _errno(errno.EPERM))]
    for name, number in numbers.items():
        if name in ARGUMENTS_CHECKED:
            continue
        code = errno.ENOSYS if name == "clone3" else errno.EPERM
        insns += [(JEQ_K, 0, 1, number), (RET_K, 0, 0, _errno(code))]
    insns += [(JEQ_K, 0, 4, numbers["fcntl"]), (LD_W_ABS, 0, 0, 24),   # fcntl's command (args[1])
              (JEQ_K, 0, 1, F_SETLEASE), (RET_K, 0, 0, _errno(errno.EPERM)), (RET_K, 0, 0, ALLOW)]
    insns += [(JEQ_K, 0, 3, numbers["clone"]), (LD_W_ABS, 0, 0, 16),   # clone's flags (args[0])
              (JSET_K, 0, 1, NAMESPACE_FLAGS), (RET_K, 0, 0, _errno(errno.EPERM)),
              (RET_K, 0, 0, ALLOW)]
    return insns


def install():
    """Apply the filter to this process and all it starts (needs no_new_privs set first).
    On an architecture not listed, nothing is installed (the namespaces still confine)."""
    if platform.machine() not in ARCHES:
        return False
    insns = program()
    raw = b"".join(struct.pack("HBBI", *i) for i in insns)
    buffer = ctypes.create_string_buffer(raw, len(raw))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Prog(len(insns), ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "installing the seccomp filter")
    return True
