"""DenialBench baselines: from the floor to a strong model, and artifact probes.

>>> from denialbench.baselines import REGISTRY
>>> list(REGISTRY)[:3]
['majority', 'cue_rules', 'response_only']
"""

from denialbench.baselines._cross_encoder import CrossEncoderClassifier
from denialbench.baselines._embedding import SentencePairEmbedding, embeddings_available
from denialbench.baselines._features import PAIR_FEATURE_NAMES, PairFeatures, pair_features
from denialbench.baselines._registry import (
    REGISTRY,
    SAFE_CLASSES,
    BaselineSpec,
    make_claim_only,
    make_cross_encoder,
    make_cue_rules,
    make_majority,
    make_pair_embedding,
    make_pair_tfidf,
    make_response_only,
)
from denialbench.baselines._rules import CueRulesClassifier
from denialbench.baselines._training import fit_baseline, train_baselines

__all__ = [
    "PAIR_FEATURE_NAMES",
    "REGISTRY",
    "SAFE_CLASSES",
    "BaselineSpec",
    "CrossEncoderClassifier",
    "CueRulesClassifier",
    "PairFeatures",
    "SentencePairEmbedding",
    "embeddings_available",
    "fit_baseline",
    "make_claim_only",
    "make_cross_encoder",
    "make_cue_rules",
    "make_majority",
    "make_pair_embedding",
    "make_pair_tfidf",
    "make_response_only",
    "pair_features",
    "train_baselines",
]
