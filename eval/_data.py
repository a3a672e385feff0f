"""The gold side of an evaluation: ids, labels and the slice attributes.

Everything is held as numpy arrays of codes so that scoring a million items
is a handful of ``bincount`` calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from denialbench._errors import InputError, RecordError
from denialbench.corpus._schema import LABELS, TAGS
from denialbench.eval._arrow import (
    from_numpy,
    null_rows,
    numeric,
    object_strings,
    one_array,
    scalar,
    string_array,
)

__all__ = [
    "EVAL_SPLITS",
    "EXTRA_TEXT_FIELDS",
    "SLICES",
    "EvalData",
    "SliceSpec",
    "Slicing",
    "encode_labels",
    "extra_from_table",
    "load_eval_data",
]

#: The bundled splits a model can be scored on.
EVAL_SPLITS: tuple[str, ...] = ("test", "validation", "real_test", "real_validation")


@dataclass
class Slicing:
    """One categorical attribute: codes per item and the category names."""

    codes: np.ndarray
    names: list[str]


@dataclass
class EvalData:
    ids: Any  # object array of str, or an Arrow string column: use id_array()/id_column()
    gold: np.ndarray  # int8 codes into LABELS
    claim: Any = None  # sequences of str, needed only to run a model
    response: Any = None
    slices: dict[str, Slicing] = field(default_factory=dict)
    tags: np.ndarray | None = None  # bool matrix (n_items, len(TAGS))
    group: np.ndarray | None = None  # int codes
    source: dict[str, Any] = field(default_factory=dict)
    # Items that count in the headline metrics (None: all). The real splits
    # leave out items without a 2/3 annotator majority; slices cover all.
    headline: np.ndarray | None = None
    # Optional text fields of the items (speaker, claim_source) by name, where the data has
    # them: a checkpoint folder's input template may name them (eval/_hf_folder.py)
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.gold)

    def id_array(self) -> np.ndarray:
        """The ids as a numpy object array of str (converted from Arrow once, on demand).

        A million ids take about a third of a second to become Python strings,
        and scoring a predictions file never needs them, so a file's ids stay
        in Arrow until a model run, a result file or an error message asks.
        """
        if not isinstance(self.ids, np.ndarray):
            self.ids = object_strings(self.ids)
        return self.ids

    def id_column(self) -> Any:
        """The ids as an Arrow string array, for matching against a predictions file."""
        if isinstance(self.ids, np.ndarray):
            cached = getattr(self, "_id_column", None)
            if cached is None or cached[0] is not self.ids:
                self._id_column = cached = (self.ids, string_array(self.ids.tolist()))
            return cached[1]
        return self.ids

    def tag_sets(self) -> np.ndarray:
        """Each item's tag set packed into one integer (bit i = TAGS[i]).

        Derived from ``tags`` once and cached: scoring many models against the
        same data (compare, the leaderboard) then never repacks it.
        """
        cached = getattr(self, "_tag_sets", None)
        if cached is not None and cached[0] is self.tags:
            return cached[1]
        if self.tags is None:
            raise ValueError("tag_sets() needs the tags matrix; this data has no tags")
        packed = np.packbits(self.tags, axis=1, bitorder="little")
        sets = np.zeros(len(self.tags), dtype=np.int64)
        for byte in range(packed.shape[1]):
            sets |= packed[:, byte].astype(np.int64) << (8 * byte)
        self._tag_sets = (self.tags, sets)
        return sets

    def frame(self):
        """The model's input: a DataFrame with ``id``, ``claim``, ``response``."""
        import pandas as pd

        def column(values):
            return values.to_pandas() if hasattr(values, "to_pandas") else values

        return pd.DataFrame(
            {
                "id": self.id_array(),
                "claim": column(self.claim),
                "response": column(self.response),
            }
        )


def repeated_rows(values: Any) -> np.ndarray:
    """Row numbers that repeat an earlier row's value (the second and later occurrences)."""
    _, first, inverse = np.unique(np.asarray(values), return_index=True, return_inverse=True)
    return np.flatnonzero(first[inverse.ravel()] != np.arange(len(inverse)))


def _encode_arrow_labels(values: Any) -> np.ndarray | None:
    """Fast path for an Arrow string column: index into LABELS (or "0".."3"); -1 if unknown."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(values, pa.ChunkedArray | pa.Array) or not pa.types.is_string(values.type):
        return None
    names = pc.index_in(values, value_set=string_array(LABELS))
    digits = pc.index_in(values, value_set=string_array([str(i) for i in range(len(LABELS))]))
    return numeric(pc.coalesce(names, digits), np.int64, fill=-1)


def _is_arrow_integer(values: Any) -> bool:
    import pyarrow as pa

    return isinstance(values, pa.ChunkedArray | pa.Array) and pa.types.is_integer(values.type)


def encode_labels(values: Any, *, what: str, fail) -> np.ndarray:
    """Map string labels or ClassLabel ids to int8 codes; ``fail(row, msg)`` raises."""
    fast = _encode_arrow_labels(values)
    if fast is not None:
        bad = np.flatnonzero(fast < 0)
        if bad.size:
            raise fail(
                int(bad[0]),
                f"{what} {values[int(bad[0])].as_py()!r} is not one of {', '.join(LABELS)} "
                f"({bad.size} bad row(s))",
            )
        return fast.astype(np.int8)
    shown = values  # what a message quotes: the value as given, a null as None
    if _is_arrow_integer(values):
        values = numeric(values, np.int64, fill=-1)
    elif hasattr(values, "to_numpy"):
        values = values.to_numpy(zero_copy_only=False)
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        bad = np.flatnonzero((arr < 0) | (arr >= len(LABELS)))
        if bad.size:
            value = shown[int(bad[0])]
            value = value.as_py() if hasattr(value, "as_py") else value
            raise fail(int(bad[0]), f"{what} {value!r} is not a label id 0-{len(LABELS) - 1}")
        return arr.astype(np.int8)
    if arr.dtype.kind == "f":
        raise fail(0, f"{what} must be label names or integer ids (got floats)")
    lookup = {name: i for i, name in enumerate(LABELS)}
    lookup.update({str(i): i for i in range(len(LABELS))})
    import pandas as pd

    codes = pd.Series(arr, dtype=object).map(lookup)
    bad = np.flatnonzero(codes.isna().to_numpy())
    if bad.size:
        raise fail(
            int(bad[0]),
            f"{what} {arr[bad[0]]!r} is not one of {', '.join(LABELS)} ({bad.size} bad row(s))",
        )
    return codes.to_numpy(dtype=np.int8)


def _as_arrow(values: Any) -> Any:
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray | pa.Array):
        return values.cast(pa.string())
    return string_array(list(values))


def _codes(values: Any) -> np.ndarray:
    """Integer codes of equal values, in order of first appearance (no names needed)."""
    encoded = one_array(_as_arrow(values)).dictionary_encode()
    return numeric(encoded.indices, np.int64)


def _categorical(values: Any) -> Slicing:
    """Codes and sorted names of a categorical column (Arrow or a Python sequence)."""
    import pyarrow.compute as pc

    column = pc.fill_null(_as_arrow(values), scalar("(none)"))
    names = pc.unique(column).to_pylist()
    names.sort()
    codes = pc.index_in(column, value_set=string_array(names))
    return Slicing(numeric(codes, np.int32), names)


def _tag_matrix(tag_lists: Any, n: int) -> np.ndarray:
    matrix = np.zeros((n, len(TAGS)), dtype=bool)
    index = {t: i for i, t in enumerate(TAGS)}
    for row, tags in enumerate(tag_lists):
        for tag in tags or ():
            if tag in index:
                matrix[row, index[tag]] = True
    return matrix


@dataclass(frozen=True)
class SliceSpec:
    """One categorical slice attribute, read from a bundled split or a user's file.

    ``from_records`` gives one category per record of a bundled split;
    ``from_table`` gives the column (Arrow or a sequence) for a user's Arrow
    table and its gold codes, or None when the file lacks the fields.
    """

    name: str
    from_records: Callable[[list[dict[str, Any]]], list[str]]
    from_table: Callable[[Any, np.ndarray], Any]
    description: str


def _column_slice(key: str, description: str) -> SliceSpec:
    def from_table(table: Any, gold: np.ndarray) -> Any:
        return table.column(key) if key in table.column_names else None

    return SliceSpec(key, lambda records: [r[key] for r in records], from_table, description)


def _subtype_from_table(table: Any, gold: np.ndarray) -> Any:
    if "subtype" not in table.column_names:
        return None
    return _label_subtype(gold, table.column("subtype"))


#: The slice registry: a new slice is one entry here. Old leaderboard entries
#: stay valid when it grows (``leaderboard check`` reports them as stale).
SLICES: dict[str, SliceSpec] = {
    s.name: s
    for s in (
        _column_slice("domain", "Topic domain of the item"),
        _column_slice("style", "Writing style of the response"),
        # "explicit" is a subtype of both deny and confirm: slice on label/subtype
        SliceSpec(
            "subtype",
            lambda records: [
                f"{r['label']}/{r['subtype']}" if r["subtype"] else r["label"] for r in records
            ],
            _subtype_from_table,
            "Gold label and subtype",
        ),
    )
}


#: The optional text fields an :class:`EvalData` carries where the data has them.
EXTRA_TEXT_FIELDS = ("speaker", "claim_source")


def _extra_from_records(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {
        name: [r.get(name) for r in records]
        for name in EXTRA_TEXT_FIELDS
        if records and all(name in r for r in records)
    }


def extra_from_table(table: Any) -> dict[str, Any]:
    """The optional text columns of a user's table (Arrow: only a model run reads them)."""
    return {
        name: table.column(name).cast("string")
        for name in EXTRA_TEXT_FIELDS
        if name in table.column_names
    }


def _from_records(records: list[dict[str, Any]], source: dict[str, Any]) -> EvalData:
    n = len(records)
    gold = np.fromiter((LABELS.index(r["label"]) for r in records), dtype=np.int8, count=n)
    data = EvalData(
        ids=np.array([r["id"] for r in records], dtype=object),
        gold=gold,
        claim=[r["claim"] for r in records],
        response=[r["response"] for r in records],
        source=source,
        extra=_extra_from_records(records),
    )
    for name, spec in SLICES.items():
        data.slices[name] = _categorical(spec.from_records(records))
    data.tags = _tag_matrix((r["tags"] for r in records), n)
    data.group = _categorical([r["group"] for r in records]).codes
    if any(r.get("ambiguous") for r in records):
        # 2.0.0 on: items whose blind labels reached no two-thirds majority
        # are scored apart, in their own slice, and left out of the headline
        data.headline = np.fromiter((not r["ambiguous"] for r in records), dtype=bool, count=n)
        data.slices["ambiguous"] = _categorical(
            ["ambiguous" if r["ambiguous"] else "clear" for r in records]
        )
    return data


def _from_file(path: Path) -> EvalData:
    """A user's JSONL/CSV in the corpus schema (id, claim, response, label required)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from denialbench.eval._table_files import read_table

    tf = read_table(path, error=RecordError, required=("id", "claim", "response", "label"))
    table = tf.table
    for name in ("id", "claim", "response"):
        col = table.column(name)
        if col.null_count:
            row = int(null_rows(col)[0])
            raise tf.fail(row, f"field {name!r} is missing or null; every row needs it")
    ids = table.column("id").cast("string").combine_chunks()
    # pc.unique is the cheapest full hash of a million strings (count_distinct costs more)
    if len(pc.unique(ids)) < len(ids):
        row = int(repeated_rows(_codes(ids))[0])
        raise tf.fail(row, f"duplicate id {ids[row].as_py()!r}; ids must be unique")
    gold = encode_labels(table.column("label"), what="label", fail=tf.fail)
    data = EvalData(
        ids=ids,
        gold=gold,
        # kept as Arrow columns: only a model run needs them as Python strings
        claim=table.column("claim"),
        response=table.column("response"),
        source={"kind": "file", "path": str(path), "sha256": tf.sha256(), "split": None},
        extra=extra_from_table(table),
    )
    for name, spec in SLICES.items():
        values = spec.from_table(table, gold)
        if values is not None:
            data.slices[name] = _categorical(values)
    if "tags" in table.column_names:
        data.tags = _arrow_tags(table.column("tags"), len(gold))
    if "group" in table.column_names:
        data.group = _codes(table.column("group"))
    if "ambiguous" in table.column_names and pa.types.is_boolean(table.column("ambiguous").type):
        # a copy of a 2.0.0 split scores like the bundled one: ambiguous items apart
        flags = numeric(pc.fill_null(table.column("ambiguous"), False), bool)
        if flags.any():
            data.headline = ~flags
            data.slices["ambiguous"] = _categorical(
                ["ambiguous" if flag else "clear" for flag in flags]
            )
    return data


def _label_subtype(gold: np.ndarray, subtype: Any) -> Any:
    """ "label/subtype", or the label alone where the subtype is empty or null."""
    import pyarrow.compute as pc

    label = pc.take(string_array(LABELS), from_numpy(gold))
    subtype = pc.fill_null(_as_arrow(subtype), scalar(""))
    joined = pc.binary_join_element_wise(label, subtype, scalar("/"))
    return pc.if_else(pc.equal(subtype, scalar("")), label, joined)


def _arrow_tags(column: Any, n: int) -> np.ndarray:
    """Tag lists (JSON arrays, or ';'-joined strings in CSV) to a bool matrix."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = column.combine_chunks()
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.split_pattern(pc.fill_null(column, scalar("")), ";")
    if not pa.types.is_list(column.type):
        return np.zeros((n, len(TAGS)), dtype=bool)
    flat = pc.list_flatten(column)
    parents = numeric(pc.list_parent_indices(column), np.int64)
    which = numeric(pc.index_in(flat, value_set=string_array(TAGS)), np.int64, fill=-1)
    keep = which >= 0
    matrix = np.zeros((n, len(TAGS)), dtype=bool)
    matrix[parents[keep], which[keep]] = True
    return matrix


def _from_real_records(records: list[dict[str, Any]], source: dict[str, Any]) -> EvalData:
    """A DenialBench-Real split: ambiguous items are sliced but not in the headline."""
    n = len(records)
    data = EvalData(
        ids=np.array([r["id"] for r in records], dtype=object),
        gold=np.fromiter((LABELS.index(r["label"]) for r in records), dtype=np.int8, count=n),
        claim=[r["claim"] for r in records],
        response=[r["response"] for r in records],
        source=source,
        headline=np.fromiter((not r["ambiguous"] for r in records), dtype=bool, count=n),
        extra=_extra_from_records(records),
    )
    data.slices["subtype"] = _categorical(
        [f"{r['label']}/{r['subtype']}" if r["subtype"] else r["label"] for r in records]
    )
    data.slices["ambiguous"] = _categorical(
        ["ambiguous" if r["ambiguous"] else "clear" for r in records]
    )
    data.slices["origin"] = _categorical(
        ["constructed" if r["constructed"] else "natural" for r in records]
    )
    data.slices["collection"] = _categorical([r["collection"] for r in records])
    data.tags = _tag_matrix((r["tags"] for r in records), n)
    return data


def load_eval_data(split: str = "test", data: Path | str | None = None) -> EvalData:
    """The bundled split, or a user's file given as ``data``."""
    if data is not None:
        return _from_file(Path(data))
    from denialbench.corpus._loading import read_bundled_split, split_sha256
    from denialbench.corpus._version import CORPUS_VERSION

    if split not in EVAL_SPLITS:
        raise InputError(f"--split must be one of {', '.join(EVAL_SPLITS)} (got {split!r})")
    records = read_bundled_split(split)
    if split.startswith("real_"):
        return _from_real_records(
            records,
            {
                "kind": "split",
                "split": split,
                "sha256": split_sha256(split),
                "corpus_version": CORPUS_VERSION,
                "path": None,
            },
        )
    return _from_records(
        records,
        {
            "kind": "split",
            "split": split,
            "sha256": split_sha256(split),
            "corpus_version": CORPUS_VERSION,
            "path": None,
        },
    )
