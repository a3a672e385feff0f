"""A seccomp-BPF filter for the model process, built and installed with ctypes.

The filter is the part of the sandbox that holds for root too (root ignores
``RLIMIT_NPROC`` and file permissions). Once installed it cannot be lifted,
and it is inherited by nothing, because nothing can be started:

- no new processes or programs: ``fork``, ``vfork``, ``execve``, ``execveat``
  and ``clone`` fail with EPERM; ``clone3`` fails with ENOSYS so that glibc
  falls back to ``clone`` (whose flags a filter can read) and gets EPERM.
  Threads are ``clone`` calls too, so after the BLAS pool has started no
  thread can be started either;
- no file writes: ``open``/``openat`` with a write, create, truncate or
  append flag, ``creat``, ``openat2`` (its flags sit behind a pointer), and
  every call that makes, removes, renames, links or changes a file fail;
  data can only leave through the descriptors the process already holds
  (the pipes back to the parent);
- no System V shared memory, semaphores or message queues (they outlive the
  process and reach the user's other processes), no changing the priority or
  scheduling of any process but itself;
- no network, no signals to other processes, no new namespaces, no raising
  of resource limits, no ptrace, io_uring, bpf, keyrings or kernel modules.

Only x86-64 is supported; elsewhere :func:`install` reports that it is not
available and the sandbox relies on its other walls.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

__all__ = ["available", "install"]

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000

_RET_ALLOW = 0x7FFF0000
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000

# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

# offsets in struct seccomp_data
_NR = 0
_ARCH = 4


def _arg_low(index: int) -> int:
    return 16 + 8 * index


def _arg_high(index: int) -> int:
    return 16 + 8 * index + 4


_OPEN_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000  # WRONLY RDWR CREAT TRUNC APPEND
_CLONE_THREAD = 0x00010000

# x86-64 system call numbers
_SYS = {
    "open": 2,
    "shmget": 29,
    "shmat": 30,
    "shmctl": 31,
    "semget": 64,
    "semop": 65,
    "semctl": 66,
    "msgget": 68,
    "msgsnd": 69,
    "msgrcv": 70,
    "msgctl": 71,
    "socket": 41,
    "connect": 42,
    "accept": 43,
    "bind": 49,
    "listen": 50,
    "socketpair": 53,
    "clone": 56,
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "kill": 62,
    "truncate": 76,
    "rename": 82,
    "mkdir": 83,
    "rmdir": 84,
    "creat": 85,
    "link": 86,
    "unlink": 87,
    "symlink": 88,
    "chmod": 90,
    "fchmod": 91,
    "chown": 92,
    "fchown": 93,
    "lchown": 94,
    "ptrace": 101,
    "rt_sigqueueinfo": 129,
    "utime": 132,
    "mknod": 133,
    "personality": 135,
    "setpriority": 141,
    "sched_setparam": 142,
    "sched_setscheduler": 144,
    "pivot_root": 155,
    "adjtimex": 159,
    "setrlimit": 160,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "sethostname": 170,
    "setdomainname": 171,
    "init_module": 175,
    "delete_module": 176,
    "setxattr": 188,
    "lsetxattr": 189,
    "fsetxattr": 190,
    "removexattr": 197,
    "lremovexattr": 198,
    "fremovexattr": 199,
    "tkill": 200,
    "sched_setaffinity": 203,
    "semtimedop": 220,
    "clock_settime": 227,
    "tgkill": 234,
    "utimes": 235,
    "kexec_load": 246,
    "ioprio_set": 251,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "openat": 257,
    "mkdirat": 258,
    "mknodat": 259,
    "fchownat": 260,
    "futimesat": 261,
    "unlinkat": 263,
    "renameat": 264,
    "linkat": 265,
    "symlinkat": 266,
    "fchmodat": 268,
    "unshare": 272,
    "utimensat": 280,
    "accept4": 288,
    "rt_tgsigqueueinfo": 297,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "prlimit64": 302,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "renameat2": 316,
    "sched_setattr": 314,
    "memfd_create": 319,
    "kexec_file_load": 320,
    "bpf": 321,
    "execveat": 322,
    "userfaultfd": 323,
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "clone3": 435,
    "openat2": 437,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
    "memfd_secret": 447,
    "fchmodat2": 452,
}

# words grouped under comments read better than a 100-item list literal
_DENIED = (  # noqa: SIM905
    # processes and programs (clone is handled apart)
    "fork vfork execve execveat "
    # changing the file system
    "creat truncate rename renameat renameat2 mkdir mkdirat rmdir unlink unlinkat link linkat "
    "symlink symlinkat chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat mknod "
    "mknodat utime utimes futimesat utimensat setxattr lsetxattr fsetxattr removexattr "
    "lremovexattr fremovexattr memfd_create memfd_secret name_to_handle_at open_by_handle_at "
    # mounts, namespaces and the machine
    "mount umount2 pivot_root chroot open_tree move_mount fsopen fsconfig fsmount fspick "
    "mount_setattr unshare setns swapon swapoff acct reboot sethostname setdomainname "
    "settimeofday clock_settime adjtimex init_module finit_module delete_module kexec_load "
    "kexec_file_load personality "
    # network
    "socket socketpair connect bind listen accept accept4 "
    # other processes, signals and kernel interfaces that bypass the filter
    "ptrace process_vm_readv process_vm_writev tkill rt_sigqueueinfo rt_tgsigqueueinfo "
    "pidfd_send_signal pidfd_getfd perf_event_open bpf userfaultfd fanotify_init add_key "
    "request_key keyctl io_uring_setup io_uring_enter io_uring_register setrlimit "
    # System V IPC: its objects outlive the process and are shared with the user's others
    "shmget shmat shmctl semget semop semctl semtimedop msgget msgsnd msgrcv msgctl "
    # priorities of other processes: with who=0, PRIO_USER means every process of the user
    "setpriority ioprio_set"
).split()


def available() -> bool:
    """Whether this machine's architecture is one the filter is written for."""
    return platform.machine() in ("x86_64", "AMD64") and hasattr(ctypes, "CDLL")


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, 0, 0, k & 0xFFFFFFFF)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _errno(code: int) -> bytes:
    return _stmt(_RET_K, _RET_ERRNO | code)


def _rule(syscall: str, block: list[bytes]) -> list[bytes]:
    """``if nr == syscall: <block>`` (the block always returns)."""
    return [_jump(_JEQ_K, _SYS[syscall], 0, len(block)), *block]


def _flags_block(arg: int) -> list[bytes]:
    """Refuse if the open flags in argument ``arg`` ask for writing."""
    return [
        _stmt(_LD_W_ABS, _arg_low(arg)),
        _jump(_JSET_K, _OPEN_WRITE_FLAGS, 0, 1),
        _errno(errno.EPERM),
        _stmt(_RET_K, _RET_ALLOW),
    ]


def _arg_equals_block(arg: int, value: int) -> list[bytes]:
    """Allow only if the 64-bit argument ``arg`` equals ``value``; EPERM otherwise."""
    return [
        _stmt(_LD_W_ABS, _arg_low(arg)),
        _jump(_JEQ_K, value & 0xFFFFFFFF, 0, 3),
        _stmt(_LD_W_ABS, _arg_high(arg)),
        _jump(_JEQ_K, (value >> 32) & 0xFFFFFFFF, 0, 1),
        _stmt(_RET_K, _RET_ALLOW),
        _errno(errno.EPERM),
    ]


def build_program(*, allow_threads: bool, pid: int) -> bytes:
    """The filter as packed ``struct sock_filter`` instructions."""
    program = [
        _stmt(_LD_W_ABS, _ARCH),
        _jump(_JEQ_K, _AUDIT_ARCH_X86_64, 1, 0),
        _stmt(_RET_K, _RET_KILL_PROCESS),
        _stmt(_LD_W_ABS, _NR),
        # x32 calls are numbered above this bit and would dodge every rule below
        _jump(_JGE_K, _X32_SYSCALL_BIT, 0, 1),
        _errno(errno.ENOSYS),
    ]
    for name in _DENIED:
        program += _rule(name, [_errno(errno.EPERM)])
    program += _rule("clone3", [_errno(errno.ENOSYS)])
    if allow_threads:
        thread_only = [
            _stmt(_LD_W_ABS, _arg_low(0)),
            _jump(_JSET_K, _CLONE_THREAD, 0, 1),
            _stmt(_RET_K, _RET_ALLOW),
            _errno(errno.EPERM),
        ]
        program += _rule("clone", thread_only)
    else:
        program += _rule("clone", [_errno(errno.EPERM)])
    program += _rule("open", _flags_block(1))
    program += _rule("openat", _flags_block(2))
    program += _rule("openat2", [_errno(errno.ENOSYS)])
    # signals only to this process itself (Python's abort and faulthandler use them)
    program += _rule("kill", _arg_equals_block(0, pid))
    program += _rule("tgkill", _arg_equals_block(0, pid))
    # prlimit64 with a NULL new limit is how glibc reads a limit; setting one is refused
    program += _rule("prlimit64", _arg_equals_block(2, 0))
    # scheduling only of this thread (pid 0): another process could be pinned or starved
    for name in ("sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr"):
        program += _rule(name, _arg_equals_block(0, 0))
    program.append(_stmt(_RET_K, _RET_ALLOW))
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(*, allow_threads: bool = False) -> None:
    """Install the filter on the calling process (all its threads).

    Raises
    ------
    OSError
        The kernel refused the filter (no seccomp, or an unsupported machine).
    """
    if not available():
        raise OSError(errno.ENOSYS, f"no seccomp filter for {platform.machine()}")
    program = build_program(allow_threads=allow_threads, pid=os.getpid())
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(err)}")
    # seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) applies to every thread, the BLAS pool's too
    seccomp_nr, set_mode_filter, flag_tsync = 317, 1, 1
    result = libc.syscall(seccomp_nr, set_mode_filter, flag_tsync, ctypes.byref(prog))
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp(SET_MODE_FILTER): {os.strerror(err)}")
