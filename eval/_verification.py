"""Recomputing a stored result from its per-item predictions.

A result file keeps every per-item prediction, so its figures can always be
recomputed with the registries of the running package. Comparing stored and
recomputed figures then tells three cases apart:

- a stored figure differs from its recomputation: the file was edited or
  produced by another tool, and it is refused;
- a figure exists on one side only, where a registry decides what exists
  (metrics, slices): the entry predates or outlives a registry change and is
  *stale*; ``denialbench leaderboard rescore`` brings it up to date;
- anything else that differs in shape is refused like an edited figure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from denialbench._errors import VerificationFailed
from denialbench.corpus._schema import LABELS
from denialbench.eval._result import RESULT_SCHEMA_VERSION, check_result

__all__ = ["RECOMPUTED", "Verified", "recompute", "verify_result"]

#: The parts of a result that are figures, recomputed from the predictions.
RECOMPUTED = ("metrics", "per_label", "confusion_matrix", "slices", "contrast_consistency")
# Where the registries (metrics, slices) decide which keys exist: a key on one
# side only is staleness, not tampering.
_REGISTRY_DRIVEN = ("metrics", "slices")


@dataclass
class Verified:
    """A result whose stored figures all match their recomputation.

    ``fresh`` holds the recomputed figures (JSON round-tripped); ``stale``
    names the figures that exist on one side only, and is empty when the
    stored result is exactly what this package writes.
    """

    fresh: dict[str, Any]
    stale: list[str] = field(default_factory=list)


def _is_nan_pair(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b)


def _compare(stored: Any, fresh: Any, path: str, stale: list[str]) -> str | None:
    """The first edited figure under ``path``; registry key-set differences go to ``stale``."""
    if isinstance(stored, dict) and isinstance(fresh, dict):
        registry_part = path.split("/", 1)[0] in _REGISTRY_DRIVEN
        for key in sorted(set(stored) | set(fresh)):
            where = f"{path}/{key}"
            if key not in stored or key not in fresh:
                if not registry_part:
                    return where
                stale.append(f"{where} {'added' if key in fresh else 'no longer computed'}")
                continue
            found = _compare(stored[key], fresh[key], where, stale)
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(fresh, list):
        if len(stored) != len(fresh):
            return path
        for i, (x, y) in enumerate(zip(stored, fresh, strict=True)):
            found = _compare(x, y, f"{path}/{i}", stale)
            if found:
                return found
        return None
    if _is_nan_pair(stored, fresh):
        return None
    # bool is an int in Python: a stored `true` must not pass for a count of 1
    if type(stored) is bool or type(fresh) is bool:
        return None if type(stored) is type(fresh) and stored == fresh else path
    return None if stored == fresh else path


def recompute(content: dict[str, Any], where: str, split: str) -> dict[str, Any]:
    """The figures of ``content`` recomputed from its predictions on bundled ``split``."""
    from denialbench.corpus._loading import split_sha256
    from denialbench.corpus._version import CORPUS_VERSION
    from denialbench.eval._data import load_eval_data
    from denialbench.eval._evaluate import result_content

    data_info = content["data"]
    if data_info["kind"] != "split" or data_info["split"] != split:
        raise VerificationFailed(
            f"{where}: expected a result on the {split} split (got "
            f"{data_info['kind']} {data_info['split'] or data_info.get('path')!r}); "
            f"run `denialbench evaluate MODEL --split {split} --out FILE`"
        )
    if content["corpus_version"] != CORPUS_VERSION:
        raise VerificationFailed(
            f"{where}: scored on corpus {content['corpus_version']}, this package has "
            f"{CORPUS_VERSION}; re-run `denialbench evaluate` with this version"
        )
    if data_info["sha256"] != split_sha256(split):
        raise VerificationFailed(
            f"{where}: the split SHA-256 {data_info['sha256'][:12]}... is not that of the "
            f"{split} split of corpus {CORPUS_VERSION}; re-run `denialbench evaluate`"
        )
    data = load_eval_data(split)
    index = {label: i for i, label in enumerate(LABELS)}
    by_id: dict[str, dict[str, Any]] = {}
    for p in content["predictions"]:
        if p["id"] in by_id:
            raise VerificationFailed(f"{where}: id {p['id']!r} has two predictions")
        by_id[p["id"]] = p
    expected = set(data.id_array().tolist())
    missing, unknown = expected - set(by_id), set(by_id) - expected
    if missing or unknown:
        raise VerificationFailed(
            f"{where}: predictions must cover each {split} id exactly once ({len(missing)} "
            f"missing, e.g. {sorted(missing)[:3]}; {len(unknown)} unknown, e.g. "
            f"{sorted(unknown)[:3]})"
        )
    ordered = [by_id[i] for i in data.id_array().tolist()]
    gold_names = np.asarray(LABELS, dtype=object)[data.gold]
    wrong_gold = [p["id"] for p, g in zip(ordered, gold_names, strict=True) if p["gold"] != g]
    if wrong_gold:
        raise VerificationFailed(
            f"{where}: gold labels differ from the corpus, e.g. {wrong_gold[:3]}"
        )
    args = content["arguments"]
    if content["model"].get("kind") == "answers":
        # an LLM answers result: "unparseable" is a prediction, scored as always wrong
        from denialbench.eval._answers import UNPARSEABLE, score_answers

        index["unparseable"] = UNPARSEABLE
    strange = next((p for p in ordered if p["label"] not in index), None)
    if strange is not None:
        raise VerificationFailed(
            f"{where}: prediction {strange['label']!r} of id {strange['id']!r} is not a label"
        )
    pred = np.array([index[p["label"]] for p in ordered], dtype=np.int8)
    if content["model"].get("kind") == "answers":
        fresh = score_answers(
            data,
            pred.astype(np.int64),
            [""] * len(pred),
            model_info=content["model"],
            n_bootstrap=args["n_bootstrap"],
            seed=args["seed"],
        )
        return json.loads(json.dumps({k: fresh[k] for k in RECOMPUTED}))
    has_proba = all("proba" in p for p in ordered)
    proba = np.array([p["proba"] for p in ordered], dtype=np.float64) if has_proba else None
    fresh = result_content(
        data,
        pred,
        proba,
        model_info=content["model"],
        n_bootstrap=args["n_bootstrap"],
        seed=args["seed"],
    )
    # A JSON round trip, so floats compare exactly as they are stored.
    return json.loads(json.dumps({k: fresh[k] for k in RECOMPUTED}))


def verify_result(content: Any, where: str, split: str) -> Verified:
    """Check ``content`` against its recomputation; raise if a stored figure was edited.

    Raises
    ------
    InputError
        ``content`` is not a result file (schema).
    VerificationFailed
        A stored figure differs from what the predictions give, or the
        predictions do not match the split.
    """
    check_result(content, where)
    fresh = recompute(content, where, split)
    stale: list[str] = []
    for key in RECOMPUTED:
        edited = _compare(content[key], fresh[key], key, stale)
        if edited is not None:
            raise VerificationFailed(
                f"{where}: {edited} does not match what its predictions give; the file was "
                "edited or produced by another tool. Re-run `denialbench evaluate --out`."
            )
    if content["schema_version"] != RESULT_SCHEMA_VERSION:
        stale.insert(
            0,
            f"schema_version {content['schema_version']} (this package writes "
            f"{RESULT_SCHEMA_VERSION})",
        )
    return Verified(fresh, stale)
