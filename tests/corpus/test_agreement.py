from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from sklearn.metrics import cohen_kappa_score

from denialbench.corpus._agreement import agreement, cohen_kappa
from strategies import label_pairs


@given(label_pairs(min_size=2))
def test_kappa_matches_sklearn(pair):
    a, b = (x.astype(np.int64) for x in pair)
    with warnings.catch_warnings():  # sklearn warns where kappa is undefined
        warnings.simplefilter("ignore")
        expected = cohen_kappa_score(a, b, labels=[0, 1, 2, 3])
    got = cohen_kappa(a, b)
    if np.isnan(expected):  # one shared label: both definitions degenerate
        assert got == 1.0 or np.isnan(got)
        return
    assert got == pytest.approx(expected, abs=1e-12)


def test_bundled_study_recomputes():
    result = agreement()
    before = result["before_adjudication"]
    assert before["n"] >= 600
    assert result["disagreements"] == int(
        before["n"] - round(before["observed_agreement"] * before["n"])
    )
    assert 0.0 <= before["kappa"] <= 1.0


def test_cli_agreement(cli):
    out = cli("corpus", "agreement")
    assert out.exit_code == 0, out.output
    assert "kappa" in out.output


def test_draw_sample_is_exact_stratified_and_seeded():
    from collections import Counter

    from denialbench.corpus import read_records, split_path
    from denialbench.corpus._agreement import draw_sample

    test = read_records(split_path("test"))
    first = draw_sample(test, 640, seed=0)
    assert len(first) == 640 and len({r["id"] for r in first}) == 640
    assert [r["id"] for r in draw_sample(test, 640, seed=0)] == [r["id"] for r in first]
    cells = Counter((r["label"], r["domain"]) for r in test)
    drawn = Counter((r["label"], r["domain"]) for r in first)
    for cell, count in cells.items():
        assert abs(drawn[cell] - 640 * count / len(test)) < 1  # proportional, largest remainders
