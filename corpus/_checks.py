"""`corpus validate`: schema, leakage, duplicates, version, quotas, blind
labels, writing rules and the recorded shortcut probes.

Schema errors stop the check at once (the rest cannot be measured on broken
rows); every other check runs to the end so one run lists every problem.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from denialbench._errors import CorpusCheckFailed
from denialbench.corpus._blind_labels import BLIND_SPLITS
from denialbench.corpus._io import sha256_file
from denialbench.corpus._loading import data_dir, read_split_files
from denialbench.corpus._measures import computed_tags, headline_measures, label_shares
from denialbench.corpus._quotas import QUOTAS
from denialbench.corpus._schema import COMPUTED_TAGS, LABELS, SPLITS, SUBTYPES
from denialbench.corpus._stories import SEED_ITEM
from denialbench.corpus._text import char_ngram_jaccard_pairs
from denialbench.corpus._version import CORPUS_VERSION
from denialbench.corpus._writing_checks import writing_measures, writing_problems

__all__ = ["SEED_ITEM_ID", "validate"]

#: The one real item, from the TRT World report of 2024-11-11.
SEED_ITEM_ID = SEED_ITEM["id"]


def _check_ids_and_tags(records, problems):
    for rid, count in Counter(r["id"] for r in records).items():
        if count > 1:
            problems.append(f"duplicate id {rid!r} appears {count} times; ids must be unique")
    for r in records:
        want = computed_tags(r)
        have = set(r["tags"]) & COMPUTED_TAGS
        if want != have:
            problems.append(
                f"{r['id']}: computed tags should be {sorted(want)} but are {sorted(have)}; "
                "rebuild with `denialbench corpus build`"
            )


def _check_leakage(by_split, problems):
    group_split: dict[str, set[str]] = defaultdict(set)
    for split, records in by_split.items():
        for r in records:
            group_split[r["group"]].add(split)
    for group, splits in sorted(group_split.items()):
        if len(splits) > 1:
            problems.append(f"group {group!r} appears in several splits: {sorted(splits)}")
    threshold = QUOTAS["near_duplicate_jaccard"]
    for a_index, a in enumerate(SPLITS):
        for b in SPLITS[a_index + 1 :]:
            left, right = by_split[a], by_split[b]
            for field in ("claim", "response"):
                pairs = char_ngram_jaccard_pairs(
                    [r[field] for r in left], [r[field] for r in right], threshold=threshold
                )
                for i, j, jac in pairs:
                    problems.append(
                        f"{field} of {left[i]['id']} ({a}) and {right[j]['id']} ({b}) are "
                        f"near-duplicates (5-gram Jaccard {jac:.2f} >= {threshold}); "
                        "put their groups in one split"
                    )


def _check_quotas(by_split, records, measures, problems):
    q = QUOTAS
    n = len(records)
    if n < q["min_items"]:
        problems.append(f"corpus has {n} items; at least {q['min_items']:.0f} are required")
    for split, minimum in (("test", q["min_test"]), ("validation", q["min_validation"])):
        if len(by_split[split]) < minimum:
            problems.append(f"{split} has {len(by_split[split])} items; needs >= {minimum:.0f}")
    for split, items in by_split.items():
        for label, share in label_shares(items).items():
            lo, hi = q[f"{label}_min"], q[f"{label}_max"]
            if not lo <= share <= hi:
                problems.append(
                    f"{split}: {label} is {share:.1%} of items; must be {lo:.0%}-{hi:.0%}"
                )
    domains = Counter(r["domain"] for r in records)
    if len(domains) < q["min_domains"]:
        problems.append(f"{len(domains)} domains; at least {q['min_domains']:.0f} required")
    for domain, count in domains.items():
        if count / n < q["min_domain_share"]:
            problems.append(f"domain {domain!r} is {count / n:.1%}; needs >= 8%")
    for label in LABELS:
        items = [r for r in records if r["label"] == label]
        counts = Counter(r["subtype"] for r in items)
        for subtype in SUBTYPES[label]:
            share = counts[subtype] / max(len(items), 1)
            if share < q["min_subtype_share"]:
                problems.append(
                    f"subtype {label}/{subtype} is {share:.1%} of {label}; needs >= 10%"
                )
    checks = (
        ("deny_no_cue_share", "min_deny_no_cue_share", "deny items without a cue word"),
        ("nondeny_cue_share", "min_nondeny_cue_share", "non-deny items with a cue word"),
        ("contrast_share", "min_contrast_share", "items in contrast pairs"),
        (
            "unrelated_shared_entity_share",
            "min_unrelated_shared_entity",
            "unrelated items sharing an entity with the claim",
        ),
    )
    for measure, quota, what in checks:
        if measures[measure] < q[quota]:
            problems.append(f"{what}: {measures[measure]:.1%}; needs >= {q[quota]:.0%}")


def _check_blind_labels(by_split, problems):
    need = int(QUOTAS["min_blind_labels"])
    short = [
        r["id"]
        for split in BLIND_SPLITS
        for r in by_split[split]
        if sum((r.get("annotations") or {}).values()) < need
    ]
    if short:
        problems.append(
            f"{len(short)} validation/test item(s) have fewer than {need} blind labels, e.g. "
            f"{', '.join(short[:5])}; add annotations in sources/annotations and rebuild"
        )


def _check_probes(directory, problems, targets):
    """The probes' figures of the last build must be current.

    A figure over its limit goes to ``targets``: the corpus is valid data,
    but misses a quality target, shown as FAIL in the card and by
    `corpus probes` (exit 1).
    """
    from denialbench.corpus._probes import probes_record

    record = probes_record(directory.parent)
    where = directory.parent / "probes.json"
    if record is None:
        # a corpus folder of one's own may have no probes yet; the bundled one must
        if directory.resolve() == data_dir().resolve():
            problems.append(f"{where} is missing; `denialbench corpus build` runs the probes")
        return
    for split, sha in record["data_sha256"].items():
        if sha256_file(directory / f"{split}.jsonl") != sha:
            problems.append(
                f"{where} was measured on another {split}.jsonl; rerun `denialbench corpus build`"
            )
            return
    for row in record["probes"]:
        if row["passed"] is False:
            targets.append(
                f"probe {row['name']} scores macro-F1 {row['macro_f1']:.3f} on test; its limit "
                f"is {row['limit']} (`denialbench corpus probes`)"
            )


def _check_version(directory, problems):
    path = directory / "checksums.json"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path} is missing; run `denialbench corpus build`")
        return
    if recorded.get("version") != CORPUS_VERSION:
        problems.append(
            f"{path} records version {recorded.get('version')!r} but the package says "
            f"{CORPUS_VERSION!r}; rebuild the corpus after bumping the version"
        )
    for split in SPLITS:
        actual = sha256_file(directory / f"{split}.jsonl")
        if recorded.get("sha256", {}).get(split) != actual:
            problems.append(
                f"{split}.jsonl changed since checksums.json was written; any data change "
                "needs a version bump and `denialbench corpus build`"
            )


def validate(directory: Path | str | None = None, *, raise_on_error: bool = True):
    """Check the corpus in ``directory`` (default: the bundled one).

    Returns ``{"measures": {...}, "problems": [...], "targets_missed": [...]}``:
    problems make the corpus invalid; a missed target (a shortcut probe over its
    limit, unrelated items that word overlap finds) is reported, not fatal. With
    ``raise_on_error`` (the default) a non-empty problem list raises
    :class:`~denialbench.CorpusCheckFailed` carrying the list.
    """
    directory = Path(directory) if directory is not None else data_dir()
    by_split = read_split_files(directory)
    records = [r for split in SPLITS for r in by_split[split]]
    measures = {
        **headline_measures(records),
        **{f"{s}_items": len(by_split[s]) for s in SPLITS},
    }
    problems: list[str] = []
    _check_ids_and_tags(records, problems)
    _check_leakage(by_split, problems)
    _check_quotas(by_split, records, measures, problems)
    _check_version(directory, problems)
    _check_blind_labels(by_split, problems)
    writing = writing_measures(records, directory)
    measures["unrelated_overlap"] = writing["unrelated_overlap"]["figure"]
    targets: list[str] = []
    for problem in writing_problems(writing):
        # frames and names are rules; the overlap share is a target, like the probes
        (targets if problem.startswith("word overlap alone") else problems).append(problem)
    _check_probes(directory, problems, targets)
    if not any(r["id"] == SEED_ITEM_ID and r.get("source") for r in records):
        problems.append(f"the real seed item {SEED_ITEM_ID!r} with its source is missing")
    report = {"measures": measures, "problems": problems, "targets_missed": targets}
    if problems and raise_on_error:
        raise CorpusCheckFailed(f"corpus check failed with {len(problems)} problem(s)", problems)
    return report
