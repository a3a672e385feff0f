"""The baseline factories and their registry.

Each ``make_<name>(**hyperparameters)`` returns an unfitted scikit-learn
estimator that takes a DataFrame with ``id``, ``claim``, ``response``
(``cross_encoder``'s fine-tunes a transformer and is saved as a checkpoint
folder, :mod:`._cross_encoder`). Its
defaults are the hyperparameters that `baselines train` selected on
validation for the shipped model (tests/baselines/test_registry.py checks
this), so ``make_<name>().fit(train)`` rebuilds the shipped model.

A baseline is one :class:`BaselineSpec` in :data:`REGISTRY`; the README
tables, `baselines train all`, tools/refresh_baselines.py, the safe loaders'
allowlist and the test parameter lists are derived from it (CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from denialbench.baselines._cross_encoder import make_cross_encoder
from denialbench.baselines._embedding import SentencePairEmbedding
from denialbench.baselines._features import PairFeatures
from denialbench.baselines._rules import CueRulesClassifier

__all__ = [
    "REGISTRY",
    "SAFE_CLASSES",
    "BaselineSpec",
    "make_claim_only",
    "make_cross_encoder",
    "make_cue_rules",
    "make_majority",
    "make_pair_embedding",
    "make_pair_tfidf",
    "make_response_only",
]


def _word_tfidf(max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, max_features=max_features, sublinear_tf=True, lowercase=True
    )


def _char_tfidf(max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=2,
        max_features=max_features,
        sublinear_tf=True,
        lowercase=True,
    )


def _logistic(C: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=seed)


def _one_side(column: str, C: float, max_features: int, seed: int) -> Pipeline:
    text = FeatureUnion([("word", _word_tfidf(max_features)), ("char", _char_tfidf(max_features))])
    return Pipeline(
        [
            ("features", ColumnTransformer([(column, text, column)])),
            ("classifier", _logistic(C, seed)),
        ]
    )


def make_majority() -> DummyClassifier:
    """The floor: always the most frequent training label."""
    return DummyClassifier(strategy="most_frequent")


def make_cue_rules() -> Pipeline:
    """Fixed keyword rules over the denial-cue lexicon (see CueRulesClassifier)."""
    return Pipeline(
        [
            ("select", ColumnTransformer([("pair", "passthrough", ["claim", "response"])])),
            ("rules", CueRulesClassifier()),
        ]
    )


def make_response_only(C: float = 1.0, max_features: int = 20000, seed: int = 0) -> Pipeline:
    """The artifact probe: word and character TF-IDF of the response alone."""
    return _one_side("response", C, max_features, seed)


def make_claim_only(C: float = 0.3, max_features: int = 20000, seed: int = 0) -> Pipeline:
    """The claim alone: should sit near the floor."""
    return _one_side("claim", C, max_features, seed)


def make_pair_tfidf(
    C: float = 1.0, max_features: int = 20000, pair_weight: float = 1.0, seed: int = 0
) -> Pipeline:
    """TF-IDF of both sides plus pair features, logistic regression."""
    response = FeatureUnion(
        [("word", _word_tfidf(max_features)), ("char", _char_tfidf(max_features))]
    )
    features = ColumnTransformer(
        [
            ("response", response, "response"),
            ("claim", _word_tfidf(max_features // 2), "claim"),
            ("pair", PairFeatures(), ["claim", "response"]),
        ],
        transformer_weights={"response": 1.0, "claim": 0.5, "pair": pair_weight},
    )
    return Pipeline([("features", features), ("classifier", _logistic(C, seed))])


def make_pair_embedding(C: float = 1.0, seed: int = 0) -> Pipeline:
    """MiniLM embeddings [u, v, |u-v|, u*v] of claim and response, logistic regression."""
    return Pipeline(
        [
            (
                "features",
                ColumnTransformer([("pair", SentencePairEmbedding(), ["claim", "response"])]),
            ),
            ("classifier", _logistic(C, seed)),
        ]
    )


@dataclass(frozen=True)
class BaselineSpec:
    """One baseline: everything the tools and the docs need to know about it.

    Attributes
    ----------
    name : str
        The registry key, the file stem under baselines/trained/ and the
        leaderboard name.
    factory : callable
        ``make_<name>(**hyperparameters)``; its defaults are the selected ones.
    description : str
        One line for `baselines list` and the README table.
    grid : dict
        Candidate values per hyperparameter; `baselines train` selects on
        validation. Empty: nothing to select.
    shipped : bool
        Trained files, a model card and a leaderboard entry are in the repository.
    needs_embeddings : bool
        Needs the ``[embeddings]`` extra.
    seeded : bool
        The factory takes a ``seed``.
    extra_data : bool
        Uses data beyond the train split (a pretrained encoder); its
        leaderboard entry says so.
    own_classes : tuple of type
        This package's classes inside the fitted model, which the safe
        loaders may rebuild (:data:`SAFE_CLASSES`).
    artifact : {"file", "folder"}
        What `baselines train` saves under baselines/trained/: ``file``,
        ``<name>.skops`` and ``<name>.pkl``; ``folder``, a Hugging Face
        checkpoint folder ``<name>/``. A model card ``<name>.md`` either way.
    """

    name: str
    factory: Callable[..., Any]
    description: str
    grid: dict[str, list[Any]] = field(default_factory=dict)
    shipped: bool = True
    needs_embeddings: bool = False
    seeded: bool = True
    extra_data: bool = False
    own_classes: tuple[type, ...] = ()
    artifact: str = "file"

    def model_path(self, trained: Path | str, suffix: str = ".pkl") -> Path:
        """The shipped model under ``trained``: the folder, or the file with ``suffix``."""
        if self.artifact == "folder":
            return Path(trained) / self.name
        return Path(trained) / f"{self.name}{suffix}"

    def model_files(self, trained: Path | str) -> list[Path]:
        """Everything `baselines train` writes for this baseline (card included)."""
        card = Path(trained) / f"{self.name}.md"
        if self.artifact == "folder":
            return [self.model_path(trained), card]
        return [self.model_path(trained, ".skops"), self.model_path(trained, ".pkl"), card]


REGISTRY: dict[str, BaselineSpec] = {
    spec.name: spec
    for spec in (
        BaselineSpec(
            "majority", make_majority, "the most frequent training label: the floor", seeded=False
        ),
        BaselineSpec(
            "cue_rules",
            make_cue_rules,
            "fixed keyword rules over the denial-cue lexicon: what a keyword spotter gets",
            seeded=False,
            own_classes=(CueRulesClassifier,),
        ),
        BaselineSpec(
            "response_only",
            make_response_only,
            "word and character TF-IDF of the response alone, logistic regression: "
            "the artifact probe",
            {"C": [0.3, 1.0, 3.0, 10.0]},
        ),
        BaselineSpec(
            "claim_only",
            make_claim_only,
            "word and character TF-IDF of the claim alone, logistic regression: "
            "should sit near the floor",
            {"C": [0.3, 1.0, 3.0]},
        ),
        BaselineSpec(
            "pair_tfidf",
            make_pair_tfidf,
            "TF-IDF of both sides plus pair features (content overlap, shared entities and "
            "numbers, cue and negation counts and their interaction with overlap), "
            "logistic regression",
            {"C": [0.3, 1.0, 3.0], "pair_weight": [1.0, 3.0]},
            own_classes=(PairFeatures,),
        ),
        BaselineSpec(
            "pair_embedding",
            make_pair_embedding,
            "all-MiniLM-L6-v2 sentence embeddings [u, v, |u-v|, u*v] of claim and response, "
            "logistic regression; needs the [embeddings] extra",
            {"C": [0.3, 1.0, 3.0, 10.0]},
            needs_embeddings=True,
            extra_data=True,
            own_classes=(SentencePairEmbedding,),
        ),
        BaselineSpec(
            "cross_encoder",
            make_cross_encoder,
            "all-MiniLM-L6-v2 fine-tuned on (claim, response) text pairs with a four-way "
            "classification head, the epoch with the best validation macro-F1 kept; a "
            "checkpoint folder; needs the [embeddings] extra",
            # a first run at 3e-5 over 3 epochs stayed far below pair_tfidf on
            # validation, so the shipped model searched the epochs of a 1e-4 schedule
            {"learning_rate": [1e-4], "epochs": [6]},
            # trained by the maintainers on a long CPU run (its card gives the time);
            # tools/refresh_baselines.py cross_encoder --no-retrain re-scores it
            shipped=True,
            needs_embeddings=True,
            extra_data=True,
            artifact="folder",
        ),
    )
}

#: This package's own classes that the safe loaders may rebuild (from the registry).
SAFE_CLASSES: tuple[type, ...] = tuple(
    dict.fromkeys(cls for spec in REGISTRY.values() for cls in spec.own_classes)
)
