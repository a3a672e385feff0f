"""The pandas-free Arrow conversions agree with pyarrow's own."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from denialbench.eval._arrow import (
    from_numpy,
    null_rows,
    numeric,
    object_strings,
    scalar,
    string_array,
)


def _chunked(values, arrow_type, cut):
    """``values`` split into two chunks at ``cut``, to exercise offsets and chunking."""
    return pa.chunked_array(
        [pa.array(values[:cut], type=arrow_type), pa.array(values[cut:], type=arrow_type)],
        type=arrow_type,
    )


@settings(deadline=None)  # the first example pays for importing pyarrow.compute
@given(
    st.lists(st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)), max_size=60),
    st.integers(0, 60),
    st.integers(0, 5),
)
def test_integers_match_pyarrow(values, cut, skip):
    column = _chunked(values, pa.int64(), min(cut, len(values))).slice(skip)
    expected = [-7 if v is None else v for v in values[skip:]]
    assert numeric(column, np.int64, fill=-7).tolist() == expected
    assert null_rows(column).tolist() == [i for i, v in enumerate(values[skip:]) if v is None]


@given(st.lists(st.booleans(), max_size=70), st.integers(0, 70), st.integers(0, 9))
def test_booleans_are_unpacked_from_bits(values, cut, skip):
    column = _chunked(values, pa.bool_(), min(cut, len(values))).slice(skip)
    assert numeric(column, bool).tolist() == values[skip:]


def test_floats_fill_nulls_and_nulls_need_a_fill():
    column = pa.array([0.25, None, 1.0])
    out = numeric(column, np.float64, fill=np.nan)
    assert out[0] == 0.25 and np.isnan(out[1]) and out[2] == 1.0
    with pytest.raises(ValueError, match="no numeric fill"):
        numeric(column, np.float64)
    with pytest.raises(TypeError, match="booleans as bits"):
        from_numpy(np.array([True]))


@given(st.lists(st.one_of(st.none(), st.text()), max_size=30))
def test_string_arrays_round_trip(values):
    built = string_array(values)
    assert built.to_pylist() == values
    assert built.equals(pa.array(values, type=pa.string()))
    assert object_strings(built).tolist() == values


def test_scalars_and_numpy_arrays():
    assert scalar("x").as_py() == "x" and scalar(3).as_py() == 3
    assert from_numpy(np.array([3, 1], dtype=np.int8)).to_pylist() == [3, 1]
    assert numeric(pa.chunked_array([], type=pa.int32()), np.int32).shape == (0,)


def test_scoring_a_predictions_file_never_imports_pandas(tmp_path):
    """The reason this module exists: importing pandas costs about 0.3 s."""
    data = tmp_path / "data.jsonl"
    rows = [
        '{"id": "a", "claim": "c", "response": "r", "label": "deny", "domain": "x",'
        ' "subtype": "flat", "tags": ["negation"], "group": "g1"}',
        '{"id": "b", "claim": "c", "response": "s", "label": "confirm", "domain": null,'
        ' "subtype": null, "tags": [], "group": "g1"}',
        '{"id": "c", "claim": "c", "response": "t", "label": "evade", "domain": "x",'
        ' "subtype": "", "tags": null, "group": "g2"}',
        '{"id": "d", "claim": "c", "response": "u", "label": "unrelated", "domain": "y",'
        ' "subtype": "topic", "tags": ["negation"], "group": "g2"}',
    ]
    data.write_text("\n".join(rows) + "\n")
    preds = tmp_path / "preds.csv"  # out of the data's order, so ids are matched by hashing
    preds.write_text(
        "id,label,p_deny,p_confirm,p_evade,p_unrelated\n"
        "b,1,0,1,0,0\na,0,1,0,0,0\nd,3,0,0,0,1\nc,2,0,0,1,0\n"
    )
    code = (
        "import sys; from denialbench.eval import evaluate; "
        f"r = evaluate({str(preds)!r}, data={str(data)!r}, n_bootstrap=10); "
        "assert r.macro_f1 == 1.0; print('pandas' in sys.modules)"
    )
    # run outside the checkout so that the installed package, not the tree, is imported
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
