"""Running a model under the contract, and checking what it returns.

The contract is scikit-learn's: ``predict(X)`` with X a DataFrame of ``id``,
``claim``, ``response``; labels as names or ClassLabel ids; optionally
``predict_proba`` with ``classes_``. Anything else is a clear
:class:`~denialbench.ModelBehaviourError`, never a traceback.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from denialbench._errors import ModelBehaviourError
from denialbench.corpus._schema import LABELS
from denialbench.eval._data import EvalData, encode_labels

__all__ = ["BATCH_SIZE", "run_model"]

BATCH_SIZE = 2048
_PROBA_TOLERANCE = 1e-3


_MESSAGE_LIMIT = 200


def _short(text: str) -> str:
    """An exception message from model code: escaped and cut short.

    The message may quote whatever the model read, so only its start is
    shown, with control characters and non-ASCII escaped.
    """
    escaped = ascii(text)[1:-1]
    return escaped if len(escaped) <= _MESSAGE_LIMIT else escaped[:_MESSAGE_LIMIT] + "..."


def _call(method: Any, frame: Any, what: str) -> Any:
    try:
        return method(frame)
    except (Exception, RecursionError) as exc:
        raise ModelBehaviourError(
            f"the model's {what} raised {type(exc).__name__}: {_short(str(exc))}"
        ) from None


def _has_classes(model: Any) -> bool:
    try:
        return hasattr(model, "classes_")
    except (Exception, RecursionError) as exc:
        raise ModelBehaviourError(
            f"the model's classes_ could not be read ({type(exc).__name__})"
        ) from None


def _class_columns(model: Any) -> np.ndarray:
    """Column index in LABELS order for each of the model's ``classes_``."""
    try:
        classes = np.asarray(model.classes_)
    except (Exception, RecursionError) as exc:
        raise ModelBehaviourError(
            f"the model's classes_ could not be read ({type(exc).__name__})"
        ) from None
    if classes.ndim != 1 or classes.dtype.kind not in "biufUSO":
        raise ModelBehaviourError(
            "the model's classes_ are not labels: expected a one-dimensional array of labels, "
            f"got dtype {classes.dtype.str!r} with {classes.ndim} dimension(s)"
        )

    def fail(row, message):
        return ModelBehaviourError(f"the model's classes_ are not labels: {message}")

    columns = encode_labels(classes, what="class", fail=fail).astype(np.int64)
    if len(set(columns.tolist())) != len(columns):
        # two columns of predict_proba would land in one: the rows would no longer sum to 1
        twice = next(c for c in columns.tolist() if columns.tolist().count(c) > 1)
        raise ModelBehaviourError(
            f"the model's classes_ are not labels: label {LABELS[twice]!r} is named more than "
            "once (a name and its id count as the same label)"
        )
    return columns


def _check_proba(proba: Any, n: int, n_classes: int, ids: np.ndarray) -> np.ndarray:
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape != (n, n_classes):
        raise ModelBehaviourError(
            f"predict_proba returned shape {proba.shape}; expected ({n}, {n_classes}) "
            "(one row per item, one column per entry of classes_)"
        )
    bad = np.flatnonzero(~np.isfinite(proba).all(axis=1))
    if bad.size:
        raise ModelBehaviourError(
            f"predict_proba returned NaN or infinite values for item {ids[bad[0]]!r} "
            f"({bad.size} item(s))"
        )
    off = np.flatnonzero(
        (np.abs(proba.sum(axis=1) - 1) > _PROBA_TOLERANCE) | (proba < 0).any(axis=1)
    )
    if off.size:
        raise ModelBehaviourError(
            f"predict_proba rows must be non-negative and sum to 1; item {ids[off[0]]!r} sums "
            f"to {proba[off[0]].sum():.4f} ({off.size} item(s))"
        )
    return proba


class _BatchPredictor:
    """``predict`` then ``predict_proba`` on the same batch.

    A plain scikit-learn Pipeline computes its features inside both calls;
    for text features that is most of the work. Here its transform steps run
    once per batch and the final estimator's ``predict`` and
    ``predict_proba`` share the result: the loop over ``steps`` that
    ``Pipeline.predict``/``predict_proba`` run internally. Subclasses of
    Pipeline may change that, so only the class itself is split.
    """

    def __init__(self, model: Any, has_proba: bool) -> None:
        self.model = model
        cls = type(model)
        self._split = (
            has_proba
            and (cls.__module__, cls.__qualname__) == ("sklearn.pipeline", "Pipeline")
            and len(model.steps) > 1
        )
        self._features: Any = None

    def predict(self, batch: Any) -> Any:
        if not self._split:
            return _call(self.model.predict, batch, "predict")
        self._features = _call(self._transform, batch, "predict")
        return _call(self.model.steps[-1][1].predict, self._features, "predict")

    def _transform(self, batch: Any) -> Any:
        features = batch
        for _, step in self.model.steps[:-1]:
            if step is not None and not (isinstance(step, str) and step == "passthrough"):
                features = step.transform(features)
        return features

    def predict_proba(self, batch: Any) -> Any:
        if not self._split:
            return _call(self.model.predict_proba, batch, "predict_proba")
        features, self._features = self._features, None
        return _call(self.model.steps[-1][1].predict_proba, features, "predict_proba")


def run_model(
    model: Any, data: EvalData, *, progress: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Predict ``data`` in batches; return label codes and, if offered, probabilities."""
    if not callable(getattr(model, "predict", None)):
        raise ModelBehaviourError(
            f"the loaded object ({type(model).__name__}) has no predict method; a model must "
            "follow scikit-learn's predict(X) contract"
        )
    has_proba = callable(getattr(model, "predict_proba", None)) and _has_classes(model)
    columns = _class_columns(model) if has_proba else None
    predictor = _BatchPredictor(model, has_proba)
    frame = data.frame()
    n = len(frame)
    preds: list[np.ndarray] = []
    probas: list[np.ndarray] = []
    bar = _progress(n) if progress and n > BATCH_SIZE else None
    try:
        for start in range(0, n, BATCH_SIZE):
            batch = frame.iloc[start : start + BATCH_SIZE]
            ids = batch["id"].to_numpy()
            out = np.asarray(predictor.predict(batch))
            if out.ndim != 1 or len(out) != len(batch):
                returned = f"{out.shape[0]} predictions" if out.ndim else "a scalar"
                raise ModelBehaviourError(
                    f"the model returned {returned} for a batch of {len(batch)} items; it "
                    "must return exactly one label per row. Models receive a pandas DataFrame "
                    "with columns id, claim, response; a plain text pipeline (e.g. "
                    "TfidfVectorizer first) needs a ColumnTransformer or FunctionTransformer in "
                    "front that picks the text columns"
                )

            def fail(row, message, ids=ids):
                return ModelBehaviourError(f"predict output for item {ids[row]!r}: {message}")

            preds.append(encode_labels(out, what="label", fail=fail))
            if has_proba and columns is not None:
                raw = predictor.predict_proba(batch)
                checked = _check_proba(raw, len(batch), len(columns), ids)
                full = np.zeros((len(batch), len(LABELS)))
                full[:, columns] = checked
                probas.append(full)
            if bar is not None:
                bar[0].update(bar[1], advance=len(batch))
    finally:
        if bar is not None:
            bar[0].stop()
    pred = np.concatenate(preds) if preds else np.zeros(0, dtype=np.int8)
    proba = np.concatenate(probas) if probas else None
    return pred, proba


def _progress(total: int):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "predicting", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    )
    task = bar.add_task("predict", total=total)
    bar.start()
    return bar, task
