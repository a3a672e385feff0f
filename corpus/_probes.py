"""Shortcut probes: how far models that cannot solve the task get on the corpus.

Each probe trains on ``train`` and scores macro-F1 on ``test`` with the
harness's own metric. A probe that sees less than the pair (the id, the
speaker, one side, surface numbers) should stay near the floor; where it does
not, the corpus leaks the label. The limits are the ones issue 11 ("Corpus
2.0") sets; today's corpus fails some of them, which is what the probes are for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from denialbench.corpus._schema import LABELS

__all__ = [
    "PROBES",
    "Probe",
    "probes_record",
    "read_train_test",
    "run_probes",
    "score_probe",
    "unrelated_overlap",
    "write_probes",
]

SEED = 0
#: The issue's limit on the share of unrelated test items an overlap model finds.
UNRELATED_OVERLAP_LIMIT = 0.6


@dataclass(frozen=True)
class Probe:
    """One probe: a model factory and, where the issue sets one, its limit."""

    name: str
    description: str
    make: Callable[[], Any]
    #: ``(figure, figures) -> (passed, limit text)``; ``None`` for reference rows.
    check: Callable[[float, dict[str, float]], tuple[bool, str]] | None = None


def _at_most(limit: float) -> Callable[[float, dict[str, float]], tuple[bool, str]]:
    return lambda figure, _: (figure <= limit, f"<= {limit:.2f}")


def _near_majority(figure: float, figures: dict[str, float]) -> tuple[bool, str]:
    """Within 0.02 of the majority floor: the issue's test for ids that carry nothing."""
    floor = figures["majority"]
    return figure <= floor + 0.02, f"<= majority + 0.02 ({floor + 0.02:.3f})"


#: Baselines that read both claim and response: the best of them sets the
#: response-only limit (their leaderboard figures, when `corpus build` finds any).
PAIR_BASELINES = ("pair_tfidf", "pair_embedding", "cross_encoder")


def _below_pair(figure: float, figures: dict[str, float]) -> tuple[bool, str]:
    name = max((n for n in figures if n.split(":")[-1] in PAIR_BASELINES), key=lambda n: figures[n])
    best = figures[name]
    return figure <= best - 0.15, f"<= {name} - 0.15 ({best - 0.15:.3f})"


def _logistic() -> Any:
    """Logistic regression without class weights.

    The id and metadata probes are judged against the majority floor. A model
    whose input carries nothing falls back to the majority label unweighted;
    with balanced weights it would guess labels in proportion and score about
    0.24 macro-F1 by chance alone, over the floor. Both versions find the
    leaks of corpus 1.0.0 (`corpus probes --data-dir corpus/data/v1.0.0`).
    """
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=3000, random_state=SEED)


def _id_features() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    return ColumnTransformer([("id", ids, "id")])


def _make_id_only() -> Any:
    """Id n-grams, logistic regression with its strength chosen by cross-validation.

    The strength is picked on log-loss over three folds of train, so a model
    whose input carries nothing learns that and predicts the prior (the
    majority label); an id that leaks the label keeps a weak penalty and
    scores high. An untuned model with 65,000 n-gram features instead guesses
    a few minority labels on pure noise and lands over the majority floor
    whatever the ids are (see ``id_only_untuned`` and ``id_only_shuffled``).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline

    tuned = GridSearchCV(
        LogisticRegression(max_iter=3000, random_state=SEED),
        {"C": [0.001, 0.01, 0.1, 1.0, 10.0]},
        scoring="neg_log_loss",
        cv=StratifiedKFold(3, shuffle=True, random_state=SEED),
    )
    return Pipeline([("id", _id_features()), ("model", tuned)])


def _make_id_untuned() -> Any:
    from sklearn.pipeline import Pipeline

    return Pipeline([("id", _id_features()), ("model", _logistic())])


class _ShuffledLabels:
    """Fits the wrapped model on train labels in a seeded random order.

    Whatever it scores on test is what the same model reaches on pure noise:
    the floor to read an untuned or class-balanced probe against (such a
    model guesses minority labels by chance, which macro-F1 rewards).
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def fit(self, X: Any, y: Any) -> _ShuffledLabels:
        shuffled = np.random.default_rng(SEED).permutation(np.asarray(y))
        self.model.fit(X, shuffled)
        return self

    def predict(self, X: Any) -> Any:
        return self.model.predict(X)


def _make_id_shuffled() -> Any:
    return _ShuffledLabels(_make_id_untuned())


def _make_metadata_only() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

    columns = [
        (column, TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), column)
        for column in ("speaker", "claim_source")
    ]
    return Pipeline([("meta", ColumnTransformer(columns)), ("model", _logistic())])


def _make_shallow() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from denialbench.corpus._surface import shallow_features

    def surface(frame: pd.DataFrame) -> np.ndarray:
        return shallow_features(list(frame["claim"]), list(frame["response"]))

    return Pipeline(
        [
            ("surface", FunctionTransformer(surface)),
            ("model", HistGradientBoostingClassifier(random_state=SEED)),
        ]
    )


def _baseline(name: str) -> Callable[[], Any]:
    def make() -> Any:
        from denialbench import baselines

        return getattr(baselines, f"make_{name}")()

    return make


PROBES: tuple[Probe, ...] = (
    Probe("majority", "most frequent training label (the floor)", _baseline("majority")),
    Probe(
        "id_only",
        "char n-grams of the item id, regularisation tuned on train",
        _make_id_only,
        _near_majority,
    ),
    Probe("id_only_untuned", "the same n-grams, untuned (C=1)", _make_id_untuned),
    Probe(
        "id_only_shuffled",
        "id_only_untuned trained on shuffled labels (its noise floor)",
        _make_id_shuffled,
    ),
    Probe("metadata_only", "speaker + claim_source", _make_metadata_only, _at_most(0.30)),
    Probe(
        "claim_only", "claim alone (claim_only baseline)", _baseline("claim_only"), _at_most(0.30)
    ),
    Probe(
        "claim_only_shuffled",
        "claim_only trained on shuffled labels (its noise floor)",
        lambda: _ShuffledLabels(_baseline("claim_only")()),
    ),
    Probe(
        "shallow_features", "14 surface numbers, gradient boosting", _make_shallow, _at_most(0.38)
    ),
    Probe("cue_rules", "denial-cue keyword rules", _baseline("cue_rules"), _at_most(0.35)),
    Probe("pair_tfidf", "best pair baseline (the ceiling)", _baseline("pair_tfidf")),
    Probe("response_only", "response alone", _baseline("response_only"), _below_pair),
)


def read_train_test(directory: Path | str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and test splits as DataFrames, schema-checked (bundled by default)."""
    from denialbench.corpus._loading import read_bundled_split, read_records

    if directory is None:
        frames = [pd.DataFrame(read_bundled_split(s)) for s in ("train", "test")]
    else:
        directory = Path(directory)
        frames = [
            pd.DataFrame(read_records(directory / f"{s}.jsonl", split=s)) for s in ("train", "test")
        ]
    return frames[0], frames[1]


def _macro_f1(gold: Iterable[str], predicted: np.ndarray) -> float:
    from denialbench.eval import confusion_matrix
    from denialbench.eval._metrics import CONFUSION_METRICS

    index = {label: i for i, label in enumerate(LABELS)}
    cm = confusion_matrix(
        np.array([index[g] for g in gold]), np.array([index[str(p)] for p in predicted])
    )
    return float(CONFUSION_METRICS["macro_f1_score"].func(cm))


def _overlap_numbers(frame: pd.DataFrame) -> np.ndarray:
    from denialbench.corpus._surface import overlap_features

    return overlap_features(list(frame["claim"]), list(frame["response"]))


def _shuffled(labels: pd.Series) -> np.ndarray:
    return np.random.default_rng(SEED).permutation(labels.to_numpy())


def _recall(picked: np.ndarray, test: pd.DataFrame) -> float:
    gold = (test["label"] == "unrelated").to_numpy()
    return float((picked & gold).sum() / max(int(gold.sum()), 1))


def _top_share_picks(train: pd.DataFrame, labels: np.ndarray, test: pd.DataFrame) -> np.ndarray:
    """The test items an overlap model ranks most likely unrelated, as many as train's share."""
    from sklearn.linear_model import LogisticRegression

    is_unrelated = labels == "unrelated"
    model = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=SEED)
    model.fit(_overlap_numbers(train), is_unrelated)
    scores = model.predict_proba(_overlap_numbers(test))[:, 1]
    picked = np.zeros(len(test), dtype=bool)
    picked[np.argsort(-scores, kind="stable")[: round(is_unrelated.mean() * len(test))]] = True
    return picked


def _four_label_picks(train: pd.DataFrame, labels: np.ndarray, test: pd.DataFrame) -> np.ndarray:
    """The test items a four-label, class-balanced overlap model calls unrelated."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=SEED)
    model.fit(_overlap_numbers(train), labels)
    return np.asarray(model.predict(_overlap_numbers(test)) == "unrelated")


def _best_f1_threshold_recall(
    train: pd.DataFrame, is_unrelated: np.ndarray, test: pd.DataFrame
) -> float:
    """The figure's first definition: a binary model cut where unrelated-F1 peaks on train."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=SEED)
    model.fit(_overlap_numbers(train), is_unrelated)
    train_scores = model.predict_proba(_overlap_numbers(train))[:, 1]
    best_f1, threshold = -1.0, 0.5
    for candidate in np.unique(train_scores):
        picked = train_scores >= candidate
        f1 = 2 * float((picked & is_unrelated).sum()) / (picked.sum() + is_unrelated.sum())
        if f1 > best_f1:
            best_f1, threshold = f1, float(candidate)
    picked_test = model.predict_proba(_overlap_numbers(test))[:, 1] >= threshold
    gold_test = (test["label"] == "unrelated").to_numpy()
    return float((picked_test & gold_test).sum() / max(int(gold_test.sum()), 1))


def unrelated_overlap(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    """Share of unrelated test items that claim-response overlap alone picks out.

    A logistic regression on the four overlap numbers ranks the test items;
    it calls unrelated as many of them as train's unrelated share (the top
    20% or so), and the figure is the share of unrelated test items among
    them. Overlap that says nothing finds about that share (the noise floor,
    from the same model on shuffled train labels); overlap that separates
    the labels finds nearly all.

    Two other readings are kept for comparison, each with its noise floor:
    ``four_label_model`` (a class-balanced model of all four labels; on noise
    it swings with whichever label it happens to favour) and
    ``best_f1_threshold`` (the first definition: a binary model cut where
    unrelated-F1 peaks on train; with a 20% base rate that cut calls nearly
    every item unrelated unless overlap separates them, so it reads near 1.0
    on pure noise and cannot pass).
    """
    gold_train = (train["label"] == "unrelated").to_numpy()
    gold_test = (test["label"] == "unrelated").to_numpy()
    if gold_train.all() or not gold_train.any():
        raise _input_error("train", "needs both unrelated and other items to fit the overlap probe")
    labels, shuffled = train["label"].to_numpy(), _shuffled(train["label"])
    picked = _top_share_picks(train, labels, test)
    found = int((picked & gold_test).sum())
    recall = found / max(int(gold_test.sum()), 1)
    return {
        "figure": recall,
        "limit": UNRELATED_OVERLAP_LIMIT,
        "passed": recall < UNRELATED_OVERLAP_LIMIT,
        "unrelated_test_items": int(gold_test.sum()),
        "found": found,
        "precision": found / max(int(picked.sum()), 1),
        "noise_floor": _recall(_top_share_picks(train, shuffled, test), test),
        "four_label_model": {
            "figure": _recall(_four_label_picks(train, labels, test), test),
            "noise_floor": _recall(_four_label_picks(train, shuffled, test), test),
        },
        "best_f1_threshold": {
            "figure": _best_f1_threshold_recall(train, gold_train, test),
            "noise_floor": _best_f1_threshold_recall(train, shuffled == "unrelated", test),
        },
    }


def _input_error(split: str, message: str) -> Exception:
    from denialbench._errors import InputError

    return InputError(f"{split}.jsonl: {message}; add such items to the {split} split")


def score_probe(probe: Probe, train: pd.DataFrame, test: pd.DataFrame) -> float:
    """Fit ``probe`` on ``train`` and return its macro-F1 on ``test``."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    model = probe.make()
    with warnings.catch_warnings():
        # a probe on a tiny corpus may not converge; its figure still counts
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train, train["label"])
    return _macro_f1(test["label"], model.predict(test))


def run_probes(
    directory: Path | str | None = None, pair_reference: dict[str, float] | None = None
) -> dict[str, Any]:
    """Train every probe on train, score macro-F1 on test, and check the limits.

    Returns ``{"probes": [...], "unrelated_overlap": {...}, "passed": bool,
    "tables": [...]}``; each probe row has ``name``, ``description``,
    ``macro_f1``, ``limit`` (text or ``None``) and ``passed`` (``None`` for
    reference rows).
    """
    train, test = read_train_test(directory)
    if train["label"].nunique() < 2:
        raise _input_error("train", "needs at least two labels to train the probes")
    figures = {probe.name: score_probe(probe, train, test) for probe in PROBES}
    # a stronger pair model than the probe's own, as scored on the leaderboard
    figures.update({f"leaderboard:{k}": v for k, v in (pair_reference or {}).items()})
    rows = []
    for probe in PROBES:
        passed, limit = probe.check(figures[probe.name], figures) if probe.check else (None, None)
        rows.append(
            {
                "name": probe.name,
                "description": probe.description,
                "macro_f1": figures[probe.name],
                "limit": limit,
                "passed": passed,
            }
        )
    overlap = unrelated_overlap(train, test)
    passed_all = all(r["passed"] is not False for r in rows) and overlap["passed"]
    return {
        "probes": rows,
        "unrelated_overlap": overlap,
        "passed": passed_all,
        "tables": [_table(rows, overlap)],
    }


def _verdict(passed: bool | None) -> str:
    return "-" if passed is None else ("pass" if passed else "FAIL")


def _table(rows: list[dict[str, Any]], overlap: dict[str, Any]) -> dict[str, Any]:
    body = [
        [
            r["name"],
            r["description"],
            f"{r['macro_f1']:.3f}",
            r["limit"] or "-",
            _verdict(r["passed"]),
        ]
        for r in rows
    ]
    body.append(
        [
            "unrelated_overlap",
            f"unrelated test items found by overlap alone ({overlap['found']}"
            f"/{overlap['unrelated_test_items']}; noise floor {overlap['noise_floor']:.3f})",
            f"{overlap['figure']:.3f}",
            f"< {overlap['limit']:.2f}",
            _verdict(overlap["passed"]),
        ]
    )
    return {
        "title": "Shortcut probes (train -> test; macro-F1, unrelated_overlap: recall)",
        "columns": ["probe", "what it sees", "figure", "limit", "verdict"],
        "rows": body,
    }


#: Where `corpus build` keeps the probes' figures, beside data/.
PROBES_FILE = "probes.json"


def write_probes(corpus_dir: Path | str) -> dict[str, Any]:
    """Run the probes on ``corpus_dir/data`` and write ``corpus_dir/probes.json``.

    The file records the SHA-256 of the train and test files it was measured
    on, so `corpus validate` can tell a stale figure from a current one.
    """
    from denialbench.corpus._io import atomic_write_text, sha256_file

    corpus_dir = Path(corpus_dir)
    report = run_probes(corpus_dir / "data", _leaderboard_pairs(corpus_dir.parent / "leaderboard"))
    record = {
        "data_sha256": {
            split: sha256_file(corpus_dir / "data" / f"{split}.jsonl")
            for split in ("train", "test")
        },
        **{k: v for k, v in report.items() if k != "tables"},
    }
    atomic_write_text(corpus_dir / PROBES_FILE, json.dumps(record, indent=2) + "\n")
    return record


def _leaderboard_pairs(board_dir: Path) -> dict[str, float]:
    """Test macro-F1 of the pair baselines entered for the current corpus version."""
    from denialbench.corpus._version import CORPUS_VERSION

    figures = {}
    for path in sorted((board_dir / CORPUS_VERSION).glob("*.json")):
        entry = json.loads(path.read_text("utf-8"))
        name = entry.get("submission", {}).get("name")
        result = entry.get("results", {}).get("test")
        if entry["submission"].get("baseline") and name in PAIR_BASELINES and result:
            figures[name] = result["metrics"]["macro_f1_score"]["value"]
    return figures


def probes_record(corpus_dir: Path | str) -> dict[str, Any] | None:
    """The probes' figures recorded by the last build, or None before the first."""
    path = Path(corpus_dir) / PROBES_FILE
    return json.loads(path.read_text("utf-8")) if path.exists() else None
