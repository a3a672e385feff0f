"""`corpus build`: stories to split files, deterministic, with blind labels and adjudication."""

from __future__ import annotations

import itertools
import json
import shutil
from collections import Counter

import pytest

from denialbench import InputError
from denialbench.corpus._build import build
from denialbench.corpus._stories import ID_PATTERN, SEED_ITEM, new_id, story_problems

WORDS = [
    *("harbour", "quarry", "ferry", "orchard", "tannery", "granary", "foundry", "mill"),
    *("bakery", "brewery", "dairy", "creamery", "pottery", "smithy", "laundry", "cannery"),
    *("forge", "dock", "wharf", "depot", "kiln", "vineyard"),
]


def make_story(n: int, domain: str = "business") -> dict:
    """A sound story: two claims, each meeting every label, unrelated taken across."""
    a, b = WORDS[n % len(WORDS)], WORDS[(n * 7 + 3) % len(WORDS)]
    town = f"Town{n:03d}"
    claims = [
        {
            "key": "A",
            "text": f"The {a} at {town} closes in {n + 2} weeks, a union letter says.",
            "claim_source": "a union letter",
        },
        {
            "key": "B",
            "text": f"Regulators fined the {b} of {town} for {n + 40} safety breaches.",
            "claim_source": "the regulator",
        },
    ]
    texts = {
        "r1": f"The {a} in {town} signed a {n + 5}-year lease in June and is hiring.",
        "r2": f"Nobody is closing the {a}; that letter about week {n + 2} is invented.",
        "r3": f"Yes, the {a} shuts; staff of {town} heard it from us on day {n}.",
        "r4": f"We will talk to the {a} staff before we talk to reporters, case {n}.",
        "r5": f"The {b} of {town} paid no fine; inspectors passed it on visit {n + 9}.",
        "r6": f"There were {n + 3} breaches at the {b}, not {n + 40}, and we fixed them.",
        "r7": f"We paid the {b} penalty for {town} on Friday, docket {n + 11}.",
        "r8": f"Ask the regulator why it leaks its {b} files every spring, year {n}.",
    }
    responses = [
        {"key": k, "text": t, "speaker": f"spokesperson {n}", "style": "statement"}
        for k, t in texts.items()
    ]
    plan = [
        ("A", "r1", "deny", "counter_claim"), ("A", "r2", "deny", "explicit"),
        ("A", "r3", "confirm", "explicit"), ("A", "r4", "evade", "no_comment"),
        ("A", "r5", "unrelated", None), ("B", "r5", "deny", "explicit"),
        ("B", "r6", "deny", "partial"), ("B", "r7", "confirm", "explicit"),
        ("B", "r8", "evade", "non_denial"), ("B", "r1", "unrelated", None),
    ]  # fmt: skip
    pairs = [
        {"id": new_id(), "claim": c, "response": r, "label": lab, "subtype": sub, "tags": []}
        for c, r, lab, sub in plan
    ]
    return {"group": new_id(), "domain": domain, "claims": claims, "responses": responses,
            "pairs": pairs}  # fmt: skip


def _write_sources(root, stories) -> None:
    (root / "sources" / "stories").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    by_domain: dict[str, list[dict]] = {}
    for story in stories:
        by_domain.setdefault(story["domain"], []).append(story)
    for domain, items in by_domain.items():
        text = "".join(json.dumps(s) + "\n" for s in items)
        (root / "sources" / "stories" / f"{domain}.jsonl").write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "corpus"
    domains = ("business", "sports", "politics")
    _write_sources(root, [make_story(n, domains[n % 3]) for n in range(24)])
    return root


def _rows(root, split):
    path = root / "data" / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_build_is_deterministic_and_keeps_stories_whole(root, tmp_path):
    first = build(root, seed=5)
    copy = tmp_path / "again"
    shutil.copytree(root, copy)
    for f in (copy / "data").glob("*"):
        f.unlink()
    (copy / "sources" / "splits.json").unlink()
    assert build(copy, seed=5)["checksums"] == first["checksums"]
    split_of = {}
    for split in ("train", "validation", "test"):
        for record in _rows(root, split):
            assert split_of.setdefault(record["group"], split) == split
            assert record["split"] == split
            assert ID_PATTERN.match(record["id"]) and ID_PATTERN.match(record["group"])


def test_ids_come_from_the_sources_and_rows_are_shuffled(root):
    build(root, seed=1)
    rows = _rows(root, "train")
    source_ids = {
        p["id"]
        for path in (root / "sources" / "stories").glob("*.jsonl")
        for line in path.read_text("utf-8").splitlines()
        for p in json.loads(line)["pairs"]
    } | {SEED_ITEM["id"]}
    assert {r["id"] for r in rows} <= source_ids
    # neither the story order nor the label order survives into the file
    groups = [r["group"] for r in rows]
    runs = sum(a != b for a, b in itertools.pairwise(groups))
    assert runs > len(rows) / 2
    assert [r["id"] for r in rows] != sorted(r["id"] for r in rows)


def test_build_refuses_changed_data_under_the_same_version(root):
    build(root, seed=1)
    path = root / "sources" / "stories" / "business.jsonl"
    stories = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    stories[0]["responses"][0]["text"] += " Really."
    path.write_text("".join(json.dumps(s) + "\n" for s in stories), encoding="utf-8")
    with pytest.raises(InputError, match="bump CORPUS_VERSION"):
        build(root, seed=1)
    # nothing was half-written: the first build's files are intact
    recorded = json.loads((root / "data" / "checksums.json").read_text("utf-8"))
    from denialbench.corpus import sha256_file

    for split, sha in recorded["sha256"].items():
        assert sha256_file(root / "data" / f"{split}.jsonl") == sha


def test_released_stories_keep_their_split(root):
    build(root, seed=1)
    frozen = json.loads((root / "sources" / "splits.json").read_text("utf-8"))
    extra = make_story(99, "business")
    path = root / "sources" / "stories" / "business.jsonl"
    path.write_text(path.read_text("utf-8") + json.dumps(extra) + "\n", encoding="utf-8")
    build(root, seed=99, allow_same_version=True)  # another seed: released stories stay
    after = json.loads((root / "sources" / "splits.json").read_text("utf-8"))
    assert {g: after[g] for g in frozen} == frozen
    assert extra["group"] in after


def test_a_broken_story_is_refused_with_its_line(root):
    story = make_story(50)
    story["pairs"] = [p for p in story["pairs"] if p["label"] != "confirm" or p["claim"] != "A"]
    path = root / "sources" / "stories" / "business.jsonl"
    path.write_text(path.read_text("utf-8") + json.dumps(story) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"business.jsonl:9: claim 'A' meets no confirm"):
        build(root)


def test_story_problems_name_each_structural_fault():
    story = make_story(1)
    assert story_problems(story) == []
    story["group"] = "business-001"
    story["pairs"][4]["response"] = "r9"
    problems = story_problems(story)
    assert any("not an opaque" in p for p in problems)
    assert any("does not have" in p for p in problems)
    unrelated_own = make_story(2)
    unrelated_own["responses"].append(
        {"key": "r9", "text": "The new bridge opens soon.", "speaker": "x", "style": "wire"}
    )
    unrelated_own["pairs"][4]["response"] = "r9"
    assert any("reply to another claim" in p for p in story_problems(unrelated_own))


def test_duplicate_pair_ids_are_refused(root):
    story = make_story(60)
    story["pairs"][1]["id"] = story["pairs"][0]["id"]
    path = root / "sources" / "stories" / "business.jsonl"
    path.write_text(path.read_text("utf-8") + json.dumps(story) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="give each pair its own id"):
        build(root)


def _annotate(root, labels_of):
    """Write three annotators' labels for every validation/test item."""
    folder = root / "sources" / "annotations"
    folder.mkdir(exist_ok=True)
    items = _rows(root, "validation") + _rows(root, "test")
    for k in range(3):
        lines = [
            json.dumps({"id": r["id"], "annotator": f"ann-{k}", **labels_of(r, k)}) for r in items
        ]
        (folder / f"ann-{k}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return items


def _writer_label(record, _k):
    return {"label": record["label"], "subtype": record["subtype"]}


def test_blind_labels_become_counts(root):
    build(root, seed=1)
    items = _annotate(root, _writer_label)
    result = build(root, seed=1, allow_same_version=True)
    assert result["blind_labels"]["ambiguous"] == 0
    for record in _rows(root, "test"):
        assert record["annotations"][record["label"]] == 3
        assert sum(record["annotations"].values()) == 3
        assert record["ambiguous"] is False
    for record in _rows(root, "train"):
        assert record["annotations"] is None
    agreement = json.loads((root / "agreement" / "blind_labels.json").read_text("utf-8"))
    assert agreement["splits"]["test"]["fleiss_kappa"] == pytest.approx(1.0)
    assert all(a["test"]["macro_f1"] == pytest.approx(1.0) for a in agreement["annotators"])
    from denialbench.corpus._blind_labels import annotator_reference

    reference = annotator_reference(agreement)
    assert reference["annotators"] == 3 and reference["mean_macro_f1"] == pytest.approx(1.0)
    assert annotator_reference({"annotators": [], "splits": {}}) is None
    assert len(items) == sum(agreement["splits"][s]["items"] for s in ("validation", "test"))


def test_no_two_thirds_majority_makes_an_item_ambiguous(root):
    build(root, seed=1)
    target = _rows(root, "test")[0]
    others = [lab for lab in ("deny", "confirm", "evade", "unrelated") if lab != target["label"]]

    def split_vote(record, k):
        if record["id"] != target["id"]:
            return _writer_label(record, k)
        label = [target["label"], *others][k]
        return {"label": label, "subtype": None if label == "unrelated" else target["subtype"]}

    # the subtype of another label is checked too: use a valid one
    def valid(record, k):
        vote = split_vote(record, k)
        from denialbench.corpus._schema import SUBTYPES

        if vote["label"] != "unrelated" and vote["subtype"] not in SUBTYPES[vote["label"]]:
            vote["subtype"] = SUBTYPES[vote["label"]][0]
        return vote

    _annotate(root, valid)
    build(root, seed=1, allow_same_version=True)
    record = next(r for r in _rows(root, "test") if r["id"] == target["id"])
    assert record["ambiguous"] is True
    assert Counter(record["annotations"]).most_common(1)[0][1] == 1


def test_a_majority_against_the_writer_needs_adjudication(root):
    build(root, seed=1)
    target = next(r for r in _rows(root, "test") if r["label"] == "deny")

    def against(record, k):
        if record["id"] == target["id"] and k < 2:
            return {"label": "evade", "subtype": "hedge"}
        return _writer_label(record, k)

    _annotate(root, against)
    with pytest.raises(InputError, match=rf"{target['id']} \(writer deny, majority evade\)"):
        build(root, seed=1, allow_same_version=True)
    adjudication = {"id": target["id"], "label": "evade", "subtype": "hedge", "reason": "hedges"}
    (root / "sources" / "adjudication.jsonl").write_text(json.dumps(adjudication) + "\n")
    build(root, seed=1, allow_same_version=True)
    record = next(r for r in _rows(root, "test") if r["id"] == target["id"])
    assert (record["label"], record["subtype"], record["ambiguous"]) == ("evade", "hedge", False)
    # an adjudicator who keeps the writer's label against the majority leaves it contested
    adjudication.update(label="deny", subtype=target["subtype"], reason="the writer is right")
    (root / "sources" / "adjudication.jsonl").write_text(json.dumps(adjudication) + "\n")
    build(root, seed=1, allow_same_version=True)
    record = next(r for r in _rows(root, "test") if r["id"] == target["id"])
    assert (record["label"], record["ambiguous"]) == ("deny", True)


def test_train_items_take_no_blind_labels(root):
    build(root, seed=1)
    item = _rows(root, "train")[0]
    folder = root / "sources" / "annotations"
    folder.mkdir()
    line = {"id": item["id"], "annotator": "a", "label": "deny", "subtype": None}
    (folder / "a.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="only validation and test items are annotated"):
        build(root, seed=1, allow_same_version=True)


def test_seed_item_is_real_and_cited():
    assert SEED_ITEM["source"] and "TRT World" in SEED_ITEM["source"]
    assert SEED_ITEM["label"] == "deny"
    assert ID_PATTERN.match(SEED_ITEM["id"])


def _write_filtered(root, ids) -> None:
    dropped = [{"id": i, "round": 1, "predictability": 1.0} for i in ids]
    text = json.dumps({"settings": {}, "rounds": [], "dropped": dropped})
    (root / "sources" / "filtered.json").write_text(text, encoding="utf-8")


def test_filtered_items_leave_the_split_files_but_keep_their_blind_labels(root):
    build(root, seed=1)
    items = _annotate(root, _writer_label)
    gone = [items[0]["id"], _rows(root, "train")[0]["id"]]
    _write_filtered(root, gone)
    result = build(root, seed=1, allow_same_version=True)
    kept = {r["id"] for s in ("train", "validation", "test") for r in _rows(root, s)}
    assert kept.isdisjoint(gone)
    # the withdrawn item's labels stay in the sources without being an error
    assert result["blind_labels"]["ambiguous"] == 0


def test_a_filtered_id_in_no_story_is_refused(root):
    _write_filtered(root, ["0123456789ab"])
    with pytest.raises(InputError, match=r"filtered\.json: id '0123456789ab' is in no story"):
        build(root, seed=1)
    (root / "sources" / "filtered.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="re-run that tool"):
        build(root, seed=1)
