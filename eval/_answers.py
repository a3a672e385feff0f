"""LLM answers files: free-text answers mapped to labels, and scored honestly.

Format: JSONL or CSV with ``id`` and ``answer`` (the model's raw text), one
row per item of the evaluated split, as for a predictions file.

The parser (:func:`parse_answer`), in order:

1. strips whitespace, quotes, backticks and markdown emphasis (``**deny**``);
2. reads a JSON object's ``label`` (or ``answer``) field (``{"label": "deny"}``,
   also inside a markdown code fence); an object without one names no label;
3. drops a leading ``Label:`` / ``Answer:`` / ``Prediction:``;
4. accepts the whole remaining answer if it is one label word or a common
   inflection of one (``denies``, ``denial``, ``confirmed``, ``evasive``, ...),
   case-insensitive, trailing punctuation ignored;
5. otherwise takes the first of the four label words themselves (``deny``,
   ``confirm``, ``evade``, ``unrelated``) standing as a word in the text (not
   part of a longer or hyphenated word).

Inflections count only when they are the whole answer: in a sentence
("the speaker denies it, so: evade") an inflected word describes the
response rather than naming a label, so only the exact label words are
looked for there. Anything else is *unparseable*.

Scoring: an unparseable answer is always wrong and helps no label. It is
scored as a fifth, never-gold column of the confusion matrix: it is a missed
item (a false negative) of its gold label and a false positive of none, so
it lowers recall and accuracy but no other label's precision. Mapping it to
a wrong label instead would charge one label's precision for the parser's
failure, and which one would depend on the gold label; mapping it to a fixed
label would sometimes make it right. The headline metrics, the per-label
table and their bootstrap CIs use this five-column matrix; the slices and
contrast consistency count an unparseable answer as wrong (their accuracy is
exact; their macro-F1 charges it to the label after the gold one, a small
pessimistic bias named in the result's ``answers.slice_note``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import PredictionsFileError
from denialbench.corpus._schema import LABELS
from denialbench.eval._arrow import null_rows
from denialbench.eval._data import EvalData

__all__ = [
    "UNPARSEABLE",
    "parse_answer",
    "read_answers",
    "score_answers",
]

#: The code of an answer that names no label: one past the last label's code.
UNPARSEABLE = len(LABELS)

#: Forms that name a label only when they are the whole answer.
WHOLE_ANSWER_FORMS: dict[str, str] = {
    **{label: label for label in LABELS},
    "denies": "deny",
    "denied": "deny",
    "denial": "deny",
    "denying": "deny",
    "confirms": "confirm",
    "confirmed": "confirm",
    "confirmation": "confirm",
    "confirming": "confirm",
    "evades": "evade",
    "evaded": "evade",
    "evasion": "evade",
    "evasive": "evade",
    "evading": "evade",
    "irrelevant": "unrelated",
}
# a label word stands alone: "deny-ish" or "re-confirm" are not label words
_LABEL_WORD = re.compile(r"(?<![\w-])(" + "|".join(LABELS) + r")(?![\w-])", re.IGNORECASE)
_PREFIX = re.compile(r"^\s*(?:final\s+)?(?:label|answer|prediction)\s*[:=\-]\s*", re.IGNORECASE)
_DECORATION = "*_`\"'“”‘’#> \t\r\n"
_TRAILING = ".!,;:)]}" + _DECORATION
EXAMPLES_SHOWN = 5


_NOT_JSON = object()


def _from_json(text: str) -> Any:
    """A JSON object's label text; None when it has none; :data:`_NOT_JSON` for other text."""
    if text[:4].lower() == "json":  # what is left of a ```json fence
        text = text[4:].lstrip()
    if not text.startswith("{"):
        return _NOT_JSON
    try:
        obj = json.loads(text)
    except ValueError:
        return _NOT_JSON
    if isinstance(obj, dict):
        for key in ("label", "answer"):
            if isinstance(obj.get(key), str):
                return obj[key]
    return None  # an object without a label names none, whatever its other fields say


def parse_answer(answer: Any) -> str | None:
    """The label an LLM's free-text ``answer`` names, or None when it names none.

    Examples
    --------
    >>> parse_answer("**Deny**")
    'deny'
    >>> parse_answer('{"label": "evade"}')
    'evade'
    >>> parse_answer("The speaker denies it.") is None
    True
    """
    if not isinstance(answer, str):
        return None
    text = answer.strip().replace("**", "").strip(_DECORATION)
    inner = _from_json(text)
    if inner is not _NOT_JSON:
        return parse_answer(inner)
    text = _PREFIX.sub("", text, count=1).strip(_DECORATION)
    whole = text.rstrip(_TRAILING).strip(_DECORATION).lower()
    if whole in WHOLE_ANSWER_FORMS:
        return WHOLE_ANSWER_FORMS[whole]
    found = _LABEL_WORD.search(text)
    return found.group(1).lower() if found else None


def read_answers(path: Path | str, data: EvalData) -> tuple[np.ndarray, list[str], str]:
    """Read ``path``: label codes (:data:`UNPARSEABLE` for no label) in ``data``'s order,
    the raw answers in the same order, and the file's SHA-256."""
    import pyarrow as pa

    from denialbench.eval._predictions import _match_ids
    from denialbench.eval._table_files import read_table

    tf = read_table(path, error=PredictionsFileError, required=("id", "answer"))
    ids = tf.table.column("id")
    if ids.null_count:
        raise tf.fail(int(null_rows(ids)[0]), "'id' is missing")
    ids = ids.cast(pa.string()).combine_chunks()
    order = None if ids.equals(data.id_column()) else _match_ids(tf, ids, data)
    raw = tf.table.column("answer").to_pylist()
    answers = ["" if a is None else str(a) for a in raw]
    codes = np.array(
        [LABELS.index(lab) if (lab := parse_answer(a)) else UNPARSEABLE for a in answers],
        dtype=np.int64,
    )
    if order is not None:
        codes = codes[order]
        answers = [answers[i] for i in order]
    return codes, answers, tf.sha256()


def _five_column_scores(gold: np.ndarray, codes: np.ndarray, n_bootstrap: int, seed: int):
    """Headline metrics and per-label scores from the (K, K+1) matrix, with bootstrap CIs."""
    from denialbench.eval._metrics import mcc_score
    from denialbench.eval._scoring import _interval, bootstrap_confusions, slice_rng

    k = len(LABELS)
    cm = np.bincount(gold * (k + 1) + codes, minlength=k * (k + 1)).reshape(k, k + 1)

    def metrics(m: np.ndarray) -> dict[str, np.ndarray]:
        tp = np.diagonal(m[..., :k], axis1=-2, axis2=-1).astype(np.float64)
        predicted = m[..., :k].sum(axis=-2)  # the fifth column is predicted as nothing
        support = m.sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            f1 = np.where(predicted + support > 0, 2 * tp / (predicted + support), 0.0)
            total = m.sum(axis=(-2, -1))
            accuracy = np.where(total > 0, tp.sum(axis=-1) / total, 0.0)
        # MCC of the square matrix with an empty fifth gold row: as scikit-learn
        # scores predictions that include a label no item has
        square = np.concatenate([m, np.zeros((*m.shape[:-2], 1, k + 1), dtype=m.dtype)], axis=-2)
        return {
            "macro_f1_score": f1.mean(axis=-1),
            "accuracy_score": accuracy,
            "deny_f1_score": f1[..., LABELS.index("deny")],
            "mcc_score": mcc_score(square),
            "_f1": f1,
        }

    point = metrics(cm)
    boot = metrics(bootstrap_confusions(cm, n_bootstrap, slice_rng(seed, "overall")))
    names = ("macro_f1_score", "accuracy_score", "deny_f1_score", "mcc_score")
    tp = np.diagonal(cm[:, :k])
    predicted, support = cm[:, :k].sum(axis=0), cm.sum(axis=1)
    per_label = {
        label: {
            "precision": float(tp[i] / predicted[i]) if predicted[i] else 0.0,
            "recall": float(tp[i] / support[i]) if support[i] else 0.0,
            "f1": float(point["_f1"][i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(LABELS)
    }
    return {n: _interval(float(point[n]), boot[n]) for n in names}, per_label, cm


def score_answers(
    data: EvalData,
    codes: np.ndarray,
    answers: list[str],
    *,
    model_info: dict[str, Any],
    n_bootstrap: int,
    seed: int,
) -> dict[str, Any]:
    """Result content for an answers file (see the module docstring for the scheme)."""
    from denialbench.eval._evaluate import result_content

    unparseable = codes == UNPARSEABLE
    # slices and contrast need a label code: the label after the gold one is always wrong
    stand_in = np.where(unparseable, (data.gold.astype(np.int64) + 1) % len(LABELS), codes)
    content = result_content(
        data, stand_in, None, model_info=model_info, n_bootstrap=n_bootstrap, seed=seed
    )
    keep = slice(None) if data.headline is None else data.headline
    metrics, per_label, cm = _five_column_scores(
        data.gold.astype(np.int64)[keep], codes[keep], n_bootstrap, seed
    )
    content["metrics"] = metrics
    content["per_label"] = per_label
    content["confusion_matrix"] = {
        "labels": list(LABELS),
        "matrix": cm[:, : len(LABELS)].tolist(),
        "unparseable_by_gold": cm[:, len(LABELS)].tolist(),
    }
    ids = data.id_array()
    rows = np.flatnonzero(unparseable)
    content["answers"] = {
        "n_unparseable": int(rows.size),
        "examples": [{"id": str(ids[r]), "answer": answers[r]} for r in rows[:EXAMPLES_SHOWN]],
        "scheme": "an unparseable answer is a fifth, never-gold prediction: wrong, and a "
        "false positive of no label",
        "slice_note": "slices and contrast consistency count an unparseable answer as the "
        "label after its gold label (always wrong)",
    }
    return content


def per_item_answers(data: EvalData, codes: np.ndarray) -> list[dict[str, Any]]:
    """Per-item records: id, gold and the parsed label (``unparseable`` for none)."""
    names = np.asarray([*LABELS, "unparseable"], dtype=object)
    return [
        {"id": i, "gold": g, "label": p}
        for i, g, p in zip(
            data.id_array().tolist(),
            names[data.gold].tolist(),
            names[codes].tolist(),
            strict=True,
        )
    ]


def evaluate_answers(
    path: Path | str,
    split: str = "test",
    *,
    data: Path | str | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> Any:
    """Score an LLM answers file (``id,answer``) on a split or a data file.

    Returns an :class:`~denialbench.eval.EvaluationResult` whose content has an
    ``answers`` block: the number of unparseable answers and a few of them.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from denialbench.corpus import load
    >>> items = load(splits=("validation",))["validation"]
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> lines = [json.dumps({"id": r["id"], "answer": "Label: deny"}) for r in items]
    >>> _ = (folder / "answers.jsonl").write_text("\\n".join(lines))
    >>> result = evaluate_answers(folder / "answers.jsonl", "validation", n_bootstrap=0)
    >>> result.content["answers"]["n_unparseable"]
    0
    """
    from denialbench._errors import InputError
    from denialbench.eval._data import load_eval_data
    from denialbench.eval._result import EvaluationResult

    if n_bootstrap < 0:
        raise InputError(f"'n_bootstrap' must be >= 0 (got {n_bootstrap})")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give an answers file (.jsonl/.csv: id,answer)")
    eval_data = load_eval_data(split, data)
    codes, answers, sha256 = read_answers(path, eval_data)
    info = {"kind": "answers", "sha256": sha256, "path": path.name, "class": None}
    content = score_answers(
        eval_data, codes, answers, model_info=info, n_bootstrap=n_bootstrap, seed=seed
    )
    return EvaluationResult(content, lambda: per_item_answers(eval_data, codes), data=eval_data)


def print_unparseable(result: Any, console: Any) -> None:
    """One line with the unparseable count, and the first few answers, printed literally."""
    block = result.content["answers"]
    n, total = block["n_unparseable"], result.content["data"]["n_items"]
    console.print(
        f"unparseable answers: {n} of {total} (scored as wrong)", markup=False, highlight=False
    )
    for example in block["examples"]:
        shown = example["answer"][:120].replace("\n", " ")
        console.print(f"  - {example['id']}: {shown!r}", markup=False, highlight=False)
