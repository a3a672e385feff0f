"""Loading the bundled corpus as a `datasets.DatasetDict` or pandas frames.

The split files are package data, found through importlib.resources, so
``load()`` works the same from a checkout, an editable install or a wheel.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from denialbench._errors import InputError
from denialbench.corpus._io import iter_jsonl, sha256_file
from denialbench.corpus._real_schema import REAL_SPLITS, check_real_record
from denialbench.corpus._schema import LABELS, SPLITS, check_record
from denialbench.corpus._version import CORPUS_VERSION

if TYPE_CHECKING:
    import datasets
    import pandas as pd

__all__ = [
    "CONFIGS",
    "RELEASES",
    "checksums",
    "data_dir",
    "features",
    "load",
    "read_bundled_split",
    "read_records",
    "read_split_files",
    "real_features",
    "split_path",
    "split_sha256",
]


def data_dir() -> Path:
    """The folder holding ``train.jsonl``, ``validation.jsonl``, ``test.jsonl``."""
    return Path(str(resources.files("denialbench.corpus") / "data"))


#: The configs of the dataset card: the synthetic corpus, DenialBench-Real,
#: and the synthetic corpora of earlier releases, kept so old results reproduce.
CONFIGS: dict[str, tuple[str, ...]] = {
    "default": SPLITS,
    "real": REAL_SPLITS,
    "v2.0.0": SPLITS,
    "v1.0.0": SPLITS,
}

#: Each archived config and the releases whose synthetic splits it holds.
ARCHIVED_CONFIGS: dict[str, tuple[str, ...]] = {
    "v2.0.0": ("2.0.0",),
    "v1.0.0": ("1.0.0", "1.1.0"),
}

#: Every corpus version the package can load: the folder (under data/) that
#: holds each of its configs. An earlier synthetic split is the archived file,
#: so a result scored on 2.0.0, 1.1.0 or 1.0.0 can be re-scored on the very
#: same bytes.
RELEASES: dict[str, dict[str, str]] = {
    CORPUS_VERSION: {"default": "", "real": ""},
    "2.0.0": {"default": "v2.0.0", "real": ""},
    "1.1.0": {"default": "v1.0.0", "real": ""},
    "1.0.0": {"default": "v1.0.0"},
}


def _folder(split: str, version: str | None) -> Path:
    version = version or CORPUS_VERSION
    if version not in RELEASES:
        raise InputError(f"unknown corpus version {version!r}; choose one of {', '.join(RELEASES)}")
    config = "real" if split in REAL_SPLITS else "default"
    if config not in RELEASES[version]:
        raise InputError(
            f"corpus {version} has no {split!r} split (DenialBench-Real arrived in 1.1.0); "
            f"load it from a later version"
        )
    return data_dir() / RELEASES[version][config]


def split_path(split: str, version: str | None = None) -> Path:
    """The bundled file of ``split`` in corpus ``version`` (default: the current one)."""
    if split not in SPLITS and split not in REAL_SPLITS:
        known = ", ".join(SPLITS + REAL_SPLITS)
        raise InputError(f"unknown split {split!r}; choose one of {known}")
    return _folder(split, version) / f"{split}.jsonl"


def _checksums_file(split: str, version: str | None = None) -> Path:
    name = "real_checksums.json" if split in REAL_SPLITS else "checksums.json"
    return _folder(split, version) / name


def split_sha256(split: str, version: str | None = None) -> str:
    """SHA-256 of the bundled split file: what a result was scored on."""
    return sha256_file(split_path(split, version))


def checksums() -> dict[str, Any]:
    """The recorded version and per-split SHA-256 (data/checksums.json)."""
    path = data_dir() / "checksums.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: missing; run `denialbench corpus build`") from None


def read_records(
    path: Path | str, *, split: str | None = None, check: bool = True
) -> list[dict[str, Any]]:
    """Read and schema-check every record of a corpus-schema JSONL file.

    Raises :class:`~denialbench.RecordError` naming the file, line and field
    of the first bad record. With ``split`` given, each record's ``split``
    field must match it. ``check=False`` skips the per-record schema check,
    for files already known good (see :func:`read_bundled_split`).
    """
    records = []
    checker = check_real_record if split in REAL_SPLITS else check_record
    for number, record in iter_jsonl(path):
        where = f"{path}:{number}"
        if check:
            checker(record, where)
        if split is not None and record["split"] != split:
            raise InputError(
                f"{where}: record {record['id']!r} says split {record['split']!r} "
                f"but sits in the {split!r} file; move it or fix its 'split' field"
            )
        records.append(record)
    return records


def read_split_files(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """Every split file of ``directory``, schema-checked, keyed by split."""
    return {s: read_records(directory / f"{s}.jsonl", split=s) for s in SPLITS}


def read_bundled_split(split: str, version: str | None = None) -> list[dict[str, Any]]:
    """Records of a bundled split; the schema check is skipped when the file's
    SHA-256 is the one recorded by `corpus build`, whose output `corpus
    validate` checks in CI (it saves a fifth of `evaluate`'s start-up)."""
    path = split_path(split, version)
    if split in REAL_SPLITS and not path.exists():
        raise InputError(
            f"{path}: missing; DenialBench-Real is built with `denialbench corpus real build`"
        )
    try:
        recorded = json.loads(_checksums_file(split, version).read_text(encoding="utf-8"))
        verified = recorded.get("sha256", {}).get(split) == sha256_file(path)
    except (FileNotFoundError, ValueError):
        verified = False
    return read_records(path, split=split, check=not verified)


def features() -> datasets.Features:
    """The `datasets` features of the corpus, with a ClassLabel ``label``."""
    import datasets

    string = datasets.Value("string")
    return datasets.Features(
        {
            "id": string,
            "claim": string,
            "claim_source": string,
            "response": string,
            "speaker": string,
            "label": datasets.ClassLabel(names=list(LABELS)),
            "subtype": string,
            "tags": datasets.Sequence(string),
            "domain": string,
            "style": string,
            "group": string,
            "split": string,
            "source_url": string,
            "source": string,
            # 2.0.0 on: three blind labels per evaluation item (None in train
            # and in 1.x), and whether they reached no two-thirds majority
            "annotations": {name: datasets.Value("int32") for name in LABELS},
            "ambiguous": datasets.Value("bool"),
        }
    )


def real_features() -> datasets.Features:
    """The `datasets` features of DenialBench-Real (the ``real`` config)."""
    import datasets

    string = datasets.Value("string")
    return datasets.Features(
        {
            "id": string,
            "claim": string,
            "response": string,
            "label": datasets.ClassLabel(names=list(LABELS)),
            "subtype": string,
            "annotations": {name: datasets.Value("int32") for name in LABELS},
            "ambiguous": datasets.Value("bool"),
            "adjudication": string,
            "constructed": datasets.Value("bool"),
            "tags": datasets.Sequence(string),
            "speaker": string,
            "speaker_title": string,
            "question": string,
            "source_url": string,
            "date": string,
            "briefing_title": string,
            "briefing_id": string,
            "collection": string,
            "claim_turn": datasets.Value("int32"),
            "response_turn": datasets.Value("int32"),
            "split": string,
        }
    )


def _frame(records: list[dict[str, Any]], real: bool = False) -> pd.DataFrame:
    import pandas as pd

    if real:
        return pd.DataFrame.from_records(records, columns=list(real_features()))
    frame = pd.DataFrame.from_records(records)
    for optional in ("source_url", "source", "annotations"):
        if optional not in frame:
            frame[optional] = None
    if "ambiguous" not in frame:
        frame["ambiguous"] = False
    return frame[list(features())]


def load(
    *,
    as_pandas: bool = False,
    splits: tuple[str, ...] | None = None,
    config: str = "default",
    version: str | None = None,
) -> datasets.DatasetDict | dict[str, pd.DataFrame]:
    """Load the bundled corpus.

    Parameters
    ----------
    as_pandas : bool
        Return ``{split: DataFrame}`` (string labels) instead of a
        ``datasets.DatasetDict`` (ClassLabel labels).
    splits : tuple of str, optional
        Which splits to load (default: every split of ``config``).
    config : {"default", "real", "v2.0.0", "v1.0.0"}
        ``"default"``: the synthetic corpus (train, validation, test);
        ``"real"``: DenialBench-Real, exchanges from White House press
        briefings (real_train, real_validation, real_test), with its own
        fields (speaker, briefing, question, annotator counts);
        ``"v2.0.0"``: the synthetic corpus of release 2.0.0, the same as
        ``config="default", version="2.0.0"``;
        ``"v1.0.0"``: the synthetic corpus of the 1.x releases, the same as
        ``config="default", version="1.0.0"``.
    version : str, optional
        The corpus version to load (default: the current one,
        ``CORPUS_VERSION``); ``RELEASES`` lists them. ``"2.0.0"``, ``"1.1.0"``
        and ``"1.0.0"`` give their synthetic splits, byte for byte, so
        results reported on them can be reproduced.

    Examples
    --------
    >>> from denialbench.corpus import load
    >>> ds = load()
    >>> ds["test"].features["label"].names
    ['deny', 'confirm', 'evade', 'unrelated']
    >>> old = load(version="1.0.0", as_pandas=True)
    """
    if config not in CONFIGS:
        raise InputError(f"unknown config {config!r}; choose one of {', '.join(CONFIGS)}")
    if config in ARCHIVED_CONFIGS:
        releases = ARCHIVED_CONFIGS[config]
        if version not in (None, *releases):
            raise InputError(f"config {config!r} holds corpus {releases[0]}, not {version!r}")
        config, version = "default", releases[0]
    if splits is None:
        splits = CONFIGS[config]
    frames = {
        split: _frame(read_bundled_split(split, version), real=split in REAL_SPLITS)
        for split in splits
    }
    if as_pandas:
        return frames
    import datasets

    encoded = {}
    for split, frame in frames.items():
        feats = real_features() if split in REAL_SPLITS else features()
        frame = frame.copy()
        frame["label"] = frame["label"].map(LABELS.index)  # ClassLabel stores ids
        encoded[split] = datasets.Dataset.from_pandas(frame, features=feats, preserve_index=False)
    return datasets.DatasetDict(encoded)
