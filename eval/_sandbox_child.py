"""The model process: load a model file and predict, behind the sandbox's walls.

Started by :mod:`denialbench.eval._sandbox` as ``python -I -B -m
denialbench.eval._sandbox_child`` with a scrubbed environment, an empty
temporary working directory and three pipes:

- stdin (from the parent): one JSON line of settings, then one JSON line
  with the items (``id``, ``claim``, ``response``) and the CPU allowance;
- stdout (fd 1, to the parent): the results channel, framed as a 4-byte
  big-endian length, a JSON header, then raw array bytes whose dtype and
  shape the header names. Nothing is pickled;
- stderr: anything else the process prints (fd 1 is pointed there too).

The order matters: limits first, then the imports and the BLAS warm-up
(which need threads and files), then Landlock (while there is one thread:
it binds the thread that sets it up and the threads started later), then
imports the model file names (torch starts threads), then seccomp, and only
then is the model file loaded. A checkpoint folder's warm-up imports torch and
transformers (and starts the GPU for ``device="cuda"``) in that same window;
its weights are read behind all the walls. The settings line can name a probe (a function in a
test module) in place of a model file; only the parent writes that line, so
no model file can reach it.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import sys
import traceback
from typing import Any, cast

_RESULTS_FD = 1
_MAX_TEXT = 500


def _send(out: int, header: dict[str, Any], payload: bytes = b"") -> None:
    head = json.dumps(header).encode()
    data = struct.pack(">I", len(head)) + head + payload
    view = memoryview(data)
    while view:
        view = view[os.write(out, view) :]


# Built before anything can run out of memory, so that this report needs no allocation.
_OUT_OF_MEMORY = json.dumps({"type": "error", "kind": "memory", "message": ""}).encode()
_OUT_OF_MEMORY = struct.pack(">I", len(_OUT_OF_MEMORY)) + _OUT_OF_MEMORY


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + " ..."


def _set_limits(settings: dict[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # a file the model somehow opens cannot grow; pipes are not files
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    memory = int(settings["memory_bytes"])
    # a GPU driver reserves far more address space than it uses, and fails under an
    # address-space limit; data (heap and private mappings) is what a runaway grows
    kind = resource.RLIMIT_DATA if settings.get("device") == "cuda" else resource.RLIMIT_AS
    resource.setrlimit(kind, (memory, memory))


def _warm_up() -> None:
    """Import what loading and predicting need, and start the BLAS pool, while allowed."""
    import tempfile

    import numpy as np
    import pandas  # noqa: F401
    import scipy.sparse  # noqa: F401
    import sklearn.base  # noqa: F401

    # gettempdir() probes by writing a file; answer it now, with the empty working folder
    tempfile.tempdir = os.getcwd()
    matrix = np.ones((256, 256))
    float(np.dot(matrix, matrix).sum())

    import denialbench.eval._model
    import denialbench.eval._safe_loading  # noqa: F401


def _prepare(settings: dict[str, Any]) -> None:
    """Import, while imports may still write and start threads, what the model file names.

    The names come from a static scan (no unpickling). This package's own
    allowlisted classes may offer ``_sandbox_warm_up``
    (the embedding baseline loads its encoder: torch opens /dev/null for
    writing when it is imported, which the filter would refuse). A checkpoint
    folder imports torch and transformers (:func:`._hf_model.warm_up`).
    """
    model = settings.get("model")
    if not model:
        return
    if settings.get("folder"):
        from denialbench.eval._hf_folder import check_model_folder
        from denialbench.eval._hf_model import warm_up

        # reads JSON and file names only; the weights are read behind the walls
        warm_up(check_model_folder(model).model_type, settings.get("device") or "cpu")
        return
    from denialbench.eval import _safe_loading as loading
    from denialbench.eval._unpickler import resolve_allowed

    suffix = os.path.splitext(model)[1].lower()
    try:
        if suffix in loading.SKOPS_SUFFIXES:
            from skops import io as sio

            names = sio.get_untrusted_types(file=model)
        else:
            with open(model, "rb") as handle:
                names = loading.scan_pickle_globals(handle.read())
    except Exception:  # the loader, behind the walls, reports what is wrong with the file
        return
    for name in names:
        module, _, attr = name.rpartition(".")
        # only this package's own classes, before the filter is up; other modules the
        # file names are imported later, behind it, by the loader itself
        allowed = resolve_allowed(module, attr, joblib_format=True) if module else None
        if module.startswith("denialbench.") and allowed is not None:
            hook = getattr(allowed, "_sandbox_warm_up", None)
            if callable(hook):
                hook()


def _readable_paths(settings: dict[str, Any]) -> list[str]:
    """What the model process may still read: Python, the packages, system libraries."""
    import importlib.util

    import denialbench

    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    paths += [p for p in sys.path if p and os.path.isabs(p)]
    for module in list(sys.modules.values()):
        folders = getattr(module, "__path__", None)
        if isinstance(folders, list):  # some modules (torch.classes) answer with anything
            paths += [p for p in folders if isinstance(p, str) and os.path.isabs(p)]
    paths += list(denialbench.__path__)
    for name in ("corpus", "baselines", "eval"):
        # found without importing: an editable install maps each to its own folder
        spec = importlib.util.find_spec(f"denialbench.{name}")
        paths += list(spec.submodule_search_locations or []) if spec else []
    paths += [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/lib",
        "/lib64",
        "/etc/ld.so.cache",
        "/dev/null",
        "/dev/urandom",
        f"/proc/{os.getpid()}",
        "/sys/devices/system/cpu",
        # torch's cpuinfo reads it before its first float16 kernel (a float16 checkpoint)
        "/proc/cpuinfo",
        os.getcwd(),
    ]
    if settings.get("model"):
        paths.append(settings["model"])
    if settings.get("device") == "cuda":
        paths += ["/proc/driver/nvidia", "/sys/bus/pci", "/sys/devices", "/proc/self"]
    return paths


def _gpu_devices(settings: dict[str, Any]) -> list[str]:
    """The NVIDIA device files a ``cuda`` run opens read-write and sends ioctls to."""
    if settings.get("device") != "cuda":
        return []
    import glob

    return sorted(glob.glob("/dev/nvidia*"))


def _thread_count() -> int:
    try:
        return len(os.listdir(f"/proc/{os.getpid()}/task"))
    except OSError:
        return 0


def _restrict_reads(settings: dict[str, Any], walls: dict[str, Any]) -> None:
    """Landlock, while the process has one thread: it binds the calling thread and the
    threads started after it, so it goes up before anything (torch) starts more."""
    from denialbench.eval import _landlock

    walls["threads"] = _thread_count()
    try:
        # /dev/null and the empty working folder stay writable for Landlock (torch's
        # import writes to both); seccomp refuses every write once the imports are done
        walls["landlock"] = _landlock.restrict(
            _readable_paths(settings),
            writable=["/dev/null", os.getcwd()],
            devices=_gpu_devices(settings),
        )
    except OSError as exc:
        walls["landlock"], walls["landlock_error"] = 0, str(exc)


def _forbid(walls: dict[str, Any], cpu_seconds: float) -> None:
    """The CPU limit and the seccomp filter: from here on, no processes, threads or writes."""
    from denialbench.eval import _seccomp

    cpu = max(int(cpu_seconds + 0.999), 1)
    # soft limit: SIGXCPU, which the parent reports; the hard one a second later is SIGKILL
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        _seccomp.install()
        walls["seccomp"] = True
    except OSError as exc:
        walls["seccomp"], walls["seccomp_error"] = False, str(exc)
        if os.getuid() != 0:
            # without seccomp, a non-root process can at least start no more processes
            resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def _load(settings: dict[str, Any]) -> Any:
    probe = settings.get("probe")
    if probe:
        import importlib

        function = getattr(importlib.import_module(probe["module"]), probe["function"])
        return function(*probe.get("args", ()))
    if settings.get("folder"):
        from denialbench.eval._hf_model import load_checkpoint

        return load_checkpoint(settings["model"], device=settings.get("device") or "cpu")
    from denialbench.eval._safe_loading import load_model

    return load_model(
        settings["model"],
        trust_pickle=bool(settings.get("trust_pickle")),
        trusted_types=list(settings.get("trusted_types") or ()),
    )


class _Items:
    """The items as run_model expects them (it only calls ``frame()``)."""

    def __init__(self, items: dict[str, list[str]]) -> None:
        self._items = items

    def frame(self) -> Any:
        import numpy as np
        import pandas as pd

        # id, claim, response; and speaker, claim_source where sent (checkpoint folders)
        return pd.DataFrame(
            {name: np.asarray(values, dtype=object) for name, values in self._items.items()}
        )


def _error_kind(exc: BaseException) -> str:
    from denialbench._errors import ModelBehaviourError, UnsafeModelError

    # the loaders and run_model wrap what the model raised; a MemoryError stays in the chain
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, MemoryError):
            return "memory"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, UnsafeModelError):
        return "unsafe"
    if isinstance(exc, ModelBehaviourError):
        return "behaviour"
    from denialbench._errors import InputError

    if isinstance(exc, InputError):
        return "input"
    return "model"


def _run(settings: dict[str, Any], stdin: Any, out: int) -> None:
    sys.path += [p for p in settings.get("extra_path") or () if p not in sys.path]
    if settings.get("probe"):
        sys.path.insert(0, settings["probe"]["path"])
        __import__(settings["probe"]["module"])
    _warm_up()
    walls: dict[str, Any] = {"device": settings.get("device") or "cpu"}
    _restrict_reads(settings, walls)
    try:
        _prepare(settings)
    except Exception as exc:  # a GPU asked for and missing: the user's input
        kind = _error_kind(exc)
        message = str(exc) if kind != "model" else f"{type(exc).__name__}: {exc}"
        _send(out, {"type": "error", "kind": kind, "message": _short(message), "walls": walls})
        return
    request = json.loads(stdin.readline())
    _forbid(walls, float(request["cpu_seconds"]))
    try:
        model = _load(settings)
        from denialbench.eval._model import run_model

        # a folder is named by its architecture (BertForSequenceClassification), not the wrapper
        cls = type(model.model) if settings.get("folder") else type(model)
        # _Items has the parts of EvalData that run_model reads
        pred, proba = run_model(model, cast(Any, _Items(request["items"])))
    except MemoryError:
        raise
    except Exception as exc:
        kind = _error_kind(exc)
        message = str(exc) if kind != "model" else f"{type(exc).__name__}: {exc}"
        _send(out, {"type": "error", "kind": kind, "message": _short(message), "walls": walls})
        return
    import numpy as np

    pred = np.ascontiguousarray(pred, dtype=np.int8)
    header: dict[str, Any] = {
        "type": "result",
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "walls": walls,
        "pred": {"dtype": "|i1", "shape": list(pred.shape)},
        "proba": None,
    }
    payload = pred.tobytes()
    if proba is not None:
        proba = np.ascontiguousarray(proba, dtype="<f8")
        header["proba"] = {"dtype": "<f8", "shape": list(proba.shape)}
        payload += proba.tobytes()
    _send(out, header, payload)


def main() -> None:
    out = os.dup(_RESULTS_FD)
    os.dup2(2, _RESULTS_FD)  # stray prints go to stderr, never into the results channel
    stdin = sys.stdin
    try:
        settings = json.loads(stdin.readline())
        _set_limits(settings)
        _run(settings, stdin, out)
    except MemoryError:
        os.write(out, _OUT_OF_MEMORY)
    except BaseException as exc:  # the parent reports it; a traceback goes to stderr
        try:
            traceback.print_exc()
            message = _short(f"{type(exc).__name__}: {exc}")
            # a library that cannot be mapped under the address-space limit
            starved = "failed to map segment" in message or "Cannot allocate memory" in message
            kind = "memory" if starved else "internal"
            _send(out, {"type": "error", "kind": kind, "message": message})
        except BaseException:
            pass
        sys.stderr.flush()
        os._exit(1)
    sys.stderr.flush()
    # skip interpreter teardown: the result is sent and nothing else is owed
    os._exit(0)


if __name__ == "__main__":
    main()
