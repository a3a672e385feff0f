"""A checkpoint folder behind scikit-learn's ``predict``/``predict_proba`` contract.

:func:`load_checkpoint` runs inside the model process, behind the sandbox's
walls (:mod:`denialbench.eval._sandbox_child`): the folder is checked again
(:mod:`._hf_folder`), then loaded with transformers, offline, from
safetensors only and with ``trust_remote_code=False``. :func:`warm_up` runs
before the walls go up: importing torch writes to /dev/null, and a GPU's
driver opens its devices and starts threads, which the seccomp filter would
refuse later.

Prediction tokenizes every item once, sorts the items by length, and runs
the model in batches under ``torch.inference_mode``, so little padding is
computed; the probabilities come back in the caller's order.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError, ModelBehaviourError
from denialbench.corpus._schema import LABELS
from denialbench.eval._hf_folder import FolderSpec, check_model_folder

__all__ = ["INFERENCE_BATCH_SIZE", "CheckpointClassifier", "load_checkpoint", "warm_up"]

#: Items per forward pass (after sorting by length).
INFERENCE_BATCH_SIZE = 32


def _quiet_transformers() -> None:
    """No progress bars (tqdm starts a monitor thread) and no load reports on stderr."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # transformers loads tensors on a thread pool unless told not to; the model
    # process may start no threads once its filter is up
    os.environ.setdefault("HF_DEACTIVATE_ASYNC_LOAD", "1")
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()


def warm_up(model_type: str, device: str) -> None:
    """Import torch, transformers and the architecture's code, and start a GPU, while allowed.

    Importing transformers' model code touches torch's compiler, which makes a
    cache folder: that must happen before the filter forbids writes.
    ``model_type`` is config.json's (a name transformers knows; no code is read
    from the folder).
    """
    import torch

    _quiet_transformers()
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer
    from transformers.models.auto.tokenization_auto import tokenizer_class_from_name

    try:
        config_class = type(AutoConfig.for_model(model_type))
        model_class = AutoModelForSequenceClassification._model_mapping[config_class]
    except (KeyError, ValueError):
        raise InputError(
            f"config.json: 'model_type' {model_type!r} has no sequence-classification model in "
            f"transformers {__import__('transformers').__version__}; custom architectures "
            "are not loaded"
        ) from None
    del model_class, AutoTokenizer
    tokenizer_class_from_name("PreTrainedTokenizerFast")
    # widening float16 weights starts cpuinfo, which reads /proc/cpuinfo once
    float(torch.ones(8, dtype=torch.float16).float().sum())

    if device == "cuda":
        if not torch.cuda.is_available():
            raise InputError(
                f"--device cuda: torch {torch.__version__} sees no CUDA GPU here; use "
                "--device cpu, or auto to take a GPU only when there is one"
            )
        # the context, the allocator and cuBLAS start their threads and open the
        # driver's devices here; the seccomp filter forbids both afterwards
        x = torch.ones((64, 64), device="cuda")
        float((x @ x).sum())
        torch.cuda.synchronize()


def _max_length(asked: int, model: Any, tokenizer: Any) -> int:
    """``asked``, capped by what the tokenizer and the position embeddings allow."""
    caps = [asked]
    declared = getattr(tokenizer, "model_max_length", None)
    if isinstance(declared, int) and 0 < declared < 1_000_000:  # "no limit" is a huge number
        caps.append(declared)
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        caps.append(positions)
    return min(caps)


class CheckpointClassifier:
    """A loaded checkpoint: ``predict`` and ``predict_proba`` over DataFrames.

    Parameters
    ----------
    model, tokenizer
        A transformers sequence classifier and its tokenizer.
    spec : FolderSpec
        What :func:`~denialbench.eval._hf_folder.check_model_folder` found.
    device : str
        ``cpu`` or ``cuda``.
    batch_size : int
        Items per forward pass.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        spec: FolderSpec,
        *,
        device: str = "cpu",
        batch_size: int = INFERENCE_BATCH_SIZE,
    ) -> None:
        self.model, self.tokenizer, self.spec = model, tokenizer, spec
        self.device, self.batch_size = device, batch_size
        self.classes_ = np.asarray([LABELS[c] for c in spec.label_columns], dtype=object)
        self.max_length = _max_length(spec.max_length, model, tokenizer)
        self._last: tuple[Any, np.ndarray] | None = None

    def _inputs(self, frame: Any) -> tuple[list[str], list[str] | None]:
        template = self.spec.input_template
        if template is None:
            return [str(v) for v in frame["claim"]], [str(v) for v in frame["response"]]
        fields = self.spec.template_fields()
        absent = [f for f in fields if f not in frame.columns]
        if absent:
            raise ModelBehaviourError(
                f"denialbench.json's input_template names {{{absent[0]}}}, but the items have "
                f"no {absent[0]!r} field; give data with that field or change the template"
            )
        columns = {f: ["" if v is None else str(v) for v in frame[f]] for f in fields}
        return [
            template.format_map({f: columns[f][i] for f in fields}) for i in range(len(frame))
        ], None

    def predict_proba(self, frame: Any) -> np.ndarray:
        """Probabilities, one column per entry of ``classes_``."""
        if self._last is not None and self._last[0] is frame:
            return self._last[1]
        import torch

        first, second = self._inputs(frame)
        if not first:
            return np.zeros((0, len(self.classes_)))
        encoded = self.tokenizer(
            first, second, truncation=True, max_length=self.max_length, padding=False
        )
        lengths = np.array([len(ids) for ids in encoded["input_ids"]])
        order = np.argsort(lengths, kind="stable")
        proba = np.zeros((len(first), len(self.classes_)))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                batch = self.tokenizer.pad(
                    {key: [values[i] for i in rows] for key, values in encoded.items()},
                    return_tensors="pt",
                )
                batch = {key: value.to(self.device) for key, value in batch.items()}
                logits = self.model(**batch).logits.float()
                proba[rows] = torch.softmax(logits, dim=-1).cpu().numpy()
        proba /= proba.sum(axis=1, keepdims=True)
        self._last = (frame, proba)
        return proba

    def predict(self, frame: Any) -> np.ndarray:
        """The most probable label of each item."""
        return self.classes_[self.predict_proba(frame).argmax(axis=1)]


def load_checkpoint(folder: Path | str, *, device: str = "cpu") -> CheckpointClassifier:
    """Load a checked checkpoint folder: offline, safetensors only, no remote code."""
    folder = Path(folder)
    spec = check_model_folder(folder)
    _quiet_transformers()
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    common: dict[str, Any] = {"local_files_only": True, "trust_remote_code": False}
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), **common)
        model, info = AutoModelForSequenceClassification.from_pretrained(
            str(folder),
            use_safetensors=True,
            # fp16 weights are widened on the CPU, where half precision is slow
            dtype=torch.float32 if device == "cpu" else "auto",
            output_loading_info=True,
            **common,
        )
    except InputError:
        raise
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(
            f"{folder}: transformers could not load the checkpoint ({type(exc).__name__}: "
            f"{text[:300]})"
        ) from None
    missing = list(info.get("missing_keys") or ())
    if missing:
        raise InputError(
            f"{folder}: the safetensors weights lack {len(missing)} tensor(s) of the "
            f"classifier, e.g. {sorted(missing)[0]!r}; save the fine-tuned sequence classifier "
            "itself (AutoModelForSequenceClassification...save_pretrained), not its encoder"
        )
    if model.config.num_labels != len(spec.label_columns):
        raise InputError(
            f"{folder}/config.json: the model has {model.config.num_labels} outputs but "
            f"'id2label' names {len(spec.label_columns)}"
        )
    model.eval()
    model.to(device)
    return CheckpointClassifier(model, tokenizer, spec, device=device)
