"""The sandboxed scorer: model files are loaded and run in a walled-off child process.

A model file is hostile until proven otherwise, and checking its classes one
by one cannot rule out a data-only gadget (a memory bomb, an endless loop, a
crash in a C extension, an estimator parameter that writes a folder or
starts workers). So :class:`ModelProcess` runs the loading and predicting in
a child (:mod:`denialbench.eval._sandbox_child`) with:

- an address-space limit (``RLIMIT_AS``, 4 GiB unless told otherwise);
- a CPU-time limit and a wall-clock timeout, both scaled to the number of
  items: ``base + per_item * n_items`` (see :class:`SandboxLimits`);
- a seccomp filter: no new processes, programs or threads, no file writes,
  no network (:mod:`denialbench.eval._seccomp`);
- Landlock where the kernel has it: reads only beneath the Python
  installation, the packages, system libraries and the model file
  (:mod:`denialbench.eval._landlock`);
- an empty temporary working directory and a scrubbed environment.

A checkpoint folder (:mod:`denialbench.eval._hf_folder`) runs behind the same
walls, with a larger CPU and wall-clock allowance per item (a transformer
costs far more per item than a linear model) and, with ``device="cuda"``, a
GPU: its driver is started before the walls go up, and the memory limit is
then on data (``RLIMIT_DATA``), because the driver reserves more address
space than it ever uses.

Only labels and probabilities come back, as raw bytes whose dtype and shape
are fixed in advance and checked here; nothing from the child is unpickled.
A crash, a kill or a timeout becomes a :class:`ModelProcessError` naming
what happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from denialbench._errors import (
    InputError,
    ModelBehaviourError,
    ModelProcessError,
    UnsafeModelError,
)
from denialbench.corpus._schema import LABELS

__all__ = [
    "CPU_BASE_S",
    "CPU_PER_ITEM_S",
    "DEFAULT_MEMORY_BYTES",
    "NEURAL_CPU_PER_ITEM_S",
    "NEURAL_WALL_PER_ITEM_S",
    "WALL_BASE_S",
    "WALL_PER_ITEM_S",
    "ModelProcess",
    "SandboxLimits",
    "format_size",
    "parse_size",
]

DEFAULT_MEMORY_BYTES = 4 * 2**30
# Generous on purpose: the embedding baseline imports torch and encodes on one thread,
# and a busy machine stretches the wall clock; the limits are there to end runaways.
#: CPU seconds allowed = CPU_BASE_S + CPU_PER_ITEM_S * items (start-up and loading included)
CPU_BASE_S = 120.0
CPU_PER_ITEM_S = 0.05
#: wall-clock seconds allowed = WALL_BASE_S + WALL_PER_ITEM_S * items
WALL_BASE_S = 300.0
WALL_PER_ITEM_S = 0.1
#: CPU and wall-clock seconds per item for a checkpoint folder (a transformer per item)
NEURAL_CPU_PER_ITEM_S = 0.5
NEURAL_WALL_PER_ITEM_S = 1.0
#: BLAS and OpenMP threads in the model process. One, because the seccomp filter forbids
#: every new thread once it is installed, and OpenBLAS tears its pool down on any fork
#: attempt and would then need to start it again.
THREADS = 1

_MAX_MESSAGE_CHARS = 1000
_MAX_HEADER_BYTES = 64 * 1024
_STDERR_TAIL_BYTES = 4096
_EXIT_GRACE_S = 5.0
_PROBA_TOLERANCE = 1e-3
_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str | int) -> int:
    """Bytes from ``4GiB``, ``512MiB``, ``4G``, ``4096M`` or a plain number of bytes."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        raw = str(text).strip().lower().replace(" ", "")
        for suffix in ("ib", "b"):
            if raw.endswith(suffix) and raw[: -len(suffix)][-1:].isalpha():
                raw = raw[: -len(suffix)]
                break
        unit = raw[-1:] if raw[-1:].isalpha() else ""
        try:
            value = int(float(raw[: len(raw) - len(unit)]) * _UNITS[unit])
        except (KeyError, ValueError):
            value = -1
    if value < 64 * 2**20:
        raise InputError(
            f"'memory limit' must be a size of at least 64MiB such as 4GiB or 512MiB (got {text!r})"
        )
    return value


def format_size(n_bytes: int) -> str:
    """``4 GiB``, ``512 MiB``: the unit that gives the shortest figure."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= factor:
            value = n_bytes / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n_bytes} B"


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for the model process.

    Parameters
    ----------
    memory : int or str
        Address-space limit, bytes or a size such as ``"4GiB"``.
    cpu_seconds : float, optional
        CPU seconds; by default ``CPU_BASE_S + CPU_PER_ITEM_S * n_items``.
    wall_seconds : float, optional
        Wall-clock seconds from start-up to the result; by default
        ``WALL_BASE_S + WALL_PER_ITEM_S * n_items``.
    """

    memory: int | str = DEFAULT_MEMORY_BYTES
    cpu_seconds: float | None = None
    wall_seconds: float | None = None

    def __post_init__(self) -> None:
        parse_size(self.memory)
        for name in ("cpu_seconds", "wall_seconds"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise InputError(f"'{name}' must be > 0 seconds (got {value!r})")

    @property
    def memory_bytes(self) -> int:
        return parse_size(self.memory)

    def cpu_for(self, n_items: int, *, neural: bool = False) -> float:
        per_item = NEURAL_CPU_PER_ITEM_S if neural else CPU_PER_ITEM_S
        return self.cpu_seconds or CPU_BASE_S + per_item * n_items

    def wall_for(self, n_items: int, *, neural: bool = False) -> float:
        per_item = NEURAL_WALL_PER_ITEM_S if neural else WALL_PER_ITEM_S
        return self.wall_seconds or WALL_BASE_S + per_item * n_items


def clean_text(text: str, limit: int = _MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, control and other unprintable characters escaped."""
    cut = text[:limit]
    shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in cut)
    return shown + (f" ... ({len(text) - limit} more characters)" if len(text) > limit else "")


def _environment(workdir: str) -> dict[str, str]:
    """The child's whole environment: nothing of the user's, threads pinned."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": workdir,
        "TMPDIR": workdir,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        # transformers: no progress bars (tqdm's monitor is a thread) and no loading
        # thread pool; the filter refuses new threads once it is up
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_DEACTIVATE_ASYNC_LOAD": "1",
        # pyarrow's jemalloc starts a background thread unless told not to; the
        # process must be single-threaded when Landlock (a per-thread wall) goes up
        "JE_ARROW_MALLOC_CONF": "background_thread:false",
    }
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "BLIS_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    ):
        env[name] = str(THREADS)
    return env


def _import_path() -> list[str]:
    return [os.path.abspath(entry or os.curdir) for entry in sys.path if isinstance(entry, str)]


def _strings(values: Any) -> list:
    if hasattr(values, "to_pylist"):
        return values.to_pylist()
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)


class ModelProcess:
    """One sandboxed child that loads ``path`` and predicts one batch of items.

    Start it early (it imports numpy and scikit-learn while the caller reads
    its data), call :meth:`predict` once, and close it (a context manager).
    ``path`` is a model file or a checkpoint folder; ``device`` (``cpu`` or
    ``cuda``, see :func:`~denialbench.eval._hf_folder.resolve_device`) is
    where a folder runs.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        trust_pickle: bool = False,
        trusted_types: list[str] | tuple = (),
        limits: SandboxLimits | None = None,
        device: str = "cpu",
        _probe: dict[str, Any] | None = None,
    ) -> None:
        self.display = str(path)
        self._absolute = str(Path(path).absolute())
        self.limits = limits or SandboxLimits()
        self.folder = _probe is None and Path(path).is_dir()
        self._workdir = tempfile.mkdtemp(prefix="denialbench-model-")
        settings = {
            "model": None if _probe else self._absolute,
            "folder": self.folder,
            "device": device if self.folder else "cpu",
            "probe": _probe,
            "trust_pickle": trust_pickle,
            "trusted_types": list(trusted_types),
            "memory_bytes": self.limits.memory_bytes,
            # a pickle the user vouches for, or types named with --trust-type, may come
            # from the user's own modules, so those runs get this process's import path
            # (and may read it); others do not
            "extra_path": _import_path() if trust_pickle or trusted_types else [],
        }
        self._started = time.monotonic()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-m", "denialbench.eval._sandbox_child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self._workdir,
                env=_environment(self._workdir),
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            shutil.rmtree(self._workdir, ignore_errors=True)
            raise ModelProcessError(
                f"{self.display}: could not start the model process: {exc}"
            ) from None
        # all three are pipes (PIPE above); typed once here
        self._stdin = cast(IO[bytes], self._proc.stdin)
        self._stdout = cast(IO[bytes], self._proc.stdout)
        self._stderr = cast(IO[bytes], self._proc.stderr)
        self._stdin.write(json.dumps(settings).encode() + b"\n")
        self._stdin.flush()
        self._rusage: Any = None
        self.walls: dict[str, Any] = {}

    def __enter__(self) -> ModelProcess:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Kill the child if it still runs, reap it and remove its working directory."""
        proc = self._proc
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            self._reap()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None and not stream.closed:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _reap(self, timeout: float | None = None) -> bool:
        """Wait for the child (at most ``timeout`` s) and keep its resource usage."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, rusage = os.wait4(self._proc.pid, 0 if end is None else os.WNOHANG)
            if pid:
                self._proc.returncode = os.waitstatus_to_exitcode(status)
                self._rusage = rusage
                return True
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.01)

    # -------------------------------------------------------------- exchange

    def predict(self, data: Any) -> tuple[np.ndarray, np.ndarray | None, str]:
        """Label codes, probabilities (LABELS order, or None) and the model's class name."""
        n = len(data)
        items = {
            "id": _strings(data.id_array()),
            "claim": _strings(data.claim),
            "response": _strings(data.response),
        }
        if self.folder:
            # a folder's input template may name these; other models see id, claim, response
            items.update({name: _strings(values) for name, values in data.extra.items()})
        request = {"cpu_seconds": self.limits.cpu_for(n, neural=self.folder), "items": items}
        body = json.dumps(request).encode() + b"\n"
        deadline = self._started + self.limits.wall_for(n, neural=self.folder)
        results, stderr_tail, outcome = self._exchange(body, deadline, n)
        if outcome == "complete":
            if not self._reap(_EXIT_GRACE_S):
                self._proc.kill()
                self._reap()
            return self._parse(results, n)
        if outcome == "timeout" or outcome == "overflow":
            self._proc.kill()
        self._reap()
        if outcome == "timeout":
            raise ModelProcessError(
                f"{self.display}: the model process was stopped after "
                f"{self.limits.wall_for(n, neural=self.folder):.0f} s of wall-clock time (the "
                f"limit for {n} items; raise it with --timeout)"
            )
        if outcome == "overflow":
            raise ModelProcessError(f"{self.display}: the model process sent more than a result")
        if results:
            return self._parse(results, n)
        while chunk := self._stderr.read(1 << 16):  # the child is gone: this ends
            stderr_tail = (stderr_tail + chunk)[-_STDERR_TAIL_BYTES:]
        raise self._death(n, stderr_tail)

    def _exchange(self, body: bytes, deadline: float, n: int) -> tuple[bytes, bytes, str]:
        """Send the items and collect the reply, until it is complete, EOF or the deadline."""
        cap = _MAX_HEADER_BYTES + 4 + n * (1 + 8 * len(LABELS))
        pending = memoryview(body)
        results = bytearray()
        stderr_tail = b""
        with selectors.DefaultSelector() as selector:
            os.set_blocking(self._stdin.fileno(), False)
            selector.register(self._stdin, selectors.EVENT_WRITE, "in")
            selector.register(self._stdout, selectors.EVENT_READ, "out")
            selector.register(self._stderr, selectors.EVENT_READ, "err")
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return bytes(results), stderr_tail, "timeout"
                for key, _ in selector.select(remaining):
                    if key.data == "in":
                        try:
                            pending = pending[os.write(key.fd, pending[: 1 << 20]) :]
                        except (BrokenPipeError, ConnectionResetError):
                            pending = pending[:0]
                        if not pending:
                            selector.unregister(key.fileobj)
                            self._stdin.close()
                        continue
                    chunk = os.read(key.fd, 1 << 20)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        if key.data == "out":
                            return bytes(results), stderr_tail, "eof"
                        continue
                    elif key.data == "err":
                        stderr_tail = (stderr_tail + chunk)[-_STDERR_TAIL_BYTES:]
                    else:
                        results += chunk
                        if len(results) > cap:
                            return b"", stderr_tail, "overflow"
                        if _complete(results):
                            return bytes(results), stderr_tail, "complete"

    def _death(self, n: int, stderr_tail: bytes) -> ModelProcessError:
        """The message for a child that ended without a reply."""
        code = self._proc.returncode
        cpu = self._rusage.ru_utime + self._rusage.ru_stime if self._rusage else 0.0
        cpu_limit = max(int(self.limits.cpu_for(n, neural=self.folder) + 0.999), 1)
        prefix = f"{self.display}: the model process"
        if code is not None and code < 0:
            number = -code
            if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu >= cpu_limit - 0.5):
                return ModelProcessError(
                    f"{prefix} was killed after {cpu_limit} s of CPU (the limit for {n} items; "
                    "raise it with --cpu-limit)"
                )
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            if number == signal.SIGKILL:
                return ModelProcessError(
                    f"{prefix} was killed with SIGKILL, by something outside it (often the "
                    "system's out-of-memory killer; try a lower --memory-limit)"
                )
            return ModelProcessError(
                f"{prefix} crashed with signal {name}; the model file is corrupt or hostile, "
                "or triggers a bug in a library"
            )
        detail = stderr_tail.decode("utf-8", "replace").strip().splitlines()
        last = clean_text(detail[-1], 500) if detail else "no output"
        return ModelProcessError(f"{prefix} exited with code {code} without a result ({last})")

    def _parse(self, results: bytes, n: int) -> tuple[np.ndarray, np.ndarray | None, str]:
        """Check the reply; raise its error, or return the arrays it carries."""
        header, payload = _split(results, self.display)
        walls = header.get("walls")
        self.walls = walls if isinstance(walls, dict) else {}
        if header.get("type") == "error":
            raise self._error(header)
        if header.get("type") != "result":
            raise _malformed(self.display, "an unknown message")
        pred_bytes = n
        if header.get("pred") != {"dtype": "|i1", "shape": [n]}:
            raise _malformed(self.display, "labels of the wrong type or shape")
        proba_spec = header.get("proba")
        if proba_spec not in (None, {"dtype": "<f8", "shape": [n, len(LABELS)]}):
            raise _malformed(self.display, "probabilities of the wrong type or shape")
        expected = pred_bytes + (n * len(LABELS) * 8 if proba_spec else 0)
        if len(payload) != expected:
            raise _malformed(self.display, f"{len(payload)} bytes of arrays, not {expected}")
        pred = np.frombuffer(payload, dtype=np.int8, count=n).copy()
        if ((pred < 0) | (pred >= len(LABELS))).any():
            raise _malformed(self.display, "label codes out of range")
        proba = None
        if proba_spec:
            proba = np.frombuffer(payload, dtype="<f8", offset=n).reshape(n, len(LABELS))
            proba = proba.astype(np.float64)
            rows_ok = np.isfinite(proba).all(axis=1) & (proba >= 0).all(axis=1)
            rows_ok &= np.abs(proba.sum(axis=1) - 1) <= _PROBA_TOLERANCE
            if not rows_ok.all():
                raise _malformed(self.display, "probabilities that are not distributions")
        name = header.get("class")
        name = clean_text(name, 200) if isinstance(name, str) else "unknown"
        return pred, proba, name

    def _error(self, header: dict[str, Any]) -> Exception:
        message = header.get("message")
        message = message if isinstance(message, str) else ""
        message = clean_text(message.replace(self._absolute, self.display))
        kind = header.get("kind")
        if kind == "memory":
            return ModelProcessError(
                f"{self.display}: the model process exceeded the "
                f"{format_size(self.limits.memory_bytes)} memory limit (raise it with "
                "--memory-limit)"
            )
        if kind == "unsafe":
            return UnsafeModelError(message)
        if kind == "input":
            return InputError(message)
        if kind == "behaviour":
            return ModelBehaviourError(f"{self.display}: {message}")
        if kind == "model":
            return ModelBehaviourError(f"{self.display}: the model raised {message}")
        return ModelProcessError(f"{self.display}: the model process failed: {message}")


def _probe_for_tests(
    module_file: Path | str,
    function: str,
    data: Any,
    *args: str,
    limits: SandboxLimits | None = None,
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Run ``function(*args)`` of the test module ``module_file`` in place of loading a model.

    What it returns is used as the model. For the tests of the walls only: the
    probe is named here, in the parent, so no model file can reach this path.
    """
    module_file = Path(module_file).absolute()
    probe: dict[str, Any] = {
        "path": str(module_file.parent),
        "module": module_file.stem,
        "function": function,
        "args": list(args),
    }
    with ModelProcess(module_file, limits=limits, _probe=probe) as process:
        return process.predict(data)


def _complete(results: bytearray) -> bool:
    """Whether ``results`` holds a whole message (header and the arrays it announces)."""
    if len(results) < 4:
        return False
    (size,) = struct.unpack(">I", results[:4])
    if len(results) < 4 + size or size > _MAX_HEADER_BYTES:
        return size > _MAX_HEADER_BYTES
    try:
        header = json.loads(bytes(results[4 : 4 + size]))
    except ValueError:
        return True
    return len(results) >= 4 + size + _payload_size(header)


def _payload_size(header: Any) -> int:
    if not isinstance(header, dict) or header.get("type") != "result":
        return 0
    total = 0
    for name, width in (("pred", 1), ("proba", 8)):
        spec = header.get(name)
        if isinstance(spec, dict) and isinstance(spec.get("shape"), list):
            count = 1
            for dim in spec["shape"]:
                count *= dim if isinstance(dim, int) and dim >= 0 else 0
            total += count * width
    return total


def _split(results: bytes, display: str) -> tuple[dict[str, Any], bytes]:
    if len(results) < 4:
        raise _malformed(display, "a truncated message")
    (size,) = struct.unpack(">I", results[:4])
    if size > _MAX_HEADER_BYTES or len(results) < 4 + size:
        raise _malformed(display, "a truncated or oversized message")
    try:
        header = json.loads(results[4 : 4 + size])
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise _malformed(display, "a message that is not a JSON object")
    return header, results[4 + size :]


def _malformed(display: str, what: str) -> ModelProcessError:
    return ModelProcessError(f"{display}: the model process sent {what}; no result was used")
