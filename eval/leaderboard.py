"""The leaderboard: verified submissions and a generated LEADERBOARD.md.

An entry is stored as ``leaderboard/<corpus version>/<slug>.json``::

    {"entry_version": 2,
     "submission": {name, authors, url, parameters, extra_training_data,
                    test_unseen, baseline, date},
     "results": {"test": <a full result file, per-item predictions included>}}

``results`` maps each scored split to its result: ``test`` is required and
ranks the board; ``real_test`` (DenialBench-Real) is optional, must come from
the same model, and entries without it stay valid and show "-". Version 1
entries held the test result under ``result``; they are read as ``{"results": {"test": ...}}``.

Every stored figure must recompute, bit for bit, from the entry's own per-item
predictions against the gold labels of the exact corpus version (matched by
the split's SHA-256). A figure the running package computes but the entry
lacks (a metric or slice added since), or the reverse, makes the entry
*stale*, not invalid: ``check`` reports it and ``rescore`` rewrites the
entry's figures from its predictions. ``render`` is deterministic; ``check``
re-verifies every entry and compares LEADERBOARD.md with what ``render`` gives.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from denialbench._errors import InputError, VerificationFailed
from denialbench.eval._result import RESULT_SCHEMA_VERSION, EvaluationResult
from denialbench.eval._submission import (
    REQUIRED_META,
    check_meta,
    shipped_baseline,
    verify_baseline_predictions,
)
from denialbench.eval._verification import RECOMPUTED, verify_result

__all__ = [
    "BOARD_SPLITS",
    "ENTRY_VERSION",
    "REQUIRED_META",
    "BoardCheck",
    "add",
    "board_result",
    "check",
    "entry_results",
    "load_entries",
    "render",
    "render_to",
    "rescore",
    "verify_entry",
]

ENTRY_VERSION = 2
#: The splits an entry may hold a result for; the first is required and ranks the board.
BOARD_SPLITS = ("test", "real_test")
BOARD_SPLIT = BOARD_SPLITS[0]
_STALE_HINT = "run `denialbench leaderboard rescore`"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "model"


def predictions_hash(content: dict[str, Any]) -> str:
    pairs = sorted((p["id"], p["label"]) for p in content["predictions"])
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()


def entry_results(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The entry's results by split, for either entry version."""
    if not isinstance(entry, dict):
        return {}
    if "results" in entry:
        return entry["results"]
    return {BOARD_SPLIT: entry["result"]} if "result" in entry else {}


def board_result(entry: dict[str, Any], split: str = BOARD_SPLIT) -> dict[str, Any] | None:
    """The entry's result on ``split`` (the ranking split by default), or None."""
    return entry_results(entry).get(split)


@dataclass
class BoardCheck:
    """What :func:`check` found: entries verified and those that are stale."""

    n_entries: int
    stale: list[str] = field(default_factory=list)


def _canonical_result(stored: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """``stored`` with fresh figures, in the key order ``evaluate --out`` writes."""
    provenance = ("denialbench_version", "corpus_version", "data", "model", "arguments")
    return {
        "schema_version": RESULT_SCHEMA_VERSION,
        **{k: stored[k] for k in provenance},
        **{k: fresh[k] for k in RECOMPUTED},
        "predictions": stored["predictions"],
    }


def _entry_text(entry: dict[str, Any]) -> str:
    return json.dumps(entry, indent=1) + "\n"


def _model_identity(model: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two results the same model: a model file's hash and name, else its class.

    Two predictions files necessarily differ (they cover different items), so
    for them only the kind can be compared.
    """
    kind = model.get("kind")
    if kind == "predictions":
        return (kind,)
    if model.get("sha256"):
        return (kind, model.get("sha256"), model.get("path"))
    return (kind, model.get("class"))


def _check_same_model(results: dict[str, Any], where: str) -> None:
    """Refuse results on the board splits that came from different models."""
    first = results[BOARD_SPLIT]["model"]
    for split in BOARD_SPLITS[1:]:
        if split not in results:
            continue
        other = results[split]["model"]
        if _model_identity(first) != _model_identity(other):

            def shown(m: dict[str, Any]) -> str:
                if m.get("sha256"):
                    return f"{m.get('kind')} {m.get('path')!r} (SHA-256 {m['sha256'][:12]}...)"
                return f"{m.get('kind')} of class {m.get('class')!r}"

            raise InputError(
                f"{where}: the {split} result comes from another model than the {BOARD_SPLIT} "
                f"result ({shown(other)} vs {shown(first)}); score the same model file on both "
                f"splits: `denialbench evaluate MODEL --split {split} --out FILE`"
            )


def _verify(
    entry: Any, where: str, *, rerun_baseline: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Verify an entry; return its up-to-date form and what is stale in the stored one.

    Raises :class:`VerificationFailed` for an edited figure and
    :class:`InputError` for bad metadata or a baseline mark that does not hold.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("submission"), dict):
        raise VerificationFailed(
            f"{where}: not a leaderboard entry (needs 'submission' and 'results'); "
            "create entries with `denialbench leaderboard add`"
        )
    results = entry_results(entry)
    if not isinstance(results, dict) or BOARD_SPLIT not in results:
        raise VerificationFailed(f"{where}: the entry has no result on the {BOARD_SPLIT} split")
    unknown = sorted(set(results) - set(BOARD_SPLITS))
    if unknown:
        raise VerificationFailed(
            f"{where}: results for {', '.join(unknown)}; the board takes {', '.join(BOARD_SPLITS)}"
        )
    fresh_results: dict[str, Any] = {}
    stale: list[str] = []
    for split in BOARD_SPLITS:
        if split not in results:
            continue
        label = f"{where} [{split}]" if len(results) > 1 else where
        verified = verify_result(results[split], label, split)
        fresh_results[split] = _canonical_result(results[split], verified.fresh)
        stale += [f"{split}: {s}" if len(results) > 1 else s for s in verified.stale]
    _check_same_model(fresh_results, where)
    # the baseline mark first: it decides which urls are valid
    if entry["submission"].get("baseline") is True:
        for split, result in fresh_results.items():
            if rerun_baseline:
                verify_baseline_predictions(result, where, split)
            else:
                shipped_baseline(result["model"], where)
    submission = check_meta(entry["submission"], fresh_results[BOARD_SPLIT]["model"])
    if entry.get("entry_version") != ENTRY_VERSION:
        stale.insert(0, f"entry_version {entry.get('entry_version', 1)} (now {ENTRY_VERSION})")
    fresh_entry = {
        "entry_version": ENTRY_VERSION,
        "submission": submission,
        "results": fresh_results,
    }
    return fresh_entry, stale


def verify_entry(content: dict[str, Any], where: str) -> list[str]:
    """Verify one result on the board split; return its stale figures (raise if edited)."""
    return verify_result(content, where, BOARD_SPLIT).stale


def load_entries(board_dir: Path | str) -> list[tuple[Path, dict[str, Any]]]:
    """Every stored entry as ``(path, entry)``, sorted by path, as stored on disk."""
    board_dir = Path(board_dir)
    entries = []
    for path in sorted(board_dir.glob("*/*.json")):
        try:
            entries.append((path, json.loads(path.read_text("utf-8"))))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise VerificationFailed(f"{path}: not valid JSON ({exc})") from None
    return entries


def add(
    results: Path | str,
    meta: dict[str, Any],
    board_dir: Path | str = "leaderboard",
    *,
    replace: bool = False,
    real_test: Path | str | None = None,
) -> Path:
    """Verify ``results`` and store it as an entry; return the entry's path.

    ``results`` is the result on ``test``; ``real_test`` is an optional result
    of the same model on DenialBench-Real's ``real_test`` split, verified and
    stored beside it.

    The stored figures are recomputed from the predictions, so a result file
    written by an older package (fewer metrics or slices) is stored up to
    date. ``replace`` overwrites the entry of the same name and corpus version
    (a retrained baseline); it never replaces an entry of the other kind
    (baseline or submission).
    """
    from denialbench.corpus._io import atomic_write_text

    content = EvaluationResult.load(results).content
    given = {k: v for k, v in meta.items() if v is not None}
    submission = {**content.get("submission", {}), **given}
    by_split = {BOARD_SPLIT: content}
    where = str(results)
    if real_test is not None:
        by_split["real_test"] = EvaluationResult.load(real_test).content
        where = f"{results} + {real_test}"
    entry, _ = _verify(
        {"submission": submission, "results": by_split},
        where,
        rerun_baseline=True,
    )
    name = entry["submission"]["name"]
    board_dir = Path(board_dir)
    target = board_dir / content["corpus_version"] / f"{_slug(name)}.json"
    new_hash = predictions_hash(content)
    for path, old_entry in load_entries(board_dir):
        old = board_result(old_entry)
        # the same model may be scored again on a new corpus version
        if old is None or old.get("corpus_version") != content["corpus_version"]:
            continue
        if path == target:
            was_baseline = bool(old_entry.get("submission", {}).get("baseline"))
            if not replace:
                raise InputError(
                    f"an entry named {name!r} exists ({path}); pick another --name, or give "
                    "--replace to replace it"
                )
            if was_baseline != entry["submission"]["baseline"]:
                kind = "a baseline" if was_baseline else "a submission"
                raise InputError(f"{path} is {kind}; --replace keeps an entry's kind")
            continue
        same_model = old["model"].get("sha256") and old["model"]["sha256"] == content["model"].get(
            "sha256"
        )
        if same_model or predictions_hash(old) == new_hash:
            raise InputError(
                f"duplicate submission: {path} has the same "
                f"{'model file' if same_model else 'predictions'}"
            )
    atomic_write_text(target, _entry_text(entry))
    return target


def rescore(board_dir: Path | str = "leaderboard") -> list[Path]:
    """Rewrite stale entries' figures from their predictions; return the rewritten paths.

    Every entry of the current corpus version is verified first; if any has
    an edited figure, nothing is written. Entries of older corpus versions are
    left alone: their gold labels are not bundled. The files are written
    deterministically (the same entries give the same bytes).
    """
    from denialbench.corpus._io import atomic_write_text

    updates, problems = [], []
    for path, entry in _current_entries(board_dir):
        try:
            fresh, _ = _verify(entry, str(path))
        except (VerificationFailed, InputError) as exc:
            problems.append(str(exc))
            continue
        text = _entry_text(fresh)
        if text != path.read_text("utf-8"):
            updates.append((path, text))
    if problems:
        raise VerificationFailed(
            f"leaderboard rescore refused: {len(problems)} entry(ies) do not verify, nothing "
            "was rewritten",
            problems,
        )
    for path, text in updates:
        atomic_write_text(path, text)
    return [path for path, _ in updates]


def _current_entries(board_dir: Path | str) -> list[tuple[Path, dict[str, Any]]]:
    from denialbench.corpus._version import CORPUS_VERSION

    out = []
    for path, entry in load_entries(board_dir):
        result = board_result(entry) if isinstance(entry, dict) else None
        # kept under its own version; its gold is not bundled any more
        if isinstance(result, dict) and result.get("corpus_version") != CORPUS_VERSION:
            continue
        out.append((path, entry))
    return out


# ---------------------------------------------------------------- rendering


def _ci(m: dict[str, float]) -> str:
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown table-cell text: no HTML, no markup, no cell break."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _markdown_url(url: str) -> str:
    # a link destination ends at ")" and a cell at "|"; check_meta refuses "|"
    return url.replace("(", "%28").replace(")", "%29")


_Row = tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]


def _table(rows: list[_Row]) -> list[str]:
    """The ranked table of ``(submission, test result, real_test result or None)`` rows.

    The real_test figure is the headline one: ``evaluate`` leaves the ambiguous
    items out of a real split's metrics, and the verification recomputes them so.
    """
    rows = sorted(rows, key=lambda r: (-r[1]["metrics"]["macro_f1_score"]["value"], r[0]["name"]))
    lines = [
        "| rank | model | macro-F1 [95% CI] | deny F1 | accuracy | deny ROC AUC "
        "| contrast consistency | real_test macro-F1 [95% CI] | date | link |",
        "|---:|---|---|---:|---:|---:|---:|---|---|---|",
    ]
    previous = None
    for rank, (sub, res, real) in enumerate(rows, start=1):
        m = res["metrics"]
        macro = m["macro_f1_score"]
        tied = previous is not None and macro["ci_high"] >= previous["ci_low"]
        rank_cell = f"≈{rank}" if tied else str(rank)
        name = markdown_text(sub["name"]) + (" *(baseline)*" if sub.get("baseline") else "")
        auc = m.get("deny_roc_auc_score", {}).get("value")
        contrast = res.get("contrast_consistency") or {}
        auc_cell = "-" if auc is None else f"{auc:.3f}"
        contrast_cell = f"{contrast['value']:.3f}" if contrast.get("n_groups") else "-"
        real_cell = "-" if real is None else _ci(real["metrics"]["macro_f1_score"])
        lines.append(
            f"| {rank_cell} | {name} | {_ci(macro)} | {m['deny_f1_score']['value']:.3f} | "
            f"{m['accuracy_score']['value']:.3f} | {auc_cell} | {contrast_cell} | {real_cell} | "
            f"{markdown_text(sub['date'])} | [link]({_markdown_url(sub['url'])}) |"
        )
        previous = macro
    return lines


def _reference_row() -> list[str]:
    """The model annotators' agreement with gold, under the current table.

    Not a submission: the blind annotators of the corpus (language-model
    instances) scored like a model, so a reader can see how far the best
    model is from careful readers who never saw the gold labels.
    """
    from denialbench.corpus._blind_labels import annotator_reference, bundled_agreement

    agreement = bundled_agreement()
    reference = annotator_reference(agreement) if agreement else None
    if reference is None:
        return []
    return [
        f"| ref | *Model annotators (reference, not a submission): "
        f"{reference['annotators']} blind language-model annotator instances, "
        f"3 labels per test item* | {reference['mean_macro_f1']:.3f} (mean; range "
        f"{reference['min_macro_f1']:.3f}-{reference['max_macro_f1']:.3f}) | - | - | - | - | "
        f"- | corpus build | - |",
        "",
        f"The reference row is each annotator's macro-F1 against gold on the test items it "
        f"labelled (Fleiss' kappa {reference['fleiss_kappa']:.3f} over "
        f"{reference['items']} test items). A model near it reads the items as well as "
        "the annotators do; the gap between the best model and the row is the headroom "
        "left for understanding. The row leans high: gold is the writer's label confirmed "
        "by these same annotators' majority, so each annotator helped set the answer key.",
    ]


def render(board_dir: Path | str = "leaderboard") -> str:
    """The LEADERBOARD.md text for the stored entries."""
    from denialbench.corpus._version import CORPUS_VERSION

    by_version: dict[str, list[_Row]] = {}
    for _, entry in load_entries(board_dir):
        result = board_result(entry)
        if isinstance(result, dict) and "corpus_version" in result:  # else `check` reports it
            real = board_result(entry, "real_test")
            by_version.setdefault(result["corpus_version"], []).append(
                (entry["submission"], result, real if isinstance(real, dict) else None)
            )
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
        "are not separable at this test-set size. The real_test column scores the same model "
        "on DenialBench-Real's test split (real press-briefing exchanges; the ambiguous "
        "items, without a 2/3 annotator majority, left out); - means not submitted.",
        "",
    ]
    versions = sorted(by_version, key=lambda v: (v != CORPUS_VERSION, v), reverse=False)
    for version in versions:
        rows = by_version[version]
        sha = rows[0][1]["data"]["sha256"]
        n = rows[0][1]["data"]["n_items"]
        heading = "Current corpus" if version == CORPUS_VERSION else "Older corpus"
        out += [
            f"## {heading}: version {version}, test split ({n} items, SHA-256 `{sha[:16]}`)",
            "",
        ]
        out += _table(rows)
        if version == CORPUS_VERSION:
            out += _reference_row()
        out.append("")
    if not by_version:
        out += ["No entries yet.", ""]
    from denialbench.eval._transfer import transfer_lines  # empty when no task results

    out += transfer_lines(
        board_dir, [(sub, res) for group in by_version.values() for sub, res, _ in group]
    )
    out += [
        "## How to submit",
        "",
        "1. Score your model or predictions file on the test split and keep the per-item file:",
        "   `denialbench evaluate MODEL_OR_PREDICTIONS --out results.json`; optionally also on "
        "DenialBench-Real: `denialbench evaluate MODEL_OR_PREDICTIONS --split real_test "
        "--out real.json`.",
        "2. Add it: `denialbench leaderboard add results.json [--real-test real.json] --name "
        "NAME --authors AUTHORS --url URL [--parameters N] --extra-data|--no-extra-data "
        "--test-unseen`.",
        "   The command recomputes every figure and refuses edited files and duplicates.",
        "   After a new metric or slice, `denialbench leaderboard rescore` brings the stored "
        "figures up to date from the predictions.",
        "3. Run `denialbench leaderboard render` and open a pull request with the new file "
        "under leaderboard/ and the updated LEADERBOARD.md.",
        "",
    ]
    return "\n".join(out)


def render_to(board_dir: Path | str, out: Path | str) -> None:
    from denialbench.corpus._io import atomic_write_text

    atomic_write_text(out, render(board_dir))


def check(
    board_dir: Path | str = "leaderboard", board: Path | str = "LEADERBOARD.md"
) -> BoardCheck:
    """Re-verify every entry and compare ``board`` with :func:`render`.

    Raises :class:`VerificationFailed` listing every entry with an edited
    figure or bad metadata, and a stale board. Entries that only lack figures
    added to the registries since they were made (or hold figures no longer
    computed) pass; they are listed in the returned ``stale``.
    """
    problems, stale = [], []
    entries = load_entries(board_dir)
    for path, entry in _current_entries(board_dir):
        try:
            _, behind = _verify(entry, str(path))
        except (VerificationFailed, InputError) as exc:
            problems.append(str(exc))
            continue
        if behind:
            more = f" and {len(behind) - 3} more" if len(behind) > 3 else ""
            stale.append(f"{path}: stale: {'; '.join(behind[:3])}{more}; {_STALE_HINT}")
    board = Path(board)
    current = board.read_text("utf-8") if board.exists() else None
    if current != render(board_dir):
        problems.append(f"{board} differs from `denialbench leaderboard render`; re-render it")
    if problems:
        raise VerificationFailed(f"leaderboard check failed ({len(problems)} problem(s))", problems)
    return BoardCheck(len(entries), stale)
