"""Hooks for the lm-evaluation-harness tasks of DenialBench (loaded by lm-eval from this folder).

The data are the split files bundled with the installed ``denialbench``
package, read offline; the prompt is DenialBench's own versioned template
(zero-shot: lm-eval adds its own few-shot examples when asked), and the
generated answers go through DenialBench's answer parser, so a score here
matches `denialbench evaluate --answers` on the same answers.
"""

from __future__ import annotations

from typing import Any

LABELS = ("deny", "confirm", "evade", "unrelated")


def _dataset(split: str) -> Any:
    import datasets

    from denialbench.corpus._loading import split_path

    path = str(split_path(split))
    return datasets.load_dataset("json", data_files={split: path}, split=split)


def load_test(**kwargs: Any) -> dict[str, Any]:
    """The synthetic test split, plus train for lm-eval's own few-shot draw."""
    return {"test": _dataset("test"), "train": _dataset("train")}


def load_real_test(**kwargs: Any) -> dict[str, Any]:
    """The real test split (briefings), plus real_train for few-shot examples."""
    return {"test": _dataset("real_test"), "train": _dataset("real_train")}


def doc_to_text(doc: dict[str, Any]) -> str:
    from denialbench.eval._prompts import format_prompt

    return format_prompt(doc, [])


def doc_to_target(doc: dict[str, Any]) -> int:
    return LABELS.index(doc["label"])


def doc_to_target_text(doc: dict[str, Any]) -> str:
    return doc["label"]


def process_results_gen(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
    """Parse the generated answer; an unparseable one is wrong (predicted as "unparseable")."""
    from denialbench.eval._answers import parse_answer

    predicted = parse_answer(results[0]) or "unparseable"
    pair = (doc["label"], predicted)
    return {
        "acc": float(predicted == doc["label"]),
        "macro_f1": pair,
        "unparseable": float(predicted == "unparseable"),
    }


def process_results_mc(doc: dict[str, Any], results: list[Any]) -> dict[str, Any]:
    """The most likely of the four label words is the prediction."""
    loglikelihoods = [r[0] if isinstance(r, tuple | list) else r for r in results]
    predicted = LABELS[max(range(len(LABELS)), key=loglikelihoods.__getitem__)]
    return {"acc": float(predicted == doc["label"]), "macro_f1": (doc["label"], predicted)}


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-F1 over the four labels; "unparseable" is a prediction no label is credited with."""
    scores = []
    for label in LABELS:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        predicted = sum(1 for _, p in pairs if p == label)
        support = sum(1 for g, _ in pairs if g == label)
        scores.append(2 * tp / (predicted + support) if predicted + support else 0.0)
    return sum(scores) / len(scores)
