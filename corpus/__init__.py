"""The DenialBench corpus: loader, schema, checks and statistics.

>>> from denialbench.corpus import load, LABELS
>>> LABELS
('deny', 'confirm', 'evade', 'unrelated')
"""

from denialbench.corpus._checks import SEED_ITEM_ID, validate
from denialbench.corpus._io import iter_jsonl, sha256_file, write_jsonl
from denialbench.corpus._lexicon import CUE_WORDS, NEGATION_WORDS, find_cues, has_cue
from denialbench.corpus._loading import (
    CONFIGS,
    RELEASES,
    checksums,
    data_dir,
    features,
    load,
    read_records,
    real_features,
    split_path,
    split_sha256,
)
from denialbench.corpus._measures import contrast_groups, shares_entity_with_claim
from denialbench.corpus._quotas import QUOTAS
from denialbench.corpus._real_schema import REAL_SPLITS, check_real_record, real_record_schema
from denialbench.corpus._schema import (
    DOMAINS,
    LABELS,
    SPLITS,
    STYLES,
    SUBTYPES,
    TAGS,
    check_record,
    record_schema,
)
from denialbench.corpus._stats import stats, stats_markdown
from denialbench.corpus._stories import new_id, story_problems
from denialbench.corpus._text import named_tokens
from denialbench.corpus._version import CORPUS_VERSION

__all__ = [
    "CONFIGS",
    "CORPUS_VERSION",
    "CUE_WORDS",
    "DOMAINS",
    "LABELS",
    "NEGATION_WORDS",
    "QUOTAS",
    "REAL_SPLITS",
    "RELEASES",
    "SEED_ITEM_ID",
    "SPLITS",
    "STYLES",
    "SUBTYPES",
    "TAGS",
    "check_real_record",
    "check_record",
    "checksums",
    "contrast_groups",
    "data_dir",
    "features",
    "find_cues",
    "has_cue",
    "iter_jsonl",
    "load",
    "named_tokens",
    "new_id",
    "read_records",
    "real_features",
    "real_record_schema",
    "record_schema",
    "sha256_file",
    "shares_entity_with_claim",
    "split_path",
    "split_sha256",
    "stats",
    "stats_markdown",
    "story_problems",
    "validate",
    "write_jsonl",
]
