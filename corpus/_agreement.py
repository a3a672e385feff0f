"""The agreement study: Cohen's kappa between the gold labels and a blind annotator.

The study folder (``corpus/agreement/``) holds:

- ``sample.jsonl``: the items shown to the annotator (id, claim, claim_source,
  response, speaker; never a label), stratified by label and domain;
- ``gold_before.jsonl``: the gold label of each sampled item when the sample
  was drawn;
- ``annotator_a.jsonl``: the annotator's label per id;
- ``adjudication.jsonl``: one row per disagreement, with the adjudicated
  final label and whether the gold was wrong (those fixes are applied by
  `corpus build`).

Everything here recomputes from those files: `denialbench corpus agreement`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError
from denialbench.corpus._io import iter_jsonl
from denialbench.corpus._schema import LABELS

__all__ = ["agreement", "agreement_tables", "cohen_kappa"]


def cohen_kappa(a: np.ndarray, b: np.ndarray, k: int = len(LABELS)) -> float:
    """Cohen's kappa of two label-code arrays."""
    cm = np.bincount(a * k + b, minlength=k * k).reshape(k, k).astype(np.float64)
    n = cm.sum()
    observed = np.trace(cm) / n
    expected = (cm.sum(axis=1) @ cm.sum(axis=0)) / n**2
    return float((observed - expected) / (1 - expected)) if expected < 1 else 1.0


def _labels(path: Path) -> dict[str, str]:
    out = {}
    for number, row in iter_jsonl(path):
        if row.get("label") not in LABELS:
            raise InputError(
                f"{path}:{number}: 'label' must be one of {LABELS} (got {row.get('label')!r})"
            )
        out[row["id"]] = row["label"]
    return out


def _default_folder() -> Path:
    return Path(str(resources.files("denialbench.corpus") / "agreement"))


def _compare(gold: dict[str, str], other: dict[str, str]) -> dict[str, Any]:
    ids = sorted(gold)
    a = np.array([LABELS.index(gold[i]) for i in ids])
    b = np.array([LABELS.index(other[i]) for i in ids])
    per_label = {}
    for k, label in enumerate(LABELS):
        both = int(((a == k) & (b == k)).sum())
        denom = int((a == k).sum() + (b == k).sum())
        per_label[label] = {
            "gold": int((a == k).sum()),
            "annotator": int((b == k).sum()),
            "specific_agreement": 2 * both / denom if denom else float("nan"),
        }
    cm = np.bincount(a * len(LABELS) + b, minlength=len(LABELS) ** 2).reshape(len(LABELS), -1)
    return {
        "n": len(ids),
        "kappa": cohen_kappa(a, b),
        "observed_agreement": float((a == b).mean()),
        "per_label": per_label,
        "confusion": cm.tolist(),
    }


def agreement(folder: Path | str | None = None) -> dict[str, Any]:
    """Kappa before adjudication (gold as drawn) and after (gold as fixed)."""
    folder = Path(folder) if folder is not None else _default_folder()
    gold = _labels(folder / "gold_before.jsonl")
    annotator = _labels(folder / "annotator_a.jsonl")
    if set(gold) != set(annotator):
        raise InputError(
            f"{folder}: annotator_a.jsonl and gold_before.jsonl cover different ids "
            f"({len(set(gold) ^ set(annotator))} differ)"
        )
    adjudicated = {row["id"]: row for _, row in iter_jsonl(folder / "adjudication.jsonl")}
    missing = [i for i in gold if gold[i] != annotator[i] and i not in adjudicated]
    if missing:
        raise InputError(
            f"{folder}: {len(missing)} disagreement(s) lack an adjudication, e.g. {missing[:3]}"
        )
    final = {i: adjudicated[i]["final_label"] if i in adjudicated else gold[i] for i in gold}
    return {
        "before_adjudication": _compare(gold, annotator),
        "after_adjudication": _compare(final, annotator),
        "disagreements": len(adjudicated),
        "gold_fixed": sum(bool(r.get("gold_was_wrong")) for r in adjudicated.values()),
    }


def agreement_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for stage in ("before_adjudication", "after_adjudication"):
        r = result[stage]
        rows.append(
            [stage.replace("_", " "), r["n"], f"{r['kappa']:.3f}", f"{r['observed_agreement']:.1%}"]
            + [f"{r['per_label'][lab]['specific_agreement']:.3f}" for lab in LABELS]
        )
    return [
        {
            "title": f"Agreement study ({result['disagreements']} disagreements adjudicated, "
            f"{result['gold_fixed']} gold labels fixed)",
            "columns": [
                "gold",
                "items",
                "Cohen's kappa",
                "observed",
                *[f"{lab} agreement" for lab in LABELS],
            ],
            "rows": rows,
        }
    ]


def draw_sample(records: list[dict[str, Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """A sample of ``n`` records stratified by (label, domain), proportional allocation.

    Largest remainders decide the last places, so the sample size is exact.
    """
    import random
    from collections import defaultdict

    cells: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r["id"]):
        cells[(record["label"], record["domain"])].append(record)
    total = len(records)
    quotas = {cell: n * len(items) / total for cell, items in cells.items()}
    counts = {cell: int(q) for cell, q in quotas.items()}
    for cell in sorted(quotas, key=lambda c: (-(quotas[c] - counts[c]), c))[
        : n - sum(counts.values())
    ]:
        counts[cell] += 1
    rng = random.Random(seed)
    sample = []
    for cell in sorted(cells):
        sample.extend(rng.sample(cells[cell], counts[cell]))
    return sorted(sample, key=lambda r: r["id"])
