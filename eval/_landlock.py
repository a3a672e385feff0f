"""Landlock (Linux 5.13+) through ctypes: read-only access to a list of paths.

After :func:`restrict` the calling process (and all its threads, via the
kernel's ruleset inheritance) can read and execute files only beneath the
given paths, write nowhere, make or remove nothing, and, where the kernel's
Landlock ABI offers it, connect or bind no TCP port (ABI 4), use no device
ioctls (ABI 5), and signal no process or reach no abstract Unix socket
outside its own domain (ABI 6). :func:`abi_version` returns 0 where the
kernel has no Landlock, and the sandbox then relies on seccomp alone.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from collections.abc import Iterable

__all__ = ["abi_version", "restrict"]

_CREATE_RULESET = 444
_ADD_RULE = 445
_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

_EXECUTE = 1 << 0
_WRITE_FILE = 1 << 1
_READ_FILE = 1 << 2
_READ_DIR = 1 << 3
_ABI1_ALL = (1 << 13) - 1  # execute .. make_sym
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3
_IOCTL_DEV = 1 << 15  # ABI 5
_NET_ALL = 0b11  # bind_tcp, connect_tcp: ABI 4
_SCOPE_ALL = 0b11  # abstract unix sockets, signals: ABI 6

_FILE_RIGHTS = _EXECUTE | _READ_FILE
_DIR_RIGHTS = _EXECUTE | _READ_FILE | _READ_DIR


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI version, or 0 where Landlock is missing or disabled."""
    try:
        version = _libc().syscall(_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _handled(abi: int) -> tuple[int, int, int]:
    fs = _ABI1_ALL
    if abi >= 2:
        fs |= _REFER
    if abi >= 3:
        fs |= _TRUNCATE
    if abi >= 5:
        fs |= _IOCTL_DEV
    return fs, (_NET_ALL if abi >= 4 else 0), (_SCOPE_ALL if abi >= 6 else 0)


def restrict(
    readable: Iterable[str], writable: Iterable[str] = (), devices: Iterable[str] = ()
) -> int:
    """Confine the calling thread (and threads it starts) to reading ``readable``.

    ``readable`` holds files or folders; ``writable`` files that may also be
    opened for writing (``/dev/null``) and folders that may be changed;
    ``devices`` device files that may be opened read-write and sent ioctls (a
    GPU's, for a checkpoint folder run with ``device="cuda"``). Paths that do
    not exist are skipped. Returns the ABI version used.

    Raises
    ------
    OSError
        Landlock is missing, or the kernel refused the ruleset.
    """
    abi = abi_version()
    if abi < 1:
        raise OSError(errno.ENOSYS, "Landlock is not available")
    libc = _libc()
    fs, net, scoped = _handled(abi)
    if abi >= 6:
        attr = struct.pack("=QQQ", fs, net, scoped)
    elif abi >= 4:
        attr = struct.pack("=QQ", fs, net)
    else:
        attr = struct.pack("=Q", fs)
    attr_buffer = ctypes.create_string_buffer(attr, len(attr))
    ruleset = libc.syscall(_CREATE_RULESET, attr_buffer, len(attr), 0)
    if ruleset < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock_create_ruleset: {os.strerror(err)}")
    try:
        rules: list[tuple[str, int | None]] = [(path, None) for path in dict.fromkeys(readable)]
        # a writable folder gets every right (the empty working folder); a file, writing
        rules += [
            (path, fs if os.path.isdir(path) else _FILE_RIGHTS | _WRITE_FILE) for path in writable
        ]
        device_rights = _FILE_RIGHTS | _WRITE_FILE | (_IOCTL_DEV if abi >= 5 else 0)
        rules += [(path, device_rights) for path in devices]
        for path, wanted in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rights = wanted or (_DIR_RIGHTS if os.path.isdir(path) else _FILE_RIGHTS)
                rule = struct.pack("=Qi", rights, fd)
                rule_buffer = ctypes.create_string_buffer(rule, len(rule))
                if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, rule_buffer, 0) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"landlock_add_rule({path}): {os.strerror(err)}")
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(err)}")
        if libc.syscall(_RESTRICT_SELF, ruleset, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(ruleset)
    return abi
