"""Hypothesis strategies shared by the tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from denialbench.corpus import LABELS

K = len(LABELS)


@st.composite
def label_pairs(draw, min_size: int = 1, max_size: int = 300):
    """(gold, pred) int arrays of equal length over the four labels."""
    n = draw(st.integers(min_size, max_size))
    gold = draw(arrays(np.int8, n, elements=st.integers(0, K - 1)))
    pred = draw(arrays(np.int8, n, elements=st.integers(0, K - 1)))
    return gold, pred


@st.composite
def probabilities(draw, n: int):
    raw = draw(arrays(np.float64, (n, K), elements=st.floats(0.01, 1.0)))
    return raw / raw.sum(axis=1, keepdims=True)


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80)
