"""`compare`: a paired bootstrap test on the macro-F1 difference.

The two systems are scored on the same items, so each item falls in one of
K^3 joint (gold, A, B) cells; resampling items is one multinomial draw over
those 64 cells, and both confusion matrices follow from each draw.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._schema import LABELS
from denialbench.eval._metrics import K, macro_f1_score
from denialbench.eval._scoring import CONFIDENCE, slice_rng

__all__ = ["compare", "load_scored", "paired_bootstrap"]


def paired_bootstrap(
    gold: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, *, n_bootstrap: int, seed: int
) -> dict[str, Any]:
    joint = np.bincount((gold.astype(np.int64) * K + pred_a) * K + pred_b, minlength=K**3).reshape(
        K, K, K
    )
    cm_a, cm_b = joint.sum(axis=2), joint.sum(axis=1)
    f1_a, f1_b = float(macro_f1_score(cm_a)), float(macro_f1_score(cm_b))
    n = int(joint.sum())
    rng = slice_rng(seed, "compare")
    draws = rng.multinomial(n, joint.ravel() / n, size=n_bootstrap).reshape(-1, K, K, K)
    diffs = macro_f1_score(draws.sum(axis=3)) - macro_f1_score(draws.sum(axis=2))
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    # two-sided: how often a resample lands on the other side of zero
    below = (np.sum(diffs <= 0) + 1) / (n_bootstrap + 1)
    above = (np.sum(diffs >= 0) + 1) / (n_bootstrap + 1)
    return {
        "macro_f1_a": f1_a,
        "macro_f1_b": f1_b,
        "difference": f1_a - f1_b,
        "ci_low": float(low),
        "ci_high": float(high),
        "p_value": float(min(1.0, 2 * min(below, above))),
        "n_items": n,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    }


def _codes(content: dict[str, Any], key: str) -> dict[str, int]:
    index = {label: i for i, label in enumerate(LABELS)}
    return {p["id"]: index[p[key]] for p in content["predictions"]}


def load_scored(path: Path | str) -> tuple[dict[str, Any], str]:
    """A results file or a leaderboard entry: its (test) result and the model's name.

    A leaderboard entry (``leaderboard/<version>/<name>.json``) is named by its
    submission; a results file by its model file, or the model's class.
    """
    from denialbench.eval._result import check_result
    from denialbench.eval.leaderboard import board_result

    path = Path(path)
    try:
        content = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such file; give a results JSON or a leaderboard entry"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a results JSON file or leaderboard entry ({exc})") from None
    if isinstance(content, dict) and isinstance(content.get("submission"), dict):
        result = board_result(content)
        if result is None:
            raise InputError(f"{path}: a leaderboard entry without a test result")
        check_result(result, f"{path} (the test result of a leaderboard entry)")
        name = str(content["submission"].get("name") or path.stem)
        return result, name
    check_result(content, str(path))
    model = content["model"]
    return content, str(model.get("path") or model.get("class") or path.stem)


def _scored_on(result: dict[str, Any]) -> str:
    data = result["data"]
    where = f"split {data['split']}" if data["kind"] == "split" else f"file {data.get('path')}"
    return f"{where} of corpus {result.get('corpus_version')}"


def _ambiguous_ids(result: dict[str, Any]) -> set[str]:
    """Ids a real split leaves out of its headline (none for other data).

    Read from the bundled split the result was scored on; a result of another
    version of the split (its SHA-256 differs) keeps every item.
    """
    data = result["data"]
    if data.get("kind") != "split" or not str(data.get("split", "")).startswith("real_"):
        return set()
    from denialbench.eval._data import load_eval_data

    bundled = load_eval_data(data["split"])
    if bundled.source["sha256"] != data["sha256"] or bundled.headline is None:
        return set()
    return set(bundled.id_array()[~bundled.headline].tolist())


def compare(
    a: Path | str, b: Path | str, *, n_bootstrap: int = 10000, seed: int = 0
) -> dict[str, Any]:
    """Compare two results files or leaderboard entries of the same data.

    See :func:`paired_bootstrap`; the output names both models (``name_a``,
    ``name_b``).
    """
    ra, name_a = load_scored(a)
    rb, name_b = load_scored(b)
    if _scored_on(ra) != _scored_on(rb):
        raise InputError(
            f"{a} was scored on {_scored_on(ra)}, {b} on {_scored_on(rb)}; compare results "
            "of the same split and corpus version (re-run `denialbench evaluate --split`)"
        )
    if ra["data"]["sha256"] != rb["data"]["sha256"]:
        raise InputError(
            f"{a} and {b} were scored on different data ({_scored_on(ra)}, but the SHA-256 "
            "differ); compare results of the same split and corpus version"
        )
    gold_a, pred_a = _codes(ra, "gold"), _codes(ra, "label")
    pred_b = _codes(rb, "label")
    if set(pred_a) != set(pred_b):
        raise InputError(f"{a} and {b} cover different item ids; both need every item")
    ids = sorted(pred_a)
    left_out = _ambiguous_ids(ra)
    if left_out:  # a real split: compare on the headline items, as evaluate scores them
        ids = [i for i in ids if i not in left_out]
    gold = np.array([gold_a[i] for i in ids])
    return {
        "a": str(a),
        "b": str(b),
        "name_a": name_a,
        "name_b": name_b,
        "scored_on": _scored_on(ra),
        **paired_bootstrap(
            gold,
            np.array([pred_a[i] for i in ids]),
            np.array([pred_b[i] for i in ids]),
            n_bootstrap=n_bootstrap,
            seed=seed,
        ),
    }
