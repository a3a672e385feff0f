"""Generated blocks of README.md, corpus/README.md and baselines/README.md.

Every figure in those documents sits between ``<!-- BEGIN GENERATED: name -->``
and ``<!-- END GENERATED: name -->`` markers and is written by
`denialbench docs` from the project's own files (the corpus, the agreement
study, the leaderboard entries, the latest benchmark JSON). ``--check`` fails
when a document differs from what would be written; CI runs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from denialbench._errors import CheckFailed, InputError

__all__ = ["update_docs"]

_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z0-9_]+) -->\n)(?P<body>.*?)"
    r"(<!-- END GENERATED: (?P=name) -->)",
    re.S,
)


def _baseline_entries(root: Path) -> list[dict[str, Any]]:
    from denialbench.corpus._version import CORPUS_VERSION
    from denialbench.eval.leaderboard import board_result, load_entries

    # read as {"submission", "result", "real_test"}: the test result of either entry
    # version, and the real_test result where the entry has one
    entries = [
        {
            "submission": e["submission"],
            "result": board_result(e),
            "real_test": board_result(e, "real_test"),
        }
        for _, e in load_entries(root / "leaderboard")
        if e["submission"].get("baseline")
        and (board_result(e) or {}).get("corpus_version") == CORPUS_VERSION
    ]
    return sorted(entries, key=lambda e: -e["result"]["metrics"]["macro_f1_score"]["value"])


def _ci(m: dict[str, float]) -> str:
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def _slice_acc(result: dict[str, Any], kind: str, name: str) -> str:
    s = result["slices"].get(kind, {}).get(name)
    return f"{s['accuracy_score']['value']:.3f}" if s else "-"


def baseline_table(root: Path) -> str:
    entries = _baseline_entries(root)
    if not entries:
        return "No baseline entries yet: run the commands above.\n"
    lines = [
        "| baseline | macro-F1 [95% CI] | deny F1 | accuracy | acc. on no_cue denials | "
        "acc. on cue_distractor | contrast consistency | real_test macro-F1 [95% CI] |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for e in entries:
        r = e["result"]
        m = r["metrics"]
        contrast = r.get("contrast_consistency") or {}
        # headline items only: evaluate leaves the ambiguous real items out
        real = "-" if e["real_test"] is None else _ci(e["real_test"]["metrics"]["macro_f1_score"])
        lines.append(
            f"| {e['submission']['name']} | {_ci(m['macro_f1_score'])} | "
            f"{m['deny_f1_score']['value']:.3f} | {m['accuracy_score']['value']:.3f} | "
            f"{_slice_acc(r, 'tag', 'no_cue')} | {_slice_acc(r, 'tag', 'cue_distractor')} | "
            f"{contrast.get('value', float('nan')):.3f} | {real} |"
        )
    return "\n".join(lines) + "\n"


def registry_table(root: Path) -> str:
    """The baselines of the registry: name, what it is, what training selects over."""
    from denialbench.baselines import REGISTRY

    lines = ["| name | what it is | selected on validation over |", "|---|---|---|"]
    for name, spec in REGISTRY.items():
        grid = "; ".join(f"{k} in {v}" for k, v in spec.grid.items()) or "-"
        description = spec.description.replace("|", "\\|")
        lines.append(f"| `{name}` | {description} | {grid} |")
    return "\n".join(lines) + "\n"


def probes_text(root: Path) -> str:
    """The shortcut probes as `corpus build` recorded them in corpus/probes.json."""
    from denialbench.corpus._probes import probes_record

    record = probes_record(root / "corpus")
    if record is None:
        return "The probes have not been run yet (`denialbench corpus build`).\n"
    lines = [
        "| probe | what it sees | macro-F1 on test | limit | verdict |",
        "|---|---|---:|---|---|",
    ]
    for row in record["probes"]:
        verdict = {None: "-", True: "pass", False: "FAIL"}[row["passed"]]
        lines.append(
            f"| {row['name']} | {row['description']} | {row['macro_f1']:.3f} | "
            f"{row['limit'] or '-'} | {verdict} |"
        )
    overlap = record["unrelated_overlap"]
    lines.append(
        f"| unrelated_overlap | unrelated test items among the share that claim-response "
        f"overlap alone ranks most unrelated ({overlap['found']}/"
        f"{overlap['unrelated_test_items']}; recall; noise floor "
        f"{overlap.get('noise_floor', float('nan')):.3f}) | "
        f"{overlap['figure']:.3f} | < {overlap['limit']:.2f} | "
        f"{'pass' if overlap['passed'] else 'FAIL'} |"
    )
    readings = [
        f"{title} {overlap[key]['figure']:.3f} (noise floor {overlap[key]['noise_floor']:.3f})"
        for key, title in (
            ("best_f1_threshold", "cut at the train unrelated-F1 peak (the first definition)"),
            ("four_label_model", "class-balanced four-label model"),
        )
        if key in overlap
    ]
    if readings:
        lines += ["", "Other readings of unrelated_overlap: " + "; ".join(readings) + "."]
    return "\n".join(lines) + "\n"


def blind_labels_text(root: Path) -> str:
    """Agreement of the three blind labels per evaluation item (agreement/blind_labels.json)."""
    path = root / "corpus" / "agreement" / "blind_labels.json"
    if not path.exists():
        return "The evaluation items have not been annotated yet.\n"
    agreement = json.loads(path.read_text("utf-8"))
    from denialbench.corpus._blind_labels import annotator_reference

    lines = [
        "| split | items | ambiguous (left out of the headline) | Fleiss' kappa | "
        "annotator instances | annotators' macro-F1 vs gold: mean (min-max) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for split, figures in agreement["splits"].items():
        ref = annotator_reference(agreement, split)
        kappa = figures["fleiss_kappa"]
        lines.append(
            f"| {split} | {figures['items']} | {figures['ambiguous']} | "
            f"{'-' if kappa is None else f'{kappa:.3f}'} | {ref['annotators'] if ref else 0} | "
            + (
                f"{ref['mean_macro_f1']:.3f} ({ref['min_macro_f1']:.3f}-{ref['max_macro_f1']:.3f})"
                if ref
                else "-"
            )
            + " |"
        )
    lines += [
        "",
        "| annotator | split | items | macro-F1 vs gold | accuracy |",
        "|---|---|---:|---:|---:|",
    ]
    for entry in agreement["annotators"]:
        for split in ("validation", "test"):
            if split in entry:
                cell = entry[split]
                lines.append(
                    f"| {entry['annotator']} | {split} | {cell['items']} | "
                    f"{cell['macro_f1']:.3f} | {cell['accuracy']:.1%} |"
                )
    return "\n".join(lines) + "\n"


def v1_recheck_text(root: Path) -> str:
    """The blind re-labelling of the four 1.0.0 groups an outside review flagged."""
    from collections import Counter

    from denialbench.corpus._io import iter_jsonl

    folder = root / "corpus" / "agreement" / "v1_recheck"
    labels: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for _, row in iter_jsonl(path):
            labels.setdefault(row["id"], []).append(
                row["label"] + (f"/{row['subtype']}" if row.get("subtype") else "")
            )
    if not labels:
        return "The 1.0.0 groups have not been re-labelled yet.\n"
    gold = {}
    for split in ("train", "validation", "test"):
        for _, record in iter_jsonl(root / "corpus" / "data" / "v1.0.0" / f"{split}.jsonl"):
            if record["id"] in labels:
                gold[record["id"]] = record
    lines = [
        "| 1.0.0 id | 1.0.0 gold | three blind labels | blind majority | verdict |",
        "|---|---|---|---|---|",
    ]
    for item_id in sorted(labels):
        record = gold[item_id]
        votes = Counter(v.split("/")[0] for v in labels[item_id])
        top, count = votes.most_common(1)[0]
        majority = top if count >= 2 else "none"
        verdict = (
            "agrees" if majority == record["label"] else "no majority" if count < 2 else "differs"
        )
        lines.append(
            f"| `{item_id}` | {record['label']}/{record['subtype'] or '-'} | "
            f"{', '.join(labels[item_id])} | {majority} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


#: The blind reader's samples: the file, and which responses it was drawn from.
_NARRATION_SAMPLES = (
    ("sample_verdicts.jsonl", "distinct responses drawn at random from corpus 2.0.0"),
    (
        "sample_verdicts_2.1.jsonl",
        "distinct responses drawn at random from the rival stories of 2.1.0",
    ),
)


def narration_text(root: Path) -> str:
    """The blind reader's speech-or-narration verdicts on samples of responses."""
    from denialbench.corpus._io import iter_jsonl

    folder = root / "corpus" / "agreement" / "narration"
    sentences = []
    for name, drawn in _NARRATION_SAMPLES:
        if not (folder / name).exists():
            continue
        rows = [row for _, row in iter_jsonl(folder / name)]
        narration = [r for r in rows if r["verdict"] == "narration"]
        noted = [r for r in rows if r["verdict"] == "speech" and r["note"]]
        sentences.append(
            f"A blind reader judged {len(rows)} {drawn} (`{name}`): "
            f"{len(narration)} narration, {len(rows) - len(narration)} speech, of which "
            f"{len(noted)} borderline (listed with a note in the file)."
        )
    if not sentences:
        return "The narration check has not been run yet.\n"
    return "\n\n".join(sentences) + "\n"


def filtering_text(root: Path) -> str:
    """The stories 2.1.0 added and what the shortcut filter dropped."""
    from denialbench.corpus._filtering import filter_markdown

    return filter_markdown(root / "corpus")


def stats_text(root: Path) -> str:
    from denialbench.corpus import stats, stats_markdown

    return stats_markdown(stats(root / "corpus" / "data"))


def agreement_text(root: Path) -> str:
    from denialbench.corpus._agreement import agreement, agreement_tables

    folder = root / "corpus" / "agreement"
    if not (folder / "annotator_a.jsonl").exists():
        return "The agreement study has not been run yet.\n"
    table = agreement_tables(agreement(folder))[0]
    lines = [
        f"**{table['title']}**",
        "",
        "| " + " | ".join(table["columns"]) + " |",
        "|" + "---|" * len(table["columns"]),
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in table["rows"]]
    return "\n".join(lines) + "\n"


def real_text(root: Path) -> str:
    from denialbench.corpus._real_stats import real_markdown

    return real_markdown(root / "corpus")


def real_transfer_text(root: Path) -> str:
    from denialbench.baselines._transfer import real_transfer_text as transfer_text

    return transfer_text(root)


def checksums_text(root: Path) -> str:
    data = json.loads((root / "corpus" / "data" / "checksums.json").read_text("utf-8"))
    lines = [
        f"Corpus version **{data['version']}**. SHA-256 of the split files:",
        "",
        "| split | SHA-256 |",
        "|---|---|",
    ]
    lines += [f"| {split} | `{sha}` |" for split, sha in data["sha256"].items()]
    return "\n".join(lines) + "\n"


def benchmarks_text(root: Path) -> str:
    path = root / "benchmarks" / "latest.json"
    if not path.exists():
        return "No benchmark run recorded yet.\n"
    data = json.loads(path.read_text("utf-8"))
    rows = {b["name"]: (b["stats"], b.get("extra_info", {})) for b in data["benchmarks"]}
    lines = [
        f"Measured on {data['machine_info'].get('cpu', {}).get('brand_raw', 'unknown CPU')}, "
        f"{data['machine_info'].get('cpu', {}).get('count', '?')} cores, "
        f"{data['datetime'][:10]}.",
        "",
        "| benchmark | median (s) | min (s) | rounds | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (s, extra) in sorted(rows.items()):
        rss = f"{extra['peak_rss_mib']:.0f}" if "peak_rss_mib" in extra else ""
        lines.append(f"| {name} | {s['median']:.4f} | {s['min']:.4f} | {s['rounds']} | {rss} |")
    ratio = data.get("ratios", {})
    for key, value in sorted(ratio.items()):
        lines.append(f"\n{key}: **{value:.2f}**")
    return "\n".join(lines) + "\n"


def task_scores_text(root: Path) -> str:
    from denialbench.eval._task_baselines import task_scores_text as produce

    return produce(root)


def tasks_text(root: Path) -> str:
    from denialbench.eval._tasks import tasks_markdown

    return tasks_markdown()


_PRODUCERS: dict[str, dict[str, Callable[[Path], str]]] = {
    "README.md": {
        "baselines": baseline_table,
        "benchmarks": benchmarks_text,
        "tasks": tasks_text,
    },
    "corpus/README.md": {
        "stats": stats_text,
        "agreement": agreement_text,
        "blind_labels": blind_labels_text,
        "v1_recheck": v1_recheck_text,
        "narration": narration_text,
        "filtering": filtering_text,
        "checksums": checksums_text,
        "probes": probes_text,
        "real": real_text,
        "real_transfer": real_transfer_text,
    },
    "baselines/README.md": {
        "registry": registry_table,
        "baselines": baseline_table,
        "probes": probes_text,
        "tasks": task_scores_text,
    },
}


def _rewrite(text: str, producers: dict[str, Callable[[Path], str]], root: Path, where: str) -> str:
    seen = set()

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in producers:
            raise InputError(
                f"{where}: unknown generated block {name!r}; known: {sorted(producers)}"
            )
        seen.add(name)
        return match.group(1) + producers[name](root) + match.group(4)

    out = _BLOCK.sub(replace, text)
    missing = set(producers) - seen
    if missing:
        raise InputError(f"{where}: missing generated block(s) {sorted(missing)}")
    return out


def update_docs(root: Path | str = ".", *, check: bool = False) -> list[str]:
    """Rewrite the generated blocks; with ``check``, raise if any is stale."""
    from denialbench.corpus._io import atomic_write_text

    root = Path(root)
    stale = []
    for rel, producers in _PRODUCERS.items():
        path = root / rel
        if not path.exists():
            raise InputError(f"{path}: missing; run from the repository root or give --repo-dir")
        text = path.read_text("utf-8")
        new = _rewrite(text, producers, root, str(path))
        if new != text:
            stale.append(rel)
            if not check:
                atomic_write_text(path, new)
    from denialbench._croissant import croissant_text

    croissant = root / "corpus" / "croissant.json"
    fresh = croissant_text(root)
    if not croissant.exists() or croissant.read_text("utf-8") != fresh:
        stale.append("corpus/croissant.json")
        if not check:
            atomic_write_text(croissant, fresh)
    if check and stale:
        raise CheckFailed(
            "generated documentation is stale; run `denialbench docs`",
            [f"{s} differs from `denialbench docs`" for s in stale],
        )
    return stale
