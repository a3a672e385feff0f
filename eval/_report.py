"""`--report DIR`: report.md with the tables, and matplotlib figures.

Each figure is built by a function that returns the matplotlib Figure (the
tests read its titles and texts) and is written by :func:`write_report`.
Every figure names the model, the data (split or file) and the corpus
version, so a PNG copied out of its folder still says what it shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from denialbench.eval._result import EvaluationResult
from denialbench.eval._summary import summary_tables

__all__ = [
    "confusion_figure",
    "figure_subtitle",
    "reliability_figure",
    "slice_figure",
    "write_report",
]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight", metadata={"Software": None})
    tmp.replace(path)


def figure_subtitle(content: dict[str, Any]) -> str:
    """What every figure names: model, data and corpus version."""
    model = content["model"].get("path") or content["model"].get("class") or "model object"
    data = content["data"]
    where = f"split {data['split']}" if data["kind"] == "split" else f"file {data['path']}"
    corpus = content.get("corpus_version") or "unversioned data"
    corpus = f"corpus {corpus}" if content.get("corpus_version") else corpus
    return f"{model} on {where} ({data['n_items']} items), {corpus}"


def _titled(fig, title: str, content: dict[str, Any]) -> None:
    fig.suptitle(f"{title}\n{figure_subtitle(content)}", fontsize=10)


def confusion_figure(result: EvaluationResult):
    """Row-normalised confusion matrix (colour scale) beside the counts."""
    plt = _pyplot()
    content = result.scores
    cm = np.asarray(content["confusion_matrix"]["matrix"], dtype=np.int64)
    labels = content["confusion_matrix"]["labels"]
    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows != 0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    panels = (
        (left, share, "Row-normalised (share of each gold label)", "share of gold row", "{:.2f}"),
        (right, cm, "Counts", "items", "{:d}"),
    )
    for ax, values, title, bar_label, fmt in panels:
        vmax = 1.0 if values is share else max(int(cm.max()), 1)
        image = ax.imshow(values, cmap="Blues", vmin=0, vmax=vmax)
        fig.colorbar(image, ax=ax, shrink=0.8, label=bar_label)
        ax.set_xticks(range(len(labels)), labels, rotation=30)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(title, fontsize=9)
        for (i, j), v in np.ndenumerate(values):
            colour = "white" if v > vmax / 2 else "black"
            ax.text(j, i, fmt.format(v), ha="center", va="center", color=colour)
    _titled(fig, "Confusion matrix (rows gold, columns predicted)", content)
    return fig


def reliability_figure(result: EvaluationResult):
    """Reliability diagram with the items per bin and the ECE; None without probabilities."""
    from denialbench.corpus._schema import LABELS
    from denialbench.eval._metrics import ece_loss, reliability_bins

    preds = result.predictions
    if not preds or "proba" not in preds[0]:
        return None
    plt = _pyplot()
    content = result.scores
    index = {label: i for i, label in enumerate(LABELS)}
    gold = np.array([index[p["gold"]] for p in preds])
    proba = np.array([p["proba"] for p in preds], dtype=np.float64)
    conf, acc, count = reliability_bins(gold, proba)
    n_bins = len(count)
    stored = content["metrics"].get("ece_loss")
    ece = stored["value"] if stored else ece_loss(gold, proba, n_bins)
    used = count > 0
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(5.2, 6.2),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 1]},
        layout="constrained",
    )
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    top.plot(conf[used], acc[used], marker="o", label="model")
    top.set_ylabel("accuracy")
    top.set_ylim(0, 1.02)
    top.set_title(f"ECE {ece:.3f} ({n_bins} equal-width bins, top-label confidence)", fontsize=9)
    top.legend(loc="upper left")
    edges = np.linspace(0, 1, n_bins + 1)
    bottom.bar(edges[:-1], count, width=1 / n_bins, align="edge", color="#4c72b0")
    for left, n in zip(edges[:-1], count, strict=True):
        if n:
            bottom.text(left + 0.5 / n_bins, n, str(int(n)), ha="center", va="bottom", fontsize=7)
    bottom.set_xlim(0, 1)
    bottom.set_ylim(0, max(int(count.max()), 1) * 1.25)
    bottom.set_xlabel("confidence (top label)")
    bottom.set_ylabel("items per bin")
    _titled(fig, "Reliability diagram", content)
    return fig


def slice_figure(result: EvaluationResult, kind: str):
    """Accuracy per slice with its CI and n, against the overall accuracy."""
    plt = _pyplot()
    content = result.scores
    table = content["slices"][kind]
    names = list(table)
    values = np.array([table[n]["accuracy_score"]["value"] for n in names])
    low = values - np.array([table[n]["accuracy_score"]["ci_low"] for n in names])
    high = np.array([table[n]["accuracy_score"]["ci_high"] for n in names]) - values
    overall = content["metrics"]["accuracy_score"]["value"]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.8), layout="constrained")
    ax.barh(
        [f"{n} (n={table[n]['n']})" for n in names],
        values,
        xerr=[low, high],
        color="#4c72b0",
    )
    ax.axvline(overall, color="#c44e52", linestyle="--", label=f"overall {overall:.3f}")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("accuracy (95% CI)")
    ax.legend(loc="best", fontsize=8)
    _titled(fig, f"Accuracy by {kind}", content)
    return fig


def write_report(result: EvaluationResult, folder: Path | str) -> Path:
    """Write report.md and its figures into ``folder``; return report.md's path."""
    from denialbench.corpus._io import atomic_write_text

    plt = _pyplot()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = {"confusion-matrix.png": confusion_figure(result)}
    reliability = reliability_figure(result)
    if reliability is not None:
        figures["reliability.png"] = reliability
    for kind in result.slices:
        figures[f"slices-{kind}.png"] = slice_figure(result, kind)
    for name, fig in figures.items():
        _save(fig, folder / name)
        plt.close(fig)
    lines = ["# DenialBench evaluation report", ""]
    c = result.scores
    lines += [
        f"- model: `{c['model'].get('path') or c['model'].get('class')}` "
        f"(SHA-256 `{c['model'].get('sha256')}`)",
        f"- data: {c['data']['kind']} `{c['data']['split'] or c['data']['path']}`, "
        f"{c['data']['n_items']} items, SHA-256 `{c['data']['sha256']}`",
        f"- corpus version {c['corpus_version']}, denialbench {c['denialbench_version']}, "
        f"{c['arguments']['n_bootstrap']} bootstrap resamples, seed {c['arguments']['seed']}",
        "- slices whose gold labels are all one class report accuracy only "
        "(macro-F1 and deny-F1 mean nothing there)",
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
