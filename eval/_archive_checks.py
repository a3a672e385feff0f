"""Checks on a ``.skops`` archive before skops reads any of it.

skops inflates the zip members it needs (the schema, then every ``.npy`` and
``.npz``) and numpy allocates an array from the shape its header announces.
A small file can therefore announce gigabytes. Here the archive's directory
and every array header are read first (headers only, a few hundred bytes
each) and checked against caps on total size and compression ratio.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import numpy as np

from denialbench._errors import InputError, UnsafeModelError
from denialbench.eval._reconstructors import dtype_problem, show

__all__ = ["MAX_ARCHIVE_BYTES", "MAX_COMPRESSION_RATIO", "check_skops_archive"]

#: Total uncompressed size of a model archive, all members together.
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
#: Inflation factor allowed for a member larger than ``_RATIO_FLOOR`` bytes.
#: Deflate cannot exceed about 1030:1. Real members can come close: the shipped
#: claim_only model holds a 1.3 MB block of zero coefficients (a claim alone
#: carries no signal, so regularisation zeroes them) that deflates about 950:1.
#: Under the floor a member cannot inflate far; MAX_ARCHIVE_BYTES bounds the sum.
MAX_COMPRESSION_RATIO = 250
_RATIO_FLOOR = 16 * 1024 * 1024
_MAX_MEMBERS = 100_000


def _check_members(infos: list[zipfile.ZipInfo], where: str) -> int:
    if len(infos) > _MAX_MEMBERS:
        raise UnsafeModelError(f"{where}: refused: it holds {len(infos)} members")
    total = sum(info.file_size for info in infos)
    if total > MAX_ARCHIVE_BYTES:
        raise UnsafeModelError(
            f"{where}: refused: it inflates to {total // 2**20} MiB, more than the "
            f"{MAX_ARCHIVE_BYTES // 2**20} MiB a model may take, as a likely decompression bomb"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO:
            raise UnsafeModelError(
                f"{where}: refused: member {show(info.filename)} inflates {ratio:.0f} times, "
                "as a likely decompression bomb"
            )
    return total


def _check_npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    with archive.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        except (Exception, RecursionError) as exc:
            raise InputError(
                f"{where}: member {show(info.filename)} is not a readable array "
                f"({type(exc).__name__})"
            ) from None
    problem = dtype_problem(dtype, allow_structured=True)
    if problem:
        raise UnsafeModelError(
            f"{where}: refused: member {show(info.filename)} holds an array of {problem}"
        )
    if math.prod(shape) * dtype.itemsize > info.file_size:
        raise UnsafeModelError(
            f"{where}: refused: member {show(info.filename)} announces an array of shape "
            f"{show(str(shape))}, larger than its data, as a memory bomb"
        )


def _check_archive(archive: zipfile.ZipFile, where: str, depth: int) -> int:
    infos = archive.infolist()
    total = _check_members(infos, where)
    for info in infos:
        name = info.filename.lower()
        if name.endswith(".npy"):
            _check_npy_header(archive, info, where)
        elif name.endswith(".npz") and depth == 0:
            # scipy's sparse matrices: a zip inside the zip, read the same way
            inner = zipfile.ZipFile(io.BytesIO(archive.read(info)))
            total += _check_archive(inner, f"{where} ({show(info.filename)})", depth + 1)
        elif name.endswith(".npz"):
            raise UnsafeModelError(f"{where}: refused: archives nested more than one level")
    if total > MAX_ARCHIVE_BYTES:
        raise UnsafeModelError(f"{where}: refused: it inflates to more than a model may take")
    return total


def check_skops_archive(path: Path) -> int:
    """Check a .skops archive's sizes and array headers; return its uncompressed size."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive, str(path), 0)
    except InputError:
        raise
    except (Exception, RecursionError) as exc:
        # a damaged directory, an unknown compression method, an encrypted
        # member, a bad CRC: not a model archive either way
        raise InputError(
            f"{path}: not a readable .skops file ({type(exc).__name__}: {show(str(exc), 120)})"
        ) from None
