"""The user's own copy of a dataset release: a folder or an archive, read in place.

External tasks never download anything and never copy data into the
repository. A user points ``--data`` at what they have: the unpacked folder,
the original ``.zip``/``.tar.gz``/``.tar.bz2``, or a folder holding such
archives (one level of nesting, as RumourEval 2019 ships a tarball of zips).
Files are found by their path's tail, so the folder may be named anything
and may sit at any depth. Every file read is hashed, and the hashes go into
the results file.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from denialbench._errors import InputError

__all__ = ["ReleaseCopy", "open_release"]

_ZIP = (".zip",)
_TAR = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz")


def _is_archive(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(_ZIP + _TAR)


def _archive_members(name: str, blob: bytes) -> Iterator[tuple[str, bytes]]:
    """(path inside, bytes) for every regular file of an archive held in memory."""
    lower = name.lower()
    try:
        if lower.endswith(_ZIP):
            with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        yield info.filename, archive.read(info)
        else:
            with tarfile.open(fileobj=io.BytesIO(blob), mode="r:*") as archive:
                for member in archive:
                    if member.isfile():
                        handle = archive.extractfile(member)
                        if handle is not None:
                            yield member.name, handle.read()
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise InputError(
            f"{name}: not a readable archive ({exc}); unpack it or give the folder instead"
        ) from None


@dataclass
class ReleaseCopy:
    """The files of a user's copy, by their path relative to what was given.

    Paths use ``/``; a file inside an archive is named ``archive.zip!/inner/path``.
    Folder files are read lazily (only the ones a loader asks for); archive
    members are held in memory, which is fine for these releases (tens of MB).
    """

    root: Path
    paths: dict[str, Path | bytes]  # relative name -> file on disk, or archive member bytes
    hashes: dict[str, str] = field(default_factory=dict)
    # archives found in a folder, opened only when the plain files lack something
    archives: list[tuple[str, Path]] = field(default_factory=list)

    def expand_archives(self) -> None:
        """Index the members of the folder's archives (once)."""
        pending, self.archives = self.archives, []
        for rel, file in pending:
            _add_archive(self.paths, rel, file.name, file.read_bytes(), 0)

    def find(self, tail: str) -> list[str]:
        """Every name whose path ends with ``tail`` (whole path components), sorted."""
        parts = tuple(PurePosixPath(tail).parts)
        found = [
            name
            for name in self.paths
            if tuple(PurePosixPath(name.replace("!/", "/")).parts[-len(parts) :]) == parts
        ]
        if not found and self.archives:
            self.expand_archives()
            return self.find(tail)
        return sorted(found)

    def find_one(self, tail: str) -> str | None:
        """The shortest name ending with ``tail`` (the top-most copy), or None."""
        found = self.find(tail)
        return min(found, key=lambda n: (n.count("/"), n)) if found else None

    def under(self, folder_tail: str) -> list[str]:
        """Names that have ``folder_tail`` (whole components) somewhere in their folder path."""
        parts = tuple(PurePosixPath(folder_tail).parts)
        out = []
        for name in self.paths:
            components = PurePosixPath(name.replace("!/", "/")).parts[:-1]
            for start in range(len(components) - len(parts) + 1):
                if components[start : start + len(parts)] == parts:
                    out.append(name)
                    break
        return sorted(out)

    def read(self, name: str, *, record: bool = True) -> bytes:
        """The bytes of ``name``; with ``record``, its SHA-256 goes into ``hashes``."""
        where = self.paths[name]
        if isinstance(where, Path):
            try:
                blob = where.read_bytes()
            except OSError as exc:
                raise InputError(f"{where}: cannot read ({exc.strerror})") from None
        else:
            blob = where
        if record:
            # keyed by the file's own name, so a folder, an archive or another
            # parent folder holding the same release give the same hashes
            self.hashes[PurePosixPath(name).name] = hashlib.sha256(blob).hexdigest()
        return blob

    def record_group(self, label: str, names: list[str], blobs: list[bytes]) -> None:
        """One digest for many small files (thread folders), so results stay small.

        Each file enters under its last three path components
        (``<thread>/replies/<id>.json``), which do not depend on where the
        copy sits.
        """
        digest = hashlib.sha256()
        tails = ["/".join(PurePosixPath(n.replace("!/", "/")).parts[-3:]) for n in names]
        for tail, blob in sorted(zip(tails, blobs, strict=True)):
            digest.update(tail.encode("utf-8") + b"\0" + hashlib.sha256(blob).digest())
        self.hashes[f"{label} ({len(names)} files)"] = digest.hexdigest()

    def where(self, name: str) -> str:
        """A path a message can show: the file on disk, or ``root!/member``."""
        found = self.paths[name]
        return str(found) if isinstance(found, Path) else f"{self.root}/{name}"

    def combined_sha256(self) -> str:
        """One digest of every file read: the ``data.sha256`` of the results file."""
        digest = hashlib.sha256()
        for name in sorted(self.hashes):
            digest.update(f"{name}\0{self.hashes[name]}\n".encode())
        return digest.hexdigest()


def _add_archive(paths: dict[str, Path | bytes], prefix: str, name: str, blob: bytes, depth: int):
    for inner, data in _archive_members(name, blob):
        key = f"{prefix}!/{inner.lstrip('/')}"
        if depth < 1 and _is_archive(inner):
            _add_archive(paths, key, inner, data, depth + 1)
        else:
            paths[key] = data


def open_release(path: Path | str) -> ReleaseCopy:
    """Index a folder or an archive (and the archives inside it, one level)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder; give your copy of the release")
    paths: dict[str, Path | bytes] = {}
    archives: list[tuple[str, Path]] = []
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if not file.is_file() or any(p.startswith(".") for p in file.relative_to(path).parts):
                continue
            rel = file.relative_to(path).as_posix()
            if _is_archive(file.name):
                archives.append((rel, file))
            else:
                paths[rel] = file
    elif _is_archive(path.name):
        _add_archive(paths, path.name, path.name, path.read_bytes(), 0)
    else:
        # one file of a release: its folder holds the others
        return open_release(path.parent)
    return ReleaseCopy(path, paths, archives=archives)
