"""Hugging Face checkpoint folders as a model format: what a folder must hold.

A folder is a model when it holds what ``save_pretrained`` writes for a
sequence classifier:

- ``config.json`` whose ``id2label`` names the four labels (any order, any
  case) and no ``auto_map`` (remote code);
- the weights as safetensors only: ``model.safetensors``, or shards listed in
  ``model.safetensors.index.json``. Pickled weights (``pytorch_model.bin``,
  ``*.pt``, ``*.ckpt``, ``*.pkl``...) are refused: loading a pickle can run
  code;
- the tokenizer files (``tokenizer.json``, or a vocabulary);
- optionally ``denialbench.json``: ``input_template`` and ``max_length``
  (:data:`OPTIONS_SCHEMA`).

No Python file may sit in the folder (custom code), and nothing is ever
downloaded: a Hub name is refused with the command that downloads it. The
checks here read JSON and file names only, so the parent runs them before
the model process starts, and the model process runs them again on what it
loads. Every failure is an :class:`~denialbench.InputError` naming the file
and the field.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from denialbench._errors import InputError, UnsafeModelError
from denialbench.corpus._schema import LABELS

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "DEVICES",
    "OPTIONS_FILE",
    "OPTIONS_SCHEMA",
    "TEMPLATE_FIELDS",
    "FolderSpec",
    "check_model_folder",
    "folder_sha256",
    "refuse_missing_model",
    "resolve_device",
]

OPTIONS_FILE = "denialbench.json"
#: What ``--device`` accepts: ``auto`` takes a GPU when one is present.
DEVICES = ("cpu", "cuda", "auto")
#: Tokens per claim/response pair unless ``denialbench.json`` says otherwise.
DEFAULT_MAX_LENGTH = 256
#: The item fields an ``input_template`` may name.
TEMPLATE_FIELDS = ("claim", "response", "speaker", "claim_source")

#: JSON schema of ``denialbench.json``.
OPTIONS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "denialbench.json: how DenialBench feeds a checkpoint folder",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "input_template": {
            "type": "string",
            "minLength": 1,
            "description": "One text per item, e.g. '{claim} [SEP] {response}'; placeholders "
            "claim, response, speaker, claim_source. Absent: claim and response go in as a "
            "text pair.",
        },
        "max_length": {
            "type": "integer",
            "minimum": 8,
            "maximum": 8192,
            "description": "Tokens per item; longer inputs are truncated.",
        },
    },
}

# Pickle-based formats torch, joblib and friends write; any of them refuses the folder.
_PICKLED_SUFFIXES = frozenset({".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib"})
_CODE_SUFFIXES = frozenset({".py", ".pyc", ".pyo", ".so", ".pyd"})
_TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
)
_WEIGHTS = "model.safetensors"
_INDEX = "model.safetensors.index.json"
# what `hf download` accepts: a name, or owner/name
_HUB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")
_MAX_CONFIG_BYTES = 4 * 2**20


@dataclass(frozen=True)
class FolderSpec:
    """What the checks found: how to map the model's outputs and feed it.

    Attributes
    ----------
    label_columns : tuple of int
        For output ``i`` of the classifier, its index in ``LABELS``.
    input_template : str or None
        ``denialbench.json``'s template; None feeds (claim, response) as a pair.
    max_length : int
        Tokens per item.
    model_type : str
        ``config.json``'s ``model_type``.
    """

    label_columns: tuple[int, ...]
    input_template: str | None
    max_length: int
    model_type: str

    def template_fields(self) -> tuple[str, ...]:
        """The item fields the template names (claim and response without one)."""
        if self.input_template is None:
            return ("claim", "response")
        return tuple(
            dict.fromkeys(
                name
                for _, name, _, _ in string.Formatter().parse(self.input_template)
                if name is not None
            )
        )


def _gpu_visible() -> bool:
    """Whether an NVIDIA driver shows a GPU here (read from /proc: torch is not imported)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    try:
        return gpus.is_dir() and any(gpus.iterdir()) and Path("/dev/nvidiactl").exists()
    except OSError:
        return False


def resolve_device(device: str, *, folder: bool = True) -> str:
    """``cpu`` or ``cuda`` for ``--device``; ``auto`` takes a GPU when one is visible.

    Asking for ``cuda`` where no GPU is visible, or for a model that is not a
    checkpoint folder (only folders run on a GPU), is an :class:`InputError`.
    """
    if device not in DEVICES:
        raise InputError(f"'--device' must be one of {', '.join(DEVICES)} (got {device!r})")
    if device == "cpu" or (device == "auto" and not folder):
        return "cpu"
    if not folder:
        raise InputError(
            "--device cuda: only checkpoint folders run on a GPU; other model files run on "
            "the CPU (leave out --device)"
        )
    if _gpu_visible():
        return "cuda"
    if device == "auto":
        return "cpu"
    raise InputError(
        "--device cuda: no NVIDIA GPU is visible on this machine (no /proc/driver/nvidia/gpus "
        "entry or /dev/nvidiactl); use --device cpu, or --device auto to take a GPU only "
        "when there is one"
    )


def refuse_missing_model(path: Path) -> None:
    """Raise the error for a model path that does not exist: a Hub name, or a typo."""
    text = str(path)
    looks_like_hub = (
        not path.is_absolute()
        and not text.startswith(".")
        and _HUB_NAME.fullmatch(text) is not None
        and path.suffix.lower() not in {".skops", ".pkl", ".pickle", ".joblib", ".jsonl", ".csv"}
    )
    if looks_like_hub:
        raise InputError(
            f"{text}: no such file or folder. It looks like a Hugging Face Hub name, and "
            "DenialBench never downloads models: download it first (`hf download "
            f"{text} --local-dir {path.name}`) and pass that folder"
        )
    raise InputError(
        f"{text}: no such file or folder; give a model file (.skops, .pkl/.pickle/.joblib), a "
        "checkpoint folder, or a predictions file (.jsonl/.csv)"
    )


def _read_json(path: Path, folder: Path) -> Any:
    where = f"{folder}/{path.name}"
    # a FIFO or device named like a config file would block the read forever,
    # in this process, before any sandbox limit applies
    if path.is_symlink() or not path.is_file():
        raise InputError(f"{where}: not a regular file; save the folder's files as plain files")
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            raise InputError(f"{where}: larger than {_MAX_CONFIG_BYTES // 2**20} MiB")
        return json.loads(path.read_text("utf-8"))
    except RecursionError:
        raise InputError(f"{where}: not readable JSON (nested too deeply)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{where}: not readable JSON ({exc})") from None


#: The most a checkpoint folder may hold, all files together: far above any model
#: a CPU harness can run, and a bound on what `evaluate` hashes before running it.
MAX_CHECKPOINT_BYTES = 32 * 2**30


def _refuse_odd_entries(folder: Path) -> None:
    """Special files, control characters in names, and folders too big to hash."""
    total = 0
    for path in folder.rglob("*"):
        name = str(path.relative_to(folder))
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise InputError(
                f"{folder}: a file name holds control characters ({name!r}); rename it"
            )
        if path.is_symlink() or path.is_dir():
            continue
        if not path.is_file():
            raise InputError(
                f"{folder}: {name!r} is not a regular file (a FIFO, socket or device); "
                "a checkpoint folder holds plain files only"
            )
        total += path.stat().st_size
        if total > MAX_CHECKPOINT_BYTES:
            raise InputError(
                f"{folder}: its files hold more than {MAX_CHECKPOINT_BYTES // 2**30} GiB; "
                "that is no checkpoint this harness can run"
            )


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _refuse_unsafe_files(folder: Path, files: list[Path]) -> None:
    refusals = (
        (
            _CODE_SUFFIXES,
            "holds code ({names}); custom model code (trust_remote_code) is never run. Use a "
            "model class that ships with transformers and remove the code files",
        ),
        (
            _PICKLED_SUFFIXES,
            "holds pickled files ({names}); loading a pickle can run code, so only safetensors "
            "weights are read. Convert the weights to safetensors "
            "(model.save_pretrained(folder, safe_serialization=True)) and remove the pickled "
            "files (pytorch_model.bin, training_args.bin, optimizer.pt, ...)",
        ),
    )
    for suffixes, message in refusals:
        found = [p for p in files if p.suffix.lower() in suffixes]
        if found:
            names = ", ".join(str(p.relative_to(folder)) for p in found[:5])
            raise UnsafeModelError(f"{folder}: " + message.format(names=names))
    outside = [p for p in files if p.is_symlink()]
    if outside:
        raise UnsafeModelError(
            f"{folder}: {outside[0].relative_to(folder)} is a symbolic link; copy the file "
            "into the folder (only the folder's own files are read)"
        )


def _check_weights(folder: Path) -> None:
    if (folder / _WEIGHTS).is_file():
        return
    index_path = folder / _INDEX
    if not index_path.is_file():
        raise InputError(
            f"{folder}: no {_WEIGHTS} (or {_INDEX} with its shards); weights are read from "
            "safetensors only: save with model.save_pretrained(folder, safe_serialization=True)"
        )
    index = _read_json(index_path, folder)
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        raise InputError(f"{folder}/{_INDEX}: 'weight_map' must be an object of tensor -> shard")
    for shard in sorted(set(map(str, weight_map.values()))):
        if Path(shard).name != shard or not shard.endswith(".safetensors"):
            raise InputError(
                f"{folder}/{_INDEX}: 'weight_map' names {shard!r}; shards must be "
                ".safetensors files inside the folder"
            )
        if not (folder / shard).is_file():
            raise InputError(f"{folder}/{_INDEX}: shard {shard} is missing from the folder")


def _label_columns(config: dict[str, Any], folder: Path) -> tuple[int, ...]:
    where = f"{folder}/config.json"
    id2label = config.get("id2label")
    expected = ", ".join(LABELS)
    if not isinstance(id2label, dict) or not id2label:
        raise InputError(
            f"{where}: 'id2label' must map the classifier's outputs to the labels {expected} "
            f"(got {id2label!r}); set config.id2label before saving"
        )
    outputs: dict[int, str] = {}
    for key, value in id2label.items():
        try:
            index = int(key)
        except (TypeError, ValueError):
            index = -1
        if index < 0 or not isinstance(value, str):
            raise InputError(
                f"{where}: 'id2label' must map output numbers to label names (got {key!r}: "
                f"{value!r})"
            )
        outputs[index] = value.strip().lower()
    if sorted(outputs) != list(range(len(outputs))):
        raise InputError(
            f"{where}: 'id2label' must number the outputs 0..{len(outputs) - 1} (got "
            f"{sorted(outputs)})"
        )
    names = list(outputs.values())
    twice = sorted({n for n in names if names.count(n) > 1})
    unknown = sorted(set(names) - set(LABELS))
    missing = [n for n in LABELS if n not in names]
    if twice or unknown or missing:
        problems = [
            f"{what} {', '.join(repr(n) for n in found)}"
            for what, found in (("duplicated", twice), ("unknown", unknown), ("missing", missing))
            if found
        ]
        raise InputError(
            f"{where}: 'id2label' must name the four labels {expected} once each, in any order "
            f"and case ({'; '.join(problems)})"
        )
    num_labels = config.get("num_labels")
    if num_labels is not None and num_labels != len(LABELS):
        raise InputError(f"{where}: 'num_labels' must be {len(LABELS)} (got {num_labels!r})")
    return tuple(LABELS.index(outputs[i]) for i in range(len(outputs)))


def _check_template(template: str, where: str) -> None:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InputError(
            f"{where}: 'input_template' is not a valid template ({exc}); write fields as "
            "{claim} and literal braces as {{ }}"
        ) from None
    names = [(name, spec, conversion) for _, name, spec, conversion in parts if name is not None]
    allowed = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
    for name, spec, conversion in names:
        if name not in TEMPLATE_FIELDS or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise InputError(
                f"{where}: 'input_template' names {shown}; the placeholders are {allowed} "
                "(no formats or conversions)"
            )
    if not names:
        raise InputError(f"{where}: 'input_template' names no field; use at least one of {allowed}")


def _read_options(folder: Path) -> tuple[str | None, int]:
    path = folder / OPTIONS_FILE
    if not path.exists():
        return None, DEFAULT_MAX_LENGTH
    import jsonschema

    where = f"{folder}/{OPTIONS_FILE}"
    options = _read_json(path, folder)
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(OPTIONS_SCHEMA).iter_errors(options)
    )
    if error is not None:
        field = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InputError(
            f"{where}: field {field!r}: {error.message}; allowed fields: input_template "
            "(a string with {claim}, {response}, {speaker}, {claim_source}) and max_length "
            "(an integer from 8 to 8192)"
        )
    template = options.get("input_template")
    if template is not None:
        _check_template(template, where)
    return template, options.get("max_length", DEFAULT_MAX_LENGTH)


def check_model_folder(folder: Path | str) -> FolderSpec:
    """Check a checkpoint folder without loading it; raise :class:`InputError` if unusable.

    Examples
    --------
    >>> check_model_folder("no-such-folder")
    Traceback (most recent call last):
    ...
    denialbench._errors.InputError: no-such-folder: not a folder
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    _refuse_odd_entries(folder)
    _refuse_unsafe_files(folder, _files(folder))
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise InputError(
            f"{folder}: no config.json; a checkpoint folder is what "
            "model.save_pretrained(folder) and tokenizer.save_pretrained(folder) write"
        )
    config = _read_json(config_path, folder)
    if not isinstance(config, dict):
        raise InputError(f"{config_path}: must be a JSON object")
    for name in ("config.json", "tokenizer_config.json"):
        other = config if name == "config.json" else None
        if other is None and (folder / name).is_file():
            other = _read_json(folder / name, folder)
        if isinstance(other, dict) and "auto_map" in other:
            raise UnsafeModelError(
                f"{folder}/{name}: field 'auto_map' asks for custom code (trust_remote_code), "
                "which is never run; use a model class that ships with transformers"
            )
    if "quantization_config" in config:
        raise InputError(
            f"{config_path}: field 'quantization_config' is not supported; save the model "
            "unquantized (float32, float16 or bfloat16 safetensors)"
        )
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        raise InputError(
            f"{config_path}: field 'model_type' is missing; it names the transformers "
            "architecture (bert, roberta, deberta-v2, ...)"
        )
    columns = _label_columns(config, folder)
    _check_weights(folder)
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        raise InputError(
            f"{folder}: no tokenizer files ({', '.join(_TOKENIZER_FILES[:2])}, ...); save "
            "them beside the model with tokenizer.save_pretrained(folder)"
        )
    template, max_length = _read_options(folder)
    return FolderSpec(columns, template, max_length, model_type)


def folder_sha256(folder: Path | str) -> str:
    """One SHA-256 over a folder's files: their relative paths and contents, sorted."""
    import hashlib

    from denialbench.corpus._io import sha256_file

    folder = Path(folder)
    _refuse_odd_entries(folder)  # before reading: a sparse terabyte would hash for hours
    digest = hashlib.sha256()
    for path in _files(folder):
        digest.update(f"{path.relative_to(folder).as_posix()}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()
