"""`--report DIR`: report.md with the tables, and matplotlib figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denialbench.eval._result import EvaluationResult
from denialbench.eval._summary import summary_tables

__all__ = ["write_report"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight", metadata={"Software": None})
    tmp.replace(path)


def _confusion_figure(result: EvaluationResult, path: Path) -> None:
    plt = _pyplot()
    cm = np.asarray(result.content["confusion_matrix"]["matrix"])
    labels = result.content["confusion_matrix"]["labels"]
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(
            j, i, str(v), ha="center", va="center", color="white" if v > cm.max() / 2 else "black"
        )
    ax.set_title("Confusion matrix")
    _save(fig, path)
    plt.close(fig)


def _reliability_figure(result: EvaluationResult, path: Path) -> None:
    from denialbench.corpus._schema import LABELS
    from denialbench.eval._metrics import reliability_bins

    plt = _pyplot()
    preds = result.predictions
    gold = np.array([LABELS.index(p["gold"]) for p in preds])
    proba = np.array([p["proba"] for p in preds])
    conf, acc, count = reliability_bins(gold, proba)
    used = count > 0
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(conf[used], acc[used], marker="o", label="model")
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    ax.set_title("Reliability diagram")
    ax.legend(loc="upper left")
    _save(fig, path)
    plt.close(fig)


def _slice_figure(result: EvaluationResult, kind: str, path: Path) -> None:
    plt = _pyplot()
    table = result.slices[kind]
    names = list(table)
    values = [table[n]["accuracy_score"]["value"] for n in names]
    low = [v - table[n]["accuracy_score"]["ci_low"] for v, n in zip(values, names, strict=True)]
    high = [table[n]["accuracy_score"]["ci_high"] - v for v, n in zip(values, names, strict=True)]
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(names) + 1.2))
    ax.barh(names, values, xerr=[low, high], color="#4c72b0")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("accuracy (95% CI)")
    ax.set_title(f"Accuracy by {kind}")
    _save(fig, path)
    plt.close(fig)


def write_report(result: EvaluationResult, folder: Path | str) -> Path:
    """Write report.md and its figures into ``folder``; return report.md's path."""
    from denialbench.corpus._io import atomic_write_text

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = ["confusion-matrix.png"]
    _confusion_figure(result, folder / "confusion-matrix.png")
    if result.predictions and "proba" in result.predictions[0]:
        _reliability_figure(result, folder / "reliability.png")
        figures.append("reliability.png")
    for kind in result.slices:
        name = f"slices-{kind}.png"
        _slice_figure(result, kind, folder / name)
        figures.append(name)
    lines = ["# DenialBench evaluation report", ""]
    c = result.content
    lines += [
        f"- model: `{c['model'].get('path') or c['model'].get('class')}` "
        f"(SHA-256 `{c['model'].get('sha256')}`)",
        f"- data: {c['data']['kind']} `{c['data']['split'] or c['data']['path']}`, "
        f"{c['data']['n_items']} items, SHA-256 `{c['data']['sha256']}`",
        f"- corpus version {c['corpus_version']}, denialbench {c['denialbench_version']}, "
        f"{c['arguments']['n_bootstrap']} bootstrap resamples, seed {c['arguments']['seed']}",
        "",
    ]
    for spec in summary_tables(result):
        lines += [
            f"## {spec['title']}",
            "",
            "| " + " | ".join(spec["columns"]) + " |",
            "|" + "---|" * len(spec["columns"]),
        ]
        lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in spec["rows"]]
        lines.append("")
    lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures] + [""]
    path = folder / "report.md"
    atomic_write_text(path, "\n".join(lines))
    return path
