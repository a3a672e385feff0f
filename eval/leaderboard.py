"""The leaderboard: verified submissions and a generated LEADERBOARD.md.

An entry is stored as ``leaderboard/<corpus version>/<slug>.json`` holding
the submission metadata and the full result file. It is accepted only when
every figure recomputes, bit for bit, from its own per-item predictions
against the gold labels of the exact corpus version (matched by the split's
SHA-256). ``render`` is deterministic; ``check`` re-verifies every entry and
compares LEADERBOARD.md with what ``render`` produces.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date as _date
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError, VerificationFailed
from denialbench.corpus._schema import LABELS
from denialbench.eval._result import EvaluationResult, check_result

__all__ = ["REQUIRED_META", "add", "check", "load_entries", "render", "render_to", "verify_entry"]

#: Submission metadata every entry needs (``parameters`` may be null: unknown).
REQUIRED_META = ("name", "authors", "url", "extra_training_data", "test_unseen")
_RECOMPUTED = ("metrics", "per_label", "confusion_matrix", "slices", "contrast_consistency")
BOARD_SPLIT = "test"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "model"


def predictions_hash(content: dict[str, Any]) -> str:
    pairs = sorted((p["id"], p["label"]) for p in content["predictions"])
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}"
            found = _first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}/{i}")
            if found:
                return found
        return None
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return None
    return None if a == b else path


def _recompute(content: dict[str, Any], where: str) -> dict[str, Any]:
    """Recompute the scored parts of ``content`` from its predictions."""
    from denialbench.corpus._loading import split_sha256
    from denialbench.corpus._version import CORPUS_VERSION
    from denialbench.eval._data import load_eval_data
    from denialbench.eval._evaluate import result_content

    data_info = content["data"]
    if data_info["kind"] != "split" or data_info["split"] != BOARD_SPLIT:
        raise VerificationFailed(
            f"{where}: the board takes results on the {BOARD_SPLIT} split only"
        )
    if content["corpus_version"] != CORPUS_VERSION:
        raise VerificationFailed(
            f"{where}: scored on corpus {content['corpus_version']}, this package has "
            f"{CORPUS_VERSION}; re-run `denialbench evaluate` with this version"
        )
    if data_info["sha256"] != split_sha256(BOARD_SPLIT):
        raise VerificationFailed(
            f"{where}: the split SHA-256 {data_info['sha256'][:12]}... is not that of the "
            f"{BOARD_SPLIT} split of corpus {CORPUS_VERSION}; re-run `denialbench evaluate`"
        )
    data = load_eval_data(BOARD_SPLIT)
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
            f"{where}: predictions must cover each test id exactly once ({len(missing)} missing, "
            f"e.g. {sorted(missing)[:3]}; {len(unknown)} unknown, e.g. {sorted(unknown)[:3]})"
        )
    ordered = [by_id[i] for i in data.id_array().tolist()]
    gold_names = np.asarray(LABELS, dtype=object)[data.gold]
    wrong_gold = [p["id"] for p, g in zip(ordered, gold_names, strict=True) if p["gold"] != g]
    if wrong_gold:
        raise VerificationFailed(
            f"{where}: gold labels differ from the corpus, e.g. {wrong_gold[:3]}"
        )
    pred = np.array([index[p["label"]] for p in ordered], dtype=np.int8)
    has_proba = all("proba" in p for p in ordered)
    proba = np.array([p["proba"] for p in ordered], dtype=np.float64) if has_proba else None
    args = content["arguments"]
    fresh = result_content(
        data,
        pred,
        proba,
        model_info=content["model"],
        n_bootstrap=args["n_bootstrap"],
        seed=args["seed"],
    )
    # A JSON round trip, so floats compare exactly as they are stored.
    return json.loads(json.dumps({k: fresh[k] for k in _RECOMPUTED}))


def verify_entry(content: dict[str, Any], where: str) -> None:
    """Raise :class:`VerificationFailed` unless every figure recomputes."""
    check_result(content, where)
    fresh = _recompute(content, where)
    # A metric or slice registered after the entry was stored is not in it; that
    # leaves the entry valid, and every figure it does hold must still recompute.
    for key in ("metrics", "slices"):
        fresh[key] = {k: v for k, v in fresh[key].items() if k in content[key]}
    for key in _RECOMPUTED:
        diff = _first_difference(fresh[key], content[key], key)
        if diff is not None:
            raise VerificationFailed(
                f"{where}: {diff} does not match what its predictions give; the file was edited "
                "or produced by another tool. Re-run `denialbench evaluate --out`."
            )


def load_entries(board_dir: Path | str) -> list[tuple[Path, dict[str, Any]]]:
    board_dir = Path(board_dir)
    entries = []
    for path in sorted(board_dir.glob("*/*.json")):
        try:
            entries.append((path, json.loads(path.read_text("utf-8"))))
        except json.JSONDecodeError as exc:
            raise VerificationFailed(f"{path}: not valid JSON ({exc})") from None
    return entries


def _check_meta(meta: dict[str, Any]) -> dict[str, Any]:
    missing = [k for k in REQUIRED_META if meta.get(k) in (None, "")]
    if missing:
        flags = ", ".join("--" + k.replace("_", "-") for k in missing)
        raise InputError(f"submission is missing {', '.join(missing)}; give {flags}")
    if meta["test_unseen"] is not True:
        raise InputError(
            "a submission must state that the test split was not used for training or tuning "
            "(--test-unseen)"
        )
    if meta.get("date") is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(meta["date"])):
        raise InputError(f"'date' must be YYYY-MM-DD (got {meta['date']!r})")
    return {
        "name": str(meta["name"]),
        "authors": str(meta["authors"]),
        "url": str(meta["url"]),
        "parameters": meta.get("parameters"),
        "extra_training_data": bool(meta["extra_training_data"]),
        "test_unseen": True,
        "baseline": bool(meta.get("baseline", False)),
        "date": meta.get("date") or _date.today().isoformat(),
    }


def add(results: Path | str, meta: dict[str, Any], board_dir: Path | str = "leaderboard") -> Path:
    """Verify ``results`` and store it as an entry; return the entry's path."""
    result = EvaluationResult.load(results)
    content = result.content
    submission = _check_meta(
        {**content.get("submission", {}), **{k: v for k, v in meta.items() if v is not None}}
    )
    verify_entry(content, str(results))
    board_dir = Path(board_dir)
    target = board_dir / content["corpus_version"] / f"{_slug(submission['name'])}.json"
    new_hash = predictions_hash(content)
    for path, entry in load_entries(board_dir):
        old = entry["result"]
        if path == target:
            raise InputError(
                f"an entry named {submission['name']!r} exists ({path}); pick another --name"
            )
        if old["corpus_version"] != content["corpus_version"]:
            continue  # the same model scored on another corpus version is a new result
        same_model = old["model"].get("sha256") and old["model"]["sha256"] == content["model"].get(
            "sha256"
        )
        if same_model or predictions_hash(old) == new_hash:
            raise InputError(
                f"duplicate submission: {path} has the same "
                f"{'model file' if same_model else 'predictions'}"
            )
    from denialbench.corpus._io import atomic_write_text

    atomic_write_text(
        target, json.dumps({"submission": submission, "result": content}, indent=1) + "\n"
    )
    return target


# ---------------------------------------------------------------- rendering


def _ci(m: dict[str, float]) -> str:
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


def _table(entries: list[dict[str, Any]]) -> list[str]:
    rows = sorted(
        entries,
        key=lambda e: (-e["result"]["metrics"]["macro_f1_score"]["value"], e["submission"]["name"]),
    )
    lines = [
        "| rank | model | macro-F1 [95% CI] | deny F1 | accuracy | deny ROC AUC "
        "| contrast consistency | date | link |",
        "|---:|---|---|---:|---:|---:|---:|---|---|",
    ]
    previous = None
    for rank, entry in enumerate(rows, start=1):
        sub, res = entry["submission"], entry["result"]
        m = res["metrics"]
        macro = m["macro_f1_score"]
        tied = previous is not None and macro["ci_high"] >= previous["ci_low"]
        rank_cell = f"≈{rank}" if tied else str(rank)
        name = sub["name"] + (" *(baseline)*" if sub.get("baseline") else "")
        auc = m.get("deny_roc_auc_score", {}).get("value")
        contrast = res.get("contrast_consistency") or {}
        auc_cell = "-" if auc is None else f"{auc:.3f}"
        contrast_cell = f"{contrast['value']:.3f}" if contrast.get("n_groups") else "-"
        lines.append(
            f"| {rank_cell} | {name} | {_ci(macro)} | {m['deny_f1_score']['value']:.3f} | "
            f"{m['accuracy_score']['value']:.3f} | {auc_cell} | {contrast_cell} | "
            f"{sub['date']} | [link]({sub['url']}) |"
        )
        previous = macro
    return lines


def render(board_dir: Path | str = "leaderboard") -> str:
    """The LEADERBOARD.md text for the stored entries."""
    from denialbench.corpus._version import CORPUS_VERSION

    by_version: dict[str, list[dict[str, Any]]] = {}
    for _, entry in load_entries(board_dir):
        by_version.setdefault(entry["result"]["corpus_version"], []).append(entry)
    out = [
        "# DenialBench leaderboard",
        "",
        "<!-- Generated by `denialbench leaderboard render` from the entries in leaderboard/. "
        "Do not edit by hand: `denialbench leaderboard check` fails CI when this file differs. -->",
        "",
        "Every row was recomputed from its own per-item predictions against the gold labels "
        "of the corpus version named in its table (`denialbench leaderboard add`). Rows are "
        "ranked by macro-F1 over the four labels; brackets hold the 95% bootstrap confidence "
        "interval. A rank marked ≈ means the row's interval overlaps the row above: the two "
        "are not separable at this test-set size.",
        "",
    ]
    versions = sorted(by_version, key=lambda v: (v != CORPUS_VERSION, v), reverse=False)
    for version in versions:
        entries = by_version[version]
        sha = entries[0]["result"]["data"]["sha256"]
        n = entries[0]["result"]["data"]["n_items"]
        heading = "Current corpus" if version == CORPUS_VERSION else "Older corpus"
        out += [
            f"## {heading}: version {version}, test split ({n} items, SHA-256 `{sha[:16]}`)",
            "",
        ]
        out += _table(entries)
        out.append("")
    if not by_version:
        out += ["No entries yet.", ""]
    out += [
        "## How to submit",
        "",
        "1. Score your model or predictions file on the test split and keep the per-item file:",
        "   `denialbench evaluate MODEL_OR_PREDICTIONS --out results.json`.",
        "2. Add it: `denialbench leaderboard add results.json --name NAME --authors AUTHORS "
        "--url URL [--parameters N] --extra-data|--no-extra-data --test-unseen`.",
        "   The command recomputes every figure and refuses edited files and duplicates.",
        "3. Run `denialbench leaderboard render` and open a pull request with the new file "
        "under leaderboard/ and the updated LEADERBOARD.md.",
        "",
    ]
    return "\n".join(out)


def render_to(board_dir: Path | str, out: Path | str) -> None:
    from denialbench.corpus._io import atomic_write_text

    atomic_write_text(out, render(board_dir))


def check(board_dir: Path | str = "leaderboard", board: Path | str = "LEADERBOARD.md") -> int:
    """Re-verify every entry and compare ``board`` with :func:`render`."""
    from denialbench.corpus._version import CORPUS_VERSION

    problems = []
    entries = load_entries(board_dir)
    for path, entry in entries:
        if entry.get("result", {}).get("corpus_version") != CORPUS_VERSION:
            continue  # kept under its own version; its gold is not bundled any more
        try:
            _check_meta(entry.get("submission", {}))
            verify_entry(entry["result"], str(path))
        except (VerificationFailed, InputError) as exc:
            problems.append(str(exc))
    board = Path(board)
    current = board.read_text("utf-8") if board.exists() else None
    if current != render(board_dir):
        problems.append(f"{board} differs from `denialbench leaderboard render`; re-render it")
    if problems:
        raise VerificationFailed(f"leaderboard check failed ({len(problems)} problem(s))", problems)
    return len(entries)
