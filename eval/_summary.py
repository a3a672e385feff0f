"""The terminal summary of an evaluation (rich tables)."""

from __future__ import annotations

from typing import Any

from denialbench.eval._result import EvaluationResult

__all__ = ["print_summary", "summary_tables"]


def _fmt(m: dict[str, float]) -> str:
    if "ci_low" in m:
        return f"{m['value']:.4f}  [{m['ci_low']:.4f}, {m['ci_high']:.4f}]"
    return f"{m['value']:.4f}"


def _point(s: dict[str, Any], name: str) -> str:
    """A slice's point estimate, or "-" where the slice has one gold label (accuracy only)."""
    return f"{s[name]['value']:.3f}" if name in s else "-"


def summary_tables(result: EvaluationResult) -> list[dict[str, Any]]:
    c = result.scores
    data = c["data"]
    where = f"split {data['split']}" if data["kind"] == "split" else f"file {data['path']}"
    task = c.get("task")
    if task is not None:
        where = f"task {task['name']} v{task['version']} ({task['split']})"
    tables = [
        {
            "title": f"DenialBench: {c['model'].get('path') or c['model'].get('class')} on {where} "
            f"({data['n_items']} items"
            + (f", corpus {c['corpus_version']})" if c["corpus_version"] else ")"),
            "columns": ["metric", "value  [95% CI]"],
            "rows": [[name, _fmt(m)] for name, m in c["metrics"].items()],
        }
    ]
    if task is not None:
        tables.append(_task_table(task, c.get("timing")))
    tables.append(
        {
            "title": "Per label",
            "columns": ["label", "precision", "recall", "f1", "support"],
            "rows": [
                [lab, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", v["support"]]
                for lab, v in c["per_label"].items()
            ],
        }
    )
    cm = c["confusion_matrix"]
    tables.append(
        {
            "title": "Confusion matrix (rows gold, columns predicted)",
            "columns": ["gold \\ pred", *cm["labels"]],
            "rows": [[lab, *row] for lab, row in zip(cm["labels"], cm["matrix"], strict=True)],
        }
    )
    for kind, table in c["slices"].items():
        tables.append(
            {
                "title": f"Slices by {kind} (one gold label: accuracy only)",
                "columns": ["slice", "n", "accuracy [95% CI]", "macro-F1", "deny F1"],
                "rows": [
                    [
                        name,
                        s["n"],
                        _fmt(s["accuracy_score"]),
                        _point(s, "macro_f1_score"),
                        _point(s, "deny_f1_score"),
                    ]
                    for name, s in table.items()
                ],
            }
        )
    contrast = c.get("contrast_consistency")
    if contrast and contrast["n_groups"]:
        tables.append(
            {
                "title": "Contrast consistency (groups with every item right)",
                "columns": ["groups", "value [95% CI]"],
                "rows": [[contrast["n_groups"], _fmt(contrast)]],
            }
        )
    return tables


def _task_table(task: dict[str, Any], timing: dict[str, float] | None) -> dict[str, Any]:
    """The task's own scores: main and native marked, labels averaged over named."""

    def role(name: str) -> str:
        return ", ".join(r for r in ("main", "native") if name == task[f"{r}_score"])

    timed = ""
    if timing:
        timed = (
            f"; read {timing.get('read_seconds', 0):.2f} s, model "
            f"{timing.get('model_seconds', 0):.2f} s"
        )
    return {
        "title": f"Task {task['name']} ({task['view']} view; macro-F1 over "
        f"{', '.join(task['labels'])}{timed})",
        "columns": ["score", "value  [95% CI]", "role"],
        "rows": [[name, _fmt(m), role(name)] for name, m in task["scores"].items()],
    }


def print_summary(result: EvaluationResult, console: Any) -> None:
    from denialbench._tables import print_tables

    print_tables(console, summary_tables(result))
