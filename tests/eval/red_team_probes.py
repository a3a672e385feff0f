"""Red-team stand-ins run inside the sandbox by tests/eval/test_red_team.py.

Each function plays a model file that has somehow gained code execution and
tries a way out that the seccomp filter does not list by name. It raises an
error that says what the kernel answered, so the test reads the outcome from
the parent's message.
"""

from __future__ import annotations

import ctypes
import os

_IPC_PRIVATE = 0
_IPC_CREAT = 0o1000
_IPC_RMID = 0


def sysv_shared_memory():
    """Create a System V shared-memory segment: a kernel object that outlives the process."""
    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(_IPC_PRIVATE, 4096, _IPC_CREAT | 0o600)
    if segment >= 0:
        libc.shmctl(segment, _IPC_RMID, None)  # leave nothing behind on the test machine
        raise ValueError("shmget: created")
    raise ValueError(f"shmget: refused ({os.strerror(ctypes.get_errno())})")


def renice(pid):
    """Lower the priority of another process of the same user."""
    try:
        os.setpriority(os.PRIO_PROCESS, int(pid), 19)
    except OSError as exc:
        raise ValueError(f"setpriority: refused ({exc.strerror})") from None
    raise ValueError("setpriority: changed")


def pin(pid):
    """Pin another process of the same user to one CPU."""
    try:
        os.sched_setaffinity(int(pid), {0})
    except OSError as exc:
        raise ValueError(f"sched_setaffinity: refused ({exc.strerror})") from None
    raise ValueError("sched_setaffinity: changed")
